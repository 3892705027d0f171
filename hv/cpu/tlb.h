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
    // Read freely; change only through write() and set(), which keep the
    // match arrays below in step.
    std::array<TlbEntry, kTlbEntries> entries{};

    Tlb();
    // Matching entry for a virtual address, or nothing (a refill). With
    // several matches (a machine check on hardware), the lowest index.
    std::optional<TlbHit> lookup(uint64_t va, uint8_t asid) const;
    // TLBP: index of the entry matching EntryHi's VPN2/R and ASID.
    std::optional<unsigned> probe(uint64_t entryhi) const;
    void write(unsigned index, uint64_t entryhi, uint64_t pagemask, uint64_t lo0, uint64_t lo1);
    void set(unsigned index, const TlbEntry& e);

private:
    // Each entry's VPN2 mask and VPN2, side by side: a refill scans all 64
    // entries (a large working set takes one every few hundred guest
    // instructions), and packed they compare four at a time.
    std::array<uint64_t, kTlbEntries> match_mask_{}, match_vpn2_{};
    // Which entries' VPN2 and region match va, one bit per entry.
    uint64_t vpn2_matches(uint64_t va) const;
    void mirror(unsigned index);
};

}  // namespace mipshv
