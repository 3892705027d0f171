#include "hv/engine/block_engine.h"

#include <algorithm>
#include <cstring>

#include "hv/board/bus.h"
#include "hv/cpu/cp0.h"
#include "hv/cpu/exception.h"
#include "hv/cpu/mmu.h"
#include "hv/cpu/stop_request.h"
#include "hv/engine/class_counts.h"
#include "hv/engine/decision.h"
#include "hv/isa/decoder.h"
#include "hv/isa/disasm.h"
#include "hv/stats/run_record.pb.h"
#include "hv/vmm/hypervisor.h"

namespace mipshv {

namespace {

void trace(const Cpu& c, const Insn& i) {
    std::fprintf(c.trace, "%016llx: %08x  %s\n", static_cast<unsigned long long>(i.pc), i.word,
                 disassemble(i.word, i.pc).c_str());
}

// Where to stop so that exactly `guest_insns` guest instructions run; never
// between a branch and its delay slot.
const Insn* stop_at(const Block& b, uint64_t guest_insns) {
    const Insn* p = b.insns.data();
    const Insn* end = p + b.insns.size();
    while (p != end && p->seq < guest_insns) ++p;
    if (p != end && (p->state & insn_state::IN_DELAY_SLOT)) ++p;
    return p;
}

constexpr uint64_t kMaxDispatchesWithoutProgress = 10'000'000;
constexpr unsigned kMaxFollowedJumps = 4;

bool exec_followed_jump(Cpu&, const Insn&) { return true; }

// The delay slot of a followed jump, under the interpreter: the slot runs,
// then if a store (here or earlier in the block) dropped the block, the
// decoded instructions after it may be stale: stop, and go to the target.
bool exec_slot_of_followed_jump(Cpu& c, const Insn& slot) {
    if (!slot.inner(c, slot)) return false;
    if (!static_cast<BlockEngine*>(c.engine)->interpreting()->dropped) return true;
    c.pc = (&slot)[-1].target;  // the jump, just before it in the block
    return false;
}

// An unconditional jump with a fixed target that the block may follow: it
// runs as itself, and stays in the page, at an address not decoded yet.
bool followable_jump(const Insn& i, uint64_t block_vpc, const std::vector<Insn>& decoded) {
    const bool unconditional = i.op == Opcode::j || (i.op == Opcode::beq && i.rs == 0 && i.rt == 0);
    if (!unconditional || i.action != Action::RUN || (i.target >> 12) != (block_vpc >> 12)) return false;
    for (const Insn& d : decoded)
        if (d.pc == i.target) return false;
    return true;
}

// A delay slot the followed jump may keep: it runs as itself, unwrapped,
// and neither branches nor ends the block (nothing then looks for the
// jump's target).
bool keeps_following(const Insn& slot) {
    const uint8_t flags = opcode_info(slot.op).flags;
    return runs_plain(slot) && !(flags & (insn_flag::BRANCH | insn_flag::ENDS)) &&
           !(slot.state & insn_state::ENDS_BLOCK);
}

}  // namespace

Block* BlockEngine::build(Cpu& c, uint64_t pa) {
    const uint64_t page_pa = pa & kHostPageMask;
    const uint8_t* page = c.bus->ram_ptr(page_pa, 4096);
    if (!page) return nullptr;
    auto b = std::make_unique<Block>();
    b->vpc = c.pc;
    b->pa = pa;
    uint64_t pc = c.pc;
    const uint64_t page_end = (pc | 0xfff) + 1;
    uint64_t lo = pc, hi = pc;  // the page offsets decoded
    unsigned followed = 0;
    size_t following = SIZE_MAX;  // a jump being followed (index), while its delay slot is decoded
    // Instructions decoded from stub code (by physical address) take no
    // guest time. The flag follows the run loop's own test, by PC, of where
    // it must not interrupt, so the translator's entry check agrees with it.
    const bool hypervisor_code = pa >= c.hyp_code_pa_begin && pa < c.hyp_code_pa_end;
    b->hypervisor_code = c.in_hypervisor_code(c.pc);
    if (c.vmm) c.vmm->before_new_block(c, pa);
    bool in_delay_slot = false;
    // Decoded into storage kept from block to block, then copied once at
    // its final size (growing the block's own vector would allocate
    // several times for every block).
    std::vector<Insn>& insns = decoding_;
    insns.clear();
    auto add = [&](Insn& i) {
        if (hypervisor_code) i.state |= insn_state::ZERO_WEIGHT;
        i.seq = uint16_t(b->guest_insns);
        if (!(i.state & insn_state::ZERO_WEIGHT)) ++b->guest_insns;
        insns.push_back(i);
    };
    for (;;) {
        uint32_t word;
        std::memcpy(&word, page + (pc & 0xfff), 4);
        Insn i = decode_insn(pc, word);
        if (in_delay_slot) i.state = insn_state::IN_DELAY_SLOT;
        decide(c, i, page_pa | (pc & 0xfff));
        add(i);
        lo = std::min(lo, pc);
        hi = std::max(hi, pc + 4);
        pc += 4;
        const uint8_t flags = opcode_info(i.op).flags;
        const bool ends = (i.state & insn_state::ENDS_BLOCK) ||
                          ((flags & insn_flag::ENDS) && !(i.state & insn_state::CONTINUES_BLOCK));
        if (in_delay_slot) {
            if (following == SIZE_MAX || !keeps_following(i)) break;
            // Go on at the jump's target, as if the jump had run.
            Insn& jump = insns[following];
            jump.state |= insn_state::FOLLOWED_JUMP;
            jump.exec = jump.inner = exec_followed_jump;
            insns.back().exec = exec_slot_of_followed_jump;  // (a RUN slot: inner is its routine)
            pc = jump.target;
            following = SIZE_MAX;
            in_delay_slot = false;
            ++followed;
            continue;
        }
        if (flags & insn_flag::BRANCH) {
            if (pc == page_end) {
                Insn slot{};
                slot.pc = pc;
                slot.op = Opcode::invalid;
                slot.state = insn_state::IN_DELAY_SLOT;
                slot.action = Action::NEXT_PAGE_SLOT;
                decide(c, slot, 0);
                add(slot);
                pc += 4;
                break;
            }
            in_delay_slot = true;
            // (Room for the slot and at least one instruction at the target.)
            if (!hypervisor_code && followed < kMaxFollowedJumps && insns.size() + 2 < kMaxBlockInsns &&
                followable_jump(insns.back(), b->vpc, insns))
                following = insns.size() - 1;
            continue;
        }
        if (ends || pc == page_end || insns.size() >= kMaxBlockInsns) break;
    }
    b->end_pc = pc;
    b->insns.assign(insns.begin(), insns.end());
    b->class_members = class_members(b->insns.data(), b->insns.data() + b->insns.size());
    b->classes = count_first(b->class_members, b->insns.size());
    b->pa_lo = page_pa | (lo & 0xfff);
    b->pa_end = page_pa + std::min<uint64_t>(hi - (page_end - 4096), 4096);
    ++blocks_built_;
    if (resume_points_.erase(b->vpc)) {
        b->interpret_first = kInterpretedResumeRuns;
        ++resume_blocks_;
    }
    return cache_.insert(std::move(b), c.mmu_mode);
}

Block* BlockEngine::block_at_pc(Cpu& c) {
    if (Block* b = cache_.lookup_fast(c.pc, c.mmu_mode)) return b;
    Insn at{};
    at.pc = c.pc;
    if (c.pc & 3) {
        raise_address_error(c, at, Exc::ADEL, c.pc);
        return nullptr;
    }
    uint64_t pa;
    bool per_asid = false;
    if (!translate_or_raise(c, at, c.pc, Access::FETCH, pa, &per_asid)) return nullptr;
    if (per_asid) cache_.found_per_asid(c.pc);
    if (Block* b = cache_.revalidate(c.pc, c.mmu_mode, pa)) return b;
    if (Block* b = cache_.find(pa, c.pc)) {
        cache_.remember(c.pc, c.mmu_mode, b);
        return b;
    }
    if (Block* b = build(c, pa)) return b;
    raise(c, at, Exc::IBE);  // instruction fetch from something that is not RAM
    return nullptr;
}

void BlockEngine::invalidate_code(uint64_t pa, uint64_t len) {
    for (uint64_t p = pa & kHostPageMask; p < pa + len; p += 4096) {
        uint64_t lo = std::max(p, pa), hi = std::min(p + 4096, pa + len);
        blocks_invalidated_ += cache_.invalidate(lo, hi - lo);
    }
}

// The block that runs next after `prev`: through prev's links when they
// are current, else looked up (and linked for next time).
Block* BlockEngine::next_block(Cpu& c, Block* prev) {
    if (prev)
        for (const Block::Link& l : prev->links)
            if (l.pc == c.pc && l.mode == c.mmu_mode && l.stamp == cache_.stamp_for(l.pc)) return l.block;
    Block* b = block_at_pc(c);
    if (b && prev) {
        // (The lookup may have dropped blocks: prev may be one.)
        if (prev->dropped) return b;
        Block::Link& slot = prev->links[prev->links[0].block && prev->links[0].stamp == cache_.stamp_for(prev->links[0].pc) ? 1 : 0];
        slot = {c.pc, c.mmu_mode, b, cache_.stamp_for(c.pc)};
    }
    return b;
}

void BlockEngine::credit(Cpu& c, uint64_t executed, uint64_t retired) {
    c.instret += retired;  // (and so the clock)
    c.counters.hypervisor_stub_instructions += executed - retired;
}

// Every block an engine runs from one dispatch is in the MMU mode the
// dispatch found (translated code links only blocks of one mode, and a
// block whose routines may change the mode checks it before it chains), so
// the run loop counts instructions per mode, not the blocks.
void BlockEngine::count_by_mode(Cpu& c, unsigned mode, uint64_t retired) {
    if (mode >= kModeKernel) c.counters.instructions_kernel += retired;
    else if (mode == kModeUser) c.counters.instructions_user += retired;
    else c.counters.instructions_supervisor += retired;
}

void BlockEngine::account(Cpu& c, const Block& b, const Insn* p, const Insn* stop) {
    const Insn* const first = b.insns.data();
    const Insn* const end = first + b.insns.size();
    uint64_t executed, retired;
    if (p == stop) {
        c.pc = stop == end ? c.next_pc : stop->pc;
        executed = uint64_t(stop - first);
        retired = stop == end ? b.guest_insns : stop->seq;
    } else {
        const bool completed = !c.exception_taken;
        executed = uint64_t(p - first) + completed;
        retired = p->seq + (completed && !(p->state & insn_state::ZERO_WEIGHT));
        c.exception_taken = false;
    }
    credit(c, executed, retired);
    add_class_counts(c.counters, b.classes_of_first(executed));
}

void BlockEngine::interpret(Cpu& c, Block& b, const Insn* stop) {
    interpreting_ = &b;
    c.next_pc = b.end_pc;
    const Insn* p = b.insns.data();
    if (!c.trace) {
        while (p != stop && p->exec(c, *p)) ++p;
    } else {
        for (; p != stop; ++p) {
            trace(c, *p);
            if (!p->exec(c, *p)) break;
        }
    }
    account(c, b, p, stop);
}

// A run stopped in the middle of a block (the budget, a turn's end, the
// timer: an interrupt's EPC is this PC too). The guest goes on from here
// once, as a rule, and a block built to start here would be translated for
// that one run: such a block is interpreted for its first runs instead
// (a -smp 4 boot builds 8,400 of them: MANUAL section 4).
void BlockEngine::note_resume_point(const Cpu& c) {
    if (cache_.lookup_fast(c.pc, c.mmu_mode)) return;  // (a block starts here already: a loop's, say)
    if (resume_points_.size() >= kMaxResumePoints) resume_points_.clear();
    resume_points_.insert(c.pc);
}

void BlockEngine::run(Cpu& c, uint64_t budget) {
    const uint64_t limit = budget ? c.instret + budget : UINT64_MAX;
    c.engine = this;
    if (&c != last_cpu_) {
        if (last_cpu_) switched_vcpu();
        last_cpu_ = &c;
    }
    Block* prev = nullptr;
    // A guest that makes no progress at all (an exception whose vector cannot
    // be fetched, say, or a loop inside hypervisor stub code) would otherwise
    // keep the run loop busy forever: nothing retires, so no budget ends it.
    uint64_t dispatches_without_progress = 0;
    while (c.stop == StopReason::NONE) {
        ++dispatches_;
        if (++dispatches_without_progress > kMaxDispatchesWithoutProgress) {
            c.request_stop(StopReason::STUCK);
            break;
        }
        // (Never stop inside hypervisor stub code: the guest would see it.)
        if (c.instret >= limit && !c.in_hypervisor_code(c.pc)) {
            c.request_stop(StopReason::BUDGET);
            break;
        }
        if (cache_.collect_garbage()) prev = nullptr;  // it may have been freed
        // (Inside stub code the timer waits too, as interrupts do: translated
        // code runs a stub through to the guest code it returns to, so the
        // state at a stop must not depend on whether the run loop saw it.)
        if (cp0_timer_due(c) && !c.in_hypervisor_code(c.pc)) cp0_advance_timer(c);
        if (interrupt_pending(c) && !c.in_hypervisor_code(c.pc) && take_interrupt_if_pending(c)) c.exception_taken = false;
        Block* b = next_block(c, prev);
        prev = b;
        if (!b) {
            c.exception_taken = false;
            continue;
        }
        const uint64_t before = c.instret;
        // Stop exactly at the budget, and exactly at the timer deadline, so
        // that interrupts land on the same guest instruction whatever the
        // block boundaries (they differ between execution modes) and engines.
        uint64_t room = limit - std::min(limit, c.instret);
        if (c.modelled_time) room = std::min(room, c.timer_check_at - std::min(c.timer_check_at, c.instret));
        else if (c.ticks_per_insn) {
            const uint64_t ticks_left = c.timer_deadline - std::min(c.timer_deadline, c.ticks());
            // (One tick per instruction is the default: no division, which
            // cost as much as the rest of a dispatch.)
            room = std::min(room, c.ticks_per_insn == 1 ? ticks_left : ticks_left / c.ticks_per_insn);
        }
        c.set_exit_instret(c.instret + room);
        // A stop asked for from outside, tested after the exit word is set:
        // the asker zeroes the word after setting the request, so either
        // this sees the request or translated code sees the zero (but for
        // the store buffer's few cycles, when the block runs to `room`).
        if (c.stop_request)
            if (const StopReason why = c.stop_request->pending(); why != StopReason::NONE && !c.in_hypervisor_code(c.pc)) {
                c.request_stop(why);
                break;
            }
        // An interrupt waits while the vCPU is in stub code (above): the
        // guest code the stub returns to comes back here before it runs
        // (translated code does not test for pending interrupts itself).
        if (c.in_hypervisor_code(c.pc) && interrupt_pending(c)) c.request_check();
        const unsigned mode = c.mmu_mode;
        if (b->guest_insns <= room) run_whole(c, *b);
        else {
            const Insn* stop = stop_at(*b, room);
            interpret(c, *b, stop);
            if (stop != b->insns.data() + b->insns.size() && c.pc == stop->pc) note_resume_point(c);
        }
        count_by_mode(c, mode, c.instret - before);
        if (c.instret != before) dispatches_without_progress = 0;
    }
}

void BlockEngine::fill_record(stats::EngineRecord& r) const {
    r.set_name(name());
    r.set_blocks_translated(blocks_built_);
    r.set_blocks_invalidated(blocks_invalidated_);
    r.set_dispatcher_entries(dispatches_);
    for (size_t k = 0; k < lookup_flushes_.size(); ++k)
        if (lookup_flushes_[k]) (*r.mutable_lookup_flushes())[kLookupFlushNames[k]] = lookup_flushes_[k];
    r.set_mapped_code_walks(cache_.huge_unmaps());
    r.set_tlb_entries_unmapped(tlb_entries_unmapped_);
    r.set_blocks_at_resume_points(resume_blocks_);
}

}  // namespace mipshv
