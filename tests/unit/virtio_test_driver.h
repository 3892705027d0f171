// A minimal virtio-mmio driver over a Bus, as the device unit tests
// (test_virtio_blk.cpp, test_virtio_net.cpp) use it: the device's register
// window in slot 0 reached through Bus::mmio_*, feature negotiation, queue
// registers, descriptor chains and rings in guest RAM. The device itself and
// its queue layout are the test's.
#pragma once
#include <catch2/catch.hpp>

#include <cstdint>
#include <vector>

#include "hv/board/bus.h"
#include "hv/board/memory_map.h"
#include "hv/dev/virtio/mmio_registers.h"

namespace virtio_test {

using namespace mipshv::virtio::mmio;

// The bus: 1 MiB of RAM by default, the low and high RAM limits, the
// device's register window (slot 0).
constexpr uint64_t kRam = 1 << 20, kLow = 256ull << 20, kHigh = 512ull << 20;
constexpr uint64_t kBase = mipshv::memory_map::virtio_slot(0).base,
                   kWindow = mipshv::memory_map::virtio_slot(0).size;

constexpr uint32_t S_ACK = 1, S_DRIVER = 2, S_DRIVER_OK = 4, S_FEATURES_OK = 8, S_NEEDS_RESET = 0x40;
constexpr uint32_t S_ALL = S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK;
constexpr uint64_t F_VERSION_1 = 1ull << 32;
constexpr uint16_t D_NEXT = 1, D_WRITE = 2, D_INDIRECT = 4;

// One buffer of a descriptor chain.
struct Seg {
    uint64_t addr;
    uint32_t len;
    bool writable;
};

// Where a queue's rings are in guest RAM.
struct Rings {
    uint64_t desc, avail, used;
};

struct Driver {
    mipshv::Bus bus;

    explicit Driver(uint64_t ram_bytes = kRam) : bus(ram_bytes, kLow, kHigh) {}

    uint32_t rd(uint64_t off) {
        uint64_t v = 0;
        REQUIRE(bus.mmio_read(kBase + off, 4, v));
        return uint32_t(v);
    }
    void wr(uint64_t off, uint32_t v) { REQUIRE(bus.mmio_write(kBase + off, 4, v)); }
    uint64_t config(uint64_t off, unsigned size) {
        uint64_t v = 0;
        REQUIRE(bus.mmio_read(kBase + CONFIG + off, size, v));
        return v;
    }

    uint64_t device_features() {
        wr(DEVICE_FEATURES_SEL, 0);
        const uint64_t lo = rd(DEVICE_FEATURES);
        wr(DEVICE_FEATURES_SEL, 1);
        return lo | uint64_t(rd(DEVICE_FEATURES)) << 32;
    }
    // ACKNOWLEDGE, DRIVER, the features, FEATURES_OK: whether it stuck.
    bool negotiate(uint64_t features) {
        wr(STATUS, S_ACK);
        wr(STATUS, S_ACK | S_DRIVER);
        wr(DRIVER_FEATURES_SEL, 0);
        wr(DRIVER_FEATURES, uint32_t(features));
        wr(DRIVER_FEATURES_SEL, 1);
        wr(DRIVER_FEATURES, uint32_t(features >> 32));
        wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
        return rd(STATUS) & S_FEATURES_OK;
    }
    // Selects queue q, sets its size and rings (below 4 GiB) and QueueReady.
    void queue_registers(unsigned q, uint32_t size, const Rings& r) {
        wr(QUEUE_SEL, q);
        wr(QUEUE_NUM, size);
        wr(QUEUE_DESC_LOW, uint32_t(r.desc));
        wr(QUEUE_DESC_HIGH, 0);
        wr(QUEUE_DRIVER_LOW, uint32_t(r.avail));
        wr(QUEUE_DRIVER_HIGH, 0);
        wr(QUEUE_DEVICE_LOW, uint32_t(r.used));
        wr(QUEUE_DEVICE_HIGH, 0);
        wr(QUEUE_READY, 1);
    }

    void put(uint64_t pa, const void* p, size_t n) { REQUIRE(bus.write(pa, p, n)); }
    void fill(uint64_t pa, uint8_t byte, size_t n) {
        const std::vector<uint8_t> v(n, byte);
        put(pa, v.data(), n);
    }
    std::vector<uint8_t> get(uint64_t pa, size_t n) {
        std::vector<uint8_t> v(n);
        REQUIRE(bus.read(pa, v.data(), n));
        return v;
    }
    template <typename T>
    T get_as(uint64_t pa) {
        T v{};
        REQUIRE(bus.read(pa, &v, sizeof v));
        return v;
    }

    // Writes `segs` as a chain at descriptors first, first + 1, ... of the
    // table at `desc` (NEXT on all but the last, WRITE on writable ones).
    void write_chain(uint64_t desc, uint16_t first, const std::vector<Seg>& segs) {
        for (size_t i = 0; i < segs.size(); ++i) {
            const bool more = i + 1 < segs.size();
            struct {
                uint64_t addr;
                uint32_t len;
                uint16_t flags, next;
            } d{segs[i].addr, segs[i].len, uint16_t((more ? D_NEXT : 0) | (segs[i].writable ? D_WRITE : 0)),
                uint16_t(first + i + 1)};
            put(desc + 16 * (first + i), &d, 16);
        }
    }
    // Makes `head` available in the ring at `avail` of a queue of `size`
    // entries, advancing the driver's index `idx`.
    void make_available(uint64_t avail, uint32_t size, uint16_t& idx, uint16_t head) {
        put(avail + 4 + 2 * (idx % size), &head, 2);
        ++idx;
        put(avail + 2, &idx, 2);
    }
    // The used ring at `used` of a queue of `size` entries: its index, the
    // head and length of its element i.
    uint16_t ring_used_idx(uint64_t used) { return get_as<uint16_t>(used + 2); }
    uint32_t ring_used_id(uint64_t used, uint32_t size, uint16_t i) { return get_as<uint32_t>(used + 4 + 8 * (i % size)); }
    uint32_t ring_used_len(uint64_t used, uint32_t size, uint16_t i) { return get_as<uint32_t>(used + 8 + 8 * (i % size)); }
};

}  // namespace virtio_test
