// Every sensitive instruction has the same guest-visible effect in every
// execution mode. Each case is a tiny kernel-mode guest program placed in
// kseg0; it runs for the same number of guest instructions on one Machine
// per mode, and everything the guest could observe afterwards (GPRs, HI/LO,
// PC, LL bit, every CP0 register, the TLB, a data page, retired
// instructions and virtual time) must equal the bare-metal result.
//
// Each program runs twice (pass 2 restarts it from the same registers and
// CP0 state): on-demand mode traps and patches in pass 1, so pass 2 runs its
// patched code. Programs end in a spin loop (`b .`) and the exception
// vectors hold one too, so the budget always ends inside a loop, where
// block boundaries are the same in every mode.
#include <catch2/catch.hpp>

#include <algorithm>
#include <array>
#include <cstring>
#include <functional>
#include <memory>
#include <sstream>
#include <string>
#include <string_view>
#include <vector>

#include "hv/board/bus.h"
#include "hv/board/machine.h"
#include "hv/stats/run_record.h"
#include "hv/cpu/cp0.h"
#include "hv/cpu/exception.h"
#include "hv/cpu/mmu.h"
#include "hv/isa/disasm.h"
#include "hv/isa/encode.h"
#include "hv/vmm/exec_mode.h"

using namespace mipshv;
namespace enc = mipshv::encode;

namespace {

// ---- Addresses -------------------------------------------------------------

constexpr uint64_t kKseg0 = 0xffffffff80000000ull, kKseg1 = 0xffffffffa0000000ull;
constexpr uint64_t kXkphys = 0x9800000000000000ull;  // cacheable, coherent
constexpr uint64_t kCodePa = 0x10000, kCodeVa = kKseg0 + kCodePa;
constexpr uint64_t kSubPa = 0x20000;                          // called / user-mode / mapped code
constexpr uint64_t kUserVa = 0x400000;                        // kuseg mapping of kSubPa
constexpr uint64_t kMappedKernelVa = 0xffffffffc0000000ull;  // kseg2 mapping of kSubPa
constexpr uint64_t kDataPa = 0x30000, kDataVa = kKseg0 + kDataPa;
constexpr uint64_t kGeneralVector = kKseg0 + 0x180;
constexpr unsigned kDataWords = 64;  // compared after every run

// ---- Registers ---------------------------------------------------------------

enum : unsigned {
    ZERO = 0, AT = 1, V0 = 2, V1 = 3, A0 = 4, T0 = 8, T1 = 9, T2 = 10, T3 = 11, T4 = 12, T5 = 13, T6 = 14, T7 = 15,
    S0 = 16, S1 = 17, S2 = 18, S3 = 19,
    CODE = 20,  // harness: kCodeVa
    DATA = 21,  // harness: kDataVa
    P0 = 22, P1 = 23, P2 = 24, P3 = 25,  // harness: probe loads of code words
    RA = 31,
};

// ---- Encoders encode.h lacks ---------------------------------------------------

constexpr uint32_t cop0(unsigned fmt, unsigned rt, unsigned rd, unsigned sel) {
    return (0x10u << 26) | (fmt << 21) | ((rt & 31) << 16) | ((rd & 31) << 11) | (sel & 7);
}
constexpr uint32_t mfc0(unsigned rt, unsigned rd, unsigned sel = 0) { return cop0(0, rt, rd, sel); }
constexpr uint32_t dmfc0(unsigned rt, unsigned rd, unsigned sel = 0) { return cop0(1, rt, rd, sel); }
constexpr uint32_t mtc0(unsigned rt, unsigned rd, unsigned sel = 0) { return cop0(4, rt, rd, sel); }
constexpr uint32_t dmtc0(unsigned rt, unsigned rd, unsigned sel = 0) { return cop0(5, rt, rd, sel); }
constexpr uint32_t di(unsigned rt = 0) { return 0x41606000u | ((rt & 31) << 16); }
constexpr uint32_t ei(unsigned rt = 0) { return 0x41606020u | ((rt & 31) << 16); }
constexpr uint32_t rdpgpr(unsigned rd, unsigned rt) { return 0x41400000u | ((rt & 31) << 16) | ((rd & 31) << 11); }
constexpr uint32_t wrpgpr(unsigned rd, unsigned rt) { return 0x41c00000u | ((rt & 31) << 16) | ((rd & 31) << 11); }
constexpr uint32_t tlbr() { return 0x42000001; }
constexpr uint32_t tlbwi() { return 0x42000002; }
constexpr uint32_t tlbwr() { return 0x42000006; }
constexpr uint32_t tlbp() { return 0x42000008; }
constexpr uint32_t deret() { return 0x4200001f; }
constexpr uint32_t wait() { return 0x42000020; }
constexpr uint32_t ehb() { return 0x000000c0; }
constexpr uint32_t break_() { return 0x0000000d; }
constexpr uint32_t cache(unsigned op, int32_t off, unsigned base) { return enc::i_type(0x2f, base, op, off); }
constexpr uint32_t beql(unsigned rs, unsigned rt, int32_t off) { return enc::i_type(0x14, rs, rt, off); }
constexpr uint32_t bnel(unsigned rs, unsigned rt, int32_t off) { return enc::i_type(0x15, rs, rt, off); }
constexpr uint32_t jal(uint64_t target) { return (0x03u << 26) | uint32_t((target >> 2) & 0x03ffffff); }
constexpr uint32_t lbu(unsigned rt, int32_t off, unsigned base) { return enc::i_type(0x24, base, rt, off); }
constexpr uint32_t lhu(unsigned rt, int32_t off, unsigned base) { return enc::i_type(0x25, base, rt, off); }
constexpr uint32_t sb(unsigned rt, int32_t off, unsigned base) { return enc::i_type(0x28, base, rt, off); }
constexpr uint32_t ll(unsigned rt, int32_t off, unsigned base) { return enc::i_type(0x30, base, rt, off); }
constexpr uint32_t sc(unsigned rt, int32_t off, unsigned base) { return enc::i_type(0x38, base, rt, off); }
constexpr uint32_t b_self() { return enc::beq(0, 0, -1); }  // spin: `b .`

// ---- CP0 values ------------------------------------------------------------------

using namespace mipshv::cp0;
constexpr uint64_t kKernelStatus = status::KX | status::SX | status::UX | status::CU1;
constexpr uint64_t kIm = 0xa5u << 8;  // IM0, IM2, IM5, IM7 (the timer)
constexpr uint64_t kUserKsu = 2u << status::KSU_SHIFT;

// ---- Guest programs --------------------------------------------------------------

struct GuestProgram {
    uint64_t pa = kCodePa;
    std::vector<uint32_t> words;

    GuestProgram& emit(std::initializer_list<uint32_t> ws) {
        words.insert(words.end(), ws);
        return *this;
    }
    GuestProgram& emit(const std::vector<uint32_t>& ws) {
        words.insert(words.end(), ws.begin(), ws.end());
        return *this;
    }
    size_t here() const { return words.size(); }
    uint64_t va(size_t index) const { return kKseg0 + pa + 4 * index; }
    int32_t code_offset(size_t index) const { return int32_t(pa - kCodePa + 4 * index); }
    // Plain instructions that consume the results (so a wrong value spreads),
    // data reads of the code words `probes` (patches must be invisible),
    // then the spin loop the budget ends in.
    GuestProgram& finish(std::initializer_list<size_t> probes = {}) {
        emit({enc::daddu(T4, V0, T1), enc::or_(T5, T0, V1), enc::dsll(T6, T1, 3), enc::addu(T7, T4, T5)});
        unsigned reg = P0;
        for (size_t w : probes)
            if (reg <= P2) emit({enc::lw(reg++, code_offset(w), CODE)});
        if (probes.size()) emit({enc::ld(P3, code_offset(*probes.begin()) & ~7, CODE)});
        return emit({b_self(), enc::nop()});
    }
};

struct Segment {
    uint64_t pa;
    std::vector<uint32_t> words;
};

struct Case {
    std::string name;
    std::vector<Segment> segments;
    uint64_t entry = kCodeVa;
    std::function<void(Cpu&)> setup;  // after the common state
    uint64_t steps = 400;
    int passes = 2;
    bool ends_in_spin = true;  // sanity check on the bare-metal run
};

Case make_case(std::string name, const GuestProgram& p, std::function<void(Cpu&)> setup = {}) {
    Case k;
    k.name = std::move(name);
    k.segments.push_back({p.pa, p.words});
    k.entry = p.va(0);
    k.setup = std::move(setup);
    return k;
}

std::string hex(uint64_t v) { return (std::ostringstream() << "0x" << std::hex << v).str(); }

// ---- Machine state -----------------------------------------------------------------

// Distinct values in every GPR and every writable CP0 register, with bits in
// both halves so that 32-bit moves and sign extension show.
void common_state(Cpu& c) {
    for (unsigned r = 1; r < 32; ++r) c.gpr[r] = 0x9e3779b97f4a7c15ull * r ^ (uint64_t(r) << 59);
    c.gpr[CODE] = kCodeVa;
    c.gpr[DATA] = kDataVa;
    c.hi = 0x0123456789abcdefull;
    c.lo = 0xfedcba9876543210ull;
    cp0_write(c, STATUS, 0, kKernelStatus | kIm);
    c.cp0.index = 0x80000000u | 42;
    cp0_write(c, ENTRYLO0, 0, 0x0000000012345679ull);
    cp0_write(c, ENTRYLO1, 0, 0x000000003edcba86ull);
    cp0_write(c, CONTEXT, 0, 0xfedcba98f6000000ull);
    c.cp0.context |= 0x3a5670;  // BadVPN2
    cp0_write(c, CONTEXT, 2, 0x89abcdeffedcba98ull);
    cp0_write(c, PAGEMASK, 0, 0x6000);
    cp0_write(c, WIRED, 0, 7);
    cp0_write(c, HWRENA, 0, 0x2000000f);
    c.cp0.badvaddr = 0xc000000087654321ull;
    cp0_write(c, ENTRYHI, 0, 0xc00000ff80004077ull);
    cp0_set_count(c, 0x90000000u);
    cp0_write(c, COMPARE, 0, 0x80001234u);  // far away
    cp0_write(c, STATUS, 1, 0x3e0);
    cp0_write(c, CAUSE, 0, cause::DC);
    cp0_write(c, EPC, 0, 0x123456789abcdef0ull);
    cp0_write(c, CONFIG, 0, 3);
    c.cp0.lladdr = 0x12345678;
    cp0_write(c, XCONTEXT, 0, ~0ull);
    c.cp0.xcontext |= 0x1234560;
    cp0_write(c, ERRCTL, 0, 0x20000000);
    cp0_write(c, TAGLO, 0, 0xdeadbeef);
    cp0_write(c, TAGLO, 1, 0x0badf00d);
    cp0_write(c, TAGHI, 0, 0x13572468);
    cp0_write(c, TAGHI, 1, 0x87654321);
    cp0_write(c, ERROREPC, 0, 0xffffffff80012340ull);
    cp0_write(c, DESAVE, 0, 0x0123456789abcdefull);
    cp0_write(c, DESAVE, 2, 0xfedcba9876543210ull);
    cp0_write(c, DESAVE, 3, 0x8000000000000001ull);
}

// EntryHi/EntryLo/PageMask/Index/Wired for the TLB cases.
void tlb_registers(Cpu& c) {
    cp0_write(c, ENTRYHI, 0, 0x0000000000ab0000ull | 0x12);
    cp0_write(c, ENTRYLO0, 0, (0x123ull << 6) | (3u << 3) | entrylo::D | entrylo::V);
    cp0_write(c, ENTRYLO1, 0, (0x125ull << 6) | (3u << 3) | entrylo::V);
    cp0_write(c, PAGEMASK, 0, 0x6000);
    c.cp0.index = 9;
    cp0_write(c, WIRED, 0, 10);
}

struct Snapshot {
    StopReason stop = StopReason::NONE;
    std::array<uint64_t, 32> gpr{};
    uint64_t hi = 0, lo = 0, pc = 0, instret = 0, ticks = 0, exceptions = 0, interrupts = 0;
    uint64_t user_instructions = 0, kernel_instructions = 0;
    std::array<uint64_t, 5> by_class{};  // loads, stores, multiplies, divides, FPU
    bool llbit = false;
    std::array<std::array<uint64_t, 8>, 32> cp0{};
    std::array<TlbEntry, kTlbEntries> tlb{};
    std::array<uint32_t, kDataWords> data{};
};

Snapshot take_snapshot(Machine& m, StopReason stop) {
    Cpu& c = m.cpu();
    Snapshot s;
    s.stop = stop;
    for (unsigned r = 0; r < 32; ++r) s.gpr[r] = c.gpr[r];
    s.hi = c.hi;
    s.lo = c.lo;
    s.pc = c.pc;
    s.instret = c.instret;
    s.ticks = c.ticks();
    s.exceptions = c.counters.exceptions;
    s.interrupts = c.counters.interrupts;
    s.user_instructions = c.counters.instructions_user;
    s.kernel_instructions = c.counters.instructions_kernel;
    s.by_class = {c.counters.loads, c.counters.stores, c.counters.multiplies, c.counters.divides,
                  c.counters.fpu_instructions};
    s.llbit = c.llbit;
    for (unsigned reg = 0; reg < 32; ++reg)
        for (unsigned sel = 0; sel < 8; ++sel) s.cp0[reg][sel] = cp0_read(c, reg, sel);
    s.tlb = c.tlb.entries;  // bare metal: the TLB; hypervisor modes: the shadow of the guest's TLB
    std::memcpy(s.data.data(), m.bus().ram_ptr(kDataPa, kDataWords * 4), kDataWords * 4);
    return s;
}

// Every difference, one per line; empty when the states agree.
std::string diff(const Snapshot& want, const Snapshot& got) {
    std::ostringstream out;
    auto field = [&](const std::string& what, uint64_t a, uint64_t b) {
        if (a != b) out << "\n  " << what << ": bare-metal " << hex(a) << ", this mode " << hex(b);
    };
    field("stop reason", uint64_t(want.stop), uint64_t(got.stop));
    field("pc", want.pc, got.pc);
    for (unsigned r = 1; r < 32; ++r) field(std::string("$") + kGprNames[r], want.gpr[r], got.gpr[r]);
    field("hi", want.hi, got.hi);
    field("lo", want.lo, got.lo);
    field("LL bit", want.llbit, got.llbit);
    field("instructions retired", want.instret, got.instret);
    field("virtual ticks", want.ticks, got.ticks);
    field("exceptions taken", want.exceptions, got.exceptions);
    field("interrupts taken", want.interrupts, got.interrupts);
    field("instructions retired in user mode", want.user_instructions, got.user_instructions);
    field("instructions retired in kernel mode", want.kernel_instructions, got.kernel_instructions);
    for (size_t k = 0; k < want.by_class.size(); ++k)
        field("instructions retired of cost class " + std::to_string(k + 1), want.by_class[k], got.by_class[k]);
    for (unsigned reg = 0; reg < 32; ++reg)
        for (unsigned sel = 0; sel < 8; ++sel)
            field("CP0 " + cp0_register_name(reg, sel), want.cp0[reg][sel], got.cp0[reg][sel]);
    for (unsigned i = 0; i < kTlbEntries; ++i) {
        const TlbEntry &a = want.tlb[i], &b = got.tlb[i];
        const std::string e = "TLB[" + std::to_string(i) + "].";
        field(e + "entryhi", a.entryhi, b.entryhi);
        field(e + "pagemask", a.pagemask, b.pagemask);
        field(e + "lo0", a.lo[0], b.lo[0]);
        field(e + "lo1", a.lo[1], b.lo[1]);
        field(e + "asid", a.asid, b.asid);
        field(e + "global", a.global, b.global);
    }
    for (unsigned w = 0; w < kDataWords; ++w) field("data word " + std::to_string(w), want.data[w], got.data[w]);
    return out.str();
}

// What a second pass restarts from.
struct Restart {
    std::array<uint64_t, 32> gpr{};
    uint64_t hi = 0, lo = 0, pc = 0, ticks = 0, instret = 0, timer_deadline = 0;
    Cp0State cp0;
};

Restart capture(const Cpu& c) {
    Restart s;
    for (unsigned r = 0; r < 32; ++r) s.gpr[r] = c.gpr[r];
    s.hi = c.hi;
    s.lo = c.lo;
    s.pc = c.pc;
    s.ticks = c.ticks();
    s.instret = c.instret;
    s.timer_deadline = c.timer_deadline;
    s.cp0 = c.cp0;
    return s;
}

void restart(Cpu& c, const Restart& s) {
    for (unsigned r = 0; r < 32; ++r) c.gpr[r] = s.gpr[r];
    c.hi = s.hi;
    c.lo = s.lo;
    c.pc = s.pc;
    c.instret = s.instret;
    c.set_ticks(s.ticks);  // (an offset from instret: after it)
    c.timer_deadline = s.timer_deadline;
    c.cp0 = s.cp0;  // the communication page in hypervisor modes
    c.llbit = false;
    c.stop = StopReason::NONE;
    update_mmu_mode(c);
    flush_translations(c);
}

Options options_for(std::string_view mode, std::string_view engine = "jit") {
    Options o;
    o.mode = std::string(mode);
    o.engine = std::string(engine);
    o.memory_bytes = 64ull << 20;
    o.serial = "null";
    o.rtc_base_s = 0;
    return o;
}

void place(Machine& m, uint64_t pa, const std::vector<uint32_t>& words) {
    uint8_t* dst = m.bus().ram_ptr(pa, words.size() * 4);
    REQUIRE(dst);
    std::memcpy(dst, words.data(), words.size() * 4);
}

uint32_t ram_word(Machine& m, uint64_t pa) {
    uint32_t w;
    std::memcpy(&w, m.bus().ram_ptr(pa, 4), 4);
    return w;
}

struct ModeRun {
    std::string mode;
    std::unique_ptr<Machine> machine;
    std::vector<Snapshot> passes;
};

ModeRun run_in_mode(std::string_view mode, const Case& k, std::string_view engine = "jit") {
    ModeRun r{std::string(mode), std::make_unique<Machine>(options_for(mode, engine)), {}};
    Machine& m = *r.machine;
    Cpu& c = m.cpu();
    for (uint64_t vector : {0x000, 0x080, 0x100, 0x180, 0x200}) place(m, vector, {b_self(), enc::nop()});
    for (const Segment& s : k.segments) place(m, s.pa, s.words);
    common_state(c);
    if (k.setup) k.setup(c);
    c.pc = k.entry;
    const Restart start = capture(c);
    for (int p = 0; p < k.passes; ++p) {
        if (p) restart(c, start);
        const StopReason why = m.run(k.steps);
        r.passes.push_back(take_snapshot(m, why));
    }
    return r;
}

bool at_spin(Machine& m) {
    Translation t = translate(m.cpu(), m.cpu().pc, Access::FETCH);
    return t.fault == TranslateFault::NONE && m.bus().ram_ptr(t.pa, 4) && ram_word(m, t.pa) == b_self();
}

// Runs the case in every mode; checks each against bare metal. Returns the
// runs (bare metal first) for case-specific checks.
std::vector<ModeRun> check_same_in_every_mode(const Case& k) {
    std::vector<ModeRun> runs;
    for (std::string_view mode : kExecModeNames) runs.push_back(run_in_mode(mode, k));
    INFO("case: " << k.name);
    if (k.ends_in_spin) {
        INFO("the bare-metal run must end in a spin loop (a larger budget?): pc " << hex(runs[0].machine->cpu().pc));
        CHECK(at_spin(*runs[0].machine));
    }
    for (size_t i = 1; i < runs.size(); ++i)
        for (size_t p = 0; p < runs[i].passes.size(); ++p) {
            INFO("mode: " << runs[i].mode << ", pass " << p + 1);
            CHECK(diff(runs[0].passes[p], runs[i].passes[p]) == std::string());
        }
    return runs;
}

void check_all(const std::vector<Case>& cases) {
    for (const Case& k : cases) check_same_in_every_mode(k);
}

// ---- Case families --------------------------------------------------------------

struct Follower {
    std::string name;
    uint32_t word;
};
// What follows the sensitive instruction decides whether 1:n can use a stub
// (it runs early, in the jump's delay slot): a NOP-like, an ALU op that does
// not feed itself, and one that writes the sensitive instruction's rt.
std::vector<Follower> followers(unsigned rt) {
    return {{"ehb", ehb()},
            {"addu $t1,$t2,$t3", enc::addu(T1, T2, T3)},
            {"andi $" + std::string(kGprNames[rt]) + ",$" + kGprNames[rt] + ",1", enc::andi(rt, rt, 1)}};
}

std::string reg_name(unsigned reg, unsigned sel) {
    return cp0_register_name(reg, sel) + " (" + std::to_string(reg) + "," + std::to_string(sel) + ")";
}

}  // namespace

// ---- CP0 moves -------------------------------------------------------------------

TEST_CASE("MFC0/DMFC0 read the same value in every mode", "[sensitive]") {
    struct R {
        unsigned reg, sel;
    };
    const R readable[] = {{INDEX, 0}, {RANDOM, 0}, {ENTRYLO0, 0}, {ENTRYLO1, 0}, {CONTEXT, 0}, {CONTEXT, 2},
                          {PAGEMASK, 0}, {WIRED, 0}, {HWRENA, 0}, {BADVADDR, 0}, {COUNT, 0}, {ENTRYHI, 0},
                          {COMPARE, 0}, {STATUS, 0}, {STATUS, 1}, {STATUS, 2}, {CAUSE, 0}, {EPC, 0}, {PRID, 0},
                          {PRID, 1}, {CONFIG, 0}, {CONFIG, 1}, {CONFIG, 2}, {CONFIG, 3}, {CONFIG, 4}, {CONFIG, 5},
                          {LLADDR, 0}, {XCONTEXT, 0}, {ERRCTL, 0}, {TAGLO, 0}, {TAGLO, 1}, {TAGHI, 0}, {TAGHI, 1},
                          {ERROREPC, 0}, {DESAVE, 0}, {DESAVE, 2}, {DESAVE, 3},
                          // not implemented: read as zero
                          {WATCHLO, 0}, {WATCHHI, 0}, {CONFIG, 6}, {CONFIG, 7}, {DESAVE, 4}, {DESAVE, 7},
                          {STATUS, 3}, {PERFCNT, 0}, {DEBUG, 0}, {21, 0}};
    std::vector<Case> cases;
    for (R r : readable) {
        for (bool wide : {false, true}) {
            const unsigned rt = wide ? V1 : V0;
            for (const Follower& f : followers(rt)) {
                GuestProgram p;
                p.emit({enc::addiu(T3, T3, 5), wide ? dmfc0(rt, r.reg, r.sel) : mfc0(rt, r.reg, r.sel), f.word,
                        enc::addiu(S0, S0, 1)})
                    .finish({1});
                cases.push_back(make_case(std::string(wide ? "dmfc0 " : "mfc0 ") + reg_name(r.reg, r.sel) + "; " + f.name, p));
            }
        }
    }
    GuestProgram p;  // rt = $0: patched as a NOP
    p.emit({enc::addiu(T3, T3, 5), mfc0(ZERO, STATUS), enc::addu(T1, T2, T3)}).finish({1});
    cases.push_back(make_case("mfc0 $zero, Status", p));
    check_all(cases);
}

TEST_CASE("MTC0/DMTC0 have the same effect in every mode", "[sensitive]") {
    struct W {
        std::string what;
        bool wide;
        unsigned reg, sel;
        uint64_t value;
        std::function<void(Cpu&)> extra = {};
    };
    const std::vector<W> writes = {
        {"Index", false, INDEX, 0, 0xffffffffffffff7full},
        {"Index", true, INDEX, 0, 0x123},
        {"EntryLo0 (bits outside the mask)", false, ENTRYLO0, 0, ~0ull},
        {"EntryLo0 (bits outside the mask)", true, ENTRYLO0, 0, 0xfedcba9876543210ull},
        {"EntryLo1 (bits outside the mask)", false, ENTRYLO1, 0, 0xc0000000ffffffffull},
        {"EntryLo1 (bits outside the mask)", true, ENTRYLO1, 0, ~0ull},
        {"Context", false, CONTEXT, 0, ~0ull},
        {"Context", true, CONTEXT, 0, 0x123456789abcdef0ull},
        {"UserLocal", false, CONTEXT, 2, 0x80000001ull},
        {"UserLocal", true, CONTEXT, 2, 0xfedcba9876543210ull},
        {"PageMask (bad mask bits)", false, PAGEMASK, 0, 0xffffffffull},
        {"PageMask (odd mask)", false, PAGEMASK, 0, 0x1800},
        {"PageMask (bad mask bits)", true, PAGEMASK, 0, ~0ull},
        {"Wired (out of range)", false, WIRED, 0, 70},
        {"Wired", true, WIRED, 0, 5},
        {"HWREna", false, HWRENA, 0, ~0ull},
        {"BadVAddr (read-only)", true, BADVADDR, 0, 0x1234},
        {"Count", false, COUNT, 0, 0x12345678},
        {"EntryHi (ASID change)", false, ENTRYHI, 0, 0x00004012},
        {"EntryHi (same ASID)", false, ENTRYHI, 0, 0x00008077},
        {"EntryHi (64-bit, ASID change)", true, ENTRYHI, 0, 0xc00000ffffffe0a5ull},
        {"EntryHi (64-bit, same ASID)", true, ENTRYHI, 0, 0x40000012345f6077ull},
        {"EntryHi (same ASID, every bit outside the write mask set)", true, ENTRYHI, 0, 0x3fffff0000001f77ull},
        {"EntryHi (sign-extended, same ASID)", false, ENTRYHI, 0, 0x80005077ull},
        {"Compare", false, COMPARE, 0, 0x90000400},
        {"Compare (acknowledges the timer)", false, COMPARE, 0, 0x90000400,
         [](Cpu& c) { c.cp0.cause |= cause::TI | (1u << (8 + cause::IP_TIMER)); }},
        {"Status (IE on)", false, STATUS, 0, kKernelStatus | kIm | status::IE},
        {"Status (IE off)", false, STATUS, 0, kKernelStatus | kIm,
         [](Cpu& c) { cp0_write(c, STATUS, 0, kKernelStatus | kIm | status::IE); }},
        {"Status (IM change)", false, STATUS, 0, kKernelStatus | 0x5a00},
        {"Status (BEV, CU0, FR and unwritable bits)", true, STATUS, 0,
         0xffffffff00000000ull | kKernelStatus | kIm | status::BEV | status::CU0 | status::FR | status::CU3},
        {"Status (mode bits: EXL and KSU=user)", false, STATUS, 0, kKernelStatus | kIm | status::EXL | kUserKsu},
        {"Status (mode bits: ERL)", false, STATUS, 0, kKernelStatus | kIm | status::ERL},
        {"Status (mode bits: KX cleared)", false, STATUS, 0, status::SX | status::UX | status::CU1 | kIm},
        {"Status (mode bits: KSU=user, EXL clear, running in kseg0)", false, STATUS, 0, kKernelStatus | kUserKsu},
        {"IntCtl", false, STATUS, 1, ~0ull},
        {"SRSCtl (read-only)", false, STATUS, 2, ~0ull},
        {"Cause (software interrupt bits, IV, DC)", false, CAUSE, 0, ~0ull},
        {"Cause (clear)", false, CAUSE, 0, 0, [](Cpu& c) { cp0_write(c, CAUSE, 0, cause::IP_SW | cause::IV); }},
        {"EPC", false, EPC, 0, 0x9abcdef0},
        {"EPC", true, EPC, 0, 0x123456789abcdef0ull},
        {"PRId (read-only)", false, PRID, 0, ~0ull},
        {"EBase", false, PRID, 1, 0x80001000},
        {"Config0 (K0)", false, CONFIG, 0, ~0ull},
        {"Config1 (read-only)", false, CONFIG, 1, 0},
        {"LLAddr (read-only)", true, LLADDR, 0, 0x5555},
        {"WatchLo (not implemented)", false, WATCHLO, 0, ~0ull},
        {"XContext", true, XCONTEXT, 0, ~0ull},
        {"XContext", false, XCONTEXT, 0, 0x12345678},
        {"ErrCtl", false, ERRCTL, 0, 0x12345678},
        {"TagLo", false, TAGLO, 0, 0x87654321},
        {"TagLo", true, TAGLO, 0, 0xfedcba9876543210ull},
        {"DataLo", false, TAGLO, 1, 0x80000000},
        {"TagHi", false, TAGHI, 0, 0x7fffffff},
        {"DataHi", false, TAGHI, 1, 0xffffffff},
        {"ErrorEPC", false, ERROREPC, 0, 0x80001234},
        {"ErrorEPC", true, ERROREPC, 0, 0x9800000000001234ull},
        {"DESAVE", true, DESAVE, 0, 0x1122334455667788ull},
        {"DESAVE", false, DESAVE, 0, 0x80000000},
        {"KScratch1", true, DESAVE, 2, 0x1122334455667788ull},
        {"KScratch1", false, DESAVE, 2, 0xffff0000},
        {"KScratch2", true, DESAVE, 3, 0x8877665544332211ull},
        {"KScratch (select 4, not implemented)", true, DESAVE, 4, ~0ull},
    };
    std::vector<Case> cases;
    for (const W& w : writes) {
        for (const Follower& f : followers(T0)) {
            GuestProgram p;
            p.emit({enc::addiu(T3, T3, 5), w.wide ? dmtc0(T0, w.reg, w.sel) : mtc0(T0, w.reg, w.sel), f.word,
                    enc::addiu(S0, S0, 1), dmfc0(V1, w.reg, w.sel)})
                .finish({1});
            const uint64_t value = w.value;
            auto extra = w.extra;
            cases.push_back(make_case(std::string(w.wide ? "dmtc0 " : "mtc0 ") + w.what + " = " + hex(value) + "; " + f.name, p,
                                      [value, extra](Cpu& c) {
                                          if (extra) extra(c);
                                          c.gpr[T0] = value;
                                      }));
        }
    }
    // Several writes in a row: none of them can be a stub's delay slot.
    GuestProgram p;
    p.emit({enc::addiu(T3, T3, 5), mtc0(T0, ENTRYLO0), mtc0(T1, ENTRYLO1), dmtc0(T2, PAGEMASK), mtc0(T3, INDEX),
            mtc0(T0, STATUS), ehb()})
        .finish({1, 2, 3});
    cases.push_back(make_case("mtc0 EntryLo0; mtc0 EntryLo1; dmtc0 PageMask; mtc0 Index; mtc0 Status", p,
                              [](Cpu& c) { c.gpr[T0] = kKernelStatus | status::IE; }));
    check_all(cases);
}

// ---- Interrupt enable ----------------------------------------------------------------

TEST_CASE("DI and EI have the same effect in every mode", "[sensitive]") {
    std::vector<Case> cases;
    for (bool enable : {false, true})
        for (unsigned rt : {ZERO, T0, AT})
            for (bool ie : {false, true})
                for (const Follower& f : followers(rt == ZERO ? T0 : rt)) {
                    GuestProgram p;
                    p.emit({enc::addiu(T3, T3, 5), enable ? ei(rt) : di(rt), f.word, enc::addiu(S0, S0, 1)}).finish({1});
                    std::string name = std::string(enable ? "ei $" : "di $") + kGprNames[rt] + " with IE=" +
                                       (ie ? "1" : "0") + "; " + f.name;
                    cases.push_back(make_case(name, p, [ie](Cpu& c) {
                        if (ie) c.cp0.status |= status::IE;
                    }));
                }
    check_all(cases);
}

TEST_CASE("the irq-restore idiom `beqz rs,1f; di; ei; 1: ehb` gives the same result in every mode", "[sensitive]") {
    std::vector<Case> cases;
    for (unsigned rs : {T0, AT})
        for (uint64_t flags : {uint64_t(0), uint64_t(1), uint64_t(1) << 63})
            for (bool ie : {false, true})
                for (uint32_t after : {ehb(), enc::addu(T1, T2, T3)}) {
                    GuestProgram p;
                    p.emit({enc::addiu(T3, T3, 5), enc::beq(rs, ZERO, 2), di(), ei(), after, enc::addiu(S0, S0, 1)})
                        .finish({1, 2, 3});
                    std::string name = std::string("beqz $") + kGprNames[rs] + " (= " + hex(flags) + "), +2; di; ei; " +
                                       (after == ehb() ? "ehb" : "addu") + " with IE=" + (ie ? "1" : "0");
                    cases.push_back(make_case(name, p, [rs, flags, ie](Cpu& c) {
                        c.gpr[rs] = flags;
                        if (ie) c.cp0.status |= status::IE;
                    }));
                }
    // Two idioms in a row, and one run in a loop (on-demand patches it in
    // the first iteration and runs the patch in the second).
    {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), enc::beq(T0, ZERO, 2), di(), ei(), ehb(), enc::beq(T1, ZERO, 2), di(), ei(), ehb(),
                enc::addiu(S0, S0, 1)})
            .finish({1, 2, 5});
        cases.push_back(make_case("two irq-restore idioms in a row", p, [](Cpu& c) { c.gpr[T0] = 0; }));
    }
    {
        GuestProgram p;
        p.emit({enc::addiu(S1, ZERO, 3),                                        // 0: iterations
                enc::xori(T0, T0, 1), enc::beq(T0, ZERO, 2), di(), ei(), ehb(),  // 1..5
                enc::addiu(S1, S1, -1), enc::bne(S1, ZERO, -7), enc::nop()})     // 6..8
            .finish({2, 3, 4});
        cases.push_back(make_case("irq-restore idiom in a loop, flags alternating", p, [](Cpu& c) { c.gpr[T0] = 0; }));
    }
    check_all(cases);
}

// ---- TLB -------------------------------------------------------------------------------

TEST_CASE("TLB instructions have the same effect in every mode", "[sensitive]") {
    std::vector<Case> cases;
    auto add = [&](std::string name, const GuestProgram& p, std::function<void(Cpu&)> more = {}) {
        cases.push_back(make_case(std::move(name), p, [more](Cpu& c) {
            tlb_registers(c);
            if (more) more(c);
        }));
    };
    for (const Follower& f : followers(T0)) {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), tlbwi(), f.word, enc::addiu(S0, S0, 1)}).finish({1});
        add("tlbwi; " + f.name, p);
        GuestProgram q;
        q.emit({enc::addiu(T3, T3, 5), enc::nop(), enc::nop(), tlbwr(), f.word, enc::addiu(S0, S0, 1)}).finish({3});
        add("tlbwr; " + f.name, q);
    }
    {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), tlbwi(), ehb()}).finish({1});
        add("tlbwi with Index.P set", p, [](Cpu& c) { c.cp0.index = 0x80000000u | 9; });
        add("tlbwi of a global entry", p, [](Cpu& c) {
            c.cp0.entrylo0 |= entrylo::G;
            c.cp0.entrylo1 |= entrylo::G;
        });
        add("tlbwi with only EntryLo0.G (not global)", p, [](Cpu& c) { c.cp0.entrylo0 |= entrylo::G; });
    }
    {
        GuestProgram p;  // tlbwr twice, and tlbwi to a second index
        p.emit({enc::addiu(T3, T3, 5), tlbwr(), enc::addiu(T0, ZERO, 17), mtc0(T0, INDEX), mtc0(T1, ENTRYHI), tlbwi(),
                tlbwr(), ehb()})
            .finish({1});
        add("tlbwr; tlbwi (Index 17, new EntryHi); tlbwr", p, [](Cpu& c) { c.gpr[T1] = 0x00cd0033; });
    }
    for (const Follower& f : followers(V0)) {
        GuestProgram p;  // write, clobber the registers, read back
        p.emit({enc::addiu(T3, T3, 5), tlbwi(), ehb(), mtc0(ZERO, ENTRYLO0), mtc0(ZERO, ENTRYLO1), mtc0(ZERO, PAGEMASK),
                mtc0(T1, ENTRYHI), tlbr(), f.word, dmfc0(V0, ENTRYHI), dmfc0(V1, ENTRYLO0), dmfc0(T2, ENTRYLO1),
                mfc0(S2, PAGEMASK)})
            .finish({7});
        add("tlbr after tlbwi (ASID changes back); " + f.name, p, [](Cpu& c) { c.gpr[T1] = 0x00cd0033; });
    }
    {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), tlbwi(), ehb(), mtc0(ZERO, ENTRYLO0), mtc0(ZERO, ENTRYLO1), tlbr(), ehb(),
                dmfc0(V1, ENTRYLO0), dmfc0(T2, ENTRYLO1)})
            .finish({5});
        add("tlbr of a global entry returns G in both halves", p, [](Cpu& c) {
            c.cp0.entrylo0 |= entrylo::G;
            c.cp0.entrylo1 |= entrylo::G;
        });
        GuestProgram q;
        q.emit({enc::addiu(T3, T3, 5), tlbr(), ehb(), dmfc0(V0, ENTRYHI), dmfc0(V1, ENTRYLO0)}).finish({1});
        add("tlbr of an empty entry", q, [](Cpu& c) { c.cp0.index = 33; });
    }
    for (const Follower& f : followers(T0)) {
        GuestProgram hit;
        hit.emit({enc::addiu(T3, T3, 5), tlbwi(), ehb(), mtc0(ZERO, INDEX), tlbp(), f.word, mfc0(V0, INDEX)}).finish({4});
        add("tlbp hit; " + f.name, hit);
        GuestProgram miss;
        miss.emit({enc::addiu(T3, T3, 5), tlbwi(), ehb(), mtc0(T1, ENTRYHI), tlbp(), f.word, mfc0(V0, INDEX)}).finish({4});
        add("tlbp miss (other VPN2); " + f.name, miss, [](Cpu& c) { c.gpr[T1] = 0x00cd0012; });
        add("tlbp miss (other ASID); " + f.name, miss, [](Cpu& c) { c.gpr[T1] = 0x00ab0013; });
        add("tlbp hit (global, other ASID); " + f.name, miss, [](Cpu& c) {
            c.gpr[T1] = 0x00ab0013;
            c.cp0.entrylo0 |= entrylo::G;
            c.cp0.entrylo1 |= entrylo::G;
        });
    }
    {
        // The shadow TLB translates what the guest wrote: map kuseg 0x400000
        // onto the data page, store and load through it; then change the
        // ASID so the non-global entry no longer matches (TLB refill).
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), mtc0(ZERO, PAGEMASK), mtc0(S1, ENTRYHI), mtc0(S2, ENTRYLO0), mtc0(S3, ENTRYLO1),
                mtc0(ZERO, INDEX), tlbwi(), ehb(), enc::sw(T1, 16, S0), enc::lw(V0, 16, S0), enc::addiu(T2, ZERO, 0x99),
                mtc0(T2, ENTRYHI), ehb(), enc::lw(V1, 16, S0), enc::addiu(T1, T1, 1)})
            .finish({6});
        add("stores and loads through a TLB entry the guest wrote; ASID change then refills", p, [](Cpu& c) {
            c.gpr[S0] = kUserVa;
            c.gpr[S1] = kUserVa | 0x21;
            c.gpr[S2] = ((kDataPa >> 12) << 6) | (3u << 3) | entrylo::D | entrylo::V;
            c.gpr[S3] = 0;
        });
    }
    check_all(cases);
}

// ---- ERET, CACHE, WAIT, shadow registers, debug ---------------------------------------

TEST_CASE("ERET, CACHE, WAIT, RDPGPR/WRPGPR, SDBBP and DERET behave the same in every mode", "[sensitive]") {
    std::vector<Case> cases;
    // ERET: index 4 is where it returns to.
    auto eret_program = [](std::vector<uint32_t> before) {
        GuestProgram p;
        p.emit(before).emit({enc::eret(), enc::addiu(V0, ZERO, 0x11), enc::addiu(V0, ZERO, 0x22)});
        return p;
    };
    {
        GuestProgram p = eret_program({enc::addiu(T3, T3, 5)});
        const size_t target = p.here();
        p.emit({enc::addiu(V1, V1, 1)}).finish({1});
        const uint64_t to = p.va(target);
        cases.push_back(make_case("eret with EXL to kseg0", p, [to](Cpu& c) {
            cp0_write(c, STATUS, 0, kKernelStatus | kIm | status::EXL);
            c.cp0.epc = to;
        }));
        cases.push_back(make_case("eret with ERL (and EXL) to ErrorEPC", p, [to](Cpu& c) {
            cp0_write(c, STATUS, 0, kKernelStatus | kIm | status::EXL | status::ERL);
            c.cp0.errorepc = to;
        }));
        cases.push_back(make_case("eret with EXL to kseg1", p, [to](Cpu& c) {
            cp0_write(c, STATUS, 0, kKernelStatus | kIm | status::EXL);
            c.cp0.epc = to - kKseg0 + kKseg1;
        }));
    }
    {
        // The guest prepares the return itself: Status.EXL (a mode-bit change:
        // the 1:n stub's slow path), EPC (a 1:1 store), LL bit set, then ERET
        // clears the LL bit so the SC after it fails.
        GuestProgram p = eret_program({enc::addiu(T3, T3, 5), mtc0(T0, STATUS), ehb(), dmtc0(T1, EPC),
                                       ll(S2, 0, DATA)});
        const size_t target = p.here();
        p.emit({sc(S3, 0, DATA), enc::addiu(V1, V1, 1)}).finish({1, 3, 5});
        const uint64_t to = p.va(target);
        cases.push_back(make_case("mtc0 Status (EXL); dmtc0 EPC; ll; eret; sc", p, [to](Cpu& c) {
            c.gpr[T0] = kKernelStatus | kIm | status::EXL;
            c.gpr[T1] = to;
        }));
    }
    for (const Follower& f : followers(T0)) {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), cache(0x15, 0, DATA), f.word, enc::addiu(S0, S0, 1)}).finish({1});
        cases.push_back(make_case("cache; " + f.name, p));
    }
    {
        // WAIT idles until the Compare deadline (300 ticks ahead).
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), wait(), enc::addu(T1, T2, T3), mfc0(V0, COUNT), mfc0(V1, CAUSE)}).finish({1});
        auto timer_in_150_counts = [](Cpu& c) {
            cp0_set_count(c, 0x90000000u);
            cp0_write(c, COMPARE, 0, 0x90000000u + 150);
        };
        cases.push_back(make_case("wait until the timer, IE clear", p, timer_in_150_counts));
        cases.push_back(make_case("wait until the timer, IE set (interrupt after WAIT)", p, [=](Cpu& c) {
            timer_in_150_counts(c);
            c.cp0.status |= status::IE;
        }));
        cases.push_back(make_case("wait with an interrupt already pending (IE clear)", p, [=](Cpu& c) {
            timer_in_150_counts(c);
            cp0_write(c, CAUSE, 0, 1u << 8);
        }));
        Case halt = make_case("wait with every interrupt masked (the machine halts)", p, [=](Cpu& c) {
            timer_in_150_counts(c);
            cp0_write(c, STATUS, 0, kKernelStatus);
        });
        halt.ends_in_spin = false;
        cases.push_back(halt);
    }
    for (const Follower& f : followers(V0)) {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), rdpgpr(V0, T0), f.word, wrpgpr(V1, T2), enc::addiu(S0, S0, 1)}).finish({1, 3});
        cases.push_back(make_case("rdpgpr; " + f.name + "; wrpgpr", p));
    }
    {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), enc::sdbbp(0), enc::addiu(V0, V0, 1)}).finish({1});
        cases.push_back(make_case("sdbbp without semihosting (reserved instruction)", p));
        GuestProgram q;
        q.emit({enc::addiu(T3, T3, 5), deret(), enc::addiu(V0, V0, 1)}).finish({1});
        cases.push_back(make_case("deret (reserved instruction: no debug mode)", q));
    }
    {
        // Genuine SYSCALLs, with codes a hypercall could use, are not hypercalls.
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), mfc0(V0, STATUS), enc::nop(), tlbwi(), enc::nop(), enc::syscall_code(0),
                enc::addiu(V0, V0, 1)})
            .finish({5});
        cases.push_back(make_case("syscall 0 after patched instructions raises Sys", p, tlb_registers));
        GuestProgram q;
        q.emit({enc::addiu(T3, T3, 5), tlbwi(), enc::syscall_code(1), enc::addiu(V0, V0, 1)}).finish({2});
        cases.push_back(make_case("syscall 1 raises Sys", q, tlb_registers));
        GuestProgram r;
        r.emit({enc::addiu(T3, T3, 5), break_(), enc::addiu(V0, V0, 1)}).finish({1});
        cases.push_back(make_case("break raises Bp", r));
    }
    {
        // A refill-handler-shaped sequence, as Linux writes it.
        GuestProgram p;
        p.emit({dmtc0(RA - 4 /*k1*/, DESAVE, 2), dmfc0(RA - 4, CONTEXT), dmtc0(T0, ENTRYLO0), dmtc0(T1, ENTRYLO1), ehb(),
                tlbwr(), dmfc0(RA - 4, DESAVE, 2), enc::eret(), enc::addiu(V0, ZERO, 0x11)});
        const size_t target = p.here();
        p.emit({enc::addiu(V1, V1, 1)}).finish({0, 5, 7});
        const uint64_t to = p.va(target);
        cases.push_back(make_case("TLB refill handler: dmtc0 KScratch; dmfc0 Context; dmtc0 EntryLo0/1; ehb; tlbwr; eret",
                                  p, [to](Cpu& c) {
                                      tlb_registers(c);
                                      cp0_write(c, STATUS, 0, kKernelStatus | kIm | status::EXL);
                                      c.cp0.epc = to;
                                      c.gpr[T0] = (0x200ull << 6) | 0x1f;
                                      c.gpr[T1] = (0x201ull << 6) | 0x1f;
                                  }));
    }
    check_all(cases);
}

// Linux's TLB handlers end with a TLB write and ERET. In 1:n and on-demand
// the write's hypercall also does the ERET where the run loop would have
// run the ERET's block next; where it would not (the budget ends after the
// write, the write sits in a delay slot), the ERET runs as its own site.
TEST_CASE("a TLB write then ERET: one hypercall where the ERET runs next, the same state at every budget", "[sensitive]") {
    for (const auto& [write_name, write] : {std::pair{"tlbwr", tlbwr()}, std::pair{"tlbwi", tlbwi()}}) {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), ehb(), write, enc::eret(), enc::addiu(V0, ZERO, 0x11)});
        const size_t target = p.here();
        p.emit({enc::addiu(V1, V1, 1)}).finish({2, 3});
        const uint64_t to = p.va(target);
        const auto in_handler = [to](Cpu& c) {
            tlb_registers(c);
            cp0_write(c, STATUS, 0, kKernelStatus | kIm | status::EXL);
            c.cp0.epc = to;
        };
        for (uint64_t steps : {2, 3, 4, 5, 400}) {
            Case k = make_case(std::string(write_name) + "; eret, budget " + std::to_string(steps), p, in_handler);
            k.steps = steps;
            k.ends_in_spin = steps == 400;
            const std::vector<ModeRun> runs = check_same_in_every_mode(k);
            for (const ModeRun& r : runs) {
                // On demand patches at the first pass's traps; 1:n before the first.
                const uint64_t want = steps < 4 ? 0 : r.mode == "1:n" ? 2 : r.mode == "on-demand" ? 1 : 0;
                INFO("mode: " << r.mode << ", budget " << steps);
                CHECK(r.machine->cpu().counters.erets_with_tlb_write == want);
            }
        }
        // In a delay slot the write is followed by the branch's target.
        GuestProgram q;
        q.emit({enc::addiu(T3, T3, 5), enc::beq(ZERO, ZERO, 3), write, enc::eret(), enc::addiu(V0, ZERO, 0x11),
                enc::addiu(V1, V1, 1)})
            .finish({2, 3});
        Case k = make_case(std::string("b; ") + write_name + " (delay slot); eret", q, in_handler);
        for (const ModeRun& r : check_same_in_every_mode(k)) {
            INFO("mode: " << r.mode);
            CHECK(r.machine->cpu().counters.erets_with_tlb_write == 0);
        }
    }
}

// ---- Branch delay slots ---------------------------------------------------------------

TEST_CASE("sensitive instructions in branch delay slots behave the same in every mode", "[sensitive]") {
    std::vector<Case> cases;
    struct Slot {
        std::string name;
        uint32_t word;
    };
    const Slot slots[] = {{"mtc0 Index", mtc0(T0, INDEX)},        {"mtc0 EntryLo0", mtc0(T0, ENTRYLO0)},
                          {"mtc0 Status (IE on)", mtc0(T1, STATUS)}, {"dmtc0 EPC", dmtc0(T0, EPC)},
                          {"mfc0 Status", mfc0(V0, STATUS)},       {"mfc0 Count", mfc0(V0, COUNT)},
                          {"ei", ei()},                            {"di $v1", di(V1)},
                          {"tlbwi", tlbwi()},                      {"tlbp", tlbp()},
                          {"cache", cache(0x15, 0, DATA)},         {"rdpgpr", rdpgpr(V1, T2)}};
    for (const Slot& s : slots)
        for (int kind = 0; kind < 4; ++kind) {
            // kind 0: beq taken; 1: bne not taken; 2: beql not taken (slot annulled); 3: beql taken
            GuestProgram p;
            const uint32_t branch = kind == 0 ? enc::beq(ZERO, ZERO, 2)
                                  : kind == 1 ? enc::bne(ZERO, ZERO, 2)
                                  : kind == 2 ? beql(T0, ZERO, 2)
                                              : beql(ZERO, ZERO, 2);
            p.emit({enc::addiu(T3, T3, 5), branch, s.word, enc::addu(T1, T2, T3), enc::addiu(S0, S0, 1)}).finish({2});
            static const char* const kKinds[] = {"beq taken", "bne not taken", "beql not taken (annulled)", "beql taken"};
            cases.push_back(make_case(s.name + " in the delay slot of " + kKinds[kind], p, [](Cpu& c) {
                tlb_registers(c);
                c.gpr[T0] = 1;
                c.gpr[T1] = kKernelStatus | kIm | status::IE;
            }));
        }
    {
        GuestProgram p;  // jal into a function whose return has EI in its delay slot
        p.emit({enc::addiu(T3, T3, 5), enc::nop() /* jal, below */, mfc0(V0, STATUS), enc::addiu(S0, S0, 1)}).finish({2});
        const size_t function = p.here();
        p.emit({enc::daddu(T1, T2, T3), enc::jr(RA), ei(V1), enc::nop()});
        p.words[1] = jal(p.va(function));
        cases.push_back(make_case("jal with mfc0 in the slot; jr ra with ei $v1 in the slot", p));
    }
    {
        GuestProgram p;  // an interrupt becomes pending in a delay slot: taken at the branch target
        p.emit({enc::addiu(T3, T3, 5), enc::beq(ZERO, ZERO, 2), mtc0(T1, STATUS), enc::addu(T1, T2, T3),
                enc::addu(T2, T1, T3)})
            .finish({2});
        cases.push_back(make_case("mtc0 Status (IE on, interrupt pending) in a delay slot", p, [](Cpu& c) {
            cp0_write(c, CAUSE, 0, 1u << 8);
            c.gpr[T1] = kKernelStatus | kIm | status::IE;
        }));
    }
    {
        // Not the irq-restore idiom: offset 3, or DI with rt.
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), enc::beq(T0, ZERO, 3), di(), ei(), enc::nop(), ehb(), enc::addiu(S0, S0, 1)})
            .finish({2, 3});
        cases.push_back(make_case("beqz +3; di; ei; nop; ehb (not the idiom)", p, [](Cpu& c) { c.gpr[T0] = 0; }));
        GuestProgram q;
        q.emit({enc::addiu(T3, T3, 5), enc::beq(T0, ZERO, 2), di(V1), ei(), ehb(), enc::addiu(S0, S0, 1)}).finish({2, 3});
        cases.push_back(make_case("beqz +2; di $v1; ei; ehb (not the idiom)", q, [](Cpu& c) { c.gpr[T0] = 1; }));
    }
    {
        // The delay slot is the first word of the next page.
        GuestProgram p;
        p.pa = kCodePa + 0xff0;
        p.emit({enc::addiu(T3, T3, 5), enc::nop(), enc::nop(), enc::beq(ZERO, ZERO, 2), mtc0(T0, ENTRYLO0),
                enc::addiu(V0, ZERO, 0x11), enc::addu(T1, T2, T3)})
            .finish({4});
        cases.push_back(make_case("mtc0 EntryLo0 in a delay slot on the next page", p));
        GuestProgram q;
        q.pa = kCodePa + 0xff0;
        q.emit({enc::addiu(T3, T3, 5), enc::nop(), enc::nop(), enc::bne(T0, ZERO, 2), ei(), enc::addu(T1, T2, T3),
                enc::addu(T2, T1, T3)})
            .finish({4});
        cases.push_back(make_case("ei in a delay slot on the next page", q, [](Cpu& c) { c.gpr[T0] = 1; }));
    }
    check_all(cases);
}

// ---- Where the code runs from ---------------------------------------------------------

TEST_CASE("patched code behaves the same from kseg1, xkphys and at a page end", "[sensitive]") {
    std::vector<Case> cases;
    struct Body {
        std::string name;
        std::vector<uint32_t> words;
        size_t probe;
    };
    const Body bodies[] = {
        {"ei; addu", {ei(), enc::addu(T1, T2, T3)}, 1},
        {"mtc0 EntryLo0; addu", {mtc0(T0, ENTRYLO0), enc::addu(T1, T2, T3)}, 1},
        {"mtc0 Status (IE on); ehb", {mtc0(T1, STATUS), ehb()}, 1},
        {"mtc0 Status (EXL: a mode-bit change); ehb", {mtc0(S2, STATUS), ehb()}, 1},
        {"mfc0 Status; addu", {mfc0(V0, STATUS), enc::addu(T1, T2, T3)}, 1},
        {"beqz; di; ei; ehb", {enc::beq(T0, ZERO, 2), di(), ei(), ehb()}, 2},
        {"tlbwi; ehb", {tlbwi(), ehb()}, 1},
    };
    for (const Body& b : bodies) {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5)}).emit(b.words).emit({enc::addiu(S0, S0, 1)}).finish({b.probe});
        auto setup = [](Cpu& c) {
            tlb_registers(c);
            c.gpr[T0] = 1;
            c.gpr[T1] = kKernelStatus | kIm | status::IE;
            c.gpr[S2] = kKernelStatus | kIm | status::EXL;
        };
        Case k1 = make_case(b.name + " run from kseg1", p, setup);
        k1.entry = kKseg1 + kCodePa;
        cases.push_back(k1);
        Case kx = make_case(b.name + " run from xkphys", p, setup);
        kx.entry = kXkphys + kCodePa;
        cases.push_back(kx);
        // The sensitive instruction is the last word of a page.
        GuestProgram q;
        q.pa = kCodePa + 0xffc - 4 * (b.probe + 1);
        q.emit({enc::addiu(T3, T3, 5), enc::nop()}).emit(b.words).emit({enc::addiu(S0, S0, 1)}).finish({b.probe + 1});
        cases.push_back(make_case(b.name + " with the sensitive instruction last on its page", q, setup));
    }
    // Stubs reached through a kseg1 or xkphys alias are hypervisor code too:
    // no interrupt may be taken inside one.
    for (uint64_t segment : {kKseg1, kXkphys}) {
        const std::string from = segment == kKseg1 ? " run from kseg1" : " run from xkphys";
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), ei(), ehb(), enc::addiu(S0, S0, 1)}).finish({1});
        Case k = make_case("ei; ehb with a software interrupt pending" + from, p, [](Cpu& c) { cp0_write(c, CAUSE, 0, 1u << 8); });
        k.entry = segment + kCodePa;
        cases.push_back(k);
        GuestProgram q;
        q.emit({enc::addiu(T3, T3, 5), mtc0(T0, ENTRYLO0), ehb(), enc::addiu(S0, S0, 1)}).finish({1});
        Case t = make_case("mtc0 EntryLo0; ehb with the timer firing during the stub" + from, q, [](Cpu& c) {
            cp0_set_count(c, 0);
            cp0_write(c, COMPARE, 0, 1);
            c.cp0.status |= status::IE;
        });
        t.entry = segment + kCodePa;
        cases.push_back(t);
    }
    check_all(cases);
}

TEST_CASE("1:n stubs borrow scratch registers and run the next instruction early without a trace", "[sensitive]") {
    std::vector<Case> cases;
    // The stub borrows $at/$v0/$v1/$a0 depending on rt; the next instruction
    // reads them before the stub saves them.
    for (unsigned rt : {AT, V0, V1, A0, T0}) {
        const std::string r = std::string("$") + kGprNames[rt];
        struct S {
            std::string name;
            uint32_t word;
        };
        const S sensitive[] = {{"mtc0 " + r + ", Status", mtc0(rt, STATUS)}, {"mtc0 " + r + ", EntryLo1", mtc0(rt, ENTRYLO1)},
                               {"mtc0 " + r + ", Index", mtc0(rt, INDEX)},   {"dmtc0 " + r + ", Context", dmtc0(rt, CONTEXT)},
                               {"mtc0 " + r + ", PageMask", mtc0(rt, PAGEMASK)}, {"di " + r, di(rt)}, {"ei " + r, ei(rt)}};
        for (const S& x : sensitive) {
            GuestProgram p;
            p.emit({enc::addiu(T3, T3, 5), x.word, enc::daddu(T1, AT, V0), enc::daddu(T2, V1, A0), enc::addiu(S0, S0, 1)})
                .finish({1});
            cases.push_back(make_case(x.name + "; daddu $t1,$at,$v0", p, [rt](Cpu& c) {
                c.gpr[rt] = rt == T0 ? 0x12345 : kKernelStatus | kIm | status::EXL;  // a Status with a mode change
            }));
        }
    }
    {
        // A loop whose head is the instruction after a stub-patched one: the
        // branch back reaches it directly (not as a delay slot).
        GuestProgram p;
        p.emit({enc::addiu(S1, ZERO, 4), mtc0(T0, ENTRYLO0), enc::addu(T1, T2, T3), enc::addiu(T2, T2, 7),
                enc::addiu(S1, S1, -1), enc::bne(S1, ZERO, -4), enc::nop()})
            .finish({1});
        cases.push_back(make_case("loop back to the instruction after mtc0 EntryLo0", p));
        GuestProgram q;
        q.emit({enc::addiu(S1, ZERO, 4), ei(), enc::addu(T1, T2, T3), enc::addiu(T2, T2, 7), di(), ehb(),
                enc::addiu(S1, S1, -1), enc::bne(S1, ZERO, -7), enc::nop()})
            .finish({1, 4});
        cases.push_back(make_case("loop over ei; addu; addiu; di; ehb", q));
    }
    check_all(cases);
}

// ---- Interrupts right after a patched instruction ----------------------------------------

// A 1:n stub runs the next instruction early, in the jump's delay slot. An
// interrupt taken when the stub returns must still see that instruction's
// destination unwritten, as on bare metal (where the interrupt comes before
// the instruction runs).
TEST_CASE("an interrupt right after a stub-patched instruction sees the same registers", "[sensitive]") {
    std::vector<Case> cases;
    auto pending_sw_interrupt = [](Cpu& c) { cp0_write(c, CAUSE, 0, 1u << 8); };  // IP0, IM0 is set
    {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), ei(), enc::addu(T1, T2, T3), enc::addiu(S0, S0, 1)}).finish({1});
        cases.push_back(make_case("ei; addu with a software interrupt pending", p, pending_sw_interrupt));
        GuestProgram q;
        q.emit({enc::addiu(T3, T3, 5), ei(), ehb(), enc::addiu(S0, S0, 1)}).finish({1});
        cases.push_back(make_case("ei; ehb with a software interrupt pending", q, pending_sw_interrupt));
    }
    {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), mtc0(T0, STATUS), enc::addu(T1, T2, T3), enc::addiu(S0, S0, 1)}).finish({1});
        cases.push_back(make_case("mtc0 Status (IE on); addu with a software interrupt pending", p, [=](Cpu& c) {
            pending_sw_interrupt(c);
            c.gpr[T0] = kKernelStatus | kIm | status::IE;
        }));
    }
    {
        // The timer fires exactly when the instruction after the stub is next.
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), mtc0(T0, ENTRYLO0), enc::addu(T1, T2, T3), enc::addiu(S0, S0, 1)}).finish({1});
        cases.push_back(make_case("mtc0 EntryLo0; addu with the timer firing in between", p, [](Cpu& c) {
            cp0_set_count(c, 0);
            cp0_write(c, COMPARE, 0, 1);  // Count reaches 1 after two instructions
            c.cp0.status |= status::IE;
        }));
    }
    {
        // Control: the timer fires just before the stub-patched instruction.
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5), enc::addiu(T4, T4, 5), mtc0(T0, ENTRYLO0), enc::addu(T1, T2, T3),
                enc::addiu(S0, S0, 1)})
            .finish({2});
        cases.push_back(make_case("timer firing just before mtc0 EntryLo0; addu", p, [](Cpu& c) {
            cp0_set_count(c, 0);
            cp0_write(c, COMPARE, 0, 1);
            c.cp0.status |= status::IE;
        }));
    }
    {
        GuestProgram p;  // control: a hypercall (1:1) ends the block like MTC0 does
        p.emit({enc::addiu(T3, T3, 5), mtc0(T0, CAUSE), enc::addu(T1, T2, T3), enc::addiu(S0, S0, 1)}).finish({1});
        cases.push_back(make_case("mtc0 Cause (raise IP0); addu with IE set", p, [](Cpu& c) {
            c.cp0.status |= status::IE;
            c.gpr[T0] = 1u << 8;
        }));
    }
    check_all(cases);
}

// ---- Virtual time inside a block ------------------------------------------------------------

// Count and Random derive from virtual time. Patches change where blocks end
// (an ENDS instruction becomes a plain load/store/NOP, or a non-ENDS one a
// hypercall), so time read inside a block must not depend on where it began.
TEST_CASE("Count and Random read mid-block are the same in every mode", "[sensitive]") {
    std::vector<Case> cases;
    auto five_nops = [] { return std::vector<uint32_t>(5, enc::nop()); };
    struct T {
        std::string name;
        std::vector<uint32_t> words;
    };
    const T timed[] = {
        {"cache; nop; mfc0 Count", {cache(0x15, 0, DATA), enc::nop(), mfc0(V0, COUNT)}},
        {"dmtc0 EPC; nop; mfc0 Count", {dmtc0(T0, EPC), enc::nop(), mfc0(V0, COUNT)}},
        {"mtc0 TagLo; nop; rdhwr $v0, CC", {mtc0(T0, TAGLO), enc::nop(), enc::rdhwr(V0, 2)}},
        {"tlbp; nop; nop; mfc0 Count", {tlbp(), enc::nop(), enc::nop(), mfc0(V0, COUNT)}},
        {"mfc0 Random; nop; nop; mfc0 Count", {mfc0(V1, RANDOM), enc::nop(), enc::nop(), mfc0(V0, COUNT)}},
        {"rdpgpr; nop; mfc0 Random", {rdpgpr(V1, T0), enc::nop(), mfc0(V0, RANDOM)}},
        {"dmtc0 KScratch1; nop; tlbwr", {dmtc0(T0, DESAVE, 2), enc::nop(), tlbwr()}},
        {"cache; nop; mtc0 Count", {cache(0x15, 0, DATA), enc::nop(), mtc0(T0, COUNT)}},
    };
    for (const T& t : timed) {
        GuestProgram p;
        p.emit(five_nops()).emit(t.words).emit({enc::addiu(S0, S0, 1)}).finish({5});
        cases.push_back(make_case("nop x5; " + t.name, p, [](Cpu& c) {
            tlb_registers(c);
            c.gpr[T0] = 0x1000;
        }));
    }
    check_all(cases);
}

// ---- User mode ----------------------------------------------------------------------------

namespace {
// Kernel code: calls the code at kSubPa through kseg0 (on-demand patches it
// there), maps it at kUserVa with a TLB entry, and ERETs into it in user mode.
Case user_mode_case(std::string name, const std::vector<uint32_t>& user_code, uint64_t user_status) {
    // RA is cleared after the call: should the user code get as far as its
    // `jr ra` (Status.CU0), it faults at address 0 instead of coming back.
    GuestProgram kernel;
    kernel.emit({jal(kKseg0 + kSubPa), enc::nop(), enc::or_(RA, ZERO, ZERO),                      // call, clear RA
                 mtc0(S0, PAGEMASK), mtc0(S1, ENTRYHI), mtc0(S2, ENTRYLO0), mtc0(S3, ENTRYLO1),  // map kUserVa
                 mtc0(ZERO, INDEX), tlbwi(), ehb(),                                              //
                 dmtc0(T6, EPC), mtc0(T7, STATUS), ehb(), enc::eret(),                           // enter it
                 b_self(), enc::nop()});
    Case k = make_case(std::move(name), kernel, [user_status](Cpu& c) {
        c.gpr[S0] = 0;
        c.gpr[S1] = kUserVa;
        c.gpr[S2] = ((kSubPa >> 12) << 6) | (3u << 3) | entrylo::D | entrylo::V | entrylo::G;
        c.gpr[S3] = entrylo::G;
        c.gpr[T6] = kUserVa;
        c.gpr[T7] = user_status;
        c.gpr[T0] = kKernelStatus | kIm;  // what the Status-writing variant writes (and non-zero)
        tlb_registers(c);
        c.cp0.index = 5;
    });
    std::vector<uint32_t> sub = {enc::addiu(T3, T3, 5)};
    sub.insert(sub.end(), user_code.begin(), user_code.end());
    sub.insert(sub.end(), {enc::addiu(V0, V0, 1), enc::jr(RA), enc::nop()});
    k.segments.push_back({kSubPa, sub});
    return k;
}

struct UserCode {
    std::string name;
    std::vector<uint32_t> words;
    unsigned faulting_word;  // index in `words` of the instruction EPC names
    bool in_delay_slot = false;
};

const std::vector<UserCode>& user_codes() {
    static const std::vector<UserCode> codes = {
        {"mfc0 Status (1:1 load)", {mfc0(V0, STATUS), enc::addu(T1, T2, T3)}, 0},
        {"dmtc0 EPC (1:1 store)", {dmtc0(T0, EPC), enc::addu(T1, T2, T3)}, 0},
        {"cache (1:1 NOP)", {cache(0x15, 0, DATA), enc::addu(T1, T2, T3)}, 0},
        {"mfc0 Count (1:1 RDHWR)", {mfc0(V0, COUNT), enc::addu(T1, T2, T3)}, 0},
        {"mfc0 $zero, Status (1:1 NOP)", {mfc0(ZERO, STATUS), enc::addu(T1, T2, T3)}, 0},
        {"ei; addu (1:n stub)", {ei(), enc::addu(T1, T2, T3)}, 0},
        {"mtc0 EntryLo0; addu (1:n stub)", {mtc0(T0, ENTRYLO0), enc::addu(T1, T2, T3)}, 0},
        {"mtc0 Status; ehb (1:n stub)", {mtc0(T0, STATUS), ehb()}, 0},
        {"mtc0 Index; ehb (1:n stub)", {mtc0(T0, INDEX), ehb()}, 0},
        {"tlbwi (hypercall)", {tlbwi(), ehb()}, 0},
        {"rdpgpr (hypercall)", {rdpgpr(V1, T2), enc::addu(T1, T2, T3)}, 0},
        {"beqz taken; di; ei; ehb (irq-restore idiom)", {enc::beq(ZERO, ZERO, 2), di(), ei(), ehb()}, 0, true},
        {"beqz not taken; di; ei; ehb (irq-restore idiom)", {enc::beq(T0, ZERO, 2), di(), ei(), ehb()}, 0, true},
        {"beq; mfc0 Status in the delay slot", {enc::beq(ZERO, ZERO, 2), mfc0(V0, STATUS), enc::nop(), enc::nop()}, 0, true},
        {"beq; tlbwi in the delay slot (hypercall)", {enc::beq(ZERO, ZERO, 2), tlbwi(), enc::nop(), enc::nop()}, 0, true},
        {"bne not taken; ei in the delay slot", {enc::bne(ZERO, ZERO, 2), ei(), enc::addu(T1, T2, T3), enc::nop()}, 0, true},
    };
    return codes;
}
}  // namespace

TEST_CASE("a patched word run in user or supervisor mode raises Coprocessor Unusable in every mode", "[sensitive]") {
    for (const UserCode& u : user_codes()) {
        for (uint64_t ksu : {kUserKsu, uint64_t(1) << status::KSU_SHIFT}) {
            const std::string mode_name = ksu == kUserKsu ? "user" : "supervisor";
            const Case k = user_mode_case(mode_name + " mode: " + u.name, u.words, kKernelStatus | kIm | status::EXL | ksu);
            std::vector<ModeRun> runs = check_same_in_every_mode(k);
            for (ModeRun& r : runs) {
                INFO("case: " << k.name << "\nmode: " << r.mode);
                Cpu& c = r.machine->cpu();
                const uint64_t cause_reg = cp0_read(c, CAUSE, 0);
                CHECK(((cause_reg & cause::EXCCODE) >> cause::EXCCODE_SHIFT) == 11);
                CHECK(((cause_reg & cause::CE) >> cause::CE_SHIFT) == 0);
                CHECK(bool(cause_reg & cause::BD) == u.in_delay_slot);
                CHECK(cp0_read(c, EPC, 0) == kUserVa + 4 + 4 * u.faulting_word);
                CHECK(c.pc == kGeneralVector);
                CHECK((cp0_read(c, STATUS, 0) & status::EXL));
            }
        }
    }
}

// Status.CU0 lets user mode run privileged instructions: a patched word must
// then do exactly what the original does, taking the same guest time.
TEST_CASE("a patched word run in user mode with Status.CU0 behaves as the original", "[sensitive]") {
    for (const UserCode& u : user_codes()) {
        const uint64_t user_status = kKernelStatus | kIm | status::EXL | kUserKsu | status::CU0;
        check_same_in_every_mode(user_mode_case("user mode with CU0: " + u.name, u.words, user_status));
    }
}

// ---- Patches are invisible to data accesses ------------------------------------------------

namespace {
// One sensitive instruction of each patch kind, then data reads of every
// code word into the data page.
GuestProgram patch_kinds_program() {
    GuestProgram p;
    // (Count is read first in its block: see the mid-block time test.)
    p.emit({enc::addiu(T3, T3, 5),                         // 0
            mfc0(V1, COUNT),                               // 1: RDHWR
            mfc0(V0, STATUS),                              // 2: 1:1 load
            ei(), enc::addu(T1, T2, T3),                   // 3: 1:n stub (4 runs early)
            enc::beq(T0, ZERO, 2), di(), ei(), ehb(),      // 5..8: irq-restore idiom
            tlbwi(), ehb(),                                // 9: hypercall
            cache(0x15, 0, DATA),                          // 11: NOP
            dmtc0(T0, DESAVE, 2),                          // 12: 1:1 store
            mtc0(T0, ENTRYLO0), enc::addu(T2, T1, T3)});   // 13: 1:n stub
    constexpr size_t kWords = 15;
    for (size_t w = 0; w < kWords; ++w)  // lw: data words 0..14
        p.emit({enc::lw(P0, p.code_offset(w), CODE), enc::sw(P0, int32_t(4 * w), DATA)});
    for (size_t w = 0; w + 1 < kWords; w += 2)  // ld: data words 16..29
        p.emit({enc::ld(P0, p.code_offset(w), CODE), enc::sd(P0, int32_t(64 + 4 * w), DATA)});
    for (size_t w = 0; w < kWords; ++w)  // one byte and one halfword of each: data bytes 128.., halfwords 176..
        p.emit({lbu(P0, p.code_offset(w) + int32_t(w % 4), CODE), sb(P0, int32_t(128 + w), DATA),
                lhu(P1, p.code_offset(w) + int32_t(2 * (w % 2)), CODE), enc::i_type(0x29, DATA, P1, int32_t(176 + 2 * w))});
    p.finish();
    return p;
}
}  // namespace

TEST_CASE("guest data reads of patched words return the original instructions", "[sensitive]") {
    GuestProgram p = patch_kinds_program();
    Case k = make_case("reads of patched code words", p, tlb_registers);
    k.steps = 800;
    std::vector<ModeRun> runs = check_same_in_every_mode(k);
    for (ModeRun& r : runs) {
        INFO("mode: " << r.mode);
        const Snapshot& s = r.passes.back();
        for (size_t w = 0; w < 15; ++w) {
            INFO("code word " << w);
            CHECK(s.data[w] == p.words[w]);
        }
        // The reads are meaningful only if the words really are patched.
        unsigned patched = 0;
        for (size_t w = 0; w < 15; ++w) patched += ram_word(*r.machine, kCodePa + 4 * w) != p.words[w];
        if (r.mode == "bare-metal" || r.mode == "trap") CHECK(patched == 0);
        else CHECK(patched >= 6);
        // and only if the program exercises every kind of patch.
        if (r.mode == "bare-metal") continue;
        const stats::RunRecord record = r.machine->run_record(0);
        const auto& applied = record.hypervisor().patches();
        std::vector<std::string> kinds;
        if (r.mode != "trap") kinds = {"1:1 load", "1:1 store", "1:1 nop", "1:1 hypercall"};
        if (r.mode == "1:n" || r.mode == "on-demand") kinds = {"1:1 load", "1:1 store", "1:1 nop", "1:1 hypercall",
                                                               "1:n stub", "1:n irq-restore"};
        for (const std::string& kind : kinds) {
            INFO("patch kind " << kind);
            CHECK(applied.count(kind) == 1);
        }
    }
}

// ---- Guest stores over patched words ---------------------------------------------------------

TEST_CASE("a guest store over a patched word drops the patch and the new instruction runs", "[sensitive]") {
    struct Overwrite {
        std::string name;
        std::vector<uint32_t> code;  // from index 1; the first word is a plain instruction
        size_t at;                   // code word the store hits
        bool byte_store;             // SB of the low byte of `value` at byte 2 (rt field), else SW
        uint32_t value;
        std::vector<std::string> modes_that_drop;
        // The patching modes then patch the new word too: on-demand when it
        // traps, the eager ones when code first runs on the rewritten page.
        bool new_word_sensitive = false;
    };
    const std::vector<std::string> patching = {"1:1", "1:n", "on-demand"};
    const Overwrite overwrites[] = {
        {"sw over mfc0 Status (1:1 load)", {mfc0(V0, STATUS), enc::addu(T1, T2, T3)}, 1, false,
         enc::addiu(V0, ZERO, 0x77), patching},
        {"sb over mfc0 Status's rt field (now mfc0 $v1, Status)", {mfc0(V0, STATUS), enc::addu(T1, T2, T3)}, 1, true, V1,
         patching, true},
        {"sw over mtc0 EntryLo0 (1:n stub)", {mtc0(T0, ENTRYLO0), enc::addu(T1, T2, T3)}, 1, false,
         enc::addiu(V0, ZERO, 0x77), patching},
        {"sw over the instruction after mtc0 EntryLo0 (the stub's delay slot)",
         {mtc0(T0, ENTRYLO0), enc::addu(T1, T2, T3)}, 2, false, enc::addiu(T1, ZERO, 0x55), {"1:n", "on-demand"}},
        {"sw over ei (1:n stub)", {ei(), enc::addu(T1, T2, T3)}, 1, false, enc::addiu(V0, ZERO, 0x77), patching},
        {"sw over the di of the irq-restore idiom", {enc::beq(T0, ZERO, 2), di(), ei(), ehb()}, 2, false, enc::nop(),
         patching},
        {"sw over the beqz of the irq-restore idiom", {enc::beq(T0, ZERO, 2), di(), ei(), ehb()}, 1, false,
         enc::addiu(V0, ZERO, 0x77), {"1:n", "on-demand"}},
        {"sw over tlbwi (hypercall)", {tlbwi(), ehb()}, 1, false, enc::addiu(V0, ZERO, 0x77), patching},
    };
    for (const Overwrite& o : overwrites) {
        // Run the code, overwrite one word, jump back and run it again.
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5)}).emit(o.code);
        const size_t check = p.here();
        p.emit({enc::bne(S1, ZERO, 7), enc::nop(), enc::lui(S2, o.value >> 16), enc::ori(S2, S2, o.value & 0xffff),
                o.byte_store ? sb(S2, int32_t(4 * o.at + 2), CODE) : enc::sw(S2, int32_t(4 * o.at), CODE),
                enc::addiu(S1, ZERO, 1), enc::j(p.va(0)), enc::nop()});
        REQUIRE(p.here() == check + 8);
        p.emit({enc::addiu(S0, S0, 1)}).finish({o.at});
        Case k = make_case(o.name, p, [](Cpu& c) {
            tlb_registers(c);
            c.gpr[S1] = 0;
            c.gpr[T0] = 1;
        });
        k.passes = 1;
        std::vector<ModeRun> runs = check_same_in_every_mode(k);
        uint32_t expected = o.value;
        if (o.byte_store) expected = (p.words[o.at] & ~0x00ff0000u) | ((o.value & 0xff) << 16);
        for (ModeRun& r : runs) {
            INFO("case: " << o.name << "\nmode: " << r.mode);
            const bool patching_mode = r.mode != "bare-metal" && r.mode != "trap";
            if (o.new_word_sensitive && patching_mode) CHECK(ram_word(*r.machine, kCodePa + 4 * o.at) != expected);
            else CHECK(ram_word(*r.machine, kCodePa + 4 * o.at) == expected);  // memory holds the new word
            CHECK(r.passes[0].gpr[P0] == sext32(expected));                // and data reads say so
            if (r.mode == "bare-metal") continue;
            const stats::RunRecord record = r.machine->run_record(0);
            const bool drops = std::find(o.modes_that_drop.begin(), o.modes_that_drop.end(), r.mode) != o.modes_that_drop.end();
            if (drops) CHECK(record.hypervisor().patches_dropped() >= 1);
            else CHECK(record.hypervisor().patches_dropped() == 0);
            if (r.mode != "trap") CHECK(record.hypervisor().patches_size() > 0);
        }
    }
}

TEST_CASE("data that looks like sensitive instructions reads and writes back intact", "[sensitive]") {
    // An eager scan patches every sensitive-looking word on a page where
    // code runs, data beside the code too.
    constexpr uint64_t kLookalikePa = kCodePa + 0xc00;
    const std::vector<uint32_t> lookalikes = {mtc0(T0, ENTRYLO0), enc::addu(T1, T2, T3), enc::beq(T0, ZERO, 2), di(),
                                              ei(), ehb(), mfc0(V0, STATUS), tlbwi()};
    GuestProgram p;
    p.emit({enc::lui(S0, 0x8001), enc::ori(S0, S0, 0x0c00),  // S0 = kseg0 + kLookalikePa (sign-extended)
            enc::lw(V0, 0, S0), enc::lw(V1, 4, S0), enc::ld(T4, 8, S0), enc::ld(T5, 24, S0),
            enc::sw(ZERO, 4, S0),                              // over the "delay slot" of the mtc0 look-alike
            enc::i_type(0x29, S0, T0, 14),                     // sh over half of the di look-alike
            enc::lw(S1, 0, S0), enc::lw(S2, 4, S0), enc::lw(S3, 12, S0), enc::ld(P0, 24, S0)})
        .finish();
    Case k = make_case("look-alike data", p);
    k.segments.push_back({kLookalikePa, lookalikes});
    k.passes = 1;
    std::vector<ModeRun> runs = check_same_in_every_mode(k);
    const Snapshot& bare = runs[0].passes[0];
    CHECK(bare.gpr[V0] == sext32(lookalikes[0]));
    CHECK(bare.gpr[S1] == sext32(lookalikes[0]));
    CHECK(bare.gpr[S2] == 0);
    CHECK(bare.gpr[S3] == sext32((lookalikes[3] & 0xffff) | (bare.gpr[T0] & 0xffff) << 16));
    CHECK(bare.gpr[P0] == (uint64_t(lookalikes[7]) << 32 | lookalikes[6]));
    for (ModeRun& r : runs) {
        if (r.mode != "1:1" && r.mode != "1:n") continue;
        INFO("mode: " << r.mode);
        CHECK(r.machine->run_record(0).hypervisor().patches_size() > 0);  // the program itself has no sensitive word
    }
}

// ---- Budget ends right after a patched instruction -------------------------------------------

TEST_CASE("a budget that ends right after a stub-patched instruction leaves the same state", "[sensitive]") {
    std::vector<Case> cases;
    for (const auto& [name, words] : std::vector<std::pair<std::string, std::vector<uint32_t>>>{
             {"mtc0 EntryLo0; addu", {mtc0(T0, ENTRYLO0), enc::addu(T1, T2, T3)}},
             {"ei; addu", {ei(), enc::addu(T1, T2, T3)}},
             {"mfc0 Status; addu (control: no stub)", {mfc0(V0, STATUS), enc::addu(T1, T2, T3)}}}) {
        GuestProgram p;
        p.emit({enc::addiu(T3, T3, 5)}).emit(words).emit({enc::addiu(S0, S0, 1)}).finish({1});
        Case k = make_case("run(2) stops after " + name, p);
        k.steps = 2;
        k.ends_in_spin = false;
        cases.push_back(k);
    }
    check_all(cases);
}

// ---- Kernel code run through a TLB mapping ------------------------------------------------------

// A 1:n stub jump is relative to the segment it runs in. Kernel code run
// through a mapped segment (kseg2, where Linux puts modules) is patched for
// the address it runs at: by on-demand when it traps, and by the eager
// strategies, which scan such a page alone, at its mapped address, when the
// kernel first runs it. Every mode must agree with bare metal.
TEST_CASE("patched code run through a mapped kernel segment (kseg2)", "[sensitive]") {
    GuestProgram k;
    k.emit({mtc0(ZERO, PAGEMASK), mtc0(S1, ENTRYHI), mtc0(S2, ENTRYLO0), mtc0(S3, ENTRYLO1), mtc0(ZERO, INDEX), tlbwi(),
            ehb(), enc::jr(S0), enc::nop()});
    Case c = make_case("kseg2-mapped kernel code: ei; addu / mtc0 EntryLo0; addu / mfc0 Status", k, [](Cpu& c) {
        c.gpr[S0] = kMappedKernelVa;
        c.gpr[S1] = kMappedKernelVa;
        c.gpr[S2] = ((kSubPa >> 12) << 6) | (3u << 3) | entrylo::D | entrylo::V | entrylo::G;
        c.gpr[S3] = entrylo::G;
    });
    GuestProgram sub;
    sub.pa = kSubPa;
    sub.emit({enc::addiu(T3, T3, 5), ei(), enc::addu(T1, T2, T3), mtc0(T0, ENTRYLO0), enc::addu(T2, T1, T3),
              mfc0(V0, STATUS), enc::addiu(S0, S0, 1), b_self(), enc::nop()});
    c.segments.push_back({kSubPa, sub.words});
    for (ModeRun& r : check_same_in_every_mode(c)) {
        if (r.mode != "1:1" && r.mode != "1:n") continue;
        INFO("mode: " << r.mode);
        const stats::HypervisorRecord h = r.machine->run_record(0).hypervisor();
        const auto mapped = std::find_if(h.scans().begin(), h.scans().end(), [](const stats::EagerScan& s) {
            return s.trigger() == "new mapped code" && s.pa() == kSubPa;
        });
        REQUIRE(mapped != h.scans().end());
        CHECK(mapped->patches() >= 3);  // ei, mtc0 and mfc0, patched at their kseg2 addresses
    }
}

// ---- Patched code is chained like any other code -------------------------------------------

// A kernel loop through every kind of patch: 1:n stubs (EI, a Status write
// whose stub branches inside itself, EntryLo0, the irq-restore idiom whose
// stub branches to one of two returns) and 1:1 loads, stores and NOPs. Every
// mode and both engines leave the state bare metal leaves; and under the
// translator the stubs, and the jumps into and out of them, are linked like
// other blocks: once the loop has run through, it no longer returns to the
// run loop, in any mode that patches.
TEST_CASE("a loop through stub and 1:1 sites runs chained, with the same state in every mode and engine", "[sensitive]") {
    constexpr unsigned kIterations = 400;
    GuestProgram p;
    p.emit({enc::addiu(S3, ZERO, kIterations),  // 0
            enc::addiu(T0, T0, 1),              // 1: the loop
            ei(),                               // 2: 1:n stub
            enc::addu(T1, T2, T3),              // 3: (its annulled delay slot)
            mtc0(S1, STATUS),                   // 4: 1:n stub with a branch inside (no mode bit changes)
            enc::addu(T2, T1, T0),              // 5
            mfc0(V0, STATUS),                   // 6: 1:1 load
            enc::xori(T0, T0, 1),               // 7
            enc::beq(T0, ZERO, 2), di(), ei(),  // 8..10: the irq-restore idiom (flags alternating)
            ehb(),                              // 11
            mtc0(T4, ENTRYLO0),                 // 12: 1:n stub
            enc::addu(T5, T4, T0),              // 13
            dmtc0(T5, EPC),                     // 14: 1:1 store
            cache(0x15, 0, DATA),               // 15: 1:1 NOP
            dmfc0(V1, EPC),                     // 16: 1:1 load
            enc::addiu(S0, S0, 1),              // 17
            enc::bne(S0, S3, -18), enc::nop()})  // 18, 19: back to 1
        .finish();
    Case k = make_case("a loop through every kind of patch", p, [](Cpu& c) {
        c.gpr[S0] = 0;
        c.gpr[S1] = kKernelStatus | kIm;  // IE stays as EI/DI leave it: no interrupt is pending
        c.gpr[T0] = 0;
    });
    k.steps = kIterations * 24 + 100;
    std::vector<ModeRun> runs = check_same_in_every_mode(k);
    const Snapshot& bare = runs[0].passes[0];
    CHECK(bare.gpr[S0] == kIterations);
    for (std::string_view mode : kExecModeNames) {
        ModeRun r = run_in_mode(mode, k, "interp");
        for (size_t pass = 0; pass < r.passes.size(); ++pass) {
            INFO("mode: " << mode << " (interpreter), pass " << pass + 1);
            CHECK(diff(runs[0].passes[pass], r.passes[pass]) == std::string());
        }
    }
    for (ModeRun& r : runs) {
        INFO("mode: " << r.mode);
        const stats::RunRecord record = r.machine->run_record(0);
        const stats::EngineRecord& e = record.engine();
        const auto& counters = r.machine->cpu().counters;
        if (r.mode == "1:n" || r.mode == "on-demand") CHECK(counters.hypervisor_stub_instructions >= kIterations * 10);
        if (r.mode != "bare-metal" && r.mode != "trap") CHECK(counters.patched_site_executions >= kIterations * 4);
        // Two passes of 400 iterations: the run loop sees each block about
        // once per pass (to translate or link it), not once per iteration.
        INFO("dispatcher entries " << e.dispatcher_entries() << ", links " << e.chained_links());
        CHECK(e.dispatcher_entries() < 200);
        CHECK(e.chained_links() > 0);
    }
}

// The virtual Status is written by plain stores to the communication page;
// translated code does not test for pending interrupts at block entry, so
// every such store must ask for the check. Patched sites and stubs write
// relative to $zero; here a register holds the page's address, as no patch
// makes it, so the store takes the engines' general path. In a loop whose
// blocks are chained, the interrupt the store lets in must be taken at the
// same instruction under both engines (the interpreter's run loop checks
// between blocks).
TEST_CASE("a store to the virtual Status through a computed address lets an interrupt in where the interpreter does",
          "[sensitive]") {
    constexpr uint64_t kStatusInWindow = offsetof(Cp0State, status);
    GuestProgram p;
    // The third round sets IE, once its blocks are linked to each other.
    p.emit({enc::daddiu(T0, ZERO, -0x8000),             // 0: t0 = the page (kseg3 top)
            enc::addiu(S3, ZERO, 50),                   // 1
            enc::addiu(S0, S0, 1),                      // 2: the inner loop
            enc::addu(T1, T2, S0),                      // 3
            enc::bne(S0, S3, -3), enc::nop(),           // 4, 5
            enc::addiu(S2, S2, 1),                      // 6: rounds
            enc::xori(T3, S2, 3),                       // 7
            enc::i_type(0x0b, T3, T3, 1),               // 8: sltiu t3, t3, 1 (the third round)
            enc::lw(T2, int32_t(kStatusInWindow), T0),  // 9
            enc::or_(T2, T2, T3),                       // 10: IE then
            enc::sw(T2, int32_t(kStatusInWindow), T0),  // 11
            enc::addiu(S1, S1, 1),                      // 12
            enc::bne(S0, ZERO, 1), enc::nop(),          // 13, 14: the block ends
            enc::addiu(S1, S1, 1),                      // 15
            enc::addiu(S0, ZERO, 0),                    // 16
            enc::beq(ZERO, ZERO, -16), enc::nop()})     // 17, 18: round again
        .finish();
    Case k = make_case("IE set through a computed address, a software interrupt pending", p, [](Cpu& c) {
        cp0_write(c, CAUSE, 0, 1u << 8);  // IP0 raised, IM0 set, IE clear
        c.cp0.status &= ~status::IE;
        c.gpr[S0] = c.gpr[S1] = c.gpr[S2] = 0;
    });
    k.ends_in_spin = false;
    k.passes = 1;
    k.steps = 2000;
    for (std::string_view mode : {"1:1", "1:n", "on-demand"}) {
        INFO("mode: " << mode);
        ModeRun jit = run_in_mode(mode, k, "jit");
        ModeRun interp = run_in_mode(mode, k, "interp");
        CHECK(diff(interp.passes[0], jit.passes[0]) == std::string());
        const Cpu& c = jit.machine->cpu();
        CHECK(((c.cp0.cause >> 2) & 31) == 0);  // Int
        CHECK(c.cp0.epc == p.va(15));  // the first instruction of the next block
        CHECK(c.gpr[S2] == 3);
        CHECK(c.gpr[S1] == 5);
    }
}
