// Privileged instructions: CP0 moves, TLB maintenance, ERET, WAIT, DI/EI,
// CACHE and shadow-register moves. Each needs CP0 to be usable (kernel mode
// or Status.CU0) and raises coprocessor-unusable otherwise.
#include "hv/cpu/cp0.h"
#include "hv/cpu/exec_helpers.h"
#include "hv/cpu/mmu.h"

namespace mipshv {

namespace {
bool cp0_usable(const Cpu& c) { return in_kernel_mode(c) || (c.cp0.status & cp0::status::CU0); }

#define REQUIRE_CP0 \
    if (!cp0_usable(c)) return raise_coprocessor_unusable(c, i, 0)

unsigned sel(const Insn& i) { return i.word & 7; }

void tlb_write(Cpu& c, unsigned index) {
    const Cp0State& r = c.cp0;
    const TlbEntry old = c.tlb.entries[index];
    c.tlb.write(index, r.entryhi, r.pagemask, r.entrylo0, r.entrylo1);
    ++c.counters.guest_tlb_writes;
    c.note_timed_event();
    tlb_entry_replaced(c, old);
}
}  // namespace

DEF_INSN(mfc0) { REQUIRE_CP0; WRITE_DST(sext32(cp0_read(c, i.rd, sel(i)))); CONTINUE; }
DEF_INSN(dmfc0) { REQUIRE_CP0; WRITE_DST(cp0_read(c, i.rd, sel(i))); CONTINUE; }
DEF_INSN(mtc0) { REQUIRE_CP0; cp0_write(c, i.rd, sel(i), sext32(RT)); CONTINUE; }
DEF_INSN(dmtc0) { REQUIRE_CP0; cp0_write(c, i.rd, sel(i), RT); CONTINUE; }

DEF_INSN(di) {
    REQUIRE_CP0;
    WRITE_DST(sext32(c.cp0.status));
    c.cp0.status &= ~cp0::status::IE;
    CONTINUE;
}
DEF_INSN(ei) {
    REQUIRE_CP0;
    WRITE_DST(sext32(c.cp0.status));
    c.cp0.status |= cp0::status::IE;
    check_interrupts_at_next_block(c);
    CONTINUE;
}

DEF_INSN(tlbr) {
    REQUIRE_CP0;
    const TlbEntry& e = c.tlb.entries[c.cp0.index % kTlbEntries];
    uint64_t g = e.global ? cp0::entrylo::G : 0;
    cp0_write(c, cp0::ENTRYHI, 0, e.entryhi | e.asid);
    c.cp0.pagemask = e.pagemask;
    c.cp0.entrylo0 = e.lo[0] | g;
    c.cp0.entrylo1 = e.lo[1] | g;
    CONTINUE;
}
DEF_INSN(tlbwi) { REQUIRE_CP0; tlb_write(c, unsigned(c.cp0.index % kTlbEntries)); CONTINUE; }
DEF_INSN(tlbwr) { REQUIRE_CP0; tlb_write(c, cp0_random(c)); CONTINUE; }
DEF_INSN(tlbp) {
    REQUIRE_CP0;
    auto hit = c.tlb.probe(c.cp0.entryhi);
    c.cp0.index = hit ? *hit : 0x80000000u;
    CONTINUE;
}

DEF_INSN(eret) {
    REQUIRE_CP0;
    exception_return(c);
    return false;
}
// There is no EJTAG debug mode to return from.
DEF_INSN(deret) { return raise(c, i, Exc::RI); }

// Nothing happens until the next interrupt. A machine with devices decides
// how long that is (Machine::idle); alone, the CPU skips to the timer deadline.
DEF_INSN(wait) {
    REQUIRE_CP0;
    if (c.exit_on_idle) c.request_stop(StopReason::IDLE);
    else if (!(c.cp0.cause & cp0::cause::IP) && c.ticks() < c.timer_deadline) c.set_ticks(c.timer_deadline);
    c.request_check();  // time jumped
    CONTINUE;
}

// Caches are not modelled (memory is coherent, code writes are tracked).
DEF_INSN(cache) { REQUIRE_CP0; CONTINUE; }

// One shadow register set: the "previous" set is the current one.
DEF_INSN(rdpgpr) { REQUIRE_CP0; WRITE_DST(RT); CONTINUE; }
DEF_INSN(wrpgpr) { REQUIRE_CP0; WRITE_DST(RT); CONTINUE; }

}  // namespace mipshv
