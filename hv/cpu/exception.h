// Exception entry and return, as the MIPS64 PRA defines them: EPC/BD,
// Cause.ExcCode, the vector (refill, XTLB refill, general, interrupt, BEV),
// and the address registers TLB and address-error exceptions set.
#pragma once
#include <cstdint>

#include "hv/cpu/cpu.h"

namespace mipshv {

enum class Exc : uint8_t {
    INT = 0, MOD = 1, TLBL = 2, TLBS = 3, ADEL = 4, ADES = 5, IBE = 6, DBE = 7,
    SYS = 8, BP = 9, RI = 10, CPU = 11, OV = 12, TR = 13, FPE = 15, WATCH = 23, MCHECK = 24,
};

// Each returns false so that an instruction can `return raise(...)`.
bool raise(Cpu& c, const Insn& i, Exc code);
bool raise_coprocessor_unusable(Cpu& c, const Insn& i, unsigned coprocessor);
bool raise_address_error(Cpu& c, const Insn& i, Exc code, uint64_t va);
bool raise_tlb(Cpu& c, const Insn& i, Exc code, uint64_t va, bool refill);

// Takes a pending, enabled interrupt; called between blocks.
bool take_interrupt_if_pending(Cpu& c);
// An enabled interrupt is pending (checked between every two blocks).
inline bool interrupt_pending(const Cpu& c) {
    const uint64_t s = c.cp0.status;
    return (s & (cp0::status::IE | cp0::status::EXL | cp0::status::ERL)) == cp0::status::IE &&
           (c.cp0.cause & s & cp0::cause::IP) != 0;
}
// After a change to Status, Cause or an interrupt line: translated code
// goes back to the run loop at the next block only if an interrupt is now
// pending (the run loop would do nothing else with the change).
inline void check_interrupts_at_next_block(Cpu& c) {
    if (interrupt_pending(c)) c.request_check();
}
// ERET: back to EPC (or ErrorEPC), clearing EXL (or ERL) and the LL bit.
void exception_return(Cpu& c);

// The privilege mode's soft-TLB index; call after any Status change.
void update_mmu_mode(Cpu& c);
inline bool in_kernel_mode(const Cpu& c) { return c.mmu_mode >= kModeKernel; }

}  // namespace mipshv
