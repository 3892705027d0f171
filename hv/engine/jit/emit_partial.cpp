// The partial-word loads (lwl, lwr, ldl, ldr) in host code: the aligned
// word holding the effective address is read through the software-TLB hit
// path, as emit_mem's loads are, and merged into rt as exec_mem.cpp's
// load_left and load_right do. A hit for the effective address's page
// means that address translates for reading and the aligned word is plain
// RAM in the same page; anything else (a miss, device memory, a fault to
// raise with the unaligned BadVAddr) is the routine's.
#include "hv/engine/jit/translator.h"

namespace mipshv::jit {

bool Translator::emit_partial_load(size_t k) {
    const Insn& i = b_.insns[k];
    unsigned width;
    bool left;
    switch (i.op) {
        case Opcode::lwl: width = 4, left = true; break;
        case Opcode::lwr: width = 4, left = false; break;
        case Opcode::ldl: width = 8, left = true; break;
        case Opcode::ldr: width = 8, left = false; break;
        default: return false;
    }
    const Xbyak::Reg64 base = G(i.rs);
    const Xbyak::Reg64 rt = G(i.rt);  // merged into, whole
    const RoutinePath p = open_routine_path(k);
    // Any byte of the page matches (the access is aligned); edx keeps the
    // effective address's low bits.
    soft_tlb_access(base, int32_t(int16_t(i.word)), false, 0, *p.slow, true);
    and_(rax, -int32_t(width));  // (pages are host-page aligned: the host address aligns alike)
    and_(edx, int32_t(width - 1));
    if (width == 8) mov(rax, qword[rax]);
    else mov(eax, dword[rax]);
    if (left) {
        // shift = 8 * (width - 1 - offset): the memory bytes go to the top,
        // rt keeps its low `shift` bits.
        xor_(edx, int32_t(width - 1));
        lea(ecx, ptr[rdx * 8]);
        if (width == 8) {
            shl(rax, cl);
            mov(edx, 1);
            shl(rdx, cl);
            sub(rdx, 1);
            and_(rdx, rt);
            or_(rax, rdx);
        } else {
            shl(eax, cl);
            mov(edx, 1);
            shl(edx, cl);
            sub(edx, 1);
            and_(edx, rt.cvt32());
            or_(eax, edx);
        }
    } else {
        // shift = 8 * offset: the memory bytes go to the bottom, rt keeps
        // the top `shift` bits (of the word, for lwr).
        lea(ecx, ptr[rdx * 8]);
        if (width == 8) {
            shr(rax, cl);
            mov(rdx, -1);
            shr(rdx, cl);
            not_(rdx);
            and_(rdx, rt);
            or_(rax, rdx);
        } else {
            shr(eax, cl);
            mov(edx, -1);
            shr(edx, cl);
            not_(edx);
            and_(edx, rt.cvt32());
            or_(eax, edx);
        }
    }
    if (i.dst != 32) {  // (the 32-bit forms sign-extend the merged word)
        if (width == 8) mov(def(i.dst), rax);
        else movsxd(def(i.dst), eax);
    }
    close_routine_path(p);
    return true;
}

}  // namespace mipshv::jit
