#include "hv/dev/virtio/virtqueue.h"

#include <algorithm>

namespace mipshv::virtio {

namespace {
// Ring layout (virtio 1.x); all fields little-endian, like the host.
constexpr uint64_t kDescSize = 16, kAvailRingOffset = 4, kUsedRingOffset = 4, kUsedElemSize = 8;
constexpr uint16_t kDescNext = 1, kDescWrite = 2, kDescIndirect = 4;
constexpr uint16_t kAvailNoInterrupt = 1;

struct Desc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
static_assert(sizeof(Desc) == kDescSize);

uint64_t avail_bytes(uint32_t size) { return 6 + 2ull * size; }
uint64_t used_bytes(uint32_t size) { return 6 + kUsedElemSize * size; }
}  // namespace

const char* queue_fault_name(QueueFault f) {
    switch (f) {
        case QueueFault::NONE: return "none";
        case QueueFault::BAD_SIZE: return "queue size 0, not a power of two, or above the maximum";
        case QueueFault::RING_MISALIGNED: return "ring address not aligned";
        case QueueFault::RING_OUTSIDE_RAM: return "ring outside RAM";
        case QueueFault::AVAIL_INDEX_JUMP: return "available index more than the queue size ahead";
        case QueueFault::DESCRIPTOR_INDEX: return "descriptor index at or above the queue size";
        case QueueFault::CHAIN_TOO_LONG: return "descriptor chain longer than the queue (a loop?)";
        case QueueFault::INDIRECT_DESCRIPTOR: return "indirect descriptor (not offered)";
    }
    return "?";
}

const char* chain_fault_name(ChainFault f) {
    switch (f) {
        case ChainFault::NONE: return "none";
        case ChainFault::BUFFER_OUTSIDE_RAM: return "buffer outside RAM";
        case ChainFault::ZERO_LENGTH_BUFFER: return "zero-length buffer";
        case ChainFault::READABLE_AFTER_WRITABLE: return "device-readable buffer after a device-writable one";
    }
    return "?";
}

uint64_t Chain::readable_bytes() const {
    uint64_t n = 0;
    for (const Buffer& b : buffers) n += b.device_writable ? 0 : b.len;
    return n;
}

uint64_t Chain::writable_bytes() const {
    uint64_t n = 0;
    for (const Buffer& b : buffers) n += b.device_writable ? b.len : 0;
    return n;
}

QueueFault Virtqueue::enable(const Bus& bus) {
    if (size == 0 || size > kMaxSize || (size & (size - 1))) return QueueFault::BAD_SIZE;
    if (desc_addr % 16 || avail_addr % 2 || used_addr % 4) return QueueFault::RING_MISALIGNED;
    if (!bus.is_guest_ram(desc_addr, kDescSize * size) || !bus.is_guest_ram(avail_addr, avail_bytes(size)) ||
        !bus.is_guest_ram(used_addr, used_bytes(size)))
        return QueueFault::RING_OUTSIDE_RAM;
    ready_ = true;
    last_avail_ = used_idx_ = 0;
    return QueueFault::NONE;
}

void Virtqueue::reset() {
    *this = Virtqueue{};
}

bool Virtqueue::pop(Bus& bus, Chain& chain, QueueFault& fault) {
    fault = QueueFault::NONE;
    if (!ready_) return false;
    uint16_t avail_idx = 0;
    bus.read(avail_addr + 2, &avail_idx, 2);
    const uint16_t pending = uint16_t(avail_idx - last_avail_);
    if (pending == 0) return false;
    if (pending > size) return fault = QueueFault::AVAIL_INDEX_JUMP, false;
    uint16_t index = 0;
    bus.read(avail_addr + kAvailRingOffset + 2ull * (last_avail_ % size), &index, 2);
    chain = Chain{};
    chain.head = index;
    for (uint32_t count = 0;; ++count) {
        if (index >= size) return fault = QueueFault::DESCRIPTOR_INDEX, false;
        if (count == size) return fault = QueueFault::CHAIN_TOO_LONG, false;
        Desc d{};
        bus.read(desc_addr + kDescSize * index, &d, kDescSize);
        if (d.flags & kDescIndirect) return fault = QueueFault::INDIRECT_DESCRIPTOR, false;
        const bool writable = d.flags & kDescWrite;
        ChainFault bad = ChainFault::NONE;
        if (d.len == 0) bad = ChainFault::ZERO_LENGTH_BUFFER;
        else if (!bus.is_guest_ram(d.addr, d.len)) bad = ChainFault::BUFFER_OUTSIDE_RAM;
        else if (!writable && !chain.buffers.empty() && chain.buffers.back().device_writable)
            bad = ChainFault::READABLE_AFTER_WRITABLE;
        if (chain.fault == ChainFault::NONE) chain.fault = bad;
        chain.buffers.push_back({d.addr, d.len, writable});
        if (!(d.flags & kDescNext)) break;
        index = d.next;
    }
    ++last_avail_;
    return true;
}

void Virtqueue::push_used(Bus& bus, uint16_t head, uint32_t written) {
    const uint32_t elem[2] = {head, written};
    bus.write(used_addr + kUsedRingOffset + kUsedElemSize * (used_idx_ % size), elem, sizeof elem);
    ++used_idx_;
    bus.write(used_addr + 2, &used_idx_, 2);
}

bool Virtqueue::interrupt_suppressed(Bus& bus) const {
    uint16_t flags = 0;
    bus.read(avail_addr, &flags, 2);
    return flags & kAvailNoInterrupt;
}

bool ChainCursor::read(void* dst, uint64_t len) { return advance(false, dst, len); }

bool ChainCursor::write(const void* src, uint64_t len) { return advance(true, const_cast<void*>(src), len); }

// Moves `len` bytes through the buffers of one direction, copying when `io` is set.
bool ChainCursor::advance(bool writable, void* io, uint64_t len) {
    size_t& i = index_[writable];
    uint64_t& off = offset_[writable];
    auto* p = static_cast<uint8_t*>(io);
    while (len > 0) {
        while (i < chain_.buffers.size() && (chain_.buffers[i].device_writable != writable || off == chain_.buffers[i].len)) {
            ++i;
            off = 0;
        }
        if (i == chain_.buffers.size()) return false;
        const Buffer& b = chain_.buffers[i];
        const uint64_t n = std::min<uint64_t>(len, b.len - off);
        if (p) {
            const bool ok = writable ? bus_.write(b.addr + off, p, n) : bus_.read(b.addr + off, p, n);
            if (!ok) return false;
            p += n;
        }
        off += n;
        len -= n;
    }
    return true;
}

}  // namespace mipshv::virtio
