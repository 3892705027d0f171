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

// ---- Accesses off one base register ----------------------------------------
// Several loads and stores of a block often use one base register (a stack
// frame, a structure's fields, an array's neighbours). The first one's host
// address stays in a free callee-saved host register (the memo, see
// RegCache::memo_host); a later one off the same unchanged base register
// then needs no software-TLB probe when its address is in the same guest
// page (host pages map guest pages alike, so the host address's page bits
// tell) and aligned. Otherwise it probes as usual, out of line.
//
// The engines must agree on the software TLB's counters, so an access
// through the memo must be one whose probe would have hit: the memo is
// spoiled (kSpoiledMemo, which no check passes) by any routine that runs
// after it was made (a slow path may fill or evict entries; reload), and is
// made only by an access that hit, or whose slow path left an entry that
// its probe now hits.

// Access i (off base register rs) may start from the memo.
bool Translator::can_reuse_memo(const Insn& i, bool store) const {
    if (regs_.memo_host == RegCache::kNone || regs_.memo_base != i.rs) return false;
    return !store || regs_.memo_store;  // (a write hit implies a read hit: SoftTlb::fill)
}

// The callee-saved host register (free now) that access k's host address
// should be kept in for a later access of the block off the same base
// register, or kNone. (A byte access makes none: an odd host address must
// be able to mean a spoiled memo.)
int Translator::memo_host_for(size_t k, unsigned size) const {
    const Insn& i = b_.insns[k];
    if (size < 2 || b_.hypervisor_code || i.action != Action::RUN || i.rs == 0 || i.dst == i.rs) return RegCache::kNone;
    bool used_later = false;
    for (size_t j = k + 1; j < b_.insns.size() && !used_later; ++j) {
        const Insn& n = b_.insns[j];
        switch (n.op) {
            case Opcode::lb: case Opcode::lbu: case Opcode::lh: case Opcode::lhu: case Opcode::lw: case Opcode::lwu:
            case Opcode::ld: case Opcode::sb: case Opcode::sh: case Opcode::sw: case Opcode::sd:
                used_later = n.rs == i.rs;
                break;
            default: break;
        }
        if (n.dst == i.rs && !moves_base(n, i.rs)) break;
    }
    return used_later ? free_callee_saved_host() : RegCache::kNone;
}

// rax := the host address of base + disp from the memo; to the usual probe
// (out of line) when the memo is spoiled, or the address is in another
// page or misaligned.
void Translator::host_address_from_memo(const Xbyak::Reg64& base, int32_t disp, unsigned size, bool store, Label& slow) {
    const Xbyak::Reg64 memo = RegCache::kHost[size_t(regs_.memo_host)];
    const int32_t d = disp - regs_.memo_disp;
    // The memo's access was aligned to its size (its probe checked), so the
    // same alignment carries over by whole multiples of this access's size.
    const bool aligned = size <= regs_.memo_size && d % int32_t(size) == 0;
    Label& access = labels_.emplace_back();
    Label& probe = cold([this, base, disp, store, size, &slow, &access] {
        soft_tlb_access(base, disp, store, size - 1, slow, false);
        jmp(access, T_NEAR);
    });
    test(memo.cvt8(), kSpoiledMemo);
    jnz(probe, T_NEAR);
    if (!aligned || d != 0) {
        lea(rcx, ptr[memo + d]);
        if (!aligned) {
            test(cl, int32_t(size - 1));
            jnz(probe, T_NEAR);
        }
        if (d != 0) {
            xor_(rcx, memo);
            test(rcx, int32_t(~uint32_t(0xfff)));  // (sign-extended: every bit above the page offset)
            jnz(probe, T_NEAR);
        }
    }
    lea(rax, ptr[memo + d]);
    L(access);
}

// After the routine of access k, whose host address is the memo: the
// address is probed again (the routine filled the software TLB for plain
// RAM) and the memo is its host address on a hit; on a miss (device memory,
// a store to a page with translated code) it stays spoiled (reload), so
// that later accesses probe for themselves.
void Translator::refill_memo(size_t k, const RegCache& after) {
    const Insn& i = b_.insns[k];
    Label& missed = labels_.emplace_back();
    mov(rax, home(i.rs));
    soft_tlb_access(rax, int32_t(int16_t(i.word)), after.memo_store, after.memo_size - 1u, missed, false);
    mov(RegCache::kHost[size_t(after.memo_host)], rax);
    L(missed);
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
    const int32_t disp = int32_t(int16_t(i.word));
    const bool reuse = !fpu && can_reuse_memo(i, is_store);
    const int memo = fpu || reuse ? RegCache::kNone : memo_host_for(k, size);
    // The routine (out of line) leaves with the registers held as the fast path does.
    const RoutinePath p = open_routine_path(k);
    if (fpu) require_fpu(*p.slow, size == 8);
    if (reuse) {
        host_address_from_memo(base, disp, size, is_store, *p.slow);
    } else {
        soft_tlb_access(base, disp, is_store, size - 1, *p.slow, false);
        if (memo != RegCache::kNone) {
            mov(RegCache::kHost[size_t(memo)], rax);
            regs_.memo_host = int8_t(memo);
            regs_.memo_base = i.rs;
            regs_.memo_disp = disp;
            regs_.memo_size = uint8_t(size);
            regs_.memo_store = is_store;
        }
    }
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
    // (Unless the destination's register took the memo's meanwhile.)
    close_routine_path(p, memo != RegCache::kNone && regs_.memo_host == memo);
}

}  // namespace mipshv::jit
