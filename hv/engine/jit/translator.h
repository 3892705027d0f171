// The translator's class, shared by the files that emit its pieces
// (translate.cpp: block structure, exits and chaining; emit_alu.cpp:
// integer operations; emit_mem.cpp: loads and stores). Internal to
// hv/engine/jit.
#pragma once
#include <xbyak/xbyak.h>
#include <xbyak/xbyak_util.h>

#include <array>
#include <functional>
#include <optional>
#include <vector>

#include "hv/cpu/cpu.h"
#include "hv/cpu/insn_time.h"
#include "hv/engine/class_counts.h"
#include "hv/engine/decision.h"
#include "hv/engine/jit/translate.h"
#include "hv/engine/jit/jit_context.h"
#include "hv/engine/jit/reg_cache.h"
#include "hv/engine/jit/scratch.h"
#include "hv/isa/opcode.h"

namespace mipshv::jit {

using namespace Xbyak::util;

// Where each piece of vCPU state sits relative to the Cpu, so translated
// code reaches every vCPU's state through rbx alone.
struct Layout {
    int32_t gpr, hi, lo, pc, next_pc, branch_taken, instret, exit_instret, mode, cp0, soft_tlb;
    int32_t stub_insns, patched_sites, fpr, fcsr, llbit;
    std::array<int32_t, kCostClasses> class_counter{};  // (OTHER: unused)

    explicit Layout(const Cpu& c) {
        auto at = [&](const void* p) { return int32_t(static_cast<const char*>(p) - reinterpret_cast<const char*>(&c)); };
        gpr = at(&c.gpr[0]);
        hi = at(&c.hi);
        lo = at(&c.lo);
        pc = at(&c.pc);
        next_pc = at(&c.next_pc);
        branch_taken = at(&c.branch_taken);
        instret = at(&c.instret);
        exit_instret = at(&c.exit_instret);
        mode = at(&c.mmu_mode);
        cp0 = at(&c.cp0_state);
        soft_tlb = at(&c.soft_tlb.e[0][0][0]);
        stub_insns = at(&c.counters.hypervisor_stub_instructions);
        patched_sites = at(&c.counters.patched_site_executions);
        fpr = at(&c.fpu.fpr[0]);
        fcsr = at(&c.fpu.fcsr);
        llbit = at(&c.llbit);
        for (size_t k = 1; k < kCostClasses; ++k) class_counter[k] = at(&(c.counters.*class_counter_of(CostClass(k))));
    }
};

inline constexpr int32_t kPageEpochsAt = int32_t(offsetof(Context, page_epochs));
inline constexpr int32_t kExitBlock = int32_t(offsetof(Context, exit_block));
inline constexpr int32_t kExitIndex = int32_t(offsetof(Context, exit_index));
inline constexpr int32_t kExitSlot = int32_t(offsetof(Context, exit_slot));
inline constexpr int32_t kRoutineCalls = int32_t(offsetof(Context, routine_calls));
inline constexpr int32_t kSlowPaths = int32_t(offsetof(Context, slow_paths));
inline constexpr int32_t kIndirect = int32_t(offsetof(Context, indirect));
inline constexpr int32_t kSlotTable = int32_t(offsetof(Context, slots));
inline constexpr int32_t kLinkTarget = int32_t(offsetof(Link, target));
inline constexpr int32_t kLinkEpoch = int32_t(offsetof(Link, epoch_offset));
inline constexpr int32_t kLinkStamp = int32_t(offsetof(Link, stamp));
static_assert(sizeof(IndirectEntry) == 32 && offsetof(IndirectEntry, link) == 8);
static_assert(sizeof(SoftTlbEntry) == 32);  // (soft_tlb_access indexes by shifting)

inline bool is_native_branch(Opcode op) {
    switch (op) {
        case Opcode::beq: case Opcode::beql: case Opcode::bne: case Opcode::bnel: case Opcode::blez:
        case Opcode::blezl: case Opcode::bgtz: case Opcode::bgtzl: case Opcode::bltz: case Opcode::bltzl:
        case Opcode::bltzal: case Opcode::bltzall: case Opcode::bgez: case Opcode::bgezl: case Opcode::bgezal:
        case Opcode::bgezall: case Opcode::j: case Opcode::jal: case Opcode::jr: case Opcode::jr_hb:
        case Opcode::jalr: case Opcode::jalr_hb: return true;
        default: return false;
    }
}

// Whether instruction i reads or writes general register g (the fields that
// hold no register aside: a phantom use would keep a host register for it).
inline bool names_gpr(const Insn& i, unsigned g) {
    const uint8_t reads = opcode_info(i.op).gpr_reads;
    return i.dst == g || ((reads & gpr_read::RS) && i.rs == g) || ((reads & gpr_read::RT) && i.rt == g);
}

// The integer loads and stores emit_mem makes natively, the ones a memo
// may serve (see emit_mem.cpp): their size, sign extension and direction.
struct PlainAccess {
    unsigned size;
    bool is_signed, store;
};
std::optional<PlainAccess> plain_access(Opcode op);

// c.instret, held in a host register by all translated code: a counter in
// memory would carry each block's update into the next block's budget check
// through a store and a load, a few cycles a block. Callee-saved, so it
// survives calls; stored before each routine call (the routine, the clock
// and the devices read c.instret) and reloaded after, stored by the
// epilogue, loaded by the entry trampoline (emit_runtime).
inline const Xbyak::Reg64 kInstret = Xbyak::util::r15;

inline bool fits_imm32(int64_t v) { return v == int64_t(int32_t(v)); }
inline uint64_t field_mask(unsigned size) { return size >= 64 ? ~0ull : (1ull << size) - 1; }

class Translator : public Xbyak::CodeGenerator {
public:
    Translator(const Request& r, uint8_t* buf, size_t capacity)
        : Xbyak::CodeGenerator(capacity, buf), r_(r), b_(r.block), L_(r.cpu), s_(*r.scratch) {
        s_.reset();
    }

    size_t run(Block::HostCode& out);

private:
    // ---- Labels (scratch.h) ------------------------------------------------
    // Encoded as Xbyak encodes jumps to its own labels (T_NEAR: rel32;
    // otherwise rel8 when the label is behind and near, or ahead), so a
    // block's code is byte for byte what it was with them.
    Label& new_label() { return s_.labels.make(); }
    void L(Label& l);
    void jump(Label& l, LabelType type, uint8_t short_op, uint8_t long_op, uint8_t long_prefix);
    using Xbyak::CodeGenerator::jmp;
    void jmp(Label& l, LabelType type = T_AUTO) { jump(l, type, 0xEB, 0xE9, 0); }
#define MIPSHV_JIT_JCC(name, cc)       \
    using Xbyak::CodeGenerator::name; \
    void name(Label& l, LabelType type = T_AUTO) { jump(l, type, uint8_t(0x70 | (cc)), uint8_t(0x80 | (cc)), 0x0F); }
    MIPSHV_JIT_JCC(jb, 2) MIPSHV_JIT_JCC(jc, 2) MIPSHV_JIT_JCC(jae, 3) MIPSHV_JIT_JCC(jnc, 3)
    MIPSHV_JIT_JCC(je, 4) MIPSHV_JIT_JCC(jz, 4) MIPSHV_JIT_JCC(jne, 5) MIPSHV_JIT_JCC(jnz, 5)
    MIPSHV_JIT_JCC(jbe, 6) MIPSHV_JIT_JCC(ja, 7) MIPSHV_JIT_JCC(js, 8) MIPSHV_JIT_JCC(jns, 9)
    MIPSHV_JIT_JCC(jl, 0xc) MIPSHV_JIT_JCC(jge, 0xd) MIPSHV_JIT_JCC(jle, 0xe) MIPSHV_JIT_JCC(jg, 0xf)
#undef MIPSHV_JIT_JCC

    // ---- Operands ---------------------------------------------------------
    // A guest register's home in the Cpu.
    Xbyak::Address home(unsigned reg) { return qword[rbx + L_.gpr + 8 * int32_t(reg)]; }
    Xbyak::Address home32(unsigned reg) { return dword[rbx + L_.gpr + 8 * int32_t(reg)]; }  // its low word
    // A guest register's value, in a host register (loaded on first use),
    // as it is in the host register: possibly low 32 bits only (low32).
    Xbyak::Reg64 raw(unsigned reg) {
        int h = regs_.host_of[reg];
        if (h == RegCache::kNone) {
            h = take_host();
            mov(RegCache::kHost[size_t(h)], home(reg));
            regs_.bind(reg, h, false);
        }
        return RegCache::kHost[size_t(h)];
    }
    // The full 64-bit value.
    Xbyak::Reg64 G(unsigned reg) {
        const Xbyak::Reg64 r = raw(reg);
        const size_t h = size_t(regs_.host_of[reg]);
        if (regs_.low32[h]) {
            movsxd(r, r.cvt32());
            regs_.low32[h] = false;
        }
        return r;
    }
    // The low 32 bits, for operations that read no more.
    Xbyak::Reg32 G32(unsigned reg) { return raw(reg).cvt32(); }
    // A host register a guest register is about to be written through.
    Xbyak::Reg64 def(unsigned reg, bool low32 = false) {
        int h = regs_.host_of[reg];
        if (h == RegCache::kNone) {
            h = take_host();
            regs_.bind(reg, h, true);
        } else {
            regs_.dirty[size_t(h)] = true;
        }
        regs_.low32[size_t(h)] = low32;
        return RegCache::kHost[size_t(h)];
    }
    // Stores host register h, holding guest register g, to g's home; a
    // low32 value is sign-extended in place first (no scratch register is
    // free here: callers may hold values in rax, rcx, rdx).
    void store_home(unsigned g, size_t h, const RegCache& state) {
        if (state.low32[h]) movsxd(RegCache::kHost[h], RegCache::kHost[h].cvt32());
        mov(home(g), RegCache::kHost[h]);
    }
    int take_host() {
        const int h = victim();
        regs_.forget_memo_in(h);
        if (regs_.guest_of[size_t(h)] != RegCache::kNone) {
            if (regs_.dirty[size_t(h)]) store_home(unsigned(regs_.guest_of[size_t(h)]), size_t(h), regs_);
            regs_.unbind(h);
        }
        return h;
    }
    // The host register to give up: a free one, else the one whose guest
    // register or memo (see RegCache::memos) the block needs again latest
    // (or never) -- Belady's choice: the whole block is known. On a tie, a
    // clean register goes before a changed one (no store), and both before
    // a memo (another probe to make it again).
    int victim() const {
        for (int h = 0; h < int(RegCache::kHost.size()); ++h)
            if (!regs_.holds_memo(h) && regs_.guest_of[size_t(h)] == RegCache::kNone) return h;
        int best = -1, best_cost = 0;
        size_t best_next = 0;
        for (int h = 0; h < int(RegCache::kHost.size()); ++h) {
            size_t next;
            int cost;
            if (regs_.holds_memo(h)) {
                next = memo_next_use(regs_.memos[0].host == h ? regs_.memos[0] : regs_.memos[1]);
                cost = 2;
            } else {
                next = next_use(unsigned(regs_.guest_of[size_t(h)]));
                cost = regs_.dirty[size_t(h)] ? 1 : 0;
            }
            if (best < 0 || next > best_next || (next == best_next && cost < best_cost)) {
                best = h;
                best_next = next;
                best_cost = cost;
            }
        }
        return best;
    }
    // Index of the next access (from the one being emitted) that may go
    // through memo m, or past the end if none will (its base is written
    // first, or a routine runs).
    size_t memo_next_use(const RegCache::Memo& m) const {
        const size_t n = b_.insns.size();
        for (size_t k = current_; k < n; ++k) {
            const Insn& i = b_.insns[k];
            if (i.rs == m.base && may_use_memo(i, m.store)) return k;
            if (!runs_plain(i) || (i.dst == m.base && !moves_base(i, m.base))) break;
        }
        return 2 * n + 1;
    }
    // Index of the next instruction (from the one being emitted) that
    // names guest register g, or past the end; in a block that loops in
    // place, the next pass's uses count too, after this pass's.
    size_t next_use(unsigned g) const {
        const size_t n = b_.insns.size();
        for (size_t k = current_; k < n + (looping_ ? current_ : 0); ++k) {
            if (names_gpr(b_.insns[k % n], g)) return k;
        }
        return 2 * n + 1;
    }
    // Writes every changed guest register held in `state` to its home.
    void write_back(const RegCache& state) {
        for (size_t h = 0; h < RegCache::kHost.size(); ++h)
            if (state.guest_of[h] != RegCache::kNone && state.dirty[h]) store_home(unsigned(state.guest_of[h]), h, state);
    }
    // Loads every guest register `state` holds from its home (after a
    // routine), and spoils its memos: the routine may have filled the
    // software TLB, which accesses through a memo would then no longer see
    // as the interpreter does (a miss it counts; see RegCache::memos).
    void reload(const RegCache& state) {
        for (size_t h = 0; h < RegCache::kHost.size(); ++h)
            if (state.guest_of[h] != RegCache::kNone) mov(RegCache::kHost[h], home(unsigned(state.guest_of[h])));
        for (const RegCache::Memo& m : state.memos)
            if (m.host != RegCache::kNone) mov(RegCache::kHost[size_t(m.host)], kSpoiledMemo);
    }
    static constexpr int32_t kSpoiledMemo = RegCache::kSpoiledMemo;
    Xbyak::Address cpu64(int32_t off) { return qword[rbx + off]; }
    // Code is written in the cache's writable view: a jump to shared code
    // targets that code's place in the same view, at the same distance.
    const void* written(const void* exec_address) const {
        return static_cast<const uint8_t*>(exec_address) - r_.exec_delta;
    }
    const void* runnable(const uint8_t* written_address) const { return written_address + r_.exec_delta; }
    void store_imm(const Xbyak::Address& dst, uint64_t v) {
        if (fits_imm32(int64_t(v))) {
            mov(dst, int32_t(v));
        } else {
            mov(rax, v);
            mov(dst, rax);
        }
    }
    void set_dst_from_rax(const Insn& i) {
        if (i.dst != 32) mov(def(i.dst), rax);
    }
    void set_dst_sext32_eax(const Insn& i) {
        if (i.dst != 32) movsxd(def(i.dst), eax);
    }

    // dst = src (sign-extended from 32 bits if asked): the move idioms.
    bool copy(const Insn& i, unsigned src, bool sext32) {
        if (i.dst == 32) return true;
        const bool low32 = !sext32 && regs_.is_low32(src);
        const Xbyak::Reg64 s = raw(src);
        const Xbyak::Reg64 d = def(i.dst, low32);
        if (sext32) movsxd(d, s.cvt32());
        else if (d != s) mov(d, s);
        return true;
    }

    // dst = rs OP rt in two-operand form, without a detour through rax
    // unless dst is rt and OP does not commute.
    // A bitwise operation of two low32 values is the low32 value of the
    // operation (sign extension commutes with it): `bitwise` keeps them so.
    template <typename Op>
    bool binary64(const Insn& i, Op op, bool commutative, bool bitwise = false) {
        if (i.dst == 32) return true;
        if (from_home(i.rt, i)) {  // rs OP memory: every host register is taken
            const Xbyak::Reg64 a = G(i.rs);
            const Xbyak::Reg64 d = def(i.dst);
            if (d != a) mov(d, a);
            op(d, home(i.rt));
            return true;
        }
        const bool low32 = bitwise && regs_.is_low32(i.rs) && regs_.is_low32(i.rt);
        const Xbyak::Reg64 a = low32 ? raw(i.rs) : G(i.rs);
        const Xbyak::Reg64 b = low32 ? raw(i.rt) : G(i.rt);
        const Xbyak::Reg64 d = def(i.dst, low32);
        if (d == a) {
            op(d, b);
        } else if (d == b && commutative) {
            op(d, a);
        } else if (d == b) {
            mov(rax, a);
            op(rax, b);
            mov(d, rax);
        } else {
            mov(d, a);
            op(d, b);
        }
        return true;
    }
    // Read operand `g` of `i` straight from its home in the Cpu (a memory
    // operand) rather than load it into a host register, which would first
    // evict another guest register: g is not held, no host register is
    // free, and it is neither the other operand nor the destination.
    bool from_home(unsigned g, const Insn& i) const {
        if (g == 0 || regs_.host_of[g] != RegCache::kNone || g == i.dst) return false;
        if ((g == i.rs) == (g == i.rt)) return false;  // (both operands: load it once)
        for (int8_t guest : regs_.guest_of)
            if (guest == RegCache::kNone) return false;
        return true;
    }
    // dst = rs OP immediate.
    // With a zero-extended 16-bit immediate: AND clears the upper half (a
    // low32 input gives a full result); OR and XOR keep a low32 input low32.
    template <typename Op>
    bool immediate64(const Insn& i, Op op, int32_t v, bool clears_upper) {
        if (i.dst == 32) return true;
        const bool low32 = regs_.is_low32(i.rs);
        const Xbyak::Reg64 a = raw(i.rs);
        const Xbyak::Reg64 d = def(i.dst, low32 && !clears_upper);
        if (d != a) mov(d, a);
        op(d, v);
        return true;
    }

    // dst = rt shifted by sa, in 32 bits, straight into dst (left low32).
    template <typename Op>
    bool shift32(const Insn& i, Op op) {
        if (i.dst == 32) return true;
        const Xbyak::Reg32 s = G32(i.rt);
        const Xbyak::Reg32 d = def(i.dst, true).cvt32();
        if (d != s) mov(d, s);
        op(d, i.sa);
        return true;
    }
    // dst = rt shifted by n, in 64 bits, straight into dst.
    template <typename Op>
    bool shift64(const Insn& i, Op op, unsigned n) {
        if (i.dst == 32) return true;
        const Xbyak::Reg64 s = G(i.rt);
        const Xbyak::Reg64 d = def(i.dst);
        if (d != s) mov(d, s);
        op(d, n);
        return true;
    }
    // rd = rt rotated right by n: rorx where the host has BMI2 (no copy).
    void rotate64(const Insn& i, unsigned n) {
        if (i.dst == 32) return;
        const Xbyak::Reg64 v = G(i.rt), d = def(i.dst);
        if (has_bmi2()) {
            rorx(d, v, uint8_t(n));
        } else {
            if (d != v) mov(d, v);
            ror(d, n);
        }
    }
    static bool has_bmi2() {
        static const bool yes = Xbyak::util::Cpu().has(Xbyak::util::Cpu::tBMI2);
        return yes;
    }
    static bool has_fma() {
        static const bool yes = Xbyak::util::Cpu().has(Xbyak::util::Cpu::tFMA);
        return yes;
    }
    static bool has_lzcnt() {
        static const bool yes = Xbyak::util::Cpu().has(Xbyak::util::Cpu::tLZCNT);
        return yes;
    }

    // An instruction whose native form has a rare case it leaves to its
    // routine (an exception to raise, state the fast path does not handle):
    // open one after loading the operands, jump to `slow` from where the
    // register cache is still as it was at the opening, close it after the
    // native form. The routine runs out of line (counted as a slow path),
    // then the block goes on as after the native form.
    struct RoutinePath {
        size_t k;
        Label* slow;
        Label* done;
        RegCache at;
    };
    RoutinePath open_routine_path(size_t k) {
        Label& slow = new_label();
        Label& done = new_label();
        return {k, &slow, &done, regs_};
    }
    void close_routine_path(const RoutinePath& p) {
        L(*p.done);
        s_.cold.emplace_back(p.slow, [this, k = p.k, at = p.at, after = regs_, done = p.done] {
            // The plain semantics (a patched site counted already).
            call_routine_out_of_line(k, true, kSlowPaths, at, after);
            jmp(*done, T_NEAR);
        });
    }
    // Jumps to `slow` unless Status has CU1 (and FR, for 64-bit registers):
    // the FPU is usable and each register holds a whole 64-bit value.
    void require_fpu(Label& slow, bool fr) {
        const int32_t need = int32_t(cp0::status::CU1 | (fr ? cp0::status::FR : 0));
        mov(rax, cpu64(L_.cp0));
        mov(eax, dword[rax + int32_t(offsetof(Cp0State, status))]);
        and_(eax, need);
        cmp(eax, need);
        jne(slow, T_NEAR);
    }
    Xbyak::Address fpr(unsigned n) { return qword[rbx + L_.fpr + 8 * int32_t(n)]; }

    // ---- Pieces -------------------------------------------------------------
    void prologue(Label& recheck);
    void entry_checks(Label& recheck);
    void entry_check();
    void end_block(const Insn* branch, bool native_decision, bool deferred);
    bool may_loop_in_place(const Insn* branch, bool deferred) const;
    void hold_registers_for_loop();
    void loop_in_place(Label& head, const RegCache& at_head, Label& recheck);
    void reconcile_with_head(const RegCache& at_head);
    void emit_cold_paths(Label& recheck);
    void account(uint64_t executed, uint64_t retired);
    template <typename Fn>
    void for_each_count_beyond_instret(uint64_t executed, uint64_t retired, Fn fn) const;
    bool counts_passes_at_exit() const { return looping_ && b_.guest_insns > 0; }
    void account_passes();
    void chain(uint64_t target_pc, uint32_t slot);
    Label& chain_miss(uint64_t target_pc, uint32_t slot);
    void direct_site(int which, Label& miss);
    bool chain_taken_directly(const Insn& branch, bool deferred);
    void to_indirect(const Xbyak::Reg64& target);
    void leave_to_dispatch(const Xbyak::Reg64& target);
    void end_static(uint64_t target_pc, uint32_t slot);
    void end_dynamic(const Xbyak::Reg64& target);
    // Calls `fn` (default: the routine the instruction's decision names),
    // counted by opcode in the context's routine_calls (slow_paths for the
    // slow path of an instruction emitted natively).
    void call_routine(size_t k, ExecFn fn = nullptr);
    void call_routine_raw(size_t k, ExecFn fn = nullptr);
    // From a cold path: as write_back(at), call_routine_raw (the
    // instruction's `inner` routine, else `exec`), reload(after), through
    // Runtime::routine_call (routine_call.h); `counter` is
    // kSlowPaths or kRoutineCalls. The memos of `after` come back spoiled.
    void call_routine_out_of_line(size_t k, bool inner, int32_t counter, const RegCache& at, const RegCache& after);
    void write_routine_calls();
    void emit(size_t k);
    void emit_one(size_t k);
    void emit_patched_in_kernel(size_t k);
    void emit_slot_of_followed_jump(size_t k);
    bool emit_native(size_t k);
    bool emit_window_access(size_t k, bool stores_only = false);
    bool emit_alu(const Insn& i);
    enum class Shift { LEFT, LOGICAL_RIGHT, ARITHMETIC_RIGHT };
    bool shift_by_register(const Insn& i, Shift how, bool wide);
    void emit_mem(size_t k, unsigned size, bool is_signed, bool is_store, bool fpu = false);
    bool emit_guarded(size_t k);
    bool emit_fpu_arith(size_t k);
    bool emit_partial_load(size_t k);
    bool emit_partial_store(size_t k);
    enum class TlbResult { HOST, HOST_AND_LOW, PAGE_ADDEND };
    Xbyak::RegExp soft_tlb_access(const Xbyak::Reg64& base, int32_t disp, bool store, uint32_t low_bits, Label& slow,
                                  TlbResult want, const Xbyak::Reg64& host = Xbyak::util::rax);
    int memo_to_reuse(const Insn& i, bool store) const;
    static bool may_use_memo(const Insn& i, bool memo_store);
    // Where access k should keep its host address for later accesses of the
    // block off the same base register: a host register (or kNone), and the
    // offsets from its address that those accesses cover.
    struct MemoPlan {
        int host = RegCache::kNone;
        int32_t lo = 0, hi = 0;
        bool store = false;  // later stores go through it too (a load's probe then asks for a write hit)
    };
    MemoPlan plan_memo(size_t k, unsigned size, size_t slot) const;
    void ram_access_miss(size_t k, unsigned size, bool store, Label& slow);
    std::array<int, 2> memos_other_than(size_t slot, int keep) const;
    size_t memo_slot_for(unsigned base) const;
    void check_memo_range(const Xbyak::Reg64& memo, int32_t lo, int32_t hi, unsigned size);
    void access_from_memo(size_t k, size_t m, const Xbyak::Reg64& base, int32_t disp, unsigned size, bool store, Label& slow,
                          const std::function<void(const Xbyak::RegExp&)>& access);
    // A callee-saved host register (calls keep it) that holds no guest
    // register and no memo, or kNone.
    int free_callee_saved_host() const {
        for (int h = int(RegCache::kHost.size()) - 1; h >= 0; --h) {
            const Xbyak::Reg64 r = RegCache::kHost[size_t(h)];
            if (r != rbp && r != r13 && r != r14) break;
            if (regs_.guest_of[size_t(h)] == RegCache::kNone && !regs_.holds_memo(h)) return h;
        }
        return RegCache::kNone;
    }
    void forget_memo_after(size_t k);
    // daddiu base, base, imm: a pointer stepping (64-bit, so the memo's
    // address stays base + a known displacement).
    static bool moves_base(const Insn& i, unsigned base) {
        return i.op == Opcode::daddiu && i.rs == base && i.dst == base && runs_plain(i);
    }
    // The displacement from rbx of field `offset` of way 0's first entry
    // for this block's mode.
    int32_t soft_tlb_field(size_t offset) const {
        return L_.soft_tlb + int32_t(r_.mode * sizeof(SoftTlb::e[0]) + offset);
    }
    bool emit_linked(size_t k);
    void request_check_if_interrupt_pending();
    // The block runs in kernel mode here: translated for it, and no routine
    // before this point may have left it.
    bool kernel_mode_here() const { return r_.mode >= kModeKernel && !may_change_mode_; }
    bool emit_cp0(size_t k);
    bool emit_branch_decision(const Insn& i);
    bool can_defer_decision(const Insn& branch, const Insn& slot) const;
    static constexpr uint8_t kConditionE = 0x4, kConditionNe = 0x5;
    uint8_t taken_condition(const Insn& branch);
    void jump_if_not_taken(const Insn& branch, Label& fall);
    template <typename Fn>
    Label& cold(Fn&& body) {
        Label& l = new_label();
        s_.cold.emplace_back(&l, std::forward<Fn>(body));
        return l;
    }

    const Request& r_;
    Block& b_;
    Layout L_;
    Scratch& s_;
    Label stopped_;
    RegCache regs_;
    size_t current_ = 0;  // the instruction being emitted (see victim)
    bool looping_ = false;  // the block loops in place (see next_use)
    // Direct chaining sites (see DirectSite), [0] taken, [1] fall-through.
    Label direct_label_[2];  // a direct site that is a jmp, for exits that share it
    bool direct_emitted_[2] = {false, false};
    Label* direct_miss_[2] = {nullptr, nullptr};
    // A routine ran that may have changed the MMU mode (a Status write):
    // the block's chaining exits then check the mode (see prologue).
    bool may_change_mode_ = false;
    // A store or a routine ran, which may have written this block's code.
    bool may_write_memory_ = false;
    // A routine runs on the block's straight path (it clears the registers held).
    bool called_routine_ = false;
};

}  // namespace mipshv::jit
