#include "hv/cpu/tlb.h"

#include "hv/cpu/cp0_bits.h"

namespace mipshv {

Tlb::Tlb() {
    bucket_of_.fill(kLarge);
    for (unsigned i = 0; i < kTlbEntries; ++i) index_entry(i);
}

void Tlb::index_entry(unsigned index) {
    const uint64_t bit = 1ull << index;
    if (bucket_of_[index] == kLarge) large_ &= ~bit;
    else buckets_[bucket_of_[index]] &= ~bit;
    const TlbEntry& e = entries[index];
    // (An entry of 4 KiB pages matches exactly the addresses with its
    // VPN2, all of which hash to one bucket.)
    if (e.vpn2_mask == tlb_vpn2_mask(0)) {
        bucket_of_[index] = uint8_t(bucket(e.entryhi));
        buckets_[bucket_of_[index]] |= bit;
    } else {
        bucket_of_[index] = kLarge;
        large_ |= bit;
    }
}

uint64_t Tlb::vpn2_matches(uint64_t va) const {
    uint64_t bits = 0;
    for (uint64_t maybe = buckets_[bucket(va)] | large_; maybe; maybe &= maybe - 1) {
        const unsigned i = unsigned(__builtin_ctzll(maybe));
        if ((va & entries[i].vpn2_mask) == entries[i].entryhi) bits |= 1ull << i;
    }
    return bits;
}

std::optional<TlbHit> Tlb::lookup(uint64_t va, uint8_t asid) const {
    for (uint64_t bits = vpn2_matches(va); bits; bits &= bits - 1) {
        const unsigned i = unsigned(__builtin_ctzll(bits));
        const TlbEntry& e = entries[i];
        if (!e.global && e.asid != asid) continue;
        // The page size is the lowest VPN2 bit that takes part in the match.
        uint64_t page_size = ((e.pagemask & 0x1fffe000ull) | 0x1fffull) / 2 + 1;
        unsigned odd = (va & page_size) ? 1 : 0;
        return TlbHit{i, e.lo[odd], page_size};
    }
    return std::nullopt;
}

std::optional<unsigned> Tlb::probe(uint64_t entryhi) const {
    uint8_t asid = uint8_t(entryhi);
    for (uint64_t bits = vpn2_matches(entryhi); bits; bits &= bits - 1) {
        const unsigned i = unsigned(__builtin_ctzll(bits));
        if (entries[i].global || entries[i].asid == asid) return i;
    }
    return std::nullopt;
}

void Tlb::write(unsigned index, uint64_t entryhi, uint64_t pagemask, uint64_t lo0, uint64_t lo1) {
    TlbEntry& e = entries[index % kTlbEntries];
    e.pagemask = pagemask & 0x1fffe000ull;
    e.vpn2_mask = tlb_vpn2_mask(e.pagemask);
    e.entryhi = entryhi & e.vpn2_mask;
    e.asid = uint8_t(entryhi);
    // An entry is global only when both halves say so (PRA: G = G0 & G1).
    e.global = (lo0 & lo1 & cp0::entrylo::G) != 0;
    // (EntryLo may hold bits beyond its write mask: cp0_read_mask)
    e.lo[0] = lo0 & cp0::kEntryLoWriteMask & ~cp0::entrylo::G;
    e.lo[1] = lo1 & cp0::kEntryLoWriteMask & ~cp0::entrylo::G;
    index_entry(index % kTlbEntries);
}

}  // namespace mipshv
