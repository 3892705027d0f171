// The data translated code reaches through r12: the validity epochs, what an
// exit leaves for the run loop, the indirect-jump table and the chaining
// slots. It lives in ordinary read-write memory (never executable), so
// linking and unlinking blocks writes no code.
#pragma once
#include <cstddef>
#include <cstdint>

#include "hv/cpu/segments.h"
#include "hv/cpu/soft_tlb.h"
#include "hv/engine/page_epochs.h"
#include "hv/isa/opcode.h"

namespace mipshv::jit {

// One way from translated code to a block: a chaining slot (a block's exit
// to a fixed guest address) or an indirect-table entry. It is valid while
// the epoch at `epoch_offset` in the context still equals `stamp` (a slot's
// code knows which epoch from its target's address and reads it directly).
// All zero is unlinked (epochs start at 1), so fresh zero pages are a valid
// context: the 40 MB of slots cost nothing until they are used.
struct Link {
    const void* target = nullptr;  // the block's checked entry
    uint64_t epoch_offset = 0;     // offsetof(Context, ...) of one of code_epochs or page_epochs
    uint64_t stamp = 0;            // 0: never equal to an epoch, unlinked
};

struct IndirectEntry {
    uint64_t tag = 0;  // guest PC | MMU mode (PCs are word-aligned); a zero entry's stamp never matches
    Link link;
};

// Why translated code returned to the run loop.
enum Exit : uint32_t {
    EXIT_RECHECK = 1,    // a block's entry check failed: the run loop must look (c.pc = that block)
    EXIT_CHAIN = 2,      // a block ended through an unlinked slot (exit_slot); accounted
    EXIT_INDIRECT = 3,   // a computed target missed the indirect table; accounted
    EXIT_STOPPED = 4,    // an instruction stopped the block (exit_block, exit_index); not accounted
    EXIT_DISPATCH = 5,   // a block that never chains (stub code) ended; accounted
};

// A link from a block at `from_pc`, translated for MMU mode `mode`, to a
// fixed target holds until its target block is dropped when the target is
// in an unmapped segment, or when it stays in the source's virtual page in
// user mode: user code is entered only through a lookup or link that checked its
// page's current mapping, and changes the TLB or the ASID only through a
// sensitive instruction (with Status.CU0: TLBR, TLBW*, EntryHi), which
// `block_may_remap` says the block has run. Such links are direct jumps
// (DirectSite in translate.h); anything else needs its target page's epoch.
inline bool link_survives_map_changes(uint64_t from_pc, uint64_t to_pc, unsigned mode, bool block_may_remap) {
    return in_compat_kernel_segment(to_pc) ||
           (mode == kModeUser && !block_may_remap && (from_pc >> 12) == (to_pc >> 12));
}

constexpr size_t kIndirectEntries = 1u << 16;
constexpr size_t kSlots = 1u << 20;
constexpr size_t kOpcodes = size_t(Opcode::count);

// An aggregate that zero pages represent as they are (see Link), but the
// epochs, which start at kFirstEpoch.
constexpr uint64_t kFirstEpoch = 1;
struct Context {
    // Changes when any block is dropped (a link the run loop is about to
    // make from the last exit then is not made).
    uint64_t code_epoch = kFirstEpoch;
    // A link to a block in an unmapped segment holds while the code epoch
    // of its page (hashed as page epochs are) holds, which only a block
    // dropped there moves on; one to a block reached through a mapping, while
    // its page's epoch (page_epochs.h) holds, which a dropped block moves on
    // too.
    uint64_t code_epochs[kPageEpochs];
    uint64_t page_epochs[kPageEpochs];
    uint64_t exit_block = 0;  // EXIT_STOPPED: the Block*
    uint64_t exit_index = 0;  //   and the index of the instruction that stopped it
    uint64_t exit_slot = 0;   // EXIT_CHAIN: the slot to link
    // Where Runtime::routine_call parks the host registers that hold guest
    // registers (RegCache::kHost, in order) around run_routine_call, and a
    // spare slot (RoutineCall::spoil).
    uint64_t host_registers[10];
    // Executions that left translated code for an instruction's routine, by
    // opcode, each bumped by the code just before its call: instructions
    // with no native form or whose decision is not RUN (routine_calls), and
    // native loads and stores whose inline fast path missed (slow_paths).
    uint64_t routine_calls[kOpcodes];
    uint64_t slow_paths[kOpcodes];
    IndirectEntry indirect[kIndirectEntries];
    Link slots[kSlots];
};

}  // namespace mipshv::jit
