// One split virtqueue (virtio 1.x, "Split Virtqueues"): the descriptor
// table, available ring and used ring the driver placed in guest memory.
// Every device uses this one implementation, which trusts nothing it reads:
// ring addresses are checked when the driver enables the queue, and every
// chain is walked with bounded steps and validated before a device sees it.
//
// Two kinds of violation: a broken queue (ring structure: an available
// index too far ahead, a descriptor index out of range, a chain longer than
// the queue, which includes every loop, an indirect descriptor) cannot be
// trusted again until the driver resets the device; a broken chain (a
// buffer outside RAM, of zero length, or device-readable after a
// device-writable one) fails just that request.
#pragma once
#include <cstdint>
#include <vector>

#include "hv/board/bus.h"

namespace mipshv::virtio {

enum class QueueFault : uint8_t {
    NONE,
    BAD_SIZE,             // 0, not a power of two, or above the maximum
    RING_MISALIGNED,      // descriptors 16, available ring 2, used ring 4 bytes
    RING_OUTSIDE_RAM,
    AVAIL_INDEX_JUMP,     // more new entries than the queue holds
    DESCRIPTOR_INDEX,     // a head or next index at or above the queue size
    CHAIN_TOO_LONG,       // more descriptors than the queue holds: a loop
    INDIRECT_DESCRIPTOR,  // VIRTIO_F_INDIRECT_DESC is not offered
};
const char* queue_fault_name(QueueFault f);

enum class ChainFault : uint8_t {
    NONE,
    BUFFER_OUTSIDE_RAM,
    ZERO_LENGTH_BUFFER,
    READABLE_AFTER_WRITABLE,
};
const char* chain_fault_name(ChainFault f);

struct Buffer {
    uint64_t addr;
    uint32_t len;
    bool device_writable;
};

// One request: the descriptors of a chain, in order.
struct Chain {
    uint16_t head = 0;
    std::vector<Buffer> buffers;
    ChainFault fault = ChainFault::NONE;
    uint64_t readable_bytes() const;
    uint64_t writable_bytes() const;
};

class Virtqueue {
public:
    static constexpr uint16_t kMaxSize = 256;

    // What the driver programs through the transport.
    uint32_t size = 0;
    uint64_t desc_addr = 0, avail_addr = 0, used_addr = 0;
    bool ready() const { return ready_; }

    // The driver enables the queue: checks size and rings; on success the
    // queue is ready and starts at index 0.
    QueueFault enable(const Bus& bus);
    // The driver disables the queue (QueueReady = 0); its settings stay.
    void reset_ready() { ready_ = false; }
    void reset();

    // The next chain the driver made available. False when there is none or
    // on a queue fault (`fault` says which; the queue is then unusable).
    bool pop(Bus& bus, Chain& chain, QueueFault& fault);
    // Returns a chain to the driver with `written` bytes written into it.
    void push_used(Bus& bus, uint16_t head, uint32_t written);
    // Whether the driver asked not to be interrupted (VIRTQ_AVAIL_F_NO_INTERRUPT).
    bool interrupt_suppressed(Bus& bus) const;

private:
    bool ready_ = false;
    uint16_t last_avail_ = 0, used_idx_ = 0;
};

// Byte-stream access to a chain's buffers: `read` consumes the
// device-readable part in order, `write` fills the device-writable part.
// Both stop (returning false) at the end of their part or at a buffer
// outside RAM.
class ChainCursor {
public:
    ChainCursor(Bus& bus, const Chain& chain) : bus_(bus), chain_(chain) {}
    bool read(void* dst, uint64_t len);
    bool write(const void* src, uint64_t len);
    bool skip_readable(uint64_t len) { return advance(false, nullptr, len); }

private:
    bool advance(bool writable, void* io, uint64_t len);
    Bus& bus_;
    const Chain& chain_;
    size_t index_[2] = {0, 0};
    uint64_t offset_[2] = {0, 0};
};

}  // namespace mipshv::virtio
