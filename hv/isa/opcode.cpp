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
// The cost class follows from the encoding: memory instructions by name,
// multiplies and divides by name, and the rest of COP1 and COP1X (major
// opcodes 17 and 19) as FPU work.
constexpr CostClass cost_class(Opcode op, uint32_t match) {
    switch (op) {
        case Opcode::lb: case Opcode::lbu: case Opcode::lh: case Opcode::lhu: case Opcode::lw: case Opcode::lwu:
        case Opcode::lwl: case Opcode::lwr: case Opcode::ld: case Opcode::ldl: case Opcode::ldr: case Opcode::ll:
        case Opcode::lld: case Opcode::lwc1: case Opcode::ldc1: case Opcode::lwxc1: case Opcode::ldxc1: case Opcode::luxc1:
            return CostClass::LOAD;
        case Opcode::sb: case Opcode::sh: case Opcode::sw: case Opcode::swl: case Opcode::swr: case Opcode::sd:
        case Opcode::sdl: case Opcode::sdr: case Opcode::sc: case Opcode::scd: case Opcode::swc1: case Opcode::sdc1:
        case Opcode::swxc1: case Opcode::sdxc1: case Opcode::suxc1:
            return CostClass::STORE;
        case Opcode::mult: case Opcode::multu: case Opcode::dmult: case Opcode::dmultu: case Opcode::mul:
        case Opcode::madd: case Opcode::maddu: case Opcode::msub: case Opcode::msubu:
            return CostClass::MULTIPLY;
        case Opcode::div: case Opcode::divu: case Opcode::ddiv: case Opcode::ddivu:
            return CostClass::DIVIDE;
        case Opcode::prefx: return CostClass::OTHER;  // a hint, as pref
        default: break;
    }
    const uint32_t major = match >> 26;
    return major == 17 || major == 19 ? CostClass::FPU : CostClass::OTHER;
}

// The general registers an instruction reads follow from its encoding: a
// field the mask fixes names none (the shifts' rs, REGIMM's rt); a field
// that is also the destination is read only by the instructions that merge
// into it; jump targets, trap codes and FPU register numbers name none.
constexpr uint8_t gpr_reads(Opcode op, uint32_t mask, uint32_t match, Dest dest) {
    using namespace gpr_read;
    constexpr uint32_t kRsField = 31u << 21, kRtField = 31u << 16;
    switch (op) {
        case Opcode::j: case Opcode::jal: case Opcode::syscall: case Opcode::break_: case Opcode::sdbbp: return 0;
        case Opcode::cache: case Opcode::pref: return RS;
        case Opcode::lwl: case Opcode::lwr: case Opcode::ldl: case Opcode::ldr: case Opcode::ins: case Opcode::dinsm:
        case Opcode::dinsu: case Opcode::dins: case Opcode::sc: case Opcode::scd:
            return RS | RT;
        default: break;
    }
    const uint32_t rs = match >> 21 & 31, funct = match & 0x3f;
    switch (match >> 26) {
        case 17: return rs >= 4 && rs <= 7 ? RT : 0;   // COP1: mtc1, dmtc1, ctc1, mthc1
        case 19: return funct < 0x10 ? RS | RT : 0;    // COP1X: indexed, or FPRs only
        case 49: case 53: case 57: case 61: return RS; // lwc1, ldc1, swc1, sdc1
        default: break;
    }
    uint8_t reads = 0;
    if ((mask & kRsField) != kRsField) reads |= RS;
    if ((mask & kRtField) != kRtField && dest != Dest::RT) reads |= RT;
    return reads;
}

constexpr std::array<OpcodeInfo, size_t(Opcode::count)> kInfo = {{
#define INSN(name, mask, match, dest, flags, sclass)                                                     \
    {kName_##name.text, mask, match, Dest::dest, flags, SensitiveClass::sclass, cost_class(Opcode::name, match), \
     gpr_reads(Opcode::name, mask, match, Dest::dest)},
#include "hv/isa/instructions.def"
#undef INSN
    {"(reserved)", 0, 0, Dest::NONE, ENDS, SensitiveClass::NONE, CostClass::OTHER, 0},
}};
}  // namespace

const OpcodeInfo& opcode_info(Opcode op) { return kInfo[size_t(op)]; }

namespace {
// Bit m: some sensitive row has major opcode m (SDBBP, semihosting's too).
constexpr uint64_t sensitive_majors() {
    uint64_t majors = 0;
    for (const OpcodeInfo& info : kInfo)
        if (info.sensitive != SensitiveClass::NONE) majors |= 1ull << (info.match >> 26);
    return majors;
}
constexpr uint64_t kSensitiveMajors = sensitive_majors();
}  // namespace

bool may_be_sensitive(uint32_t word) { return (kSensitiveMajors >> (word >> 26)) & 1; }

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
