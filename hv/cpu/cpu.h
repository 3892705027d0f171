// The architectural state of one MIPS64 Release 2 processor (a vCPU), plus
// the host-side caches that make executing it fast (the software TLB).
#pragma once
#include <atomic>
#include <cstdint>
#include <cstdio>

#include "hv/cpu/cp0_bits.h"
#include "hv/cpu/fpu_state.h"
#include "hv/cpu/insn.h"
#include "hv/cpu/segments.h"
#include "hv/cpu/soft_tlb.h"
#include "hv/cpu/stop_reason.h"
#include "hv/cpu/tlb.h"
#include "hv/stats/counters.h"
#include "hv/stats/event_prices.h"

namespace mipshv {

class Bus;
class ExecutionEngine;
class Semihosting;
class Hypervisor;
class StopRequest;

// Coprocessor 0 registers that hold state (the rest are computed on read).
struct Cp0State {
    uint64_t index = 0, entrylo0 = 0, entrylo1 = 0, context = 0, userlocal = 0;
    uint64_t pagemask = 0, wired = 0, hwrena = 0, badvaddr = 0, entryhi = 0;
    uint64_t compare = 0, status = 0, intctl = 0, srsctl = 0, cause = 0, epc = 0;
    uint64_t prid = 0, ebase = 0, config[6] = {}, lladdr = 0, xcontext = 0;
    uint64_t errorepc = 0, desave = 0, kscratch[6] = {}, taglo = 0, taghi = 0;
    uint64_t datalo = 0, datahi = 0, errctl = 0;
    uint64_t cmgcrbase = 0;  // the CM's registers' address >> 4 (with Config3.CMGCR; read-only)
    uint32_t count_at_base = 0;  // Count value when virtual time was `count_base`
    uint64_t count_base = 0;
};

// The reset vector region, where boot-exception vectors are by default.
constexpr uint64_t kResetBootBase = 0xffffffffbfc00000ull;

struct Cpu {
    // CP0 state lives in the Cpu itself, or (hypervisor modes) in the
    // communication page the guest kernel reads through its patches, so
    // that engine, hypervisor and patched guest code share one copy.
    explicit Cpu(Cp0State* storage = nullptr) : cp0(storage ? *storage : own_cp0_), cp0_state(&cp0) {}
    Cpu(const Cpu&) = delete;
    Cpu& operator=(const Cpu&) = delete;

    unsigned id = 0;        // vCPU number: CPU (core) number on the board, EBase.CPUNum
    uint64_t gpr[33] = {};  // [32] is the sink that writes to $0 land in
    uint64_t hi = 0, lo = 0;
    uint64_t pc = 0;
    uint64_t next_pc = 0;  // where the current block continues (branches set it)
    bool branch_taken = false;  // translated code: a branch's decision, across its delay slot
    bool llbit = false;

private:
    Cp0State own_cp0_;

public:
    Cp0State& cp0;
    Cp0State* const cp0_state;  // the same, as a pointer translated code can load
    FpuState fpu;
    Tlb tlb;
    SoftTlb soft_tlb;
    unsigned mmu_mode = 0;  // SoftTlb mode index, follows Status (see mmu.h)

    // Virtual time: advances one tick per retired instruction and jumps
    // forward over WAIT; Count derives from it, so runs are deterministic.
    // It is kept as an offset from instret, so that translated code moves
    // the clock by counting instructions alone. With --timing it is what
    // the instructions and events counted so far cost on the modelled core
    // instead (modelled_time), a function of the counters alone.
    uint64_t ticks() const { return elapsed_ticks() + tick_offset; }
    void set_ticks(uint64_t t) {
        tick_offset = t - elapsed_ticks();
        timer_check_at = instret;  // (time jumped: --timing looks at the timer now)
    }
    uint64_t elapsed_ticks() const {
        return modelled_time ? modelled_time->ticks(instret, counters) : instret * ticks_per_insn;
    }
    uint64_t tick_offset = 0;
    uint64_t ticks_per_insn = 1;  // 0 when the machine sets ticks from the host clock
    const EventPrices* modelled_time = nullptr;  // --timing
    // --timing: time no longer moves in step with instret, so the run loop
    // looks at the timer when instret reaches this (cp0_timer_due), a
    // point every engine stops at exactly; interrupts then land on the same
    // instruction whatever the engine.
    uint64_t timer_check_at = 0;
    uint64_t instret = 0;
    // Translated code goes back to the run loop before instret would pass
    // this (the budget or the timer deadline); 0 makes it go back at the
    // next block, for a change the run loop must see (request_check).
    uint64_t exit_instret = 0;
    uint64_t timer_deadline = UINT64_MAX;  // tick at which Count == Compare
    uint32_t irq_lines = 0;                // hardware interrupt inputs IP2..IP6
    // Count is the machine's one counter, the same on every core, and
    // writes to it are ignored (the CPS board). Cores interleaved in quanta
    // cannot carry out Linux's Count handshake (sync-r4k) within a few
    // cycles as hardware does; a shared counter needs no handshake.
    bool shared_count = false;
    // Where the boot-exception vectors (Status.BEV) are, 0x200 above this:
    // the reset vector region, or a CPS core's own reset base when the CM
    // says so (GCR_Cx_RESET_EXT_BASE.UEB), as Linux's secondary-core entry
    // code has its vectors there.
    uint64_t boot_base = kResetBootBase;

    // Hypervisor stub code (guest-physical range): runs in guest context but
    // is not guest code, so it takes no guest time and is never interrupted.
    uint64_t hyp_code_pa_begin = 0, hyp_code_pa_end = 0;
    // Through any unmapped alias (kseg0, kseg1, xkphys): stubs are entered
    // by a region-relative jump from wherever the patched code runs.
    bool in_hypervisor_code(uint64_t va) const {
        auto pa = unmapped_segment_pa(va);
        return pa && *pa >= hyp_code_pa_begin && *pa < hyp_code_pa_end;
    }

    StopReason stop = StopReason::NONE;
    int exit_code = 0;
    bool exception_taken = false;  // set by exception entry, read by the run loop
    bool stop_on_sensitive = false;  // --stop-on-sensitive: stop at the first one in kernel mode
    Insn stopped_at{};               // the instruction that stopped it
    bool exit_on_idle = false;       // WAIT returns to the machine (console input, device time)
    std::FILE* trace = nullptr;      // --trace: one line per executed instruction

    CpuCounters counters;

    // Hypervisor modes: the hypervisor, and where the communication page
    // appears to the guest kernel (0: not mapped).
    Hypervisor* vmm = nullptr;
    uint64_t comm_window_va = 0, comm_window_pa = 0;

    Bus* bus = nullptr;
    ExecutionEngine* engine = nullptr;
    // A stop asked for from outside (another thread, a signal): the engines
    // stop at the next block that is not stub code (null: nobody can ask).
    const StopRequest* stop_request = nullptr;
    Semihosting* semihosting = nullptr;

    // --timing: an event a profile may price dearly (an exception, an exit,
    // a TLB write) happened in a routine: the run loop looks at the timer
    // at the end of this block, as every engine returns there.
    void note_timed_event() {
        if (!modelled_time) return;
        if (timer_check_at > instret) timer_check_at = instret;
        request_check();
    }

    void request_stop(StopReason why) {
        stop = why;
        request_check();
    }
    // Something the run loop looks at between blocks changed (an interrupt
    // may be pending, the timer deadline moved, time jumped).
    // (Atomic, as a stop request may zero it from another thread.)
    void request_check() { set_exit_instret(0); }
    void set_exit_instret(uint64_t at) { std::atomic_ref(exit_instret).store(at, std::memory_order_relaxed); }
    uint64_t load_exit_instret() { return std::atomic_ref(exit_instret).load(std::memory_order_relaxed); }
};

// Deterministic Count rate: one Count tick every two instructions, as on
// cores whose Count runs at half the pipeline clock.
constexpr unsigned kTicksPerCount = 2;

// Power-on reset state: Status.ERL|BEV, Config*, PRId, FIR (cpu_reset.cpp).
void cpu_reset(Cpu& c, unsigned cpu_number);

inline uint64_t sext32(uint64_t v) { return uint64_t(int64_t(int32_t(uint32_t(v)))); }

}  // namespace mipshv
