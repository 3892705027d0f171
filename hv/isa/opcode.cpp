#include "hv/isa/opcode.h"

#include <array>

namespace mipshv {

namespace {
using namespace insn_flag;
// Row names are C++ identifiers: a trailing '_' avoids a keyword (and_)
// and '_' stands for the '.' of mnemonics such as add.s or jr.hb.
template <size_t N>
struct Mnemonic {
    char text[N] = {};
    constexpr explicit Mnemonic(const char (&id)[N]) {
        size_t len = N - 1;
        if (len > 0 && id[len - 1] == '_') --len;
        for (size_t k = 0; k < len; ++k) text[k] = id[k] == '_' ? '.' : id[k];
    }
};
#define INSN(name, mask, match, dest, flags, sclass) constexpr Mnemonic kName_##name(#name);
#include "hv/isa/instructions.def"
#undef INSN
constexpr std::array<OpcodeInfo, size_t(Opcode::count)> kInfo = {{
#define INSN(name, mask, match, dest, flags, sclass) \
    {kName_##name.text, mask, match, Dest::dest, flags, SensitiveClass::sclass},
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
