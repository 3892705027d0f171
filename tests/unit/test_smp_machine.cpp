// The board with several vCPUs (-smp N), run by bare-metal guest programs
// in kseg0 that do what Linux's CPS SMP code does: vCPU 0 starts secondary
// cores through the Coherence Manager and the Cluster Power Controller
// (smp-cps.c boot_core), cores power themselves down through their CPC
// (pm-cps.c) and wait (WAIT) with or without interrupts enabled. Each test
// asserts values the guest wrote to RAM, the vCPUs' state and counters.
//
// Every program ends in a spin loop (`b .`), so a run ends on its budget,
// which counts the instructions of all vCPUs together.
#include <catch2/catch.hpp>

#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "hv/board/machine.h"
#include "hv/stats/run_record.h"
#include "hv/board/memory_map.h"
#include "hv/cli/options.h"
#include "hv/cpu/cp0_bits.h"
#include "hv/isa/encode.h"

using namespace mipshv;
namespace enc = mipshv::encode;

namespace {

// ---- Addresses -----------------------------------------------------------------

constexpr uint64_t kKseg0 = 0xffffffff80000000ull, kKseg1 = 0xffffffffa0000000ull;
// 32-bit kseg0/kseg1 addresses: what `li` loads (sign-extended) and what the
// 32-bit GCR_Cx_RESET_BASE holds.
constexpr uint32_t kseg0(uint64_t pa) { return uint32_t(kKseg0 | pa); }
constexpr uint32_t kseg1(uint64_t pa) { return uint32_t(kKseg1 | pa); }

// Where the test programs live (physical).
constexpr uint64_t kBootPa = 0x10000;   // vCPU 0's program, run through kseg0
constexpr uint64_t kEntryPa = 0x20000;  // secondary cores' reset vector, run through kseg1 (4 KiB aligned)
constexpr uint64_t kWorkPa = 0x28000;   // code that every vCPU runs, through kseg0
constexpr uint64_t kSlotsPa = 0x30000;  // one 32-byte result slot per core: slot(n) = kSlotsPa + 32 n
constexpr uint64_t kSharedPa = 0x31000; // shared words, one per 64-byte line
constexpr uint64_t kDataEnd = 0x32000;  // kSlotsPa..kDataEnd: everything the guests write
constexpr unsigned kSlotShift = 5;
constexpr uint64_t slot_pa(unsigned core, unsigned word = 0) { return kSlotsPa + (uint64_t(core) << kSlotShift) + 4 * word; }
constexpr uint64_t kCounterPa = kSharedPa + 0x00;   // the word every vCPU adds to
constexpr uint64_t kTicketPa = kSharedPa + 0x40;    // finishing order: a second atomic counter
constexpr uint64_t kGoPa = kSharedPa + 0x80;        // set by the test (host) to let vCPU 0 go on
constexpr uint64_t kBootsPa = kSharedPa + 0xc0;     // times core 1 ran its entry code
constexpr uint64_t kFlagPa = kSharedPa + 0x100;     // progress flags the guests set
constexpr uint64_t kBeatPa = kSharedPa + 0x140;     // heartbeat: a busy vCPU's loop count

// The CPS blocks, through kseg1 as Linux maps them (uncached).
constexpr uint32_t kGcrVa = kseg1(memory_map::kCmGcr.base);
constexpr uint32_t kCpcVa = kseg1(memory_map::kCpc.base);
constexpr uint32_t kGicVa = kseg1(memory_map::kGic.base);
constexpr uint32_t kUartVa = kseg1(memory_map::kUart.base);
constexpr int32_t kUartLsr = 5;
constexpr uint32_t kUartLsrIdle = 0x60;  // THRE | TEMT, no input (serial=null)

// GCR offsets (CM2, 32-bit registers): global, core-local (0x2000), core-other (0x4000).
constexpr int32_t kGcrAccess = 0x0020;
constexpr int32_t kGcrClOther = 0x2018, kGcrClResetBase = 0x2020, kGcrClId = 0x2028;
constexpr int32_t kGcrCoResetRelease = 0x4000, kGcrCoCoherence = 0x4008, kGcrCoResetBase = 0x4020,
                  kGcrCoResetExtBase = 0x4030;
constexpr uint32_t kGcrOtherCoreShift = 16;       // GCR_Cx_OTHER.CORENUM: bits 31:16
constexpr uint32_t kGcrResetExtUeb = 1u << 30;    // what boot_core writes to RESET_EXT_BASE

// CPC offsets: core-local (0x2000) and core-other (0x4000) blocks.
constexpr int32_t kCpcClCmd = 0x2000, kCpcClStatConf = 0x2008, kCpcClOther = 0x2010;
constexpr int32_t kCpcCoCmd = 0x4000, kCpcCoStatConf = 0x4008;
constexpr uint32_t kCpcOtherCoreShift = 16;  // CPC_Cx_OTHER.CORENUM: bits 23:16
constexpr uint32_t kCpcCmdPowerDown = 2, kCpcCmdReset = 4;
constexpr unsigned kSeqStateShift = 19;      // STAT_CONF.SEQ_STATE: bits 22:19
constexpr uint32_t kSeqD0 = 0x0, kSeqU6 = 0x7;
constexpr uint32_t kStatConfPwrDnImpl = 1u << 16;

// GIC shared section.
constexpr int32_t kGicTrig = 0x180, kGicWedge = 0x280, kGicSmask = 0x380, kGicMapPin = 0x500, kGicMapVp = 0x2000;
constexpr uint32_t kGicWedgeSet = 1u << 31, kGicMapToPin = 1u << 31;
constexpr unsigned kIpi = 63;  // in the IPI range (the top 16 shared interrupts)

// ---- Registers and encoders encode.h lacks ---------------------------------------

enum : unsigned {
    ZERO = 0,
    T0 = 8, T1 = 9, T2 = 10, T3 = 11, T4 = 12, T5 = 13, T6 = 14, T7 = 15,
    S0 = 16,  // GCR base (kseg1)
    S1 = 17,  // CPC base (kseg1)
    S2 = 18,  // GIC base (kseg1)
    S3 = 19, S4 = 20, S5 = 21, S6 = 22, S7 = 23,
    T9 = 25,
};

enum Cp0Reg : unsigned { COUNT = 9, COMPARE = 11, STATUS = 12, CAUSE = 13, EBASE = 15 };

constexpr uint32_t ll(unsigned rt, int32_t off, unsigned base) { return enc::i_type(0x30, base, rt, off); }
constexpr uint32_t sc(unsigned rt, int32_t off, unsigned base) { return enc::i_type(0x38, base, rt, off); }
constexpr uint32_t lbu(unsigned rt, int32_t off, unsigned base) { return enc::i_type(0x24, base, rt, off); }
constexpr uint32_t wait() { return 0x42000020; }

// ---- A tiny assembler with labels --------------------------------------------------

// A program at a physical address, run through `segment` (kseg0 or
// kseg1). Branches name labels; offsets are resolved when it is placed.
class Asm {
public:
    struct Label {
        size_t id;
    };

    explicit Asm(uint64_t pa, uint64_t segment = kKseg0) : pa_(pa), segment_(segment) {}

    Label label() {
        targets_.push_back(kUnbound);
        return {targets_.size() - 1};
    }
    void bind(Label l) { targets_[l.id] = words_.size(); }
    Label here() {
        Label l = label();
        bind(l);
        return l;
    }
    uint64_t va(Label l) const { return segment_ + pa_ + 4 * targets_.at(l.id); }
    uint64_t entry() const { return segment_ + pa_; }
    uint64_t end_va() const { return segment_ + pa_ + 4 * words_.size(); }

    Asm& operator()(uint32_t word) {
        words_.push_back(word);
        return *this;
    }
    // A 32-bit constant, sign-extended (kseg0/kseg1 addresses included).
    void li(unsigned rt, uint32_t value) {
        if (value <= 0x7fff) {
            (*this)(enc::addiu(rt, ZERO, int32_t(value)));
            return;
        }
        (*this)(enc::lui(rt, value >> 16));
        if (value & 0xffff) (*this)(enc::ori(rt, rt, value & 0xffff));
    }
    // Branches; the delay slot is the next argument (a nop unless given).
    void beq(unsigned rs, unsigned rt, Label l, uint32_t slot = enc::nop()) { branch(0x04, rs, rt, l, slot); }
    void bne(unsigned rs, unsigned rt, Label l, uint32_t slot = enc::nop()) { branch(0x05, rs, rt, l, slot); }
    void beqz(unsigned rs, Label l, uint32_t slot = enc::nop()) { beq(rs, ZERO, l, slot); }
    void bnez(unsigned rs, Label l, uint32_t slot = enc::nop()) { bne(rs, ZERO, l, slot); }
    void b(Label l, uint32_t slot = enc::nop()) { beq(ZERO, ZERO, l, slot); }
    // Jump to an absolute address (another program: `j` cannot leave a 256 MiB region).
    void jump_to(uint64_t va) {
        li(T9, uint32_t(va));
        (*this)(enc::jr(T9))(enc::nop());
    }
    void spin() { b(here()); }

    void place(Machine& m) const {
        std::vector<uint32_t> words = words_;
        for (const Fixup& f : fixups_) {
            const size_t target = targets_.at(f.label);
            REQUIRE(target != kUnbound);
            const int64_t off = int64_t(target) - int64_t(f.at + 1);  // from the delay slot
            REQUIRE((off >= -32768 && off <= 32767));
            words[f.at] |= uint32_t(off) & 0xffff;
        }
        uint8_t* dst = m.bus().ram_ptr(pa_, words.size() * 4);
        REQUIRE(dst);
        std::memcpy(dst, words.data(), words.size() * 4);
    }

private:
    static constexpr size_t kUnbound = ~size_t(0);
    struct Fixup {
        size_t at, label;
    };
    void branch(unsigned op, unsigned rs, unsigned rt, Label l, uint32_t slot) {
        fixups_.push_back({words_.size(), l.id});
        (*this)(enc::i_type(op, rs, rt, 0))(slot);
    }

    uint64_t pa_, segment_;
    std::vector<uint32_t> words_;
    std::vector<size_t> targets_;
    std::vector<Fixup> fixups_;
};

// ---- Program pieces ------------------------------------------------------------------

// S0, S1, S2 = the GCR, CPC and GIC blocks through kseg1.
void emit_cps_bases(Asm& a) {
    a.li(S0, kGcrVa);
    a.li(S1, kCpcVa);
    a.li(S2, kGicVa);
}

// rd = EBase.CPUNum (this core's number).
void emit_cpu_num(Asm& a, unsigned rd) {
    a(enc::mfc0(rd, EBASE, 1))(enc::andi(rd, rd, 0x3ff));
}

// rd = kseg0 address of this core's result slot (uses `tmp`).
void emit_slot_address(Asm& a, unsigned rd, unsigned tmp) {
    emit_cpu_num(a, tmp);
    a(enc::sll(tmp, tmp, kSlotShift));
    a.li(rd, kseg0(kSlotsPa));
    a(enc::daddu(rd, rd, tmp));
}

// rd = SEQ_STATE of the STAT_CONF register at `offset` in the CPC.
void emit_seq_state(Asm& a, unsigned rd, int32_t offset) {
    a(enc::lw(rd, offset, S1))(enc::srl(rd, rd, kSeqStateShift))(enc::andi(rd, rd, 0xf));
}

// Points GCR_CL_OTHER at `core` and sets up its reset vector as Linux's
// boot_core does: reset base (a kseg1 address), coherence off, the legacy
// memory map (RESET_EXT_BASE = UEB), GCR access for the core.
void emit_prepare_core(Asm& a, unsigned core, uint64_t entry_pa) {
    a.li(T0, core << kGcrOtherCoreShift);
    a(enc::sw(T0, kGcrClOther, S0));  // mips_cm_lock_other
    a.li(T1, kseg1(entry_pa));
    a(enc::sw(T1, kGcrCoResetBase, S0));  // write_gcr_co_reset_base(CKSEG1ADDR(mips_cps_core_entry))
    a(enc::sw(ZERO, kGcrCoCoherence, S0));
    a.li(T1, kGcrResetExtUeb);
    a(enc::sw(T1, kGcrCoResetExtBase, S0));
    a(enc::lw(T1, kGcrAccess, S0))(enc::ori(T1, T1, 1u << core))(enc::sw(T1, kGcrAccess, S0));  // set_gcr_access
}

// Linux's boot_core with a CPC: the core-other block set up, then
// CPC_CL_OTHER = core, CPC_CO_CMD = reset, and a poll of CPC_CO_STAT_CONF
// until SEQ_STATE reads U6 (the core runs).
void emit_boot_core(Asm& a, unsigned core, uint64_t entry_pa) {
    emit_prepare_core(a, core, entry_pa);
    a.li(T0, core << kCpcOtherCoreShift);
    a(enc::sw(T0, kCpcClOther, S1));  // mips_cpc_lock_other
    a.li(T1, kCpcCmdReset);
    a(enc::sw(T1, kCpcCoCmd, S1));
    Asm::Label poll = a.here();
    emit_seq_state(a, T2, kCpcCoStatConf);
    a.li(T3, kSeqU6);
    a.bne(T2, T3, poll);
}

// Linux's boot_core without a CPC: GCR_CO_RESET_RELEASE = 0 lets the core out of reset.
void emit_release_core(Asm& a, unsigned core, uint64_t entry_pa) {
    emit_prepare_core(a, core, entry_pa);
    a(enc::sw(ZERO, kGcrCoResetRelease, S0));
}

// An atomic add of 1 to the word at 0(base) (Linux's atomic_add): ll,
// addiu, sc, beqz retry. `attempts` counts LLs: it is incremented inside
// the LL..SC window, which also makes that window three instructions long
// so that quanta end inside it often.
void emit_atomic_inc(Asm& a, unsigned base, unsigned attempts, unsigned value) {
    Asm::Label retry = a.here();
    a(ll(value, 0, base));
    a(enc::addiu(attempts, attempts, 1));
    a(enc::addiu(value, value, 1));
    a(sc(value, 0, base));
    a.beqz(value, retry);
}

// rd = the value an atomic increment of 0(base) stored: a ticket, 1 for the
// first vCPU to get there, 2 for the next...
void emit_take_ticket(Asm& a, unsigned base, unsigned rd, unsigned tmp) {
    Asm::Label retry = a.here();
    a(ll(tmp, 0, base));
    a(enc::addiu(tmp, tmp, 1));
    a(enc::addu(rd, tmp, ZERO));
    a(sc(tmp, 0, base));
    a.beqz(tmp, retry);
}

// ---- The machine -----------------------------------------------------------------

struct Board {
    unsigned smp = 2;
    uint64_t quantum = kDefaultQuantum;
    std::string engine = "jit";
    std::string mode = "bare-metal";  // or a hypervisor mode: the guest kernel de-privileged
};

std::unique_ptr<Machine> make_machine(const Board& b) {
    Options o;
    o.memory_bytes = 16 << 20;
    o.serial = "null";
    o.rtc_base_s = 0;
    o.smp = b.smp;
    o.quantum = b.quantum;
    o.engine = b.engine;
    o.mode = b.mode;
    o.code_cache_bytes = 4 << 20;  // plenty for these programs; each vCPU's engine has its own
    return std::make_unique<Machine>(o);
}

// Places the programs and points vCPU 0 at the first (it runs in its
// reset state: kernel mode, Status.ERL|BEV, so no interrupt is ever taken).
void load(Machine& m, std::initializer_list<const Asm*> programs) {
    for (const Asm* p : programs) p->place(m);
    m.cpu(0).pc = (*programs.begin())->entry();
}

uint32_t word(Machine& m, uint64_t pa) {
    uint32_t v;
    const uint8_t* p = m.bus().ram_ptr(pa, 4);
    REQUIRE(p);
    std::memcpy(&v, p, 4);
    return v;
}

void set_word(Machine& m, uint64_t pa, uint32_t v) {
    uint8_t* p = m.bus().ram_ptr(pa, 4);
    REQUIRE(p);
    std::memcpy(p, &v, 4);
}

uint32_t stat_conf(uint32_t seq_state) { return (seq_state << kSeqStateShift) | kStatConfPwrDnImpl; }

}  // namespace

// ---- 1. Bring-up -------------------------------------------------------------------

namespace {

// What a started core reports in its slot: CPUNum, GCR_CL_ID, its own
// CPC_CL_STAT_CONF and GCR_CL_RESET_BASE (core-local blocks: they must be
// this core's), then a marker written last.
constexpr uint32_t kIdentityMarker = 0x600d;
enum IdentityWord { ID_CPUNUM, ID_GCR_CL_ID, ID_CPC_STAT_CONF, ID_RESET_BASE, ID_MARKER };

Asm identity_program(uint64_t pa, uint64_t segment) {
    Asm a(pa, segment);
    emit_cps_bases(a);
    emit_slot_address(a, T7, T6);
    emit_cpu_num(a, T0);
    a(enc::sw(T0, 4 * ID_CPUNUM, T7));
    a(enc::lw(T1, kGcrClId, S0))(enc::sw(T1, 4 * ID_GCR_CL_ID, T7));
    a(enc::lw(T2, kCpcClStatConf, S1))(enc::sw(T2, 4 * ID_CPC_STAT_CONF, T7));
    a(enc::lw(T3, kGcrClResetBase, S0))(enc::sw(T3, 4 * ID_RESET_BASE, T7));
    a.li(T4, kIdentityMarker);
    a(enc::sw(T4, 4 * ID_MARKER, T7));
    a.spin();
    return a;
}

// vCPU 0 starts `cores` one after the other, then reports its own identity
// (it runs the same code through kseg1, as the others do).
Asm boot_program(const std::vector<unsigned>& cores, bool through_cpc = true) {
    Asm a(kBootPa);
    emit_cps_bases(a);
    for (unsigned core : cores) {
        if (through_cpc) emit_boot_core(a, core, kEntryPa);
        else emit_release_core(a, core, kEntryPa);
    }
    a.jump_to(kKseg1 + kEntryPa);
    return a;
}

// A running core's CPC reads U6, however it was started (a CPC command,
// or GCR_CO_RESET_RELEASE: the CM and the CPC agree).
void check_identity(Machine& m, unsigned core) {
    INFO("core " << core);
    CHECK(word(m, slot_pa(core, ID_CPUNUM)) == core);
    CHECK(word(m, slot_pa(core, ID_GCR_CL_ID)) == core);
    CHECK(word(m, slot_pa(core, ID_CPC_STAT_CONF)) == stat_conf(kSeqU6));
    CHECK(word(m, slot_pa(core, ID_RESET_BASE)) == (core == 0 ? 0xbfc00000u : kseg1(kEntryPa)));
    CHECK(word(m, slot_pa(core, ID_MARKER)) == kIdentityMarker);
}

void check_never_ran(Machine& m, unsigned core) {
    INFO("core " << core);
    CHECK(m.cpu(core).instret == 0);
    CHECK(m.cpu(core).counters.power_ups == 0);
    CHECK(word(m, slot_pa(core, ID_MARKER)) == 0);
}

}  // namespace

// In the hypervisor modes each core reads its number (EBase.CPUNum) from a
// virtual CP0 of its own.
TEST_CASE("vCPU 0 starts secondary cores through the CM and CPC as Linux's boot_core does", "[smp]") {
    const std::string engine = GENERATE("jit", "interp");
    const unsigned smp = GENERATE(2u, 4u);
    const std::string mode = GENERATE("bare-metal", "trap", "1:1", "1:n", "on-demand");
    INFO(engine << ", -smp " << smp << ", " << mode);
    auto m = make_machine({smp, kDefaultQuantum, engine, mode});
    std::vector<unsigned> cores;
    for (unsigned c = 1; c < smp; ++c) cores.push_back(c);
    const Asm boot = boot_program(cores), entry = identity_program(kEntryPa, kKseg1);
    load(*m, {&boot, &entry});

    // Before the first run only vCPU 0 is up.
    for (unsigned c = 1; c < smp; ++c) CHECK(m->cpu(c).counters.power_ups == 0);
    REQUIRE(m->run(200'000) == StopReason::BUDGET);

    for (unsigned c = 0; c < smp; ++c) {
        check_identity(*m, c);
        INFO("core " << c);
        // vCPU 0 runs from power-on; each other core started exactly once, from its reset base.
        CHECK(m->cpu(c).counters.power_ups == (c == 0 ? 0u : 1u));
        CHECK(m->cpu(c).counters.power_downs == 0);
        CHECK(m->cpu(c).instret > 0);
        CHECK(m->cpu(c).pc >= entry.entry());  // in the spin loop at the end of the entry code
        CHECK(m->cpu(c).pc < entry.end_va());
    }
}

TEST_CASE("Cores that are not started never run", "[smp]") {
    const bool through_cpc = GENERATE(true, false);
    INFO((through_cpc ? "CPC reset command" : "GCR_CO_RESET_RELEASE"));
    auto m = make_machine({4});
    const Asm boot = boot_program({2}, through_cpc), entry = identity_program(kEntryPa, kKseg1);
    load(*m, {&boot, &entry});
    REQUIRE(m->run(200'000) == StopReason::BUDGET);

    check_identity(*m, 0);
    check_identity(*m, 2);
    CHECK(m->cpu(2).counters.power_ups == 1);
    check_never_ran(*m, 1);
    check_never_ran(*m, 3);
}

// ---- 2. Cross-vCPU LL/SC atomicity -----------------------------------------------------

namespace {

// What each core reports when it has done its adds.
enum WorkWord { W_ATTEMPTS, W_LSR_SUM, W_COUNT, W_TICKET, W_DONE };

struct WorkOptions {
    unsigned cores = 2;
    uint32_t adds = 5000;      // atomic adds per vCPU
    bool device_reads = false;  // an uncached UART LSR read in each iteration
};

// The loop every vCPU runs: `adds` atomic increments of the shared counter
// (S5 counts LL attempts, S6 sums the LSR values read), then a ticket
// from a second atomic counter (the finishing order), Count, and the done
// flag last; then it spins.
Asm work_program(const WorkOptions& w) {
    Asm a(kWorkPa);
    a.li(S3, w.adds);
    a.li(S4, kseg0(kCounterPa));
    a.li(S7, kUartVa);
    a(enc::addiu(S5, ZERO, 0))(enc::addiu(S6, ZERO, 0));
    Asm::Label loop = a.here();
    emit_atomic_inc(a, S4, S5, T0);
    if (w.device_reads) a(lbu(T1, kUartLsr, S7))(enc::addu(S6, S6, T1));
    a(enc::addiu(S3, S3, -1));
    a.bnez(S3, loop);

    emit_slot_address(a, T7, T6);
    a.li(T5, kseg0(kTicketPa));
    emit_take_ticket(a, T5, T3, T4);
    a(enc::sw(S5, 4 * W_ATTEMPTS, T7))(enc::sw(S6, 4 * W_LSR_SUM, T7));
    a(enc::mfc0(T2, COUNT, 0))(enc::sw(T2, 4 * W_COUNT, T7))(enc::sw(T3, 4 * W_TICKET, T7));
    a(enc::addiu(T1, ZERO, 1))(enc::sw(T1, 4 * W_DONE, T7));
    a.spin();
    return a;
}

// vCPU 0 starts cores 1..n-1 (their entry code jumps to the work in kseg0,
// as Linux's core entry does once it has set up coherence), then works too.
Asm smp_boot_program(unsigned cores) {
    Asm a(kBootPa);
    emit_cps_bases(a);
    for (unsigned c = 1; c < cores; ++c) emit_boot_core(a, c, kEntryPa);
    a.jump_to(kKseg0 + kWorkPa);
    return a;
}

Asm entry_to_work() {
    Asm a(kEntryPa, kKseg1);
    a.jump_to(kKseg0 + kWorkPa);
    return a;
}

// Enough for every vCPU to finish: 9 instructions an add (11 with the
// device read), retries included, with room to spare.
uint64_t work_budget(const WorkOptions& w) { return uint64_t(w.cores) * w.adds * 30 + 200'000; }

std::unique_ptr<Machine> run_work(const Board& board, const WorkOptions& w) {
    auto m = make_machine(board);
    const Asm boot = smp_boot_program(w.cores), entry = entry_to_work(), work = work_program(w);
    load(*m, {&boot, &entry, &work});
    REQUIRE(m->run(work_budget(w)) == StopReason::BUDGET);
    return m;
}

}  // namespace

TEST_CASE("LL/SC is atomic across vCPUs whatever the quantum", "[smp]") {
    const std::string engine = GENERATE("jit", "interp");
    const unsigned cores = GENERATE(2u, 4u);
    // 137 is odd and coprime to the loop's 9 instructions: quanta end at
    // every point of the loop, between LL and SC among them.
    const uint64_t quantum = GENERATE(100u, 137u, 1000u);
    INFO(engine << ", -smp " << cores << ", --quantum " << quantum);
    const WorkOptions w{cores, 5000, false};
    auto m = run_work({cores, quantum, engine}, w);

    // Not one update lost: a vCPU whose quantum ended between its LL and SC
    // must fail that SC, since the others ran (and added) in between.
    CHECK(word(*m, kCounterPa) == cores * w.adds);
    CHECK(word(*m, kTicketPa) == cores);
    uint64_t lost = 0;
    std::vector<bool> ticket_seen(cores + 1, false);
    for (unsigned c = 0; c < cores; ++c) {
        INFO("vCPU " << c);
        REQUIRE(word(*m, slot_pa(c, W_DONE)) == 1);
        const uint32_t ticket = word(*m, slot_pa(c, W_TICKET));  // tickets are 1..cores, each once
        REQUIRE((ticket >= 1 && ticket <= cores));
        CHECK(!ticket_seen[ticket]);
        ticket_seen[ticket] = true;
        const uint64_t failed_scs = word(*m, slot_pa(c, W_ATTEMPTS)) - w.adds;
        // Only a dropped reservation makes an SC fail here (no exception, no
        // other store by this vCPU in the window), and each drop fails
        // exactly one SC: the counter and the guest's retries agree.
        CHECK(failed_scs == m->cpu(c).counters.ll_reservations_lost);
        lost += m->cpu(c).counters.ll_reservations_lost;
    }
    // With quanta this short against 45000 instructions a vCPU, many end inside the window.
    CHECK(lost > 0);
}

// ---- 3. Determinism --------------------------------------------------------------------

namespace {

struct VcpuState {
    std::array<uint64_t, 32> gpr{};
    uint64_t hi = 0, lo = 0, pc = 0, instret = 0, ticks = 0;
    bool llbit = false;
    std::vector<std::pair<std::string, uint64_t>> counters;
};

VcpuState state_of(const Cpu& c) {
    VcpuState s;
    std::copy(c.gpr, c.gpr + 32, s.gpr.begin());
    s.hi = c.hi;
    s.lo = c.lo;
    s.pc = c.pc;
    s.instret = c.instret;
    s.ticks = c.ticks();
    s.llbit = c.llbit;
    c.counters.for_each([&](std::string_view name, std::string_view, uint64_t v) { s.counters.emplace_back(name, v); });
    return s;
}

std::vector<uint8_t> data_of(Machine& m) {
    const uint8_t* p = m.bus().ram_ptr(kSlotsPa, kDataEnd - kSlotsPa);
    REQUIRE(p);
    return {p, p + (kDataEnd - kSlotsPa)};
}

void check_same_run(Machine& a, Machine& b, bool counters_too) {
    REQUIRE(a.vcpu_count() == b.vcpu_count());
    CHECK(a.stop_reason() == b.stop_reason());
    CHECK(data_of(a) == data_of(b));
    for (unsigned c = 0; c < a.vcpu_count(); ++c) {
        INFO("vCPU " << c);
        VcpuState x = state_of(a.cpu(c)), y = state_of(b.cpu(c));
        CHECK(x.gpr == y.gpr);
        CHECK(x.hi == y.hi);
        CHECK(x.lo == y.lo);
        CHECK(x.pc == y.pc);
        CHECK(x.instret == y.instret);
        CHECK(x.ticks == y.ticks);
        CHECK(x.llbit == y.llbit);
        if (counters_too) {
            for (size_t k = 0; k < x.counters.size(); ++k) {
                INFO("counter " << x.counters[k].first);
                CHECK(x.counters[k].second == y.counters[k].second);
            }
        }
    }
}

}  // namespace

TEST_CASE("A 4-vCPU run is the same every time", "[smp]") {
    const WorkOptions w{4, 3000, true};
    const uint64_t quantum = GENERATE(137u, 1000u);
    INFO("--quantum " << quantum);
    auto first = run_work({4, quantum, "jit"}, w);
    auto second = run_work({4, quantum, "jit"}, w);

    // The run did what it should (so the comparison below compares something).
    CHECK(word(*first, kCounterPa) == 4 * w.adds);
    for (unsigned c = 0; c < 4; ++c) {
        INFO("vCPU " << c);
        CHECK(word(*first, slot_pa(c, W_DONE)) == 1);
        CHECK(word(*first, slot_pa(c, W_LSR_SUM)) == w.adds * kUartLsrIdle);
    }
    check_same_run(*first, *second, true);

    // The reference interpreter runs the vCPUs in the same quanta, which end
    // on the same instructions (engines stop exactly at a budget): the same
    // guest-visible run. (Engine-internal counters, e.g. software-TLB
    // misses, may differ and are not compared.)
    auto interpreted = run_work({4, quantum, "interp"}, w);
    check_same_run(*first, *interpreted, false);
    for (unsigned c = 0; c < 4; ++c)
        CHECK(first->cpu(c).counters.ll_reservations_lost == interpreted->cpu(c).counters.ll_reservations_lost);
}

TEST_CASE("Different quanta interleave differently but lose no update", "[smp]") {
    const WorkOptions w{4, 3000, true};
    std::vector<std::vector<uint32_t>> interleavings;  // per quantum: each vCPU's attempts and ticket
    for (uint64_t quantum : {100u, 137u, 1000u, 10000u}) {
        INFO("--quantum " << quantum);
        auto m = run_work({4, quantum, "jit"}, w);
        CHECK(word(*m, kCounterPa) == 4 * w.adds);
        CHECK(word(*m, kTicketPa) == 4);
        std::vector<uint32_t> seen;
        for (unsigned c = 0; c < 4; ++c) {
            INFO("vCPU " << c);
            CHECK(word(*m, slot_pa(c, W_DONE)) == 1);
            seen.push_back(word(*m, slot_pa(c, W_ATTEMPTS)));
            seen.push_back(word(*m, slot_pa(c, W_TICKET)));
        }
        interleavings.push_back(seen);
    }
    // The shortest and longest quanta do not retry the same number of
    // times: the interleaving did change (else this test would show nothing).
    CHECK(interleavings.front() != interleavings.back());
}

// The machine's state after a number of instructions does not depend on how
// the caller slices that budget among run() calls: a turn cut short by the
// budget goes on at the next call (the old run() started every call at vCPU
// 0, so with budgets <= the quantum vCPU 1 never ran).
TEST_CASE("How the budget is sliced among run() calls does not change the run", "[smp]") {
    const std::string engine = GENERATE("jit", "interp");
    INFO(engine);
    constexpr uint64_t kTotal = 200'000;
    const WorkOptions w{2, 50'000, false};  // more adds than the budget allows: both vCPUs work to the end
    auto run_sliced = [&](const std::vector<std::pair<uint64_t, unsigned>>& slices) {
        auto m = make_machine({2, 1000, engine});
        const Asm boot = smp_boot_program(w.cores), entry = entry_to_work(), work = work_program(w);
        load(*m, {&boot, &entry, &work});
        uint64_t sum = 0;
        for (const auto& [budget, times] : slices) {
            for (unsigned k = 0; k < times; ++k) REQUIRE(m->run(budget) == StopReason::BUDGET);
            sum += budget * times;
        }
        REQUIRE(sum == kTotal);
        return m;
    };
    auto whole = run_sliced({{kTotal, 1}});
    auto by_quantum = run_sliced({{1000, 200}});
    auto by_1500 = run_sliced({{1500, 133}, {500, 1}});
    auto by_137 = run_sliced({{137, 1459}, {117, 1}});

    // Each vCPU had its share, about 100 turns of the 1000-instruction
    // quantum (a turn may run one more when it ends between a branch and its
    // delay slot). (The old run() gave vCPU 1 nothing with 1000 or 137 a call.)
    for (Machine* m : {whole.get(), by_quantum.get(), by_1500.get(), by_137.get()}) {
        for (unsigned c = 0; c < 2; ++c) {
            INFO("vCPU " << c);
            CHECK(m->cpu(c).instret >= kTotal / 2 - 1000);
            CHECK(m->cpu(c).instret <= kTotal / 2 + 1000);
        }
        CHECK(word(*m, slot_pa(0, W_DONE)) == 0);
        CHECK(word(*m, slot_pa(1, W_DONE)) == 0);
    }
    CHECK(word(*whole, kCounterPa) > 10'000);

    // The same run whatever the slicing: registers, pc, instret, time, RAM.
    CHECK(whole->cpu(0).instret + whole->cpu(1).instret <= kTotal + 1);
    for (Machine* m : {by_quantum.get(), by_1500.get(), by_137.get()}) {
        CHECK(m->cpu(0).instret + m->cpu(1).instret == whole->cpu(0).instret + whole->cpu(1).instret);
        check_same_run(*whole, *m, false);
        for (unsigned c = 0; c < 2; ++c) {
            INFO("vCPU " << c);
            CHECK(m->cpu(c).counters.ll_reservations_lost == whole->cpu(c).counters.ll_reservations_lost);
            CHECK(m->cpu(c).counters.power_ups == whole->cpu(c).counters.power_ups);
        }
    }
    CHECK(word(*by_quantum, kCounterPa) == word(*whole, kCounterPa));
}

// ---- 4. Power down and up through the CPC ---------------------------------------------

namespace {

// S4 = the shared words (kseg0); T0 = how many times this entry code ran
// (kBootsPa), this time included.
void emit_count_boot(Asm& a) {
    a.li(S4, kseg0(kSharedPa));
    a(enc::lw(T0, int32_t(kBootsPa - kSharedPa), S4))(enc::addiu(T0, T0, 1))(enc::sw(T0, int32_t(kBootsPa - kSharedPa), S4));
}

// Core 1: counts its boots; the first time it powers itself down through
// its core-local CPC_CL_CMD (as pm-cps does for hotplug) and hangs, as
// Linux does, should the command not take; the second time it beats a
// heartbeat forever.
Asm hotplug_entry() {
    Asm a(kEntryPa, kKseg1);
    emit_cps_bases(a);
    emit_count_boot(a);
    a.li(T1, 1);
    Asm::Label second_boot = a.label();
    a.bne(T0, T1, second_boot);
    a.li(T2, kCpcCmdPowerDown);
    a(enc::sw(T2, kCpcClCmd, S1));
    // Counts hang iterations in T3. The vCPU stops at the end of the block
    // that holds the command's store, so the rest of that block (this
    // addiu, the branch and its delay slot) still runs once: T3 ends at 1.
    Asm::Label hang = a.here();
    a(enc::addiu(T3, T3, 1));
    a.b(hang);
    a.bind(second_boot);
    Asm::Label beat = a.here();
    a(enc::lw(T4, int32_t(kBeatPa - kSharedPa), S4))(enc::addiu(T4, T4, 1))(enc::sw(T4, int32_t(kBeatPa - kSharedPa), S4));
    a.b(beat);
    return a;
}

// vCPU 0: starts core 1, waits (polling CPC_CO_STAT_CONF, as cps_cpu_die
// does) until it reads D0, says so, waits for the test's go, starts core 1 again.
Asm hotplug_boot() {
    Asm a(kBootPa);
    emit_cps_bases(a);
    a.li(S4, kseg0(kSharedPa));
    emit_boot_core(a, 1, kEntryPa);
    Asm::Label wait_d0 = a.here();
    emit_seq_state(a, T2, kCpcCoStatConf);
    a.li(T3, kSeqD0);
    a.bne(T2, T3, wait_d0);
    a.li(T1, 1);
    a(enc::sw(T1, int32_t(kFlagPa - kSharedPa), S4));
    Asm::Label wait_go = a.here();
    a(enc::lw(T2, int32_t(kGoPa - kSharedPa), S4));
    a.beqz(T2, wait_go);
    emit_boot_core(a, 1, kEntryPa);
    a.li(T1, 2);
    a(enc::sw(T1, int32_t(kFlagPa - kSharedPa), S4));
    a.spin();
    return a;
}

}  // namespace

TEST_CASE("A core powered down through its CPC stops and can be started again", "[smp]") {
    const std::string engine = GENERATE("jit", "interp");
    INFO(engine);
    auto m = make_machine({2, 1000, engine});
    const Asm boot = hotplug_boot(), entry = hotplug_entry();
    load(*m, {&boot, &entry});
    const Cpu& core1 = m->cpu(1);

    REQUIRE(m->run(100'000) == StopReason::BUDGET);
    CHECK(word(*m, kBootsPa) == 1);
    CHECK(word(*m, kFlagPa) == 1);  // vCPU 0 saw D0
    CHECK(core1.counters.power_ups == 1);
    CHECK(core1.counters.power_downs == 1);
    CHECK(core1.gpr[T3] == 1);  // the hang loop did not loop (see hotplug_entry)
    const uint64_t down_instret = core1.instret, down_pc = core1.pc;
    CHECK(down_instret > 0);

    // However long the machine runs, the core stays down.
    const uint64_t vcpu0_before = m->cpu(0).instret;
    REQUIRE(m->run(100'000) == StopReason::BUDGET);
    CHECK(core1.instret == down_instret);
    CHECK(core1.pc == down_pc);
    CHECK(core1.gpr[T3] == 1);
    // vCPU 0 ran the whole budget alone (one more when the budget fell
    // between a branch and its delay slot, which run together).
    CHECK(m->cpu(0).instret >= vcpu0_before + 100'000);
    CHECK(m->cpu(0).instret <= vcpu0_before + 100'001);

    // Started again (CPC reset command), it runs its entry code from the top.
    set_word(*m, kGoPa, 1);
    REQUIRE(m->run(100'000) == StopReason::BUDGET);
    CHECK(word(*m, kFlagPa) == 2);
    CHECK(word(*m, kBootsPa) == 2);
    CHECK(core1.counters.power_ups == 2);
    CHECK(core1.counters.power_downs == 1);
    CHECK(core1.instret > down_instret);
    const uint32_t beats = word(*m, kBeatPa);
    CHECK(beats > 0);
    CHECK(core1.pc >= entry.entry());
    CHECK(core1.pc < entry.end_va());
    REQUIRE(m->run(100'000) == StopReason::BUDGET);
    CHECK(word(*m, kBeatPa) > beats);
}

namespace {

// Core 1: counts its boots; on its first two it resets itself through its
// core-local CPC_CL_CMD and, should the reset not take, hangs counting in
// T3 (and in its slot word 1); on the third it beats a heartbeat forever.
struct SelfResetEntry {
    Asm code{kEntryPa, kKseg1};
    uint64_t third_boot_va = 0;
};

SelfResetEntry self_reset_entry() {
    SelfResetEntry e;
    Asm& a = e.code;
    emit_cps_bases(a);
    emit_count_boot(a);
    a.li(T1, 3);
    Asm::Label third_boot = a.label();
    a.beq(T0, T1, third_boot);
    a.li(T2, kCpcCmdReset);
    a(enc::sw(T2, kCpcClCmd, S1));
    Asm::Label hang = a.here();
    a(enc::addiu(T3, T3, 1))(enc::sw(T3, int32_t(slot_pa(1, 1) - kSharedPa), S4));
    a.b(hang);
    a.bind(third_boot);
    Asm::Label beat = a.here();
    a(enc::lw(T4, int32_t(kBeatPa - kSharedPa), S4))(enc::addiu(T4, T4, 1))(enc::sw(T4, int32_t(kBeatPa - kSharedPa), S4));
    a.b(beat);
    e.third_boot_va = a.va(third_boot);
    return e;
}

}  // namespace

TEST_CASE("A core that resets itself through its CPC starts over from its reset base", "[smp]") {
    const std::string engine = GENERATE("jit", "interp");
    INFO(engine);
    auto m = make_machine({2, 1000, engine});
    Asm boot(kBootPa);
    emit_cps_bases(boot);
    emit_boot_core(boot, 1, kEntryPa);
    boot.spin();
    const SelfResetEntry entry = self_reset_entry();
    load(*m, {&boot, &entry.code});
    const Cpu& core1 = m->cpu(1);

    for (int k = 0; k < 5; ++k) REQUIRE(m->run(100'000) == StopReason::BUDGET);
    CHECK(word(*m, kBootsPa) == 3);
    CHECK(core1.counters.power_ups == 3);  // started by vCPU 0, then reset by itself twice
    CHECK(core1.counters.power_downs == 0);
    CHECK(core1.pc >= entry.third_boot_va);  // in the third boot's heartbeat loop
    CHECK(core1.pc < entry.code.end_va());
    const uint32_t beats = word(*m, kBeatPa);
    CHECK(beats > 0);
    // The hang loop after the reset command never went round (at most the
    // rest of the command's block ran, once per reset).
    CHECK(word(*m, slot_pa(1, 1)) <= 2);
    REQUIRE(m->run(100'000) == StopReason::BUDGET);
    CHECK(word(*m, kBeatPa) > beats);
    CHECK(word(*m, kBootsPa) == 3);
    CHECK(core1.counters.power_ups == 3);
}

// ---- 5. WAIT -----------------------------------------------------------------------------

namespace {

// vCPU 0 starts core 1 and then beats a heartbeat; when the test sets the go
// flag it sends core 1 an IPI through the GIC (edge interrupt kIpi, routed
// to VP 1's pin 0 = IP2), once.
Asm wait_boot(bool send_ipi) {
    Asm a(kBootPa);
    emit_cps_bases(a);
    a.li(S4, kseg0(kSharedPa));
    if (send_ipi) {
        // As irq-mips-gic sets up an IPI: edge-triggered, mapped to a pin and a VP, unmasked.
        a.li(T0, 1u << (kIpi - 32));
        a(enc::sw(T0, kGicTrig + 4, S2));
        a.li(T0, kGicMapToPin | 0);
        a(enc::sw(T0, kGicMapPin + 4 * int32_t(kIpi), S2));
        a.li(T0, 1u << 1);
        a(enc::sw(T0, kGicMapVp + 0x20 * int32_t(kIpi), S2));
        a.li(T0, 1u << (kIpi - 32));
        a(enc::sw(T0, kGicSmask + 4, S2));
    }
    emit_boot_core(a, 1, kEntryPa);
    a(enc::addiu(T5, ZERO, 0));  // IPIs sent
    Asm::Label beat = a.here();
    a(enc::lw(T4, int32_t(kBeatPa - kSharedPa), S4))(enc::addiu(T4, T4, 1))(enc::sw(T4, int32_t(kBeatPa - kSharedPa), S4));
    if (send_ipi) {
        a(enc::lw(T2, int32_t(kGoPa - kSharedPa), S4));
        a.beqz(T2, beat);
        a.bnez(T5, beat);
        a.li(T0, kGicWedgeSet | kIpi);
        a(enc::sw(T0, kGicWedge, S2));  // the IPI
        a(enc::addiu(T5, ZERO, 1));
    }
    a.b(beat);
    return a;
}

// Sets Status.IM to `im` (Status.ERL stays set from reset, so nothing is
// ever taken as an exception: WAIT just ends once Cause.IP & Status.IM != 0).
void emit_set_im(Asm& a, uint32_t im) {
    a(enc::mfc0(T0, STATUS, 0));
    a.li(T1, ~uint32_t(cp0::status::IM));
    a(enc::and_(T0, T0, T1))(enc::ori(T0, T0, im << 8))(enc::mtc0(T0, STATUS, 0));
}

// Core 1: Status.IM = `im`, WAIT; once woken it records Cause, acknowledges
// the IPI (WEDGE without the set bit), sets the flag and spins.
Asm wait_entry(uint32_t im) {
    Asm a(kEntryPa, kKseg1);
    emit_cps_bases(a);
    a.li(S4, kseg0(kSharedPa));
    emit_set_im(a, im);
    a(wait());
    a(enc::mfc0(T2, CAUSE, 0))(enc::sw(T2, int32_t(slot_pa(1) - kSharedPa), S4));
    a.li(T0, kIpi);
    a(enc::sw(T0, kGicWedge, S2));
    a.li(T1, 1);
    a(enc::sw(T1, int32_t(kFlagPa - kSharedPa), S4));
    a.spin();
    return a;
}

constexpr uint32_t kIm2 = 1u << 2, kIm7 = 1u << 7;  // Status.IM bits (of IM7..IM0)

}  // namespace

TEST_CASE("A vCPU waiting for an interrupt does not stop the others", "[smp]") {
    auto m = make_machine({2, 1000});
    const Asm boot = wait_boot(true), entry = wait_entry(kIm2);
    load(*m, {&boot, &entry});
    const Cpu& core1 = m->cpu(1);

    // Core 1 waits on IP2, which nothing raises yet; vCPU 0 keeps running.
    REQUIRE(m->run(100'000) == StopReason::BUDGET);
    CHECK(core1.counters.idle_waits == 1);
    CHECK(word(*m, kFlagPa) == 0);
    const uint64_t waiting_instret = core1.instret;
    const uint32_t beats = word(*m, kBeatPa);
    CHECK(beats > 0);
    REQUIRE(m->run(100'000) == StopReason::BUDGET);
    CHECK(core1.instret == waiting_instret);  // still in WAIT
    CHECK(core1.counters.idle_waits == 1);
    CHECK(word(*m, kBeatPa) > beats);
    CHECK(core1.ticks() >= m->cpu(0).ticks() - 1000);  // its clock follows the machine's (within a quantum)

    // vCPU 0's IPI wakes it: it resumes after its WAIT with IP2 pending.
    set_word(*m, kGoPa, 1);
    REQUIRE(m->run(100'000) == StopReason::BUDGET);
    CHECK(word(*m, kFlagPa) == 1);
    CHECK((word(*m, slot_pa(1)) & (1u << (8 + 2))) != 0);  // Cause.IP2
    CHECK(core1.instret > waiting_instret);
    CHECK(core1.counters.idle_waits == 1);
    CHECK(core1.counters.interrupts == 0);  // (Status.ERL: WAIT ended, no exception)
}

// vCPU 0 starts core 1, then both loop: Compare = Count + 5000, WAIT with
// only the timer (IM7) enabled, count a wake-up.
Asm timer_wait_loop() {
    Asm a(kWorkPa);
    emit_set_im(a, kIm7);
    emit_slot_address(a, T7, T6);
    a(enc::addiu(S5, ZERO, 0));
    Asm::Label loop = a.here();
    a(enc::mfc0(T0, COUNT, 0))(enc::addiu(T0, T0, 5000))(enc::mtc0(T0, COMPARE, 0));  // (writing Compare clears Cause.TI)
    a(wait());
    a(enc::addiu(S5, S5, 1))(enc::sw(S5, 0, T7));
    a.b(loop);
    return a;
}

TEST_CASE("When every vCPU waits with an interrupt enabled the machine idles to the next timer event", "[smp]") {
    auto m = make_machine({2, 1000});
    const Asm boot = smp_boot_program(2), entry = entry_to_work(), work = timer_wait_loop();
    load(*m, {&boot, &entry, &work});
    REQUIRE(m->run(20'000) == StopReason::BUDGET);
    for (unsigned c = 0; c < 2; ++c) {
        INFO("vCPU " << c);
        CHECK(word(*m, slot_pa(c)) > 10);  // woke many times
        CHECK(m->cpu(c).counters.idle_waits >= word(*m, slot_pa(c)));
        // Virtual time ran far ahead of the instructions: the idle periods were skipped over.
        CHECK(m->cpu(c).ticks() > 10 * m->cpu(c).instret);
    }
}

TEST_CASE("A WAIT with every interrupt masked halts the machine", "[smp]") {
    SECTION("on a secondary core, while vCPU 0 runs") {
        auto m = make_machine({2, 1000});
        const Asm boot = wait_boot(false), entry = wait_entry(0);  // Status.IM = 0: Linux's machine_hang
        load(*m, {&boot, &entry});
        REQUIRE(m->run(100'000) == StopReason::HALT);
        CHECK(m->stop_reason() == StopReason::HALT);
        CHECK(m->exit_code() == 0);
        CHECK(word(*m, kFlagPa) == 0);  // core 1 never got past its WAIT
        CHECK(m->cpu(1).counters.idle_waits == 1);
        CHECK(m->cpu(0).instret < 100'000);
        // The report names the vCPU that halted: core 1, just after its WAIT (in kseg1).
        char pc[40];
        std::snprintf(pc, sizeof pc, "pc %016llx", static_cast<unsigned long long>(m->cpu(1).pc));
        CHECK(m->stop_report().find(pc) != std::string::npos);
        CHECK((m->cpu(1).pc >> 29) == (kKseg1 >> 29));
    }
    SECTION("on vCPU 0, the others never started") {
        auto m = make_machine({4, 1000});
        Asm boot(kBootPa);
        emit_set_im(boot, 0);
        boot(wait());
        boot.spin();
        load(*m, {&boot});
        REQUIRE(m->run(100'000) == StopReason::HALT);
        CHECK(m->cpu(0).counters.idle_waits == 1);
        CHECK(m->cpu(0).instret < 20);
    }
    SECTION("but not while the waiting vCPU has an interrupt enabled") {
        auto m = make_machine({2, 1000});
        const Asm boot = wait_boot(false), entry = wait_entry(kIm2);
        load(*m, {&boot, &entry});
        REQUIRE(m->run(100'000) == StopReason::BUDGET);
        CHECK(m->cpu(1).counters.idle_waits == 1);
    }
}

// Linux's secondary-core entry code has its own boot-exception vectors
// (0x200 on from its start) and tells the CM so (RESET_EXT_BASE.UEB): an
// exception a starting core takes with Status.BEV set lands there, not in
// the reset vector region, where nothing is mapped.
TEST_CASE("A started core's boot-exception vectors follow its reset base", "[smp]") {
    const std::string engine = GENERATE("jit", "interp");
    INFO(engine);
    constexpr uint32_t kMarker = 0xbe7;
    auto m = make_machine({2, kDefaultQuantum, engine});
    Asm boot(kBootPa);  // starts core 1, then spins (it must not run the entry code itself)
    emit_cps_bases(boot);
    emit_boot_core(boot, 1, kEntryPa);
    boot(enc::beq(ZERO, ZERO, -1))(enc::nop());
    Asm entry(kEntryPa, kKseg1);
    entry(0x0000000c);  // syscall, with Status.BEV|ERL as at reset
    entry(enc::beq(ZERO, ZERO, -1))(enc::nop());
    Asm handler(kEntryPa + 0x380, kKseg1);  // the general exception vector: 0x200 + 0x180
    handler.li(T0, kMarker);
    handler.li(T1, kseg1(slot_pa(1)));
    handler(enc::sw(T0, 0, T1))(enc::beq(ZERO, ZERO, -1))(enc::nop());
    load(*m, {&boot, &entry, &handler});
    const StopReason why = m->run(200'000);
    INFO("core 1: pc " << std::hex << m->cpu(1).pc << " epc " << m->cpu(1).cp0.epc << " status " << m->cpu(1).cp0.status
                       << " cause " << m->cpu(1).cp0.cause << "; core 0 pc " << m->cpu(0).pc);
    REQUIRE(why == StopReason::BUDGET);
    CHECK(word(*m, slot_pa(1)) == kMarker);
    CHECK(m->cpu(1).cp0.epc == entry.entry());
    CHECK(m->cpu(1).pc >= handler.entry());
    CHECK(m->cpu(1).pc < handler.end_va());
}

// ---- 7. The hypervisor modes: a virtual CP0 per vCPU ---------------------------------

namespace {

constexpr uint32_t dmfc0(unsigned rt, unsigned rd, unsigned sel) { return enc::mfc0(rt, rd, sel) | (1u << 21); }
constexpr uint32_t dmtc0(unsigned rt, unsigned rd, unsigned sel) { return enc::mtc0(rt, rd, sel) | (1u << 21); }
constexpr unsigned AT = 1, V0 = 2;  // the GPRs a 1:n stub borrows for an MTC0 from T0
constexpr unsigned ENTRYLO0 = 2, KSCRATCH = 31, KSCRATCH1_SEL = 2;
enum OwnCp0Word { OC_MISMATCHES, OC_LEFT, OC_DONE };

// rd += (a != b), without a branch; `tmp` is clobbered.
void emit_count_if_differ(Asm& a, unsigned rd, unsigned x, unsigned y, unsigned tmp) {
    a(enc::xor_(tmp, x, y))(enc::sltu(tmp, ZERO, tmp))(enc::addu(rd, rd, tmp));
}

// Every vCPU writes values of its own to KScratch1 (a plain store once
// patched 1:1) and EntryLo0 (a stub in 1:n that borrows AT and V0 through
// the communication page's save slots), lets the other vCPUs run, and reads
// both back; AT and V0 must come back unchanged from the stub. With one
// virtual CP0 (or one set of save slots) for all, the others' values show
// through as soon as a quantum ends between the write and the read.
Asm own_cp0_program(uint32_t iterations) {
    Asm a(kWorkPa);
    emit_slot_address(a, T7, T6);
    emit_cpu_num(a, S3);
    a.li(S4, iterations);
    a(enc::addiu(S5, ZERO, 0));
    a(enc::addiu(AT, S3, 0x100))(enc::addiu(V0, S3, 0x200));
    a(enc::addiu(S6, S3, 0x100))(enc::addiu(S7, S3, 0x200));  // what AT and V0 must hold
    Asm::Label loop = a.here();
    a(enc::sll(T0, S3, 16))(enc::or_(T0, T0, S4))(enc::sll(T0, T0, 6))(enc::ori(T0, T0, 0x1f));
    a(dmtc0(T0, KSCRATCH, KSCRATCH1_SEL));
    a(enc::mtc0(T0, ENTRYLO0, 0));
    for (int k = 0; k < 5; ++k) a(enc::nop());
    a(dmfc0(T1, KSCRATCH, KSCRATCH1_SEL));
    emit_count_if_differ(a, S5, T1, T0, T2);
    a(dmfc0(T1, ENTRYLO0, 0));
    emit_count_if_differ(a, S5, T1, T0, T2);
    emit_count_if_differ(a, S5, AT, S6, T2);
    emit_count_if_differ(a, S5, V0, S7, T2);
    a(enc::addiu(S4, S4, -1));
    a.bnez(S4, loop);
    a(enc::sw(S5, 4 * OC_MISMATCHES, T7))(enc::sw(S4, 4 * OC_LEFT, T7));
    a(enc::addiu(T1, ZERO, 1))(enc::sw(T1, 4 * OC_DONE, T7));
    a.spin();
    return a;
}

uint64_t exits_of(const Cpu& c) { return c.counters.exits_sensitive_trap + c.counters.exits_hypercall; }

}  // namespace

TEST_CASE("In the hypervisor modes every vCPU has a virtual CP0 and stub save slots of its own", "[smp][hypervisor]") {
    const std::string engine = GENERATE("jit", "interp");
    const std::string mode = GENERATE("trap", "1:1", "1:n", "on-demand");
    constexpr unsigned kCores = 4;
    constexpr uint32_t kIterations = 2000;
    INFO(engine << ", " << mode);
    // 137: quanta end at every point of the loop, between a write and its read among them.
    auto m = make_machine({kCores, 137, engine, mode});
    const Asm boot = smp_boot_program(kCores), entry = entry_to_work(), work = own_cp0_program(kIterations);
    load(*m, {&boot, &entry, &work});
    REQUIRE(m->run(uint64_t(kCores) * kIterations * 60 + 200'000) == StopReason::BUDGET);

    const stats::RunRecord record = m->run_record(0);
    REQUIRE(record.vcpus_size() == int(kCores));
    for (unsigned c = 0; c < kCores; ++c) {
        INFO("vCPU " << c);
        REQUIRE(word(*m, slot_pa(c, OC_DONE)) == 1);
        CHECK(word(*m, slot_pa(c, OC_LEFT)) == 0);
        CHECK(word(*m, slot_pa(c, OC_MISMATCHES)) == 0);
        // Exits are counted on the vCPU that made them, and its exits by
        // kind add up to them.
        uint64_t by_kind = 0;
        for (const auto& [kind, count] : record.vcpus(int(c)).exits_by_kind()) by_kind += kind == "mmio" ? 0 : count;
        CHECK(by_kind == exits_of(m->cpu(c)));
        // Trap: four sensitive instructions a turn of the loop; 1:1: the
        // MTC0 EntryLo0 is a hypercall. (1:n and on-demand need no exit
        // once patched.)
        if (mode == "trap") CHECK(exits_of(m->cpu(c)) >= 4 * kIterations);
        if (mode == "1:1") CHECK(exits_of(m->cpu(c)) >= kIterations);
    }
}

// ---- 8. One engine for every vCPU ------------------------------------------------------

namespace {

constexpr uint64_t kMappedVa = 0xffffffffc0000000ull;  // kseg2: mapped through each vCPU's own TLB
constexpr uint64_t kMappedPagesPa = 0x40000;           // vCPU n's page: kMappedPagesPa + n * 4 KiB
constexpr unsigned INDEX = 0, ENTRYLO1 = 3, PAGEMASK = 5, ENTRYHI = 10;
constexpr uint32_t tlbwi() { return 0x42000002; }
constexpr uint32_t ehb() { return 0x000000c0; }
constexpr int32_t step_of(unsigned core) { return int32_t(1 + 1000 * core); }

// Each vCPU maps kMappedVa to a page of its own (TLB entry n of its own
// TLB) and runs the loop there: S5 += step_of(n), S6 += 1.
Asm map_and_jump_program() {
    Asm a(kWorkPa);
    emit_cpu_num(a, T0);
    a(enc::sll(T1, T0, 12));
    a.li(T2, kMappedPagesPa);
    a(enc::addu(T1, T1, T2))(enc::srl(T1, T1, 12))(enc::sll(T1, T1, 6));
    a(enc::ori(T1, T1, 0x1f));  // C = 3 (cacheable), D, V, G
    a(enc::mtc0(T1, ENTRYLO0, 0))(enc::mtc0(ZERO, ENTRYLO1, 0))(enc::mtc0(ZERO, PAGEMASK, 0));
    a(enc::lui(T2, 0xc000))(dmtc0(T2, ENTRYHI, 0))(enc::mtc0(T0, INDEX, 0))(tlbwi())(ehb());
    a(enc::addiu(S5, ZERO, 0))(enc::addiu(S6, ZERO, 0));
    a(enc::jr(T2))(enc::nop());
    return a;
}

Asm mapped_loop(unsigned core) {
    Asm a(kMappedPagesPa + core * 4096ull);
    Asm::Label loop = a.here();
    a(enc::addiu(S5, S5, step_of(core)))(enc::addiu(S6, S6, 1));
    a.b(loop);
    return a;
}

}  // namespace

// The vCPUs share one engine and its translated code, but each translates
// virtual addresses with its own TLB: the same kernel address mapped to a
// different page on each vCPU runs each vCPU's own code, however often
// the turns switch between them.
TEST_CASE("vCPUs that map one address to different code each run their own", "[smp]") {
    const std::string engine = GENERATE("jit", "interp");
    const std::string mode = GENERATE("bare-metal", "trap");
    const uint64_t quantum = GENERATE(100u, 137u);
    constexpr unsigned kCores = 4;
    INFO(engine << ", " << mode << ", --quantum " << quantum);
    auto m = make_machine({kCores, quantum, engine, mode});
    const Asm boot = smp_boot_program(kCores), entry = entry_to_work(), work = map_and_jump_program();
    const Asm l0 = mapped_loop(0), l1 = mapped_loop(1), l2 = mapped_loop(2), l3 = mapped_loop(3);
    load(*m, {&boot, &entry, &work, &l0, &l1, &l2, &l3});
    REQUIRE(m->run(400'000) == StopReason::BUDGET);
    for (unsigned c = 0; c < kCores; ++c) {
        INFO("vCPU " << c);
        const Cpu& cpu = m->cpu(c);
        CHECK((cpu.pc >> 12) == (kMappedVa >> 12));
        CHECK(cpu.gpr[S6] > 1000);
        // (The budget may end between the two adds.)
        const uint64_t step = uint64_t(step_of(c));
        CHECK((cpu.gpr[S5] == step * cpu.gpr[S6] || cpu.gpr[S5] == step * (cpu.gpr[S6] + 1)));
    }
}
