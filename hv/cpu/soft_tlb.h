// The software TLB: a direct-mapped cache from guest virtual page to host
// pointer, one table per privilege mode, so that most loads and stores cost
// one compare. Filled by the slow path after a full translation. Entries
// for TLB-mapped pages go when the TLB or the ASID changes; entries for
// unmapped segments (kseg0, kseg1, xkphys) stay, since the kernel's own
// data is most of what it touches between two context switches.
#pragma once
#include <cstdint>

namespace mipshv {

constexpr unsigned kSoftTlbBits = 10;
constexpr unsigned kSoftTlbSize = 1u << kSoftTlbBits;
constexpr uint64_t kHostPageMask = ~0xfffull;

struct SoftTlbEntry {
    uint64_t read_tag = ~0ull;   // page address valid for loads, or ~0
    uint64_t write_tag = ~0ull;  // page address valid for stores, or ~0
    uintptr_t addend = 0;        // host address = addend + guest vaddr
};

// Mode index: user, supervisor, kernel, kernel with ERL (kuseg unmapped).
constexpr unsigned kModeUser = 0, kModeSupervisor = 1, kModeKernel = 2, kModeKernelErl = 3;
constexpr unsigned kModes = 4;

struct SoftTlb {
    SoftTlbEntry e[kModes][kSoftTlbSize];

    SoftTlbEntry& entry(unsigned mode, uint64_t va) { return e[mode][(va >> 12) & (kSoftTlbSize - 1)]; }
    // The entry the slow path fills for `va`. One whose page is mapped
    // through the TLB is remembered, so that flush_mapped clears only the
    // entries filled since the last flush (a guest changes its mappings far
    // more often than it touches many pages in between).
    SoftTlbEntry& fill(unsigned mode, uint64_t va, bool through_tlb) {
        const unsigned index = unsigned(mode * kSoftTlbSize + ((va >> 12) & (kSoftTlbSize - 1)));
        if (through_tlb) {
            if (filled_count_ < kFillLog) filled_[filled_count_] = uint16_t(index);
            ++filled_count_;
        }
        return e[index / kSoftTlbSize][index % kSoftTlbSize];
    }
    // The TLB or the ASID changed: forget every TLB-mapped page.
    void flush_mapped() {
        if (filled_count_ > kFillLog) return flush_all();
        for (unsigned k = 0; k < filled_count_; ++k) e[filled_[k] / kSoftTlbSize][filled_[k] % kSoftTlbSize] = SoftTlbEntry{};
        filled_count_ = 0;
    }
    // The segments themselves changed (Status.UX/SX/KX, reset): forget everything.
    void flush_all() {
        for (auto& table : e)
            for (auto& x : table) x = SoftTlbEntry{};
        filled_count_ = 0;
    }
    // Forgets the entries of every page whose (address & mask) == vpn2: the
    // pages one TLB entry mapped, in any mode.
    void drop_matching(uint64_t mask, uint64_t vpn2) {
        auto drop = [&](SoftTlbEntry& x) {
            const uint64_t page = x.read_tag != ~0ull ? x.read_tag : x.write_tag;
            if (page != ~0ull && (page & mask) == vpn2) x = SoftTlbEntry{};
        };
        if (filled_count_ <= kFillLog) {
            for (unsigned k = 0; k < filled_count_; ++k) drop(e[filled_[k] / kSoftTlbSize][filled_[k] % kSoftTlbSize]);
        } else {
            for (auto& table : e)
                for (auto& x : table) drop(x);
        }
    }
    // Make every access to one host page take the slow path (the page now
    // holds hypervisor patches that loads must not see).
    void drop_page(uintptr_t host_page) {
        for (auto& table : e)
            for (auto& x : table)
                if (((x.addend + (x.read_tag != ~0ull ? x.read_tag : x.write_tag)) & kHostPageMask) == host_page)
                    x = SoftTlbEntry{};
    }
    // Stop stores to one host page from bypassing the slow path (the page
    // now holds translated code that a store must invalidate).
    void drop_writes_to(uintptr_t host_page) {
        for (auto& table : e)
            for (auto& x : table)
                if (x.write_tag != ~0ull && ((x.addend + x.write_tag) & kHostPageMask) == host_page) x.write_tag = ~0ull;
    }

private:
    static constexpr unsigned kFillLog = 1024;
    uint16_t filled_[kFillLog];
    unsigned filled_count_ = kFillLog + 1;  // unknown: the first flush_mapped clears all
};

}  // namespace mipshv
