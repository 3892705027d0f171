// Loads and stores in host code: the software-TLB hit path inline.
#include "hv/engine/jit/translator.h"

#include "hv/cpu/soft_tlb.h"

namespace mipshv::jit {

// rax := the host address of the guest access at base + disp, through the
// software TLB's hit path: way 0 inline, way 1 out of line, a miss to
// `slow`. Tags are page addresses and the compare keeps the address bits
// `low_bits`, so a misaligned access never matches (the slow path raises
// the error). `save_low`: edx := the guest address's low 32 bits too.
// On a hit, rbx + rcx + soft_tlb_field(...) is the field of the entry hit
// (in either way).
void Translator::soft_tlb_access(const Xbyak::Reg64& base, int32_t disp, bool store, uint32_t low_bits, Label& slow,
                                 bool save_low) {
    const int32_t tag = soft_tlb_field(store ? offsetof(SoftTlbEntry, write_tag) : offsetof(SoftTlbEntry, read_tag));
    const int32_t addend = soft_tlb_field(offsetof(SoftTlbEntry, addend));
    constexpr int32_t kWay = int32_t(kModes * kSoftTlbSize * sizeof(SoftTlbEntry));  // way 0 to way 1
    constexpr int kEntryShift = 5;
    static_assert(sizeof(SoftTlbEntry) == 1u << kEntryShift);
    Label& access = labels_.emplace_back();
    lea(rax, ptr[base + disp]);
    // rcx := the set's offset in the table: (page number % sets) * entry size
    mov(rcx, rax);
    shr(rcx, 12 - kEntryShift);
    and_(ecx, int32_t((kSoftTlbSize - 1) << kEntryShift));
    mov(rdx, rax);
    and_(rdx, int32_t(kHostPageMask | low_bits));
    cmp(rdx, qword[rbx + rcx + tag]);
    Label& second_way = cold([this, tag, addend, &slow, &access, save_low] {
        add(rcx, kWay);
        cmp(rdx, qword[rbx + rcx + tag]);
        jne(slow, T_NEAR);
        if (save_low) mov(edx, eax);
        add(rax, qword[rbx + rcx + addend]);
        jmp(access, T_NEAR);
    });
    jne(second_way, T_NEAR);
    if (save_low) mov(edx, eax);
    add(rax, qword[rbx + rcx + addend]);
    L(access);
}

// A load or store with the software-TLB hit path inline; a miss, a
// misaligned address or anything not plain RAM takes the instruction's own
// routine (which raises the exception or goes through the bus).
// `fpu`: lwc1, ldc1, swc1, sdc1, whose value is FPU register ft, inline
// while the FPU is usable (and, for 64 bits, Status.FR=1: each register a
// whole doubleword); else the routine decides.
void Translator::emit_mem(size_t k, unsigned size, bool is_signed, bool is_store, bool fpu) {
    const Insn& i = b_.insns[k];
    if (is_store) may_write_memory_ = true;
    const Xbyak::Reg64 base = G(i.rs);
    const Xbyak::Reg64 value = fpu ? rdx : is_store ? (size == 8 ? G(i.rt) : raw(i.rt)) : rax;
    // The routine (out of line) leaves with the registers held as the fast path does.
    const RoutinePath p = open_routine_path(k);
    if (fpu) require_fpu(*p.slow, size == 8);
    soft_tlb_access(base, int32_t(int16_t(i.word)), is_store, size - 1, *p.slow, false);
    if (fpu && is_store) {
        if (size == 8) {
            mov(rdx, fpr(i.rt));
            mov(qword[rax], rdx);
        } else {
            mov(edx, dword[rbx + L_.fpr + 8 * int32_t(i.rt)]);
            mov(dword[rax], edx);
        }
    } else if (fpu) {  // (lwc1 leaves the register's upper half alone)
        if (size == 8) {
            mov(rdx, qword[rax]);
            mov(fpr(i.rt), rdx);
        } else {
            mov(edx, dword[rax]);
            mov(dword[rbx + L_.fpr + 8 * int32_t(i.rt)], edx);
        }
    } else if (is_store) {
        switch (size) {
            case 1: mov(byte[rax], value.cvt8()); break;
            case 2: mov(word[rax], value.cvt16()); break;
            case 4: mov(dword[rax], value.cvt32()); break;
            default: mov(qword[rax], value); break;
        }
    } else {
        // Straight into the destination's host register (writes to $0 still
        // load, so that faults happen).
        const Xbyak::Reg64 d = i.dst == 32 ? rax : def(i.dst);
        switch (size) {
            case 1: if (is_signed) movsx(d, byte[rax]); else movzx(d.cvt32(), byte[rax]); break;
            case 2: if (is_signed) movsx(d, word[rax]); else movzx(d.cvt32(), word[rax]); break;
            case 4: if (is_signed) movsxd(d, dword[rax]); else mov(d.cvt32(), dword[rax]); break;
            default: mov(d, qword[rax]); break;
        }
    }
    close_routine_path(p);
}

}  // namespace mipshv::jit
