// The translator's block structure: entry checks, instructions in order,
// the branch at the end, exits and chaining; and the shared runtime code.
#include "hv/engine/jit/translator.h"

#include <bit>

#include "hv/common/error.h"
#include "hv/cpu/mmu.h"
#include "hv/engine/jit/parallel_move.h"
#include "hv/engine/jit/routine_call.h"

#include "hv/vmm/comm_page.h"

namespace mipshv::jit {

void Translator::L(Label& l) {
    if (l.at != Label::kNone) throw mipshv::Error("mipshv: jit: a label placed twice");
    l.at = int32_t(getSize());
    for (int32_t f = l.pending; f != Label::kNone; f = s_.fixups[size_t(f)].before) {
        const Fixup& x = s_.fixups[size_t(f)];
        const int64_t disp = int64_t(l.at) - int64_t(x.field + x.bytes);
        if (x.bytes == 1 && (disp < -128 || disp > 127)) throw mipshv::Error("mipshv: jit: a short jump's label is too far");
        rewrite(x.field, uint64_t(disp), x.bytes);
        --s_.unplaced;
    }
    l.pending = Label::kNone;
}

void Translator::jump(Label& l, LabelType type, uint8_t short_op, uint8_t long_op, uint8_t long_prefix) {
    // A label behind has a known distance: rel8 if it fits and T_NEAR was
    // not asked for. One ahead gets a field to patch (L): rel8 unless T_NEAR.
    const bool behind = l.at != Label::kNone;
    const int64_t disp = behind ? int64_t(l.at) - int64_t(getSize()) : 0;
    const bool near = type == T_NEAR || (behind && (disp - 2 < -128 || disp - 2 > 127));
    if (near && type == T_SHORT) throw mipshv::Error("mipshv: jit: a short jump's label is too far");
    if (near) {
        if (long_prefix) db(long_prefix);
        db(long_op);
        dd(uint32_t(behind ? disp - (long_prefix ? 6 : 5) : 0));
    } else {
        db(short_op);
        db(uint8_t(behind ? disp - 2 : 0));
    }
    if (behind) return;
    const uint8_t bytes = near ? 4 : 1;
    s_.fixups.push_back({uint32_t(getSize() - bytes), bytes, l.pending});
    l.pending = int32_t(s_.fixups.size() - 1);
    ++s_.unplaced;
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
    // Stub code checks nothing: the run loop never stops a vCPU inside it
    // nor interrupts it there, and it takes no guest time, so it runs on to
    // the guest code it returns to, whose own entry checks. (Links between
    // stub blocks only go forward: see Jit::link_to.)
    if (b_.hypervisor_code) return;
    entry_checks(recheck);
}

void Translator::entry_checks(Label& recheck) {
    entry_check();
    ja(recheck, T_NEAR);
}

// The compare of the entry checks: "above" when the block may not run
// (its instructions would pass exit_instret, which a stop, an interrupt
// or the end of a turn lowers).
void Translator::entry_check() {
    lea(rax, ptr[kInstret + int32_t(std::max<uint64_t>(b_.guest_insns, 1))]);
    cmp(rax, cpu64(L_.exit_instret));
}

// The run loop's `credit`, inline, for a run of the block's first
// `executed` instructions: instret, stub instructions, and guest
// instructions by cost class.
void Translator::account(uint64_t executed, uint64_t retired) {
    if (retired) add(kInstret, int32_t(retired));  // (the clock and the mode counts follow)
    for_each_count_beyond_instret(executed, retired, [this](int32_t counter, uint32_t n) { add(cpu64(counter), int32_t(n)); });
}

// fn(counter, n) for each vCPU counter besides instret that a run of the
// block's first `executed` instructions adds n to: stub instructions, and
// guest instructions by cost class.
template <typename Fn>
void Translator::for_each_count_beyond_instret(uint64_t executed, uint64_t retired, Fn fn) const {
    if (executed > retired) fn(L_.stub_insns, uint32_t(executed - retired));
    const ClassCounts n = b_.classes_of_first(executed);
    for (size_t k = 1; k < kCostClasses; ++k)
        if (n[k]) fn(L_.class_counter[k], n[k]);
}

// Continue at a fixed guest address through a chaining slot: a direct jump
// where the link needs only the code epoch (see DirectSite), else a slot in
// data memory valid while the target page's epoch holds; unlinked, back to
// the run loop, which links the slot.
void Translator::chain(uint64_t target_pc, uint32_t slot) {
    const int32_t link = kSlotTable + int32_t(slot * sizeof(Link));
    const int which = slot == r_.slot_taken ? 0 : 1;
    if (direct_emitted_[which]) {  // (a likely branch's two fall-through exits share one)
        jmp(direct_label_[which], T_NEAR);
        return;
    }
    Label& miss = chain_miss(target_pc, slot);
    if (may_change_mode_) {
        Label& other_mode = cold([this, target_pc] {
            mov(rax, target_pc);
            leave_to_dispatch(rax);
        });
        cmp(dword[rbx + L_.mode], int32_t(r_.mode));
        jne(other_mode, T_NEAR);
    }
    if (link_survives_map_changes(b_.vpc, target_pc, r_.mode, may_change_mode_)) {
        // A direct jump, to `miss` until the run loop links it.
        L(direct_label_[which]);
        jmp(miss, T_NEAR);
        direct_site(which, miss);
        return;
    }
    mov(rax, qword[r12 + kPageEpochsAt + 8 * int32_t(page_epoch_index(target_pc))]);
    cmp(rax, qword[r12 + link + kLinkStamp]);
    jne(miss, T_NEAR);
    jmp(qword[r12 + link + kLinkTarget]);
}

// Where an unlinked chaining slot's jump goes: back to the run loop, which
// links the slot.
Label& Translator::chain_miss(uint64_t target_pc, uint32_t slot) {
    return cold([this, target_pc, slot] {
        store_imm(cpu64(L_.pc), target_pc);
        mov(qword[r12 + kExitSlot], int32_t(slot));
        mov(eax, EXIT_CHAIN);
        jmp(written(r_.runtime.epilogue), T_NEAR);
    });
}

// The jump just emitted is the direct site of exit `which`.
void Translator::direct_site(int which, Label& miss) {
    direct_emitted_[which] = true;
    r_.direct[which].end = const_cast<uint8_t*>(static_cast<const uint8_t*>(runnable(getCurr())));
    direct_miss_[which] = &miss;
}

// A conditional branch's taken exit as one jcc straight to the target's
// code, when that link may be direct (see chain): the fall-through path
// then takes one jump instead of two (a jcc over the taken exit's jmp, to
// its own). Emits the condition; false if the link may not be direct.
bool Translator::chain_taken_directly(const Insn& branch, bool deferred) {
    if (may_change_mode_ || direct_emitted_[0] || !link_survives_map_changes(b_.vpc, branch.target, r_.mode, may_change_mode_))
        return false;
    Label& miss = chain_miss(branch.target, r_.slot_taken);
    uint8_t cc = kConditionNe;
    if (deferred) cc = taken_condition(branch);
    else cmp(byte[rbx + L_.branch_taken], 0);
    jump(miss, T_NEAR, uint8_t(0x70 | cc), uint8_t(0x80 | cc), 0x0F);
    direct_site(0, miss);  // (direct_label_[0] stays unplaced: no other exit may share a conditional jump)
    return true;
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

// Block ends (accounted already). Stub code links to stub code only forward
// (Jit::link_to) and never goes through the indirect table: a loop inside it
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
    // Only a sensitive instruction or a hypervisor exit changes the MMU mode
    // and goes on (a Status write, ERET: they end their block); any other
    // routine changes it only by taking an exception, which stops the block.
    // A patched word in kernel mode runs its unprivileged replacement.
    const Insn& i = b_.insns[k];
    const bool replacement = i.action == Action::PATCHED && r_.mode >= kModeKernel;
    if (!replacement && (i.action != Action::RUN || opcode_info(i.op).sensitive != SensitiveClass::NONE))
        may_change_mode_ = true;
    may_write_memory_ = true;
    called_routine_ = true;
    call_routine_raw(k, fn);
}

void Translator::call_routine_raw(size_t k, ExecFn fn) {
    const Insn& i = b_.insns[k];
    add(qword[r12 + kRoutineCalls + 8 * int32_t(i.op)], 1);
    mov(cpu64(L_.instret), kInstret);
    mov(rdi, rbx);
    mov(rsi, reinterpret_cast<uint64_t>(&i));
    mov(rax, reinterpret_cast<uint64_t>(fn ? fn : i.exec));
    call(rax);
    mov(kInstret, cpu64(L_.instret));
    test(al, al);
    Label& fail = cold([this, k] {
        mov(ecx, int32_t(k));
        jmp(stopped_, T_NEAR);
    });
    jz(fail, T_NEAR);
}

void Translator::call_routine_out_of_line(size_t k, bool inner, int32_t counter, const RegCache& at,
                                          const RegCache& after) {
    const Insn& i = b_.insns[k];
    PendingRoutineCall p;
    RoutineCall& c = p.call;
    c.insn = &i;
    c.inner = inner;
    c.counter = counter + 8 * int32_t(i.op);
    for (size_t h = 0; h < RegCache::kHost.size(); ++h) {
        const bool changed = at.guest_of[h] != RegCache::kNone && at.dirty[h];
        c.write_home[h] = changed ? at.guest_of[h] : RoutineCall::kSink;
        if (changed && at.low32[h]) c.low32 = uint16_t(c.low32 | 1u << h);
        c.load[h] = after.guest_of[h] != RegCache::kNone ? after.guest_of[h] : RoutineCall::kSink;
    }
    for (size_t m = 0; m < after.memos.size(); ++m)
        if (after.memos[m].host != RegCache::kNone) c.spoil[m] = after.memos[m].host;
    // Where the RoutineCall will lie is known at the block's end
    // (write_routine_calls): a 64-bit immediate to fill in then.
    mov(rax, uint64_t(1) << 63);
    p.field = getSize() - 8;
    s_.routine_calls.push_back(p);
    call(written(r_.runtime.routine_call));
    test(al, al);
    Label& fail = cold([this, k] {
        mov(ecx, int32_t(k));
        jmp(stopped_, T_NEAR);
    });
    jz(fail, T_NEAR);
}

// The RoutineCalls of the block's cold paths, after its code (never run).
void Translator::write_routine_calls() {
    for (const PendingRoutineCall& p : s_.routine_calls) {
        while (reinterpret_cast<uintptr_t>(getCurr()) % alignof(RoutineCall) != 0) db(0xcc);
        rewrite(p.field, reinterpret_cast<uint64_t>(runnable(getCurr())), 8);
        db(reinterpret_cast<const uint8_t*>(&p.call), sizeof p.call);
    }
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

// Compares a deferred branch's operands; returns the x86 condition code
// (the low nibble of a jcc's opcode) under which the branch is taken.
uint8_t Translator::taken_condition(const Insn& i) {
    current_ = size_t(&i - b_.insns.data());  // (keeps both operands while they load)
    const Xbyak::Reg64 a = G(i.rs);
    const bool two = (i.op == Opcode::beq || i.op == Opcode::bne) && i.rt != 0;
    if (two) cmp(a, G(i.rt));
    else test(a, a);
    switch (i.op) {
        case Opcode::beq: return kConditionE;
        case Opcode::bne: return kConditionNe;
        case Opcode::blez: return 0xe;  // le
        case Opcode::bgtz: return 0xf;  // g
        case Opcode::bltz: return 0x8;  // s
        default: return 0x9;            // bgez: ns
    }
}

void Translator::jump_if_not_taken(const Insn& i, Label& fall) {
    const uint8_t not_taken = taken_condition(i) ^ 1;  // (x86 pairs each condition with its inverse)
    jump(fall, T_NEAR, uint8_t(0x70 | not_taken), uint8_t(0x80 | not_taken), 0x0F);
}

// One instruction, as its decision says; then a memo goes if the
// instruction wrote its base register or may have changed what maps where
// (see RegCache::memos).
void Translator::emit(size_t k) {
    emit_one(k);
    forget_memo_after(k);
}

void Translator::forget_memo_after(size_t k) {
    const Insn& i = b_.insns[k];
    const bool maps_may_change = !runs_plain(i) || opcode_info(i.op).sensitive != SensitiveClass::NONE;
    for (RegCache::Memo& m : regs_.memos) {
        if (m.host == RegCache::kNone) continue;
        if (moves_base(i, m.base))  // the memo's address is now further from the base
            m.disp -= int32_t(int16_t(i.word));
        else if (i.dst == m.base || maps_may_change)
            m.host = RegCache::kNone;
    }
}

void Translator::emit_one(size_t k) {
    const Insn& i = b_.insns[k];
    if (i.state & insn_state::FOLLOWED_JUMP) return;  // its target's code follows
    if (i.action == Action::ANNUL) return;  // a stub jump's delay slot: nothing runs (executed, not retired)
    if (k > 0 && (b_.insns[k - 1].state & insn_state::FOLLOWED_JUMP)) return emit_slot_of_followed_jump(k);
    if (runs_plain(i) && kernel_mode_here() && emit_window_access(k, true)) return;
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
        account_passes();
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
    if (!may_change_mode_) {
        // Nothing before it in the block can have left the mode the block
        // was translated for: the replacement alone, as if it were written
        // there (the site costs what the instruction it became costs).
        add(cpu64(L_.patched_sites), 1);
        if (!emit_window_access(k) && !emit_native(k)) call_routine(k, i.inner);
        return;
    }
    const RegCache at_branch = regs_;
    Label& elsewhere = new_label();
    Label& done = new_label();
    cmp(dword[rbx + L_.mode], int32_t(kModeKernel));
    jb(elsewhere, T_NEAR);
    may_change_mode_ = may_write_memory_ = true;  // (the routine on the other path)
    add(cpu64(L_.patched_sites), 1);
    if (!emit_window_access(k) && !emit_native(k)) call_routine(k, i.inner);
    L(done);
    const RegCache after = regs_;
    s_.cold.emplace_back(&elsewhere, [this, k, at_branch, after, &done] {
        call_routine_out_of_line(k, false, kRoutineCalls, at_branch, after);
        jmp(done, T_NEAR);
    });
}

// A load or store of the communication window relative to $zero, in
// kernel mode: a 1:1 site's access to a virtual CP0 field, or stub code's
// (its save slots too). One host access to the running vCPU's window (its
// cp0 storage), as exec_patched_site and the slow path of a store make it:
// no software TLB, no fault, no code written. A store over Status or Cause
// requests the check for an interrupt it may have let in. `stores_only`:
// stub code's loads take the software TLB as any load does (a store there
// never does: see store_slow).
bool Translator::emit_window_access(size_t k, bool stores_only) {
    const Insn& i = b_.insns[k];
    if (!r_.cpu.vmm || r_.cpu.comm_window_va != comm_page::kWindowVa) return false;
    const auto w = comm_page::window_access(i, comm_page::kWindowSize);
    if (!w || (stores_only && !w->store)) return false;
    const int32_t off = int32_t(w->offset);
    if (w->store) {
        const Xbyak::Reg64 value = w->size == 8 ? G(i.rt) : raw(i.rt);
        mov(rcx, cpu64(L_.cp0));
        if (w->size == 8) mov(qword[rcx + off], value);
        else mov(dword[rcx + off], value.cvt32());
        if (comm_page::may_unmask_interrupt(*w)) request_check_if_interrupt_pending();
    } else if (i.dst != 32) {
        mov(rax, cpu64(L_.cp0));
        const Xbyak::Reg64 d = def(i.dst);
        if (w->size == 8) mov(d, qword[rax + off]);
        else movsxd(d, dword[rax + off]);
    }
    return true;
}

// check_interrupts_at_next_block, with rcx = the vCPU's cp0 storage: an
// interrupt pending now (IE alone of IE, EXL and ERL; an IP bit both raised
// and unmasked) sends the vCPU to the run loop at the next block.
void Translator::request_check_if_interrupt_pending() {
    Label done;
    mov(rax, qword[rcx + int32_t(offsetof(Cp0State, status))]);
    mov(edx, eax);
    and_(edx, int32_t(cp0::status::IE | cp0::status::EXL | cp0::status::ERL));
    cmp(edx, int32_t(cp0::status::IE));
    jne(done);
    and_(rax, qword[rcx + int32_t(offsetof(Cp0State, cause))]);
    test(eax, int32_t(cp0::cause::IP));
    jz(done);
    mov(cpu64(L_.exit_instret), 0);
    L(done);
}

// The instruction's semantics in host code, if this backend has them.
bool Translator::emit_native(size_t k) {
    const Insn& i = b_.insns[k];
    if (const auto a = plain_access(i.op)) {
        emit_mem(k, a->size, a->is_signed, a->store);
        return true;
    }
    switch (i.op) {
        case Opcode::lwc1: emit_mem(k, 4, false, false, true); return true;
        case Opcode::ldc1: emit_mem(k, 8, false, false, true); return true;
        case Opcode::swc1: emit_mem(k, 4, false, true, true); return true;
        case Opcode::sdc1: emit_mem(k, 8, false, true, true); return true;
        case Opcode::lwl: case Opcode::lwr: case Opcode::ldl: case Opcode::ldr: return emit_partial_load(k);
        case Opcode::swl: case Opcode::swr: case Opcode::sdl: case Opcode::sdr: return emit_partial_store(k);
        case Opcode::ll: case Opcode::lld: case Opcode::sc: case Opcode::scd: return emit_linked(k);
        default: return emit_alu(i) || emit_guarded(k) || emit_fpu_arith(k) || emit_cp0(k);
    }
}

size_t Translator::run(Block::HostCode& out) {
    const size_t n = b_.insns.size();
    const bool has_slot = n >= 2 && (b_.insns[n - 1].state & insn_state::IN_DELAY_SLOT);
    const size_t branch_at = has_slot ? n - 2 : n;
    const Insn* branch = has_slot ? &b_.insns[branch_at] : nullptr;
    const bool branch_native = branch && runs_plain(*branch) && is_native_branch(branch->op);
    const bool deferred = branch_native && can_defer_decision(*branch, b_.insns[n - 1]);
    // A 1:n stub jump (a patched `j`) in kernel code: a jump like any other,
    // chained to the stub, unless a routine before it may have left kernel
    // mode (then exec_patched_site decides, as the interpreter does).
    const bool patched_jump = branch && branch->action == Action::PATCHED && branch->op == Opcode::j &&
                              r_.mode >= kModeKernel && !reads_time(*branch);

    Label recheck;
    out.entry = runnable(getCurr());
    prologue(recheck);
    out.body = runnable(getCurr());
    const bool self_loop = may_loop_in_place(branch, deferred);
    Label loop_head;
    RegCache at_head;
    if (self_loop) {
        looping_ = true;
        hold_registers_for_loop();
        if (counts_passes_at_exit()) mov(qword[rsp], kInstret);  // (see account_passes)
        at_head = regs_;
        L(loop_head);
    }
    // A branch that runs as a routine leaves its target in c.next_pc (the
    // interpreter starts every block with it at the fall-through address).
    if (branch && !branch_native) store_imm(cpu64(L_.next_pc), b_.end_pc);

    bool native_decision = false;
    for (size_t k = 0; k < n; ++k) {
        const Insn& i = b_.insns[k];
        if (k == branch_at && branch_native) {
            current_ = k;
            if (!deferred) emit_branch_decision(i);
            forget_memo_after(k);  // (a link register)
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
        if (k == branch_at && patched_jump && !may_change_mode_) {
            add(cpu64(L_.patched_sites), 1);
            native_decision = true;
            continue;
        }
        current_ = k;
        emit(k);
    }

    if (self_loop && native_decision && !called_routine_) {
        // Taken: round again with the registers held (see loop_in_place).
        Label fall;
        jump_if_not_taken(*branch, fall);
        loop_in_place(loop_head, at_head, recheck);
        L(fall);
        account_passes();
        write_back(regs_);
        account(n, b_.guest_insns);
        end_static(b_.end_pc, r_.slot_fall);
    } else {
        end_block(branch, native_decision, deferred);
    }
    emit_cold_paths(recheck);
    if (s_.unplaced) throw mipshv::Error("mipshv: jit: a jump to a label never placed");
    return getSize();
}

void Translator::end_block(const Insn* branch, bool native_decision, bool deferred) {
    const size_t n = b_.insns.size();
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
                if (chain_taken_directly(*branch, deferred)) {
                    end_static(b_.end_pc, r_.slot_fall);
                    break;
                }
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
}

// A block whose conditional branch goes back to its own start, with no
// routine on its straight path, runs round in place: the guest registers
// stay in host registers from one pass to the next, instead of being
// written back at the end and loaded again at the start (with more guest
// registers than host ones, only those held differently at the end than at
// the start move). Each pass still accounts its instructions and makes the
// entry checks (budget, pending interrupt), which also end the loop once the
// block is dropped (its own code written: Jit::invalidate_code asks for the
// check), so guest time, interrupts and self-modifying code behave as if it
// were chained to itself.
bool Translator::may_loop_in_place(const Insn* branch, bool deferred) const {
    if (!branch || !deferred || b_.hypervisor_code || branch->target != b_.vpc) return false;
    return link_survives_map_changes(b_.vpc, b_.vpc, r_.mode, may_change_mode_);
}

// Loads the guest registers the block names first, as many as the cache
// holds; those the block writes are held dirty from the start, since a
// later pass may have changed them.
void Translator::hold_registers_for_loop() {
    std::array<bool, 33> written{};
    for (const Insn& i : b_.insns)
        if (i.dst != 0 && i.dst < 32) written[i.dst] = true;
    size_t held = 0;
    for (const Insn& i : b_.insns)
        for (unsigned g : {unsigned(i.rs), unsigned(i.rt), unsigned(i.dst)})
            if (g != 0 && g < 32 && names_gpr(i, g) && regs_.host_of[g] == RegCache::kNone && held < RegCache::kHost.size()) {
                raw(g);
                ++held;
            }
    for (unsigned g = 1; g < 32; ++g)
        if (written[g] && regs_.host_of[g] != RegCache::kNone) regs_.dirty[size_t(regs_.host_of[g])] = true;
}

// The taken side of a block that loops in place: account the pass, bring
// the registers to what the head holds, and go round if the entry checks
// pass (the one jump back, taken, is the round's only added branch).
void Translator::loop_in_place(Label& head, const RegCache& at_head, Label& recheck) {
    Label& leave = cold([this, &recheck, at_head] {
        account_passes();
        write_back(at_head);
        jmp(recheck, T_NEAR);
    });
    if (counts_passes_at_exit()) add(kInstret, int32_t(b_.guest_insns));
    else account(b_.insns.size(), b_.guest_insns);
    reconcile_with_head(at_head);
    entry_check();
    jbe(head, T_NEAR);
    jmp(leave, T_NEAR);
}

// A pass of a loop in place counts its instructions by cost class (and its
// stub instructions) only when the loop is left: the same counter in memory,
// added to every pass, would carry each pass into the next through a store
// and a load, as instret did. instret's own count tells the passes: at the
// head it was saved in the trampoline's spare stack slot (translated code
// never moves rsp), and each complete pass has added guest_insns to it since;
// n = 2^s * m with m odd, so the passes are (delta >> s) times m's inverse
// modulo 2^64. Made at every way out of the loop, before the exit accounts
// whatever part of a pass ran (nothing in other blocks); leaves rcx alone
// (stopped_'s index).
void Translator::account_passes() {
    if (!counts_passes_at_exit()) return;
    const uint64_t n = b_.guest_insns, executed = b_.insns.size();
    bool any = false;
    for_each_count_beyond_instret(executed, n, [&any](int32_t, uint32_t) { any = true; });
    if (!any) return;
    const int shift = std::countr_zero(n);
    const uint64_t m = n >> shift;
    uint64_t inverse = m;  // Newton's iteration: each step doubles the correct low bits
    for (int step = 0; step < 5; ++step) inverse *= 2 - m * inverse;
    mov(rax, kInstret);
    sub(rax, qword[rsp]);
    if (shift) shr(rax, shift);
    if (m != 1) {
        mov(rdx, inverse);
        imul(rax, rdx);
    }
    for_each_count_beyond_instret(executed, n, [this](int32_t counter, uint32_t per_pass) {
        imul(rdx, rax, int32_t(per_pass));
        add(cpu64(counter), rdx);
    });
}

// Brings the registers to where the loop's head holds them, whole: a guest
// register held in another host register moves there (a parallel move: one
// that would overwrite a value still to be moved waits, and a cycle goes
// through rax); one not held is loaded; one the head does not hold goes home
// if changed. The rest stay.
void Translator::reconcile_with_head(const RegCache& at_head) {
    constexpr size_t kHosts = RegCache::kHost.size();
    for (size_t h = 0; h < kHosts; ++h) {
        const int g = regs_.guest_of[h];
        if (g != RegCache::kNone && regs_.dirty[h] && at_head.host_of[size_t(g)] == RegCache::kNone)
            store_home(unsigned(g), h, regs_);
    }
    std::vector<RegMove> moves;
    for (size_t h = 0; h < kHosts; ++h) {
        const int g = at_head.guest_of[h];
        if (g == RegCache::kNone || regs_.guest_of[h] == g) continue;
        const int from = regs_.host_of[size_t(g)];
        if (from != RegCache::kNone) moves.push_back({int(h), from, bool(regs_.low32[size_t(from)])});
    }
    auto reg = [this](int r) { return r == kScratch ? rax : RegCache::kHost[size_t(r)]; };
    for (const RegMove& m : sequence_parallel_moves(moves)) {
        if (m.low32) movsxd(reg(m.to), reg(m.from).cvt32());
        else mov(reg(m.to), reg(m.from));
    }
    for (size_t h = 0; h < kHosts; ++h) {
        const int g = at_head.guest_of[h];
        if (g != RegCache::kNone && regs_.guest_of[h] != g && regs_.host_of[size_t(g)] == RegCache::kNone)
            mov(RegCache::kHost[h], home(unsigned(g)));
        else if (g != RegCache::kNone && regs_.guest_of[h] == g && regs_.low32[h])
            movsxd(RegCache::kHost[h], RegCache::kHost[h].cvt32());
    }
}

void Translator::emit_cold_paths(Label& recheck) {
    // Cold paths, out of the straight line (they may add more).
    for (size_t k = 0; k < s_.cold.size(); ++k) {
        L(*s_.cold[k].at);
        for (int w = 0; w < 2; ++w)
            if (direct_miss_[w] == s_.cold[k].at) r_.direct[w].miss = runnable(getCurr());
        ColdPath body = std::move(s_.cold[k]);  // (it may add more, moving the others)
        body();
    }
    L(stopped_);
    account_passes();  // (in a loop in place, every way to stopped_ is inside the loop)
    mov(qword[r12 + kExitIndex], rcx);
    mov(rax, reinterpret_cast<uint64_t>(&b_));
    mov(qword[r12 + kExitBlock], rax);
    mov(eax, EXIT_STOPPED);
    jmp(written(r_.runtime.epilogue), T_NEAR);
    L(recheck);
    store_imm(cpu64(L_.pc), b_.vpc);
    mov(eax, EXIT_RECHECK);
    jmp(written(r_.runtime.epilogue), T_NEAR);
    write_routine_calls();
}

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
    Xbyak::Label epilogue;
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
    e.mov(kInstret, e.qword[rbx + L.instret]);
    e.jmp(rdx);
    e.L(epilogue);
    rt.epilogue = runnable(e.getCurr());
    e.mov(e.qword[rbx + L.instret], kInstret);
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
    // Shared routines a block calls (rsp 16-aligned there, so 8 below in
    // them), each a C++ call with rdi = the Cpu and rsi = rax, around which
    // the host registers that hold guest registers are parked in the
    // Context: all of them (`all`, for a routine that reads or writes them
    // there), else those the SysV ABI lets a call clobber.
    const int32_t parked = int32_t(offsetof(Context, host_registers));
    auto parks = [](const Xbyak::Reg64& r, bool all) {
        return all || (r != rbx && r != rbp && r != r12 && r != r13 && r != r14 && r != r15);
    };
    auto shared_call = [&](const void* fn, bool all, auto&& before, auto&& after) {
        const void* at = runnable(e.getCurr());
        for (size_t h = 0; h < RegCache::kHost.size(); ++h)
            if (parks(RegCache::kHost[h], all)) e.mov(e.qword[r12 + parked + 8 * int32_t(h)], RegCache::kHost[h]);
        before();
        e.mov(rdi, rbx);
        e.mov(rsi, rax);
        e.sub(rsp, 8);
        e.mov(rax, reinterpret_cast<uint64_t>(fn));
        e.call(rax);
        e.add(rsp, 8);
        after();
        for (size_t h = 0; h < RegCache::kHost.size(); ++h)
            if (parks(RegCache::kHost[h], all)) e.mov(RegCache::kHost[h], e.qword[r12 + parked + 8 * int32_t(h)]);
        e.ret();
        return at;
    };
    // routine_call (routine_call.h): rax = the RoutineCall; instret goes
    // through the vCPU, as around any routine.
    rt.routine_call = shared_call(
        reinterpret_cast<const void*>(&run_routine_call), true,
        [&] {
            e.mov(e.qword[rbx + L.instret], kInstret);
            e.mov(rdx, r12);
        },
        [&] { e.mov(kInstret, e.qword[rbx + L.instret]); });
    // ram_access: rax = address, edx = size, ecx = 1 for a store.
    rt.ram_access = shared_call(reinterpret_cast<const void*>(&ram_access_for), false, [] {}, [] {});
    return e.getSize();
}

}  // namespace mipshv::jit
