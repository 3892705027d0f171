// The software TLB: a direct-mapped cache from guest virtual page to host
// pointer, one table per privilege mode, so that most loads and stores cost
// one compare. Filled by the slow path after a full translation. Entries
// for TLB-mapped pages go when the TLB or the ASID changes; entries for
// unmapped segments (kseg0, kseg1, xkphys) stay, since the kernel's own
// data is most of what it touches between two context switches.
#pragma once
#include <cstdint>

#include "hv/cpu/tlb.h"

namespace mipshv {

constexpr unsigned kSoftTlbBits = 10;
constexpr unsigned kSoftTlbSize = 1u << kSoftTlbBits;
constexpr uint64_t kHostPageMask = ~0xfffull;

struct SoftTlbEntry {
    uint64_t read_tag = ~0ull;   // page address valid for loads, or ~0
    uint64_t write_tag = ~0ull;  // page address valid for stores, or ~0
    uintptr_t addend = 0;        // host address = addend + guest vaddr
    uint64_t phys_page = 0;      // the guest physical page (LL and SC record and compare it)
};

// Mode index: user, supervisor, kernel, kernel with ERL (kuseg unmapped).
constexpr unsigned kModeUser = 0, kModeSupervisor = 1, kModeKernel = 2, kModeKernelErl = 3;
constexpr unsigned kModes = 4;

// Two ways per set: a page that a fill pushes out of way 0 moves to way 1,
// so that two hot pages whose addresses share an index (which address-space
// randomization makes a matter of luck) both stay; one way alone made some
// runs of a workload twice as slow as others.
constexpr unsigned kSoftTlbWays = 2;

struct SoftTlb {
    // By mode, set, then way: a set's two ways share one cache line, which
    // a probe that misses way 0 and an invalidation of the set both touch.
    alignas(64) SoftTlbEntry e[kModes][kSoftTlbSize][kSoftTlbWays];
    // Invalidations that looked at every entry because the fill log had
    // overflowed or a huge page went: the cost the counter
    // soft_tlb_whole_walks shows to be rare. (flush_all, asked for by a
    // reset or a segment change, is counted as a flush, not here.)
    uint64_t whole_walks = 0;

    static unsigned index(uint64_t va) { return unsigned((va >> 12) & (kSoftTlbSize - 1)); }
    static uint64_t page_of(const SoftTlbEntry& x) { return x.read_tag != ~0ull ? x.read_tag : x.write_tag; }
    // The entry that lets `va` be read (or written) directly, or null.
    SoftTlbEntry* for_read(unsigned mode, uint64_t va) { return find(mode, va, &SoftTlbEntry::read_tag); }
    SoftTlbEntry* for_write(unsigned mode, uint64_t va) { return find(mode, va, &SoftTlbEntry::write_tag); }
    // Fills the entry for `va`, which holds guest physical address `pa` at
    // host address `host` (the page's start), for loads and, if `writable`,
    // stores too (way 0; its old page, if another, moves to way 1). A set
    // holding a page mapped through the TLB is remembered, so that
    // flush_mapped clears only the sets filled since the last flush (a guest
    // changes its mappings far more often than it touches many pages in
    // between); so is one whose set is not index(pa) (the hypervisor's
    // communication window), so that every entry of a physical page is in
    // set index(pa) or in the log (drop_page).
    void fill(unsigned mode, uint64_t va, uint64_t pa, bool through_tlb, const uint8_t* host, bool writable) {
        const unsigned k = index(va);
        const uint64_t page = va & kHostPageMask;
        SoftTlbEntry& w0 = e[mode][k][0];
        if (page_of(w0) != page) e[mode][k][1] = w0;
        if (through_tlb || k != index(pa)) {
            if (filled_count_ < kFillLog) filled_[filled_count_++] = uint16_t(mode * kSoftTlbSize + k);
            else filled_count_ = kFillLog + 1;  // overflowed (and stays so, never wrapping, until a flush)
        }
        w0 = SoftTlbEntry{page, writable ? page : ~0ull, reinterpret_cast<uintptr_t>(host) - page, pa & kHostPageMask};
    }
    // The TLB or the ASID changed: forget every TLB-mapped page.
    void flush_mapped() {
        if (filled_count_ > kFillLog) {
            ++whole_walks;
            return flush_all();
        }
        for (unsigned k = 0; k < filled_count_; ++k)
            for (auto& way : e[filled_[k] / kSoftTlbSize][filled_[k] % kSoftTlbSize]) way = SoftTlbEntry{};
        filled_count_ = 0;
    }
    // The segments themselves changed (Status.UX/SX/KX, reset): forget everything.
    void flush_all() {
        each([](SoftTlbEntry& x) { x = SoftTlbEntry{}; });
        filled_count_ = 0;
    }
    // Forgets the entries of every page whose (address & mask) == vpn2: the
    // pages one TLB entry mapped, in any mode. A page can only be in its own
    // set, so the entry's pages are looked up set by set; only an entry of
    // pages so large that they cover more sets than the fill log holds
    // walks the log, or, once the log has overflowed, every set.
    void drop_matching(uint64_t mask, uint64_t vpn2) {
        auto drop = [&](SoftTlbEntry& x) {
            const uint64_t page = page_of(x);
            if (page != ~0ull && (page & mask) == vpn2) x = SoftTlbEntry{};
        };
        const uint64_t pages = tlb_pages_of(mask);
        if (pages > filled_count_) return walk_fill_log(drop);
        if (pages >= kSoftTlbSize) {
            ++whole_walks;
            return each(drop);
        }
        for (uint64_t k = 0; k < pages; ++k) each_in_set(index(vpn2 | (k << 12)), drop);
    }
    // Make every access to one host page take the slow path (the page now
    // holds hypervisor patches that loads must not see). `pa` is the guest
    // physical page it holds.
    void drop_page(uintptr_t host_page, uint64_t pa) {
        return drop_host_page(pa, [&](SoftTlbEntry& x) {
            if (((x.addend + page_of(x)) & kHostPageMask) == host_page) x = SoftTlbEntry{};
        });
    }
    // Stop stores to one host page from bypassing the slow path (the page
    // now holds translated code that a store must invalidate).
    void drop_writes_to(uintptr_t host_page, uint64_t pa) {
        return drop_host_page(pa, [&](SoftTlbEntry& x) {
            if (x.write_tag != ~0ull && ((x.addend + x.write_tag) & kHostPageMask) == host_page) x.write_tag = ~0ull;
        });
    }

private:
    // Applies `fn` to the entries that may map guest physical page `pa`: an
    // unmapped segment (kseg0, kseg1, xkphys) puts it at a virtual address
    // whose low 22 bits are the physical ones, so in set index(pa); a TLB
    // mapping may put it anywhere, so in one of the logged sets, or in any
    // set once the log has overflowed.
    template <typename Fn>
    void drop_host_page(uint64_t pa, Fn fn) {
        each_in_set(index(pa), fn);
        return walk_fill_log(fn);
    }
    // Applies `fn` to every entry of the sets filled through the TLB since
    // the last flush, or to every entry once the log has overflowed.
    template <typename Fn>
    void walk_fill_log(Fn fn) {
        if (filled_count_ > kFillLog) {
            ++whole_walks;
            return each(fn);
        }
        for (unsigned k = 0; k < filled_count_; ++k)
            for (auto& way : e[filled_[k] / kSoftTlbSize][filled_[k] % kSoftTlbSize]) fn(way);
    }
    template <typename Fn>
    void each_in_set(unsigned k, Fn fn) {
        for (auto& table : e)
            for (auto& way : table[k]) fn(way);
    }
    SoftTlbEntry* find(unsigned mode, uint64_t va, uint64_t SoftTlbEntry::*tag) {
        const unsigned k = index(va);
        for (auto& way : e[mode][k])
            if (way.*tag == (va & kHostPageMask)) return &way;
        return nullptr;
    }
    template <typename Fn>
    void each(Fn fn) {
        for (auto& table : e)
            for (auto& set : table)
                for (auto& x : set) fn(x);
    }
    static constexpr unsigned kFillLog = 1024;
    uint16_t filled_[kFillLog];
    unsigned filled_count_ = kFillLog + 1;  // unknown: the first flush_mapped clears all
};

}  // namespace mipshv
