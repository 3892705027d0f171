// The software TLB forgets what a change made stale, in proportion to the
// change: a replaced TLB entry's pages set by set, a page that became code
// or patched in its own set and the logged ones. A whole-table walk
// (SoftTlb::whole_walks) only for a huge page or after the fill log overflowed.
#include <catch2/catch.hpp>

#include "hv/cpu/soft_tlb.h"
#include "hv/cpu/tlb.h"

using namespace mipshv;

namespace {

constexpr uint64_t kPage = 4096;

// Fills `va` (holding guest physical `pa`, at host address `host`) for loads and stores.
void fill(SoftTlb& t, unsigned mode, uint64_t va, uint64_t pa, bool through_tlb, uintptr_t host) {
    t.fill(mode, va, pa, through_tlb, reinterpret_cast<const uint8_t*>(host), true);
}

// Fills more TLB-mapped sets than the fill log holds: from now on only a
// flush makes the log exact again.
void overflow_fill_log(SoftTlb& t) {
    for (uint64_t k = 0; k < 2 * kSoftTlbSize; ++k)
        fill(t, kModeUser, 0x10000000 + k * kPage, 0x100000 + k * kPage, true, 0x7f0000000000 + k * kPage);
}

}  // namespace

TEST_CASE("a replaced TLB entry drops its own pages, without a whole walk even after the log overflowed", "[soft_tlb]") {
    SoftTlb t;
    t.flush_all();
    overflow_fill_log(t);
    const uint64_t walks = t.whole_walks;
    // A 4 KiB-page entry mapping 0x10000000 and 0x10001000 (VPN2 0x10000000).
    t.drop_matching(tlb_vpn2_mask(0), 0x10000000);
    CHECK(t.whole_walks == walks);
    CHECK(t.for_read(kModeUser, 0x10000000) == nullptr);
    CHECK(t.for_read(kModeUser, 0x10001000) == nullptr);
    CHECK(t.for_read(kModeUser, 0x10002000) != nullptr);
    // The same pages in another mode are dropped too (kernel mode touching useg).
    fill(t, kModeKernel, 0x10002000, 0x102000, true, 0x7f0000002000);
    t.drop_matching(tlb_vpn2_mask(0), 0x10002000);
    CHECK(t.for_read(kModeKernel, 0x10002000) == nullptr);
    CHECK(t.for_read(kModeUser, 0x10002000) == nullptr);
    CHECK(t.for_read(kModeUser, 0x10004000) != nullptr);
    // 16 KiB pages: the pair covers 8 pages, and only those go.
    t.drop_matching(tlb_vpn2_mask(0x6000), 0x10008000);
    for (uint64_t va = 0x10008000; va < 0x10010000; va += kPage) CHECK(t.for_read(kModeUser, va) == nullptr);
    CHECK(t.for_read(kModeUser, 0x10010000) != nullptr);
    CHECK(t.for_read(kModeUser, 0x10007000) != nullptr);
    CHECK(t.whole_walks == walks);
}

TEST_CASE("a huge page's entry walks the log while it is exact, the whole table once it overflowed", "[soft_tlb]") {
    SoftTlb t;
    t.flush_all();
    fill(t, kModeUser, 0x20000000, 0x200000, true, 0x7f0000200000);
    fill(t, kModeUser, 0x40000000, 0x300000, true, 0x7f0000300000);
    const uint64_t walks = t.whole_walks;
    const uint64_t mask16m = tlb_vpn2_mask(0x1ffe000);  // 16 MiB pages: a 32 MiB pair
    t.drop_matching(mask16m, 0x20000000 & mask16m);
    CHECK(t.whole_walks == walks);
    CHECK(t.for_read(kModeUser, 0x20000000) == nullptr);
    CHECK(t.for_read(kModeUser, 0x40000000) != nullptr);
    overflow_fill_log(t);
    fill(t, kModeUser, 0x20001000, 0x201000, true, 0x7f0000201000);
    t.drop_matching(mask16m, 0x20000000 & mask16m);
    CHECK(t.whole_walks == walks + 1);
    CHECK(t.for_read(kModeUser, 0x20001000) == nullptr);
}

TEST_CASE("a page that became code or patched loses its fast entries wherever they are", "[soft_tlb]") {
    for (bool overflowed : {false, true}) {
        INFO("fill log overflowed: " << overflowed);
        SoftTlb t;
        t.flush_all();
        if (overflowed) overflow_fill_log(t);
        const uint64_t pa = 0x345000;
        const uintptr_t host = 0x7f1000345000;
        fill(t, kModeKernel, 0xffffffff80000000ull + pa, pa, false, host);          // kseg0
        fill(t, kModeKernel, 0x9800000000000000ull + pa, pa, false, host);          // xkphys
        fill(t, kModeUser, 0x00400000, pa, true, host);                             // mapped through the TLB
        fill(t, kModeKernel, 0xffffffffffff8000ull, pa, false, host);               // unmapped, in another set
        fill(t, kModeKernel, 0xffffffff80000000ull + pa + kPage, pa + kPage, false, host + kPage);  // the next page
        const uint64_t walks = t.whole_walks;
        t.drop_writes_to(host, pa);
        CHECK(t.whole_walks == walks + (overflowed ? 1 : 0));
        for (uint64_t va : {0xffffffff80000000ull + pa, 0x9800000000000000ull + pa, 0x400000ull, 0xffffffffffff8000ull}) {
            const unsigned mode = va == 0x400000 ? kModeUser : kModeKernel;
            CHECK(t.for_write(mode, va) == nullptr);
            CHECK(t.for_read(mode, va) != nullptr);  // loads still go straight to code pages
        }
        CHECK(t.for_write(kModeKernel, 0xffffffff80000000ull + pa + kPage) != nullptr);
        t.drop_page(host, pa);
        CHECK(t.for_read(kModeKernel, 0xffffffff80000000ull + pa) == nullptr);
        CHECK(t.for_read(kModeKernel, 0xffffffffffff8000ull) == nullptr);
        CHECK(t.for_read(kModeUser, 0x400000) == nullptr);
        CHECK(t.for_read(kModeKernel, 0xffffffff80000000ull + pa + kPage) != nullptr);
    }
}
