// The MIPS Global Interrupt Controller of a Coherent Processing System, as
// Linux's irq-mips-gic driver programs it: shared interrupts routed to one
// VP's CPU pin each, plus the IPIs that SMP needs.
//
// Choices, and why:
// - Every register is 32 bits wide and only 4-byte aligned accesses exist:
//   a CM2-era GIC is what the CM reports (GCR_REV 6.0), and with it the
//   kernel sets mips_cm_is64 = 0, so even its 64-bit accessors (counter,
//   compare) are split into two 32-bit halves. Reserved offsets in the
//   128 KiB window read 0 and ignore writes.
// - 64 shared interrupts: the kernel takes the top 2 x possible-CPUs of them
//   as edge IPIs (16 for 8 VPs), leaving 0..47 for device sources.
// - No local interrupt source is modelled. VL_CTL reports the CP0 timer,
//   performance counter, FDC and software interrupts as not routable, so
//   the kernel keeps the CP0 count/compare timer on its own CPU line; the
//   local mask/map/compare registers keep what is written but never raise
//   anything. EIC mode is not offered (the bit reads 0).
// - POL resets to active-high so that idle (low) inputs are not pending
//   before the kernel's own setup; the kernel reprograms every interrupt.
// - Edge detection exists only for interrupts configured edge-triggered:
//   WEDGE writes to a level interrupt are ignored, and switching TRIG
//   discards the latch, so no stale edge survives a reconfiguration.
// - MAP_TO_NMI and the yield qualifier are not offered (read 0): the board
//   has no NMI wiring. A MAP_VP with several VPs raises the pin of each.
// - Not thread-safe: the machine serialises accesses and source changes.
#pragma once
#include <array>
#include <cstdint>
#include <functional>
#include <vector>

#include "hv/dev/mmio_device.h"

namespace mipshv {

class Gic final : public MmioDevice {
public:
    static constexpr uint64_t kWindowSize = 0x20000;  // 128 KiB, 128 KiB aligned
    static constexpr unsigned kSharedInterrupts = 64;
    static constexpr unsigned kMaxVps = 8;
    // Shared interrupts below this may be device sources; the rest are the
    // kernel's IPIs (2 per possible CPU, at the top).
    static constexpr unsigned kFirstIpi = kSharedInterrupts - 2 * kMaxVps;
    static constexpr unsigned kPins = 6;             // pin p drives CPU interrupt IP(2+p)
    static constexpr unsigned kLocalInterrupts = 7;  // WD, COMPARE, TIMER, PERFCTR, SWINT0, SWINT1, FDC

    // `vps`: number of VPs (1..kMaxVps). `set_pin(vp, pin, level)`: drives
    // VP `vp`'s CPU interrupt input `pin` (0 = IP2 ... 5 = IP7); called only
    // on change. `counter()`: the shared counter (GIC_SH_COUNTER) in ticks.
    Gic(unsigned vps, std::function<void(unsigned vp, unsigned pin, bool level)> set_pin,
        std::function<uint64_t()> counter);

    std::string name() const override { return "mips-gic"; }
    bool accepts(uint64_t offset, unsigned size) const override;
    uint64_t on_read(unsigned vcpu, uint64_t offset, unsigned size) override;
    void on_write(unsigned vcpu, uint64_t offset, unsigned size, uint64_t value) override;

    // A level-triggered device input on shared interrupt `n` (n < kFirstIpi;
    // throws std::out_of_range otherwise). The returned function may be
    // called with the same level repeatedly; only changes matter.
    std::function<void(bool)> source(unsigned n);

    // Counters for the run record. ipis_sent(vp): WEDGE writes by `vp` that
    // raised an edge interrupt in the IPI range; ipis_received(vp): such
    // raises whose MAP_VP named `vp`. delivered(n): times shared interrupt n
    // became pending, unmasked and routed to some VP's pin.
    uint64_t ipis_sent(unsigned vp) const { return vp < vps_ ? ipis_sent_[vp] : 0; }
    uint64_t ipis_received(unsigned vp) const { return vp < vps_ ? ipis_received_[vp] : 0; }
    uint64_t delivered(unsigned shared) const { return shared < kSharedInterrupts ? delivered_[shared] : 0; }

    unsigned vps() const { return vps_; }
    // The current level of VP `vp`'s pin `pin` (false when out of range).
    bool pin_level(unsigned vp, unsigned pin) const;

private:
    struct LocalState {
        uint32_t mask = 0;                         // 7 local mask bits
        std::array<uint32_t, 2> map{};             // WD_MAP, COMPARE_MAP (the routable ones)
        uint32_t other = 0;                        // VPNUM of the VO section
        uint64_t compare = 0;
    };

    uint64_t pending() const;
    uint64_t counter_value() const;
    void set_input(unsigned n, bool level);
    void recompute_routing();
    void update_outputs();
    uint32_t read_shared(unsigned vcpu, uint64_t off);
    void write_shared(unsigned vcpu, uint64_t off, uint32_t value);
    uint32_t read_local(unsigned vp, uint64_t off) const;
    void write_local(unsigned vp, uint64_t off, uint32_t value);
    void set_trig(uint64_t trig);
    void wedge(unsigned vcpu, uint32_t value);

    unsigned vps_;
    std::function<void(unsigned, unsigned, bool)> set_pin_;
    std::function<uint64_t()> counter_;

    bool count_stopped_ = false;
    uint64_t frozen_count_ = 0;   // the counter while stopped
    int64_t count_offset_ = 0;    // added to counter() while running

    uint64_t pol_ = ~0ull, trig_ = 0, dual_ = 0, mask_ = 0;
    uint64_t input_ = 0, edge_ = 0;
    std::array<uint32_t, kSharedInterrupts> map_pin_{}, map_vp_{};
    // routing_[vp][pin]: shared interrupts whose MAP_PIN/MAP_VP lead there.
    std::vector<std::array<uint64_t, kPins>> routing_;
    uint64_t routed_any_ = 0, active_ = 0;
    std::vector<std::array<bool, kPins>> level_;
    std::vector<LocalState> local_;

    std::vector<uint64_t> ipis_sent_, ipis_received_;
    std::array<uint64_t, kSharedInterrupts> delivered_{};
};

}  // namespace mipshv
