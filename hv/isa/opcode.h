// Opcode identifiers and static per-opcode attributes, generated from
// instructions.def so that the table stays the single source of truth.
#pragma once
#include <cstdint>
#include <string_view>

namespace mipshv {

enum class Opcode : uint16_t {
#define INSN(name, mask, match, dest, flags, sclass) name,
#include "hv/isa/instructions.def"
#undef INSN
    invalid,  // no row matched: reserved instruction
    count
};

// Which register an instruction writes.
enum class Dest : uint8_t { NONE, RD, RT, RA, FD, FT, FS };

namespace insn_flag {
constexpr uint8_t BRANCH = 1;  // has a delay slot
constexpr uint8_t LIKELY = 2;  // delay slot annulled when not taken
constexpr uint8_t ENDS = 4;    // the block ends after this instruction
}  // namespace insn_flag

// Why an instruction may not run natively in a de-privileged guest kernel.
enum class SensitiveClass : uint8_t {
    NONE,            // harmless: runs the same in user mode
    CP0_READ,        // mfc0/dmfc0
    CP0_WRITE,       // mtc0/dmtc0
    TLB,             // tlbr/tlbwi/tlbwr/tlbp
    ERET,            // exception return
    WAIT,            // wait for interrupt
    CACHE,           // cache maintenance
    INTERRUPT_MASK,  // di/ei
    SHADOW_SET,      // rdpgpr/wrpgpr
    DEBUG,           // sdbbp/deret (sdbbp 1 is UHI semihosting)
};

// What an instruction costs on a modelled core beyond its base CPI, by
// kind (hv/stats/cost_model.h prices each kind's counter, counters.def).
enum class CostClass : uint8_t {
    OTHER,     // the base CPI alone
    LOAD,      // from memory into a GPR or FPR (LL included)
    STORE,     // to memory (SC included)
    MULTIPLY,  // integer multiply and multiply-accumulate (HI/LO or a GPR)
    DIVIDE,    // integer divide
    FPU,       // any other coprocessor 1 instruction (COP1, COP1X)
};

// Which of an instruction's rs and rt fields name general registers it
// reads (its destination aside): a field may instead be part of an
// immediate or a jump target, a sub-opcode, or an FPU register number.
namespace gpr_read {
constexpr uint8_t RS = 1, RT = 2;
}

struct OpcodeInfo {
    std::string_view name;  // assembler mnemonic
    uint32_t mask, match;
    Dest dest;
    uint8_t flags;
    SensitiveClass sensitive;
    CostClass cost;
    uint8_t gpr_reads;  // gpr_read bits
};

const OpcodeInfo& opcode_info(Opcode op);
// Sensitive on this machine: with UHI semihosting, SDBBP 1 is a hypercall
// of its own rather than a privileged instruction.
inline bool is_sensitive(Opcode op, bool semihosting) {
    if (op == Opcode::sdbbp && semihosting) return false;
    return opcode_info(op).sensitive != SensitiveClass::NONE;
}
std::string_view sensitive_class_name(SensitiveClass c);
// False when no sensitive row has word's major opcode: the patcher's scan
// decodes only the words that pass (a few percent of code).
bool may_be_sensitive(uint32_t word);

}  // namespace mipshv
