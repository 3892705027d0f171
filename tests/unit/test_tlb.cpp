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

// The lookup compares only the entries its page index names (a bucket of
// 4 KiB-page entries, and every larger one); it must find what a plain scan
// of the entries finds, the lowest matching index included, whatever the
// entries hold: page sizes, regions, ASIDs, global bits, duplicates,
// entries rewritten with another page size or page.
TEST_CASE("lookup and probe find what a linear scan of the entries finds", "[tlb]") {
    uint64_t x = 0x2545f4914f6cdd1dull;
    auto next = [&] {
        x ^= x << 13, x ^= x >> 7, x ^= x << 17;
        return x;
    };
    const uint64_t regions[] = {0, 1ull << 62, 3ull << 62};
    const uint64_t masks[] = {0, 0x6000, 0x1e000, 0x1fe000, 0x1ffe000, 0x1fffe000};
    auto address = [&] {  // few distinct pages, so that entries collide often
        return regions[next() % 3] | ((next() % 24) << 13) | (next() & 0x1fff) | ((next() % 3) << 25);
    };
    auto reference = [](const Tlb& t, uint64_t va, uint8_t asid) -> std::optional<unsigned> {
        for (unsigned i = 0; i < kTlbEntries; ++i) {
            const TlbEntry& e = t.entries[i];
            if ((va & e.vpn2_mask) == e.entryhi && (e.global || e.asid == asid)) return i;
        }
        return std::nullopt;
    };
    Tlb t;
    unsigned hits = 0, multiple = 0;
    for (int round = 0; round < 20000; ++round) {
        const unsigned index = unsigned(next() % kTlbEntries);
        const uint64_t g = next() % 4 == 0 ? cp0::entrylo::G : 0;
        const uint64_t lo0 = (next() & 0xffffc0) | 2 | g, lo1 = (next() & 0xffffc0) | 2 | g;
        // (Now and then twice over, so that an entry leaves its page-index
        // bucket within one round.)
        if (next() % 8 == 0) t.write(index, address() | (next() % 4), masks[next() % 6], lo0, lo1);
        t.write(index, address() | (next() % 4), masks[next() % 6], lo0, lo1);
        const uint64_t va = address();
        const uint8_t asid = uint8_t(next() % 4);
        const auto want = reference(t, va, asid);
        const auto got = t.lookup(va, asid);
        REQUIRE(got.has_value() == want.has_value());
        if (want) {
            REQUIRE(got->index == *want);
            ++hits;
            unsigned matching = 0;
            for (unsigned i = 0; i < kTlbEntries; ++i) matching += reference(t, va, asid) && (va & t.entries[i].vpn2_mask) == t.entries[i].entryhi;
            multiple += matching > 1;
        }
        const auto probed = t.probe((va & ~0x1fffull) | asid);
        REQUIRE(probed == reference(t, (va & ~0x1fffull) | asid, asid));
    }
    CHECK(hits > 2000);     // the cases above meant something
    CHECK(multiple > 100);  // and duplicates were among them
    Tlb copy = t;           // a copy looks up alike
    for (int k = 0; k < 1000; ++k) {
        const uint64_t va = address();
        REQUIRE(copy.lookup(va, 1).has_value() == reference(t, va, 1).has_value());
    }
}
