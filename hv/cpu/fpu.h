// Coprocessor 1 (the FPU) outside the arithmetic itself: the register file
// in its two Status.FR models, the control registers (FIR, FCSR and its
// FCCR/FEXR/FENR views), the IEEE exception bookkeeping that ends every
// arithmetic instruction, and the coprocessor-usable check.
//
// Register model (the same storage serves both FR modes, as in QEMU, so a
// mode switch keeps the contents):
//   FR=1: 32 registers of 64 bits; a single uses the low 32 bits.
//   FR=0: 32 registers of 32 bits, fpr[n]'s low half; a double or a 64-bit
//         integer lives in the pair (n & ~1, n | 1), low word first. Odd
//         double registers are architecturally reserved: instructions that
//         QEMU checks raise Reserved Instruction, the rest use the pair.
// A 32-bit write leaves the upper half of the 64-bit register unchanged.
#pragma once
#include <bit>
#include <cstdint>
#include <limits>
#include <type_traits>

#include "hv/cpu/cpu.h"

namespace mipshv {

namespace fpu {

// IEEE exception bits, in the order the Cause, Enables and Flags fields use.
constexpr unsigned EX_I = 1, EX_U = 2, EX_O = 4, EX_Z = 8, EX_V = 16, EX_E = 32;

// FCSR (FCR31).
constexpr uint32_t RM = 3;  // 0 nearest, 1 toward zero, 2 toward +inf, 3 toward -inf
constexpr unsigned FLAGS_SHIFT = 2, ENABLES_SHIFT = 7, CAUSE_SHIFT = 12;
constexpr uint32_t FLAGS = 0x1fu << FLAGS_SHIFT;      // sticky V Z O U I
constexpr uint32_t ENABLES = 0x1fu << ENABLES_SHIFT;  // trap enables V Z O U I
constexpr uint32_t CAUSE = 0x3fu << CAUSE_SHIFT;      // last operation's E V Z O U I
constexpr uint32_t CC0 = 1u << 23;                     // condition code 0
constexpr uint32_t FS = 1u << 24;                      // flush tiny results to zero
// cc1..cc7 are bits 25..31. NAN2008/ABS2008 (18, 19) and bits 20..22 read as
// zero: this is a legacy-NaN (pre-2008) FPU.
constexpr uint32_t FCSR_WRITABLE = 0xff83ffffu;

// FIR (FCR0): 64-bit FPU with S, D, W and L formats; no paired single, no
// MIPS-3D. ProcessorID and Revision are 0, as on QEMU's MIPS64R2-generic.
constexpr uint32_t FIR_S = 1u << 16, FIR_D = 1u << 17, FIR_PS = 1u << 18, FIR_3D = 1u << 19;
constexpr uint32_t FIR_W = 1u << 20, FIR_L = 1u << 21, FIR_F64 = 1u << 22;
constexpr unsigned FIR_PRID_SHIFT = 8, FIR_REV_SHIFT = 0;
constexpr uint32_t kFirPrid = 0x00, kFirRev = 0x00;
constexpr uint32_t kFirValue =
    FIR_F64 | FIR_L | FIR_W | FIR_D | FIR_S | (kFirPrid << FIR_PRID_SHIFT) | (kFirRev << FIR_REV_SHIFT);

// Legacy NaN encoding: the fraction's top bit set means signalling.
constexpr uint32_t kDefaultNanS = 0x7fbfffffu;
constexpr uint64_t kDefaultNanD = 0x7ff7ffffffffffffull;

// Where an add, subtract, multiply, divide or square root rounded to
// nearest can raise only Inexact and its rounding error is exactly
// representable, so that Inexact is "the error term is not zero" and the
// host's flags need not be read (exec_fpu.cpp, "without the host's flags";
// the jit's native forms use the same bounds). The error term is a multiple
// of ulp(x) * ulp(y) for the operands of a product (or quotient and divisor,
// or root and root): kLow = 2^(emin + 2p) keeps it clear of underflow.
// kHigh = 2^(emax - 3) keeps TwoSum's intermediates clear of overflow.
template <typename T>
struct ErrorTermRange {
    using Bits = std::conditional_t<sizeof(T) == 4, uint32_t, uint64_t>;
    static constexpr T power_of_two(int e) {
        return std::bit_cast<T>(
            Bits(Bits(e + std::numeric_limits<T>::max_exponent - 1) << (std::numeric_limits<T>::digits - 1)));
    }
    static constexpr T kLow = power_of_two(std::numeric_limits<T>::min_exponent - 1 + 2 * std::numeric_limits<T>::digits);
    static constexpr T kHigh = power_of_two(std::numeric_limits<T>::max_exponent - 4);
    // The bounds as bit patterns shifted left by one (the sign dropped), as
    // translated code compares |x|: within iff (bits << 1) - kLow2 <= kSpan2.
    static constexpr Bits kLow2 = Bits(std::bit_cast<Bits>(kLow) << 1);
    static constexpr Bits kSpan2 = Bits((std::bit_cast<Bits>(kHigh) << 1) - kLow2);
};
static_assert(ErrorTermRange<double>::kLow == 0x1p-916 && ErrorTermRange<double>::kHigh == 0x1p1020);
static_assert(ErrorTermRange<float>::kLow == 0x1p-78f && ErrorTermRange<float>::kHigh == 0x1p124f);

}  // namespace fpu

// Reset state of coprocessor 1: FIR as above, FCSR zero, registers kept.
void fpu_reset(Cpu& c);

// Status.FR: 64-bit register model.
inline bool fpu_fr(const Cpu& c) { return c.cp0.status & cp0::status::FR; }

// Status.CU1 clear: raises Coprocessor Unusable (CE=1) and returns false.
bool fpu_usable(Cpu& c, const Insn& i);

// Register access in the current FR model.
inline uint32_t fpr_read_s(const Cpu& c, unsigned n) { return uint32_t(c.fpu.fpr[n]); }
inline void fpr_write_s(Cpu& c, unsigned n, uint32_t v) {
    c.fpu.fpr[n] = (c.fpu.fpr[n] & 0xffffffff00000000ull) | v;
}
inline uint64_t fpr_read_d(const Cpu& c, unsigned n) {
    if (fpu_fr(c)) return c.fpu.fpr[n];
    return uint32_t(c.fpu.fpr[n & ~1u]) | (c.fpu.fpr[n | 1u] << 32);
}
inline void fpr_write_d(Cpu& c, unsigned n, uint64_t v) {
    if (fpu_fr(c)) {
        c.fpu.fpr[n] = v;
        return;
    }
    fpr_write_s(c, n & ~1u, uint32_t(v));
    fpr_write_s(c, n | 1u, uint32_t(v >> 32));
}
// The high word of a 64-bit value (mfhc1/mthc1): FR=0 uses the odd register.
inline uint32_t fpr_read_hi(const Cpu& c, unsigned n) {
    return fpu_fr(c) ? uint32_t(c.fpu.fpr[n] >> 32) : fpr_read_s(c, n | 1u);
}
inline void fpr_write_hi(Cpu& c, unsigned n, uint32_t v) {
    if (fpu_fr(c)) c.fpu.fpr[n] = (c.fpu.fpr[n] & 0xffffffffull) | (uint64_t(v) << 32);
    else fpr_write_s(c, n | 1u, v);
}
// FR=0 reserves odd register numbers for 64-bit operands: `regs` is the OR
// of the register numbers an instruction uses as 64-bit values.

// Condition codes: cc0 is FCSR bit 23, cc1..cc7 bits 25..31.
constexpr unsigned fpu_cc_bit(unsigned cc) { return cc ? 24 + cc : 23; }
inline bool fpu_cc(const Cpu& c, unsigned cc) { return (c.fpu.fcsr >> fpu_cc_bit(cc)) & 1; }
inline void fpu_set_cc(Cpu& c, unsigned cc, bool v) {
    const uint32_t bit = 1u << fpu_cc_bit(cc);
    c.fpu.fcsr = v ? (c.fpu.fcsr | bit) : (c.fpu.fcsr & ~bit);
}

// Ends an arithmetic operation that raised the IEEE exceptions `flags`
// (EX_* bits): Cause := flags; then, if one of them is enabled, a Floating
// Point exception (Flags untouched, the caller must not write its result),
// otherwise Flags |= flags. Returns false when the exception was taken.
bool fpu_finish(Cpu& c, const Insn& i, unsigned flags);

// cfc1: FCR0 (FIR), 25 (FCCR), 26 (FEXR), 28 (FENR), 31 (FCSR). As on QEMU,
// 1 and 5 (UFR/FRE, absent here) read 0 and any other number reads FCSR.
uint64_t fpu_read_control(const Cpu& c, unsigned fs);
// ctc1: writes FCR25/26/28/31 (others are ignored); a value with bits set
// outside the view's fields is ignored. Raises a Floating Point exception,
// after the write, if a Cause bit is then enabled (E always is). Returns
// false when the exception was taken.
bool fpu_write_control(Cpu& c, const Insn& i, unsigned fs, uint64_t value);

}  // namespace mipshv
