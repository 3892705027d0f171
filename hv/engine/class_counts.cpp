#include "hv/engine/class_counts.h"

namespace mipshv {

// Cloned for hosts with POPCNT (the binary targets baseline x86-64, where
// a popcount is a library call), chosen when the program loads.
__attribute__((target_clones("popcnt", "default"))) ClassCounts count_first(const ClassMembers& m, size_t n) {
    const unsigned __int128 below = n >= 128 ? ~(unsigned __int128)0 : (((unsigned __int128)1 << n) - 1);
    ClassCounts counts{};
    for (size_t k = 1; k < kCostClasses; ++k) {
        const unsigned __int128 bits = m[k] & below;
        counts[k] = uint32_t(__builtin_popcountll(uint64_t(bits)) + __builtin_popcountll(uint64_t(bits >> 64)));
    }
    return counts;
}

}  // namespace mipshv
