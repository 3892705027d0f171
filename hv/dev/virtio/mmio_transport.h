// The virtio-mmio transport, version 2 (virtio 1.x, "Virtio Over MMIO"):
// a 0x200-byte register window in front of one virtio device. Requests
// are served while the guest's QueueNotify store executes, so a run is as
// deterministic as the guest. Guest mistakes are counted, logged once per
// kind, and answered as MANUAL.md §3 documents: a broken queue sets
// DEVICE_NEEDS_RESET with a configuration-change interrupt; a broken chain
// fails one request (the device decides how).
#pragma once
#include <array>
#include <functional>
#include <memory>
#include <string>

#include "hv/dev/mmio_device.h"
#include "hv/dev/virtio/guest_error_log.h"
#include "hv/dev/virtio/virtio_device.h"

namespace mipshv::virtio {

struct TransportCounters {
#define COUNTER(field, description) uint64_t field = 0;
#include "hv/dev/virtio/transport_counters.def"
#undef COUNTER
};

class MmioTransport final : public MmioDevice, private QueueAccess {
public:
    static constexpr unsigned kMaxQueues = 4;
    MmioTransport(Bus& memory, std::unique_ptr<VirtioDevice> device, std::function<void(bool)> irq);

    std::string name() const override { return device_->name(); }
    bool accepts(uint64_t offset, unsigned size) const override;
    uint64_t on_read(unsigned, uint64_t offset, unsigned size) override;
    void on_write(unsigned, uint64_t offset, unsigned size, uint64_t value) override;

    VirtioDevice& device() { return *device_; }
    const VirtioDevice& device() const { return *device_; }
    // The transport's counters and then the device's.
    void each_counter(const CounterVisitor& visit) const;

private:
    void reset();
    void set_status(uint32_t value);
    void notify(uint32_t q);
    unsigned serve(unsigned q, const ChainHandler& handler, unsigned max) override;
    bool live() const;
    void raise(uint32_t isr_bits);
    void queue_broken(QueueFault fault);
    Virtqueue* selected();

    Bus& memory_;
    std::unique_ptr<VirtioDevice> device_;
    std::function<void(bool)> irq_;
    std::array<Virtqueue, kMaxQueues> queues_;
    uint32_t status_ = 0, isr_ = 0, queue_sel_ = 0, device_features_sel_ = 0, driver_features_sel_ = 0;
    uint64_t driver_features_ = 0;
    GuestErrorLog log_;
    TransportCounters counters_;
};

}  // namespace mipshv::virtio
