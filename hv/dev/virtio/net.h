// virtio-net (virtio 1.x, "Network Device"): one receive and one transmit
// queue, features MAC and STATUS (the link is always up), no offloads.
// Frames carry the 12-byte virtio-net header in guest memory; it is
// stripped on transmit and added on receive, so the network side sees
// plain Ethernet frames. Frames that arrive while the guest has no receive
// buffer wait in a bounded backlog; beyond it they are dropped and counted.
#pragma once
#include <deque>
#include <functional>
#include <string>
#include <vector>

#include "hv/dev/virtio/guest_error_log.h"
#include "hv/dev/virtio/virtio_device.h"
#include "hv/net/net_options.h"

namespace mipshv::virtio {

struct NetCounters {
#define COUNTER(field, description) uint64_t field = 0;
#include "hv/dev/virtio/net_counters.def"
#undef COUNTER
};

class NetDevice final : public VirtioDevice {
public:
    using FrameSink = std::function<void(const uint8_t*, size_t)>;
    static constexpr size_t kHeaderBytes = 12;    // struct virtio_net_hdr with VERSION_1
    static constexpr size_t kMaxFrame = 1518;     // 1500-byte MTU, Ethernet and VLAN headers
    static constexpr size_t kMaxBacklog = 256;    // frames waiting for receive buffers

    NetDevice(std::string name, MacAddress mac, Bus& memory);
    // Where transmitted frames go, where every frame is also copied (--pcap;
    // may be empty), and how many frames the network refused so far.
    void connect(FrameSink to_network, FrameSink capture, std::function<uint64_t()> network_errors);
    // A frame for the guest.
    void receive(const uint8_t* frame, size_t len);

    uint32_t device_id() const override { return 1; }
    const char* kind() const override { return "virtio-net"; }
    std::string name() const override { return name_; }
    uint64_t features() const override;
    unsigned queue_count() const override { return 2; }
    uint64_t config_read(uint64_t offset, unsigned size) const override;
    void reset() override { backlog_.clear(); }
    void attach(QueueAccess& queues) override { queues_ = &queues; }
    void queue_notified(unsigned q, QueueAccess& queues) override;
    uint32_t handle(unsigned q, const Chain& chain) override;
    void each_counter(const CounterVisitor& visit) const override;

private:
    static constexpr unsigned kRx = 0, kTx = 1;
    uint32_t transmit(const Chain& chain);
    uint32_t fill(const Chain& chain, const std::vector<uint8_t>& frame);
    void deliver_backlog();

    std::string name_;
    MacAddress mac_;
    Bus& memory_;
    QueueAccess* queues_ = nullptr;
    FrameSink to_network_, capture_;
    std::function<uint64_t()> network_errors_;
    std::deque<std::vector<uint8_t>> backlog_;
    bool transmitting_ = false;
    std::vector<uint8_t> tx_buffer_;
    NetCounters counters_;
    GuestErrorLog log_;
};

}  // namespace mipshv::virtio
