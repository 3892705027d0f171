#include "hv/dev/virtio/mmio_transport.h"

#include "hv/dev/virtio/mmio_registers.h"

#include <cstring>

namespace mipshv::virtio {

namespace {
using namespace mmio;

constexpr uint32_t kMagic = 0x74726976;    // "virt"
constexpr uint32_t kVendor = 0x5653484d;   // "MHSV"

// Replaces the 32-bit half `high` of a 64-bit address.
void set_half(uint64_t& addr, bool high, uint64_t value) {
    addr = high ? (addr & 0xffffffffull) | (uint64_t(uint32_t(value)) << 32) : (addr & ~0xffffffffull) | uint32_t(value);
}
}  // namespace

uint64_t read_config_bytes(const void* bytes, uint64_t length, uint64_t offset, unsigned size) {
    uint64_t v = 0;
    if (offset < length) std::memcpy(&v, static_cast<const uint8_t*>(bytes) + offset, std::min<uint64_t>(size, length - offset));
    return v;
}

MmioTransport::MmioTransport(Bus& memory, std::unique_ptr<VirtioDevice> device, std::function<void(bool)> irq)
    : memory_(memory), device_(std::move(device)), irq_(std::move(irq)), log_(device_->name(), device_->kind()) {
    device_->attach(*this);
}

// Registers: aligned 32-bit accesses. Configuration space: aligned 1, 2, 4 or 8 bytes.
bool MmioTransport::accepts(uint64_t offset, unsigned size) const {
    if (offset < CONFIG) return aligned_access_of(4, offset, size);
    return (size == 1 || size == 2 || size == 4 || size == 8) && offset % size == 0;
}

Virtqueue* MmioTransport::selected() {
    return queue_sel_ < device_->queue_count() && queue_sel_ < kMaxQueues ? &queues_[queue_sel_] : nullptr;
}

uint64_t MmioTransport::on_read(unsigned, uint64_t offset, unsigned size) {
    if (offset >= CONFIG) return device_->config_read(offset - CONFIG, size);
    const Virtqueue* q = selected();
    const uint64_t offered = device_->features() | kFeatureVersion1;
    switch (offset) {
        case MAGIC: return kMagic;
        case VERSION: return 2;
        case DEVICE_ID: return device_->device_id();
        case VENDOR_ID: return kVendor;
        case DEVICE_FEATURES: return device_features_sel_ < 2 ? uint32_t(offered >> (32 * device_features_sel_)) : 0;
        case QUEUE_NUM_MAX: return q ? Virtqueue::kMaxSize : 0;
        case QUEUE_NUM: return q ? q->size : 0;
        case QUEUE_READY: return q && q->ready();
        case INTERRUPT_STATUS: return isr_;
        case STATUS: return status_;
        case QUEUE_DESC_LOW: return q ? uint32_t(q->desc_addr) : 0;
        case QUEUE_DESC_HIGH: return q ? uint32_t(q->desc_addr >> 32) : 0;
        case QUEUE_DRIVER_LOW: return q ? uint32_t(q->avail_addr) : 0;
        case QUEUE_DRIVER_HIGH: return q ? uint32_t(q->avail_addr >> 32) : 0;
        case QUEUE_DEVICE_LOW: return q ? uint32_t(q->used_addr) : 0;
        case QUEUE_DEVICE_HIGH: return q ? uint32_t(q->used_addr >> 32) : 0;
        case SHM_LEN_LOW: case SHM_LEN_HIGH: return 0xffffffff;  // no shared memory regions
        case CONFIG_GENERATION: return 0;                        // the configuration never changes
        default: return 0;
    }
}

void MmioTransport::on_write(unsigned, uint64_t offset, unsigned, uint64_t value) {
    if (offset >= CONFIG) return;  // no writable configuration fields are offered
    const uint32_t v = uint32_t(value);
    Virtqueue* q = selected();
    // Ring addresses and sizes are fixed while a queue is enabled.
    Virtqueue* idle_queue = q && !q->ready() ? q : nullptr;
    switch (offset) {
        case DEVICE_FEATURES_SEL: device_features_sel_ = v; break;
        case DRIVER_FEATURES_SEL: driver_features_sel_ = v; break;
        case DRIVER_FEATURES:
            if (driver_features_sel_ < 2 && !(status_ & kStatusFeaturesOk)) set_half(driver_features_, driver_features_sel_, v);
            break;
        case QUEUE_SEL: queue_sel_ = v; break;
        case QUEUE_NUM: if (idle_queue) idle_queue->size = v; break;
        case QUEUE_READY:
            if (!q) break;
            if (v == 0) {
                q->reset_ready();
            } else if (!q->ready()) {
                if (QueueFault f = q->enable(memory_); f != QueueFault::NONE) queue_broken(f);
            }
            break;
        case QUEUE_NOTIFY: notify(v); break;
        case INTERRUPT_ACK:
            isr_ &= ~v;
            irq_(isr_ != 0);
            break;
        case STATUS: set_status(v); break;
        case QUEUE_DESC_LOW: case QUEUE_DESC_HIGH:
            if (idle_queue) set_half(idle_queue->desc_addr, offset == QUEUE_DESC_HIGH, v);
            break;
        case QUEUE_DRIVER_LOW: case QUEUE_DRIVER_HIGH:
            if (idle_queue) set_half(idle_queue->avail_addr, offset == QUEUE_DRIVER_HIGH, v);
            break;
        case QUEUE_DEVICE_LOW: case QUEUE_DEVICE_HIGH:
            if (idle_queue) set_half(idle_queue->used_addr, offset == QUEUE_DEVICE_HIGH, v);
            break;
        default: break;  // read-only or unknown registers: writes have no effect
    }
}

void MmioTransport::reset() {
    for (Virtqueue& q : queues_) q.reset();
    status_ = isr_ = queue_sel_ = device_features_sel_ = driver_features_sel_ = 0;
    driver_features_ = 0;
    device_->reset();
    irq_(false);
}

void MmioTransport::set_status(uint32_t value) {
    if (value == 0) {
        ++counters_.device_resets;
        return reset();
    }
    value &= 0xff & ~kStatusNeedsReset;  // only the device sets NEEDS_RESET
    if ((value & kStatusFeaturesOk) && !(status_ & kStatusFeaturesOk)) {
        const uint64_t offered = device_->features() | kFeatureVersion1;
        if ((driver_features_ & ~offered) || !(driver_features_ & kFeatureVersion1)) {
            ++counters_.features_refused;
            log_.report("the driver accepted features the device did not offer, or not VERSION_1");
            value &= ~kStatusFeaturesOk;
        }
    }
    status_ = value | (status_ & kStatusNeedsReset);
}

bool MmioTransport::live() const { return (status_ & kStatusDriverOk) && !(status_ & kStatusNeedsReset); }

void MmioTransport::notify(uint32_t index) {
    const bool exists = index < device_->queue_count() && index < kMaxQueues;
    if (!exists || !queues_[index].ready() || !live()) {
        ++counters_.ignored_notifications;
        return;
    }
    ++counters_.queue_notifications;
    device_->queue_notified(index, *this);
}

unsigned MmioTransport::serve(unsigned index, const ChainHandler& handler, unsigned max) {
    if (index >= device_->queue_count() || index >= kMaxQueues || !live()) return 0;
    Virtqueue& q = queues_[index];
    unsigned served = 0;
    Chain chain;
    QueueFault fault = QueueFault::NONE;
    while (served < max && q.pop(memory_, chain, fault)) {
        ++counters_.requests;
        if (chain.fault != ChainFault::NONE) {
            ++counters_.malformed_chains;
            log_.report(chain_fault_name(chain.fault));
        }
        q.push_used(memory_, chain.head, handler(chain));
        ++served;
    }
    if (served && !q.interrupt_suppressed(memory_)) raise(kIsrUsedBuffer);
    if (fault != QueueFault::NONE) queue_broken(fault);
    return served;
}

void MmioTransport::raise(uint32_t isr_bits) {
    ++counters_.interrupts_raised;
    isr_ |= isr_bits;
    irq_(true);
}

void MmioTransport::queue_broken(QueueFault fault) {
    ++counters_.malformed_queues;
    log_.report(queue_fault_name(fault));
    status_ |= kStatusNeedsReset;
    raise(kIsrConfigChange);
}

void MmioTransport::each_counter(const CounterVisitor& visit) const {
#define COUNTER(field, description) visit(#field, counters_.field, description);
#include "hv/dev/virtio/transport_counters.def"
#undef COUNTER
    device_->each_counter(visit);
}

}  // namespace mipshv::virtio
