#include "hv/common/error.h"
#include "hv/engine/interp/interpreter.h"
#include "hv/engine/jit/jit.h"

namespace mipshv {

std::unique_ptr<ExecutionEngine> make_engine(const std::string& name, Bus& bus, size_t code_cache_bytes) {
    if (name == "interp") return std::make_unique<Interpreter>(bus);
    if (name == "jit") return std::make_unique<Jit>(bus, code_cache_bytes);
    throw Error("mipshv: unknown engine '" + name + "' (valid: jit, interp)");
}

}  // namespace mipshv
