#include "hv/cpu/exception.h"

namespace mipshv {

namespace {
using namespace cp0;

constexpr uint64_t kBevOffset = 0x200;  // boot-exception vectors: from here above the boot base
constexpr uint64_t kOffsetRefill = 0x000, kOffsetXtlbRefill = 0x080, kOffsetGeneral = 0x180,
                   kOffsetInterrupt = 0x200;

uint64_t vector_base(const Cpu& c) {
    if (c.cp0.status & status::BEV) return c.boot_base + kBevOffset;
    return sext32(c.cp0.ebase & 0xfffff000u);
}

void count_exception(CpuCounters& n, Exc code) {
    ++n.exceptions;
    switch (code) {
        case Exc::INT: ++n.interrupts; break;
        case Exc::TLBL: case Exc::TLBS: break;  // refill or invalid: counted by raise_tlb
        case Exc::MOD: ++n.tlb_modified_exceptions; break;
        case Exc::ADEL: case Exc::ADES: ++n.address_error_exceptions; break;
        case Exc::SYS: ++n.syscall_exceptions; break;
        default: break;
    }
}

// The common part of every exception entry.
void enter(Cpu& c, const Insn& i, Exc code, uint64_t offset) {
    Cp0State& r = c.cp0;
    if (!(r.status & status::EXL)) {
        bool bd = i.state & insn_state::IN_DELAY_SLOT;
        r.epc = bd ? i.pc - 4 : i.pc;
        r.cause = bd ? (r.cause | cause::BD) : (r.cause & ~cause::BD);
    } else {
        // A nested exception keeps EPC and BD and always uses the general vector.
        offset = kOffsetGeneral;
    }
    r.cause = (r.cause & ~(cause::EXCCODE | cause::CE)) | (uint64_t(code) << cause::EXCCODE_SHIFT);
    r.status |= status::EXL;
    c.pc = vector_base(c) + offset;
    count_exception(c.counters, code);
    // Hypervisor modes: the guest runs de-privileged, so every exception it
    // takes first exits to the hypervisor, which injects it.
    if (c.vmm) ++(code == Exc::INT ? c.counters.exits_interrupt_injection : c.counters.exits_exception_injection);
    c.note_timed_event();
    c.exception_taken = true;
    update_mmu_mode(c);
}

bool xtlb_region(const Cpu& c, uint64_t va) {
    switch (va >> 62) {
        case 0: return c.cp0.status & status::UX;
        case 1: return c.cp0.status & status::SX;
        case 3: return c.cp0.status & status::KX;
        default: return false;
    }
}
}  // namespace

void update_mmu_mode(Cpu& c) {
    uint64_t s = c.cp0.status;
    if (s & status::ERL) c.mmu_mode = kModeKernelErl;
    else if (s & status::EXL) c.mmu_mode = kModeKernel;
    else switch ((s & status::KSU) >> status::KSU_SHIFT) {
        case 0: c.mmu_mode = kModeKernel; break;
        case 1: c.mmu_mode = kModeSupervisor; break;
        default: c.mmu_mode = kModeUser; break;
    }
}

bool raise(Cpu& c, const Insn& i, Exc code) {
    enter(c, i, code, kOffsetGeneral);
    return false;
}

bool raise_coprocessor_unusable(Cpu& c, const Insn& i, unsigned coprocessor) {
    enter(c, i, Exc::CPU, kOffsetGeneral);
    c.cp0.cause |= uint64_t(coprocessor & 3) << cause::CE_SHIFT;
    return false;
}

bool raise_address_error(Cpu& c, const Insn& i, Exc code, uint64_t va) {
    c.cp0.badvaddr = va;
    enter(c, i, code, kOffsetGeneral);
    return false;
}

bool raise_tlb(Cpu& c, const Insn& i, Exc code, uint64_t va, bool refill) {
    Cp0State& r = c.cp0;
    r.badvaddr = va;
    r.context = (r.context & ~0x7fffffull) | ((va >> 9) & 0x7ffff0ull);
    r.xcontext = (r.xcontext & (~0ull << (kSegBits - 7))) | ((va >> 62) << (kSegBits - 9)) |
                 ((va >> 9) & (((1ull << (kSegBits - 13)) - 1) << 4));
    uint64_t vpn2 = va & ~0x1fffull & (((1ull << kSegBits) - 1) | (3ull << 62));
    r.entryhi = vpn2 | (r.entryhi & 0xff);
    uint64_t offset = kOffsetGeneral;
    if (refill) offset = xtlb_region(c, va) ? kOffsetXtlbRefill : kOffsetRefill;
    if (code != Exc::MOD) ++(refill ? c.counters.tlb_refill_exceptions : c.counters.tlb_invalid_exceptions);
    enter(c, i, code, offset);
    return false;
}

bool take_interrupt_if_pending(Cpu& c) {
    if (!interrupt_pending(c)) return false;
    Insn at{};
    at.pc = c.pc;
    enter(c, at, Exc::INT, (c.cp0.cause & cause::IV) ? kOffsetInterrupt : kOffsetGeneral);
    return true;
}

void exception_return(Cpu& c) {
    Cp0State& r = c.cp0;
    if (r.status & status::ERL) {
        c.pc = r.errorepc;
        r.status &= ~status::ERL;
    } else {
        c.pc = r.epc;
        r.status &= ~status::EXL;
    }
    c.llbit = false;
    update_mmu_mode(c);
    check_interrupts_at_next_block(c);  // clearing EXL/ERL may let one in
}

}  // namespace mipshv
