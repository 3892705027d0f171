// Owns every translated block. Blocks are found by (physical address,
// virtual address) so that aliases of the same code through different
// segments keep their own PC-relative values, and by a direct-mapped cache
// on the virtual PC for the common path. Blocks invalidated while one may
// still be running are freed only at the next dispatch.
#pragma once
#include <array>
#include <bitset>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "hv/cpu/segments.h"
#include "hv/engine/page_epochs.h"
#include "hv/engine/block.h"

namespace mipshv {

class Bus;

class BlockCache {
public:
    explicit BlockCache(Bus& bus) : bus_(bus) {}

    Block* lookup_fast(uint64_t vpc, unsigned mode) const {
        const JumpEntry& e = jump_[index(vpc)];
        return (e.vpc == vpc && e.mode == mode && e.stamp == stamp_for(vpc)) ? e.block : nullptr;
    }
    // The block lookup_fast knew before mappings changed, if `vpc` still
    // translates to its physical address (saves the hash lookup).
    Block* revalidate(uint64_t vpc, unsigned mode, uint64_t pa) {
        JumpEntry& e = jump_[index(vpc)];
        if (e.vpc != vpc || e.mode != mode || e.code_stamp != code_epoch_ || e.block->pa != pa) return nullptr;
        e.stamp = stamp_for(vpc);
        return e.block;
    }
    Block* find(uint64_t pa, uint64_t vpc) const;
    Block* insert(std::unique_ptr<Block> b, unsigned mode);
    void remember(uint64_t vpc, unsigned mode, Block* b) { jump_[index(vpc)] = {vpc, mode, b, stamp_for(vpc), code_epoch_}; }
    // What a lookup of the block at `vpc` (or a link to it) made now must
    // still find for it to hold: for kseg0 and kseg1, the code epoch of its
    // page (hashed as page epochs are), which only dropped blocks move on;
    // else its page's epoch.
    uint64_t stamp_for(uint64_t vpc) const {
        const unsigned k = page_epoch_index(vpc);
        return in_compat_kernel_segment(vpc) ? code_epochs_[k] : page_epoch_[k];
    }

    // Drops every block overlapping [pa, pa+len); returns how many.
    unsigned invalidate(uint64_t pa, uint64_t len);
    // Drops every block (they are freed at the next collect_garbage).
    void clear() { drop_all(); }
    // Mappings changed: forget lookups that depended on them.
    void flush_lookup() {
        for (uint64_t& e : page_epoch_) ++e;
    }
    // The pages whose (address & mask) == vpn2 (mask and vpn2 as a TLB
    // entry compares them) are no longer mapped as they were: their page
    // epochs move on (all of them for a huge page), fn(k) for each
    // (fn(kPageEpochs) for all).
    template <typename Fn>
    void unmapped(uint64_t mask, uint64_t vpn2, Fn fn) {
        if (for_each_page_epoch(mask, vpn2, [&](unsigned k) {
                ++page_epoch_[k];
                fn(k);
            }))
            return;
        ++huge_unmaps_;
        flush_lookup();
        fn(kPageEpochs);
    }
    // Times unmapped moved on every page epoch (a huge page).
    uint64_t huge_unmaps() const { return huge_unmaps_; }
    // A block at `vpc` was found through a TLB entry of the current ASID
    // alone (not global): an ASID change must forget it.
    void found_per_asid(uint64_t vpc) { per_asid_pages_.set(page_epoch_index(vpc)); }
    // The ASID changed: the page epochs of blocks found through mappings of
    // one ASID move on (fn(k) for each); those found through global entries
    // (a kernel's modules, say) hold. (Every lookup or link that holds to
    // such a page was made after the lookup that marked it, so the marks
    // start afresh here.)
    template <typename Fn>
    void asid_changed(Fn fn) {
        for (unsigned k = 0; k < kPageEpochs; ++k)
            if (per_asid_pages_.test(k)) {
                ++page_epoch_[k];
                fn(k);
            }
        per_asid_pages_.reset();
    }
    // Blocks dropped and not yet freed, the latest last.
    const std::vector<std::unique_ptr<Block>>& dropped() const { return graveyard_; }
    // Frees the blocks invalidated since the last call; true if any were.
    bool collect_garbage() {
        if (graveyard_.empty()) return false;
        graveyard_.clear();
        return true;
    }
    size_t size() const { return blocks_.size(); }
    static constexpr size_t kMaxBlocks = 1u << 20;

private:
    struct JumpEntry {
        uint64_t vpc = ~0ull;
        unsigned mode = 0;
        Block* block = nullptr;
        uint64_t stamp = 0;       // stamp_for(vpc) when it was made (see lookup_fast)
        uint64_t code_stamp = 0;  // the code epoch it was made in (see revalidate)
    };
    void forget_blocks() {
        ++code_epoch_;
        for (uint64_t& e : code_epochs_) ++e;
        flush_lookup();
    }
    // A dropped block: lookups of it and links to it go, by its own page's
    // epochs (both kinds: a link's kind follows how it was made), and so
    // does revalidate's use of any JumpEntry (its block may be freed).
    void forget_block(uint64_t vpc) { forget_dropped_block(code_epoch_, code_epochs_, page_epoch_, vpc); }
    struct Key {
        uint64_t pa, vpc;
        bool operator==(const Key&) const = default;
    };
    struct KeyHash {
        size_t operator()(const Key& k) const { return std::hash<uint64_t>()(k.pa * 0x9e3779b97f4a7c15ull ^ k.vpc); }
    };
    void drop_all();
    static size_t index(uint64_t vpc) { return (vpc >> 2) & (kJumpEntries - 1); }
    static constexpr size_t kJumpEntries = 1u << 15;

    Bus& bus_;
    std::array<JumpEntry, kJumpEntries> jump_{};
    std::unordered_map<Key, std::unique_ptr<Block>, KeyHash> blocks_;
    std::unordered_map<uint64_t, std::vector<Block*>> by_page_;  // physical page -> blocks
    std::vector<std::unique_ptr<Block>> graveyard_;
    // A dropped block stays until the next collect_garbage (it may be running).
    void bury(std::unique_ptr<Block> b) {
        b->dropped = true;
        graveyard_.push_back(std::move(b));
    }
    uint64_t code_epoch_ = 1;  // changes when blocks are dropped
    std::array<uint64_t, kPageEpochs> code_epochs_{};
    std::array<uint64_t, kPageEpochs> page_epoch_{};
    std::bitset<kPageEpochs> per_asid_pages_;
    uint64_t huge_unmaps_ = 0;
};

}  // namespace mipshv
