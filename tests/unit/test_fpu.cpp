// The FPU (CP1, COP1X) driven instruction by instruction on a bare Cpu:
// register models, rounding, IEEE flags and traps, legacy NaNs, conversions,
// compares and branches, loads and stores. Expected values follow the MIPS64
// R2 manuals and QEMU's MIPS64R2-generic (the differential reference).
#include <catch2/catch.hpp>

#include <algorithm>
#include <bit>
#include <cfenv>
#include <cmath>
#include <cstring>
#include <random>
#include <type_traits>

#include "hv/board/bus.h"
#include "hv/cpu/cp0.h"
#include "hv/cpu/exception.h"
#include "hv/cpu/fpu.h"
#include "hv/isa/decoder.h"

using namespace mipshv;
using namespace mipshv::cp0;

namespace {

// ---- Encoders ----------------------------------------------------------------
constexpr unsigned S = 16, D = 17, W = 20, L = 21;
constexpr uint32_t fop(unsigned fmt, unsigned ft, unsigned fs, unsigned fd, unsigned funct) {
    return (0x11u << 26) | (fmt << 21) | (ft << 16) | (fs << 11) | (fd << 6) | funct;
}
constexpr uint32_t unary(unsigned fmt, unsigned funct, unsigned fd, unsigned fs) { return fop(fmt, 0, fs, fd, funct); }
constexpr uint32_t binary(unsigned fmt, unsigned funct, unsigned fd, unsigned fs, unsigned ft) {
    return fop(fmt, ft, fs, fd, funct);
}
constexpr uint32_t c_cond(unsigned fmt, unsigned cond, unsigned cc, unsigned fs, unsigned ft) {
    return fop(fmt, ft, fs, cc << 2, 0x30 | cond);
}
constexpr uint32_t cop1_move(unsigned sub, unsigned rt, unsigned fs) {
    return (0x11u << 26) | (sub << 21) | (rt << 16) | (fs << 11);
}
constexpr uint32_t mfc1(unsigned rt, unsigned fs) { return cop1_move(0, rt, fs); }
constexpr uint32_t dmfc1(unsigned rt, unsigned fs) { return cop1_move(1, rt, fs); }
constexpr uint32_t cfc1(unsigned rt, unsigned fs) { return cop1_move(2, rt, fs); }
constexpr uint32_t mfhc1(unsigned rt, unsigned fs) { return cop1_move(3, rt, fs); }
constexpr uint32_t mtc1(unsigned rt, unsigned fs) { return cop1_move(4, rt, fs); }
constexpr uint32_t dmtc1(unsigned rt, unsigned fs) { return cop1_move(5, rt, fs); }
constexpr uint32_t ctc1(unsigned rt, unsigned fs) { return cop1_move(6, rt, fs); }
constexpr uint32_t mthc1(unsigned rt, unsigned fs) { return cop1_move(7, rt, fs); }
constexpr uint32_t bc1(unsigned cc, bool likely, bool tf, int16_t off) {
    return (0x11u << 26) | (8u << 21) | (cc << 18) | (unsigned(likely) << 17) | (unsigned(tf) << 16) | uint16_t(off);
}
constexpr uint32_t cop1x(unsigned fr, unsigned ft, unsigned fs, unsigned fd, unsigned funct) {
    return (0x13u << 26) | (fr << 21) | (ft << 16) | (fs << 11) | (fd << 6) | funct;
}
constexpr uint32_t mem(unsigned op, unsigned ft, int16_t off, unsigned base) {
    return (op << 26) | (base << 21) | (ft << 16) | uint16_t(off);
}
constexpr uint32_t movcf_gpr(unsigned rd, unsigned rs, unsigned cc, bool tf) {
    return (rs << 21) | (cc << 18) | (unsigned(tf) << 16) | (rd << 11) | 1;
}

// funct values (fmt S/D).
enum : unsigned {
    ADD = 0, SUB = 1, MUL = 2, DIV = 3, SQRT = 4, ABS = 5, MOV = 6, NEG = 7, ROUND_L = 8, TRUNC_L = 9,
    CEIL_L = 10, FLOOR_L = 11, ROUND_W = 12, TRUNC_W = 13, CEIL_W = 14, FLOOR_W = 15, MOVCF = 0x11,
    MOVZ = 0x12, MOVN = 0x13, RECIP = 0x15, RSQRT = 0x16, CVT_S = 0x20, CVT_D = 0x21, CVT_W = 0x24, CVT_L = 0x25,
};
// Comparison conditions.
enum : unsigned { C_F = 0, C_UN = 1, C_EQ = 2, C_OLT = 4, C_ULE = 7, C_SF = 8, C_SEQ = 10, C_LT = 12, C_NGT = 15 };

uint32_t fbits(float f) { return std::bit_cast<uint32_t>(f); }
uint64_t dbits(double d) { return std::bit_cast<uint64_t>(d); }

constexpr uint64_t kPc = 0xffffffff80002000ull;
constexpr uint64_t kData = 0xffffffff80010000ull;  // kseg0: physical 0x10000
constexpr unsigned kFlagsShift = 2, kEnablesShift = 7, kCauseShift = 12;
constexpr unsigned I = fpu::EX_I, U = fpu::EX_U, O = fpu::EX_O, Z = fpu::EX_Z, V = fpu::EX_V, E = fpu::EX_E;

struct Fixture {
    Bus bus{16 << 20, 256 << 20, 512 << 20};
    Cpu c;
    explicit Fixture(bool fr = true) {
        c.bus = &bus;
        cp0_reset(c, 0);
        fpu_reset(c);
        c.cp0.status = status::KX | status::SX | status::UX | status::CU1 | (fr ? status::FR : 0);
        update_mmu_mode(c);
    }
    // Runs one instruction at kPc; returns the exec function's result.
    bool run(uint32_t word, uint64_t pc = kPc) {
        Insn i = decode_insn(pc, word);
        c.exception_taken = false;
        return i.exec(c, i);
    }
    unsigned exccode() const { return unsigned((c.cp0.cause & cause::EXCCODE) >> cause::EXCCODE_SHIFT); }
    unsigned ce() const { return unsigned((c.cp0.cause & cause::CE) >> cause::CE_SHIFT); }
    unsigned cause_bits() const { return (c.fpu.fcsr >> kCauseShift) & 0x3f; }
    unsigned flag_bits() const { return (c.fpu.fcsr >> kFlagsShift) & 0x1f; }
    void set_rm(unsigned rm) { c.fpu.fcsr = (c.fpu.fcsr & ~3u) | rm; }
    void enable(unsigned ex) { c.fpu.fcsr |= ex << kEnablesShift; }
    // Register setters/getters in the current FR model.
    // A floating-point argument is a value, an integer one a bit pattern.
    template <typename T>
    void s(unsigned n, T v) {
        if constexpr (std::is_floating_point_v<T>) fpr_write_s(c, n, fbits(float(v)));
        else fpr_write_s(c, n, uint32_t(v));
    }
    template <typename T>
    void d(unsigned n, T v) {
        if constexpr (std::is_floating_point_v<T>) fpr_write_d(c, n, dbits(double(v)));
        else fpr_write_d(c, n, uint64_t(v));
    }
    uint32_t s(unsigned n) const { return fpr_read_s(c, n); }
    uint64_t d(unsigned n) const { return fpr_read_d(c, n); }
    uint8_t* ram(uint64_t va) { return bus.ram_ptr(va - 0xffffffff80000000ull, 8); }
};

}  // namespace

// ---- Register models -----------------------------------------------------------

TEST_CASE("FR=1: 64-bit registers, 32-bit writes keep the upper half", "[fpu]") {
    Fixture f;
    f.c.gpr[8] = 0x0123456789abcdefull;
    REQUIRE(f.run(dmtc1(8, 3)));
    CHECK(f.c.fpu.fpr[3] == 0x0123456789abcdefull);
    f.c.gpr[9] = 0xffffffff87654321ull;
    REQUIRE(f.run(mtc1(9, 3)));
    CHECK(f.c.fpu.fpr[3] == 0x0123456787654321ull);
    REQUIRE(f.run(mfc1(10, 3)));
    CHECK(f.c.gpr[10] == 0xffffffff87654321ull);  // sign-extended
    REQUIRE(f.run(mfhc1(11, 3)));
    CHECK(f.c.gpr[11] == 0x0000000001234567ull);
    f.c.gpr[12] = 0xfedcba98;
    REQUIRE(f.run(mthc1(12, 3)));
    CHECK(f.c.fpu.fpr[3] == 0xfedcba9887654321ull);
    REQUIRE(f.run(dmfc1(13, 3)));
    CHECK(f.c.gpr[13] == 0xfedcba9887654321ull);
    REQUIRE(f.run(mfc1(0, 3)));  // to $0: lands in the sink
    CHECK(f.c.gpr[0] == 0);
}

TEST_CASE("FR=0: doubles live in even/odd pairs, low word first", "[fpu]") {
    Fixture f(false);
    f.c.fpu.fpr[5] = 0xaaaaaaaa00000000ull;  // upper halves are not part of FR=0 state
    f.c.gpr[8] = 0x1122334455667788ull;
    REQUIRE(f.run(dmtc1(8, 4)));
    CHECK(f.c.fpu.fpr[4] == 0x55667788ull);
    CHECK(f.c.fpu.fpr[5] == 0xaaaaaaaa11223344ull);
    REQUIRE(f.run(mfc1(9, 5)));
    CHECK(f.c.gpr[9] == 0x11223344ull);
    REQUIRE(f.run(mfhc1(10, 4)));  // the odd register of the pair
    CHECK(f.c.gpr[10] == 0x11223344ull);
    f.c.gpr[11] = 0xcafef00d;
    REQUIRE(f.run(mthc1(11, 4)));
    CHECK(f.d(4) == 0xcafef00d55667788ull);
    REQUIRE(f.run(dmfc1(12, 4)));
    CHECK(f.c.gpr[12] == 0xcafef00d55667788ull);

    // Arithmetic on the pair.
    f.d(0, 1.5);
    f.d(2, 2.25);
    REQUIRE(f.run(binary(D, ADD, 6, 0, 2)));
    CHECK(f.d(6) == dbits(3.75));
    CHECK(f.c.fpu.fpr[6] == (dbits(3.75) & 0xffffffff));
    CHECK(f.c.fpu.fpr[7] == (dbits(3.75) >> 32));
}

TEST_CASE("FR=0: odd double registers and the L format are reserved", "[fpu]") {
    Fixture f(false);
    f.c.fpu.fpr[6] = 0x1234;
    CHECK_FALSE(f.run(binary(D, ADD, 6, 1, 2)));
    CHECK(f.exccode() == 10);
    CHECK(f.c.fpu.fpr[6] == 0x1234);
    CHECK_FALSE(f.run(unary(D, MOV, 3, 2)));
    CHECK(f.exccode() == 10);
    CHECK_FALSE(f.run(unary(S, CVT_D, 5, 2)));  // double destination
    CHECK(f.exccode() == 10);
    CHECK(f.run(unary(S, CVT_D, 4, 3)));  // single source may be odd
    CHECK_FALSE(f.run(unary(D, CVT_L, 4, 2)));
    CHECK(f.exccode() == 10);
    CHECK_FALSE(f.run(unary(L, CVT_D, 4, 2)));
    CHECK(f.exccode() == 10);
    CHECK_FALSE(f.run(c_cond(D, C_EQ, 0, 2, 3)));
    CHECK(f.exccode() == 10);
    // In FR=1 all of them are fine.
    Fixture g;
    CHECK(g.run(binary(D, ADD, 7, 1, 3)));
    CHECK(g.run(unary(D, CVT_L, 5, 3)));
}

TEST_CASE("FIR and the control register views", "[fpu]") {
    Fixture f;
    REQUIRE(f.run(cfc1(8, 0)));
    CHECK(f.c.gpr[8] == fpu::kFirValue);
    CHECK((f.c.gpr[8] & fpu::FIR_F64));
    CHECK((f.c.gpr[8] & fpu::FIR_L));
    CHECK((f.c.gpr[8] & fpu::FIR_W));
    CHECK((f.c.gpr[8] & fpu::FIR_D));
    CHECK((f.c.gpr[8] & fpu::FIR_S));
    CHECK_FALSE((f.c.gpr[8] & fpu::FIR_PS));

    f.c.gpr[9] = 0xfffc0fff;  // all but Cause; bits 18..22 (NAN2008, ABS2008) stay zero
    REQUIRE(f.run(ctc1(9, 31)));
    CHECK(f.c.fpu.fcsr == 0xff800fffu);
    REQUIRE(f.run(cfc1(10, 31)));
    CHECK(f.c.gpr[10] == 0xffffffffff800fffull);  // sign-extended
    REQUIRE(f.run(cfc1(10, 1)));  // UFR: not implemented, reads 0
    CHECK(f.c.gpr[10] == 0);
}

TEST_CASE("ctc1 to FCSR raises FPE after writing when a Cause bit is enabled", "[fpu]") {
    Fixture f;
    f.c.gpr[9] = (V << kCauseShift) | (V << kEnablesShift);
    CHECK_FALSE(f.run(ctc1(9, 31)));
    CHECK(f.exccode() == 15);
    CHECK(f.c.fpu.fcsr == f.c.gpr[9]);
    // Cause E (unimplemented operation) needs no enable.
    Fixture g;
    g.c.gpr[9] = E << kCauseShift;
    CHECK_FALSE(g.run(ctc1(9, 31)));
    CHECK(g.exccode() == 15);
}

TEST_CASE("FCCR, FEXR and FENR views", "[fpu]") {
    Fixture f;
    f.c.gpr[8] = 0xa5;  // cc7..cc1 = 1010010, cc0 = 1
    REQUIRE(f.run(ctc1(8, 25)));
    CHECK(f.c.fpu.fcsr == ((0xa4u << 24) | (1u << 23)));
    for (unsigned cc = 0; cc < 8; ++cc) CHECK(fpu_cc(f.c, cc) == bool((0xa5 >> cc) & 1));
    REQUIRE(f.run(cfc1(9, 25)));
    CHECK(f.c.gpr[9] == 0xa5);
    f.c.gpr[8] = 0x100;  // bits outside the view: ignored
    REQUIRE(f.run(ctc1(8, 25)));
    CHECK(f.c.fpu.fcsr == ((0xa4u << 24) | (1u << 23)));

    f.c.gpr[8] = 0x0003f07c;  // FEXR: Cause and Flags
    f.c.fpu.fcsr = 0;
    REQUIRE_FALSE(f.run(ctc1(8, 26)));  // Cause E set: always traps
    CHECK(f.c.fpu.fcsr == 0x0003f07c);
    f.c.fpu.fcsr = 0;
    f.c.gpr[8] = 0x0000107c;
    REQUIRE(f.run(ctc1(8, 26)));
    REQUIRE(f.run(cfc1(9, 26)));
    CHECK(f.c.gpr[9] == 0x107c);

    f.c.fpu.fcsr = 0;
    f.c.gpr[8] = 0xf83 | 4;  // FENR: enables, FS (bit 2), RM
    REQUIRE(f.run(ctc1(8, 28)));
    CHECK(f.c.fpu.fcsr == (0xf83u | fpu::FS));
    REQUIRE(f.run(cfc1(9, 28)));
    CHECK(f.c.gpr[9] == 0xf87);
    REQUIRE(f.run(cfc1(9, 31)));
    CHECK(f.c.gpr[9] == (0xf83u | fpu::FS));
}

// ---- Arithmetic, rounding and flags ------------------------------------------------

TEST_CASE("the four rounding modes", "[fpu]") {
    struct Case {
        unsigned rm;
        uint32_t third, minus_third;
    };
    for (Case k : {Case{0, 0x3eaaaaab, 0xbeaaaaab}, Case{1, 0x3eaaaaaa, 0xbeaaaaaa}, Case{2, 0x3eaaaaab, 0xbeaaaaaa},
                   Case{3, 0x3eaaaaaa, 0xbeaaaaab}}) {
        Fixture f;
        f.set_rm(k.rm);
        f.s(0, 1.0f);
        f.s(1, 3.0f);
        f.s(2, -1.0f);
        REQUIRE(f.run(binary(S, DIV, 4, 0, 1)));
        CHECK(f.s(4) == k.third);
        REQUIRE(f.run(binary(S, DIV, 5, 2, 1)));
        CHECK(f.s(5) == k.minus_third);
        CHECK(f.cause_bits() == I);
    }
    // Doubles too, and the host is left in round-to-nearest.
    Fixture f;
    f.set_rm(2);
    f.d(0, 1.0);
    f.d(1, 3.0);
    REQUIRE(f.run(binary(D, DIV, 2, 0, 1)));
    CHECK(f.d(2) == 0x3fd5555555555556ull);
    f.set_rm(1);
    REQUIRE(f.run(binary(D, DIV, 2, 0, 1)));
    CHECK(f.d(2) == 0x3fd5555555555555ull);
    volatile double one = 1.0, three = 3.0;
    CHECK(one / three == 1.0 / 3.0);
}

TEST_CASE("Cause is per operation, Flags are sticky", "[fpu]") {
    Fixture f;
    f.s(0, 1.0f);
    f.s(1, 3.0f);
    REQUIRE(f.run(binary(S, DIV, 2, 0, 1)));
    CHECK(f.cause_bits() == I);
    CHECK(f.flag_bits() == I);
    REQUIRE(f.run(binary(S, ADD, 2, 0, 0)));  // exact
    CHECK(f.cause_bits() == 0);
    CHECK(f.flag_bits() == I);
    CHECK(f.s(2) == fbits(2.0f));
}

TEST_CASE("overflow, underflow, division by zero, invalid", "[fpu]") {
    Fixture f;
    f.s(0, 0x7f7fffffu);  // FLT_MAX
    f.s(1, 2.0f);
    REQUIRE(f.run(binary(S, MUL, 2, 0, 1)));
    CHECK(f.s(2) == 0x7f800000u);
    CHECK(f.cause_bits() == (O | I));
    f.set_rm(1);
    REQUIRE(f.run(binary(S, MUL, 2, 0, 1)));
    CHECK(f.s(2) == 0x7f7fffffu);

    f.set_rm(0);
    f.s(0, 0x00800000u);  // FLT_MIN
    f.s(1, 3.0f);
    REQUIRE(f.run(binary(S, DIV, 2, 0, 1)));
    CHECK(f.s(2) == 0x002aaaabu);
    CHECK(f.cause_bits() == (U | I));
    f.s(1, 2.0f);  // exact denormal result: no Underflow
    REQUIRE(f.run(binary(S, DIV, 2, 0, 1)));
    CHECK(f.s(2) == 0x00400000u);
    CHECK(f.cause_bits() == 0);

    f.s(0, 1.0f);
    f.s(1, 0u);
    REQUIRE(f.run(binary(S, DIV, 2, 0, 1)));
    CHECK(f.s(2) == 0x7f800000u);
    CHECK(f.cause_bits() == Z);
    f.s(0, 0u);
    REQUIRE(f.run(binary(S, DIV, 2, 0, 1)));
    CHECK(f.s(2) == fpu::kDefaultNanS);
    CHECK(f.cause_bits() == V);
    f.d(4, -1.0);
    REQUIRE(f.run(unary(D, SQRT, 6, 4)));
    CHECK(f.d(6) == fpu::kDefaultNanD);
    CHECK(f.cause_bits() == V);
    CHECK(f.flag_bits() == (O | I | U | Z | V));
}

// ---- Arithmetic against the host's own flags, on random operands ---------------

namespace {

// A random operand of format T, never a NaN: a random sign, an exponent
// from the whole range (subnormals, infinities) or near the edges the
// engine treats specially, and a fraction that is random or has few bits
// set, so that exact results are common too.
template <typename T, typename B>
B random_operand(std::mt19937_64& g) {
    constexpr int kFraction = std::numeric_limits<T>::digits - 1;
    constexpr int kExpMax = 2 * std::numeric_limits<T>::max_exponent - 1;  // all ones
    constexpr int kBias = std::numeric_limits<T>::max_exponent - 1;
    const int edges[] = {0, 1, 2, kExpMax - 1, kExpMax, kBias + std::ilogb(fpu::ErrorTermRange<T>::kLow),
                         kBias + std::ilogb(fpu::ErrorTermRange<T>::kHigh), kBias, kBias + 1};
    int e = (g() & 1) ? int(g() % (kExpMax + 1))
                      : edges[g() % std::size(edges)] + int(g() % 5) - 2;
    e = std::clamp(e, 0, kExpMax);
    B fraction = B(g()) & ((B(1) << kFraction) - 1);
    if (g() & 1) fraction &= B(g()) & B(g()) & B(g()) & ~((B(1) << (kFraction / 2)) - 1);
    if (e == kExpMax) fraction = 0;  // infinity, not a NaN
    return (B(g() & 1) << (sizeof(B) * 8 - 1)) | (B(e) << kFraction) | fraction;
}

// The host's result and IEEE flags for one operation in rounding mode rm.
template <typename T, typename B>
std::pair<B, unsigned> host_operation(unsigned funct, B a, B b, unsigned rm) {
    const int modes[] = {FE_TONEAREST, FE_TOWARDZERO, FE_UPWARD, FE_DOWNWARD};
    std::fesetround(modes[rm]);
    std::feclearexcept(FE_ALL_EXCEPT);
    volatile T va = std::bit_cast<T>(a), vb = std::bit_cast<T>(b);
    volatile T r = 0;
    switch (funct) {
        case ADD: r = va + vb; break;
        case SUB: r = va - vb; break;
        case MUL: r = va * vb; break;
        case DIV: r = va / vb; break;
        case SQRT: r = std::sqrt(T(va)); break;
    }
    const int raised = std::fetestexcept(FE_ALL_EXCEPT);
    std::fesetround(FE_TONEAREST);
    const unsigned flags = ((raised & FE_INEXACT) ? I : 0) | ((raised & FE_UNDERFLOW) ? U : 0) |
                           ((raised & FE_OVERFLOW) ? O : 0) | ((raised & FE_DIVBYZERO) ? Z : 0) |
                           ((raised & FE_INVALID) ? V : 0);
    constexpr B kDefaultNan = sizeof(B) == 4 ? B(fpu::kDefaultNanS) : B(fpu::kDefaultNanD);
    return {std::isnan(T(r)) ? kDefaultNan : std::bit_cast<B>(T(r)), flags};
}

template <typename T, typename B>
void compare_with_host(unsigned fmt, uint64_t seed, int cases) {
    std::mt19937_64 g(seed);
    Fixture f;
    const unsigned functs[] = {ADD, SUB, MUL, DIV, SQRT};
    for (int n = 0; n < cases; ++n) {
        const unsigned funct = functs[g() % std::size(functs)];
        const unsigned rm = (g() % 4 == 0) ? unsigned(g() % 4) : 0;
        const B a = random_operand<T, B>(g), b = random_operand<T, B>(g);
        const auto [want, want_flags] = host_operation<T, B>(funct, a, b, rm);
        f.set_rm(rm);
        if constexpr (sizeof(B) == 4) {
            f.s(0, a);
            f.s(1, b);
        } else {
            f.d(0, a);
            f.d(2, b);
        }
        const uint32_t word = funct == SQRT ? unary(fmt, SQRT, 4, 0) : binary(fmt, funct, 4, 0, sizeof(B) == 4 ? 1 : 2);
        REQUIRE(f.run(word));
        const B got = sizeof(B) == 4 ? B(f.s(4)) : B(f.d(4));
        if (got != want || f.cause_bits() != want_flags) {
            INFO("funct " << funct << " rm " << rm << std::hex << " a " << uint64_t(a) << " b " << uint64_t(b)
                          << " got " << uint64_t(got) << " want " << uint64_t(want) << " cause " << f.cause_bits()
                          << " want " << want_flags);
            FAIL();
        }
    }
}

}  // namespace

// The engine decides Inexact without the host's flags where it can prove
// them (exec_fpu.cpp, "without the host's flags"): every result and every
// Cause bit must still be what the host's FPU gives.
TEST_CASE("add, sub, mul, div and sqrt match the host FPU's results and flags", "[fpu]") {
    compare_with_host<double, uint64_t>(D, 1, 300000);
    compare_with_host<float, uint32_t>(S, 2, 300000);
}

TEST_CASE("an enabled exception traps without writing the destination", "[fpu]") {
    Fixture f;
    f.enable(V);
    f.c.fpu.fcsr |= I << kFlagsShift;
    f.s(0, 0u);
    f.s(1, 0u);
    f.c.fpu.fpr[2] = 0x5555555566666666ull;
    CHECK_FALSE(f.run(binary(S, DIV, 2, 0, 1)));
    CHECK(f.c.exception_taken);
    CHECK(f.exccode() == 15);
    CHECK(f.c.cp0.epc == kPc);
    CHECK(f.c.fpu.fpr[2] == 0x5555555566666666ull);
    CHECK(f.cause_bits() == V);
    CHECK(f.flag_bits() == I);  // Flags unchanged

    // Inexact enabled: 1/3 traps; an exact operation does not.
    Fixture g;
    g.enable(I);
    g.s(0, 1.0f);
    g.s(1, 3.0f);
    CHECK_FALSE(g.run(binary(S, DIV, 2, 0, 1)));
    CHECK(g.exccode() == 15);
    CHECK(g.cause_bits() == I);
    g.c.cp0.status &= ~status::EXL;
    CHECK(g.run(binary(S, MUL, 2, 0, 1)));
    CHECK(g.s(2) == fbits(3.0f));
    CHECK(g.cause_bits() == 0);

    // Overflow enabled with overflow + inexact raised: traps.
    Fixture h;
    h.enable(O);
    h.d(0, 1e300);
    CHECK_FALSE(h.run(binary(D, MUL, 2, 0, 0)));
    CHECK(h.cause_bits() == (O | I));
}

TEST_CASE("legacy NaNs: quiet has the fraction MSB clear; results are the default NaN", "[fpu]") {
    Fixture f;
    const uint32_t qnan = 0x7f800001u, snan = 0x7fc00000u;
    f.s(0, qnan);
    f.s(1, 1.0f);
    REQUIRE(f.run(binary(S, ADD, 2, 0, 1)));
    CHECK(f.s(2) == fpu::kDefaultNanS);
    CHECK(f.cause_bits() == 0);
    f.s(0, snan);
    REQUIRE(f.run(binary(S, ADD, 2, 1, 0)));
    CHECK(f.s(2) == fpu::kDefaultNanS);
    CHECK(f.cause_bits() == V);
    f.s(0, 0xffbfffffu);  // negative quiet NaN: still the positive default NaN
    REQUIRE(f.run(binary(S, MUL, 2, 0, 1)));
    CHECK(f.s(2) == fpu::kDefaultNanS);
    CHECK(f.cause_bits() == 0);

    f.d(4, 0x7ff8000000000000ull);  // x86's quiet NaN is signalling here
    f.d(6, 2.0);
    REQUIRE(f.run(binary(D, SUB, 8, 6, 4)));
    CHECK(f.d(8) == fpu::kDefaultNanD);
    CHECK(f.cause_bits() == V);

    // Conversions between formats also give the default NaN.
    f.s(0, snan);
    REQUIRE(f.run(unary(S, CVT_D, 10, 0)));
    CHECK(f.d(10) == fpu::kDefaultNanD);
    CHECK(f.cause_bits() == V);
    f.d(4, 0x7ff0000000000001ull);
    REQUIRE(f.run(unary(D, CVT_S, 11, 4)));
    CHECK(f.s(11) == fpu::kDefaultNanS);
    CHECK(f.cause_bits() == 0);
}

TEST_CASE("abs, neg and mov are bit operations that leave FCSR alone", "[fpu]") {
    Fixture f;
    f.c.fpu.fcsr = (I << kCauseShift) | 2;
    f.s(0, 0x7fc00000u);  // signalling NaN: no Invalid
    REQUIRE(f.run(unary(S, NEG, 1, 0)));
    CHECK(f.s(1) == 0xffc00000u);
    REQUIRE(f.run(unary(S, ABS, 2, 1)));
    CHECK(f.s(2) == 0x7fc00000u);
    f.d(4, -0.0);
    REQUIRE(f.run(unary(D, ABS, 6, 4)));
    CHECK(f.d(6) == 0);
    REQUIRE(f.run(unary(D, MOV, 8, 4)));
    CHECK(f.d(8) == dbits(-0.0));
    CHECK(f.c.fpu.fcsr == ((I << kCauseShift) | 2));
}

TEST_CASE("recip and rsqrt are 1/x and 1/sqrt(x)", "[fpu]") {
    Fixture f;
    f.s(0, 3.0f);
    REQUIRE(f.run(unary(S, RECIP, 1, 0)));
    CHECK(f.s(1) == 0x3eaaaaabu);
    CHECK(f.cause_bits() == I);
    f.d(2, 4.0);
    REQUIRE(f.run(unary(D, RSQRT, 4, 2)));
    CHECK(f.d(4) == dbits(0.5));
    CHECK(f.cause_bits() == 0);
    f.d(2, 2.0);  // two roundings: 1 / 1.4142135623730951
    REQUIRE(f.run(unary(D, RSQRT, 4, 2)));
    volatile double two = 2.0;
    volatile double root = __builtin_sqrt(two);
    CHECK(f.d(4) == dbits(1.0 / root));
    f.s(0, -1.0f);
    REQUIRE(f.run(unary(S, RSQRT, 1, 0)));
    CHECK(f.s(1) == fpu::kDefaultNanS);
    CHECK(f.cause_bits() == V);
    f.s(0, 0x80000000u);  // rsqrt(-0) = -inf, division by zero
    REQUIRE(f.run(unary(S, RSQRT, 1, 0)));
    CHECK(f.s(1) == 0xff800000u);
    CHECK(f.cause_bits() == Z);
}

TEST_CASE("madd family: multiply and add round separately; nmadd negates", "[fpu]") {
    Fixture f;
    // (1 + 2^-12)^2 = 1 + 2^-11 + 2^-24 rounds to 1 + 2^-11: a fused
    // multiply-add with -(1 + 2^-11) would give 2^-24, this gives 0.
    f.s(2, 0x3f800800u);
    f.s(4, 0x3f800800u);
    f.s(0, 0x3f801000u);
    REQUIRE(f.run(cop1x(0, 4, 2, 6, 0x28)));  // msub.s f6 = f2*f4 - f0
    CHECK(f.s(6) == 0);
    CHECK(f.cause_bits() == I);
    REQUIRE(f.run(cop1x(0, 4, 2, 6, 0x38)));  // nmsub.s: -(0) = -0
    CHECK(f.s(6) == 0x80000000u);

    f.d(2, 3.0);
    f.d(4, 5.0);
    f.d(0, 1.0);
    REQUIRE(f.run(cop1x(0, 4, 2, 6, 0x21)));  // madd.d
    CHECK(f.d(6) == dbits(16.0));
    REQUIRE(f.run(cop1x(0, 4, 2, 6, 0x31)));  // nmadd.d
    CHECK(f.d(6) == dbits(-16.0));
    REQUIRE(f.run(cop1x(0, 4, 2, 6, 0x29)));  // msub.d
    CHECK(f.d(6) == dbits(14.0));
    // NaN results are negated too.
    f.d(0, 0x7ff8000000000000ull);
    REQUIRE(f.run(cop1x(0, 4, 2, 6, 0x31)));
    CHECK(f.d(6) == (fpu::kDefaultNanD | (1ull << 63)));
    CHECK(f.cause_bits() == V);
}

TEST_CASE("FS flushes results that are tiny before rounding to zero, silently", "[fpu]") {
    Fixture f;
    f.c.fpu.fcsr |= fpu::FS;
    f.s(0, 0x00800000u);  // FLT_MIN
    f.s(1, -3.0f);
    REQUIRE(f.run(binary(S, DIV, 2, 0, 1)));
    CHECK(f.s(2) == 0x80000000u);
    CHECK(f.cause_bits() == 0);
    f.s(1, 0x3f7fffffu);  // FLT_MIN * (1 - 2^-24) rounds to FLT_MIN but is tiny
    REQUIRE(f.run(binary(S, MUL, 2, 0, 1)));
    CHECK(f.s(2) == 0);
    f.s(1, 1.0f);  // FLT_MIN itself is not tiny
    REQUIRE(f.run(binary(S, MUL, 2, 0, 1)));
    CHECK(f.s(2) == 0x00800000u);
    f.s(3, 0x00000001u);  // denormal operands are not flushed
    REQUIRE(f.run(binary(S, MUL, 2, 3, 1)));
    CHECK(f.s(2) == 0);   // but a denormal result is
    REQUIRE(f.run(binary(S, ADD, 2, 3, 0)));
    CHECK(f.s(2) == 0x00800001u);
}

// ---- Conversions ---------------------------------------------------------------------

TEST_CASE("float to integer rounding", "[fpu]") {
    Fixture f;
    struct Case {
        unsigned funct;
        float in;
        int32_t out;
    };
    for (Case k : {Case{ROUND_W, 2.5f, 2}, Case{ROUND_W, 3.5f, 4}, Case{ROUND_W, -2.5f, -2}, Case{ROUND_W, -0.4f, 0},
                   Case{TRUNC_W, -2.7f, -2}, Case{CEIL_W, -2.5f, -2}, Case{CEIL_W, 2.1f, 3},
                   Case{FLOOR_W, -2.5f, -3}, Case{FLOOR_W, 2.9f, 2}}) {
        f.s(0, k.in);
        REQUIRE(f.run(unary(S, k.funct, 1, 0)));
        CHECK(int32_t(f.s(1)) == k.out);
        CHECK(f.cause_bits() == I);
    }
    // cvt.w uses FCSR.RM.
    f.s(0, 2.5f);
    for (unsigned rm : {0u, 1u, 2u, 3u}) {
        f.set_rm(rm);
        REQUIRE(f.run(unary(S, CVT_W, 1, 0)));
        CHECK(f.s(1) == (rm == 2 ? 3u : 2u));
    }
    f.set_rm(0);
    f.d(2, -7.0);
    REQUIRE(f.run(unary(D, CVT_L, 3, 2)));
    CHECK(f.d(3) == uint64_t(-7));
    CHECK(f.cause_bits() == 0);
    f.d(2, 4503599627370497.0);
    REQUIRE(f.run(unary(D, ROUND_L, 3, 2)));
    CHECK(f.d(3) == 4503599627370497ull);
}

TEST_CASE("NaN, infinity and out-of-range conversions give the maximum integer and Invalid", "[fpu]") {
    Fixture f;
    f.c.fpu.fpr[1] = 0x1111111122222222ull;
    for (uint32_t in : {0x7f800001u, 0x7fc00000u, 0xff800000u, fbits(-1e10f), fbits(2147483648.0f)}) {
        f.s(0, in);
        REQUIRE(f.run(unary(S, CVT_W, 1, 0)));
        CHECK(f.c.fpu.fpr[1] == 0x111111117fffffffull);
        CHECK(f.cause_bits() == V);
    }
    f.s(0, fbits(-2147483648.0f));  // in range
    REQUIRE(f.run(unary(S, TRUNC_W, 1, 0)));
    CHECK(f.s(1) == 0x80000000u);
    CHECK(f.cause_bits() == 0);
    f.d(2, 2147483647.5);  // rounds to 2^31: out of range
    REQUIRE(f.run(unary(D, ROUND_W, 1, 2)));
    CHECK(f.s(1) == 0x7fffffffu);
    CHECK(f.cause_bits() == V);
    f.d(2, 9223372036854775808.0);
    REQUIRE(f.run(unary(D, TRUNC_L, 4, 2)));
    CHECK(f.d(4) == 0x7fffffffffffffffull);
    CHECK(f.cause_bits() == V);
    f.d(2, -9223372036854775808.0);
    REQUIRE(f.run(unary(D, FLOOR_L, 4, 2)));
    CHECK(f.d(4) == 0x8000000000000000ull);
    CHECK(f.cause_bits() == 0);
    f.enable(V);
    f.d(2, 1e300);
    CHECK_FALSE(f.run(unary(D, CEIL_L, 4, 2)));
    CHECK(f.d(4) == 0x8000000000000000ull);
}

TEST_CASE("conversions between formats and from integers", "[fpu]") {
    Fixture f;
    f.d(0, 1e300);
    REQUIRE(f.run(unary(D, CVT_S, 2, 0)));
    CHECK(f.s(2) == 0x7f800000u);
    CHECK(f.cause_bits() == (O | I));
    f.d(0, 0.1);
    REQUIRE(f.run(unary(D, CVT_S, 2, 0)));
    CHECK(f.s(2) == fbits(0.1f));
    CHECK(f.cause_bits() == I);
    f.s(3, 0x00000001u);  // denormal single to double: exact
    REQUIRE(f.run(unary(S, CVT_D, 4, 3)));
    CHECK(f.d(4) == dbits(1.401298464324817e-45));
    CHECK(f.cause_bits() == 0);
    f.s(5, 16777217u);
    REQUIRE(f.run(unary(W, CVT_S, 6, 5)));
    CHECK(f.s(6) == fbits(16777216.0f));
    CHECK(f.cause_bits() == I);
    f.set_rm(2);
    REQUIRE(f.run(unary(W, CVT_S, 6, 5)));
    CHECK(f.s(6) == fbits(16777218.0f));
    f.s(5, 0x80000000u);
    REQUIRE(f.run(unary(W, CVT_D, 7, 5)));
    CHECK(f.d(7) == dbits(-2147483648.0));
    f.d(8, 0xffffffffffffffffull);
    REQUIRE(f.run(unary(L, CVT_D, 9, 8)));
    CHECK(f.d(9) == dbits(-1.0));
    f.d(8, (1ull << 53) + 1);
    REQUIRE(f.run(unary(L, CVT_D, 9, 8)));
    CHECK(f.d(9) == dbits(9007199254740994.0));  // round toward +inf
    CHECK(f.cause_bits() == I);
}

// ---- Compares, condition codes, branches, conditional moves --------------------------------

TEST_CASE("c.cond sets the selected condition code", "[fpu]") {
    Fixture f;
    f.s(0, 1.0f);
    f.s(1, 2.0f);
    REQUIRE(f.run(c_cond(S, C_OLT, 3, 0, 1)));
    CHECK(fpu_cc(f.c, 3));
    CHECK((f.c.fpu.fcsr & (1u << 27)));  // cc1..cc7 are bits 25..31
    REQUIRE(f.run(c_cond(S, C_OLT, 0, 1, 0)));
    CHECK_FALSE(fpu_cc(f.c, 0));
    REQUIRE(f.run(c_cond(S, C_NGT, 0, 0, 1)));
    CHECK(fpu_cc(f.c, 0));
    CHECK((f.c.fpu.fcsr & fpu::CC0));
    f.d(2, 0.0);
    f.d(4, -0.0);
    REQUIRE(f.run(c_cond(D, C_EQ, 7, 2, 4)));
    CHECK(fpu_cc(f.c, 7));
    REQUIRE(f.run(c_cond(D, C_F, 7, 2, 4)));
    CHECK_FALSE(fpu_cc(f.c, 7));
}

TEST_CASE("c.cond with NaNs: quiet predicates trap only on signalling NaNs", "[fpu]") {
    Fixture f;
    f.s(0, 0x7f800001u);  // quiet NaN
    f.s(1, 1.0f);
    REQUIRE(f.run(c_cond(S, C_OLT, 1, 0, 1)));
    CHECK_FALSE(fpu_cc(f.c, 1));
    CHECK(f.cause_bits() == 0);
    REQUIRE(f.run(c_cond(S, C_ULE, 1, 0, 1)));
    CHECK(fpu_cc(f.c, 1));
    REQUIRE(f.run(c_cond(S, C_LT, 1, 0, 1)));  // signalling predicate
    CHECK_FALSE(fpu_cc(f.c, 1));
    CHECK(f.cause_bits() == V);
    REQUIRE(f.run(c_cond(S, C_SF, 1, 1, 1)));  // no NaN: no Invalid
    CHECK(f.cause_bits() == 0);
    f.s(0, 0x7fc00000u);  // signalling NaN
    REQUIRE(f.run(c_cond(S, C_UN, 1, 1, 0)));
    CHECK(fpu_cc(f.c, 1));
    CHECK(f.cause_bits() == V);

    // Enabled Invalid: the condition code is not written.
    f.enable(V);
    fpu_set_cc(f.c, 2, false);
    f.d(4, 1.0);
    REQUIRE(f.run(c_cond(D, C_SEQ, 2, 4, 4)));  // no NaN: no trap
    CHECK(fpu_cc(f.c, 2));
    f.d(4, 0x7ff0000000000001ull);
    fpu_set_cc(f.c, 2, true);
    CHECK_FALSE(f.run(c_cond(D, C_SEQ, 2, 4, 4)));
    CHECK(f.exccode() == 15);
    CHECK(fpu_cc(f.c, 2));
}

TEST_CASE("bc1f/bc1t and their likely forms", "[fpu]") {
    Fixture f;
    fpu_set_cc(f.c, 5, true);
    REQUIRE(f.run(bc1(5, false, true, 3)));  // bc1t cc5: taken
    CHECK(f.c.next_pc == kPc + 4 + 12);
    REQUIRE(f.run(bc1(5, false, false, 3)));  // bc1f cc5: not taken
    CHECK(f.c.next_pc == kPc + 8);
    REQUIRE(f.run(bc1(5, true, true, -2)));  // bc1tl: taken
    CHECK(f.c.next_pc == kPc + 4 - 8);
    CHECK_FALSE(f.run(bc1(5, true, false, 3)));  // bc1fl: not taken, annuls the delay slot
    CHECK_FALSE(f.c.exception_taken);
    CHECK(f.c.pc == kPc + 8);
    REQUIRE(f.run(bc1(0, false, false, 1)));  // cc0 clear: bc1f taken
    CHECK(f.c.next_pc == kPc + 8);
}

TEST_CASE("conditional moves on condition codes and GPRs", "[fpu]") {
    Fixture f;
    f.c.gpr[4] = 111;
    f.c.gpr[5] = 222;
    fpu_set_cc(f.c, 6, true);
    REQUIRE(f.run(movcf_gpr(5, 4, 6, true)));  // movt $5, $4, $fcc6
    CHECK(f.c.gpr[5] == 111);
    f.c.gpr[5] = 222;
    REQUIRE(f.run(movcf_gpr(5, 4, 6, false)));  // movf: cc set, no move
    CHECK(f.c.gpr[5] == 222);

    f.s(0, 1.0f);
    f.s(1, 2.0f);
    REQUIRE(f.run(fop(S, (6 << 2) | 0, 0, 1, MOVCF)));  // movf.s: no move
    CHECK(f.s(1) == fbits(2.0f));
    REQUIRE(f.run(fop(S, (6 << 2) | 1, 0, 1, MOVCF)));  // movt.s
    CHECK(f.s(1) == fbits(1.0f));
    f.d(2, 5.0);
    f.c.gpr[7] = 0;
    REQUIRE(f.run(fop(D, 7, 2, 3, MOVN)));
    CHECK(f.d(3) != dbits(5.0));
    REQUIRE(f.run(fop(D, 7, 2, 3, MOVZ)));
    CHECK(f.d(3) == dbits(5.0));
}

// ---- Exceptions before execution ---------------------------------------------------------

TEST_CASE("Status.CU1 clear: Coprocessor Unusable with CE=1", "[fpu]") {
    Fixture f;
    f.c.cp0.status &= ~status::CU1;
    for (uint32_t w : {binary(S, ADD, 0, 1, 2), mfc1(4, 1), ctc1(4, 31), bc1(0, false, false, 1),
                       mem(0x31, 1, 0, 4), cop1x(0, 4, 2, 6, 0x20), movcf_gpr(5, 4, 0, true),
                       fop(22, 4, 2, 6, ADD) /* paired single: reserved */}) {
        f.c.cp0.status &= ~status::EXL;
        CHECK_FALSE(f.run(w));
        CHECK(f.exccode() == 11);
        CHECK(f.ce() == 1);
    }
}

TEST_CASE("reserved COP1 encodings raise Reserved Instruction", "[fpu]") {
    Fixture f;
    for (uint32_t w : {fop(22, 4, 2, 6, ADD), unary(S, CVT_S, 2, 4), unary(D, CVT_D, 2, 4), fop(W, 0, 2, 4, ADD),
                       cop1x(0, 4, 2, 6, 0x26), unary(S, SQRT, 2, 4) | (1u << 16)}) {
        f.c.cp0.status &= ~status::EXL;
        CHECK_FALSE(f.run(w));
        CHECK(f.exccode() == 10);
    }
}

// ---- Loads and stores ---------------------------------------------------------------

TEST_CASE("lwc1/ldc1/swc1/sdc1 and the indexed forms", "[fpu]") {
    Fixture f;
    const uint64_t pattern = 0x8877665544332211ull;
    std::memcpy(f.ram(kData), &pattern, 8);
    f.c.gpr[4] = kData;
    f.c.fpu.fpr[1] = 0xaaaaaaaabbbbbbbbull;
    REQUIRE(f.run(mem(0x31, 1, 4, 4)));  // lwc1 $f1, 4($4): upper half kept (as QEMU)
    CHECK(f.c.fpu.fpr[1] == 0xaaaaaaaa88776655ull);
    REQUIRE(f.run(mem(0x35, 2, 0, 4)));  // ldc1
    CHECK(f.c.fpu.fpr[2] == pattern);
    REQUIRE(f.run(mem(0x3d, 2, 8, 4)));  // sdc1 $f2, 8($4)
    REQUIRE(f.run(mem(0x39, 1, 16, 4)));  // swc1 $f1, 16($4)
    uint64_t back;
    std::memcpy(&back, f.ram(kData + 8), 8);
    CHECK(back == pattern);
    uint32_t word;
    std::memcpy(&word, f.ram(kData + 16), 4);
    CHECK(word == 0x88776655u);

    f.c.gpr[5] = 13;  // luxc1/suxc1 ignore the low three address bits
    REQUIRE(f.run(cop1x(4, 5, 0, 3, 0x05)));  // luxc1 $f3, $5($4)
    CHECK(f.c.fpu.fpr[3] == pattern);
    f.c.gpr[5] = 16;
    REQUIRE(f.run(cop1x(4, 5, 0, 3, 0x00)));  // lwxc1 $f3, $5($4)
    CHECK(f.c.fpu.fpr[3] == (pattern & 0xffffffff00000000ull) + 0x88776655u);
    f.c.gpr[5] = 24;
    REQUIRE(f.run(cop1x(4, 5, 2, 0, 0x09)));  // sdxc1 $f2, $5($4)
    std::memcpy(&back, f.ram(kData + 24), 8);
    CHECK(back == pattern);
    REQUIRE(f.run(cop1x(4, 5, 0, 0, 0x0f)));  // prefx: nothing
}

TEST_CASE("FPU loads and stores need natural alignment", "[fpu]") {
    Fixture f;
    f.c.gpr[4] = kData + 4;
    f.c.fpu.fpr[2] = 0x77;
    CHECK_FALSE(f.run(mem(0x35, 2, 0, 4)));  // ldc1 at +4
    CHECK(f.exccode() == 4);
    CHECK(f.c.cp0.badvaddr == kData + 4);
    CHECK(f.c.fpu.fpr[2] == 0x77);
    f.c.cp0.status &= ~status::EXL;
    CHECK_FALSE(f.run(mem(0x39, 2, 2, 4)));  // swc1 at +6
    CHECK(f.exccode() == 5);
    f.c.cp0.status &= ~status::EXL;
    CHECK(f.run(mem(0x31, 2, 0, 4)));  // lwc1 at +4 is aligned
}

TEST_CASE("FR=0 ldc1 fills a register pair; luxc1 needs FR=1", "[fpu]") {
    Fixture f(false);
    const uint64_t pattern = 0x0807060504030201ull;
    std::memcpy(f.ram(kData), &pattern, 8);
    f.c.gpr[4] = kData;
    REQUIRE(f.run(mem(0x35, 6, 0, 4)));
    CHECK(uint32_t(f.c.fpu.fpr[6]) == 0x04030201u);
    CHECK(uint32_t(f.c.fpu.fpr[7]) == 0x08070605u);
    f.c.gpr[5] = 0;
    CHECK_FALSE(f.run(cop1x(4, 5, 0, 2, 0x05)));
    CHECK(f.exccode() == 10);
}
