// The hypervisor (VMM): runs the guest kernel de-privileged. Every sensitive
// instruction either exits here (trap: fetched, decoded and emulated against
// the virtual CP0 in the communication page; hypercall: a patch names a
// pre-decoded emulation record) or was patched into unprivileged code that
// needs no exit. Guest TLB writes are kept in a virtual TLB and reflected
// into the shadow TLB the engine translates with; guest exceptions and
// interrupts are injected through the same architectural entry.
#pragma once
#include <array>
#include <chrono>
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "hv/cpu/cpu.h"
#include "hv/vmm/exec_mode.h"
#include "hv/vmm/kernel_symbols.h"
#include "hv/vmm/patcher.h"
#include "hv/vmm/site_counts.h"

namespace mipshv {

namespace stats { class RunRecord; }  // (its Protobuf headers stay in hypervisor.cpp)

class Bus;

class Hypervisor {
public:
    // `region_pa`: the hypervisor's region (one communication page per
    // vCPU, then the stubs all vCPUs share).
    Hypervisor(ExecMode mode, Bus& bus, uint64_t region_pa, uint64_t region_size, unsigned vcpus);

    // Where vCPU n's virtual CP0 lives (the start of its communication page).
    static Cp0State& virtual_cp0_storage(Bus& bus, uint64_t region_pa, unsigned vcpu);
    // Takes vCPU c (c.id < vcpus) under the hypervisor.
    void attach(Cpu& c);
    ExecMode mode() const { return mode_; }

    // Engine hook: decide how the instruction at guest-physical pa runs
    // (sets i.action; see Action in hv/cpu/insn.h).
    void decide(Cpu& c, Insn& i, uint64_t pa);
    // Engine hook: a block is about to be built at pa (eager scan trigger).
    void before_new_block(Cpu& c, uint64_t pa);

    // The boot image as loaded (a self-unpacking image is left behind once
    // execution leaves it) and what scans must leave alone (device tree,
    // initrd, own region).
    void set_boot_image(std::vector<std::pair<uint64_t, uint64_t>> image,
                        std::vector<std::pair<uint64_t, uint64_t>> keep_out);

    // Exit handlers (called through the engine's bound routines).
    bool trap(Cpu& c, const Insn& i) { return exit(&Hypervisor::trap_exit, c, i); }
    bool hypercall(Cpu& c, const Insn& i) { return exit(&Hypervisor::hypercall_exit, c, i); }
    bool run_original(Cpu& c, const Insn& i);
    bool emulate(Cpu& c, const Insn& d);

    // Symbols for the exit-site report (kernel_symbols.h): a System.map's,
    // or the kernel ELF's.
    KernelSymbols& symbols() { return symbols_; }
    void fill_record(stats::RunRecord& record, double wall_seconds) const;
    // vCPU n's exits by kind ("mtc0 Status", "tlbwr", ...): fn(kind, count).
    void each_exit_by_kind(unsigned vcpu, const std::function<void(const std::string&, uint64_t)>& fn) const;

private:
    bool emulate_at(Cpu& c, const Insn& d, uint16_t seq);
    bool eret_after(Cpu& c, const Insn& i);
    bool emulate_tlb(Cpu& c, const Insn& d);
    void note_exit(const Cpu& c, const Insn& d, uint64_t pc);
    struct PerVcpu;
    void note_hypercall(PerVcpu& v, uint32_t record, const Insn& d);
    void note_hypercall_rarely(PerVcpu& v, uint32_t record, const Insn& d);
    void count_exit_site(uint64_t pc);
    void scan(Cpu& c, const char* trigger, uint64_t pa, uint64_t end, std::optional<uint64_t> va = std::nullopt);
    bool in_image(uint64_t pa) const;
    bool may_scan(uint64_t page) const;

    ExecMode mode_;
    Bus& bus_;
    uint64_t region_pa_, region_size_;
    Patcher patcher_;
    // Exits by instruction kind: by opcode, and a CP0 move by its direction,
    // register and select. Arrays, so that counting costs an increment.
    struct ExitsByKind {
        static constexpr unsigned kCp0Moves = 4;  // mfc0, dmfc0, mtc0, dmtc0
        std::array<uint64_t, size_t(Opcode::count)> by_opcode{};
        std::array<std::array<uint64_t, 256>, kCp0Moves> by_cp0_move{};  // [move][register << 3 | select]
        void count(const Insn& d, uint64_t n = 1);
        template <typename Fn>
        void each(Fn fn) const;  // fn(name, count) for every kind counted
    };
    struct SiteCount {
        uint64_t pc = 0, count = 0;
    };
    // What the hypervisor keeps for each vCPU: the virtual TLB its guest
    // programs, its exits by instruction kind, and its hypercalls by record
    // (with the site's address; see note_hypercall).
    struct PerVcpu {
        Cpu* cpu = nullptr;
        Tlb guest_tlb;
        ExitsByKind exits_by_kind;
        std::vector<SiteCount> hypercalls;
    };
    std::vector<PerVcpu> vcpus_;

    bool left_image_ = false;
    std::vector<std::pair<uint64_t, uint64_t>> image_, keep_out_;
    struct Scan {
        const char* trigger;
        uint64_t pa, end, patches, instret;
    };
    static constexpr size_t kMaxScansKept = 256;
    std::vector<Scan> scans_;  // the first kMaxScansKept, in order
    uint64_t scan_count_ = 0;

    // Exits by site, all vCPUs together (a hypercall's are by its record, in PerVcpu).
    static constexpr size_t kMaxSites = 1u << 16;
    SiteCounts exits_by_site_{kMaxSites};
    KernelSymbols symbols_;
    // Time spent in hypervisor handlers, in TSC ticks (a clock read per exit
    // would cost more than many exits), turned into seconds against the host
    // clock over the run.
    uint64_t hypervisor_ticks_ = 0;
    uint64_t start_ticks_, start_ns_;
    // Exits are timed by sampling: one in about kMeanSampleGap, at
    // pseudo-random gaps (1 to 2 kMeanSampleGap - 1, so that no periodic
    // pattern of exit kinds aliases with them), each timed one standing for
    // the exits since the last (its weight). The total is an unbiased
    // estimate, as good as timing every exit over the hundreds of thousands
    // of a run. A timed exit costs two TSC reads (about 8 ns each on a
    // virtual machine) and two mispredicted branches, more than a
    // hypercall's whole host work; timing one exit in 16, in line, cost
    // about 2 ns a hypercall (calibrate_exits.py's refill under on-demand).
    using Handler = bool (Hypervisor::*)(Cpu&, const Insn&);
    bool exit(Handler handler, Cpu& c, const Insn& i) {
        if (--exits_until_sample_ != 0) [[likely]] return (this->*handler)(c, i);
        return timed_exit(handler, c, i);
    }
    bool timed_exit(Handler handler, Cpu& c, const Insn& i);
    bool trap_exit(Cpu& c, const Insn& i);
    bool hypercall_exit(Cpu& c, const Insn& i);
    static constexpr uint32_t kMeanSampleGap = 256;
    uint32_t exits_until_sample_ = 1, sample_weight_ = 1;
    uint64_t sample_state_ = 0x9e3779b97f4a7c15ull;
};

}  // namespace mipshv
