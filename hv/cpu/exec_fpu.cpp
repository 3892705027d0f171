// Coprocessor 1 (FPU) and COP1X instruction semantics, MIPS64 Release 2
// with the legacy (pre-2008) NaN encoding, matching QEMU's MIPS64R2-generic:
//
// * IEEE arithmetic runs on the host FPU in the rounding mode FCSR.RM
//   selects; the host's exception flags become the MIPS Cause bits. This
//   file is built with -frounding-math, and every host operation reads its
//   operands from and writes its result to volatile storage between the
//   writes and reads of the host's MXCSR (on_host), so none is folded or
//   moved across them.
// * NaNs: a NaN operand (or an invalid operation) always yields the default
//   NaN (0x7fbfffff / 0x7ff7ffffffffffff); Invalid is raised for a
//   signalling operand, which in the legacy encoding has the fraction's top
//   bit set (the opposite of x86, so the host never sees NaN operands).
// * Conversions to integer round as the instruction says; NaN, infinity and
//   out-of-range values give 2^31-1 / 2^63-1 and raise Invalid only.
// * FCSR.FS: a result that is tiny before rounding becomes a zero of the
//   same sign and raises nothing; denormal operands are used as they are.
// * recip is 1/x, rsqrt 1/sqrt(x) (two roundings); madd and friends are a
//   multiply then an add (two roundings, not fused); nmadd/nmsub negate the
//   result, NaN included. abs, neg and the moves are bit operations that
//   leave FCSR alone.
// * For 64-bit operands in the FR=0 model an odd register number raises
//   Reserved Instruction where QEMU checks it, and the 64-bit integer format
//   (L) needs FR=1.
#include <xmmintrin.h>

#include <bit>
#include <cmath>
#include <limits>
#include <type_traits>

#include "hv/cpu/exec_helpers.h"
#include "hv/cpu/fpu.h"
#include "hv/cpu/mmu.h"

namespace mipshv {

using namespace fpu;

namespace {

// ---- IEEE formats ------------------------------------------------------------

template <typename T>
struct Ieee;
template <>
struct Ieee<float> {
    using Bits = uint32_t;
    static constexpr Bits kSign = 0x80000000u, kExp = 0x7f800000u, kQuiet = 0x00400000u;
    static constexpr Bits kDefaultNan = kDefaultNanS;
};
template <>
struct Ieee<double> {
    using Bits = uint64_t;
    static constexpr Bits kSign = 0x8000000000000000ull, kExp = 0x7ff0000000000000ull;
    static constexpr Bits kQuiet = 0x0008000000000000ull, kDefaultNan = kDefaultNanD;
};
template <typename T>
using Bits = typename Ieee<T>::Bits;

template <typename T>
bool is_nan(Bits<T> b) { return (b & ~Ieee<T>::kSign) > Ieee<T>::kExp; }
// Legacy encoding: signalling when the fraction's most significant bit is set.
template <typename T>
bool is_snan(Bits<T> b) { return is_nan<T>(b) && (b & Ieee<T>::kQuiet); }

// ---- Operand access ------------------------------------------------------------

// Register n as a value of format T (S: 32 bits, D: 64 bits in the FR model).
template <typename T>
Bits<T> get(const Cpu& c, unsigned n) {
    if constexpr (sizeof(T) == 4) return fpr_read_s(c, n);
    else return fpr_read_d(c, n);
}
// Writes a 32-bit (S, W) or 64-bit (D, L) value.
inline void put(Cpu& c, unsigned n, uint32_t v) { fpr_write_s(c, n, v); }
inline void put(Cpu& c, unsigned n, uint64_t v) { fpr_write_d(c, n, v); }

// Instruction fields.
unsigned fs(const Insn& i) { return i.rd; }
unsigned ft(const Insn& i) { return i.rt; }
unsigned fd(const Insn& i) { return i.sa; }
unsigned fr(const Insn& i) { return i.rs; }
unsigned cc(const Insn& i, unsigned lsb) { return (i.word >> lsb) & 7; }

// Checks made before anything else: CU1, then for the FR=0 model the
// registers holding 64-bit operands (`regs`, the OR of their numbers; odd is
// reserved) and kNeedsFr1 (the L format, luxc1 and suxc1 need FR=1).
constexpr unsigned kNeedsFr1 = 0x100;
bool fpu_checks(Cpu& c, const Insn& i, unsigned regs) {
    if (!fpu_usable(c, i)) return false;
    if (!fpu_fr(c) && (regs & (1 | kNeedsFr1))) return raise(c, i, Exc::RI);
    return true;
}
// The registers to check when the operands of format T are 64-bit.
template <typename T>
unsigned pairs(unsigned regs) { return sizeof(T) == 8 ? regs : 0; }

// ---- Host arithmetic with MIPS exception semantics ---------------------------

// One operation's state: the rounding mode, flush-to-zero, and the EX_* bits
// raised so far.
struct Fp {
    unsigned rm;
    bool flush;
    unsigned flags = 0;
    explicit Fp(const Cpu& c) : rm(c.fpu.fcsr & RM), flush(c.fpu.fcsr & FS) {}
};

// The host's SSE control and status register (MXCSR), which every host
// operation here uses (double and float arithmetic, sqrt and conversions
// compile to SSE on x86-64; nothing uses the x87 unit). Reading and writing
// it directly costs a few cycles, where <cfenv>'s feclearexcept also saves
// and reloads the whole x87 environment, which cost more than the
// operation itself.
constexpr unsigned kMxcsrFlags = 0x3f;          // IE DE ZE OE UE PE
constexpr unsigned kMxcsrRounding = 3u << 13;   // RC
// FCSR.RM (nearest, toward zero, up, down) as MXCSR.RC.
constexpr unsigned kHostRounding[4] = {0u << 13, 3u << 13, 2u << 13, 1u << 13};
constexpr unsigned kRoundTowardZero = 1;

unsigned from_host(unsigned mxcsr) {
    return ((mxcsr & 0x20) ? EX_I : 0) | ((mxcsr & 0x10) ? EX_U : 0) | ((mxcsr & 0x08) ? EX_O : 0) |
           ((mxcsr & 0x04) ? EX_Z : 0) | ((mxcsr & 0x01) ? EX_V : 0);  // (DE, a denormal operand: no MIPS flag)
}

// Runs `op` (which computes through volatiles) in rounding mode `rm` with
// the host's flags cleared, and gives the flags it raised. The host runs in
// round-to-nearest outside this function. Writing MXCSR stalls the pipeline
// and reading it does not, so it is written only when it must change: the
// flags an operation raised are cleared again at once (so the next one
// usually finds them clear), and the rounding mode is set and reset only
// for a mode other than nearest. (No host code reads the sticky flags.)
template <typename T, typename Op>
T on_host(unsigned rm, const Op& op, unsigned& flags) {
    const unsigned before = _mm_getcsr();
    const unsigned host = before & ~(kMxcsrFlags | kMxcsrRounding);  // round to nearest, flags clear
    if (before != host || rm) _mm_setcsr(host | kHostRounding[rm]);
    const T r = op();
    const unsigned after = _mm_getcsr();
    flags = from_host(after);
    if (after != host) _mm_setcsr(host);
    return r;
}

// Whether the exact result of `op`, rounded to r with flags f, is below the
// smallest normal number (tininess before rounding, what FCSR.FS tests).
template <typename T, typename Op>
bool tiny_before_rounding(const Op& op, T r, unsigned f) {
    constexpr T kMin = std::numeric_limits<T>::min();
    const T a = std::fabs(r);
    if (a < kMin) return r != 0 || (f & EX_I);
    if (a == kMin && (f & EX_I)) {  // rounded up to the smallest normal?
        unsigned g;
        return std::fabs(on_host<T>(kRoundTowardZero, op, g)) < kMin;
    }
    return false;
}

// The result of a host operation on non-NaN operands, as a MIPS FPU gives it.
template <typename T, typename Op>
Bits<T> rounded(Fp& x, const Op& op) {
    unsigned f;
    T r = on_host<T>(x.rm, op, f);
    if (std::isnan(r)) {  // invalid operation: 0/0, inf-inf, sqrt(-1), ...
        x.flags |= f;
        return Ieee<T>::kDefaultNan;
    }
    if (x.flush && tiny_before_rounding<T>(op, r, f)) {
        r = std::copysign(T(0), r);
        f = 0;
    }
    x.flags |= f;
    return std::bit_cast<Bits<T>>(r);
}

// ---- The common case without the host's flags ---------------------------------

enum class Arith { ADD, SUB, MUL, DIV };

// Reading MXCSR waits for the operation before it to finish (on AMD Zen, and
// writing it serialises), which made it most of an FP instruction's cost.
// In round-to-nearest with operands and result within ErrorTermRange (fpu.h)
// the only flag an add, subtract, multiply, divide or square root can raise
// is Inexact, and the rounding error is exactly representable: TwoSum
// (Knuth) gives it for a sum, a fused multiply-add for a product, quotient
// or root (Boldo and Muller, "Exact and approximated error of the FMA").
// Anything else (other rounding modes, tiny or huge values, zero results
// that may have underflowed, division by zero, NaNs and infinities) takes
// the MXCSR path above.
template <typename T>
struct Safe {
    static bool within(T v) {
        const T a = std::fabs(v);
        return a >= ErrorTermRange<T>::kLow && a <= ErrorTermRange<T>::kHigh;
    }
    static bool zero_or_within(T v) { return v == 0 || within(v); }
};

// The rounding error of s = fl(a + b), exactly (Knuth's TwoSum).
template <typename T>
T sum_error(T a, T b, T s) {
    const T b_virtual = s - a;
    const T a_virtual = s - b_virtual;
    return (a - a_virtual) + (b - b_virtual);
}

// Whether the fast path applies; then r is op's result and inexact its flag.
template <typename T>
bool without_flags(Arith op, T p, T q, T& r, bool& inexact) {
    if (!Safe<T>::zero_or_within(p) || !Safe<T>::zero_or_within(q)) return false;
    switch (op) {
        case Arith::ADD:  // a zero sum of such operands is exact
            r = p + q;
            inexact = sum_error(p, q, r) != 0;
            return Safe<T>::zero_or_within(r);
        case Arith::SUB:
            r = p - q;
            inexact = sum_error(p, -q, r) != 0;
            return Safe<T>::zero_or_within(r);
        case Arith::MUL:
            r = p * q;
            inexact = std::fma(p, q, -r) != 0;
            return r == 0 ? (p == 0 || q == 0) : Safe<T>::within(r);
        case Arith::DIV:
            if (q == 0) return false;
            r = p / q;
            inexact = std::fma(-r, q, p) != 0;
            return r == 0 ? p == 0 : Safe<T>::within(r);
    }
    return false;
}

template <typename T>
bool root_without_flags(T p, T& r, bool& inexact) {
    if (!Safe<T>::zero_or_within(p) || p < 0) return false;
    r = std::sqrt(p);
    inexact = std::fma(-r, r, p) != 0;
    return true;
}

template <typename T>
Bits<T> nan_result(Fp& x, bool signalling) {
    if (signalling) x.flags |= EX_V;
    return Ieee<T>::kDefaultNan;
}

template <typename T>
Bits<T> arith(Fp& x, Arith op, Bits<T> a, Bits<T> b) {
    if (is_nan<T>(a) || is_nan<T>(b)) return nan_result<T>(x, is_snan<T>(a) || is_snan<T>(b));
    const T p = std::bit_cast<T>(a), q = std::bit_cast<T>(b);
    T r;
    bool inexact;
    if (x.rm == 0 && without_flags(op, p, q, r, inexact)) {
        if (inexact) x.flags |= EX_I;
        return std::bit_cast<Bits<T>>(r);
    }
    return rounded<T>(x, [=] {
        volatile T vp = p, vq = q;
        volatile T r;
        switch (op) {
            case Arith::ADD: r = vp + vq; break;
            case Arith::SUB: r = vp - vq; break;
            case Arith::MUL: r = vp * vq; break;
            case Arith::DIV: r = vp / vq; break;
        }
        return T(r);
    });
}

template <typename T>
Bits<T> square_root(Fp& x, Bits<T> a) {
    if (is_nan<T>(a)) return nan_result<T>(x, is_snan<T>(a));
    const T p = std::bit_cast<T>(a);
    T root;
    bool inexact;
    if (x.rm == 0 && root_without_flags(p, root, inexact)) {
        if (inexact) x.flags |= EX_I;
        return std::bit_cast<Bits<T>>(root);
    }
    return rounded<T>(x, [=] {
        volatile T vp = p;
        volatile T r = std::sqrt(T(vp));
        return T(r);
    });
}

template <typename T>
constexpr Bits<T> one() { return std::bit_cast<Bits<T>>(T(1)); }

// Between the floating-point formats.
template <typename To, typename From>
Bits<To> convert(Fp& x, Bits<From> a) {
    if (is_nan<From>(a)) return nan_result<To>(x, is_snan<From>(a));
    const From p = std::bit_cast<From>(a);
    return rounded<To>(x, [=] {
        volatile From vp = p;
        volatile To r = To(vp);
        return To(r);
    });
}

// From a 32- or 64-bit integer.
template <typename To, typename Int>
Bits<To> from_int(Fp& x, Int v) {
    return rounded<To>(x, [=] {
        volatile Int vp = v;
        volatile To r = To(vp);
        return To(r);
    });
}

// To a 32- or 64-bit integer, rounding in mode rm (0..3 as FCSR.RM).
double round_integral(double v, unsigned rm) {
    switch (rm) {
        case 1: return std::trunc(v);
        case 2: return std::ceil(v);
        case 3: return std::floor(v);
        default: {
            const double r = std::round(v);  // halfway cases away from zero
            return std::fabs(r - v) == 0.5 ? 2.0 * std::round(v / 2.0) : r;
        }
    }
}

template <typename Int, typename T>
std::make_unsigned_t<Int> to_int(Fp& x, Bits<T> a, unsigned rm) {
    using U = std::make_unsigned_t<Int>;
    constexpr U kInvalid = U(std::numeric_limits<Int>::max());
    constexpr double kLimit = -double(std::numeric_limits<Int>::min());  // 2^31 or 2^63
    if (is_nan<T>(a)) {
        x.flags |= EX_V;
        return kInvalid;
    }
    const double v = double(std::bit_cast<T>(a));  // exact
    const double r = round_integral(v, rm);
    if (!(r >= -kLimit && r < kLimit)) {  // out of range or infinite
        x.flags |= EX_V;
        return kInvalid;
    }
    if (r != v) x.flags |= EX_I;
    return U(Int(r));
}

// c.cond.fmt: bit 0 of cond is "unordered", 1 "equal", 2 "less than"; bit 3
// makes the comparison signal Invalid for quiet NaNs too.
template <typename T>
bool compare(Fp& x, Bits<T> a, Bits<T> b, unsigned cond) {
    if (is_nan<T>(a) || is_nan<T>(b)) {
        if ((cond & 8) || is_snan<T>(a) || is_snan<T>(b)) x.flags |= EX_V;
        return cond & 1;
    }
    const T p = std::bit_cast<T>(a), q = std::bit_cast<T>(b);
    return ((cond & 4) && p < q) || ((cond & 2) && p == q);
}

// ---- Instruction patterns --------------------------------------------------

// fd := compute(Fp&) for an operation that updates FCSR: the result, of
// width uint32_t (S, W) or uint64_t (D, L), is written only when no
// exception is taken.
template <typename Compute>
bool fp_op(Cpu& c, const Insn& i, unsigned regs, const Compute& compute) {
    if (!fpu_checks(c, i, regs)) return false;
    Fp x(c);
    const auto r = compute(x);
    if (!fpu_finish(c, i, x.flags)) return false;
    put(c, fd(i), r);
    return true;
}

template <typename T>
bool binary(Cpu& c, const Insn& i, Arith op) {
    return fp_op(c, i, pairs<T>(fs(i) | ft(i) | fd(i)),
                 [&](Fp& x) { return arith<T>(x, op, get<T>(c, fs(i)), get<T>(c, ft(i))); });
}
template <typename T>
bool sqrt_op(Cpu& c, const Insn& i) {
    return fp_op(c, i, pairs<T>(fs(i) | fd(i)), [&](Fp& x) { return square_root<T>(x, get<T>(c, fs(i))); });
}
template <typename T>
bool recip(Cpu& c, const Insn& i) {
    return fp_op(c, i, pairs<T>(fs(i) | fd(i)),
                 [&](Fp& x) { return arith<T>(x, Arith::DIV, one<T>(), get<T>(c, fs(i))); });
}
template <typename T>
bool rsqrt(Cpu& c, const Insn& i) {
    return fp_op(c, i, pairs<T>(fs(i) | fd(i)), [&](Fp& x) {
        return arith<T>(x, Arith::DIV, one<T>(), square_root<T>(x, get<T>(c, fs(i))));
    });
}
// fd := ±(fs * ft ± fr), rounded after the multiply and after the add.
template <typename T>
bool multiply_add(Cpu& c, const Insn& i, Arith add_or_sub, bool negate) {
    return fp_op(c, i, pairs<T>(fd(i) | fs(i) | ft(i) | fr(i)), [&](Fp& x) {
        const Bits<T> product = arith<T>(x, Arith::MUL, get<T>(c, fs(i)), get<T>(c, ft(i)));
        const Bits<T> r = arith<T>(x, add_or_sub, product, get<T>(c, fr(i)));
        return negate ? Bits<T>(r ^ Ieee<T>::kSign) : r;
    });
}
// To an integer format in rounding mode rm (kFcsrRounding: FCSR.RM).
constexpr unsigned kFcsrRounding = 4;
template <typename Int, typename T>
bool to_integer(Cpu& c, const Insn& i, unsigned rm) {
    const unsigned regs = sizeof(Int) == 8 ? kNeedsFr1 : pairs<T>(fs(i));
    return fp_op(c, i, regs, [&](Fp& x) {
        return to_int<Int, T>(x, get<T>(c, fs(i)), rm == kFcsrRounding ? x.rm : rm);
    });
}

// fd := f(fs) with no FCSR update (moves, abs, neg), when `condition` holds.
template <typename T, typename F>
bool fp_move(Cpu& c, const Insn& i, unsigned regs, bool condition, const F& f) {
    if (!fpu_checks(c, i, regs)) return false;
    if (condition) put(c, fd(i), Bits<T>(f(get<T>(c, fs(i)))));
    return true;
}
template <typename T>
bool plain_move(Cpu& c, const Insn& i, unsigned regs, bool condition) {
    return fp_move<T>(c, i, regs, condition, [](Bits<T> v) { return v; });
}

template <typename T>
bool compare_op(Cpu& c, const Insn& i, unsigned cond) {
    if (!fpu_checks(c, i, pairs<T>(fs(i) | ft(i)))) return false;
    Fp x(c);
    const bool r = compare<T>(x, get<T>(c, fs(i)), get<T>(c, ft(i)), cond);
    if (!fpu_finish(c, i, x.flags)) return false;
    fpu_set_cc(c, cc(i, 8), r);
    return true;
}

bool bc1(Cpu& c, const Insn& i, bool on_true, bool likely) {
    if (!fpu_usable(c, i)) return false;
    const bool taken = fpu_cc(c, cc(i, 18)) == on_true;
    if (taken) {
        c.next_pc = i.target;
        return true;
    }
    if (likely) {  // annul the delay slot
        c.pc = i.pc + 8;
        return false;
    }
    c.next_pc = i.pc + 8;
    return true;
}

// Loads and stores: W is the access width (uint32_t or uint64_t).
uint64_t offset_ea(const Cpu& c, const Insn& i) { return RS + SIMM; }
uint64_t indexed_ea(const Cpu& c, const Insn& i) { return RS + RT; }

template <typename W>
bool load_fpr(Cpu& c, const Insn& i, unsigned regs, unsigned reg, uint64_t va) {
    if (!fpu_checks(c, i, regs)) return false;
    uint64_t v;
    if (!load<W>(c, i, va, v)) return false;
    put(c, reg, W(v));
    return true;
}
template <typename W>
bool store_fpr(Cpu& c, const Insn& i, unsigned regs, unsigned reg, uint64_t va) {
    if (!fpu_checks(c, i, regs)) return false;
    if constexpr (sizeof(W) == 4) return store<W>(c, i, va, fpr_read_s(c, reg));
    else return store<W>(c, i, va, fpr_read_d(c, reg));
}

}  // namespace

// ---- Moves between register files ---------------------------------------------

DEF_INSN(mfc1) { if (!fpu_usable(c, i)) return false; WRITE_DST(sext32(fpr_read_s(c, fs(i)))); CONTINUE; }
DEF_INSN(dmfc1) { if (!fpu_usable(c, i)) return false; WRITE_DST(fpr_read_d(c, fs(i))); CONTINUE; }
DEF_INSN(mfhc1) { if (!fpu_usable(c, i)) return false; WRITE_DST(sext32(fpr_read_hi(c, fs(i)))); CONTINUE; }
DEF_INSN(mtc1) { if (!fpu_usable(c, i)) return false; fpr_write_s(c, fs(i), uint32_t(RT)); CONTINUE; }
DEF_INSN(dmtc1) { if (!fpu_usable(c, i)) return false; fpr_write_d(c, fs(i), RT); CONTINUE; }
DEF_INSN(mthc1) { if (!fpu_usable(c, i)) return false; fpr_write_hi(c, fs(i), uint32_t(RT)); CONTINUE; }
DEF_INSN(cfc1) { if (!fpu_usable(c, i)) return false; WRITE_DST(fpu_read_control(c, fs(i))); CONTINUE; }
DEF_INSN(ctc1) { return fpu_usable(c, i) && fpu_write_control(c, i, fs(i), RT); }

// GPR moves on an FP condition code (SPECIAL MOVCI, cc in bits 20..18).
DEF_INSN(movf) { if (!fpu_usable(c, i)) return false; if (!fpu_cc(c, cc(i, 18))) WRITE_DST(RS); CONTINUE; }
DEF_INSN(movt) { if (!fpu_usable(c, i)) return false; if (fpu_cc(c, cc(i, 18))) WRITE_DST(RS); CONTINUE; }

// ---- Branches ---------------------------------------------------------------------

DEF_INSN(bc1f) { return bc1(c, i, false, false); }
DEF_INSN(bc1t) { return bc1(c, i, true, false); }
DEF_INSN(bc1fl) { return bc1(c, i, false, true); }
DEF_INSN(bc1tl) { return bc1(c, i, true, true); }

// ---- Arithmetic -------------------------------------------------------------------

DEF_INSN(add_s) { return binary<float>(c, i, Arith::ADD); }
DEF_INSN(add_d) { return binary<double>(c, i, Arith::ADD); }
DEF_INSN(sub_s) { return binary<float>(c, i, Arith::SUB); }
DEF_INSN(sub_d) { return binary<double>(c, i, Arith::SUB); }
DEF_INSN(mul_s) { return binary<float>(c, i, Arith::MUL); }
DEF_INSN(mul_d) { return binary<double>(c, i, Arith::MUL); }
DEF_INSN(div_s) { return binary<float>(c, i, Arith::DIV); }
DEF_INSN(div_d) { return binary<double>(c, i, Arith::DIV); }
DEF_INSN(sqrt_s) { return sqrt_op<float>(c, i); }
DEF_INSN(sqrt_d) { return sqrt_op<double>(c, i); }
DEF_INSN(recip_s) { return recip<float>(c, i); }
DEF_INSN(recip_d) { return recip<double>(c, i); }
DEF_INSN(rsqrt_s) { return rsqrt<float>(c, i); }
DEF_INSN(rsqrt_d) { return rsqrt<double>(c, i); }

DEF_INSN(madd_s) { return multiply_add<float>(c, i, Arith::ADD, false); }
DEF_INSN(madd_d) { return multiply_add<double>(c, i, Arith::ADD, false); }
DEF_INSN(msub_s) { return multiply_add<float>(c, i, Arith::SUB, false); }
DEF_INSN(msub_d) { return multiply_add<double>(c, i, Arith::SUB, false); }
DEF_INSN(nmadd_s) { return multiply_add<float>(c, i, Arith::ADD, true); }
DEF_INSN(nmadd_d) { return multiply_add<double>(c, i, Arith::ADD, true); }
DEF_INSN(nmsub_s) { return multiply_add<float>(c, i, Arith::SUB, true); }
DEF_INSN(nmsub_d) { return multiply_add<double>(c, i, Arith::SUB, true); }

// ---- Sign operations and moves (no FCSR update) ----------------------------------

DEF_INSN(abs_s) { return fp_move<float>(c, i, 0, true, [](uint32_t v) { return v & ~Ieee<float>::kSign; }); }
DEF_INSN(abs_d) { return fp_move<double>(c, i, fs(i) | fd(i), true, [](uint64_t v) { return v & ~Ieee<double>::kSign; }); }
DEF_INSN(neg_s) { return fp_move<float>(c, i, 0, true, [](uint32_t v) { return v ^ Ieee<float>::kSign; }); }
DEF_INSN(neg_d) { return fp_move<double>(c, i, fs(i) | fd(i), true, [](uint64_t v) { return v ^ Ieee<double>::kSign; }); }
DEF_INSN(mov_s) { return plain_move<float>(c, i, 0, true); }
DEF_INSN(mov_d) { return plain_move<double>(c, i, fs(i) | fd(i), true); }
DEF_INSN(movf_s) { return plain_move<float>(c, i, 0, !fpu_cc(c, cc(i, 18))); }
DEF_INSN(movf_d) { return plain_move<double>(c, i, 0, !fpu_cc(c, cc(i, 18))); }
DEF_INSN(movt_s) { return plain_move<float>(c, i, 0, fpu_cc(c, cc(i, 18))); }
DEF_INSN(movt_d) { return plain_move<double>(c, i, 0, fpu_cc(c, cc(i, 18))); }
DEF_INSN(movz_s) { return plain_move<float>(c, i, 0, RT == 0); }
DEF_INSN(movz_d) { return plain_move<double>(c, i, 0, RT == 0); }
DEF_INSN(movn_s) { return plain_move<float>(c, i, 0, RT != 0); }
DEF_INSN(movn_d) { return plain_move<double>(c, i, 0, RT != 0); }

// ---- Conversions ---------------------------------------------------------------

DEF_INSN(cvt_s_d) { return fp_op(c, i, fs(i), [&](Fp& x) { return convert<float, double>(x, get<double>(c, fs(i))); }); }
DEF_INSN(cvt_d_s) { return fp_op(c, i, fd(i), [&](Fp& x) { return convert<double, float>(x, get<float>(c, fs(i))); }); }
DEF_INSN(cvt_s_w) { return fp_op(c, i, 0, [&](Fp& x) { return from_int<float>(x, int32_t(fpr_read_s(c, fs(i)))); }); }
DEF_INSN(cvt_d_w) { return fp_op(c, i, fd(i), [&](Fp& x) { return from_int<double>(x, int32_t(fpr_read_s(c, fs(i)))); }); }
DEF_INSN(cvt_s_l) { return fp_op(c, i, kNeedsFr1, [&](Fp& x) { return from_int<float>(x, int64_t(fpr_read_d(c, fs(i)))); }); }
DEF_INSN(cvt_d_l) { return fp_op(c, i, kNeedsFr1, [&](Fp& x) { return from_int<double>(x, int64_t(fpr_read_d(c, fs(i)))); }); }

DEF_INSN(cvt_w_s) { return to_integer<int32_t, float>(c, i, kFcsrRounding); }
DEF_INSN(cvt_w_d) { return to_integer<int32_t, double>(c, i, kFcsrRounding); }
DEF_INSN(cvt_l_s) { return to_integer<int64_t, float>(c, i, kFcsrRounding); }
DEF_INSN(cvt_l_d) { return to_integer<int64_t, double>(c, i, kFcsrRounding); }
DEF_INSN(round_w_s) { return to_integer<int32_t, float>(c, i, 0); }
DEF_INSN(round_w_d) { return to_integer<int32_t, double>(c, i, 0); }
DEF_INSN(round_l_s) { return to_integer<int64_t, float>(c, i, 0); }
DEF_INSN(round_l_d) { return to_integer<int64_t, double>(c, i, 0); }
DEF_INSN(trunc_w_s) { return to_integer<int32_t, float>(c, i, 1); }
DEF_INSN(trunc_w_d) { return to_integer<int32_t, double>(c, i, 1); }
DEF_INSN(trunc_l_s) { return to_integer<int64_t, float>(c, i, 1); }
DEF_INSN(trunc_l_d) { return to_integer<int64_t, double>(c, i, 1); }
DEF_INSN(ceil_w_s) { return to_integer<int32_t, float>(c, i, 2); }
DEF_INSN(ceil_w_d) { return to_integer<int32_t, double>(c, i, 2); }
DEF_INSN(ceil_l_s) { return to_integer<int64_t, float>(c, i, 2); }
DEF_INSN(ceil_l_d) { return to_integer<int64_t, double>(c, i, 2); }
DEF_INSN(floor_w_s) { return to_integer<int32_t, float>(c, i, 3); }
DEF_INSN(floor_w_d) { return to_integer<int32_t, double>(c, i, 3); }
DEF_INSN(floor_l_s) { return to_integer<int64_t, float>(c, i, 3); }
DEF_INSN(floor_l_d) { return to_integer<int64_t, double>(c, i, 3); }

// ---- Comparisons: condition code cc (bits 10..8) := fs cond ft -------------------

DEF_INSN(c_f_s) { return compare_op<float>(c, i, 0); }
DEF_INSN(c_un_s) { return compare_op<float>(c, i, 1); }
DEF_INSN(c_eq_s) { return compare_op<float>(c, i, 2); }
DEF_INSN(c_ueq_s) { return compare_op<float>(c, i, 3); }
DEF_INSN(c_olt_s) { return compare_op<float>(c, i, 4); }
DEF_INSN(c_ult_s) { return compare_op<float>(c, i, 5); }
DEF_INSN(c_ole_s) { return compare_op<float>(c, i, 6); }
DEF_INSN(c_ule_s) { return compare_op<float>(c, i, 7); }
DEF_INSN(c_sf_s) { return compare_op<float>(c, i, 8); }
DEF_INSN(c_ngle_s) { return compare_op<float>(c, i, 9); }
DEF_INSN(c_seq_s) { return compare_op<float>(c, i, 10); }
DEF_INSN(c_ngl_s) { return compare_op<float>(c, i, 11); }
DEF_INSN(c_lt_s) { return compare_op<float>(c, i, 12); }
DEF_INSN(c_nge_s) { return compare_op<float>(c, i, 13); }
DEF_INSN(c_le_s) { return compare_op<float>(c, i, 14); }
DEF_INSN(c_ngt_s) { return compare_op<float>(c, i, 15); }
DEF_INSN(c_f_d) { return compare_op<double>(c, i, 0); }
DEF_INSN(c_un_d) { return compare_op<double>(c, i, 1); }
DEF_INSN(c_eq_d) { return compare_op<double>(c, i, 2); }
DEF_INSN(c_ueq_d) { return compare_op<double>(c, i, 3); }
DEF_INSN(c_olt_d) { return compare_op<double>(c, i, 4); }
DEF_INSN(c_ult_d) { return compare_op<double>(c, i, 5); }
DEF_INSN(c_ole_d) { return compare_op<double>(c, i, 6); }
DEF_INSN(c_ule_d) { return compare_op<double>(c, i, 7); }
DEF_INSN(c_sf_d) { return compare_op<double>(c, i, 8); }
DEF_INSN(c_ngle_d) { return compare_op<double>(c, i, 9); }
DEF_INSN(c_seq_d) { return compare_op<double>(c, i, 10); }
DEF_INSN(c_ngl_d) { return compare_op<double>(c, i, 11); }
DEF_INSN(c_lt_d) { return compare_op<double>(c, i, 12); }
DEF_INSN(c_nge_d) { return compare_op<double>(c, i, 13); }
DEF_INSN(c_le_d) { return compare_op<double>(c, i, 14); }
DEF_INSN(c_ngt_d) { return compare_op<double>(c, i, 15); }

// ---- Loads and stores ------------------------------------------------------------

DEF_INSN(lwc1) { return load_fpr<uint32_t>(c, i, 0, ft(i), offset_ea(c, i)); }
DEF_INSN(ldc1) { return load_fpr<uint64_t>(c, i, 0, ft(i), offset_ea(c, i)); }
DEF_INSN(swc1) { return store_fpr<uint32_t>(c, i, 0, ft(i), offset_ea(c, i)); }
DEF_INSN(sdc1) { return store_fpr<uint64_t>(c, i, 0, ft(i), offset_ea(c, i)); }
DEF_INSN(lwxc1) { return load_fpr<uint32_t>(c, i, 0, fd(i), indexed_ea(c, i)); }
DEF_INSN(ldxc1) { return load_fpr<uint64_t>(c, i, fd(i), fd(i), indexed_ea(c, i)); }
DEF_INSN(luxc1) { return load_fpr<uint64_t>(c, i, kNeedsFr1, fd(i), indexed_ea(c, i) & ~7ull); }
DEF_INSN(swxc1) { return store_fpr<uint32_t>(c, i, 0, fs(i), indexed_ea(c, i)); }
DEF_INSN(sdxc1) { return store_fpr<uint64_t>(c, i, fs(i), fs(i), indexed_ea(c, i)); }
DEF_INSN(suxc1) { return store_fpr<uint64_t>(c, i, kNeedsFr1, fs(i), indexed_ea(c, i) & ~7ull); }
DEF_INSN(prefx) { return fpu_usable(c, i); }  // a hint: no effect

// ---- Reserved encodings in the COP1 and COP1X opcode spaces ------------------------

DEF_INSN(cop1_reserved) { return fpu_usable(c, i) && raise(c, i, Exc::RI); }
DEF_INSN(cop1x_reserved) { return fpu_usable(c, i) && raise(c, i, Exc::RI); }

}  // namespace mipshv
