#include "hv/engine/decision.h"

#include <cstring>

#include "hv/board/bus.h"
#include "hv/cpu/exception.h"
#include "hv/cpu/insn_time.h"
#include "hv/cpu/mmu.h"
#include "hv/engine/class_counts.h"
#include "hv/isa/decoder.h"
#include "hv/vmm/exits.h"
#include "hv/vmm/hypervisor.h"

namespace mipshv {

namespace {

// --stop-on-sensitive: a sensitive instruction executed in kernel mode stops
// the machine before it runs; in user mode it behaves as the hardware would.
bool exec_stop_if_kernel(Cpu& c, const Insn& i) {
    if (!in_kernel_mode(c)) return i.inner(c, i);
    c.pc = i.pc;
    c.stopped_at = i;
    c.request_stop(StopReason::SENSITIVE);
    c.exception_taken = true;  // not retired
    return false;
}

bool exec_at_insn_time(Cpu& c, const Insn& i) { return at_insn_time(c, i, i.seq, i.inner); }

bool exec_annulled(Cpu&, const Insn&) { return true; }

// A delay slot on the next page is fetched when it runs, because that page's
// mapping may change independently of the branch's.
bool exec_delay_slot_on_next_page(Cpu& c, const Insn& slot) {
    uint64_t pa;
    if (!translate_or_raise(c, slot, slot.pc, Access::FETCH, pa)) return false;
    const uint8_t* host = c.bus->ram_ptr(pa, 4);
    if (!host) return raise(c, slot, Exc::IBE);
    uint32_t word;
    std::memcpy(&word, host, 4);
    Insn i = decode_insn(slot.pc, word);
    i.state = slot.state;
    i.seq = slot.seq;
    decide(c, i, pa);
    const bool ok = i.exec(c, i);
    if (!c.exception_taken) add_class_counts(c.counters, count_classes(&i, &i + 1));  // (see retired_class)
    return ok;
}

}  // namespace

void decide(Cpu& c, Insn& i, uint64_t pa) {
    if (i.action != Action::NEXT_PAGE_SLOT) {
        i.inner = exec_function(i.op);
        if (c.vmm) c.vmm->decide(c, i, pa);
        else if (c.stop_on_sensitive && is_sensitive(i.op, c.semihosting)) i.action = Action::STOP;
    }
    i.exec = routine_for(i);
}

ExecFn routine_for(const Insn& i) {
    switch (i.action) {
        case Action::RUN: return reads_time(i) ? exec_at_insn_time : i.inner;
        case Action::ANNUL: return exec_annulled;
        case Action::TRAP: return exec_trap;
        case Action::HYPERCALL: return exec_hypercall;
        case Action::PATCHED: return exec_patched_site;
        case Action::STOP: return exec_stop_if_kernel;
        case Action::NEXT_PAGE_SLOT: return exec_delay_slot_on_next_page;
    }
    return i.inner;
}

bool runs_plain(const Insn& i) { return i.action == Action::RUN && !reads_time(i); }

}  // namespace mipshv
