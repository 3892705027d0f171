// The translator's native forms of instructions that used to run as
// routine calls (multiply-accumulate, divides, leading-zero counts, traps,
// RDHWR of the TLS pointer, FPU moves, loads, stores and arithmetic): each
// must leave
// exactly the interpreter's state, edge values and exceptions included. And
// the engine record's routine_calls counter: one per execution of an
// instruction that leaves translated code for its routine, none for a
// native one.
#include <catch2/catch.hpp>

#include <bit>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "hv/board/machine.h"
#include "hv/cpu/cp0_bits.h"
#include "hv/cpu/exception.h"
#include "hv/isa/encode.h"
#include "hv/stats/run_record.pb.h"

using namespace mipshv;

namespace {
constexpr uint64_t kCodeVa = 0xffffffff80010000ull;  // kseg0 view of physical 0x10000
constexpr uint64_t kDataVa = 0xffffffff80020000ull;  // and of 0x20000
constexpr unsigned T0 = 8, T1 = 9, T2 = 10, T3 = 11, T4 = 12, T5 = 13, A0 = 4;

using namespace encode;
constexpr uint32_t special2(unsigned rs, unsigned rt, unsigned rd, unsigned funct) { return r_type(0x1c, rs, rt, rd, 0, funct); }
constexpr uint32_t madd(unsigned rs, unsigned rt) { return special2(rs, rt, 0, 0); }
constexpr uint32_t maddu(unsigned rs, unsigned rt) { return special2(rs, rt, 0, 1); }
constexpr uint32_t msub(unsigned rs, unsigned rt) { return special2(rs, rt, 0, 4); }
constexpr uint32_t msubu(unsigned rs, unsigned rt) { return special2(rs, rt, 0, 5); }
constexpr uint32_t clz(unsigned rd, unsigned rs) { return special2(rs, rd, rd, 0x20); }
constexpr uint32_t clo(unsigned rd, unsigned rs) { return special2(rs, rd, rd, 0x21); }
constexpr uint32_t dclz(unsigned rd, unsigned rs) { return special2(rs, rd, rd, 0x24); }
constexpr uint32_t dclo(unsigned rd, unsigned rs) { return special2(rs, rd, rd, 0x25); }
constexpr uint32_t mfhi(unsigned rd) { return r_type(0, 0, 0, rd, 0, 0x10); }
constexpr uint32_t mflo(unsigned rd) { return r_type(0, 0, 0, rd, 0, 0x12); }
constexpr uint32_t mthi(unsigned rs) { return r_type(0, rs, 0, 0, 0, 0x11); }
constexpr uint32_t mtlo(unsigned rs) { return r_type(0, rs, 0, 0, 0, 0x13); }
constexpr uint32_t div_(unsigned rs, unsigned rt, unsigned funct) { return r_type(0, rs, rt, 0, 0, funct); }
constexpr uint32_t dadd(unsigned rd, unsigned rs, unsigned rt) { return r_type(0, rs, rt, rd, 0, 0x2c); }
constexpr uint32_t trap(unsigned rs, unsigned rt, unsigned funct) { return r_type(0, rs, rt, 0, 0, funct); }
constexpr uint32_t trapi(unsigned rs, unsigned which, int32_t imm) { return i_type(0x01, rs, which, imm); }
constexpr uint32_t cop1(unsigned fmt, unsigned ft, unsigned fs, unsigned fd, unsigned funct) {
    return r_type(0x11, fmt, ft, fs, fd, funct);
}
constexpr uint32_t mtc1(unsigned rt, unsigned fs) { return cop1(4, rt, fs, 0, 0); }
constexpr uint32_t dmtc1(unsigned rt, unsigned fs) { return cop1(5, rt, fs, 0, 0); }
constexpr uint32_t mfc1(unsigned rt, unsigned fs) { return cop1(0, rt, fs, 0, 0); }
constexpr uint32_t dmfc1(unsigned rt, unsigned fs) { return cop1(1, rt, fs, 0, 0); }
constexpr uint32_t cfc1(unsigned rt, unsigned fs) { return cop1(2, rt, fs, 0, 0); }
constexpr uint32_t fp_arith(unsigned fmt, unsigned funct, unsigned fd, unsigned fs, unsigned ft) {
    return cop1(fmt, ft, fs, fd, funct);
}
constexpr uint32_t mov_s(unsigned fd, unsigned fs) { return cop1(16, 0, fs, fd, 6); }
constexpr uint32_t mov_d(unsigned fd, unsigned fs) { return cop1(17, 0, fs, fd, 6); }
constexpr uint32_t lwc1(unsigned ft, int32_t off, unsigned base) { return i_type(0x31, base, ft, off); }
constexpr uint32_t ldc1(unsigned ft, int32_t off, unsigned base) { return i_type(0x35, base, ft, off); }
constexpr uint32_t swc1(unsigned ft, int32_t off, unsigned base) { return i_type(0x39, base, ft, off); }
constexpr uint32_t sdc1(unsigned ft, int32_t off, unsigned base) { return i_type(0x3d, base, ft, off); }
constexpr uint32_t loop_forever() { return beq(0, 0, -1); }

struct Setup {
    std::vector<uint64_t> gpr;  // t0.. in order
    uint64_t hi = 0, lo = 0;
    uint64_t status_set = 0, status_clear = 0, hwrena = 0, userlocal = 0;
    std::vector<uint64_t> fpr;
    std::vector<std::pair<unsigned, uint64_t>> any_gpr;  // (register, value), after a0
    void (*prepare)(Cpu&) = nullptr;                      // anything else, last
};

std::unique_ptr<Machine> machine_with(const char* engine, const std::vector<uint32_t>& code, const Setup& s) {
    Options o;
    o.memory_bytes = 16 << 20;
    o.engine = engine;
    auto m = std::make_unique<Machine>(o);
    std::memcpy(m->bus().ram_ptr(0x10000, code.size() * 4), code.data(), code.size() * 4);
    for (unsigned n = 0; n < 64; ++n) {
        const uint64_t v = 0x0123456789abcdefull * (n + 1);
        std::memcpy(m->bus().ram_ptr(0x20000 + 8 * n, 8), &v, 8);
    }
    // The general exception vector (BEV clear, EBase 0x80000000) at 0x180: b .
    const uint32_t handler[2] = {loop_forever(), nop()};
    std::memcpy(m->bus().ram_ptr(0x180, sizeof handler), handler, sizeof handler);
    Cpu& c = m->cpu();
    c.pc = kCodeVa;
    c.cp0.status &= ~cp0::status::BEV;
    for (size_t n = 0; n < s.gpr.size(); ++n) c.gpr[T0 + n] = s.gpr[n];
    c.gpr[A0] = kDataVa;
    for (const auto& [r, v] : s.any_gpr) c.gpr[r] = v;
    c.hi = s.hi;
    c.lo = s.lo;
    c.cp0.status = (c.cp0.status | s.status_set) & ~s.status_clear;
    update_mmu_mode(c);
    c.cp0.hwrena = s.hwrena;
    c.cp0.userlocal = s.userlocal;
    for (size_t n = 0; n < s.fpr.size(); ++n) c.fpu.fpr[n] = s.fpr[n];
    if (s.prepare) s.prepare(c);
    return m;
}

// Runs `code` under both engines for `budget` instructions and checks that
// they end in the same state; returns the jit's machine.
std::unique_ptr<Machine> same_under_both(const std::vector<uint32_t>& code, const Setup& s, uint64_t budget = 200) {
    auto jit = machine_with("jit", code, s);
    auto interp = machine_with("interp", code, s);
    jit->run(budget);
    interp->run(budget);
    const Cpu& a = jit->cpu();
    const Cpu& b = interp->cpu();
    for (unsigned r = 0; r < 32; ++r) {
        INFO("gpr " << r);
        CHECK(a.gpr[r] == b.gpr[r]);
    }
    for (unsigned r = 0; r < 32; ++r) {
        INFO("fpr " << r);
        CHECK(a.fpu.fpr[r] == b.fpu.fpr[r]);
    }
    CHECK(a.hi == b.hi);
    CHECK(a.lo == b.lo);
    CHECK(a.pc == b.pc);
    CHECK(a.instret == b.instret);
    CHECK(a.cp0.cause == b.cp0.cause);
    CHECK(a.cp0.epc == b.cp0.epc);
    CHECK(a.cp0.status == b.cp0.status);
    CHECK(a.fpu.fcsr == b.fpu.fcsr);
    CHECK(a.counters.exceptions == b.counters.exceptions);
    CHECK(a.counters.soft_tlb_misses == b.counters.soft_tlb_misses);
    CHECK(a.counters.loads == b.counters.loads);
    CHECK(a.counters.stores == b.counters.stores);
    CHECK(a.counters.multiplies == b.counters.multiplies);
    CHECK(a.counters.divides == b.counters.divides);
    CHECK(a.counters.fpu_instructions == b.counters.fpu_instructions);
    for (unsigned n = 0; n < 64; ++n) {
        uint64_t x, y;
        std::memcpy(&x, jit->bus().ram_ptr(0x20000 + 8 * n, 8), 8);
        std::memcpy(&y, interp->bus().ram_ptr(0x20000 + 8 * n, 8), 8);
        INFO("data " << n);
        CHECK(x == y);
    }
    return jit;
}

uint64_t routine_calls(const Machine& m, const std::string& op) {
    const stats::RunRecord r = m.run_record(0);
    const auto& calls = r.engine().routine_calls();
    const auto it = calls.find(op);
    return it == calls.end() ? 0 : it->second;
}

unsigned exc_code(const Cpu& c) { return unsigned((c.cp0.cause >> 2) & 31); }

const uint64_t kEdges[] = {0, 1, 2, 0x7fffffffull, 0xffffffff80000000ull, 0xffffffffffffffffull, 0x80000000ull,
                           0xffffffffull, 0x123456789abcdef0ull, 0x8000000000000000ull, 0x7fffffffffffffffull,
                           0xfffffffffffffffeull, 0x00000000fffffffeull, 0x1234ull};
}  // namespace

TEST_CASE("madd, maddu, msub and msubu: HI:LO as the interpreter leaves them", "[jit]") {
    for (uint32_t (*op)(unsigned, unsigned) : {madd, maddu, msub, msubu}) {
        for (uint64_t a : kEdges)
            for (uint64_t b : {0ull, 1ull, 0xffffffffull, 0x7fffffffull, 0xffffffff80000000ull, 0x123456789ull}) {
                Setup s;
                s.gpr = {a, b};
                s.hi = 0x00000000fffffff0ull;  // not sign-extended: only its low half counts
                s.lo = 0xdeadbeef80000001ull;
                INFO(std::hex << op(T0, T1) << " a=" << a << " b=" << b);
                // Twice, and through mfhi/mflo, so that chains of them are covered too.
                same_under_both({op(T0, T1), op(T1, T0), mfhi(T2), mflo(T3), loop_forever(), nop()}, s, 20);
            }
    }
    // A known value: 0x7fffffff * 0x7fffffff + (HI:LO = -1) = 0x3fffffff00000000.
    Setup s;
    s.gpr = {0x7fffffff, 0x7fffffff};
    s.hi = s.lo = ~0ull;
    auto m = same_under_both({madd(T0, T1), loop_forever(), nop()}, s, 10);
    CHECK(m->cpu().hi == 0x3fffffffull);
    CHECK(m->cpu().lo == 0);
    CHECK(routine_calls(*m, "madd") == 0);
}

TEST_CASE("div, divu, ddiv and ddivu: zero divisors and the overflowing quotient", "[jit]") {
    for (unsigned funct : {0x1au, 0x1bu, 0x1eu, 0x1fu})
        for (uint64_t a : kEdges)
            for (uint64_t b : {0ull, 1ull, ~0ull, 0xffffffffull, 0x80000000ull, 7ull, 0x8000000000000000ull, 0xfffffffffffffff9ull}) {
                Setup s;
                s.gpr = {a, b};
                INFO(std::hex << "funct " << funct << " a=" << a << " b=" << b);
                same_under_both({div_(T0, T1, funct), mfhi(T2), mflo(T3), loop_forever(), nop()}, s, 10);
            }
}

TEST_CASE("clz, clo, dclz and dclo", "[jit]") {
    for (uint32_t (*op)(unsigned, unsigned) : {clz, clo, dclz, dclo})
        for (uint64_t a : kEdges) {
            Setup s;
            s.gpr = {a};
            INFO(std::hex << op(T1, T0) << " a=" << a);
            same_under_both({op(T1, T0), op(T2, T0), op(0, T0), loop_forever(), nop()}, s, 10);
        }
}

TEST_CASE("conditional traps: taken ones raise Trap exactly as the routine does", "[jit]") {
    // funct: tge 0x30, tgeu 0x31, tlt 0x32, tltu 0x33, teq 0x34, tne 0x36;
    // REGIMM rt: tgei 8, tgeiu 9, tlti 10, tltiu 11, teqi 12, tnei 14.
    const uint64_t values[] = {0, 1, ~0ull, 0x8000000000000000ull, 0x7fffffffffffffffull, 0xfffffffffffffff0ull};
    for (unsigned funct : {0x30u, 0x31u, 0x32u, 0x33u, 0x34u, 0x36u})
        for (uint64_t a : values)
            for (uint64_t b : values) {
                Setup s;
                s.gpr = {a, b};
                INFO(std::hex << "funct " << funct << " a=" << a << " b=" << b);
                auto m = same_under_both({addiu(T2, 0, 1), trap(T0, T1, funct), addiu(T3, 0, 1), loop_forever(), nop()}, s, 50);
                const bool taken = m->cpu().counters.exceptions != 0;
                if (taken) CHECK(exc_code(m->cpu()) == 13);
                // Translated, not interpreted: only a taken trap calls the routine.
                const stats::RunRecord r = m->run_record(0);
                uint64_t calls = 0;
                for (const auto& [name, n] : r.engine().routine_calls()) calls += n;
                CHECK(calls == 0);
                CHECK(r.engine().slow_path_calls().size() == (taken ? 1u : 0u));
            }
    for (unsigned which : {8u, 9u, 10u, 11u, 12u, 14u})
        for (uint64_t a : values)
            for (int32_t imm : {0, 1, -1, -16, 0x7fff, -0x8000}) {
                Setup s;
                s.gpr = {a};
                INFO(std::hex << "regimm " << which << " a=" << a << " imm=" << imm);
                same_under_both({addiu(T2, 0, 1), trapi(T0, which, imm), addiu(T3, 0, 1), loop_forever(), nop()}, s, 50);
            }
}

TEST_CASE("rdhwr $29 reads UserLocal where HWREna allows it, and raises otherwise", "[jit]") {
    for (uint64_t hwrena : {0ull, 1ull << 29, ~0ull}) {
        for (bool user : {false, true}) {
            Setup s;
            s.hwrena = hwrena;
            s.userlocal = 0xfedcba9876543210ull;
            // User mode (KSU=2, no EXL/ERL) runs from useg: the code is mapped there by nothing, so the
            // kernel case is the one that runs; user mode is covered by the ISA suite (usermode.elf).
            if (user) continue;
            INFO("hwrena " << hwrena);
            auto m = same_under_both({rdhwr(T0, 29), rdhwr(0, 29), rdhwr(T1, 29), loop_forever(), nop()}, s, 10);
            CHECK(m->cpu().gpr[T0] == 0xfedcba9876543210ull);
            CHECK(routine_calls(*m, "rdhwr") == 0);  // (kernel mode without HWREna: the slow path's)
        }
    }
}

TEST_CASE("FPU moves, loads and stores, with the FPU usable or not, FR=1 or FR=0", "[jit]") {
    const std::vector<uint32_t> code = {
        dmtc1(T0, 2), mtc1(T1, 3), mov_d(4, 2), mov_s(5, 3), dmfc1(T2, 4), mfc1(T3, 5), mfc1(T4, 2),
        ldc1(6, 8, A0), lwc1(7, 20, A0), sdc1(6, 40, A0), swc1(7, 52, A0), swc1(2, 60, A0), sdc1(3, 64, A0),
        ldc1(8, 4, A0),  // misaligned: Address Error from the routine
        loop_forever(), nop()};
    std::vector<uint64_t> fpr(32);
    for (unsigned n = 0; n < 32; ++n) fpr[n] = 0x1111111111111111ull * n ^ 0xa5a5a5a5a5a5a5a5ull;
    for (uint64_t status : {uint64_t(cp0::status::CU1 | cp0::status::FR), uint64_t(cp0::status::CU1), uint64_t(cp0::status::FR), uint64_t(0)}) {
        Setup s;
        s.gpr = {0x8000000012345678ull, 0xcafef00d87654321ull};
        s.fpr = fpr;
        s.status_set = status;
        s.status_clear = (cp0::status::CU1 | cp0::status::FR) & ~status;
        INFO(std::hex << "status bits " << status);
        auto m = same_under_both(code, s, 40);
        if (status & cp0::status::CU1) CHECK(exc_code(m->cpu()) == 4);  // AdEL at the misaligned ldc1
        else CHECK(exc_code(m->cpu()) == 11);                            // CpU at the first one
        if (status == (cp0::status::CU1 | cp0::status::FR)) {
            for (const char* op : {"dmtc1", "mtc1", "mov.d", "mov.s", "dmfc1", "mfc1", "ldc1", "lwc1", "sdc1", "swc1"}) {
                INFO(op);
                CHECK(routine_calls(*m, op) == 0);
            }
            // The first access fills the software TLB; the misaligned one raises.
            CHECK(m->run_record(0).engine().slow_path_calls().at("ldc1") == 2);
        }
    }
}

TEST_CASE("routine_calls counts each execution that leaves translated code for a routine", "[jit]") {
    // dadd (a trapping add) has no native form: 37 runs, 37 calls; madd,
    // native, none. The interpreter's record has no such counts.
    constexpr unsigned kRuns = 37;
    const std::vector<uint32_t> code = {
        addiu(T0, 0, kRuns),     // 0
        dadd(T1, T1, T2),        // 1: the loop
        madd(T1, T2),            // 2
        addiu(T0, T0, -1),       // 3
        bne(T0, 0, -4),          // 4: back to 1
        nop(),                   // 5
        loop_forever(), nop(),   // 6, 7
    };
    Setup s;
    s.gpr = {0, 0, 3};
    auto m = same_under_both(code, s, 1000);
    CHECK(m->cpu().gpr[T1] == 3 * kRuns);
    CHECK(routine_calls(*m, "dadd") == kRuns);
    CHECK(routine_calls(*m, "madd") == 0);
    CHECK(routine_calls(*m, "addiu") == 0);
    auto interp = machine_with("interp", code, s);
    interp->run(1000);
    CHECK(interp->run_record(0).engine().routine_calls().empty());
}

namespace {
// An FP operand (as the bits of a double, or of a single in the low word):
// zeros, infinities, NaNs of both kinds, subnormals, values at the edges of
// fpu::ErrorTermRange, exact small integers and random values.
uint64_t fp_operand(std::mt19937_64& g, bool dbl) {
    const uint64_t d_edges[] = {0, 0x8000000000000000ull, 0x7ff0000000000000ull, 0x7ff8000000000000ull,
                                0x7ff4000000000000ull, 0x0000000000000001ull, 0x000fffffffffffffull,
                                0x0010000000000000ull, 0x06b0000000000000ull, 0x06afffffffffffffull,
                                0x7fb0000000000000ull, 0x7fb0000000000001ull, 0x7fefffffffffffffull,
                                0x3ff0000000000000ull, 0x4008000000000000ull, 0xc000000000000000ull};
    const uint32_t s_edges[] = {0, 0x80000000u, 0x7f800000u, 0x7fc00000u, 0x7fa00000u, 1, 0x007fffffu, 0x00800000u,
                                0x18800000u, 0x187fffffu, 0x7d800000u, 0x7d800001u, 0x7f7fffffu, 0x3f800000u,
                                0x40400000u, 0xc0000000u};
    switch (g() % 4) {
        case 0: return dbl ? d_edges[g() % std::size(d_edges)] : s_edges[g() % std::size(s_edges)];
        case 1: return dbl ? std::bit_cast<uint64_t>(double(int(g() % 200) - 100)) : std::bit_cast<uint32_t>(float(int(g() % 200) - 100));
        default: return dbl ? g() : uint32_t(g());
    }
}
}  // namespace

TEST_CASE("FPU add, sub, mul and div: native where exact, the routine otherwise", "[jit]") {
    // Each operation's FCSR (Cause and Flags) is read into a GPR after it.
    const std::vector<uint32_t> code = {
        fp_arith(17, 0, 10, 0, 2), cfc1(T0, 31), fp_arith(17, 1, 12, 2, 4), cfc1(T1, 31),
        fp_arith(17, 2, 14, 4, 6), cfc1(T2, 31), fp_arith(17, 3, 16, 6, 0), cfc1(T3, 31),
        fp_arith(16, 0, 18, 1, 3), cfc1(T4, 31), fp_arith(16, 1, 20, 3, 5), cfc1(T5, 31),
        fp_arith(16, 2, 22, 5, 7), cfc1(14, 31), fp_arith(16, 3, 24, 7, 1), cfc1(15, 31),
        loop_forever(), nop()};
    std::mt19937_64 g(7);
    for (int n = 0; n < 200; ++n) {
        Setup s;
        s.fpr.resize(8);
        for (unsigned r = 0; r < 8; ++r) s.fpr[r] = (r & 1) ? fp_operand(g, false) | (uint64_t(g()) << 32) : fp_operand(g, true);
        const bool fr = g() % 8 != 0;
        s.status_set = cp0::status::CU1 | (fr ? cp0::status::FR : 0);
        s.status_clear = fr ? 0 : cp0::status::FR;
        auto jit = machine_with("jit", code, s);
        auto interp = machine_with("interp", code, s);
        uint32_t fcsr = 0;
        if (g() % 4 == 0) fcsr |= uint32_t(g() % 4);                      // rounding mode
        if (g() % 6 == 0) fcsr |= uint32_t(g() % 32) << 7;                // enables
        if (g() % 6 == 0) fcsr |= 1u << 24;                               // FS
        fcsr |= uint32_t(g() % 32) << 2;                                  // sticky flags
        jit->cpu().fpu.fcsr = interp->cpu().fpu.fcsr = fcsr;
        jit->run(60);
        interp->run(60);
        INFO("case " << n << std::hex << " fcsr " << fcsr << " fr " << fr);
        for (unsigned r = 0; r < 32; ++r) {
            INFO("gpr " << r << " fpr " << r);
            CHECK(jit->cpu().gpr[r] == interp->cpu().gpr[r]);
            CHECK(jit->cpu().fpu.fpr[r] == interp->cpu().fpu.fpr[r]);
        }
        CHECK(jit->cpu().fpu.fcsr == interp->cpu().fpu.fcsr);
        CHECK(jit->cpu().pc == interp->cpu().pc);
        CHECK(jit->cpu().cp0.cause == interp->cpu().cp0.cause);
        CHECK(jit->cpu().instret == interp->cpu().instret);
    }
    // In range, round to nearest: all eight run natively, inexact or not.
    Setup s;
    s.fpr = {std::bit_cast<uint64_t>(1.0), std::bit_cast<uint32_t>(3.0f), std::bit_cast<uint64_t>(3.0),
             std::bit_cast<uint32_t>(0.1f), std::bit_cast<uint64_t>(0.1), std::bit_cast<uint32_t>(7.0f),
             std::bit_cast<uint64_t>(-2.5), std::bit_cast<uint32_t>(1e-3f)};
    s.status_set = cp0::status::CU1 | cp0::status::FR;
    auto m = same_under_both(code, s, 60);
    for (const char* op : {"add.d", "sub.d", "mul.d", "div.d", "add.s", "sub.s", "mul.s", "div.s"}) {
        INFO(op);
        CHECK(routine_calls(*m, op) == 0);
    }
    CHECK(m->cpu().fpu.fpr[16] == std::bit_cast<uint64_t>(-2.5 / 1.0));
    CHECK((m->cpu().gpr[T1] >> 12 & 0x3f) == 1);  // 3.0 - 0.1: Cause = Inexact
    CHECK((m->cpu().gpr[T0] >> 12 & 0x3f) == 0);  // 1.0 + 3.0: exact
}

// ---- Blocks that loop in place ------------------------------------------------
// A block whose branch goes back to its own start keeps the guest registers
// in host registers from one pass to the next (Translator::loop_in_place).
// Each pass must still account its instructions, stop where the budget
// says, see its own code change, raise exceptions exactly, and hand on
// 32-bit results whole.

TEST_CASE("a loop in place stops exactly where the budget ends", "[jit]") {
    // t2 += t1 (64-bit); t1 += t0 * 8 (32-bit, wrapping: the pass ends with
    // t1's upper half unextended, and the next begins by reading all of it);
    // t0 -= 1.
    const std::vector<uint32_t> code = {
        daddu(T2, T2, T1), sll(T3, T0, 3), addu(T1, T1, T3), addiu(T0, T0, -1), bne(T0, 0, -5), nop(),
        loop_forever(), nop()};
    Setup s;
    s.gpr = {1000, 0x7ffffff0, 0x123456789ull};
    for (uint64_t budget : {1ull, 5ull, 6ull, 7ull, 13ull, 61ull, 600ull, 5999ull, 6000ull, 7000ull}) {
        INFO("budget " << budget);
        auto m = same_under_both(code, s, budget);
        // (A stop never falls between a branch and its delay slot.)
        CHECK(m->cpu().instret - budget <= (budget % 6 == 5 ? 1u : 0u));
    }
    auto m = same_under_both(code, s, 7000);
    CHECK(m->cpu().gpr[T0] == 0);
}

TEST_CASE("a loop in place sees a store to its own code on the next pass", "[jit]") {
    // Pass 1 rewrites the word at 1 (addiu t1, t1, 1) into addiu t1, t1, 100.
    const uint32_t replacement = addiu(T1, T1, 100);
    const std::vector<uint32_t> code = {
        addiu(T0, T0, -1), addiu(T1, T1, 1), sw(T2, 4, T3), bne(T0, 0, -4), nop(), loop_forever(), nop()};
    Setup s;
    s.gpr = {10, 0, replacement, kCodeVa};
    auto m = same_under_both(code, s, 200);
    CHECK(m->cpu().gpr[T1] == 1 + 9 * 100);
}

TEST_CASE("a loop in place raises an exception on the pass that faults", "[jit]") {
    // teq traps on the sixth pass, when t0 has come down to t5; the
    // registers the earlier passes changed must be in the Cpu by then.
    const std::vector<uint32_t> code = {
        trap(T0, T5, 0x34), daddu(T2, T2, T0), daddiu(T4, T4, 2), addiu(T0, T0, -1), bne(T0, 0, -5), nop(),
        loop_forever(), nop()};
    Setup s;
    s.gpr = {100, 0, 0, 0, 0, 95};
    auto m = same_under_both(code, s, 500);
    CHECK(exc_code(m->cpu()) == 13);
    CHECK(m->cpu().cp0.epc == kCodeVa);
    CHECK(m->cpu().gpr[T0] == 95);
    CHECK(m->cpu().gpr[T2] == 100 + 99 + 98 + 97 + 96);
}

TEST_CASE("a loop in place with more guest registers than host ones", "[jit]") {
    // Sixteen guest registers for ten host ones: the pass ends holding
    // others than it began with; teq traps when t0 reaches s7.
    constexpr unsigned S0 = 16, S7 = 23;
    std::vector<uint32_t> code;
    for (unsigned k = 0; k < 7; ++k) code.push_back(daddu(S0 + k, S0 + k, T1 + k));
    code.push_back(addu(T1, T1, T2));  // 32-bit, wrapping
    code.push_back(trap(T0, S7, 0x34));
    code.push_back(addiu(T0, T0, -1));
    code.push_back(bne(T0, 0, -11));
    code.push_back(nop());
    code.push_back(loop_forever());
    code.push_back(nop());
    Setup s;
    for (unsigned r = T0; r <= S7; ++r) s.gpr.push_back(0x0123456789abcdefull * (r + 3) ^ (uint64_t(r) << 60));
    s.gpr[0] = 50;
    s.gpr[S7 - T0] = 3;
    s.gpr[T2 - T0] = 0x7ffffff0;
    for (uint64_t budget : {7ull, 12ull, 25ull, 300ull, 1000ull}) {
        INFO("budget " << budget);
        same_under_both(code, s, budget);
    }
    auto m = same_under_both(code, s, 1000);
    CHECK(exc_code(m->cpu()) == 13);
    CHECK(m->cpu().gpr[T0] == 3);
}

TEST_CASE("lwl, lwr, ldl and ldr: every byte offset, and a fault at an unaligned address", "[jit]") {
    constexpr unsigned kLwl = 0x22, kLwr = 0x26, kLdl = 0x1a, kLdr = 0x1b;
    for (int off = 0; off < 8; ++off) {
        // Each form twice: the first access fills the software TLB (the
        // routine), the second hits it (the native merge).
        std::vector<uint32_t> code;
        for (int pass = 0; pass < 2; ++pass)
            for (unsigned op : {kLdl, kLdr, kLwl, kLwr})
                code.push_back(i_type(op, A0, op == kLdl ? T0 : op == kLdr ? T1 : op == kLwl ? T2 : T3, 16 + off));
        code.push_back(loop_forever());
        code.push_back(nop());
        Setup s;
        s.gpr = {0x1122334455667788ull, 0x99aabbccddeeff00ull, 0xfedcba9876543210ull, 0x0f1e2d3c4b5a6978ull};
        INFO("offset " << off);
        auto m = same_under_both(code, s, 40);
        CHECK(routine_calls(*m, "ldl") == 0);
        CHECK(routine_calls(*m, "ldr") == 0);  // (the page's entry is there by then)
        CHECK(m->run_record(0).engine().slow_path_calls().at("ldl") == 1);
    }
    // An unmapped user address: TLB refill, BadVAddr the unaligned address.
    const std::vector<uint32_t> fault = {i_type(kLdr, T4, T0, 3), loop_forever(), nop()};
    Setup s;
    s.gpr = {0, 0, 0, 0, 0x0000000000402000ull};
    s.status_clear = cp0::status::ERL;  // (with ERL, useg is unmapped)
    auto jit = machine_with("jit", fault, s);
    auto interp = machine_with("interp", fault, s);
    jit->run(10);
    interp->run(10);
    CHECK(jit->cpu().cp0.badvaddr == 0x402003);
    CHECK(jit->cpu().cp0.badvaddr == interp->cpu().cp0.badvaddr);
    CHECK(jit->cpu().cp0.cause == interp->cpu().cp0.cause);
    CHECK(jit->cpu().pc == interp->cpu().pc);
}

TEST_CASE("swl, swr, sdl and sdr: every byte offset, a read-only page", "[jit]") {
    constexpr unsigned kSwl = 0x2a, kSwr = 0x2e, kSdl = 0x2c, kSdr = 0x2d;
    for (int off = 0; off < 8; ++off) {
        // Each form twice, on words of their own: the first store fills the
        // software TLB (its slow path), the second merges natively.
        std::vector<uint32_t> code;
        for (int pass = 0; pass < 2; ++pass) {
            int word = 0;
            for (unsigned op : {kSdl, kSdr, kSwl, kSwr})
                code.push_back(i_type(op, A0, op == kSdl ? T0 : op == kSdr ? T1 : op == kSwl ? T2 : T3,
                                      32 * pass + 8 * word++ + off));
        }
        code.push_back(loop_forever());
        code.push_back(nop());
        Setup s;
        s.gpr = {0x1122334455667788ull, 0x99aabbccddeeff00ull, 0xfedcba9876543210ull, 0x0f1e2d3c4b5a6978ull};
        INFO("offset " << off);
        auto m = same_under_both(code, s, 40);  // (it compares the data words)
        for (const char* op : {"sdl", "sdr", "swl", "swr"}) CHECK(routine_calls(*m, op) == 0);
        CHECK(m->run_record(0).engine().slow_path_calls().at("sdl") == 1);
    }
    // A page that is readable, not dirty: TLB Modified, as the routine says.
    Setup s;
    s.gpr = {0x1122334455667788ull, 0, 0, 0x400000};
    s.status_clear = cp0::status::ERL | cp0::status::EXL;
    s.prepare = [](Cpu& c) {
        c.tlb.write(0, 0x400000, 0, (0x20ull << cp0::entrylo::PFN_SHIFT) | cp0::entrylo::V | cp0::entrylo::G,
                    cp0::entrylo::G);
    };
    auto m = same_under_both({lw(T1, 0, T3), i_type(kSdr, T3, T0, 3), loop_forever(), nop()}, s);
    CHECK(exc_code(m->cpu()) == 1);
    CHECK(m->cpu().cp0.badvaddr == 0x400003);
}

TEST_CASE("ll, lld, sc and scd: LLAddr, the LL bit, a store only on success", "[jit]") {
    constexpr unsigned kLl = 0x30, kLld = 0x34, kSc = 0x38, kScd = 0x3c, T6 = 14, T7 = 15;
    auto op = [](unsigned major, unsigned rt, int32_t off) { return i_type(major, A0, rt, off); };
    // A load and a store first, so that the page's entries are there and the
    // rest hit the software TLB (native); the physical line is pa >> 4, so
    // 48 is another line than 8 and 16, and 24 the same as 16.
    const std::vector<uint32_t> code = {
        lw(T7, 0, A0), sw(T7, 0, A0),
        op(kLl, T0, 8), addiu(T0, T0, 1), op(kSc, T0, 8),     // succeeds: t0 = 1, the word incremented
        op(kSc, T1, 8),                                       // the bit went with the last SC: fails
        op(kLld, T2, 16), op(kScd, T3, 48),                   // another line: fails, nothing stored
        op(kLld, T4, 16), daddiu(T4, T4, 5), op(kScd, T4, 24),  // the same line: succeeds
        op(kLl, T5, 40), mfc0(T6, 17, 0),                     // LLAddr as the guest reads it
        op(kSc, 0, 40),                                       // to $0: stores, writes nothing
        loop_forever(), nop()};
    Setup s;
    s.gpr = {0, 0x1111, 0, 0x2222};
    auto m = same_under_both(code, s, 40);
    const Cpu& c = m->cpu();
    CHECK(c.gpr[T0] == 1);
    CHECK(c.gpr[T1] == 0);
    CHECK(c.gpr[T3] == 0);
    CHECK(c.gpr[T4] == 1);
    CHECK(c.gpr[T6] == (0x20000 + 40) >> 4);
    CHECK(!c.llbit);
    uint64_t word8 = 0, word24 = 0, word48 = 0;
    std::memcpy(&word8, m->bus().ram_ptr(0x20000 + 8, 8), 8);
    std::memcpy(&word24, m->bus().ram_ptr(0x20000 + 24, 8), 8);
    std::memcpy(&word48, m->bus().ram_ptr(0x20000 + 48, 8), 8);
    CHECK(uint32_t(word8) == uint32_t(0x0123456789abcdefull * 2 + 1));
    CHECK(word24 == 0x0123456789abcdefull * 3 + 5);
    CHECK(word48 == 0x0123456789abcdefull * 7);
    for (const char* name : {"ll", "lld", "sc", "scd"}) {
        INFO(name);
        CHECK(routine_calls(*m, name) == 0);
    }
    // A misaligned SC raises AdES through the routine, BadVAddr the address.
    const std::vector<uint32_t> misaligned = {lw(T7, 0, A0), sw(T7, 0, A0), op(kLl, T0, 8), op(kSc, T0, 10),
                                              loop_forever(), nop()};
    auto f = same_under_both(misaligned, s, 20);
    CHECK(exc_code(f->cpu()) == 5);
    CHECK(f->cpu().cp0.badvaddr == kDataVa + 10);
}

TEST_CASE("di, ei, mfc0, dmfc0 and plain mtc0 in kernel mode: Status, a pending interrupt, the fields", "[jit]") {
    constexpr unsigned T6 = 14, T7 = 15, S0 = 16, S1 = 17;
    constexpr uint32_t kDi = 0x41606000, kEi = 0x41606020;  // (rt 0)
    auto with_rt = [](uint32_t w, unsigned rt) { return w | (rt << 16); };
    const uint32_t dmfc0_epc = mfc0(T3, 14, 0) | (1u << 21);     // dmfc0 t3, EPC
    const uint32_t dmfc0_status = mfc0(T4, 12, 0) | (1u << 21);  // a 32-bit register: sign-extended
    Setup s;
    s.gpr = {0, 0, 0, 0, 0, 0, 0x100, 0};       // t6: Cause's software interrupt 0; t7 below
    s.status_set = (1u << 8) | (1u << 31);      // IM0 unmasked; bit 31 set (CU3: sign of the word)
    s.status_clear = cp0::status::ERL | cp0::status::EXL | cp0::status::IE;
    SECTION("no interrupt pending: the values read and written") {
        const std::vector<uint32_t> code = {
            with_rt(kEi, T0), with_rt(kDi, T1), mfc0(T2, 12, 0), dmfc0_epc, dmfc0_status, mfc0(T5, 21, 0),
            mfc0(T7, 13, 0), mtc0(T2, 14, 0), dmfc0_epc, kEi, kDi, loop_forever(), nop()};
        auto m = same_under_both(code, s, 30);
        const Cpu& c = m->cpu();
        CHECK((c.gpr[T0] & cp0::status::IE) == 0);
        CHECK((c.gpr[T1] & cp0::status::IE) != 0);
        CHECK((c.gpr[T2] & cp0::status::IE) == 0);
        CHECK(c.gpr[T3] == c.gpr[T2]);
        CHECK(c.gpr[T4] >> 32 == 0xffffffffu);
        CHECK(c.gpr[T5] == 0);
        CHECK((c.cp0.status & cp0::status::IE) == 0);
        for (const char* name : {"di", "ei", "mfc0", "dmfc0"}) {
            INFO(name);
            CHECK(routine_calls(*m, name) == 0);
        }
    }
    SECTION("plain CP0 writes (masked, merged, sign-extended) read back as the routine leaves them") {
        const uint32_t dm = 1u << 21;  // dmfc0 / dmtc0
        std::vector<uint32_t> code;
        for (unsigned reg : {2u, 3u, 4u, 5u, 14u, 20u, 30u}) {  // EntryLo0/1, Context, PageMask, EPC, XContext, ErrorEPC
            code.push_back(mtc0(T0, reg, 0) | dm);
            code.push_back(mfc0(T1, reg, 0) | dm);
            code.push_back(daddu(S0, S0, T1));  // (each read lands in the sum: a wrong one shows)
            code.push_back(mtc0(T2, reg, 0));   // mtc0: the low word sign-extended
            code.push_back(mfc0(T3, reg, 0) | dm);
            code.push_back(daddu(S1, S1, T3));
        }
        code.push_back(mtc0(T0, 31, 2) | dm);  // KScratch1
        code.push_back(mfc0(T4, 31, 2) | dm);
        code.push_back(loop_forever());
        code.push_back(nop());
        Setup w = s;
        w.gpr = {0xfedcba9876543210ull, 0, 0x0000000087654321ull};
        auto m = same_under_both(code, w, 60);
        CHECK(m->cpu().gpr[T4] == 0xfedcba9876543210ull);
        CHECK(m->cpu().cp0.epc == 0xffffffff87654321ull);
        for (const char* name : {"mtc0", "dmtc0"}) {
            INFO(name);
            CHECK(routine_calls(*m, name) == 0);
        }
    }
    SECTION("EI with an interrupt pending: taken right after it (EI ends its block)") {
        // Twice round with nothing pending (the blocks chain to each other),
        // then Cause's software interrupt raised: the third EI lets it in
        // while its block is chained straight to the next one.
        s.gpr[T7 - T0] = 2;
        const std::vector<uint32_t> code = {
            addiu(S1, S1, 1), kEi, addiu(S0, S0, 1), kDi, bne(S1, T7, -5), nop(),
            mtc0(T6, 13, 0), beq(0, 0, -8), nop(), loop_forever(), nop()};
        for (uint64_t budget : {3ull, 9ull, 15ull, 18ull, 40ull}) {
            INFO("budget " << budget);
            auto m = same_under_both(code, s, budget);
            if (budget >= 18) {
                CHECK(exc_code(m->cpu()) == 0);  // Int
                CHECK(m->cpu().cp0.epc == kCodeVa + 8);
                CHECK(m->cpu().gpr[S0] == 2);
                CHECK(m->cpu().gpr[S1] == 3);
            }
        }
    }
}

TEST_CASE("a loop in place hands on 64-bit values its pass reads only the low word of, or writes first", "[jit]") {
    // t2 and t3 enter the loop with 64-bit values that are no 32-bit ones.
    // A pass writes t2 before reading it, and t3 after reading its low word
    // only; the second loop reads t2 whole first; in the third, an exit
    // (teq, taken on the first pass) comes before the write and stores
    // every register. A translator that held such a register at the head
    // as a 32-bit value, without proof that nothing sees the old one, would
    // lose its upper half.
    const uint32_t loop_tail[] = {addiu(T0, T0, -1), bne(T0, 0, 0), nop(), loop_forever(), nop()};
    auto with_tail = [&](std::vector<uint32_t> body) {
        for (uint32_t w : loop_tail) body.push_back(w);
        body[body.size() - 4] = bne(T0, 0, -int32_t(body.size() - 3));
        return body;
    };
    const std::vector<std::vector<uint32_t>> loops = {
        with_tail({sll(T2, T0, 3), addu(T3, T3, T2), daddu(T4, T4, T2)}),
        with_tail({daddu(T4, T4, T2), sll(T2, T0, 3), addu(T3, T3, T2)}),
        with_tail({trap(T0, T5, 0x34), sll(T2, T0, 3), addu(T3, T3, T2), daddu(T4, T4, T3)}),
    };
    Setup s;
    s.gpr = {40, 0, 0x123456789abcdef0ull, 0xfedcba9876543210ull, 7, 40};
    for (size_t l = 0; l < loops.size(); ++l)
        for (uint64_t budget : {1ull, 4ull, 9ull, 30ull, 400ull}) {
            INFO("loop " << l << ", budget " << budget);
            auto m = same_under_both(loops[l], s, budget);
            if (l == 2) CHECK(m->cpu().gpr[T2] == 0x123456789abcdef0ull);  // (the trap, before any write)
        }
}

TEST_CASE("a loop in place whose values change host registers from pass to pass", "[jit]") {
    // A round of SHA-256 as Debian's busybox compiles it (fifteen guest
    // registers for ten host ones, a chain of register copies, 32-bit sums,
    // two loads): the pass ends with guest registers in other host
    // registers than the head holds them in, some with only their low word
    // right, which the back edge moves (and sign-extends) into place.
    constexpr unsigned A3 = 7, A4 = 8, S4 = 20;
    std::vector<uint32_t> code = {
        0x01206025, 0x00c05025, 0x00604825, 0x00a03025, 0x03c01825,  // move t0,a5; a6,a2; a5,v1; a2,a1; v1,s8
        0x02e02825,                                                  // move a1,s7
        0x0023b2c2, 0x00231182, 0x00561026, 0x0023b642, 0x00561026, 0x0003b027, 0x0069b824, 0x02ccb024,
        0x02d7b026, 0x00561021, 0x8d160000, 0x00cab824, 0x00561021, 0x8cf60004, 0x64e70008, 0x00561021,
        0x00551021, 0x0025b082, 0x0025ab42, 0x02b6a826, 0x0025b582, 0x02b6b026, 0x00caa826, 0x02a5a824,
        0x02b7a826, 0x02d5a821, 0x0053f021, 0x0053b021, 0x0055b821, 0x65080004, 0x00551021, 0x01409825};
    code.push_back(bne(S4, A3, -int32_t(code.size()) - 1));
    code.push_back(0x0100a825);  // move s5,t0 (the delay slot)
    code.push_back(loop_forever());
    code.push_back(nop());
    Setup s;
    for (unsigned r = 1; r < 32; ++r) s.any_gpr.push_back({r, 0x0123456789abcdefull * (r + 5) ^ (uint64_t(r) << 59)});
    s.any_gpr.push_back({A4, kDataVa});
    s.any_gpr.push_back({A3, kDataVa + 0x100});
    s.any_gpr.push_back({S4, kDataVa + 0x100 + 8 * 24});  // 24 rounds
    for (uint64_t budget : {17ull, 60ull, 200ull, 2000ull}) {
        INFO("budget " << budget);
        same_under_both(code, s, budget);
    }
}

// ---- Accesses off one base register (the memo, emit_mem.cpp) -----------------
// A later load or store off the same unchanged base register takes its host
// address from an earlier one's when the page is the same: it must still
// fault, miss and see stores to code exactly where the interpreter does.

TEST_CASE("accesses off one base register: the next page, a misaligned one, a stepping pointer", "[jit]") {
    Setup s;
    s.gpr = {0, 0, 0, kDataVa + 0xff8};
    // ld at 0x...0ff8, then 8 and 0x10 further (the next page) and back.
    auto m = same_under_both({ld(T0, 0, T3), ld(T1, 8, T3), sd(T0, 16, T3), ld(T2, 16, T3), lw(T4, 4, T3), loop_forever(), nop()}, s);
    CHECK(m->cpu().gpr[T2] == m->cpu().gpr[T0]);
    // A misaligned one after an aligned one: the address error all the same.
    m = same_under_both({ld(T0, 0, T3), lw(T1, 2, T3), loop_forever(), nop()}, s);
    CHECK(exc_code(m->cpu()) == 4);
    CHECK(m->cpu().cp0.badvaddr == kDataVa + 0xffa);
    // A pointer that steps across a page boundary in a loop in place.
    s.gpr = {12, 0, 0, kDataVa + 0xfe0};
    m = same_under_both({lw(T1, 0, T3), lw(T2, 4, T3), daddiu(T3, T3, 8), addu(T4, T4, T1), sw(T4, -4, T3),
                         addiu(T0, T0, -1), bne(T0, 0, -7), nop(), loop_forever(), nop()}, s, 400);
    CHECK(m->cpu().gpr[T3] == kDataVa + 0xfe0 + 12 * 8);
}

TEST_CASE("a store off a base register a load used still needs write permission", "[jit]") {
    // useg 0x400000 maps physical 0x20000 readable, not dirty: the load
    // reads, the store off the same base takes TLB Modified.
    Setup s;
    s.gpr = {0, 0, 0, 0x400000};
    s.status_clear = cp0::status::ERL | cp0::status::EXL;  // (kuseg through the TLB)
    s.prepare = [](Cpu& c) {
        c.tlb.write(0, 0x400000, 0, (0x20ull << cp0::entrylo::PFN_SHIFT) | cp0::entrylo::V | cp0::entrylo::G,
                    cp0::entrylo::G);
    };
    auto m = same_under_both({lw(T0, 0, T3), lw(T1, 8, T3), sw(T1, 4, T3), loop_forever(), nop()}, s);
    CHECK(exc_code(m->cpu()) == 1);
    CHECK(m->cpu().cp0.badvaddr == 0x400004);
    CHECK(m->cpu().gpr[T1] != 0);
}

TEST_CASE("a load whose memo a later store uses: a page readable only so far, then writable", "[jit]") {
    // useg 0x400000 maps physical 0x20000 valid and dirty. The first load
    // fills the software TLB for reading only; the loop's load then finds no
    // write entry (its probe asks for one, for the store after it), and the
    // store fills one; from the second pass on, the store goes through the
    // load's memo. Both engines must count the same misses and leave the
    // same words.
    Setup s;
    s.gpr = {5, 0, 0, 0x400000};
    s.status_clear = cp0::status::ERL | cp0::status::EXL;  // (kuseg through the TLB)
    s.prepare = [](Cpu& c) {
        const uint64_t lo = (0x20ull << cp0::entrylo::PFN_SHIFT) | cp0::entrylo::V | cp0::entrylo::D | cp0::entrylo::G;
        c.tlb.write(0, 0x400000, 0, lo, cp0::entrylo::G);
    };
    const std::vector<uint32_t> code = {
        ld(T2, 16, T3),                                                   // 0: read fill
        lw(T1, 8, T3), addiu(T1, T1, 3), sw(T1, 8, T3), sd(T1, 24, T3),  // 1..4: read, change, write back
        addiu(T0, T0, -1), bne(T0, 0, -6), nop(), loop_forever(), nop()};
    for (uint64_t budget : {2ull, 4ull, 5ull, 9ull, 40ull}) {
        INFO("budget " << budget);
        same_under_both(code, s, budget);
    }
    auto m = same_under_both(code, s, 40);
    uint32_t w;
    std::memcpy(&w, m->bus().ram_ptr(0x20008, 4), 4);
    CHECK(w == uint32_t(0x0123456789abcdefull * 2) + 15);
    CHECK(m->cpu().counters.soft_tlb_misses == 2);  // the read fill, then the first store's
}

TEST_CASE("an access off the base register after a slow path probes again", "[jit]") {
    // Pages 0x20000, 0x420000 and 0x820000 share a software-TLB set (two
    // ways): the second and third push the first out, so its neighbour at
    // 8(a0) misses again, in the interpreter as in translated code.
    static_assert(kSoftTlbSize * 4096 == 0x400000);
    Setup s;
    s.gpr = {0, 0, 0, 0, kDataVa + 0x400000, kDataVa + 0x800000};
    auto m = same_under_both({ld(T0, 0, A0), ld(T1, 0, T4), ld(T2, 0, T5), ld(T3, 8, A0), loop_forever(), nop()}, s);
    CHECK(m->cpu().counters.soft_tlb_misses == 4);
    // Two stores to code off one base: the first (to a word not yet
    // translated) goes through the slow path, so the second, over the
    // block's own first word, must too and drop the block: the next pass
    // runs the new word.
    const uint32_t replacement = addiu(T1, T1, 100);
    s.gpr = {2, 0, replacement, kCodeVa};
    m = same_under_both({addiu(T1, T1, 1), sw(T2, 40, T3), sw(T2, 0, T3), addiu(T0, T0, -1), bne(T0, 0, -5), nop(),
                         nop(), nop(), nop(), nop(), addiu(T1, T1, 1), loop_forever(), nop()}, s);
    CHECK(m->cpu().gpr[T1] == 201);
}

TEST_CASE("a page-clearing loop off one stepping base register, across two pages mapped apart", "[jit]") {
    // Eight stores a pass off t3, four of them after t3 steps by 64 (the
    // shape of the kernel's clear_page). The third pass starts 32 bytes
    // before useg's page boundary, and the page after it maps to physical
    // memory below the first's: its stores must land there, each probe
    // counted as the interpreter counts it.
    Setup s;
    s.gpr = {4, 0x5a5a5a5a5a5a5a5aull, 0, 0x400fa0 - 64};
    s.status_clear = cp0::status::ERL | cp0::status::EXL;  // (kuseg through the TLB)
    s.prepare = [](Cpu& c) {
        const uint64_t flags = cp0::entrylo::D | cp0::entrylo::V | cp0::entrylo::G;
        c.tlb.write(0, 0x400000, 0, (0x21ull << cp0::entrylo::PFN_SHIFT) | flags,
                    (0x20ull << cp0::entrylo::PFN_SHIFT) | flags);
    };
    auto m = same_under_both({sd(T1, 0, T3), sd(T1, 8, T3), sd(T1, 16, T3), sd(T1, 24, T3), daddiu(T3, T3, 64),
                              sd(T1, -32, T3), sd(T1, -24, T3), sd(T1, -16, T3), addiu(T0, T0, -1), bne(T0, 0, -10),
                              sd(T1, -8, T3), loop_forever(), nop()},
                             s, 200);
    CHECK(m->cpu().gpr[T0] == 0);
    for (uint64_t pa = 0x21f60; pa < 0x22000; pa += 8) {
        uint64_t v;
        std::memcpy(&v, m->bus().ram_ptr(pa, 8), 8);
        INFO("pa " << std::hex << pa);
        CHECK(v == 0x5a5a5a5a5a5a5a5aull);
    }
    for (uint64_t pa = 0x20000; pa < 0x20060; pa += 8) {
        uint64_t v;
        std::memcpy(&v, m->bus().ram_ptr(pa, 8), 8);
        INFO("pa " << std::hex << pa);
        CHECK(v == 0x5a5a5a5a5a5a5a5aull);
    }
    uint64_t after;
    std::memcpy(&after, m->bus().ram_ptr(0x20060, 8), 8);
    CHECK(after == 0x0123456789abcdefull * 13);  // (untouched: the fill's 13th doubleword)
}

TEST_CASE("a copying loop keeps a memo for its source and one for its destination", "[jit]") {
    // Four doublewords a pass from t3 (kseg0's view of the data) to t4
    // (useg, whose two pages map to physical memory far apart), both
    // pointers stepping by 32; the fourth pass's stores cross into the
    // second page. Loads and stores alternate between the two bases.
    Setup s;
    s.gpr = {5, 0, 0, kDataVa, 0x400fa0 - 64};
    s.status_clear = cp0::status::ERL | cp0::status::EXL;  // (kuseg through the TLB; kseg0 unmapped)
    s.prepare = [](Cpu& c) {
        const uint64_t flags = cp0::entrylo::D | cp0::entrylo::V | cp0::entrylo::G;
        c.tlb.write(0, 0x400000, 0, (0x30ull << cp0::entrylo::PFN_SHIFT) | flags,
                    (0x40ull << cp0::entrylo::PFN_SHIFT) | flags);
    };
    auto m = same_under_both({ld(T1, 0, T3), sd(T1, 0, T4), ld(T2, 8, T3), sd(T2, 8, T4), daddiu(T3, T3, 32),
                              ld(T1, -16, T3), sd(T1, 16, T4), ld(T2, -8, T3), daddiu(T4, T4, 32), addiu(T0, T0, -1),
                              bne(T0, 0, -11), sd(T2, -8, T4), loop_forever(), nop()},
                             s, 300);
    REQUIRE(m->cpu().gpr[T0] == 0);
    // The source's first 20 doublewords, at 0x400f60 on: 0x30f60 to the
    // first page's end, then 0x40000 on.
    for (unsigned n = 0; n < 20; ++n) {
        const uint64_t va = 0x400f60 + 8 * n;
        const uint64_t pa = (va < 0x401000 ? 0x30000 : 0x40000) + (va & 0xfff);
        uint64_t v;
        std::memcpy(&v, m->bus().ram_ptr(pa, 8), 8);
        INFO("doubleword " << n);
        CHECK(v == 0x0123456789abcdefull * (n + 1));
    }
}

TEST_CASE("an access off a memo's base beyond its checked range checks its own page", "[jit]") {
    // ld 0(t3) makes the memo; 16(t3) is in its checked range, 0x7f0(t3)
    // beyond it (Translator::plan_memo). t3 sits 0x800 before the end of a
    // useg page whose neighbour maps to physical memory far below: the
    // far load crosses into it, and must read it there.
    Setup s;
    s.gpr = {0, 0, 0, 0x400800};
    s.status_clear = cp0::status::ERL | cp0::status::EXL;  // (kuseg through the TLB)
    s.prepare = [](Cpu& c) {
        const uint64_t flags = cp0::entrylo::D | cp0::entrylo::V | cp0::entrylo::G;
        c.tlb.write(0, 0x400000, 0, (0x30ull << cp0::entrylo::PFN_SHIFT) | flags,
                    (0x20ull << cp0::entrylo::PFN_SHIFT) | flags);
    };
    for (const int32_t far : {0x7f0, 0x7f8, 0x800, 0x808}) {
        INFO("far " << far);
        auto m = same_under_both({ld(T0, 0, T3), ld(T1, far, T3), ld(T2, 16, T3), loop_forever(), nop()}, s);
        const uint64_t pa = 0x400800 + far < 0x401000 ? 0x30800 + far : 0x20000 + (far - 0x800);
        uint64_t v;
        std::memcpy(&v, m->bus().ram_ptr(pa, 8), 8);
        CHECK(m->cpu().gpr[T1] == v);
    }
}

TEST_CASE("the engine record says why translated code returned to the run loop", "[jit]") {
    // jr to a target the indirect table does not know yet, then syscall:
    // its exception stops the block; the handler (b .) runs until the
    // budget's entry check.
    const std::vector<uint32_t> code = {jr(T0), nop(), nop(), nop(), syscall(), nop()};
    Setup s;
    s.gpr = {kCodeVa + 16};
    auto m = machine_with("jit", code, s);
    m->run(1000);
    REQUIRE(exc_code(m->cpu()) == 8);
    const stats::EngineRecord r = m->run_record(0).engine();
    const auto& exits = r.translated_code_exits();
    CHECK(exits.at("indirect miss") == 1);
    CHECK(exits.at("stopped") == 1);
    CHECK(exits.at("entry check") >= 1);
    uint64_t total = 0;
    for (const auto& [reason, count] : exits) total += count;
    CHECK(total <= r.dispatcher_entries());
    // The interpreter leaves it empty.
    auto i = machine_with("interp", code, s);
    i->run(1000);
    CHECK(i->run_record(0).engine().translated_code_exits().empty());
}

TEST_CASE("retired guest instructions by cost class: whole passes, a budget inside one, a faulting load", "[jit]") {
    // Twenty passes of a 12-instruction loop: 2 loads (ld, lwc1), 2 stores
    // (sd, sdc1), 2 multiplies (dmult, madd), 1 divide (ddiv), 2 FPU
    // instructions (add.d, mov.d) and 3 others (daddiu, bne, its slot).
    // Then a misaligned lw faults: it retires nothing, so no class counts it.
    const std::vector<uint32_t> code = {
        ld(T1, 0, A0), lwc1(2, 8, A0), sd(T1, 16, A0), div_(T0, T1, 0x1c), madd(T0, T1), div_(T1, T2, 0x1e),
        fp_arith(17, 0, 4, 2, 2), mov_d(6, 4), sdc1(6, 24, A0), daddiu(T0, T0, -1), bne(T0, 0, -11), nop(),
        lw(T4, 0, T3), loop_forever(), nop()};
    enum { L, S, M, D, F, O };
    const int kind[12] = {L, L, S, M, M, D, F, F, S, O, O, O};
    Setup s;
    s.gpr = {20, 0, 7, kDataVa + 1};
    s.status_set = cp0::status::CU1 | cp0::status::FR;
    for (uint64_t budget : {5ull, 12ull, 30ull, 41ull, 239ull, 240ull, 400ull}) {
        INFO("budget " << budget);
        auto m = same_under_both(code, s, budget);
        const Cpu& c = m->cpu();
        uint64_t want[6] = {};
        for (uint64_t n = 0; n < std::min<uint64_t>(c.instret, 240); ++n) ++want[kind[n % 12]];
        CHECK(c.counters.loads == want[L]);
        CHECK(c.counters.stores == want[S]);
        CHECK(c.counters.multiplies == want[M]);
        CHECK(c.counters.divides == want[D]);
        CHECK(c.counters.fpu_instructions == want[F]);
        if (budget > 240) CHECK(exc_code(c) == 4);  // AdEL: the lw ran and faulted
    }
}

TEST_CASE("retired guest instructions by cost class: a loop in place left by a fault on a later pass", "[jit]") {
    // The jit counts a loop's passes by class when the loop is left
    // (Translator::account_passes); here a load faults on the seventh pass,
    // through the slow path, so the six whole passes before it must count.
    // t0 counts down from 20; while t0 >= t2 (14) the ld's address is
    // aligned, then 4 bytes off: AdEL.
    const std::vector<uint32_t> code = {daddiu(T0, T0, -1), sltu(T3, T0, T2), dsll(T3, T3, 2), daddu(T4, A0, T3),
                                        ld(T1, 0, T4),       sd(T1, 16, A0),    bne(T0, 0, -7),   nop(),
                                        loop_forever(),      nop()};
    Setup s;
    s.gpr = {20, 0, 14};
    auto m = same_under_both(code, s, 400);
    const Cpu& c = m->cpu();
    REQUIRE(exc_code(c) == 4);
    CHECK(c.counters.loads == 6);
    CHECK(c.counters.stores == 6);
}
