#include "hv/cpu/tlb.h"

#include "hv/cpu/cp0_bits.h"

namespace mipshv {

std::optional<TlbHit> Tlb::lookup(uint64_t va, uint8_t asid) const {
    for (unsigned i = 0; i < kTlbEntries; ++i) {
        const TlbEntry& e = entries[i];
        if ((va & e.vpn2_mask) != e.entryhi) continue;
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
    for (unsigned i = 0; i < kTlbEntries; ++i) {
        const TlbEntry& e = entries[i];
        if ((entryhi & e.vpn2_mask) == e.entryhi && (e.global || e.asid == asid)) return i;
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
}

}  // namespace mipshv
