#include "hv/dev/virtio/net.h"

#include <algorithm>
#include <cstring>

namespace mipshv::virtio {

namespace {
constexpr uint64_t kFeatureMac = 1ull << 5, kFeatureStatus = 1ull << 16;
constexpr uint16_t kLinkUp = 1;
constexpr size_t kEthernetHeader = 14;

// struct virtio_net_config up to status.
struct Config {
    uint8_t mac[6];
    uint16_t status;
};
}  // namespace

NetDevice::NetDevice(std::string name, MacAddress mac, Bus& memory)
    : name_(std::move(name)), mac_(mac), memory_(memory), log_(name_, kind()) {}

void NetDevice::connect(FrameSink to_network, FrameSink capture, std::function<uint64_t()> network_errors) {
    to_network_ = std::move(to_network);
    capture_ = std::move(capture);
    network_errors_ = std::move(network_errors);
}

uint64_t NetDevice::features() const { return kFeatureMac | kFeatureStatus; }

uint64_t NetDevice::config_read(uint64_t offset, unsigned size) const {
    Config c{};
    std::memcpy(c.mac, mac_.data(), 6);
    c.status = kLinkUp;
    return read_config_bytes(&c, sizeof c, offset, size);
}

void NetDevice::queue_notified(unsigned q, QueueAccess& queues) {
    if (q == kRx) return deliver_backlog();  // the guest added receive buffers
    transmitting_ = true;
    queues.serve(q, [&](const Chain& chain) { return handle(q, chain); });
    transmitting_ = false;
    deliver_backlog();  // replies the network produced while the guest transmitted
}

uint32_t NetDevice::handle(unsigned q, const Chain& chain) { return q == kTx ? transmit(chain) : 0; }

uint32_t NetDevice::transmit(const Chain& chain) {
    const uint64_t readable = chain.readable_bytes();
    if (chain.fault != ChainFault::NONE || chain.writable_bytes() != 0 || readable < kHeaderBytes + kEthernetHeader ||
        readable > kHeaderBytes + kMaxFrame) {
        ++counters_.tx_dropped_malformed;
        if (chain.fault == ChainFault::NONE) log_.report("transmitted frame of impossible length, or in device-writable buffers");
        return 0;
    }
    tx_buffer_.resize(readable);
    ChainCursor(memory_, chain).read(tx_buffer_.data(), readable);
    const uint8_t* frame = tx_buffer_.data() + kHeaderBytes;
    const size_t len = readable - kHeaderBytes;
    ++counters_.tx_frames;
    counters_.tx_bytes += len;
    if (capture_) capture_(frame, len);
    if (to_network_) to_network_(frame, len);
    return 0;
}

void NetDevice::receive(const uint8_t* frame, size_t len) {
    if (len > kMaxFrame) {  // the network side never sends these; keep the guest's buffers honest anyway
        ++counters_.rx_dropped_buffer_too_small;
        return;
    }
    if (backlog_.size() >= kMaxBacklog) {
        ++counters_.rx_dropped_queue_full;
        return;
    }
    backlog_.emplace_back(frame, frame + len);
    counters_.rx_backlog_peak = std::max<uint64_t>(counters_.rx_backlog_peak, backlog_.size());
    if (!transmitting_) deliver_backlog();
}

void NetDevice::deliver_backlog() {
    if (!queues_ || backlog_.empty()) return;
    queues_->serve(kRx, [&](const Chain& chain) {
        const uint32_t written = fill(chain, backlog_.front());
        backlog_.pop_front();
        return written;
    }, unsigned(backlog_.size()));
}

// One frame into one receive chain: the header, then the frame.
uint32_t NetDevice::fill(const Chain& chain, const std::vector<uint8_t>& frame) {
    if (chain.fault != ChainFault::NONE || chain.readable_bytes() != 0 ||
        chain.writable_bytes() < kHeaderBytes + frame.size()) {
        ++counters_.rx_dropped_buffer_too_small;
        if (chain.fault == ChainFault::NONE) log_.report("receive buffer too small or device-readable");
        return 0;
    }
    uint8_t header[kHeaderBytes] = {};
    header[10] = 1;  // num_buffers: one buffer per frame
    ChainCursor cursor(memory_, chain);
    cursor.write(header, kHeaderBytes);
    cursor.write(frame.data(), frame.size());
    ++counters_.rx_frames;
    counters_.rx_bytes += frame.size();
    if (capture_) capture_(frame.data(), frame.size());
    return uint32_t(kHeaderBytes + frame.size());
}

void NetDevice::each_counter(const CounterVisitor& visit) const {
    NetCounters c = counters_;
    if (network_errors_) c.slirp_errors = network_errors_();
#define COUNTER(field, description) visit(#field, c.field, description);
#include "hv/dev/virtio/net_counters.def"
#undef COUNTER
}

}  // namespace mipshv::virtio
