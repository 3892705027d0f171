// The partial-word loads and stores (lwl, lwr, ldl, ldr; swl, swr, sdl,
// sdr) in host code: the aligned word holding the effective address is
// read or written through the software-TLB hit path, as emit_mem's loads
// and stores are, merged as exec_mem.cpp's load_left, load_right,
// store_left and store_right do. A hit for the effective address's page
// means that address translates for the access and the aligned word is
// plain RAM in the same page (for a store, one without translated code);
// anything else (a miss, device memory, a fault to raise with the
// unaligned BadVAddr) is the routine's.
#include "hv/engine/jit/translator.h"

namespace mipshv::jit {

namespace {
// The word's width and whether it is the left (most significant) part.
bool partial_form(Opcode op, unsigned& width, bool& left) {
    switch (op) {
        case Opcode::lwl: case Opcode::swl: width = 4, left = true; return true;
        case Opcode::lwr: case Opcode::swr: width = 4, left = false; return true;
        case Opcode::ldl: case Opcode::sdl: width = 8, left = true; return true;
        case Opcode::ldr: case Opcode::sdr: width = 8, left = false; return true;
        default: return false;
    }
}
}  // namespace

bool Translator::emit_partial_load(size_t k) {
    const Insn& i = b_.insns[k];
    unsigned width;
    bool left;
    if (!partial_form(i.op, width, left)) return false;
    const Xbyak::Reg64 base = G(i.rs);
    const Xbyak::Reg64 rt = G(i.rt);  // merged into, whole
    const RoutinePath p = open_routine_path(k);
    // Any byte of the page matches (the access is aligned); edx keeps the
    // effective address's low bits.
    soft_tlb_access(base, int32_t(int16_t(i.word)), false, 0, *p.slow, TlbResult::HOST_AND_LOW);
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

// Little-endian: the left form writes the top bytes of rt over the aligned
// word's bytes 0..offset (rt >> 8 * (width - 1 - offset)), the right form
// rt's low bytes over bytes offset..width-1 (rt << 8 * offset); the others
// stay. Memory is cleared under the written bytes, then rt's are or'ed in.
bool Translator::emit_partial_store(size_t k) {
    const Insn& i = b_.insns[k];
    unsigned width;
    bool left;
    if (!partial_form(i.op, width, left)) return false;
    may_write_memory_ = true;
    const Xbyak::Reg64 base = G(i.rs);
    const Xbyak::Reg64 rt = width == 8 ? G(i.rt) : raw(i.rt);  // (the 32-bit forms read its low word)
    const RoutinePath p = open_routine_path(k);
    soft_tlb_access(base, int32_t(int16_t(i.word)), true, 0, *p.slow, TlbResult::HOST_AND_LOW);
    and_(rax, -int32_t(width));
    and_(edx, int32_t(width - 1));
    if (left) xor_(edx, int32_t(width - 1));
    lea(ecx, ptr[rdx * 8]);
    const Xbyak::Reg r = width == 8 ? Xbyak::Reg(rdx) : Xbyak::Reg(edx);
    const Xbyak::Address word = width == 8 ? qword[rax] : dword[rax];
    mov(r, -1);
    if (left) shr(r, cl);
    else shl(r, cl);
    not_(r);
    and_(word, r);  // (the bytes not written)
    if (width == 8) mov(rdx, rt);
    else mov(edx, rt.cvt32());
    if (left) shr(r, cl);
    else shl(r, cl);
    or_(word, r);
    close_routine_path(p);
    return true;
}

}  // namespace mipshv::jit
