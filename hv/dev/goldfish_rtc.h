// The goldfish real-time clock (Android emulator's RTC, driver rtc-goldfish):
// a 64-bit nanosecond wall clock with one alarm. The clock is `base` plus
// the machine's virtual time, so a deterministic run sees the same dates.
#pragma once
#include <cstdint>
#include <functional>

#include "hv/dev/mmio_device.h"

namespace mipshv {

class GoldfishRtc final : public MmioDevice {
public:
    // `now_ns` returns nanoseconds of machine time since start; `irq` sets the
    // interrupt output level.
    GoldfishRtc(uint64_t base_ns, std::function<uint64_t()> now_ns, std::function<void(bool)> irq);

    std::string name() const override { return "goldfish-rtc"; }
    bool accepts(uint64_t offset, unsigned size) const override { return aligned_access_of(4, offset, size); }
    uint64_t on_read(unsigned, uint64_t offset, unsigned size) override;
    void on_write(unsigned, uint64_t offset, unsigned size, uint64_t value) override;

    // Machine time (ns) at which the alarm fires, or UINT64_MAX.
    uint64_t alarm_deadline_ns() const;
    // Called when machine time reaches alarm_deadline_ns().
    void fire_alarm_if_due();

private:
    uint64_t wall_ns() const { return base_ns_ + now_ns_(); }
    void update_irq() { irq_(irq_enabled_ && alarm_fired_); }

    uint64_t base_ns_;
    std::function<uint64_t()> now_ns_;
    std::function<void(bool)> irq_;
    uint32_t time_high_latch_ = 0, pending_time_high_ = 0, alarm_high_ = 0;
    uint64_t alarm_ns_ = 0;
    bool alarm_armed_ = false, alarm_fired_ = false, irq_enabled_ = false;
};

}  // namespace mipshv
