// Loads and stores in host code: the software-TLB hit path inline.
#include "hv/engine/jit/translator.h"

#include "hv/cpu/soft_tlb.h"

namespace mipshv::jit {

// The host address of the guest access at base + disp, through the
// software TLB's hit path: way 0 inline, way 1 out of line, a miss to
// `slow` with rax = the guest address. Tags are page addresses and the
// compare keeps the address bits `low_bits`, so a misaligned access never
// matches (the slow path raises the error). What it returns, by `want`:
// HOST, rax itself (rax := the host address); HOST_AND_LOW, that and
// edx := the guest address's low 32 bits; PAGE_ADDEND, base + rax + disp
// with rax := the page's addend, which spares the hit path a copy of the
// guest address and the add (an x86 address adds them). On a hit,
// rbx + rcx + soft_tlb_field(...) is the field of the entry hit (in either way).
// For HOST, `host` may name another register to leave the host address in
// (a memo's, see below); the miss still goes to `slow` with rax = the guest
// address.
Xbyak::RegExp Translator::soft_tlb_access(const Xbyak::Reg64& base, int32_t disp, bool store, uint32_t low_bits,
                                          Label& slow, TlbResult want, const Xbyak::Reg64& host) {
    const int32_t tag = soft_tlb_field(store ? offsetof(SoftTlbEntry, write_tag) : offsetof(SoftTlbEntry, read_tag));
    const int32_t addend = soft_tlb_field(offsetof(SoftTlbEntry, addend));
    constexpr int32_t kWay = int32_t(sizeof(SoftTlbEntry));  // way 0 to way 1
    constexpr int kSetShift = 6;
    static_assert(sizeof(SoftTlbEntry[kSoftTlbWays]) == 1u << kSetShift);
    const bool addend_only = want == TlbResult::PAGE_ADDEND, save_low = want == TlbResult::HOST_AND_LOW;
    const bool elsewhere = host != rax;  // (HOST only)
    Label& access = new_label();
    // The guest address: in rax or `host` (HOST), or in rdx, which then
    // becomes the tag to compare, or, with no displacement, base itself.
    const Xbyak::Reg64 va = !addend_only ? host : disp != 0 ? rdx : base;
    if (va != base) lea(va, ptr[base + disp]);
    // rcx := the set's offset in the table: (page number % sets) * set size
    if (has_bmi2()) {
        rorx(rcx, va, 12 - kSetShift);  // (the bits it brings round to the top, the and clears)
    } else {
        mov(rcx, va);
        shr(rcx, 12 - kSetShift);
    }
    and_(ecx, int32_t((kSoftTlbSize - 1) << kSetShift));
    if (va != rdx) mov(rdx, va);
    and_(rdx, int32_t(kHostPageMask | low_bits));
    cmp(rdx, qword[rbx + rcx + tag]);
    const auto take_addend = [this, addend, addend_only, save_low, va] {
        if (addend_only) {
            mov(rax, qword[rbx + rcx + addend]);
            return;
        }
        if (save_low) mov(edx, eax);
        add(va, qword[rbx + rcx + addend]);
    };
    Label& second_way = cold([this, tag, &slow, &access, take_addend, addend_only, elsewhere, base, disp] {
        add(rcx, kWay);
        cmp(rdx, qword[rbx + rcx + tag]);
        if (addend_only || elsewhere) {
            Label& hit = new_label();
            je(hit, T_NEAR);
            lea(rax, ptr[base + disp]);
            jmp(slow, T_NEAR);
            L(hit);
        } else {
            jne(slow, T_NEAR);
        }
        take_addend();
        jmp(access, T_NEAR);
    });
    jne(second_way, T_NEAR);
    take_addend();
    L(access);
    if (addend_only) return base + rax + disp;
    return Xbyak::RegExp(va);
}

// ---- Accesses off one base register ----------------------------------------
// Several loads and stores of a block often use one base register (a stack
// frame, a structure's fields, an array's neighbours, a copy's source and
// destination). The first one's host address stays in a free callee-saved
// host register (a memo, see RegCache::memos); a later one off the same
// unchanged base register then needs no software-TLB probe when its address
// is in the same guest page (host pages map guest pages alike, so the host
// address's page bits tell; the memo's making checks that once for all the
// offsets the block will use it for) and aligned. Otherwise it probes as
// usual, out of line.
//
// The engines must agree on the software TLB's counters, so an access
// through the memo must be one whose probe would have hit: the memo is
// spoiled (kSpoiledMemo, which no check passes) by any routine or
// ram_access fill after it was made (either may fill or evict entries), and
// is made only by an access that hit, inline or through ram_access (whose
// fill its probe would now hit); after the routine (not plain RAM) it
// stays spoiled.

// The memo access i (off base register rs) may start from, or -1.
int Translator::memo_to_reuse(const Insn& i, bool store) const {
    for (size_t m = 0; m < regs_.memos.size(); ++m) {
        const RegCache::Memo& memo = regs_.memos[m];
        // (A write hit implies a read hit: SoftTlb::fill.)
        if (memo.host != RegCache::kNone && memo.base == i.rs && (!store || memo.store)) return int(m);
    }
    return -1;
}

// Where a new memo off `base` goes: over the one off the same base, else in
// a free place, else over the older one.
size_t Translator::memo_slot_for(unsigned base) const {
    for (size_t m = 0; m < regs_.memos.size(); ++m)
        if (regs_.memos[m].host != RegCache::kNone && regs_.memos[m].base == base) return m;
    for (size_t m = 0; m < regs_.memos.size(); ++m)
        if (regs_.memos[m].host == RegCache::kNone) return m;
    return size_t(1 - regs_.newest_memo);
}

std::optional<PlainAccess> plain_access(Opcode op) {
    switch (op) {
        case Opcode::lb: return PlainAccess{1, true, false};
        case Opcode::lbu: return PlainAccess{1, false, false};
        case Opcode::lh: return PlainAccess{2, true, false};
        case Opcode::lhu: return PlainAccess{2, false, false};
        case Opcode::lw: return PlainAccess{4, true, false};
        case Opcode::lwu: return PlainAccess{4, false, false};
        case Opcode::ld: return PlainAccess{8, false, false};
        case Opcode::sb: return PlainAccess{1, false, true};
        case Opcode::sh: return PlainAccess{2, false, true};
        case Opcode::sw: return PlainAccess{4, false, true};
        case Opcode::sd: return PlainAccess{8, false, true};
        default: return std::nullopt;
    }
}

// Could access i go through a memo made by a load (a store if
// `memo_store`) off its base register?
bool Translator::may_use_memo(const Insn& i, bool memo_store) {
    const auto a = plain_access(i.op);
    return a && (memo_store || !a->store);
}

// The widest range of offsets a memo's making checks: a stack frame's
// saves, a structure's neighbouring fields, a copy's unrolled pass. A
// range this wide crosses a page boundary at 1 in 16 of 8-byte-aligned
// addresses (then the memo is spoiled and its accesses probe).
constexpr int32_t kMemoWindow = 256;

// The callee-saved host register (free now, or the one memo `slot` has
// held) that access k's host address should be kept in, as memo `slot`,
// for the block's later accesses off the same base register, or kNone (a
// byte access makes none: an odd host address must be able to mean a
// spoiled memo); and the offsets from that address which those later
// accesses touch, as far as the memo would last (until the base register is
// written other than stepped, or a routine runs) and within kMemoWindow,
// which check_memo_range then checks once for all of them. A load whose
// later neighbours include a store (a field read, changed and written back;
// a sliding window read and extended) makes a memo they may all use: its
// probe then asks for a write hit (see emit_mem).
Translator::MemoPlan Translator::plan_memo(size_t k, unsigned size, size_t slot) const {
    const Insn& i = b_.insns[k];
    if (size < 2 || b_.hypervisor_code || i.action != Action::RUN || i.rs == 0 || i.dst == i.rs) return {};
    bool memo_store = plain_access(i.op)->store;  // (emit_mem makes memos for plain accesses only)
    int32_t lo = 0, hi = int32_t(size), step = 0;  // step: what the base has moved by since access k
    bool used_later = false;
    for (size_t j = k + 1; j < b_.insns.size(); ++j) {
        const Insn& n = b_.insns[j];
        if (!runs_plain(n) || opcode_info(n.op).sensitive != SensitiveClass::NONE) break;
        if (const auto a = plain_access(n.op); a && n.rs == i.rs) {
            memo_store |= a->store;
            const int32_t d = int32_t(int16_t(n.word)) - int32_t(int16_t(i.word)) + step;
            const int32_t end = d + int32_t(a->size);
            // (An offset that would widen the range past kMemoWindow checks
            // for itself: the wider the range, the likelier some page
            // boundary falls in it, and then every access probes.)
            if (std::max(hi, end) - std::min(lo, d) <= kMemoWindow) {
                lo = std::min(lo, d);
                hi = std::max(hi, end);
            }
            used_later = true;
        }
        if (n.dst != i.rs) continue;
        if (!moves_base(n, i.rs)) break;
        step += int32_t(int16_t(n.word));
    }
    if (!used_later) return {};
    const int replaced = regs_.memos[slot].host;
    return {replaced != RegCache::kNone ? replaced : free_callee_saved_host(), lo, hi, memo_store};
}

// The memo's page must hold [memo + lo, memo + hi): else the memo is spoiled.
// (Its own access, [memo, memo + size), is in the page: it hit.)
void Translator::check_memo_range(const Xbyak::Reg64& memo, int32_t lo, int32_t hi, unsigned size) {
    if (lo >= 0 && hi <= int32_t(size)) return;
    Label& checked = new_label();
    Label& spoil = cold([this, memo, &checked] {
        mov(memo, kSpoiledMemo);
        jmp(checked, T_NEAR);
    });
    lea(rcx, ptr[memo + (lo < 0 ? lo : hi - 1)]);
    if (lo < 0 && hi > int32_t(size)) {
        lea(rdx, ptr[memo + hi - 1]);
        xor_(rcx, rdx);
    } else {
        xor_(rcx, memo);
    }
    test(rcx, int32_t(~uint32_t(0xfff)));  // (sign-extended: every bit above the page offset)
    jnz(spoil, T_NEAR);
    L(checked);
}

// The access at base + disp (access k), made through memo m at
// [memo + d]: once the memo is known not spoiled, and, unless it is
// implied, the address checked for alignment and for the memo's page
// (offsets in the range the memo was checked for, check_memo_range, need
// no page check). A spoiled memo or a failed check goes to the usual probe
// (out of line), which makes the access itself; its miss asks for the page
// as emit_mem's does (ram_access_miss, which may fill over any memo's page:
// they are all spoiled then), and only what is not plain RAM takes the
// routine.
void Translator::access_from_memo(size_t k, size_t m, const Xbyak::Reg64& base, int32_t disp, unsigned size, bool store,
                                  Label& slow, const std::function<void(const Xbyak::RegExp&)>& access) {
    const RegCache::Memo& mine = regs_.memos[m];
    const Xbyak::Reg64 memo = RegCache::kHost[size_t(mine.host)];
    const int32_t d = disp - mine.disp;
    // The memo's access was aligned to its size (its probe checked), so the
    // same alignment carries over by whole multiples of this access's size.
    const bool aligned = size <= mine.size && d % int32_t(size) == 0;
    const bool in_page = d >= mine.lo && d + int32_t(size) <= mine.hi;
    Label& done = new_label();
    Label& probe = cold([this, k, base, disp, store, size, &slow, &done, access, memos = regs_.memos] {
        Label& miss = new_label();
        access(soft_tlb_access(base, disp, store, size - 1, miss, TlbResult::HOST));
        jmp(done, T_NEAR);
        L(miss);
        ram_access_miss(k, size, store, slow);
        for (const RegCache::Memo& held : memos)
            if (held.host != RegCache::kNone) mov(RegCache::kHost[size_t(held.host)], kSpoiledMemo);
        access(rax);
        jmp(done, T_NEAR);
    });
    test(memo.cvt8(), kSpoiledMemo);
    jnz(probe, T_NEAR);
    if (aligned && in_page) {
        access(memo + d);
        L(done);
        return;
    }
    lea(rcx, ptr[memo + d]);
    if (!aligned) {
        test(cl, int32_t(size - 1));
        jnz(probe, T_NEAR);
    }
    if (!in_page) {
        xor_(rcx, memo);
        test(rcx, int32_t(~uint32_t(0xfff)));
        jnz(probe, T_NEAR);
    }
    access(memo + d);
    L(done);
}

// After access k's inline probe missed (rax = its address): the page as
// the routine would find it and the software TLB as it would leave it
// (ram_access_for), without leaving translated code for the routine; rax =
// the access's host address, or the routine (at `slow`) when the address is
// not plain RAM. (The fill may have pushed out the pages of the block's
// other memos: the caller spoils them.)
void Translator::ram_access_miss(size_t k, unsigned size, bool store, Label& slow) {
    mov(edx, size);
    mov(ecx, store ? 1 : 0);
    call(written(r_.runtime.ram_access));
    test(rax, rax);
    jz(slow, T_NEAR);
    add(qword[r12 + kSlowPaths + 8 * int32_t(b_.insns[k].op)], 1);
}

// The host registers of the memos held besides the one in `slot` and any in
// host register `keep`.
std::array<int, 2> Translator::memos_other_than(size_t slot, int keep) const {
    std::array<int, 2> out{RegCache::kNone, RegCache::kNone};
    for (size_t m = 0; m < regs_.memos.size(); ++m)
        if (m != slot && regs_.memos[m].host != keep) out[m] = regs_.memos[m].host;
    return out;
}

// Whether a load that makes no memo should take its host address as one
// x86 address, base + page addend + displacement (TlbResult::PAGE_ADDEND),
// rather than as the page addend added into the guest address, then [rax],
// the form of every store. The first is an instruction shorter, and so is
// the chain to the loaded value: faster where loads mostly read memory no
// recent store wrote (tables, arrays, heaps). But the host forwards a store
// to a later load of the same address best when both address it alike, and
// kernel code reads back what it just wrote all the time: there, and off
// the stack and frame pointers (spills, saved registers), the common form
// stays. (Measured on this project's workload classes: gzip -9, python,
// lua and xz faster by 4 to 9%; a procfs walk and fork+exec slower by 5
// to 8% when kernel code took the short form too.)
static bool load_by_page_addend(const Insn& i, unsigned mode) {
    constexpr unsigned kSp = 29, kFp = 30;
    return mode == kModeUser && i.rs != kSp && i.rs != kFp;
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
    // The routine (out of line) leaves with the registers held as the fast path does.
    const RoutinePath p = open_routine_path(k);
    // A load's destination, taken before any path to the access forks (an
    // out-of-line probe makes the access too); writes to $0 still load, so
    // that faults happen.
    const Xbyak::Reg64 dest = is_store || fpu || i.dst == 32 ? rax : def(i.dst);
    const int reuse = fpu ? -1 : memo_to_reuse(i, is_store);
    const size_t slot = memo_slot_for(i.rs);
    const MemoPlan plan = fpu || reuse >= 0 ? MemoPlan{} : plan_memo(k, size, slot);
    const int memo = plan.host;
    const auto access = [this, &i, size, is_signed, is_store, fpu, value, dest](const Xbyak::RegExp& at) {
        if (fpu && is_store) {
            if (size == 8) {
                mov(rdx, fpr(i.rt));
                mov(qword[at], rdx);
            } else {
                mov(edx, dword[rbx + L_.fpr + 8 * int32_t(i.rt)]);
                mov(dword[at], edx);
            }
        } else if (fpu) {  // (lwc1 leaves the register's upper half alone)
            if (size == 8) {
                mov(rdx, qword[at]);
                mov(fpr(i.rt), rdx);
            } else {
                mov(edx, dword[at]);
                mov(dword[rbx + L_.fpr + 8 * int32_t(i.rt)], edx);
            }
        } else if (is_store) {
            switch (size) {
                case 1: mov(byte[at], value.cvt8()); break;
                case 2: mov(word[at], value.cvt16()); break;
                case 4: mov(dword[at], value.cvt32()); break;
                default: mov(qword[at], value); break;
            }
        } else {
            switch (size) {
                case 1: if (is_signed) movsx(dest, byte[at]); else movzx(dest.cvt32(), byte[at]); break;
                case 2: if (is_signed) movsx(dest, word[at]); else movzx(dest.cvt32(), word[at]); break;
                case 4: if (is_signed) movsxd(dest, dword[at]); else mov(dest.cvt32(), dword[at]); break;
                default: mov(dest, qword[at]); break;
            }
        }
    };
    if (fpu) require_fpu(*p.slow, size == 8);
    if (reuse >= 0) {
        access_from_memo(k, size_t(reuse), base, disp, size, is_store, *p.slow, access);
    } else {
        // A miss first asks for the page (ram_access_miss), and only what is
        // not plain RAM takes the routine.
        Label& miss = new_label();
        const bool by_addend = !is_store && memo == RegCache::kNone && load_by_page_addend(i, r_.mode);
        // (A new memo's register takes the host address straight from the
        // probe. A load making a memo that stores will use too probes for a
        // write hit, which implies a read hit; when it misses, the page may
        // still be readable only, and ram_access_miss, asked for a load,
        // finds it as the load's own probe would: the memo is then spoiled.)
        const Xbyak::RegExp at =
            soft_tlb_access(base, disp, is_store || plan.store, size - 1, miss,
                            by_addend ? TlbResult::PAGE_ADDEND : TlbResult::HOST,
                            memo != RegCache::kNone ? RegCache::kHost[size_t(memo)] : rax);
        s_.cold.emplace_back(&miss, [this, k, size, is_store, access, plan, others = memos_other_than(slot, memo),
                                     slow = p.slow, done = p.done] {
            ram_access_miss(k, size, is_store, *slow);
            for (int h : others)
                if (h != RegCache::kNone) mov(RegCache::kHost[size_t(h)], kSpoiledMemo);
            if (plan.host != RegCache::kNone && plan.store && !is_store) {
                mov(RegCache::kHost[size_t(plan.host)], kSpoiledMemo);
            } else if (plan.host != RegCache::kNone) {
                mov(RegCache::kHost[size_t(plan.host)], rax);
                check_memo_range(RegCache::kHost[size_t(plan.host)], plan.lo, plan.hi, size);
            }
            access(rax);
            jmp(*done, T_NEAR);
        });
        access(at);  // (before the range check, which may spoil the memo `at` is in)
        if (memo != RegCache::kNone) {
            regs_.forget_memo_in(memo);
            regs_.memos[slot] = {int8_t(memo), uint8_t(i.rs), uint8_t(size), plan.store, disp, plan.lo, plan.hi};
            regs_.newest_memo = uint8_t(slot);
            check_memo_range(RegCache::kHost[size_t(memo)], plan.lo, plan.hi, size);
        }
    }
    // (On the routine's path, for what is not plain RAM, the new memo comes back spoiled.)
    close_routine_path(p);
}

}  // namespace mipshv::jit
