#include <catch2/catch.hpp>

#include "hv/cpu/cp0_bits.h"
#include "hv/cpu/tlb.h"

using namespace mipshv;

namespace {
uint64_t lo(uint64_t pa, bool dirty = true) {
    return ((pa >> 12) << 6) | cp0::entrylo::V | (dirty ? cp0::entrylo::D : 0) | (3 << 3);
}
}  // namespace

TEST_CASE("a 4 KiB pair maps even and odd pages", "[tlb]") {
    Tlb t;
    t.write(5, 0x400000 | 7, 0, lo(0x100000), lo(0x300000));
    auto even = t.lookup(0x400123, 7);
    REQUIRE(even);
    CHECK(even->index == 5);
    CHECK(even->page_size == 4096);
    CHECK((even->entrylo >> 6) == 0x100);
    auto odd = t.lookup(0x401ffc, 7);
    REQUIRE(odd);
    CHECK((odd->entrylo >> 6) == 0x300);
    CHECK_FALSE(t.lookup(0x402000, 7));
}

TEST_CASE("ASID must match unless the entry is global", "[tlb]") {
    Tlb t;
    t.write(0, 0x10000 | 1, 0, lo(0), lo(0x1000));
    CHECK(t.lookup(0x10000, 1));
    CHECK_FALSE(t.lookup(0x10000, 2));
    t.write(1, 0x20000 | 1, 0, lo(0) | cp0::entrylo::G, lo(0x1000) | cp0::entrylo::G);
    CHECK(t.lookup(0x20000, 9));
    // Global needs both halves' G bits.
    t.write(2, 0x30000 | 1, 0, lo(0) | cp0::entrylo::G, lo(0x1000));
    CHECK_FALSE(t.lookup(0x30000, 9));
}

TEST_CASE("PageMask selects the page size", "[tlb]") {
    Tlb t;
    const uint64_t mask16m = 0x1ffe000;  // 16 MiB pages
    t.write(3, 0xc0000000ull, mask16m, lo(0x2000000), lo(0x4000000));
    auto hit = t.lookup(0xc0abcdefull, 0);
    REQUIRE(hit);
    CHECK(hit->page_size == (16u << 20));
    auto odd = t.lookup(0xc1000010ull, 0);
    REQUIRE(odd);
    CHECK((odd->entrylo >> 6) << 12 == 0x4000000);
}

TEST_CASE("TLBP finds an entry by VPN2 and ASID, region bits included", "[tlb]") {
    Tlb t;
    t.write(7, 0xc000000000004000ull | 3, 0, lo(0), lo(0));
    CHECK(t.probe(0xc000000000004000ull | 3) == 7u);
    CHECK_FALSE(t.probe(0x0000000000004000ull | 3));
    CHECK_FALSE(t.probe(0xc000000000004000ull | 4));
}
