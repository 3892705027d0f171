// LL, LLD, SC and SCD in host code, as exec_mem.cpp's load_linked and
// store_conditional do them. The kernel's locks and atomic operations are
// made of them, so as routines they cost a call, and the write-back and
// reload of the block's registers, several times per system call.
// A software-TLB hit means the address translates for the access (and is
// aligned: the tag compare keeps the low bits) and is plain RAM, and the
// entry holds its physical page, which LLAddr records and SC compares.
// Anything else (a miss, a fault to raise) is the routine's.
#include "hv/engine/jit/translator.h"

namespace mipshv::jit {

bool Translator::emit_linked(size_t k) {
    const Insn& i = b_.insns[k];
    unsigned size;
    bool store;
    switch (i.op) {
        case Opcode::ll: size = 4, store = false; break;
        case Opcode::lld: size = 8, store = false; break;
        case Opcode::sc: size = 4, store = true; break;
        case Opcode::scd: size = 8, store = true; break;
        default: return false;
    }
    if (store) may_write_memory_ = true;
    const Xbyak::Reg64 base = G(i.rs);
    const Xbyak::Reg64 value = store ? G(i.rt) : rax;
    const RoutinePath p = open_routine_path(k);
    soft_tlb_access(base, int32_t(int16_t(i.word)), store, size - 1, *p.slow, TlbResult::HOST);
    // rdx := LLAddr's form of the physical address (pa >> 4); the host
    // address has the guest address's offset in the page.
    mov(edx, eax);
    and_(edx, 0xfff);
    or_(rdx, qword[rbx + rcx + soft_tlb_field(offsetof(SoftTlbEntry, phys_page))]);
    shr(rdx, 4);
    mov(rcx, cpu64(L_.cp0));
    const Xbyak::Address lladdr = qword[rcx + int32_t(offsetof(Cp0State, lladdr))];
    const Xbyak::Address llbit = byte[rbx + L_.llbit];
    if (!store) {
        mov(lladdr, rdx);
        mov(llbit, 1);
        const Xbyak::Reg64 d = i.dst == 32 ? rax : def(i.dst);
        if (size == 4) movsxd(d, dword[rax]);
        else mov(d, qword[rax]);
    } else {
        // ok = LL bit && same address; the store only if ok; the bit goes.
        cmp(rdx, lladdr);
        sete(dl);
        and_(dl, llbit);
        mov(llbit, 0);
        Label skip;
        jz(skip);
        if (size == 4) mov(dword[rax], value.cvt32());
        else mov(qword[rax], value);
        L(skip);
        if (i.dst != 32) movzx(def(i.dst).cvt32(), dl);
    }
    close_routine_path(p);
    return true;
}

}  // namespace mipshv::jit
