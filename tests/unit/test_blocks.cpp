// How blocks are shaped (followed jumps) and what that must not change:
// exact stops, self-modifying code, the same result under both engines.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>

#include "hv/board/machine.h"
#include "hv/cpu/tlb.h"
#include "hv/engine/block_cache.h"
#include "hv/cpu/soft_tlb.h"
#include "hv/isa/encode.h"

using namespace mipshv;

namespace {
constexpr uint64_t kCodeVa = 0xffffffff80010000ull;  // kseg0 view of physical 0x10000
constexpr unsigned AT = 1, V0 = 2, T0 = 8, T1 = 9, T2 = 10, T3 = 11, S2 = 18;

std::unique_ptr<Machine> machine_with(const char* engine, const std::vector<uint32_t>& code) {
    Options o;
    o.memory_bytes = 16 << 20;
    o.engine = engine;
    auto m = std::make_unique<Machine>(o);
    std::memcpy(m->bus().ram_ptr(0x10000, code.size() * 4), code.data(), code.size() * 4);
    m->cpu().pc = kCodeVa;
    return m;
}
uint64_t at(unsigned index) { return kCodeVa + 4 * index; }
}  // namespace

TEST_CASE("a jump within the page is followed, and a budget still stops exactly", "[blocks]") {
    using namespace encode;
    const std::vector<uint32_t> code = {
        addiu(T0, T0, 1),  // 0
        j(at(4)),          // 1: followed: 4.. come next in the block
        addiu(T1, T1, 1),  // 2: its delay slot
        addiu(T2, T2, 1),  // 3: never runs
        addiu(T3, T3, 1),  // 4
        beq(0, 0, -1),     // 5: b 5 (to itself: not followed, it is decoded already)
        nop(),             // 6
    };
    for (const char* engine : {"jit", "interp"}) {
        INFO(engine);
        auto m = machine_with(engine, code);
        Cpu& c = m->cpu();
        // Three instructions: the stop lands after the delay slot, at the target.
        CHECK(m->run(3) == StopReason::BUDGET);
        CHECK(c.pc == at(4));
        CHECK(c.instret == 3);
        CHECK(c.gpr[T0] == 1);
        CHECK(c.gpr[T1] == 1);
        CHECK(c.gpr[T3] == 0);
        CHECK(m->run(1) == StopReason::BUDGET);
        CHECK(c.pc == at(5));
        CHECK(c.gpr[T3] == 1);
        CHECK(c.gpr[T2] == 0);
        CHECK(m->run(100) == StopReason::BUDGET);
        CHECK(c.instret == 104);
        CHECK((c.pc == at(5) || c.pc == at(6)));
    }
}

TEST_CASE("a store over code after a followed jump runs the new instruction", "[blocks]") {
    using namespace encode;
    // The block is 0..8 and, through the jump, 10..: the store rewrites 10
    // (in this very block) before the jump reaches it.
    const uint32_t replacement = addiu(V0, 0, 0x77);
    const std::vector<uint32_t> code = {
        lui(AT, 0x8001),                  // 0: AT = kseg0 view of the code
        lui(S2, replacement >> 16),       // 1
        ori(S2, S2, replacement & 0xffff),  // 2
        sw(S2, 4 * 10, AT),               // 3: over instruction 10
        nop(), nop(), nop(),              // 4..6
        j(at(10)),                        // 7
        nop(),                            // 8
        nop(),                            // 9
        addiu(V0, 0, 0x11),               // 10: replaced before it runs
        beq(0, 0, -1),                    // 11: b 11
        nop(),                            // 12
    };
    for (const char* engine : {"jit", "interp"}) {
        INFO(engine);
        auto m = machine_with(engine, code);
        CHECK(m->run(40) == StopReason::BUDGET);
        CHECK(m->cpu().gpr[V0] == 0x77);
    }
}

TEST_CASE("a change of ASID forgets mapped pages in the software TLB, not kseg0's", "[blocks]") {
    SoftTlb t;
    t.flush_all();
    t.fill(kModeKernel, 0xffffffff80123000ull, 0x123000, false, nullptr, false);
    t.fill(kModeUser, 0x400000, 0x7000, true, nullptr, false);
    t.flush_mapped();
    CHECK(t.for_read(kModeKernel, 0xffffffff80123000ull) != nullptr);
    CHECK(t.for_read(kModeUser, 0x400000) == nullptr);
    t.flush_all();
    CHECK(t.for_read(kModeKernel, 0xffffffff80123000ull) == nullptr);
}

TEST_CASE("32-bit results feed 64-bit operations as their sign extensions", "[blocks]") {
    // The translator leaves 32-bit results unextended in host registers
    // until something needs all 64 bits; every consumer here does.
    using namespace encode;
    constexpr unsigned T4 = 12, T5 = 13, T6 = 14, T7 = 15, S0 = 16, S1 = 17, S3 = 19, S4 = 20, S5 = 21;
    const std::vector<uint32_t> code = {
        lui(T0, 0x8000),                      // t0 = 0xffffffff80000000
        addiu(T1, T0, -1),                    // t1 = 0x7fffffff (32-bit wrap)
        addu(T2, T1, T1),                     // t2 = -2
        r_type(0, T1, T2, T3, 0, 0x2f),       // dsubu t3 = t1 - t2 = 0x80000001, not sign-extended
        xor_(T4, T1, T2),                     // t4 = sext32(0x80000001)
        daddu(T5, T4, 0),                     // t5 = t4 (a 64-bit move)
        sll(T6, T1, 1),                       // t6 = -2
        r_type(0, T6, 0, T7, 0, 0x2a),        // slt t7 = t6 < 0
        andi(S0, T2, 0xffff),                 // s0 = 0xfffe
        ori(S1, T2, 1),                       // s1 = -1
        r_type(0, T1, T2, S2, 0, 0x27),       // nor s2 = 0
        dsll(S3, T6, 4),                      // s3 = -32
        r_type(0x1c, T1, T1, S4, 0, 0x02),    // mul s4 = low 32 bits of t1 * t1 = 1
        subu(S5, T0, T1),                     // s5 = 1
        beq(0, 0, -1),                        // b .
        nop(),
    };
    for (const char* engine : {"jit", "interp"}) {
        INFO(engine);
        auto m = machine_with(engine, code);
        m->run(40);
        const uint64_t* r = m->cpu().gpr;
        CHECK(r[T1] == 0x7fffffffull);
        CHECK(r[T2] == ~1ull);
        CHECK(r[T3] == 0x80000001ull);
        CHECK(r[T4] == 0xffffffff80000001ull);
        CHECK(r[T5] == 0xffffffff80000001ull);
        CHECK(r[T6] == ~1ull);
        CHECK(r[T7] == 1);
        CHECK(r[S0] == 0xfffe);
        CHECK(r[S1] == ~0ull);
        CHECK(r[S2] == 0);
        CHECK(r[S3] == ~31ull);
        CHECK(r[S4] == 1);
        CHECK(r[S5] == 1);
    }
}

TEST_CASE("two pages that share a software-TLB set both stay", "[blocks]") {
    SoftTlb t;
    t.flush_all();
    const uint64_t a = 0x400000, b = a + (uint64_t(kSoftTlbSize) << 12), c = b + (uint64_t(kSoftTlbSize) << 12);
    for (uint64_t va : {a, b}) t.fill(kModeUser, va, 0x7000, true, nullptr, false);
    CHECK(t.for_read(kModeUser, a) != nullptr);
    CHECK(t.for_read(kModeUser, b) != nullptr);
    t.fill(kModeUser, c, 0x7000, true, nullptr, false);  // the oldest of the three goes
    CHECK(t.for_read(kModeUser, a) == nullptr);
    CHECK(t.for_read(kModeUser, b) != nullptr);
    CHECK(t.for_read(kModeUser, c) != nullptr);
    t.flush_mapped();
    CHECK(t.for_read(kModeUser, b) == nullptr);
    CHECK(t.for_read(kModeUser, c) == nullptr);
}

TEST_CASE("a replaced TLB entry stales the lookups of its own pages only, an ASID change those of per-ASID ones", "[blocks]") {
    // BlockCache::stamp_for is what a lookup or link must still find to hold
    // (page_epochs.h).
    Options o;
    o.memory_bytes = 16 << 20;
    Machine m(o);
    BlockCache cache(m.bus());
    const uint64_t even = 0x400000, odd = 0x401000, elsewhere = 0x40a000, kseg0 = 0xffffffff80400000ull;
    auto stamps = [&] { return std::vector<uint64_t>{cache.stamp_for(even), cache.stamp_for(odd), cache.stamp_for(elsewhere), cache.stamp_for(kseg0)}; };
    const auto before = stamps();
    auto none = [](unsigned) {};
    cache.unmapped(tlb_vpn2_mask(0), even, none);  // a 4 KiB pair: 0x400000 and 0x401000
    auto after = stamps();
    CHECK(after[0] != before[0]);
    CHECK(after[1] != before[1]);
    CHECK(after[2] == before[2]);
    CHECK(after[3] == before[3]);
    // Every mapping (an ASID change, say): all mapped pages, not kseg0.
    cache.flush_lookup();
    const auto flushed = stamps();
    for (int k = 0; k < 3; ++k) CHECK(flushed[k] != after[k]);
    CHECK(flushed[3] == after[3]);
    // A 256 MiB page maps more pages than there are epochs: all of them.
    cache.unmapped(tlb_vpn2_mask(0x1fffe000), 0, none);
    const auto huge = stamps();
    for (int k = 0; k < 3; ++k) CHECK(huge[k] != flushed[k]);
    CHECK(cache.huge_unmaps() == 1);
    // An ASID change: only pages where code was found through a mapping of
    // one ASID (not a global entry) move on.
    cache.found_per_asid(even);
    std::vector<unsigned> moved;
    cache.asid_changed([&](unsigned k) { moved.push_back(k); });
    const auto asid = stamps();
    CHECK(asid[0] != huge[0]);
    CHECK(asid[2] == huge[2]);
    CHECK(moved == std::vector<unsigned>{page_epoch_index(even)});
    cache.asid_changed([&](unsigned k) { moved.push_back(k); });  // (the marks start afresh)
    CHECK(stamps() == asid);
}

TEST_CASE("a dropped block stales the lookups of and links to its own page only", "[blocks]") {
    // Blocks are dropped when their code is written (a new program's image,
    // an on-demand patch): lookups of blocks elsewhere, and links to them,
    // hold (BlockCache::forget_block).
    Options o;
    o.memory_bytes = 16 << 20;
    Machine m(o);
    BlockCache cache(m.bus());
    auto block_at = [&](uint64_t vpc, uint64_t pa) {
        auto b = std::make_unique<Block>();
        b->vpc = vpc;
        b->pa = b->pa_lo = pa;
        b->pa_end = pa + 8;
        return cache.insert(std::move(b), kModeKernel);
    };
    const uint64_t kseg0_a = 0xffffffff80100000ull, kseg0_b = 0xffffffff80201000ull, user = 0x402000;
    Block* a = block_at(kseg0_a, 0x100000);
    Block* b = block_at(kseg0_b, 0x201000);
    Block* u = block_at(user, 0x302000);
    const uint64_t stamp_b = cache.stamp_for(kseg0_b), stamp_u = cache.stamp_for(user), stamp_a = cache.stamp_for(kseg0_a);
    REQUIRE(cache.invalidate(0x100004, 4) == 1);
    CHECK(cache.stamp_for(kseg0_a) != stamp_a);
    CHECK(cache.lookup_fast(kseg0_a, kModeKernel) == nullptr);
    CHECK(cache.stamp_for(kseg0_b) == stamp_b);
    CHECK(cache.lookup_fast(kseg0_b, kModeKernel) == b);
    CHECK(cache.stamp_for(user) == stamp_u);
    CHECK(cache.lookup_fast(user, kModeKernel) == u);
    REQUIRE(cache.invalidate(0x302000, 4) == 1);
    CHECK(cache.stamp_for(user) != stamp_u);
    CHECK(cache.lookup_fast(user, kModeKernel) == nullptr);
    CHECK(cache.lookup_fast(kseg0_b, kModeKernel) == b);
    (void)a;
}
