#include "hv/engine/block_cache.h"

#include <algorithm>

#include "hv/board/bus.h"
#include "hv/cpu/tlb.h"

namespace mipshv {

Block* BlockCache::find(uint64_t pa, uint64_t vpc) const {
    auto it = blocks_.find(Key{pa, vpc});
    return it == blocks_.end() ? nullptr : it->second.get();
}

Block* BlockCache::insert(std::unique_ptr<Block> b, unsigned mode) {
    // Bounded: a guest aliasing code at endless virtual addresses must not
    // grow host memory without limit. Past the bound, start afresh.
    if (blocks_.size() >= kMaxBlocks) drop_all();
    Block* raw = b.get();
    uint64_t page = raw->pa >> 12;
    std::vector<Block*>& on_page = by_page_[page];
    // A new code page: stores to it must take the slow path in every vCPU
    // from now on. (A page that already held code has no fast store
    // entries: the slow path never makes any for it.)
    if (on_page.empty() && bus_.add_code_page(raw->pa)) bus_.track_page(raw->pa, false);
    on_page.push_back(raw);
    blocks_[Key{raw->pa, raw->vpc}] = std::move(b);
    remember(raw->vpc, mode, raw);
    return raw;
}

void BlockCache::drop_all() {
    for (auto& [key, block] : blocks_) bury(std::move(block));
    for (auto& [page, list] : by_page_) bus_.drop_code_page(page << 12);
    blocks_.clear();
    by_page_.clear();
    forget_blocks();
}

unsigned BlockCache::invalidate(uint64_t pa, uint64_t len) {
    uint64_t page = pa >> 12;
    auto it = by_page_.find(page);
    if (it == by_page_.end()) return 0;
    std::vector<Block*>& list = it->second;
    unsigned dropped = 0;
    auto overlaps = [&](const Block* b) { return b->pa_lo < pa + len && pa < b->pa_end; };
    for (Block* b : list) {
        if (!overlaps(b)) continue;
        forget_block(b->vpc);
        auto node = blocks_.find(Key{b->pa, b->vpc});
        bury(std::move(node->second));
        blocks_.erase(node);
        ++dropped;
    }
    std::erase_if(list, overlaps);
    if (list.empty()) {
        by_page_.erase(it);
        bus_.drop_code_page(pa);
    }
    return dropped;
}

}  // namespace mipshv
