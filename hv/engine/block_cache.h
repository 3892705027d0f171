// Owns every translated block. Blocks are found by (physical address,
// virtual address) so that aliases of the same code through different
// segments keep their own PC-relative values, and by a direct-mapped cache
// on the virtual PC for the common path. Blocks invalidated while one may
// still be running are freed only at the next dispatch.
#pragma once
#include <array>
#include <cstdint>
#include <memory>
#include <unordered_map>
#include <vector>

#include "hv/cpu/segments.h"
#include "hv/engine/block.h"

namespace mipshv {

class Bus;

class BlockCache {
public:
    explicit BlockCache(Bus& bus) : bus_(bus) {}

    Block* lookup_fast(uint64_t vpc, unsigned mode) const {
        const JumpEntry& e = jump_[index(vpc)];
        const uint64_t now = e.survives_map_changes ? code_epoch_ : epoch_;
        return (e.vpc == vpc && e.mode == mode && e.stamp == now) ? e.block : nullptr;
    }
    // The block lookup_fast knew before mappings changed, if `vpc` still
    // translates to its physical address (saves the hash lookup).
    Block* revalidate(uint64_t vpc, unsigned mode, uint64_t pa) {
        JumpEntry& e = jump_[index(vpc)];
        if (e.vpc != vpc || e.mode != mode || e.code_stamp != code_epoch_ || e.block->pa != pa) return nullptr;
        e.stamp = e.survives_map_changes ? code_epoch_ : epoch_;
        return e.block;
    }
    Block* find(uint64_t pa, uint64_t vpc) const;
    Block* insert(std::unique_ptr<Block> b, unsigned mode);
    void remember(uint64_t vpc, unsigned mode, Block* b) {
        const bool survives = in_compat_kernel_segment(vpc);
        jump_[index(vpc)] = {vpc, mode, b, survives ? code_epoch_ : epoch_, code_epoch_, survives};
    }

    // Drops every block overlapping [pa, pa+len); returns how many.
    unsigned invalidate(uint64_t pa, uint64_t len);
    // Some block was found through a TLB-mapped page whose (address & mask)
    // == vpn2 (mask and vpn2 as a TLB entry compares them).
    bool has_mapped_code(uint64_t mask, uint64_t vpn2) const;
    // Times has_mapped_code walked every mapped code page (a huge page).
    uint64_t mapped_code_walks() const { return mapped_code_walks_; }
    // Drops every block (they are freed at the next collect_garbage).
    void clear() { drop_all(); }
    // Mappings changed: forget lookups that depended on them.
    void flush_lookup() { ++epoch_; }
    // Blocks dropped and not yet freed, the latest last.
    const std::vector<std::unique_ptr<Block>>& dropped() const { return graveyard_; }
    // Frees the blocks invalidated since the last call; true if any were.
    bool collect_garbage() {
        if (graveyard_.empty()) return false;
        graveyard_.clear();
        return true;
    }
    // Changes whenever a mapping changes or a block goes: block links made
    // under an older epoch are ignored.
    uint64_t epoch() const { return epoch_; }
    size_t size() const { return blocks_.size(); }
    static constexpr size_t kMaxBlocks = 1u << 20;

private:
    struct JumpEntry {
        uint64_t vpc = ~0ull;
        unsigned mode = 0;
        Block* block = nullptr;
        uint64_t stamp = 0;       // the epoch it was made in (see lookup_fast)
        uint64_t code_stamp = 0;  // the code epoch it was made in (see revalidate)
        bool survives_map_changes = false;
    };
    void forget_blocks() {
        ++code_epoch_;
        ++epoch_;
    }
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
    // Virtual pages (outside kseg0/kseg1) blocks were found through, by the
    // address bits a TLB entry compares (mapped_page_key) -> how many.
    std::unordered_map<uint64_t, uint32_t> mapped_code_pages_;
    void count_mapped_code(const Block& b, int delta);
    std::vector<std::unique_ptr<Block>> graveyard_;
    // A dropped block stays until the next collect_garbage (it may be running).
    void bury(std::unique_ptr<Block> b) {
        b->dropped = true;
        graveyard_.push_back(std::move(b));
    }
    uint64_t epoch_ = 1;       // changes with any mapping change or dropped block
    uint64_t code_epoch_ = 1;  // changes when blocks are dropped
    mutable uint64_t mapped_code_walks_ = 0;
};

}  // namespace mipshv
