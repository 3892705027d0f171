#include "hv/dev/goldfish_rtc.h"

namespace mipshv {

namespace {
enum Reg : uint64_t {
    TIME_LOW = 0x00, TIME_HIGH = 0x04, ALARM_LOW = 0x08, ALARM_HIGH = 0x0c,
    IRQ_ENABLED = 0x10, CLEAR_ALARM = 0x14, ALARM_STATUS = 0x18, CLEAR_INTERRUPT = 0x1c,
};
}  // namespace

GoldfishRtc::GoldfishRtc(uint64_t base_ns, std::function<uint64_t()> now_ns, std::function<void(bool)> irq)
    : base_ns_(base_ns), now_ns_(std::move(now_ns)), irq_(std::move(irq)) {}

uint64_t GoldfishRtc::on_read(unsigned, uint64_t offset, unsigned) {
    switch (offset) {
        case TIME_LOW: {
            // Reading the low half latches the high half, so the pair is consistent.
            uint64_t t = wall_ns();
            time_high_latch_ = uint32_t(t >> 32);
            return uint32_t(t);
        }
        case TIME_HIGH: return time_high_latch_;
        case ALARM_LOW: return uint32_t(alarm_ns_);
        case ALARM_HIGH: return uint32_t(alarm_ns_ >> 32);
        case IRQ_ENABLED: return irq_enabled_;
        case ALARM_STATUS: return alarm_armed_;
        default: return 0;
    }
}

void GoldfishRtc::on_write(unsigned, uint64_t offset, unsigned, uint64_t value) {
    uint32_t v = uint32_t(value);
    switch (offset) {
        case TIME_HIGH: pending_time_high_ = v; break;
        case TIME_LOW: {
            // Setting the time moves the base so the clock reads the new value now.
            uint64_t wanted = (uint64_t(pending_time_high_) << 32) | v;
            base_ns_ = wanted - now_ns_();
            break;
        }
        case ALARM_HIGH: alarm_high_ = v; break;
        case ALARM_LOW:
            alarm_ns_ = (uint64_t(alarm_high_) << 32) | v;
            alarm_armed_ = true;
            fire_alarm_if_due();
            break;
        case IRQ_ENABLED:
            irq_enabled_ = v & 1;
            update_irq();
            break;
        case CLEAR_ALARM: alarm_armed_ = false; break;
        case CLEAR_INTERRUPT:
            alarm_fired_ = false;
            update_irq();
            break;
        default: break;
    }
}

uint64_t GoldfishRtc::alarm_deadline_ns() const {
    if (!alarm_armed_) return UINT64_MAX;
    return alarm_ns_ > base_ns_ ? alarm_ns_ - base_ns_ : 0;
}

void GoldfishRtc::fire_alarm_if_due() {
    if (!alarm_armed_ || wall_ns() < alarm_ns_) return;
    alarm_armed_ = false;
    alarm_fired_ = true;
    update_irq();
}

}  // namespace mipshv
