// A block of pre-decoded guest instructions: straight-line code up to a
// branch and its delay slot, an instruction that must end the block, the
// end of the guest page, or kMaxBlockInsns. Unconditional jumps to the same
// page are followed (insn_state::FOLLOWED_JUMP), so a loop whose back edge
// is `b` is one block.
#pragma once
#include <cstdint>
#include <vector>

#include "hv/cpu/insn.h"
#include "hv/engine/class_counts.h"

namespace mipshv {

constexpr unsigned kMaxBlockInsns = 64;  // (and a delay slot beyond, if the last is a branch)
static_assert(kMaxBlockInsns + 1 <= 8 * sizeof(ClassMembers::value_type), "a block's class members fit one word");

struct Block {
    uint64_t vpc = 0;     // guest virtual address of the first instruction
    uint64_t pa = 0;      // its guest physical address
    uint64_t end_pc = 0;  // fall-through address after the last instruction
    uint64_t pa_lo = 0;   // physical range of the instructions decoded from pa's page
    uint64_t pa_end = 0;  //   (followed jumps may go below pa)
    uint32_t guest_insns = 0;  // instructions that count as guest time (see ZERO_WEIGHT)
    bool hypervisor_code = false;  // stub code: never interrupted, takes no guest time
    // Invalidated (its code was written) while it may still be running: the
    // code after a followed jump then must not run (see block_engine.cpp).
    bool dropped = false;
    // Runs an engine that translates gives to the interpreter before it
    // translates the block (BlockEngine::build: a block that starts where a
    // run stopped, which seldom runs again).
    uint8_t interpret_first = 0;
    std::vector<Insn> insns;
    ClassCounts classes{};  // what all of insns retire, by cost class
    ClassMembers class_members{};  // which of insns retire as each class
    // What the first `executed` of insns retire, by cost class (both engines
    // account a block's run by it).
    ClassCounts classes_of_first(size_t executed) const {
        return executed == insns.size() ? classes : count_first(class_members, executed);
    }

    // Direct links to the blocks that followed this one (fall-through and
    // branch target, typically), each valid while the cache's stamp for its
    // PC is unchanged (BlockCache::stamp_for): the run loop then skips the lookup.
    struct Link {
        uint64_t pc = ~0ull;
        unsigned mode = 0;
        Block* block = nullptr;
        uint64_t stamp = 0;
    };
    Link links[2];

    // The translator's code for this block, per MMU mode (the mode selects
    // the software-TLB table and the instruction counter it is built for).
    // `entry` checks what the run loop would check between blocks; `body`
    // is where the run loop enters after checking itself.
    struct HostCode {
        const void* entry = nullptr;
        const void* body = nullptr;
        uint64_t generation = 0;  // the code cache's generation it was written in
    };
    HostCode host[4];
    // Direct chaining slots (the translator's) that jump into this block's
    // code: pointed elsewhere when the block is dropped.
    std::vector<uint32_t> incoming_slots;
};

}  // namespace mipshv
