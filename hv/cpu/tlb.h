// The joint TLB: 64 entries, each mapping an even/odd pair of pages of any
// size PageMask allows (4 KiB .. 256 MiB), tagged with an ASID unless global.
#pragma once
#include <array>
#include <cstdint>
#include <optional>

namespace mipshv {

constexpr unsigned kTlbEntries = 64;
constexpr unsigned kSegBits = 40;  // virtual address bits per 64-bit segment
constexpr unsigned kPaBits = 36;   // physical address bits

// The bits of a virtual address a TLB entry compares: R and VPN2.
constexpr uint64_t kTlbRegionBits = 3ull << 62;
constexpr uint64_t kTlbVpn2Bits = ((1ull << kSegBits) - 1) & ~0x1fffull;

// The VPN2 bits of an address for a given PageMask (R and VPN2 fields).
constexpr uint64_t tlb_vpn2_mask(uint64_t pagemask) {
    return kTlbRegionBits | (kTlbVpn2Bits & ~(pagemask & 0x1fffe000ull));
}

// The 4 KiB pages one entry maps (its even and odd page) for its VPN2 mask.
constexpr uint64_t tlb_pages_of(uint64_t vpn2_mask) { return ((kTlbVpn2Bits & ~vpn2_mask) >> 12) + 2; }

struct TlbEntry {
    uint64_t entryhi = 0;   // R | VPN2 (ASID kept separately)
    uint64_t pagemask = 0;  // as written to PageMask
    uint64_t vpn2_mask = tlb_vpn2_mask(0);  // tlb_vpn2_mask(pagemask), kept for lookups
    uint64_t lo[2] = {};    // EntryLo0/1 without the G bit
    uint8_t asid = 0;
    bool global = false;
};

struct TlbHit {
    unsigned index;
    uint64_t entrylo;   // the EntryLo of the page the address falls in
    uint64_t page_size;
};

class Tlb {
public:
    // Read freely; change only through write(), which keeps the page
    // index below in step.
    std::array<TlbEntry, kTlbEntries> entries{};

    Tlb();
    // Matching entry for a virtual address, or nothing (a refill). With
    // several matches (a machine check on hardware), the lowest index.
    std::optional<TlbHit> lookup(uint64_t va, uint8_t asid) const;
    // TLBP: index of the entry matching EntryHi's VPN2/R and ASID.
    std::optional<unsigned> probe(uint64_t entryhi) const;
    void write(unsigned index, uint64_t entryhi, uint64_t pagemask, uint64_t lo0, uint64_t lo1);

private:
    // An index by page: a lookup or probe compares only the entries whose
    // 4 KiB-page VPN2 hashes to the address's bucket, and those with larger
    // pages (large_), instead of all 64. A large working set takes a refill
    // every few hundred guest instructions, and each refill looks an address
    // up twice (the miss, then the access again after TLBWR), so the full
    // scan was a tenth of such a run's host time.
    static constexpr unsigned kBuckets = 256;
    static constexpr uint8_t kLarge = 0xff;  // bucket_of_: the entry is in large_, no bucket
    std::array<uint64_t, kBuckets> buckets_{};  // one bit per entry
    std::array<uint8_t, kTlbEntries> bucket_of_{};
    uint64_t large_ = 0;
    static unsigned bucket(uint64_t va) { return unsigned((va >> 13) ^ (va >> 21) ^ (va >> 62)) & (kBuckets - 1); }
    // Which entries' VPN2 and region match va, one bit per entry.
    uint64_t vpn2_matches(uint64_t va) const;
    void index_entry(unsigned index);
};

}  // namespace mipshv
