// FPU arithmetic (add, sub, mul, div in S and D) as host SSE instructions,
// for the common case that exec_fpu.cpp's "without the host's flags"
// proves: round to nearest, Inexact not enabled, operands and result within
// fpu::ErrorTermRange. Inexact is then "the rounding error is not zero",
// computed exactly (TwoSum for a sum, FMA for a product or quotient), so
// the host's MXCSR, whose reads wait for the operation, is never touched.
// Everything else (FR=0 doubles, other rounding modes, NaNs, infinities,
// zeros, tiny or huge values, division by zero) is the routine's, through
// the routine path, which computes the instruction again from the start.
#include "hv/cpu/fpu.h"
#include "hv/engine/jit/translator.h"

namespace mipshv::jit {

namespace {

enum class Op { ADD, SUB, MUL, DIV };

struct Arith {
    Op op;
    bool dbl;
};

bool arith_of(Opcode o, Arith& a) {
    switch (o) {
        case Opcode::add_d: a = {Op::ADD, true}; return true;
        case Opcode::sub_d: a = {Op::SUB, true}; return true;
        case Opcode::mul_d: a = {Op::MUL, true}; return true;
        case Opcode::div_d: a = {Op::DIV, true}; return true;
        case Opcode::add_s: a = {Op::ADD, false}; return true;
        case Opcode::sub_s: a = {Op::SUB, false}; return true;
        case Opcode::mul_s: a = {Op::MUL, false}; return true;
        case Opcode::div_s: a = {Op::DIV, false}; return true;
        default: return false;
    }
}

}  // namespace

bool Translator::emit_fpu_arith(size_t k) {
    const Insn& i = b_.insns[k];
    Arith a;
    if (!arith_of(i.op, a)) return false;
    if ((a.op == Op::MUL || a.op == Op::DIV) && !has_fma()) return false;
    const unsigned fs = i.rd, ft = i.rt, fd = i.sa;  // as exec_fpu.cpp's fields
    const RoutinePath p = open_routine_path(k);
    Label& slow = *p.slow;
    require_fpu(slow, a.dbl);
    constexpr uint32_t kInexact = fpu::EX_I;
    test(dword[rbx + L_.fcsr], int32_t(fpu::RM | (kInexact << fpu::ENABLES_SHIFT)));
    jnz(slow, T_NEAR);

    const Xbyak::Address x = a.dbl ? fpr(fs) : dword[rbx + L_.fpr + 8 * int32_t(fs)];
    const Xbyak::Address y = a.dbl ? fpr(ft) : dword[rbx + L_.fpr + 8 * int32_t(ft)];
    // Jumps to slow unless |v| (the bits in xmm `v`) is within the range.
    auto require_within = [&](const Xbyak::Xmm& v) {
        if (a.dbl) {
            movq(rax, v);
            add(rax, rax);
            mov(rcx, fpu::ErrorTermRange<double>::kLow2);
            sub(rax, rcx);
            mov(rcx, fpu::ErrorTermRange<double>::kSpan2);
            cmp(rax, rcx);
        } else {
            movd(eax, v);
            add(eax, eax);
            sub(eax, fpu::ErrorTermRange<float>::kLow2);
            cmp(eax, fpu::ErrorTermRange<float>::kSpan2);
        }
        ja(slow, T_NEAR);
    };
    auto load = [&](const Xbyak::Xmm& r, const Xbyak::Address& m) { a.dbl ? movsd(r, m) : movss(r, m); };
    auto add_ = [&](const Xbyak::Xmm& r, const Xbyak::Operand& m) { a.dbl ? addsd(r, m) : addss(r, m); };
    auto sub_ = [&](const Xbyak::Xmm& r, const Xbyak::Operand& m) { a.dbl ? subsd(r, m) : subss(r, m); };

    // xmm0 := the result, xmm1 := its rounding error (exact, see above).
    load(xmm0, x);
    switch (a.op) {
        case Op::ADD: add_(xmm0, y); break;
        case Op::SUB: sub_(xmm0, y); break;
        case Op::MUL: a.dbl ? mulsd(xmm0, y) : mulss(xmm0, y); break;
        case Op::DIV: a.dbl ? divsd(xmm0, y) : divss(xmm0, y); break;
    }
    require_within(xmm0);
    switch (a.op) {
        case Op::ADD:
        case Op::SUB:
            // TwoSum of x and ±y: yv = s - x, xv = s - yv, error (x - xv) + (±y - yv).
            movaps(xmm1, xmm0);
            sub_(xmm1, x);  // yv
            movaps(xmm2, xmm0);
            sub_(xmm2, xmm1);  // xv
            load(xmm3, x);
            sub_(xmm3, xmm2);  // x - xv
            load(xmm2, y);
            if (a.op == Op::ADD) {
                sub_(xmm2, xmm1);  // y - yv
                add_(xmm3, xmm2);
            } else {
                add_(xmm2, xmm1);  // -(-y - yv)
                sub_(xmm3, xmm2);
            }
            movaps(xmm1, xmm3);
            break;
        case Op::MUL:  // x * y - r
            load(xmm1, x);
            load(xmm2, y);
            a.dbl ? vfmsub213sd(xmm1, xmm2, xmm0) : vfmsub213ss(xmm1, xmm2, xmm0);
            break;
        case Op::DIV:  // x - r * y; the dividend must be within the range too
            load(xmm3, x);
            require_within(xmm3);
            movaps(xmm1, xmm0);
            load(xmm2, y);
            a.dbl ? vfnmadd213sd(xmm1, xmm2, xmm3) : vfnmadd213ss(xmm1, xmm2, xmm3);
            break;
    }
    // FCSR: Cause := Inexact or nothing; Flags |= the same (fpu_finish).
    xorps(xmm2, xmm2);
    a.dbl ? ucomisd(xmm1, xmm2) : ucomiss(xmm1, xmm2);
    setne(al);
    movzx(eax, al);
    imul(eax, eax, int32_t((kInexact << fpu::CAUSE_SHIFT) | (kInexact << fpu::FLAGS_SHIFT)));
    mov(ecx, dword[rbx + L_.fcsr]);
    and_(ecx, int32_t(~fpu::CAUSE));
    or_(ecx, eax);
    mov(dword[rbx + L_.fcsr], ecx);
    a.dbl ? movsd(fpr(fd), xmm0) : movss(dword[rbx + L_.fpr + 8 * int32_t(fd)], xmm0);
    close_routine_path(p);
    return true;
}

}  // namespace mipshv::jit
