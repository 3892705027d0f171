// Opcode -> semantic routine, generated from instructions.def.
#include <array>

#include "hv/cpu/insn.h"

namespace mipshv {

namespace {
constexpr std::array<ExecFn, size_t(Opcode::count)> kExec = {
#define INSN(name, mask, match, dest, flags, sclass) &exec_##name,
#include "hv/isa/instructions.def"
#undef INSN
    &exec_invalid,
};
}  // namespace

ExecFn exec_function(Opcode op) { return kExec[size_t(op)]; }

}  // namespace mipshv
