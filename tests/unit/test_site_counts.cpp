// SiteCounts (hv/vmm/site_counts.h): exits counted by PC in a flat table
// that grows, never loses a count, and stops taking new sites at its bound.
#include <catch2/catch.hpp>

#include <map>

#include "hv/vmm/site_counts.h"

using namespace mipshv;

namespace {
std::map<uint64_t, uint64_t> contents(const SiteCounts& s) {
    std::map<uint64_t, uint64_t> m;
    s.for_each([&](uint64_t pc, uint64_t n) { m[pc] += n; });
    return m;
}
}  // namespace

TEST_CASE("site counts keep every count across growth", "[site_counts]") {
    SiteCounts sites(1u << 16);
    std::map<uint64_t, uint64_t> expected;
    // 5,000 kernel-like PCs, each counted a different number of times, so
    // the table grows several times over while counts are under way; PC 0
    // is a site like any other.
    for (uint64_t round = 0; round < 3; ++round)
        for (uint64_t k = 0; k < 5000; ++k) {
            const uint64_t pc = k == 0 ? 0 : 0xffffffff80100000ull + k * 4 * (1 + k % 7);
            if (round <= k % 3) {
                sites.count(pc);
                ++expected[pc];
            }
        }
    REQUIRE(sites.size() == expected.size());
    REQUIRE(contents(sites) == expected);
}

TEST_CASE("site counts stop taking new sites at the bound", "[site_counts]") {
    SiteCounts sites(3);
    for (uint64_t pc : {0x100u, 0x200u, 0x300u, 0x400u, 0x100u, 0x400u}) sites.count(pc);
    REQUIRE(sites.size() == 3);
    REQUIRE(contents(sites) == std::map<uint64_t, uint64_t>{{0x100, 2}, {0x200, 1}, {0x300, 1}});
}
