// The unmapped 64-bit segments: where kseg0, kseg1 and xkphys addresses
// land in physical memory (no TLB involved).
#pragma once
#include <cstdint>
#include <optional>

#include "hv/cpu/tlb.h"

namespace mipshv {

inline std::optional<uint64_t> unmapped_segment_pa(uint64_t va) {
    if (va >= 0xffffffff80000000ull && va < 0xffffffffc0000000ull) return va & 0x1fffffffull;  // ckseg0/ckseg1
    if ((va >> 62) == 2) return va & ((1ull << kPaBits) - 1);                                // xkphys
    return std::nullopt;
}

// ckseg0/ckseg1: translated the same way whatever the TLB or Status hold
// (kernel mode); code found through them stays valid across mapping changes.
inline bool in_compat_kernel_segment(uint64_t va) { return va >= 0xffffffff80000000ull && va < 0xffffffffc0000000ull; }

}  // namespace mipshv
