#include "hv/engine/block_cache.h"

#include <algorithm>

#include "hv/board/bus.h"
#include "hv/cpu/tlb.h"

namespace mipshv {

namespace {
// A virtual page as the TLB sees it: region, VPN2 and the even/odd bit.
constexpr uint64_t kMappedPageBits = kTlbRegionBits | kTlbVpn2Bits | 0x1000;
uint64_t mapped_page_key(uint64_t va) { return va & kMappedPageBits; }
}

Block* BlockCache::find(uint64_t pa, uint64_t vpc) const {
    auto it = blocks_.find(Key{pa, vpc});
    return it == blocks_.end() ? nullptr : it->second.get();
}

bool BlockCache::has_mapped_code(uint64_t mask, uint64_t vpn2) const {
    // The entry's pages, one lookup each, unless it maps more than a few
    // (a huge page): then look through what is there.
    const uint64_t pages = tlb_pages_of(mask);
    if (pages <= 64) {
        for (uint64_t k = 0; k < pages; ++k)
            if (mapped_code_pages_.count((vpn2 & kMappedPageBits) | (k << 12))) return true;
        return false;
    }
    ++mapped_code_walks_;
    for (const auto& [page, blocks] : mapped_code_pages_)
        if ((page & mask) == vpn2) return true;
    return false;
}

void BlockCache::count_mapped_code(const Block& b, int delta) {
    if (in_compat_kernel_segment(b.vpc)) return;
    const uint64_t page = mapped_page_key(b.vpc);
    if (delta > 0) {
        ++mapped_code_pages_[page];
    } else if (auto it = mapped_code_pages_.find(page); it != mapped_code_pages_.end() && --it->second == 0) {
        mapped_code_pages_.erase(it);
    }
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
    count_mapped_code(*raw, +1);
    blocks_[Key{raw->pa, raw->vpc}] = std::move(b);
    remember(raw->vpc, mode, raw);
    return raw;
}

void BlockCache::drop_all() {
    for (auto& [key, block] : blocks_) bury(std::move(block));
    for (auto& [page, list] : by_page_) bus_.drop_code_page(page << 12);
    blocks_.clear();
    by_page_.clear();
    mapped_code_pages_.clear();
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
        count_mapped_code(*b, -1);
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
    if (dropped) forget_blocks();
    return dropped;
}

}  // namespace mipshv
