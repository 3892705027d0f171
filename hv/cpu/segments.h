// The unmapped 64-bit segments: where kseg0, kseg1 and xkphys addresses
// land in physical memory (no TLB involved).
#pragma once
#include <cstdint>
#include <optional>

#include "hv/cpu/tlb.h"

namespace mipshv {

// The 32-bit compatible kernel segments: ckseg0 (cached) and ckseg1
// (uncached) each reach the first 512 MiB of physical memory without the
// TLB; cksseg and ckseg3, from kCksegMappedBase up, go through it.
constexpr uint64_t kCkseg0Base = 0xffffffff80000000ull;
constexpr uint64_t kCkseg1Base = 0xffffffffa0000000ull;
constexpr uint64_t kCksegMappedBase = 0xffffffffc0000000ull;
constexpr uint64_t kCksegBytes = 512ull << 20;
// xkphys with cache attribute 3 (cacheable), Linux's CAC_BASE: how a kernel
// reaches physical memory beyond ckseg0.
constexpr uint64_t kXkphysCached = 0x9800000000000000ull;

inline std::optional<uint64_t> unmapped_segment_pa(uint64_t va) {
    if (va >= kCkseg0Base && va < kCksegMappedBase) return va & (kCksegBytes - 1);  // ckseg0/ckseg1
    if ((va >> 62) == 2) return va & ((1ull << kPaBits) - 1);                                // xkphys
    return std::nullopt;
}

// ckseg0/ckseg1: translated the same way whatever the TLB or Status hold
// (kernel mode); code found through them stays valid across mapping changes.
inline bool in_compat_kernel_segment(uint64_t va) { return va >= kCkseg0Base && va < kCksegMappedBase; }

}  // namespace mipshv
