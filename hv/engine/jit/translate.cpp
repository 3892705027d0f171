#include "hv/engine/jit/translate.h"

#include <xbyak/xbyak.h>
#include <xbyak/xbyak_util.h>

#include <deque>
#include <functional>
#include <vector>

#include "hv/cpu/cpu.h"
#include "hv/cpu/insn_time.h"
#include "hv/engine/decision.h"
#include "hv/engine/jit/jit_context.h"
#include "hv/engine/jit/reg_cache.h"
#include "hv/isa/opcode.h"

namespace mipshv::jit {

namespace {

using namespace Xbyak::util;
using Xbyak::Label;

// Where each piece of vCPU state sits relative to the Cpu, so translated
// code reaches every vCPU's state through rbx alone.
struct Layout {
    int32_t gpr, hi, lo, pc, next_pc, branch_taken, instret, exit_instret, mode, cp0, soft_tlb;
    int32_t stub_insns, patched_sites;

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
        soft_tlb = at(&c.soft_tlb.e[0][0]);
        stub_insns = at(&c.counters.hypervisor_stub_instructions);
        patched_sites = at(&c.counters.patched_site_executions);
    }
};

constexpr int32_t kCodeEpoch = int32_t(offsetof(Context, code_epoch));
constexpr int32_t kAnyEpoch = int32_t(offsetof(Context, any_epoch));
constexpr int32_t kExitBlock = int32_t(offsetof(Context, exit_block));
constexpr int32_t kExitIndex = int32_t(offsetof(Context, exit_index));
constexpr int32_t kExitSlot = int32_t(offsetof(Context, exit_slot));
constexpr int32_t kIndirect = int32_t(offsetof(Context, indirect));
constexpr int32_t kSlots = int32_t(offsetof(Context, slots));
constexpr int32_t kLinkTarget = int32_t(offsetof(Link, target));
constexpr int32_t kLinkEpoch = int32_t(offsetof(Link, epoch_offset));
constexpr int32_t kLinkStamp = int32_t(offsetof(Link, stamp));
static_assert(sizeof(IndirectEntry) == 32 && offsetof(IndirectEntry, link) == 8);
static_assert(sizeof(SoftTlbEntry) == 24);

bool is_native_branch(Opcode op) {
    switch (op) {
        case Opcode::beq: case Opcode::beql: case Opcode::bne: case Opcode::bnel: case Opcode::blez:
        case Opcode::blezl: case Opcode::bgtz: case Opcode::bgtzl: case Opcode::bltz: case Opcode::bltzl:
        case Opcode::bltzal: case Opcode::bltzall: case Opcode::bgez: case Opcode::bgezl: case Opcode::bgezal:
        case Opcode::bgezall: case Opcode::j: case Opcode::jal: case Opcode::jr: case Opcode::jr_hb:
        case Opcode::jalr: case Opcode::jalr_hb: return true;
        default: return false;
    }
}

bool fits_imm32(int64_t v) { return v == int64_t(int32_t(v)); }
uint64_t field_mask(unsigned size) { return size >= 64 ? ~0ull : (1ull << size) - 1; }

class Translator : public Xbyak::CodeGenerator {
public:
    Translator(const Request& r, uint8_t* buf, size_t capacity)
        : Xbyak::CodeGenerator(capacity, buf), r_(r), b_(r.block), L_(r.cpu) {}

    size_t run(Block::HostCode& out);

private:
    // ---- Operands ---------------------------------------------------------
    // A guest register's home in the Cpu.
    Xbyak::Address home(unsigned reg) { return qword[rbx + L_.gpr + 8 * int32_t(reg)]; }
    // A guest register's value, in a host register (loaded on first use),
    // as it is in the host register: possibly low 32 bits only (low32).
    Xbyak::Reg64 raw(unsigned reg) {
        int h = regs_.host_of[reg];
        if (h == RegCache::kNone) {
            h = take_host();
            mov(RegCache::kHost[size_t(h)], home(reg));
            regs_.bind(reg, h, false);
        } else {
            regs_.last_use[size_t(h)] = ++regs_.clock;
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
            regs_.last_use[size_t(h)] = ++regs_.clock;
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
        if (regs_.guest_of[size_t(h)] != RegCache::kNone) {
            if (regs_.dirty[size_t(h)]) store_home(unsigned(regs_.guest_of[size_t(h)]), size_t(h), regs_);
            regs_.unbind(h);
        }
        return h;
    }
    // The host register to give up: a free one, else the one whose guest
    // register the block needs again latest (or never), a clean one when
    // that ties (Belady's choice: the whole block is known).
    int victim() const {
        int best = -1;
        size_t best_next = 0;
        for (int h = 0; h < int(RegCache::kHost.size()); ++h) {
            const int g = regs_.guest_of[size_t(h)];
            if (g == RegCache::kNone) return h;
            const size_t next = next_use(unsigned(g));
            if (best < 0 || next > best_next || (next == best_next && regs_.dirty[size_t(best)] && !regs_.dirty[size_t(h)])) {
                best = h;
                best_next = next;
            }
        }
        return best;
    }
    // Index of the next instruction (from the one being emitted) that
    // names guest register g, or past the end.
    size_t next_use(unsigned g) const {
        for (size_t k = current_; k < b_.insns.size(); ++k) {
            const Insn& i = b_.insns[k];
            if (i.rs == g || i.rt == g || i.dst == g) return k;
        }
        return b_.insns.size() + 1;
    }
    // Writes every changed guest register held in `state` to its home.
    void write_back(const RegCache& state) {
        for (size_t h = 0; h < RegCache::kHost.size(); ++h)
            if (state.guest_of[h] != RegCache::kNone && state.dirty[h]) store_home(unsigned(state.guest_of[h]), h, state);
    }
    // Loads every guest register `state` holds from its home.
    void reload(const RegCache& state) {
        for (size_t h = 0; h < RegCache::kHost.size(); ++h)
            if (state.guest_of[h] != RegCache::kNone) mov(RegCache::kHost[h], home(unsigned(state.guest_of[h])));
    }
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
    // rax = src rotated right: rorx where the host has BMI2 (no copy).
    void rotate64(const Xbyak::Reg64& src, unsigned n) {
        if (has_bmi2()) {
            rorx(rax, src, uint8_t(n));
        } else {
            mov(rax, src);
            ror(rax, n);
        }
    }
    static bool has_bmi2() {
        static const bool yes = Xbyak::util::Cpu().has(Xbyak::util::Cpu::tBMI2);
        return yes;
    }

    // ---- Pieces -------------------------------------------------------------
    void prologue(Label& recheck);
    void account(uint64_t executed, uint64_t retired);
    void chain(uint64_t target_pc, uint32_t slot);
    void to_indirect(const Xbyak::Reg64& target);
    void leave_to_dispatch(const Xbyak::Reg64& target);
    void end_static(uint64_t target_pc, uint32_t slot);
    void end_dynamic(const Xbyak::Reg64& target);
    // Calls `fn` (default: the routine the instruction's decision names).
    void call_routine(size_t k, ExecFn fn = nullptr);
    void call_routine_raw(size_t k, ExecFn fn = nullptr);
    void emit(size_t k);
    void emit_patched_in_kernel(size_t k);
    void emit_slot_of_followed_jump(size_t k);
    bool emit_native(size_t k);
    bool emit_alu(const Insn& i);
    void emit_mem(size_t k, unsigned size, bool is_signed, bool is_store);
    bool emit_branch_decision(const Insn& i);
    bool can_defer_decision(const Insn& branch, const Insn& slot) const;
    void jump_if_not_taken(const Insn& branch, Label& fall);
    Label& cold(std::function<void()> body);

    const Request& r_;
    Block& b_;
    Layout L_;
    std::deque<Label> labels_;
    std::vector<std::pair<Label*, std::function<void()>>> cold_;
    Label stopped_;
    RegCache regs_;
    size_t current_ = 0;  // the instruction being emitted (see victim)
    // Direct chaining sites (see DirectSite), [0] taken, [1] fall-through.
    Label direct_label_[2];
    bool direct_emitted_[2] = {false, false};
    Label* direct_miss_[2] = {nullptr, nullptr};
    // A routine ran that may have changed the MMU mode (a Status write):
    // the block's chaining exits then check the mode (see prologue).
    bool may_change_mode_ = false;
    // A store or a routine ran, which may have written this block's code.
    bool may_write_memory_ = false;
};

Label& Translator::cold(std::function<void()> body) {
    Label& l = labels_.emplace_back();
    cold_.emplace_back(&l, std::move(body));
    return l;
}

// What the run loop checks between two blocks, for a block entered through
// a link: that the block fits before
// c.exit_instret (the budget, the timer deadline, or 0 after a stop request
// or any change that may make an interrupt pending: see Cpu::request_check);
// and, in the hypervisor modes, a pending enabled interrupt, since there
// the guest kernel writes its virtual Status with plain stores. The MMU
// mode needs no check here: a slot links only blocks of one mode, and a
// block whose routines may change the mode checks it before it chains
// (chain); an indirect-table entry is tagged with its mode.
void Translator::prologue(Label& recheck) {
    mov(rax, cpu64(L_.instret));
    add(rax, int32_t(std::max<uint64_t>(b_.guest_insns, 1)));
    cmp(rax, cpu64(L_.exit_instret));
    ja(recheck, T_NEAR);
    if (r_.cpu.vmm && !b_.hypervisor_code) {
        Label no_irq;
        mov(rax, cpu64(L_.cp0));
        mov(rcx, qword[rax + int32_t(offsetof(Cp0State, status))]);
        mov(edx, ecx);
        and_(edx, int32_t(cp0::status::IE | cp0::status::EXL | cp0::status::ERL));
        cmp(edx, int32_t(cp0::status::IE));
        jne(no_irq);
        and_(rcx, qword[rax + int32_t(offsetof(Cp0State, cause))]);
        test(ecx, int32_t(cp0::cause::IP));
        jnz(recheck, T_NEAR);
        L(no_irq);
    }
}

// The run loop's `credit`, inline.
void Translator::account(uint64_t executed, uint64_t retired) {
    if (retired) add(cpu64(L_.instret), int32_t(retired));  // (the clock and the mode counts follow)
    if (executed > retired) add(cpu64(L_.stub_insns), int32_t(executed - retired));
}

// Continue at a fixed guest address through a chaining slot: straight into
// the linked block while the slot's epoch holds, else back to the run loop,
// which links the slot.
void Translator::chain(uint64_t target_pc, uint32_t slot) {
    const int32_t link = kSlots + int32_t(slot * sizeof(Link));
    const int which = slot == r_.slot_taken ? 0 : 1;
    if (direct_emitted_[which]) {  // (a likely branch's two fall-through exits share one)
        jmp(direct_label_[which], T_NEAR);
        return;
    }
    // The epoch that validates the link is known here (Jit::link_to is told
    // through the slot's flags): one load fewer than a table entry.
    const bool survives = link_survives_map_changes(b_.vpc, target_pc, r_.mode);
    Label& miss = cold([this, target_pc, slot, survives] {
        store_imm(cpu64(L_.pc), target_pc);
        // A stub block's slot is marked: the run loop links it only to guest code.
        mov(qword[r12 + kExitSlot], int32_t(slot | (b_.guest_insns == 0 ? kSlotFromStub : 0) |
                                            (survives ? kSlotSurvivesMapChanges : 0)));
        mov(eax, EXIT_CHAIN);
        jmp(written(r_.runtime.epilogue), T_NEAR);
    });
    const int32_t epoch = survives ? kCodeEpoch : kAnyEpoch;
    if (may_change_mode_) {
        Label& other_mode = cold([this, target_pc] {
            mov(rax, target_pc);
            leave_to_dispatch(rax);
        });
        cmp(dword[rbx + L_.mode], int32_t(r_.mode));
        jne(other_mode, T_NEAR);
    }
    if (survives) {
        // A direct jump, to `miss` until the run loop links it.
        L(direct_label_[which]);
        direct_emitted_[which] = true;
        r_.direct[which].jump = const_cast<uint8_t*>(static_cast<const uint8_t*>(runnable(getCurr())));
        jmp(miss, T_NEAR);
        direct_miss_[which] = &miss;
        return;
    }
    mov(rax, qword[r12 + epoch]);
    cmp(rax, qword[r12 + link + kLinkStamp]);
    jne(miss, T_NEAR);
    jmp(qword[r12 + link + kLinkTarget]);
}

// Continue at a computed target through one probe of the indirect table
// (by PC and MMU mode), inline so that each jump site has its own host
// indirect branch to predict.
void Translator::to_indirect(const Xbyak::Reg64& target) {
    Label& miss = cold([this] { jmp(written(r_.runtime.indirect_miss), T_NEAR); });
    mov(cpu64(L_.pc), target);
    if (target != rax) mov(rax, target);
    test(al, 3);
    jnz(miss, T_NEAR);
    mov(ecx, dword[rbx + L_.mode]);
    or_(rcx, rax);
    mov(rdx, rax);
    shr(rdx, 2);
    and_(edx, int32_t(kIndirectEntries - 1));
    shl(rdx, 5);
    cmp(rcx, qword[r12 + rdx + kIndirect]);
    jne(miss, T_NEAR);
    mov(rax, qword[r12 + rdx + kIndirect + 8 + kLinkEpoch]);
    mov(rax, qword[r12 + rax]);
    cmp(rax, qword[r12 + rdx + kIndirect + 8 + kLinkStamp]);
    jne(miss, T_NEAR);
    jmp(qword[r12 + rdx + kIndirect + 8 + kLinkTarget]);
}

void Translator::leave_to_dispatch(const Xbyak::Reg64& target) {
    mov(cpu64(L_.pc), target);
    mov(eax, EXIT_DISPATCH);
    jmp(written(r_.runtime.epilogue), T_NEAR);
}

// Block ends (accounted already). Stub code never links to stub code (see
// kSlotFromStub) and never goes through the indirect table: a loop inside it
// would never come back to the run loop, which detects a stuck guest.
void Translator::end_static(uint64_t target_pc, uint32_t slot) { chain(target_pc, slot); }

void Translator::end_dynamic(const Xbyak::Reg64& target) {
    if (b_.guest_insns == 0) leave_to_dispatch(target);
    else to_indirect(target);
}

// Runs instruction k through its routine, as the interpreter would; a false
// return stops the block there, and the run loop accounts it.
void Translator::call_routine(size_t k, ExecFn fn) {
    write_back(regs_);
    regs_.clear();
    may_change_mode_ = true;
    may_write_memory_ = true;
    call_routine_raw(k, fn);
}

void Translator::call_routine_raw(size_t k, ExecFn fn) {
    const Insn& i = b_.insns[k];
    mov(rdi, rbx);
    mov(rsi, reinterpret_cast<uint64_t>(&i));
    mov(rax, reinterpret_cast<uint64_t>(fn ? fn : i.exec));
    call(rax);
    test(al, al);
    Label& fail = cold([this, k] {
        mov(ecx, int32_t(k));
        jmp(stopped_, T_NEAR);
    });
    jz(fail, T_NEAR);
}

bool Translator::emit_alu(const Insn& i) {
    const int32_t simm = int16_t(i.word);
    const int32_t uimm = uint16_t(i.word);
    switch (i.op) {
        case Opcode::nop: case Opcode::ssnop: case Opcode::ehb: return true;
        case Opcode::addu:
            if (i.rt == 0 || i.rs == 0) return copy(i, i.rt == 0 ? i.rs : i.rt, true);
            if (i.dst != 32) {
                const Xbyak::Reg64 a = raw(i.rs), b = raw(i.rt);
                lea(def(i.dst, true).cvt32(), ptr[a + b]);
            }
            return true;
        case Opcode::subu:
            if (i.dst != 32) {
                const Xbyak::Reg32 a = G32(i.rs), b = G32(i.rt);
                const Xbyak::Reg32 d = def(i.dst, true).cvt32();
                if (d == b && d != a) {
                    mov(eax, a);
                    sub(eax, b);
                    mov(d, eax);
                } else {
                    if (d != a) mov(d, a);
                    sub(d, b);
                }
            }
            return true;
        case Opcode::addiu:
            if (simm == 0) return copy(i, i.rs, true);
            if (i.dst != 32) {
                const Xbyak::Reg64 a = raw(i.rs);
                lea(def(i.dst, true).cvt32(), ptr[a + simm]);
            }
            return true;
        case Opcode::daddu:
            if (i.rt == 0 || i.rs == 0) return copy(i, i.rt == 0 ? i.rs : i.rt, false);
            if (i.dst != 32) {
                const Xbyak::Reg64 a = G(i.rs), b = G(i.rt);
                lea(def(i.dst), ptr[a + b]);
            }
            return true;
        case Opcode::dsubu:
            if (i.rt == 0) return copy(i, i.rs, false);
            return binary64(i, [this](const Xbyak::Reg64& d, const Xbyak::Reg64& b) { sub(d, b); }, false);
        case Opcode::daddiu:
            if (i.dst != 32) {
                const Xbyak::Reg64 a = G(i.rs);
                lea(def(i.dst), ptr[a + simm]);
            }
            return true;
        case Opcode::and_:
            if ((i.rs == 0 || i.rt == 0) && i.dst != 32) {
                const Xbyak::Reg32 d = def(i.dst).cvt32();
                xor_(d, d);
                return true;
            }
            return binary64(i, [this](const Xbyak::Reg64& d, const Xbyak::Reg64& b) { and_(d, b); }, true, true);
        case Opcode::or_:
            if (i.rt == 0 || i.rs == 0) return copy(i, i.rt == 0 ? i.rs : i.rt, false);
            return binary64(i, [this](const Xbyak::Reg64& d, const Xbyak::Reg64& b) { or_(d, b); }, true, true);
        case Opcode::xor_:
            if (i.rt == 0 || i.rs == 0) return copy(i, i.rt == 0 ? i.rs : i.rt, false);
            return binary64(i, [this](const Xbyak::Reg64& d, const Xbyak::Reg64& b) { xor_(d, b); }, true, true);
        case Opcode::nor:
            if (i.rs == 0 || i.rt == 0) copy(i, i.rs == 0 ? i.rt : i.rs, false);
            else binary64(i, [this](const Xbyak::Reg64& d, const Xbyak::Reg64& b) { or_(d, b); }, true, true);
            if (i.dst != 32) not_(def(i.dst, regs_.is_low32(i.dst)));  // (NOT keeps low32 low32)
            return true;
        case Opcode::andi: return immediate64(i, [this](const Xbyak::Reg64& d, int32_t v) { and_(d, v); }, uimm, true);
        case Opcode::ori: return immediate64(i, [this](const Xbyak::Reg64& d, int32_t v) { or_(d, v); }, uimm, false);
        case Opcode::xori: return immediate64(i, [this](const Xbyak::Reg64& d, int32_t v) { xor_(d, v); }, uimm, false);
        case Opcode::lui:
            if (i.dst != 32) mov(def(i.dst), int64_t(int32_t(uint32_t(uimm) << 16)));
            return true;
        case Opcode::slt: case Opcode::sltu: case Opcode::slti: case Opcode::sltiu: {
            mov(rax, G(i.rs));
            const bool imm = i.op == Opcode::slti || i.op == Opcode::sltiu;
            if (imm) cmp(rax, simm);
            else cmp(rax, G(i.rt));
            if (i.op == Opcode::slt || i.op == Opcode::slti) setl(al);
            else setb(al);
            movzx(eax, al);
            set_dst_from_rax(i);
            return true;
        }
        case Opcode::movz: case Opcode::movn: {
            if (i.dst == 32) return true;
            mov(rax, G(i.dst));
            test(G(i.rt), G(i.rt));
            if (i.op == Opcode::movz) cmove(rax, G(i.rs));
            else cmovne(rax, G(i.rs));
            set_dst_from_rax(i);
            return true;
        }
        case Opcode::sll: return shift32(i, [this](const Xbyak::Reg32& d, unsigned n) { shl(d, n); });
        case Opcode::srl: return shift32(i, [this](const Xbyak::Reg32& d, unsigned n) { shr(d, n); });
        case Opcode::sra: return shift32(i, [this](const Xbyak::Reg32& d, unsigned n) { sar(d, n); });
        case Opcode::rotr:
            if (i.dst != 32) {
                const Xbyak::Reg32 s = G32(i.rt);
                const Xbyak::Reg32 d = def(i.dst, true).cvt32();
                if (has_bmi2()) {
                    rorx(d, s, uint8_t(i.sa));
                } else {
                    if (d != s) mov(d, s);
                    ror(d, i.sa);
                }
            }
            return true;
        case Opcode::sllv: mov(ecx, G32(i.rs)); mov(eax, G32(i.rt)); shl(eax, cl); set_dst_sext32_eax(i); return true;
        case Opcode::srlv: mov(ecx, G32(i.rs)); mov(eax, G32(i.rt)); shr(eax, cl); set_dst_sext32_eax(i); return true;
        case Opcode::srav: mov(ecx, G32(i.rs)); mov(eax, G32(i.rt)); sar(eax, cl); set_dst_sext32_eax(i); return true;
        case Opcode::rotrv: mov(ecx, G32(i.rs)); mov(eax, G32(i.rt)); ror(eax, cl); set_dst_sext32_eax(i); return true;
        case Opcode::dsll: mov(rax, G(i.rt)); shl(rax, i.sa); set_dst_from_rax(i); return true;
        case Opcode::dsrl: mov(rax, G(i.rt)); shr(rax, i.sa); set_dst_from_rax(i); return true;
        case Opcode::dsra: mov(rax, G(i.rt)); sar(rax, i.sa); set_dst_from_rax(i); return true;
        case Opcode::drotr: rotate64(G(i.rt), i.sa); set_dst_from_rax(i); return true;
        case Opcode::dsll32: mov(rax, G(i.rt)); shl(rax, i.sa + 32); set_dst_from_rax(i); return true;
        case Opcode::dsrl32: mov(rax, G(i.rt)); shr(rax, i.sa + 32); set_dst_from_rax(i); return true;
        case Opcode::dsra32: mov(rax, G(i.rt)); sar(rax, i.sa + 32); set_dst_from_rax(i); return true;
        case Opcode::drotr32: rotate64(G(i.rt), i.sa + 32); set_dst_from_rax(i); return true;
        case Opcode::dsllv: mov(rcx, G(i.rs)); mov(rax, G(i.rt)); shl(rax, cl); set_dst_from_rax(i); return true;
        case Opcode::dsrlv: mov(rcx, G(i.rs)); mov(rax, G(i.rt)); shr(rax, cl); set_dst_from_rax(i); return true;
        case Opcode::dsrav: mov(rcx, G(i.rs)); mov(rax, G(i.rt)); sar(rax, cl); set_dst_from_rax(i); return true;
        case Opcode::drotrv: mov(rcx, G(i.rs)); mov(rax, G(i.rt)); ror(rax, cl); set_dst_from_rax(i); return true;
        case Opcode::seb: movsx(rax, G(i.rt).cvt8()); set_dst_from_rax(i); return true;
        // Byte shuffles: bytes k -> k^1 within a word (wsbh) is a byte
        // reversal and a half turn; k -> k^1 (dsbh) and k -> k^6 (dshd) in a
        // doubleword, a swap of alternate bytes, after a reversal for dshd.
        case Opcode::wsbh: mov(eax, G32(i.rt)); bswap(eax); ror(eax, 16); set_dst_sext32_eax(i); return true;
        case Opcode::dsbh: case Opcode::dshd:
            mov(rax, G(i.rt));
            if (i.op == Opcode::dshd) bswap(rax);
            mov(rcx, 0x00ff00ff00ff00ffull);
            mov(rdx, rax);
            shr(rdx, 8);
            and_(rdx, rcx);
            and_(rax, rcx);
            shl(rax, 8);
            or_(rax, rdx);
            set_dst_from_rax(i);
            return true;
        case Opcode::seh: movsx(rax, G(i.rt).cvt16()); set_dst_from_rax(i); return true;
        case Opcode::mfhi: mov(rax, cpu64(L_.hi)); set_dst_from_rax(i); return true;
        case Opcode::mflo: mov(rax, cpu64(L_.lo)); set_dst_from_rax(i); return true;
        case Opcode::mthi: mov(rax, G(i.rs)); mov(cpu64(L_.hi), rax); return true;
        case Opcode::mtlo: mov(rax, G(i.rs)); mov(cpu64(L_.lo), rax); return true;
        case Opcode::mult: case Opcode::multu:
            if (i.op == Opcode::mult) {
                movsxd(rax, G32(i.rs));
                movsxd(rcx, G32(i.rt));
            } else {
                mov(eax, G32(i.rs));
                mov(ecx, G32(i.rt));
            }
            imul(rax, rcx);
            movsxd(rdx, eax);
            mov(cpu64(L_.lo), rdx);
            shr(rax, 32);
            movsxd(rax, eax);
            mov(cpu64(L_.hi), rax);
            return true;
        case Opcode::mul:  // the low 32 bits of the product, whatever the signs
            if (i.dst != 32) {
                const Xbyak::Reg32 a = G32(i.rs), b = G32(i.rt);
                const Xbyak::Reg32 d = def(i.dst, true).cvt32();
                if (d == a) {
                    imul(d, b);
                } else if (d == b) {
                    imul(d, a);
                } else {
                    mov(d, a);
                    imul(d, b);
                }
            }
            return true;
        case Opcode::dmult: case Opcode::dmultu:
            mov(rax, G(i.rs));
            if (i.op == Opcode::dmult) imul(G(i.rt));
            else mul(G(i.rt));
            mov(cpu64(L_.lo), rax);
            mov(cpu64(L_.hi), rdx);
            return true;
        case Opcode::ext: case Opcode::dext: case Opcode::dextm: case Opcode::dextu: {
            unsigned pos = i.sa, size = i.rd + 1u;
            if (i.op == Opcode::dextm) size = i.rd + 33u;
            if (i.op == Opcode::dextu) pos = i.sa + 32u;
            mov(rax, G(i.rs));
            if (pos) shr(rax, pos);
            const uint64_t m = field_mask(size);
            if (m == 0xffffffffull) mov(eax, eax);
            else if (m != ~0ull) {
                mov(rcx, m);
                and_(rax, rcx);
            }
            if (i.op == Opcode::ext) set_dst_sext32_eax(i);
            else set_dst_from_rax(i);
            return true;
        }
        case Opcode::ins: case Opcode::dins: case Opcode::dinsm: case Opcode::dinsu: {
            unsigned pos = i.sa, size = i.rd - i.sa + 1u;
            if (i.op == Opcode::dinsm) size = i.rd + 32u - i.sa + 1u;
            if (i.op == Opcode::dinsu) pos = i.sa + 32u;
            const uint64_t m = field_mask(size) << pos;
            mov(rax, G(i.rs));
            if (pos) shl(rax, pos);
            mov(rcx, m);
            and_(rax, rcx);
            not_(rcx);
            and_(rcx, G(i.rt));
            or_(rax, rcx);
            if (i.op == Opcode::ins) set_dst_sext32_eax(i);
            else set_dst_from_rax(i);
            return true;
        }
        default: return false;
    }
}

// A load or store with the software-TLB hit path inline; a miss, a
// misaligned address or anything not plain RAM takes the instruction's own
// routine (which raises the exception or goes through the bus).
void Translator::emit_mem(size_t k, unsigned size, bool is_signed, bool is_store) {
    const Insn& i = b_.insns[k];
    if (is_store) may_write_memory_ = true;
    const int32_t table = L_.soft_tlb + int32_t(r_.mode * kSoftTlbSize * sizeof(SoftTlbEntry));
    const int32_t tag = table + int32_t(is_store ? offsetof(SoftTlbEntry, write_tag) : offsetof(SoftTlbEntry, read_tag));
    const int32_t addend = table + int32_t(offsetof(SoftTlbEntry, addend));
    const Xbyak::Reg64 base = G(i.rs);
    const Xbyak::Reg64 value = is_store ? (size == 8 ? G(i.rt) : raw(i.rt)) : rax;
    const RegCache at_branch = regs_;
    Label& slow = labels_.emplace_back();
    Label& done = labels_.emplace_back();
    lea(rax, ptr[base + int32_t(int16_t(i.word))]);
    mov(rcx, rax);
    shr(rcx, 12);
    and_(ecx, int32_t(kSoftTlbSize - 1));
    lea(rcx, ptr[rcx + rcx * 2]);
    // Tags are page addresses: a misaligned address (low bits kept here)
    // never matches, and takes the slow path, which raises the error.
    mov(rdx, rax);
    and_(rdx, int32_t(kHostPageMask | (size - 1)));
    cmp(rdx, qword[rbx + rcx * 8 + tag]);
    jne(slow, T_NEAR);
    add(rax, qword[rbx + rcx * 8 + addend]);
    if (is_store) {
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
    L(done);
    // The slow path leaves with the registers held as the fast path does.
    const RegCache after = regs_;
    cold_.emplace_back(&slow, [this, k, at_branch, after, &done] {
        write_back(at_branch);
        call_routine_raw(k, b_.insns[k].inner);  // the plain semantics (a patched site counted already)
        reload(after);
        jmp(done, T_NEAR);
    });
}

// A branch's decision, taken before its delay slot runs (which may change
// the registers it reads): c.branch_taken, or a jump register's target in
// c.next_pc (where the interpreter's routines leave it too).
bool Translator::emit_branch_decision(const Insn& i) {
    auto cond = [&](auto setcc, bool compare_rt) {
        const Xbyak::Reg64 a = G(i.rs);
        if (compare_rt && i.rt != 0) cmp(a, G(i.rt));
        else test(a, a);
        (this->*setcc)(byte[rbx + L_.branch_taken]);
    };
    using Set = void (Xbyak::CodeGenerator::*)(const Xbyak::Operand&);
    switch (i.op) {
        case Opcode::beq: case Opcode::beql: cond(Set(&CodeGenerator::sete), true); break;
        case Opcode::bne: case Opcode::bnel: cond(Set(&CodeGenerator::setne), true); break;
        case Opcode::blez: case Opcode::blezl: cond(Set(&CodeGenerator::setle), false); break;
        case Opcode::bgtz: case Opcode::bgtzl: cond(Set(&CodeGenerator::setg), false); break;
        case Opcode::bltz: case Opcode::bltzl: case Opcode::bltzal: case Opcode::bltzall:
            cond(Set(&CodeGenerator::sets), false);
            break;
        case Opcode::bgez: case Opcode::bgezl: case Opcode::bgezal: case Opcode::bgezall:
            cond(Set(&CodeGenerator::setns), false);
            break;
        case Opcode::j: case Opcode::jal: break;
        case Opcode::jr: case Opcode::jr_hb: case Opcode::jalr: case Opcode::jalr_hb:
            mov(cpu64(L_.next_pc), G(i.rs));
            break;
        default: return false;  // not reached: see is_native_branch
    }
    // The and-link forms write the return address after reading rs.
    if (opcode_info(i.op).dest != Dest::NONE && i.dst != 32) mov(def(i.dst), i.pc + 8);
    return true;
}

// A conditional branch whose delay slot leaves its operands alone can be
// decided at the block's end, straight into a host jump, instead of through
// c.branch_taken.
bool Translator::can_defer_decision(const Insn& branch, const Insn& slot) const {
    switch (branch.op) {
        case Opcode::beq: case Opcode::bne: case Opcode::blez: case Opcode::bgtz: case Opcode::bltz: case Opcode::bgez:
            return runs_plain(slot) && slot.dst != branch.rs && slot.dst != branch.rt;
        default: return false;
    }
}

void Translator::jump_if_not_taken(const Insn& i, Label& fall) {
    current_ = size_t(&i - b_.insns.data());  // (keeps both operands while they load)
    const Xbyak::Reg64 a = G(i.rs);
    const bool two = (i.op == Opcode::beq || i.op == Opcode::bne) && i.rt != 0;
    if (two) cmp(a, G(i.rt));
    else test(a, a);
    switch (i.op) {
        case Opcode::beq: jne(fall, T_NEAR); break;
        case Opcode::bne: je(fall, T_NEAR); break;
        case Opcode::blez: jg(fall, T_NEAR); break;
        case Opcode::bgtz: jle(fall, T_NEAR); break;
        case Opcode::bltz: jns(fall, T_NEAR); break;
        default: js(fall, T_NEAR); break;  // bgez
    }
}

// One instruction, as its decision says.
void Translator::emit(size_t k) {
    const Insn& i = b_.insns[k];
    if (i.state & insn_state::FOLLOWED_JUMP) return;  // its target's code follows
    if (k > 0 && (b_.insns[k - 1].state & insn_state::FOLLOWED_JUMP)) return emit_slot_of_followed_jump(k);
    if (runs_plain(i) && emit_native(k)) return;
    if (i.action == Action::PATCHED && r_.mode >= kModeKernel && !reads_time(i)) return emit_patched_in_kernel(k);
    call_routine(k);
}

// The delay slot of a followed jump (see exec_slot_of_followed_jump): if
// anything before might have written code, the block's own `dropped` flag
// says whether the instructions after the slot are still what memory holds.
void Translator::emit_slot_of_followed_jump(size_t k) {
    if (!emit_native(k)) call_routine(k, b_.insns[k].inner);  // (exec is the interpreter's check)
    if (!may_write_memory_) return;
    const Insn& slot = b_.insns[k];
    const uint64_t target = b_.insns[k - 1].target;
    Label& stale = cold([this, k, target, at = regs_, retired = slot.seq + !(slot.state & insn_state::ZERO_WEIGHT)] {
        write_back(at);
        account(k + 1, retired);
        mov(rax, target);
        leave_to_dispatch(rax);
    });
    mov(rax, reinterpret_cast<uint64_t>(&b_.dropped));
    cmp(byte[rax], 0);
    jne(stale, T_NEAR);
}

// A patched word in a block translated for kernel mode runs as written,
// natively where it can (exec_patched_site's kernel path, inline); should
// the vCPU not be in kernel mode after all, the routine decides.
void Translator::emit_patched_in_kernel(size_t k) {
    const Insn& i = b_.insns[k];
    const RegCache at_branch = regs_;
    Label& elsewhere = labels_.emplace_back();
    Label& done = labels_.emplace_back();
    cmp(dword[rbx + L_.mode], int32_t(kModeKernel));
    jb(elsewhere, T_NEAR);
    may_change_mode_ = may_write_memory_ = true;  // (the routine on the other path)
    add(cpu64(L_.patched_sites), 1);
    if (!emit_native(k)) call_routine(k, i.inner);
    L(done);
    const RegCache after = regs_;
    cold_.emplace_back(&elsewhere, [this, k, at_branch, after, &done] {
        write_back(at_branch);
        call_routine_raw(k);
        reload(after);
        jmp(done, T_NEAR);
    });
}

// The instruction's semantics in host code, if this backend has them.
bool Translator::emit_native(size_t k) {
    const Insn& i = b_.insns[k];
    switch (i.op) {
        case Opcode::lb: emit_mem(k, 1, true, false); return true;
        case Opcode::lbu: emit_mem(k, 1, false, false); return true;
        case Opcode::lh: emit_mem(k, 2, true, false); return true;
        case Opcode::lhu: emit_mem(k, 2, false, false); return true;
        case Opcode::lw: emit_mem(k, 4, true, false); return true;
        case Opcode::lwu: emit_mem(k, 4, false, false); return true;
        case Opcode::ld: emit_mem(k, 8, false, false); return true;
        case Opcode::sb: emit_mem(k, 1, false, true); return true;
        case Opcode::sh: emit_mem(k, 2, false, true); return true;
        case Opcode::sw: emit_mem(k, 4, false, true); return true;
        case Opcode::sd: emit_mem(k, 8, false, true); return true;
        default: return emit_alu(i);
    }
}

size_t Translator::run(Block::HostCode& out) {
    const size_t n = b_.insns.size();
    const bool has_slot = n >= 2 && (b_.insns[n - 1].state & insn_state::IN_DELAY_SLOT);
    const size_t branch_at = has_slot ? n - 2 : n;
    const Insn* branch = has_slot ? &b_.insns[branch_at] : nullptr;
    const bool branch_native = branch && runs_plain(*branch) && is_native_branch(branch->op);
    const bool deferred = branch_native && can_defer_decision(*branch, b_.insns[n - 1]);

    Label recheck;
    out.entry = runnable(getCurr());
    prologue(recheck);
    out.body = runnable(getCurr());
    // A branch that runs as a routine leaves its target in c.next_pc (the
    // interpreter starts every block with it at the fall-through address).
    if (branch && !branch_native) store_imm(cpu64(L_.next_pc), b_.end_pc);

    bool native_decision = false;
    for (size_t k = 0; k < n; ++k) {
        const Insn& i = b_.insns[k];
        if (k == branch_at && branch_native) {
            current_ = k;
            if (!deferred) emit_branch_decision(i);
            native_decision = true;
            if (opcode_info(i.op).flags & insn_flag::LIKELY) {
                // Not taken: the delay slot is annulled and the block ends here.
                Label& not_taken = cold([this, k, at = regs_] {
                    write_back(at);
                    const Insn& br = b_.insns[k];
                    account(k + 1, br.seq + !(br.state & insn_state::ZERO_WEIGHT));
                    end_static(b_.end_pc, r_.slot_fall);
                });
                cmp(byte[rbx + L_.branch_taken], 0);
                jz(not_taken, T_NEAR);
            }
            continue;
        }
        current_ = k;
        emit(k);
    }

    write_back(regs_);
    account(n, b_.guest_insns);
    if (native_decision) {
        switch (branch->op) {
            case Opcode::j: case Opcode::jal: end_static(branch->target, r_.slot_taken); break;
            case Opcode::jr: case Opcode::jr_hb: case Opcode::jalr: case Opcode::jalr_hb:
                mov(rax, cpu64(L_.next_pc));
                end_dynamic(rax);
                break;
            default: {
                Label fall;
                if (deferred) {
                    jump_if_not_taken(*branch, fall);
                } else {
                    cmp(byte[rbx + L_.branch_taken], 0);
                    jz(fall, T_NEAR);
                }
                end_static(branch->target, r_.slot_taken);
                L(fall);
                end_static(b_.end_pc, r_.slot_fall);
            }
        }
    } else if (branch) {
        // The branch ran as a routine: it left its target in c.next_pc.
        mov(rax, cpu64(L_.next_pc));
        end_dynamic(rax);
    } else {
        end_static(b_.end_pc, r_.slot_fall);
    }

    // Cold paths, out of the straight line (they may add more).
    for (size_t k = 0; k < cold_.size(); ++k) {
        L(*cold_[k].first);
        for (int w = 0; w < 2; ++w)
            if (direct_miss_[w] == cold_[k].first) r_.direct[w].miss = runnable(getCurr());
        auto body = cold_[k].second;
        body();
    }
    L(stopped_);
    mov(qword[r12 + kExitIndex], rcx);
    mov(rax, reinterpret_cast<uint64_t>(&b_));
    mov(qword[r12 + kExitBlock], rax);
    mov(eax, EXIT_STOPPED);
    jmp(written(r_.runtime.epilogue), T_NEAR);
    L(recheck);
    store_imm(cpu64(L_.pc), b_.vpc);
    mov(eax, EXIT_RECHECK);
    jmp(written(r_.runtime.epilogue), T_NEAR);
    return getSize();
}

}  // namespace

size_t translate(const Request& r, uint8_t* buf, size_t capacity, Block::HostCode& out) {
    Translator t(r, buf, capacity);
    return t.run(out);
}

size_t emit_runtime(const Cpu& cpu, uint8_t* buf, size_t capacity, ptrdiff_t exec_delta, Runtime& rt,
                    const void*& enter) {
    struct Emitter : Xbyak::CodeGenerator {
        Emitter(uint8_t* b, size_t cap) : Xbyak::CodeGenerator(cap, b) {}
    } e(buf, capacity);
    const Layout L(cpu);
    using namespace Xbyak::util;
    Label epilogue;
    // enter(Cpu* rdi, Context* rsi, code rdx): saves what the SysV ABI says
    // a callee must keep, keeps the stack 16-byte aligned for helper calls.
    auto runnable = [&](const uint8_t* p) -> const void* { return p + exec_delta; };
    enter = runnable(e.getCurr());
    e.push(rbx);
    e.push(rbp);
    e.push(r12);
    e.push(r13);
    e.push(r14);
    e.push(r15);
    e.sub(rsp, 8);
    e.mov(rbx, rdi);
    e.mov(r12, rsi);
    e.jmp(rdx);
    e.L(epilogue);
    rt.epilogue = runnable(e.getCurr());
    e.add(rsp, 8);
    e.pop(r15);
    e.pop(r14);
    e.pop(r13);
    e.pop(r12);
    e.pop(rbp);
    e.pop(rbx);
    e.ret();
    // A computed target the indirect table does not know.
    rt.indirect_miss = runnable(e.getCurr());
    e.mov(eax, EXIT_INDIRECT);
    e.jmp(epilogue, Xbyak::CodeGenerator::T_NEAR);
    return e.getSize();
}

}  // namespace mipshv::jit
