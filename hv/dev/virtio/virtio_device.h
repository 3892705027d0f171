// What a virtio device type (block, net, ...) implements; the virtio-mmio
// transport (mmio_transport.h) does everything else: registers, feature
// negotiation, queues, interrupts and the handling of broken queues.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

#include "hv/dev/virtio/virtqueue.h"

namespace mipshv::virtio {

constexpr uint64_t kFeatureVersion1 = 1ull << 32;

// Visits a named counter: (name, value, description).
using CounterVisitor = std::function<void(const char*, uint64_t, const char*)>;

// Serves one chain; returns the bytes written into it (the used length).
using ChainHandler = std::function<uint32_t(const Chain&)>;

// What a device may ask of its transport, on a notification or on its own
// (a network card receiving a frame).
class QueueAccess {
public:
    virtual ~QueueAccess() = default;
    // Serves up to `max` available chains of queue `q` with `handler`,
    // returns them to the driver and interrupts it once if any was served.
    // Returns how many were served: 0 when the queue has none, is not
    // ready, or the device is not live (not DRIVER_OK, or needs reset).
    virtual unsigned serve(unsigned q, const ChainHandler& handler, unsigned max = ~0u) = 0;
};

class VirtioDevice {
public:
    virtual ~VirtioDevice() = default;
    virtual uint32_t device_id() const = 0;          // 2: block, 1: network
    virtual const char* kind() const = 0;             // "virtio-blk"
    virtual std::string name() const = 0;             // "vda"
    virtual uint64_t features() const = 0;            // offered, besides VERSION_1
    virtual unsigned queue_count() const = 0;
    // The configuration space (offset from 0x100 of the window), read in
    // 1-, 2-, 4- or 8-byte pieces; bytes past its end read as 0.
    virtual uint64_t config_read(uint64_t offset, unsigned size) const = 0;
    virtual void reset() {}
    // The transport gives the device its queues once, at construction.
    virtual void attach(QueueAccess& queues) { (void)queues; }
    // The driver notified queue `q`. By default every available chain is
    // served at once with `handle` (request/response devices).
    virtual void queue_notified(unsigned q, QueueAccess& queues) {
        queues.serve(q, [&](const Chain& chain) { return handle(q, chain); });
    }
    // Serves one chain of queue `q`; returns the bytes written into it.
    // Chains with a ChainFault come here too, so the device can fail them
    // the way its protocol says.
    virtual uint32_t handle(unsigned q, const Chain& chain) = 0;
    virtual void each_counter(const CounterVisitor& visit) const = 0;
};

// Reads `size` bytes at `offset` of a little-endian structure `bytes`.
uint64_t read_config_bytes(const void* bytes, uint64_t length, uint64_t offset, unsigned size);

}  // namespace mipshv::virtio
