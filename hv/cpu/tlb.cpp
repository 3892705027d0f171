#include "hv/cpu/tlb.h"

#include <immintrin.h>

#include "hv/cpu/cp0_bits.h"

namespace mipshv {

namespace {
using MatchScan = uint64_t (*)(const uint64_t* mask, const uint64_t* vpn2, uint64_t va);

uint64_t scan_plain(const uint64_t* mask, const uint64_t* vpn2, uint64_t va) {
    uint64_t bits = 0;
    for (unsigned i = 0; i < kTlbEntries; ++i) bits |= uint64_t((va & mask[i]) == vpn2[i]) << i;
    return bits;
}

__attribute__((target("avx2"))) uint64_t scan_avx2(const uint64_t* mask, const uint64_t* vpn2, uint64_t va) {
    const __m256i v = _mm256_set1_epi64x(int64_t(va));
    uint64_t bits = 0;
    for (unsigned i = 0; i < kTlbEntries; i += 4) {
        const __m256i m = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(mask + i));
        const __m256i h = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(vpn2 + i));
        const __m256i eq = _mm256_cmpeq_epi64(_mm256_and_si256(v, m), h);
        bits |= uint64_t(unsigned(_mm256_movemask_pd(_mm256_castsi256_pd(eq)))) << i;
    }
    return bits;
}

// Chosen once for the host (the binary targets baseline x86-64).
const MatchScan kScan = [] {
    __builtin_cpu_init();  // (this runs among the static constructors)
    return __builtin_cpu_supports("avx2") ? scan_avx2 : scan_plain;
}();
}  // namespace

Tlb::Tlb() {
    for (unsigned i = 0; i < kTlbEntries; ++i) mirror(i);
}

void Tlb::mirror(unsigned index) {
    match_mask_[index] = entries[index].vpn2_mask;
    match_vpn2_[index] = entries[index].entryhi;
}

uint64_t Tlb::vpn2_matches(uint64_t va) const { return kScan(match_mask_.data(), match_vpn2_.data(), va); }

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
    mirror(index % kTlbEntries);
}

void Tlb::set(unsigned index, const TlbEntry& e) {
    entries[index % kTlbEntries] = e;
    mirror(index % kTlbEntries);
}

}  // namespace mipshv
