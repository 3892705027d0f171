#include "hv/isa/opcode.h"

#include <array>

namespace mipshv {

namespace {
using namespace insn_flag;
// Row names use a trailing underscore or '_' for '.' where the mnemonic is a
// C++ keyword or holds a dot; the assembler spelling is recovered here.
constexpr std::string_view mnemonic(std::string_view id) {
    if (id.ends_with('_')) id.remove_suffix(1);
    return id;
}
constexpr std::array<OpcodeInfo, size_t(Opcode::count)> kInfo = {{
#define INSN(name, mask, match, dest, flags, sclass) \
    {mnemonic(#name), mask, match, Dest::dest, flags, SensitiveClass::sclass},
#include "hv/isa/instructions.def"
#undef INSN
    {"(reserved)", 0, 0, Dest::NONE, ENDS, SensitiveClass::NONE},
}};
}  // namespace

const OpcodeInfo& opcode_info(Opcode op) { return kInfo[size_t(op)]; }

std::string_view sensitive_class_name(SensitiveClass c) {
    switch (c) {
        case SensitiveClass::NONE: return "none";
        case SensitiveClass::CP0_READ: return "cp0-read";
        case SensitiveClass::CP0_WRITE: return "cp0-write";
        case SensitiveClass::TLB: return "tlb";
        case SensitiveClass::ERET: return "eret";
        case SensitiveClass::WAIT: return "wait";
        case SensitiveClass::CACHE: return "cache";
        case SensitiveClass::INTERRUPT_MASK: return "interrupt-mask";
        case SensitiveClass::SHADOW_SET: return "shadow-set";
        case SensitiveClass::DEBUG: return "debug";
    }
    return "?";
}

}  // namespace mipshv
