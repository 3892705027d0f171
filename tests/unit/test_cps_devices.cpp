// The Coherent Processing System devices (hv/dev/cps/): the GIC, the CM's
// GCRs and the CPC, driven register by register the way Linux 6.1's
// irq-mips-gic.c, mips-cm.c, smp-cps.c and pm-cps.c drive them.
#include <catch2/catch.hpp>

#include <array>
#include <random>
#include <stdexcept>
#include <tuple>
#include <vector>

#include "hv/dev/cps/cm.h"
#include "hv/dev/cps/cpc.h"
#include "hv/dev/cps/gic.h"

using namespace mipshv;

namespace {

// ---- GIC ----

constexpr uint64_t kGicConfig = 0x000, kGicCounterLo = 0x010, kGicCounterHi = 0x014;
constexpr uint64_t kGicPol = 0x100, kGicTrig = 0x180, kGicDual = 0x200, kGicWedge = 0x280;
constexpr uint64_t kGicRmask = 0x300, kGicSmask = 0x380, kGicMask = 0x400, kGicPend = 0x480;
constexpr uint64_t kGicMapPin = 0x500, kGicMapVp = 0x2000;
constexpr uint64_t kVl = 0x8000, kVo = 0xc000;
constexpr uint64_t kVxCtl = 0x00, kVxPend = 0x04, kVxMask = 0x08, kVxRmask = 0x0c, kVxSmask = 0x10;
constexpr uint64_t kVxCompareMap = 0x44, kVxTimerMap = 0x48, kVxOther = 0x80, kVxIdent = 0x88, kVxCompareLo = 0xa0;

struct PinEvent {
    unsigned vp, pin;
    bool level;
    bool operator==(const PinEvent& o) const { return vp == o.vp && pin == o.pin && level == o.level; }
};

struct GicRig {
    std::vector<PinEvent> events;
    uint64_t count = 0;
    Gic gic;
    explicit GicRig(unsigned vps)
        : gic(vps, [this](unsigned vp, unsigned pin, bool level) { events.push_back({vp, pin, level}); },
              [this] { return count; }) {}
    uint32_t rd(uint64_t off, unsigned vcpu = 0) { return uint32_t(gic.read(off, 4, vcpu)); }
    void wr(uint64_t off, uint32_t v, unsigned vcpu = 0) { gic.write(off, 4, v, vcpu); }
    // What irq-mips-gic.c does for a shared interrupt routed to `vp` on pin 0 (IP2).
    void route(unsigned intr, unsigned vp, unsigned pin = 0) {
        wr(kGicMapPin + 4 * intr, 0x80000000u | pin);
        wr(kGicMapVp + 0x20 * intr, 1u << vp);
    }
    void set_bit(uint64_t reg, unsigned intr, bool on) {
        const uint64_t addr = reg + 4 * (intr / 32);
        uint32_t v = rd(addr);
        v = on ? v | (1u << (intr % 32)) : v & ~(1u << (intr % 32));
        wr(addr, v);
    }
    void unmask(unsigned intr) { wr(kGicSmask + 4 * (intr / 32), 1u << (intr % 32)); }
    void mask(unsigned intr) { wr(kGicRmask + 4 * (intr / 32), 1u << (intr % 32)); }
    bool pending(unsigned intr) { return rd(kGicPend + 4 * (intr / 32)) >> (intr % 32) & 1; }
};

}  // namespace

namespace Catch {
template <>
struct StringMaker<PinEvent> {
    static std::string convert(const PinEvent& e) {
        return "{vp " + std::to_string(e.vp) + " pin " + std::to_string(e.pin) + (e.level ? " high}" : " low}");
    }
};
}  // namespace Catch

TEST_CASE("GIC: SH_CONFIG describes 64 interrupts, the VPs and a 64-bit counter", "[cps]") {
    GicRig r(4);
    // COUNTBITS 8 (32 + 8*4 bits), NUMINTRS 64/8-1 = 7, PVPS = vps-1.
    CHECK(r.rd(kGicConfig) == 0x08070003u);
    GicRig one(1);
    CHECK(one.rd(kGicConfig) == 0x08070000u);
    // Only COUNTSTOP is writable.
    r.wr(kGicConfig, 0xffffffffu);
    CHECK(r.rd(kGicConfig) == 0x18070003u);
    r.wr(kGicConfig, 0);
    CHECK(r.rd(kGicConfig) == 0x08070003u);
}

TEST_CASE("GIC: the shared counter reads in two halves and stops with COUNTSTOP", "[cps]") {
    GicRig r(2);
    r.count = 0x0000001234567890ull;
    CHECK(r.rd(kGicCounterLo) == 0x34567890u);
    CHECK(r.rd(kGicCounterHi) == 0x12u);
    // The user page mirrors it.
    CHECK(r.rd(0x10000) == 0x34567890u);
    CHECK(r.rd(0x10004) == 0x12u);
    // Writes while running are ignored.
    r.wr(kGicCounterLo, 5);
    CHECK(r.rd(kGicCounterLo) == 0x34567890u);
    // Stopped: frozen, and writable.
    r.wr(kGicConfig, 1u << 28);
    r.count += 1000;
    CHECK(r.rd(kGicCounterLo) == 0x34567890u);
    r.wr(kGicCounterLo, 0x100);
    r.wr(kGicCounterHi, 0x2);
    CHECK(r.rd(kGicCounterLo) == 0x100u);
    CHECK(r.rd(kGicCounterHi) == 0x2u);
    // Restarted: counts on from the written value.
    r.wr(kGicConfig, 0);
    r.count += 50;
    CHECK(r.rd(kGicCounterLo) == 0x100u + 50);
    CHECK(r.rd(kGicCounterHi) == 0x2u);
}

TEST_CASE("GIC: SMASK and RMASK set and clear MASK bits, one word per 32 interrupts", "[cps]") {
    GicRig r(2);
    CHECK(r.rd(kGicMask) == 0u);
    r.wr(kGicSmask, 0x80000005u);
    r.wr(kGicSmask + 4, 0x00000010u);
    CHECK(r.rd(kGicMask) == 0x80000005u);
    CHECK(r.rd(kGicMask + 4) == 0x10u);
    r.wr(kGicRmask, 0x00000001u);
    CHECK(r.rd(kGicMask) == 0x80000004u);
    CHECK(r.rd(kGicMask + 4) == 0x10u);
    // The set/reset registers themselves read 0; a third word does not exist.
    CHECK(r.rd(kGicSmask) == 0u);
    CHECK(r.rd(kGicRmask) == 0u);
    r.wr(kGicSmask + 8, 0xffffffffu);
    CHECK(r.rd(kGicMask + 8) == 0u);
    // The kernel's read-modify-write of POL/TRIG/DUAL keeps the other bits.
    CHECK(r.rd(kGicPol) == 0xffffffffu);  // reset: active high
    r.set_bit(kGicPol, 3, false);
    CHECK(r.rd(kGicPol) == 0xfffffff7u);
    r.set_bit(kGicTrig, 40, true);
    CHECK(r.rd(kGicTrig + 4) == 0x100u);
    r.set_bit(kGicDual, 63, true);
    CHECK(r.rd(kGicDual + 4) == 0x80000000u);
}

TEST_CASE("GIC: an IPI raised through WEDGE reaches the mapped VP's pin and is cleared on ack", "[cps]") {
    GicRig r(2);
    const unsigned ipi = 62;  // the kernel's IPIs: the top 2 x VPs interrupts
    r.set_bit(kGicTrig, ipi, true);  // IRQ_TYPE_EDGE_RISING
    r.set_bit(kGicPol, ipi, true);
    r.route(ipi, 1);
    r.unmask(ipi);
    CHECK(r.events.empty());

    r.wr(kGicWedge, 0x80000000u | ipi, /*vcpu=*/0);  // send from VP 0
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0] == PinEvent{1, 0, true});
    CHECK(r.pending(ipi));
    CHECK(r.gic.pin_level(1, 0));
    CHECK_FALSE(r.gic.pin_level(0, 0));
    CHECK(r.gic.ipis_sent(0) == 1);
    CHECK(r.gic.ipis_sent(1) == 0);
    CHECK(r.gic.ipis_received(1) == 1);
    CHECK(r.gic.ipis_received(0) == 0);
    CHECK(r.gic.delivered(ipi) == 1);

    // A second send while pending raises nothing new on the pin.
    r.wr(kGicWedge, 0x80000000u | ipi, 0);
    CHECK(r.events.size() == 1);

    r.wr(kGicWedge, ipi, /*vcpu=*/1);  // the handler's ack
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[1] == PinEvent{1, 0, false});
    CHECK_FALSE(r.pending(ipi));
    CHECK(r.gic.delivered(ipi) == 1);

    // Masked: pending but no pin, and delivered only once unmasked.
    r.mask(ipi);
    r.wr(kGicWedge, 0x80000000u | ipi, 0);
    CHECK(r.pending(ipi));
    CHECK(r.events.size() == 2);
    r.unmask(ipi);
    REQUIRE(r.events.size() == 3);
    CHECK(r.events[2] == PinEvent{1, 0, true});
    CHECK(r.gic.delivered(ipi) == 2);
}

TEST_CASE("GIC: WEDGE on a level interrupt or out of range does nothing", "[cps]") {
    GicRig r(2);
    r.route(50, 0);
    r.unmask(50);
    r.wr(kGicWedge, 0x80000000u | 50);
    CHECK_FALSE(r.pending(50));
    r.wr(kGicWedge, 0x80000000u | 200);
    CHECK(r.rd(kGicPend) == 0u);
    CHECK(r.rd(kGicPend + 4) == 0u);
    CHECK(r.events.empty());
    CHECK(r.gic.ipis_sent(0) == 0);
}

TEST_CASE("GIC: a level source is followed through polarity to its pin", "[cps]") {
    GicRig r(2);
    auto uart = r.gic.source(5);
    r.route(5, 0, 0);
    r.unmask(5);
    CHECK(r.events.empty());
    uart(true);
    REQUIRE(r.events.size() == 1);
    CHECK(r.events[0] == PinEvent{0, 0, true});
    CHECK(r.pending(5));
    uart(true);  // no change, no call
    CHECK(r.events.size() == 1);
    uart(false);
    REQUIRE(r.events.size() == 2);
    CHECK(r.events[1] == PinEvent{0, 0, false});
    CHECK_FALSE(r.pending(5));
    CHECK(r.gic.delivered(5) == 1);

    // Active low: a low input is pending.
    r.set_bit(kGicPol, 5, false);
    CHECK(r.pending(5));
    REQUIRE(r.events.size() == 3);
    CHECK(r.events[2] == PinEvent{0, 0, true});
    uart(true);
    CHECK_FALSE(r.pending(5));

    // Re-routed to VP 1 pin 3 (IP5) as the kernel does it, MAP_PIN then
    // MAP_VP: each step moves the output.
    r.set_bit(kGicPol, 5, true);
    r.events.clear();
    r.route(5, 1, 3);
    CHECK(r.events == std::vector<PinEvent>{{0, 0, false}, {0, 3, true}, {0, 3, false}, {1, 3, true}});
    // Unmapped from pins: nothing is driven.
    r.wr(kGicMapPin + 4 * 5, 3);
    CHECK_FALSE(r.gic.pin_level(1, 3));
}

TEST_CASE("GIC: two sources on one pin call set_pin only on real changes", "[cps]") {
    GicRig r(1);
    auto a = r.gic.source(1), b = r.gic.source(2);
    for (unsigned i : {1u, 2u}) {
        r.route(i, 0);
        r.unmask(i);
    }
    a(true);
    b(true);
    a(false);
    CHECK(r.events == std::vector<PinEvent>{{0, 0, true}});
    b(false);
    CHECK(r.events == std::vector<PinEvent>{{0, 0, true}, {0, 0, false}});
}

TEST_CASE("GIC: edge triggering latches the configured edge of a source", "[cps]") {
    GicRig r(1);
    auto in = r.gic.source(9);
    r.route(9, 0);
    r.unmask(9);
    r.set_bit(kGicTrig, 9, true);  // rising edge (POL 1)
    in(true);
    CHECK(r.pending(9));
    in(false);
    CHECK(r.pending(9));  // latched
    r.wr(kGicWedge, 9);
    CHECK_FALSE(r.pending(9));
    // Falling edge.
    r.set_bit(kGicPol, 9, false);
    in(true);
    CHECK_FALSE(r.pending(9));
    in(false);
    CHECK(r.pending(9));
    r.wr(kGicWedge, 9);
    // Both edges.
    r.set_bit(kGicDual, 9, true);
    in(true);
    CHECK(r.pending(9));
    r.wr(kGicWedge, 9);
    in(false);
    CHECK(r.pending(9));
    // Going back to level drops the latch.
    r.set_bit(kGicTrig, 9, false);
    r.set_bit(kGicPol, 9, true);
    CHECK_FALSE(r.pending(9));
}

TEST_CASE("GIC: source numbers in the IPI range are refused", "[cps]") {
    GicRig r(8);
    CHECK_NOTHROW(r.gic.source(Gic::kFirstIpi - 1));
    CHECK_THROWS_AS(r.gic.source(Gic::kFirstIpi), std::out_of_range);
    CHECK_THROWS_AS(r.gic.source(1000), std::out_of_range);
    CHECK(Gic::kFirstIpi == 48);
    CHECK_THROWS_AS(Gic(0, [](unsigned, unsigned, bool) {}, [] { return uint64_t(0); }), std::invalid_argument);
    CHECK_THROWS_AS(Gic(9, [](unsigned, unsigned, bool) {}, [] { return uint64_t(0); }), std::invalid_argument);
}

TEST_CASE("GIC: VL answers for the accessing VP, VO for the VP named by VL_OTHER", "[cps]") {
    GicRig r(4);
    CHECK(r.rd(kVl + kVxIdent, 0) == 0u);
    CHECK(r.rd(kVl + kVxIdent, 2) == 2u);
    CHECK(r.rd(kVl + kVxIdent, 3) == 3u);
    // Nothing local is routable (the CP0 timer stays on its own line), no EIC.
    for (unsigned vp = 0; vp < 4; ++vp) CHECK(r.rd(kVl + kVxCtl, vp) == 0u);
    r.wr(kVl + kVxCtl, 0xffffffffu, 1);
    CHECK(r.rd(kVl + kVxCtl, 1) == 0u);
    CHECK(r.rd(kVl + kVxTimerMap, 0) == 0u);

    r.wr(kVl + kVxOther, 3, /*vcpu=*/0);
    CHECK(r.rd(kVl + kVxOther, 0) == 3u);
    CHECK(r.rd(kVo + kVxIdent, 0) == 3u);
    r.wr(kVo + kVxSmask, 0xff, 0);  // masked to the 7 local interrupts
    CHECK(r.rd(kVl + kVxMask, 3) == 0x7fu);
    CHECK(r.rd(kVl + kVxMask, 0) == 0u);
    r.wr(kVl + kVxRmask, 0x3, 3);
    CHECK(r.rd(kVo + kVxMask, 0) == 0x7cu);
    r.wr(kVo + kVxCompareMap, 0xffffffffu, 0);
    CHECK(r.rd(kVl + kVxCompareMap, 3) == 0x8000003fu);
    r.wr(kVo + kVxCompareLo, 0x1234, 0);
    CHECK(r.rd(kVl + kVxCompareLo, 3) == 0x1234u);
    // Local interrupts never become pending.
    CHECK(r.rd(kVl + kVxPend, 3) == 0u);
    CHECK(r.events.empty());
}

TEST_CASE("GIC: an out-of-range VL_OTHER, vCPU or MAP_VP is harmless", "[cps]") {
    GicRig r(2);
    r.wr(kVl + kVxOther, 0xffffffffu, 0);
    CHECK(r.rd(kVl + kVxOther, 0) == 0x3fu);
    CHECK(r.rd(kVo + kVxIdent, 0) == 0u);
    r.wr(kVo + kVxSmask, 0x7f, 0);
    CHECK(r.rd(kVo + kVxMask, 0) == 0u);
    // A vCPU the GIC does not know: its local sections read 0.
    CHECK(r.rd(kVl + kVxIdent, 7) == 0u);
    r.wr(kVl + kVxSmask, 0x7f, 7);
    CHECK(r.rd(kVo + kVxIdent, 7) == 0u);
    // MAP_VP keeps only existing VPs.
    r.wr(kGicMapVp + 0x20 * 4, 0xffffffffu);
    CHECK(r.rd(kGicMapVp + 0x20 * 4) == 0x3u);
    CHECK(r.rd(kGicMapVp + 0x20 * 4 + 4) == 0u);  // the word for VPs 32..63 does not exist
    // MAP_PIN keeps MAP_TO_PIN and the pin number only.
    r.wr(kGicMapPin + 4 * 4, 0xffffffffu);
    CHECK(r.rd(kGicMapPin + 4 * 4) == 0x8000003fu);
    r.unmask(4);
    r.set_bit(kGicPol, 4, false);  // pending now (active low, input low), but pin 63 does not exist
    CHECK(r.pending(4));
    CHECK(r.events.empty());
}

TEST_CASE("GIC: only aligned 32-bit accesses inside the window exist", "[cps]") {
    GicRig r(1);
    CHECK(r.gic.accepts(0x0, 4));
    CHECK(r.gic.accepts(0x1fffc, 4));
    CHECK_FALSE(r.gic.accepts(0x20000, 4));
    CHECK_FALSE(r.gic.accepts(0x10, 8));
    CHECK_FALSE(r.gic.accepts(0x10, 2));
    CHECK_FALSE(r.gic.accepts(0x10, 1));
    CHECK_FALSE(r.gic.accepts(0x12, 4));
    CHECK_FALSE(r.gic.accepts(~0ull - 3, 4));
    // Reserved offsets read 0.
    CHECK(r.rd(0x20) == 0u);
    CHECK(r.rd(0x7ffc) == 0u);
    CHECK(r.rd(0x10008) == 0u);
}

// ---- CM ----

namespace {

constexpr uint64_t kGcrBase = 0x1fbf8000, kGicBase = 0x1bdc0000, kCpcBase = 0x1bde0000;
constexpr uint64_t kCl = 0x2000, kCo = 0x4000;
constexpr uint64_t kCxResetRelease = 0x00, kCxCoherence = 0x08, kCxConfig = 0x10, kCxOther = 0x18;
constexpr uint64_t kCxResetBase = 0x20, kCxId = 0x28, kCxResetExtBase = 0x30;

struct CmRig {
    std::vector<unsigned> released;
    Cm cm;
    explicit CmRig(unsigned cores, uint64_t cpc = kCpcBase)
        : cm(cores, kGcrBase, kGicBase, cpc, [this](unsigned core) { released.push_back(core); }) {}
    uint32_t rd(uint64_t off, unsigned vcpu = 0) { return uint32_t(cm.read(off, 4, vcpu)); }
    void wr(uint64_t off, uint32_t v, unsigned vcpu = 0) { cm.write(off, 4, v, vcpu); }
};

}  // namespace

TEST_CASE("CM: the global registers describe a CM2 with its GIC and CPC", "[cps]") {
    CmRig r(4);
    CHECK(r.rd(0x000) == 3u);  // PCORES = cores - 1, NUMIOCU 0
    CHECK(r.rd(0x004) == 0u);  // upper half of the kernel's 64-bit accessor
    CHECK(r.rd(0x008) == kGcrBase);
    CHECK(r.rd(0x00c) == 0u);
    CHECK(r.rd(0x030) == 0x0600u);
    CHECK(r.rd(0x080) == (kGicBase | 1));
    CHECK(r.rd(0x088) == (kCpcBase | 1));
    CHECK(r.rd(0x0d0) == 1u);
    CHECK(r.rd(0x0f0) == 1u);
    for (uint64_t err = 0x038; err <= 0x05c; err += 4) CHECK(r.rd(err) == 0u);
    CHECK(r.rd(0x130) == (1u << 20));  // L2 bypassed: none
    CHECK(r.rd(0x020) == 0xffu);

    // mips_cm_probe: CMDEFTGT set to memory, regions disabled, L2 sync region enabled.
    r.wr(0x008, 0xffffffffu);
    CHECK(r.rd(0x008) == (kGcrBase | 3));  // the base does not move
    r.wr(0x008, uint32_t(kGcrBase));
    CHECK(r.rd(0x008) == kGcrBase);
    r.wr(0x090, 0xffffffffu);
    r.wr(0x098, 0xffffffffu);
    CHECK(r.rd(0x090) == 0xffff0000u);
    CHECK(r.rd(0x098) == 0xffff00f7u);
    CHECK(r.rd(0x0c8) == 0u);
    r.wr(0x070, uint32_t(kGcrBase + 0x8000) | 1);
    CHECK(r.rd(0x070) == (uint32_t(kGcrBase + 0x8000) | 1));
    // The GIC driver writes the DT's base back with GICEN.
    r.wr(0x080, uint32_t(kGicBase) | 1);
    CHECK(r.rd(0x080) == (kGicBase | 1));
    r.wr(0x080, 0x20000);
    CHECK(r.rd(0x080) == kGicBase);
    // set_gcr_access(1 << core) keeps 8 bits.
    r.wr(0x020, 0x1ff);
    CHECK(r.rd(0x020) == 0xffu);
    // Read-only registers stay put.
    r.wr(0x000, 0);
    r.wr(0x030, 0);
    r.wr(0x0d0, 0);
    CHECK(r.rd(0x000) == 3u);
    CHECK(r.rd(0x030) == 0x0600u);
    CHECK(r.rd(0x0d0) == 1u);
}

TEST_CASE("CM: without a CPC the GCRs say so", "[cps]") {
    CmRig r(2, /*cpc=*/0);
    CHECK(r.rd(0x0f0) == 0u);
    CHECK(r.rd(0x088) == 0u);
    r.wr(0x088, 0x1bde0001u);
    CHECK(r.rd(0x088) == 0u);
}

TEST_CASE("CM: the core-local block answers for the accessing core", "[cps]") {
    CmRig r(4);
    for (unsigned core = 0; core < 4; ++core) {
        CHECK(r.rd(kCl + kCxId, core) == core);
        CHECK(r.rd(kCl + kCxConfig, core) == 0u);  // PVPE 0: one VP
    }
    CHECK(r.rd(kCl + kCxResetRelease, 0) == 0u);  // the boot core runs
    CHECK(r.rd(kCl + kCxResetRelease, 1) == 1u);  // the others are held in reset
    CHECK(r.rd(kCl + kCxResetBase, 2) == 0xbfc00000u);
    // cps-vec.S on a new core: coherence 0 means "initialise caches", then 0xff.
    CHECK(r.rd(kCl + kCxCoherence, 2) == 0u);
    r.wr(kCl + kCxCoherence, 0x1ff, 2);
    CHECK(r.rd(kCl + kCxCoherence, 2) == 0xffu);
    CHECK(r.rd(kCl + kCxCoherence, 1) == 0u);
    // A vCPU beyond the cores sees nothing.
    CHECK(r.rd(kCl + kCxId, 4) == 0u);
    r.wr(kCl + kCxResetRelease, 0, 4);
    CHECK(r.released.empty());
}

TEST_CASE("CM: boot_core's sequence through the core-other block", "[cps]") {
    CmRig r(4);
    r.wr(kCl + kCxOther, 2u << 16, 0);  // mips_cm_lock_other(0, 2, 0, LOCAL)
    CHECK(r.rd(kCl + kCxOther, 0) == (2u << 16));
    CHECK(r.rd(kCo + kCxId, 0) == 2u);
    r.wr(kCo + kCxResetBase, 0xa0123456u, 0);  // CKSEG1ADDR(mips_cps_core_entry), truncated to 32 bits
    r.wr(kCo + kCxCoherence, 0, 0);
    r.wr(kCo + kCxResetExtBase, 1u << 30, 0);  // UEB
    CHECK(r.rd(kCo + kCxResetBase, 0) == 0xa0123000u);
    CHECK(r.rd(kCl + kCxResetBase, 2) == 0xa0123000u);
    CHECK(r.rd(kCl + kCxResetBase, 0) == 0xbfc00000u);
    CHECK(r.cm.reset_base_pa(2) == 0x00123000u);
    CHECK(r.cm.reset_pc(2) == 0xffffffffa0123000ull);
    CHECK(r.cm.uses_reset_base_for_bev(2));
    CHECK_FALSE(r.cm.uses_reset_base_for_bev(1));
    CHECK(r.cm.reset_base_pa(1) == 0x1fc00000u);
    CHECK(r.rd(kCo + kCxResetExtBase, 0) == (1u << 30));
    r.wr(kCo + kCxResetExtBase, 0xffffffffu, 0);  // EVARESET and PRESENT are not offered
    CHECK(r.rd(kCo + kCxResetExtBase, 0) == 0x4ff000feu);

    // Without a CPC: RESET_RELEASE 0 starts the core, once.
    CHECK(r.released.empty());
    r.wr(kCo + kCxResetRelease, 0, 0);
    CHECK(r.released == std::vector<unsigned>{2});
    CHECK(r.rd(kCl + kCxResetRelease, 2) == 0u);
    r.wr(kCo + kCxResetRelease, 0, 0);
    CHECK(r.released.size() == 1);
    r.wr(kCl + kCxResetRelease, 0, 0);  // core 0 is running already
    CHECK(r.released.size() == 1);
    r.wr(kCo + kCxResetRelease, 1, 0);  // back into reset, then out again
    r.wr(kCo + kCxResetRelease, 0xfffffffeu, 0);
    CHECK(r.released == std::vector<unsigned>{2, 2});

    // kseg0 and useg reset bases; kseg2 has no fixed physical address.
    r.wr(kCo + kCxResetBase, 0x80400000u, 0);
    CHECK(r.cm.reset_base_pa(2) == 0x00400000u);
    r.wr(kCo + kCxResetBase, 0x00400000u, 0);
    CHECK(r.cm.reset_base_pa(2) == 0x00400000u);
    CHECK(r.cm.reset_pc(2) == 0x00400000u);
    r.wr(kCo + kCxResetBase, 0xc0000000u, 0);
    CHECK(r.cm.reset_base_pa(2) == Cm::kNoPhysicalAddress);
    CHECK(r.cm.reset_base_pa(4) == Cm::kNoPhysicalAddress);
}

TEST_CASE("CM: an out-of-range CL_OTHER is harmless", "[cps]") {
    CmRig r(2);
    r.wr(kCl + kCxOther, 0xffffffffu, 0);
    CHECK(r.rd(kCl + kCxOther, 0) == 0xffff0000u);
    CHECK(r.rd(kCo + kCxId, 0) == 0u);
    r.wr(kCo + kCxResetRelease, 0, 0);
    r.wr(kCo + kCxResetBase, 0x12345000u, 0);
    CHECK(r.released.empty());
    CHECK(r.rd(kCl + kCxResetBase, 1) == 0xbfc00000u);
}

TEST_CASE("CM: accesses and arguments are validated", "[cps]") {
    CmRig r(1);
    CHECK(r.cm.accepts(0x7ffc, 4));
    CHECK_FALSE(r.cm.accepts(0x8000, 4));
    CHECK_FALSE(r.cm.accepts(0x0, 8));  // CM2: no 64-bit GCR accesses
    CHECK_FALSE(r.cm.accepts(0x2, 2));
    CHECK_FALSE(r.cm.accepts(0x1, 4));
    CHECK(r.rd(0x6000) == 0u);
    auto none = [](unsigned) {};
    CHECK_THROWS_AS(Cm(0, kGcrBase, kGicBase, kCpcBase, none), std::invalid_argument);
    CHECK_THROWS_AS(Cm(9, kGcrBase, kGicBase, kCpcBase, none), std::invalid_argument);
    CHECK_THROWS_AS(Cm(1, kGcrBase + 0x1000, kGicBase, kCpcBase, none), std::invalid_argument);
    CHECK_THROWS_AS(Cm(1, 1ull << 32, kGicBase, kCpcBase, none), std::invalid_argument);
    CHECK_THROWS_AS(Cm(1, 0xffff8000, kGicBase, kCpcBase, none), std::invalid_argument);
    CHECK_NOTHROW(Cm(1, 0xfffe8000, kGicBase, kCpcBase, none));
    CHECK_THROWS_AS(Cm(1, kGcrBase, kGicBase + 0x8000, kCpcBase, none), std::invalid_argument);
    CHECK_THROWS_AS(Cm(1, kGcrBase, kGicBase, kCpcBase + 0x100, none), std::invalid_argument);
}

// ---- CPC ----

namespace {

constexpr uint64_t kCpcCl = 0x2000, kCpcCo = 0x4000;
constexpr uint64_t kCpcCmd = 0x00, kCpcStatConf = 0x08, kCpcOther = 0x10;

unsigned seq_state(uint32_t stat_conf) { return (stat_conf >> 19) & 0xf; }

struct CpcRig {
    std::vector<std::pair<char, unsigned>> calls;  // 'u' power_up, 'd' power_down
    Cpc cpc;
    explicit CpcRig(unsigned cores)
        : cpc(cores, [this](unsigned c) { calls.push_back({'u', c}); },
              [this](unsigned c) { calls.push_back({'d', c}); }) {}
    uint32_t rd(uint64_t off, unsigned vcpu = 0) { return uint32_t(cpc.read(off, 4, vcpu)); }
    void wr(uint64_t off, uint32_t v, unsigned vcpu = 0) { cpc.write(off, 4, v, vcpu); }
    using Calls = std::vector<std::pair<char, unsigned>>;
};

}  // namespace

TEST_CASE("CPC: core 0 runs, the others are powered down; power gating only", "[cps]") {
    CpcRig r(4);
    const uint32_t stat0 = r.rd(kCpcCl + kCpcStatConf, 0);
    CHECK(seq_state(stat0) == 7u);                 // U6
    CHECK(seq_state(r.rd(kCpcCl + kCpcStatConf, 1)) == 0u);  // D0
    CHECK((stat0 & (1u << 16)) != 0);  // PWRDN_IMPL
    CHECK((stat0 & (1u << 17)) == 0);  // no CLKGAT_IMPL: no clock-gated idle state
    CHECK((stat0 & (1u << 15)) == 0);  // no EJTAG probe
    CHECK(r.cpc.running(0));
    CHECK_FALSE(r.cpc.running(1));
}

TEST_CASE("CPC: boot_core resets a core through the core-other block and sees U6", "[cps]") {
    CpcRig r(4);
    r.wr(kCpcCl + kCpcOther, 3u << 16, 0);  // mips_cpc_lock_other(3)
    CHECK(r.rd(kCpcCl + kCpcOther, 0) == (3u << 16));
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdReset, 0);
    CHECK(r.calls == CpcRig::Calls{{'u', 3}});
    CHECK(seq_state(r.rd(kCpcCo + kCpcStatConf, 0)) == 7u);
    CHECK(r.rd(kCpcCo + kCpcCmd, 0) == Cpc::kCmdReset);
    CHECK(r.cpc.running(3));
    // The core sees its own state in its core-local block.
    CHECK(seq_state(r.rd(kCpcCl + kCpcStatConf, 3)) == 7u);
}

TEST_CASE("CPC: hotplug: the dying core powers itself down, another polls for D0, then it is reset again", "[cps]") {
    CpcRig r(2);
    r.wr(kCpcCl + kCpcOther, 1u << 16, 0);
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdReset, 0);
    r.calls.clear();

    // pm-cps's generated code on core 1: CPC_CL_CMD = PWRDOWN.
    r.wr(kCpcCl + kCpcCmd, Cpc::kCmdPowerDown, /*vcpu=*/1);
    CHECK(r.calls == CpcRig::Calls{{'d', 1}});
    // cps_cpu_die on core 0 polls CPC_CO_STAT_CONF.
    CHECK(seq_state(r.rd(kCpcCo + kCpcStatConf, 0)) == 0u);
    CHECK_FALSE(r.cpc.running(1));
    // Powering down again changes nothing.
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdPowerDown, 0);
    CHECK(r.calls.size() == 1);

    // Online again.
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdReset, 0);
    CHECK(r.calls == CpcRig::Calls{{'d', 1}, {'u', 1}});
    CHECK(seq_state(r.rd(kCpcCo + kCpcStatConf, 0)) == 7u);
}

TEST_CASE("CPC: power-up, clock-off and invalid commands", "[cps]") {
    CpcRig r(2);
    r.wr(kCpcCl + kCpcOther, 1u << 16, 0);
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdPowerUp, 0);
    CHECK(r.calls == CpcRig::Calls{{'u', 1}});
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdPowerUp, 0);  // already running
    CHECK(r.calls.size() == 1);
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdReset, 0);  // a reset restarts it
    CHECK(r.calls == CpcRig::Calls{{'u', 1}, {'u', 1}});

    r.calls.clear();
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdClockOff, 0);
    CHECK(r.calls == CpcRig::Calls{{'d', 1}});
    CHECK(seq_state(r.rd(kCpcCo + kCpcStatConf, 0)) == 3u);  // U2
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdPowerDown, 0);  // already stopped: D0, no second call
    CHECK(r.calls.size() == 1);
    CHECK(seq_state(r.rd(kCpcCo + kCpcStatConf, 0)) == 0u);
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdClockOff, 0);  // clock-off of a powered-down core
    CHECK(seq_state(r.rd(kCpcCo + kCpcStatConf, 0)) == 0u);

    // Not commands: ignored and not recorded; the field is 4 bits.
    const uint32_t before = r.rd(kCpcCo + kCpcCmd, 0);
    r.wr(kCpcCo + kCpcCmd, 0, 0);
    r.wr(kCpcCo + kCpcCmd, 7, 0);
    r.wr(kCpcCo + kCpcCmd, 0xf0, 0);
    CHECK(r.rd(kCpcCo + kCpcCmd, 0) == before);
    CHECK(r.calls.size() == 1);
    r.wr(kCpcCo + kCpcCmd, 0xfff3, 0);  // 3 in the CMD field
    CHECK(r.calls == CpcRig::Calls{{'d', 1}, {'u', 1}});

    // STAT_CONF is status only.
    r.wr(kCpcCo + kCpcStatConf, 0, 0);
    CHECK(seq_state(r.rd(kCpcCo + kCpcStatConf, 0)) == 7u);
}

TEST_CASE("CPC: core_stopped, core_started, out-of-range OTHER and validation", "[cps]") {
    CpcRig r(2);
    r.cpc.core_stopped(0);
    CHECK(seq_state(r.rd(kCpcCl + kCpcStatConf, 0)) == 0u);
    CHECK(r.calls.empty());
    r.cpc.core_stopped(99);
    r.cpc.core_started(1);  // let out of reset by the CM
    CHECK(seq_state(r.rd(kCpcCl + kCpcStatConf, 1)) == 7u);
    CHECK(r.cpc.running(1));
    CHECK(r.calls.empty());
    r.cpc.core_started(99);

    r.wr(kCpcCl + kCpcOther, 0xffffffffu, 0);
    CHECK(r.rd(kCpcCl + kCpcOther, 0) == 0x00ff0000u);
    CHECK(r.rd(kCpcCo + kCpcStatConf, 0) == 0u);
    r.wr(kCpcCo + kCpcCmd, Cpc::kCmdReset, 0);
    CHECK(r.calls.empty());
    r.wr(kCpcCl + kCpcCmd, Cpc::kCmdReset, 5);  // a vCPU the CPC does not know
    CHECK(r.calls.empty());

    CHECK(r.cpc.accepts(0x7ffc, 4));
    CHECK_FALSE(r.cpc.accepts(0x8000, 4));
    CHECK_FALSE(r.cpc.accepts(0x2000, 8));
    CHECK_FALSE(r.cpc.accepts(0x2001, 1));
    CHECK_FALSE(r.cpc.accepts(0x2002, 2));
    r.wr(0x000, 0x1ff);
    CHECK(r.rd(0x000) == 0xffu);
    CHECK(r.rd(0x020) == 0u);
    auto none = [](unsigned) {};
    CHECK_THROWS_AS(Cpc(0, none, none), std::invalid_argument);
    CHECK_THROWS_AS(Cpc(9, none, none), std::invalid_argument);
}

// ---- Random sequences ----

namespace {

// Offsets biased toward the registers that exist, plus anything in and
// beyond the window, with every size.
struct RandomAccess {
    std::mt19937_64 rng{0xc0ffee};
    uint64_t below(uint64_t n) { return rng() % n; }
    uint64_t offset(uint64_t window, const std::vector<uint64_t>& interesting) {
        switch (below(6)) {
        case 0: return interesting[below(interesting.size())] + 4 * below(4);
        case 1: return below(window + 0x1000);
        case 2: return below(0x200) * 4;
        case 3: return window - 4 * below(0x100);
        default: return interesting[below(interesting.size())];
        }
    }
    unsigned size() { return below(2) ? 4 : 1u << below(4); }
    uint64_t value() {
        switch (below(5)) {
        case 0: return below(8);
        case 1: return 1ull << below(32);
        case 2: return 0x80000000u | below(256);
        case 3: return below(16) << 16;
        default: return rng();
        }
    }
};

}  // namespace

TEST_CASE("GIC: random register sequences keep its invariants", "[cps]") {
    const unsigned vps = 3;
    std::array<std::array<bool, Gic::kPins>, vps> seen{};
    bool bad_call = false, repeat_call = false;
    uint64_t count = 0;
    Gic gic(
        vps,
        [&](unsigned vp, unsigned pin, bool level) {
            if (vp >= vps || pin >= Gic::kPins) {
                bad_call = true;
                return;
            }
            if (seen[vp][pin] == level) repeat_call = true;
            seen[vp][pin] = level;
        },
        [&] { return count; });
    std::vector<std::function<void(bool)>> sources;
    for (unsigned n = 0; n < Gic::kFirstIpi; n += 5) sources.push_back(gic.source(n));

    const std::vector<uint64_t> interesting = {0x000, 0x010, 0x100, 0x180, 0x200, 0x280, 0x280, 0x280, 0x300, 0x380,
                                               0x380, 0x400, 0x480, 0x500, 0x5f0, 0x2000, 0x2020, 0x27e0,
                                               0x8000, 0x8008, 0x8010, 0x8080, 0x80a0, 0xc000, 0xc010, 0xc080,
                                               0x10000};
    RandomAccess ra;
    unsigned accepted = 0;
    for (int step = 0; step < 20000; ++step) {
        count += ra.below(100);
        if (ra.below(4) == 0) {
            sources[ra.below(sources.size())](ra.below(2));
            continue;
        }
        if (ra.below(4) == 0) {
            // What the kernel does: route, unmask, raise and ack edges.
            const unsigned intr = unsigned(ra.below(Gic::kSharedInterrupts));
            const unsigned vcpu = unsigned(ra.below(vps));
            switch (ra.below(4)) {
            case 0: gic.write(0x500 + 4 * intr, 4, 0x80000000u | ra.below(Gic::kPins), vcpu); break;
            case 1: gic.write(0x2000 + 0x20 * intr, 4, 1u << ra.below(vps), vcpu); break;
            case 2: gic.write(0x380 + 4 * (intr / 32), 4, 1u << (intr % 32), vcpu); break;
            default: gic.write(0x280, 4, (ra.below(2) ? 0x80000000u : 0) | intr, vcpu); break;
            }
        }
        const uint64_t off = ra.offset(Gic::kWindowSize, interesting);
        const unsigned size = ra.size();
        const unsigned vcpu = unsigned(ra.below(vps + 2));
        if (!gic.accepts(off, size)) {
            REQUIRE_FALSE((size == 4 && off % 4 == 0 && off < Gic::kWindowSize));
            continue;
        }
        ++accepted;
        if (ra.below(2)) {
            const uint64_t v = gic.read(off, size, vcpu);
            REQUIRE(v <= 0xffffffffu);
        } else {
            // Keep the mask mostly open so interrupts actually get delivered.
            uint64_t v = ra.value();
            gic.write(off, size, v, vcpu);
        }
        if (step % 64 == 0) {
            // The pins are exactly what the registers say.
            const uint64_t pend = gic.read(0x480, 4) | (gic.read(0x484, 4) << 32);
            const uint64_t mask = gic.read(0x400, 4) | (gic.read(0x404, 4) << 32);
            std::array<std::array<bool, Gic::kPins>, vps> expect{};
            for (unsigned i = 0; i < Gic::kSharedInterrupts; ++i) {
                if (!((pend & mask) >> i & 1)) continue;
                const uint32_t pin = uint32_t(gic.read(0x500 + 4 * i, 4));
                const uint32_t vpmap = uint32_t(gic.read(0x2000 + 0x20 * i, 4));
                REQUIRE(vpmap < (1u << vps));
                if (!(pin & 0x80000000u) || (pin & 0x3f) >= Gic::kPins) continue;
                for (unsigned vp = 0; vp < vps; ++vp)
                    if (vpmap >> vp & 1) expect[vp][pin & 0x3f] = true;
            }
            for (unsigned vp = 0; vp < vps; ++vp)
                for (unsigned pin = 0; pin < Gic::kPins; ++pin) {
                    REQUIRE(expect[vp][pin] == seen[vp][pin]);
                    REQUIRE(gic.pin_level(vp, pin) == seen[vp][pin]);
                }
            // Nothing beyond the 64 interrupts.
            REQUIRE(gic.read(0x488, 4) == 0);
            REQUIRE(gic.read(0x408, 4) == 0);
            REQUIRE((gic.read(0, 4) & 0x7f) == vps - 1);
        }
    }
    CHECK(accepted > 4000);
    CHECK_FALSE(bad_call);
    CHECK_FALSE(repeat_call);
    uint64_t delivered = 0;
    for (unsigned i = 0; i < Gic::kSharedInterrupts; ++i) delivered += gic.delivered(i);
    CHECK(delivered > 0);
}

TEST_CASE("CM: random register sequences keep its invariants", "[cps]") {
    const unsigned cores = 3;
    bool bad_release = false;
    unsigned releases = 0;
    Cm cm(cores, kGcrBase, kGicBase, kCpcBase, [&](unsigned core) {
        if (core >= cores) bad_release = true;
        ++releases;
    });
    const std::vector<uint64_t> interesting = {0x000, 0x008, 0x020, 0x030, 0x070, 0x080, 0x088, 0x090, 0x0c8,
                                               0x2000, 0x2008, 0x2018, 0x2018, 0x2020, 0x2030,
                                               0x4000, 0x4000, 0x4008, 0x4018, 0x4020, 0x4028, 0x4030, 0x6000};
    RandomAccess ra;
    for (int step = 0; step < 20000; ++step) {
        const uint64_t off = ra.offset(Cm::kWindowSize, interesting);
        const unsigned size = ra.size();
        const unsigned vcpu = unsigned(ra.below(cores + 2));
        if (!cm.accepts(off, size)) {
            REQUIRE_FALSE((size == 4 && off % 4 == 0 && off < Cm::kWindowSize));
            continue;
        }
        if (ra.below(2)) {
            REQUIRE(cm.read(off, size, vcpu) <= 0xffffffffu);
        } else {
            cm.write(off, size, ra.value(), vcpu);
        }
        REQUIRE(cm.read(0x000, 4) == cores - 1);
        REQUIRE((cm.read(0x008, 4) & ~3ull) == kGcrBase);
        REQUIRE(cm.read(0x030, 4) == 0x0600);
        REQUIRE((cm.read(0x080, 4) & ~1ull) == kGicBase);
        for (unsigned c = 0; c < cores; ++c) {
            REQUIRE(cm.read(0x2028, 4, c) == c);
            REQUIRE((cm.read(0x2020, 4, c) & 0xfff) == 0);
            REQUIRE(cm.read(0x2000, 4, c) <= 1);
            REQUIRE(cm.reset_pc(c) >> 32 == (cm.reset_pc(c) & 0x80000000u ? 0xffffffffu : 0u));
        }
    }
    CHECK_FALSE(bad_release);
    CHECK(releases > 0);
}

TEST_CASE("CPC: random register sequences keep its invariants", "[cps]") {
    const unsigned cores = 3;
    std::array<bool, cores> running{true, false, false};
    bool bad_call = false;
    unsigned ups = 0, downs = 0;
    Cpc cpc(
        cores,
        [&](unsigned core) {
            if (core >= cores) {
                bad_call = true;
                return;
            }
            running[core] = true;
            ++ups;
        },
        [&](unsigned core) {
            if (core >= cores || !running[core]) {
                bad_call = true;
                return;
            }
            running[core] = false;
            ++downs;
        });
    const std::vector<uint64_t> interesting = {0x000, 0x2000, 0x2000, 0x2008, 0x2010, 0x2010,
                                               0x4000, 0x4000, 0x4000, 0x4008, 0x4010};
    RandomAccess ra;
    for (int step = 0; step < 20000; ++step) {
        const uint64_t off = ra.offset(Cpc::kWindowSize, interesting);
        const unsigned size = ra.size();
        const unsigned vcpu = unsigned(ra.below(cores + 2));
        if (!cpc.accepts(off, size)) {
            REQUIRE_FALSE((size == 4 && off % 4 == 0 && off < Cpc::kWindowSize));
            continue;
        }
        if (ra.below(2)) {
            REQUIRE(cpc.read(off, size, vcpu) <= 0xffffffffu);
        } else {
            // Commands and OTHER values that name real cores, often.
            uint64_t v = ra.below(2) ? ra.below(6) | (ra.below(cores + 1) << 16) : ra.value();
            cpc.write(off, size, v, vcpu);
        }
        for (unsigned c = 0; c < cores; ++c) {
            const unsigned s = seq_state(uint32_t(cpc.read(0x2008, 4, c)));
            REQUIRE((s == 0 || s == 3 || s == 7));
            REQUIRE(cpc.running(c) == running[c]);
            REQUIRE((s == 7) == running[c]);
        }
    }
    CHECK_FALSE(bad_call);
    CHECK(ups > 10);
    CHECK(downs > 10);
}
