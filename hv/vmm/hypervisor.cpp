#include "hv/vmm/hypervisor.h"

#include <algorithm>
#include <cinttypes>
#include <x86intrin.h>
#include <cstring>
#include <new>
#include <unordered_map>

#include "hv/board/bus.h"
#include "hv/common/error.h"
#include "hv/cpu/cp0.h"
#include "hv/cpu/exception.h"
#include "hv/cpu/insn_time.h"
#include "hv/cpu/segments.h"
#include "hv/cpu/mmu.h"
#include "hv/engine/engine.h"
#include "hv/isa/decoder.h"
#include "hv/stats/run_record.pb.h"
#include "hv/vmm/comm_page.h"
#include "hv/vmm/exits.h"

namespace mipshv {

namespace {
constexpr size_t kTopSites = 20;

uint64_t now_ns() {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now().time_since_epoch()).count());
}

// Adds the time spent in a hypervisor handler to a total, in TSC ticks.
struct HypervisorTime {
    uint64_t& total;
    uint64_t start = __rdtsc();
    ~HypervisorTime() { total += __rdtsc() - start; }
};

constexpr Opcode kCp0MoveOps[] = {Opcode::mfc0, Opcode::dmfc0, Opcode::mtc0, Opcode::dmtc0};
}  // namespace

// The sampled exit (see Hypervisor::exit), timed out of line, so that the
// untimed path carries none of it: no clock state kept across the handler,
// no second test on the way out.
__attribute__((noinline)) bool Hypervisor::timed_exit(Handler handler, Cpu& c, const Insn& i) {
    const uint64_t weight = sample_weight_;
    sample_state_ ^= sample_state_ << 13;
    sample_state_ ^= sample_state_ >> 7;
    sample_state_ ^= sample_state_ << 17;
    sample_weight_ = exits_until_sample_ = uint32_t(1 + sample_state_ % (2 * kMeanSampleGap - 1));
    const uint64_t start = __rdtsc();
    const bool ok = (this->*handler)(c, i);
    hypervisor_ticks_ += (__rdtsc() - start) * weight;
    return ok;
}

bool exec_trap(Cpu& c, const Insn& i) { return c.vmm->trap(c, i); }
// A hypercall site: the patcher finds the pre-decoded emulation record by
// the site's physical address.
bool exec_hypercall(Cpu& c, const Insn& i) { return c.vmm->hypercall(c, i); }
// Patched code reaches into the hypervisor's region, which only the guest
// kernel can see; should a patched word run in user mode, the original
// instruction behaves as it would on hardware (coprocessor unusable).
bool exec_patched_site(Cpu& c, const Insn& i) {
    ++c.counters.patched_site_executions;
    if (!in_kernel_mode(c)) return c.vmm->run_original(c, i);
    if (auto w = comm_page::window_access(i, sizeof(Cp0State)); w && c.comm_window_va == comm_page::kWindowVa) {
        // A virtual CP0 field, straight in the vCPU's window (as translated code does).
        auto* field = reinterpret_cast<uint8_t*>(c.cp0_state) + w->offset;
        if (w->store) {
            std::memcpy(field, &c.gpr[i.rt], w->size);
            check_interrupts_at_next_block(c);  // (Status or Cause may have let one in)
        } else if (w->size == 4) {
            int32_t v;
            std::memcpy(&v, field, 4);
            c.gpr[i.dst] = uint64_t(int64_t(v));
        } else {
            std::memcpy(&c.gpr[i.dst], field, 8);
        }
        return true;
    }
    return reads_time(i) ? at_insn_time(c, i, i.seq, i.inner) : i.inner(c, i);
}

Cp0State& Hypervisor::virtual_cp0_storage(Bus& bus, uint64_t region_pa, unsigned vcpu) {
    void* at = bus.ram_ptr(region_pa + comm_page::window_offset(vcpu), sizeof(Cp0State));
    if (!at) throw Error("mipshv: the hypervisor's region is not in guest RAM");
    return *new (at) Cp0State{};
}

Hypervisor::Hypervisor(ExecMode mode, Bus& bus, uint64_t region_pa, uint64_t region_size, unsigned vcpus)
    : mode_(mode),
      bus_(bus),
      region_pa_(region_pa),
      region_size_(region_size),
      patcher_(bus, region_pa + comm_page::stubs_offset(vcpus), region_pa + region_size),
      vcpus_(vcpus),
      start_ticks_(__rdtsc()),
      start_ns_(now_ns()) {
    if (comm_page::stubs_offset(vcpus) >= region_size) throw Error("mipshv: the hypervisor's region has no room for the stubs");
    static_assert(sizeof(Cp0State) <= comm_page::kSaveSlot0, "the virtual CP0 must fit below the save slots");
    // Neither guest loads and stores (mmu.cpp's hidden_from_guest) nor device DMA reach it.
    bus.keep_from_guest(region_pa, region_size);
}

void Hypervisor::attach(Cpu& c) {
    if (c.id >= vcpus_.size()) throw Error("mipshv: vCPU " + std::to_string(c.id) + " has no communication page");
    c.vmm = this;
    c.comm_window_va = comm_page::kWindowVa;
    c.comm_window_pa = region_pa_ + comm_page::window_offset(c.id);
    // Stub code so far; grows as the patcher writes stubs (see decide).
    c.hyp_code_pa_begin = region_pa_ + comm_page::stubs_offset(unsigned(vcpus_.size()));
    c.hyp_code_pa_end = c.hyp_code_pa_begin;
    vcpus_[c.id].cpu = &c;
    vcpus_[c.id].guest_tlb = c.tlb;
}

void Hypervisor::decide(Cpu& c, Insn& i, uint64_t pa) {
    // Every vCPU may run the stubs translated so far (the engine is shared).
    for (PerVcpu& v : vcpus_)
        if (v.cpu) v.cpu->hyp_code_pa_end = patcher_.stubs_end();
    if (!patcher_.near_a_site(pa)) {
        if (is_sensitive(i.op, c.semihosting)) i.action = Action::TRAP;
        return;
    }
    // (Block building asks this of every instruction on a patched page: the
    // cheap tests go first, and each table is looked up once at most.)
    // The delay slot of a stub jump is annulled: the instruction runs, and
    // takes guest time, when the stub returns to it.
    if ((i.state & insn_state::IN_DELAY_SLOT) && patcher_.runs_early(pa)) {
        i.state |= insn_state::ZERO_WEIGHT;
        i.action = Action::ANNUL;
        return;
    }
    const std::optional<uint32_t> original = patcher_.original_at(pa);
    if (original) {
        // A patched word ends its block exactly where the original would,
        // so blocks (and the points where interrupts land) match every mode.
        const bool ends = opcode_info(decode_opcode(*original)).flags & insn_flag::ENDS;
        i.state |= ends ? insn_state::ENDS_BLOCK : insn_state::CONTINUES_BLOCK;
    }
    // (A hypercall is a SYSCALL naming its record: Patcher::hypercall_for.)
    if (i.op == Opcode::syscall && patcher_.hypercall_at(pa)) {
        i.action = Action::HYPERCALL;
        return;
    }
    if (original) {
        i.action = Action::PATCHED;
        return;
    }
    if (is_sensitive(i.op, c.semihosting)) i.action = Action::TRAP;
}

void Hypervisor::set_boot_image(std::vector<std::pair<uint64_t, uint64_t>> image,
                                 std::vector<std::pair<uint64_t, uint64_t>> keep_out) {
    image_ = std::move(image);
    keep_out_ = std::move(keep_out);
}

void Hypervisor::scan(Cpu& c, const char* trigger, uint64_t pa, uint64_t end, std::optional<uint64_t> va) {
    HypervisorTime t{hypervisor_ticks_};
    const unsigned patched = patcher_.scan(pa, end, mode_ == ExecMode::ONE_TO_N, va);
    if (scans_.size() < kMaxScansKept) scans_.push_back({trigger, pa, end, patched, c.instret});
    ++scan_count_;
}

bool Hypervisor::in_image(uint64_t pa) const {
    for (auto [b, e] : image_)
        if (pa >= b && pa < e) return true;
    return false;
}

// A page a code-following scan may read: guest RAM outside the device tree,
// the initrd and the hypervisor's region, not scanned since it last changed,
// and not all zero (a page nothing was written to holds no code).
bool Hypervisor::may_scan(uint64_t page) const {
    if (!bus_.is_guest_ram(page, 4096) || patcher_.scanned(page)) return false;
    for (auto [b, e] : keep_out_)
        if (page < e && b < page + 4096) return false;
    return !bus_.is_zero_page(page);
}

// The eager strategies follow the kernel wherever its code comes to be.
// Debian's zboot image unpacks the kernel, which then moves itself to a
// random address (KASLR) and later writes code of its own (exception
// handlers, modules). So: when the guest kernel first runs code on a page
// no scan read since it last changed, that page is scanned, before any of
// it runs (a block never leaves its page). Only pages where code runs are
// scanned: a scan of the pages around them would patch data that happens
// to look like sensitive instructions (the compressed kernel, the kernel's
// own data), and every load from a patched page takes the slow path to see
// the original words. A self-unpacking image is done with once execution
// leaves it, so its pages may hold new code later. Only the guest kernel's
// own code is followed: user programs cannot run what the patches replace.
// Pages with translated code or patches see every write (slow path); any
// other page is compared with its scanned contents when code first runs
// there.
void Hypervisor::before_new_block(Cpu& c, uint64_t pa) {
    if (mode_ != ExecMode::ONE_TO_ONE && mode_ != ExecMode::ONE_TO_N) return;
    if (!left_image_ && !in_image(pa)) {
        left_image_ = true;
        for (auto [b, e] : image_) patcher_.forget_scanned(b, e);
    }
    const uint64_t page = pa & ~0xfffull;
    if (!in_kernel_mode(c)) return;
    // Until a page holds translated code, stores to it take the fast path
    // and the bus does not see them: compare it with what was scanned.
    if (!bus_.is_code_page(page)) patcher_.recheck_scanned(page);
    if (!may_scan(page)) return;
    // Code run through a TLB mapping (modules): this page alone, at the
    // address it runs at, since the pages around it may be mapped elsewhere.
    if (!unmapped_segment_pa(c.pc)) return scan(c, "new mapped code", page, page + 4096, c.pc & ~0xfffull);
    scan(c, "new code", page, page + 4096);
}

void Hypervisor::ExitsByKind::count(const Insn& d, uint64_t n) {
    for (unsigned m = 0; m < kCp0Moves; ++m)
        if (d.op == kCp0MoveOps[m]) {
            by_cp0_move[m][(d.rd << 3 | (d.word & 7)) & 255] += n;
            return;
        }
    by_opcode[size_t(d.op)] += n;
}

template <typename Fn>
void Hypervisor::ExitsByKind::each(Fn fn) const {
    for (size_t op = 0; op < by_opcode.size(); ++op)
        if (by_opcode[op]) fn(std::string(opcode_info(Opcode(op)).name), by_opcode[op]);
    for (unsigned m = 0; m < kCp0Moves; ++m)
        for (unsigned k = 0; k < 256; ++k)
            if (by_cp0_move[m][k])
                fn(std::string(opcode_info(kCp0MoveOps[m]).name) + " " + cp0_register_name(k >> 3, k & 7), by_cp0_move[m][k]);
}

void Hypervisor::count_exit_site(uint64_t pc) { exits_by_site_.count(pc); }

void Hypervisor::note_exit(const Cpu& c, const Insn& d, uint64_t pc) {
    vcpus_[c.id].exits_by_kind.count(d);
    count_exit_site(pc);
}

// A hypercall's exit, counted by its record alone: the record fixes the
// kind, and its site is one address (the kind and site tables only if it
// ever runs at another, through another alias). The by-record counts are
// folded into both at the end (fill_record), so the exit path makes one
// increment where the two tables took about 3 ns a hypercall, a third of
// its cost over the instruction's own routine.
inline void Hypervisor::note_hypercall(PerVcpu& v, uint32_t index, const Insn& d) {
    if (index < v.hypercalls.size()) {
        SiteCount& s = v.hypercalls[index];
        if (s.pc == d.pc && s.count) {
            ++s.count;
            return;
        }
    }
    note_hypercall_rarely(v, index, d);
}

// The first hypercall of a record, or one at another address: out of line,
// so that the common path above is a few instructions with no frame.
__attribute__((noinline)) void Hypervisor::note_hypercall_rarely(PerVcpu& v, uint32_t index, const Insn& d) {
    if (index >= v.hypercalls.size()) v.hypercalls.resize(patcher_.records());
    SiteCount& s = v.hypercalls[index];
    if (s.count == 0) s.pc = d.pc;
    if (s.pc == d.pc) {
        ++s.count;
        return;
    }
    v.exits_by_kind.count(d);
    count_exit_site(d.pc);
}

// The counter of traps of a sensitive class (counters.def's traps_*).
static uint64_t CpuCounters::*trap_counter(SensitiveClass k) {
    switch (k) {
        case SensitiveClass::CP0_READ: return &CpuCounters::traps_cp0_read;
        case SensitiveClass::CP0_WRITE: return &CpuCounters::traps_cp0_write;
        case SensitiveClass::TLB: return &CpuCounters::traps_tlb;
        case SensitiveClass::ERET: return &CpuCounters::traps_eret;
        case SensitiveClass::WAIT: return &CpuCounters::traps_wait;
        case SensitiveClass::CACHE: return &CpuCounters::traps_cache;
        case SensitiveClass::INTERRUPT_MASK: return &CpuCounters::traps_interrupt_mask;
        case SensitiveClass::SHADOW_SET: return &CpuCounters::traps_shadow_set;
        case SensitiveClass::DEBUG: return &CpuCounters::traps_debug;
        case SensitiveClass::NONE: break;
    }
    return &CpuCounters::traps_other;
}

// A real hypervisor learns what trapped by reading the instruction at the
// faulting PC from guest memory and decoding it; so does this one.
bool Hypervisor::trap_exit(Cpu& c, const Insn& i) {
    ++c.counters.exits_sensitive_trap;
    c.note_timed_event();
    uint64_t pa = 0;
    uint32_t word = i.word;
    Translation tr = translate(c, i.pc, Access::FETCH);
    if (tr.fault == TranslateFault::NONE) {
        pa = tr.pa;
        if (const uint8_t* host = bus_.ram_ptr(pa, 4)) std::memcpy(&word, host, 4);
        if (auto original = patcher_.original_at(pa)) word = *original;
    }
    Insn d = decode_insn(i.pc, word);
    d.state = i.state;
    note_exit(c, d, i.pc);
    ++(c.counters.*trap_counter(opcode_info(d.op).sensitive));
    const bool guest_kernel = in_kernel_mode(c);
    const bool ok = emulate_at(c, d, i.seq);
    // On demand: the instruction trapped in the guest kernel, so patch it
    // now (1:n where possible); the next execution needs no decode or exit.
    if (mode_ == ExecMode::ON_DEMAND && guest_kernel && tr.fault == TranslateFault::NONE)
        patcher_.patch(i.pc, pa, true);
    return ok;
}

// A patched word running outside the guest kernel: the original instruction
// runs instead (emulated, as a trap would).
bool Hypervisor::run_original(Cpu& c, const Insn& i) {
    Translation tr = translate(c, i.pc, Access::FETCH);
    auto original = tr.fault == TranslateFault::NONE ? patcher_.original_at(tr.pa) : std::nullopt;
    if (!trap(c, i)) return false;
    // A single instruction's stub jump: go on with the next instruction for
    // real (its delay-slot copy is annulled). A patched branch (the head of
    // an idiom) keeps its delay slot, which is a patched site of its own.
    if (i.op != Opcode::j || !original || (opcode_info(decode_opcode(*original)).flags & insn_flag::BRANCH)) return true;
    c.pc = i.pc + 4;
    return false;
}

// Less work than a trap of the same instruction: the instruction names its
// pre-decoded record (its syscall code), so there is no translation of the
// PC, no fetch, no decode and no lookup by address; and the exit is counted
// by record, in an array.
bool Hypervisor::hypercall_exit(Cpu& c, const Insn& i) {
    uint32_t index;
    const Insn* record = patcher_.record_named(i.word, index);
    if (!record) return trap_exit(c, i);  // dropped meanwhile: handle it as a trap
    ++c.counters.exits_hypercall;
    c.note_timed_event();
    Insn d = *record;
    const bool from_stub = c.in_hypervisor_code(i.pc);
    if (!from_stub) {  // a 1:1 site: the instruction is here
        d.pc = i.pc;
        d.state = i.state;
    }
    note_hypercall(vcpus_[c.id], index, d);
    if (!emulate_at(c, d, i.seq)) return false;
    if (!from_stub) return !patcher_.eret_follows(index) || eret_after(c, i);
    // A stub's slow path: the emulation may have changed the privilege mode,
    // so return straight to the guest instead of running more stub code, in
    // the segment the stub was entered from (as the stub's own jump would).
    c.pc = (i.pc & ~kJumpOffsetMask) | ((d.pc + 4) & kJumpOffsetMask);
    return false;
}

// The ERET after a TLB write (Patcher::tlb_write_before_eret), in the same
// exit, where the run loop would have run the ERET's block next: the guest
// then sees no difference. Not where the ERET would run in another turn
// (past exit_instret: the budget, the timer, or 0 for a stop or a check), where an
// interrupt would be taken between the two, after a write in a delay slot (the
// branch's target comes next, not the ERET), nor under --trace, which shows
// every instruction. The ERET then runs as its own site. It cannot fault
// here: it needs what the TLB write just had, CP0 usable. Returns whether
// the block goes on.
bool Hypervisor::eret_after(Cpu& c, const Insn& i) {
    const uint64_t retired_with_eret = c.instret + i.seq + 2;
    if ((i.state & insn_state::IN_DELAY_SLOT) || c.trace || retired_with_eret > c.load_exit_instret() ||
        interrupt_pending(c))
        return true;
    exception_return(c);
    ++c.instret;  // (the block retires the TLB write, and stops there)
    ++c.counters.erets_with_tlb_write;
    return false;
}

// Emulates with the guest's clock as it stands at this instruction (see
// insn_time.h), so Count, Random and TLBWR read the same in every mode.
bool Hypervisor::emulate_at(Cpu& c, const Insn& d, uint16_t seq) {
    return at_insn_time(c, d, seq, [](Cpu& cpu, const Insn& insn) { return cpu.vmm->emulate(cpu, insn); });
}

bool Hypervisor::emulate(Cpu& c, const Insn& d) {
    switch (d.op) {
        case Opcode::tlbr: case Opcode::tlbwi: case Opcode::tlbwr: case Opcode::tlbp: return emulate_tlb(c, d);
        default: return d.inner(c, d);  // (decode_insn's routine: in the record itself, no table to touch)
    }
}

// The guest's TLB instructions act on the virtual TLB; writes are then
// reflected into the shadow TLB the engine translates with.
bool Hypervisor::emulate_tlb(Cpu& c, const Insn& d) {
    if (!in_kernel_mode(c) && !(c.cp0.status & cp0::status::CU0)) return raise_coprocessor_unusable(c, d, 0);
    Cp0State& r = c.cp0;
    Tlb& guest_tlb = vcpus_[c.id].guest_tlb;
    switch (d.op) {
        case Opcode::tlbp: {
            auto hit = guest_tlb.probe(r.entryhi);
            r.index = hit ? *hit : 0x80000000u;
            return true;
        }
        case Opcode::tlbr: {
            const TlbEntry& e = guest_tlb.entries[r.index % kTlbEntries];
            const uint64_t g = e.global ? cp0::entrylo::G : 0;
            cp0_write(c, cp0::ENTRYHI, 0, e.entryhi | e.asid);
            r.pagemask = e.pagemask;
            r.entrylo0 = e.lo[0] | g;
            r.entrylo1 = e.lo[1] | g;
            return true;
        }
        default: {
            const unsigned index = d.op == Opcode::tlbwi ? unsigned(r.index % kTlbEntries) : cp0_random(c);
            guest_tlb.write(index, r.entryhi, r.pagemask, r.entrylo0, r.entrylo1);
            const TlbEntry replaced = c.tlb.entries[index];
            // The shadow entry is the guest's: written alike rather than
            // copied, since a copy's wide loads of what was just written in
            // narrower stores stall (store forwarding), at every refill.
            c.tlb.write(index, r.entryhi, r.pagemask, r.entrylo0, r.entrylo1);
            ++c.counters.guest_tlb_writes;
            ++c.counters.shadow_tlb_flushes;
            tlb_entry_replaced(c, replaced);
            return true;
        }
    }
}

void Hypervisor::each_exit_by_kind(unsigned vcpu, const std::function<void(const std::string&, uint64_t)>& fn) const {
    const PerVcpu& v = vcpus_.at(vcpu);
    ExitsByKind kinds = v.exits_by_kind;
    for (uint32_t index = 0; index < v.hypercalls.size(); ++index)
        if (v.hypercalls[index].count) kinds.count(patcher_.record(index), v.hypercalls[index].count);
    kinds.each(fn);
}

void Hypervisor::fill_record(stats::RunRecord& record, double wall_seconds) const {
    stats::HypervisorRecord& h = *record.mutable_hypervisor();
    h.set_mode(std::string(exec_mode_name(mode_)));
    auto& total = *h.mutable_exits_by_kind();
    for (unsigned n = 0; n < vcpus_.size(); ++n)
        each_exit_by_kind(n, [&](const std::string& kind, uint64_t count) { total[kind] += count; });
    for (const auto& [name, count] : patcher_.applied()) (*h.mutable_patches())[name] = count;
    h.set_patches_dropped(patcher_.dropped());
    h.set_words_scanned(patcher_.words_scanned());
    std::unordered_map<uint64_t, uint64_t> by_site;
    exits_by_site_.for_each([&](uint64_t pc, uint64_t count) { by_site[pc] += count; });
    for (const PerVcpu& v : vcpus_)
        for (const SiteCount& s : v.hypercalls)
            if (s.count) by_site[s.pc] += s.count;
    std::vector<std::pair<uint64_t, uint64_t>> sites(by_site.begin(), by_site.end());
    // Where the kernel runs from its link addresses (KASLR), read from guest
    // memory now that it has moved, if it has.
    const std::optional<int64_t> relocation = symbols_.find_relocation([this](uint64_t va) -> std::optional<uint64_t> {
        const auto pa = unmapped_segment_pa(va);
        const uint8_t* p = pa ? bus_.ram_ptr(*pa, 8) : nullptr;
        if (!p) return std::nullopt;
        uint64_t v;
        std::memcpy(&v, p, sizeof v);
        return v;
    });
    if (relocation) h.set_kernel_relocation(*relocation);
    std::sort(sites.begin(), sites.end(), [](auto& a, auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
    for (size_t k = 0; k < std::min(kTopSites, sites.size()); ++k) {
        stats::TrapSite& s = *h.add_top_sites();
        s.set_pc(sites[k].first);
        s.set_symbol(symbols_.symbolize(sites[k].first, relocation.value_or(0)));
        s.set_count(sites[k].second);
    }
    h.set_eager_scans(scan_count_);
    for (const Scan& s : scans_) {
        stats::EagerScan& e = *h.add_scans();
        e.set_trigger(s.trigger);
        e.set_pa(s.pa);
        e.set_end(s.end);
        e.set_patches(s.patches);
        e.set_instret(s.instret);
    }
    // The TSC's rate from the host clock over the run so far (an invariant
    // TSC ticks at a constant rate, so one ratio serves every exit).
    const uint64_t ticks = __rdtsc() - start_ticks_, ns = now_ns() - start_ns_;
    const double hyp = ticks ? double(hypervisor_ticks_) * double(ns) / double(ticks) / 1e9 : 0.0;
    h.set_hypervisor_seconds(hyp);
    h.set_engine_seconds(std::max(0.0, wall_seconds - hyp));
}

}  // namespace mipshv
