// The split virtqueue (hv/dev/virtio/virtqueue.h) against rings built by
// hand in guest RAM: enabling checks, chain walking, every queue and chain
// fault MANUAL.md §3 lists, the used ring, 16-bit index wrap-around, and
// the byte cursor devices use on a chain.
#include <catch2/catch.hpp>

#include <cstring>
#include <vector>

#include "hv/board/bus.h"
#include "hv/dev/virtio/virtqueue.h"

using namespace mipshv;
using namespace mipshv::virtio;

namespace {

constexpr uint64_t kRam = 1 << 20, kLow = 256ull << 20, kHigh = 512ull << 20;
constexpr uint64_t kDesc = 0x1000, kAvail = 0x2000, kUsed = 0x3000;
constexpr uint16_t F_NEXT = 1, F_WRITE = 2, F_INDIRECT = 4;

struct RawDesc {
    uint64_t addr;
    uint32_t len;
    uint16_t flags, next;
};
static_assert(sizeof(RawDesc) == 16);

// One queue over 1 MiB of RAM, with the driver's side done by hand.
struct Ring {
    Bus bus{kRam, kLow, kHigh};
    Virtqueue q;
    uint16_t avail_idx = 0;

    explicit Ring(uint32_t size = 8) {
        q.size = size;
        q.desc_addr = kDesc;
        q.avail_addr = kAvail;
        q.used_addr = kUsed;
    }
    void enable() { REQUIRE(q.enable(bus) == QueueFault::NONE); }

    void put16(uint64_t pa, uint16_t v) { REQUIRE(bus.write(pa, &v, 2)); }
    uint16_t get16(uint64_t pa) {
        uint16_t v = 0;
        REQUIRE(bus.read(pa, &v, 2));
        return v;
    }
    uint32_t get32(uint64_t pa) {
        uint32_t v = 0;
        REQUIRE(bus.read(pa, &v, 4));
        return v;
    }

    void desc(uint16_t i, uint64_t addr, uint32_t len, uint16_t flags = 0, uint16_t next = 0) {
        const RawDesc d{addr, len, flags, next};
        REQUIRE(bus.write(kDesc + 16ull * i, &d, 16));
    }
    // Makes the chain at `head` available.
    void offer(uint16_t head) {
        put16(kAvail + 4 + 2ull * (avail_idx % q.size), head);
        set_avail_idx(uint16_t(avail_idx + 1));
    }
    void set_avail_idx(uint16_t v) {
        avail_idx = v;
        put16(kAvail + 2, v);
    }
    uint16_t used_idx() { return get16(kUsed + 2); }
    uint32_t used_id(uint32_t slot) { return get32(kUsed + 4 + 8ull * slot); }
    uint32_t used_len(uint32_t slot) { return get32(kUsed + 8 + 8ull * slot); }

    // pop(), expecting a queue fault.
    QueueFault pop_fault() {
        Chain c;
        QueueFault f = QueueFault::NONE;
        CHECK_FALSE(q.pop(bus, c, f));
        return f;
    }
    // pop(), expecting a chain.
    Chain pop_chain() {
        Chain c;
        QueueFault f = QueueFault::NONE;
        REQUIRE(q.pop(bus, c, f));
        REQUIRE(f == QueueFault::NONE);
        return c;
    }
};

QueueFault enable_with(uint32_t size, uint64_t desc, uint64_t avail, uint64_t used) {
    Bus bus(kRam, kLow, kHigh);
    Virtqueue q;
    q.size = size;
    q.desc_addr = desc;
    q.avail_addr = avail;
    q.used_addr = used;
    const QueueFault f = q.enable(bus);
    CHECK(q.ready() == (f == QueueFault::NONE));
    return f;
}

}  // namespace

TEST_CASE("virtqueue: enable checks the queue size", "[virtio]") {
    for (uint32_t bad : {0u, 3u, 6u, 255u, 512u, 1024u, 65536u, 0x80000000u}) {
        INFO(bad);
        CHECK(enable_with(bad, kDesc, kAvail, kUsed) == QueueFault::BAD_SIZE);
    }
    for (uint32_t good : {1u, 2u, 4u, 128u, 256u}) {
        INFO(good);
        CHECK(enable_with(good, kDesc, kAvail, kUsed) == QueueFault::NONE);
    }
}

TEST_CASE("virtqueue: enable checks ring alignment", "[virtio]") {
    CHECK(enable_with(8, kDesc + 8, kAvail, kUsed) == QueueFault::RING_MISALIGNED);
    CHECK(enable_with(8, kDesc + 4, kAvail, kUsed) == QueueFault::RING_MISALIGNED);
    CHECK(enable_with(8, kDesc, kAvail + 1, kUsed) == QueueFault::RING_MISALIGNED);
    CHECK(enable_with(8, kDesc, kAvail, kUsed + 2) == QueueFault::RING_MISALIGNED);
    CHECK(enable_with(8, kDesc, kAvail, kUsed + 1) == QueueFault::RING_MISALIGNED);
    // The minimum alignments are enough.
    CHECK(enable_with(8, kDesc + 16, kAvail + 2, kUsed + 4) == QueueFault::NONE);
}

TEST_CASE("virtqueue: enable checks that each ring lies wholly in RAM", "[virtio]") {
    const uint32_t n = 8;
    // Descriptor table: 16 * n bytes.
    CHECK(enable_with(n, kRam - 16 * n, kAvail, kUsed) == QueueFault::NONE);
    CHECK(enable_with(n, kRam - 16 * n + 16, kAvail, kUsed) == QueueFault::RING_OUTSIDE_RAM);
    // Available ring: 6 + 2n bytes.
    CHECK(enable_with(n, kDesc, kRam - (6 + 2 * n), kUsed) == QueueFault::NONE);
    CHECK(enable_with(n, kDesc, kRam - (6 + 2 * n) + 2, kUsed) == QueueFault::RING_OUTSIDE_RAM);
    // Used ring: 6 + 8n bytes.
    CHECK(enable_with(n, kDesc, kAvail, kRam - 8 * n - 8) == QueueFault::NONE);
    CHECK(enable_with(n, kDesc, kAvail, kRam - 8 * n) == QueueFault::RING_OUTSIDE_RAM);
    // Wholly outside: past RAM, in the MMIO hole, in an absent high window, wrapping.
    CHECK(enable_with(n, kRam, kAvail, kUsed) == QueueFault::RING_OUTSIDE_RAM);
    CHECK(enable_with(n, kDesc, 0x1fe00000, kUsed) == QueueFault::RING_OUTSIDE_RAM);
    CHECK(enable_with(n, kDesc, kAvail, kHigh) == QueueFault::RING_OUTSIDE_RAM);
    CHECK(enable_with(n, 0xfffffffffffffff0ull, kAvail, kUsed) == QueueFault::RING_OUTSIDE_RAM);
}

TEST_CASE("virtqueue: memory kept from the guest is not RAM for rings or buffers", "[virtio]") {
    Ring r(8);
    r.bus.keep_from_guest(0x40000, 0x10000);
    SECTION("rings") {
        r.q.desc_addr = 0x40000;
        CHECK(r.q.enable(r.bus) == QueueFault::RING_OUTSIDE_RAM);
        r.q.desc_addr = 0x40000 - 0x40;  // 8 descriptors, the last 64 bytes inside
        CHECK(r.q.enable(r.bus) == QueueFault::RING_OUTSIDE_RAM);
        r.q.desc_addr = kDesc;
        r.q.used_addr = 0x4fff0;
        CHECK(r.q.enable(r.bus) == QueueFault::RING_OUTSIDE_RAM);
        r.q.used_addr = 0x50000;  // right after it
        CHECK(r.q.enable(r.bus) == QueueFault::NONE);
    }
    SECTION("buffers") {
        r.enable();
        r.desc(0, 0x10000, 16, F_NEXT, 1);
        r.desc(1, 0x48000, 512, F_WRITE);
        r.desc(2, 0x3ff00, 0x200, F_WRITE);
        r.desc(3, 0x3fe00, 0x200, F_WRITE);
        r.offer(0);
        r.offer(2);
        r.offer(3);
        CHECK(r.pop_chain().fault == ChainFault::BUFFER_OUTSIDE_RAM);
        CHECK(r.pop_chain().fault == ChainFault::BUFFER_OUTSIDE_RAM);
        CHECK(r.pop_chain().fault == ChainFault::NONE);  // ends right at the kept range
    }
}

TEST_CASE("virtqueue: chains pop in order with their buffers and directions", "[virtio]") {
    Ring r(8);
    Chain c;
    QueueFault f = QueueFault::INDIRECT_DESCRIPTOR;
    CHECK_FALSE(r.q.pop(r.bus, c, f));  // not enabled yet
    CHECK(f == QueueFault::NONE);
    r.enable();
    CHECK(r.q.ready());
    CHECK_FALSE(r.q.pop(r.bus, c, f));  // nothing available
    CHECK(f == QueueFault::NONE);

    // A: 0 -> 1 -> 2 (R 16, W 512, W 1); B: 5 alone (R 32); C: 3 -> 7 (R 100, W 7).
    r.desc(0, 0x10000, 16, F_NEXT, 1);
    r.desc(1, 0x11000, 512, F_NEXT | F_WRITE, 2);
    r.desc(2, 0x12000, 1, F_WRITE);
    r.desc(5, 0x13000, 32);
    r.desc(3, 0x14000, 100, F_NEXT, 7);
    r.desc(7, 0x15000, 7, F_WRITE);
    r.offer(0);
    r.offer(5);
    r.offer(3);

    const Chain a = r.pop_chain();
    CHECK(a.head == 0);
    CHECK(a.fault == ChainFault::NONE);
    REQUIRE(a.buffers.size() == 3);
    CHECK(a.buffers[0].addr == 0x10000);
    CHECK(a.buffers[0].len == 16);
    CHECK_FALSE(a.buffers[0].device_writable);
    CHECK(a.buffers[1].addr == 0x11000);
    CHECK(a.buffers[1].len == 512);
    CHECK(a.buffers[1].device_writable);
    CHECK(a.buffers[2].addr == 0x12000);
    CHECK(a.buffers[2].len == 1);
    CHECK(a.buffers[2].device_writable);
    CHECK(a.readable_bytes() == 16);
    CHECK(a.writable_bytes() == 513);

    const Chain b = r.pop_chain();
    CHECK(b.head == 5);
    REQUIRE(b.buffers.size() == 1);
    CHECK(b.buffers[0].addr == 0x13000);
    CHECK(b.buffers[0].len == 32);
    CHECK_FALSE(b.buffers[0].device_writable);
    CHECK(b.writable_bytes() == 0);

    const Chain c3 = r.pop_chain();
    CHECK(c3.head == 3);
    REQUIRE(c3.buffers.size() == 2);
    CHECK(c3.buffers[0].addr == 0x14000);
    CHECK(c3.buffers[1].addr == 0x15000);
    CHECK(c3.buffers[1].len == 7);
    CHECK(c3.buffers[1].device_writable);

    CHECK_FALSE(r.q.pop(r.bus, c, f));
    CHECK(f == QueueFault::NONE);
    // Popping does not touch the used ring.
    CHECK(r.used_idx() == 0);
}

TEST_CASE("virtqueue: a chain as long as the queue is fine, one longer is a loop", "[virtio]") {
    Ring r(4);
    r.enable();
    SECTION("exactly the queue size") {
        for (uint16_t i = 0; i < 3; ++i) r.desc(i, 0x10000 + 0x100 * i, 8, F_NEXT, uint16_t(i + 1));
        r.desc(3, 0x10300, 8, F_WRITE);
        r.offer(0);
        const Chain c = r.pop_chain();
        CHECK(c.buffers.size() == 4);
        CHECK(c.buffers[3].device_writable);
    }
    SECTION("queue size + 1 (0 1 2 3 0)") {
        for (uint16_t i = 0; i < 4; ++i) r.desc(i, 0x10000 + 0x100 * i, 8, F_NEXT, uint16_t((i + 1) % 4));
        r.offer(0);
        CHECK(r.pop_fault() == QueueFault::CHAIN_TOO_LONG);
    }
    SECTION("0 -> 1 -> 0") {
        r.desc(0, 0x10000, 8, F_NEXT, 1);
        r.desc(1, 0x10100, 8, F_NEXT, 0);
        r.offer(0);
        CHECK(r.pop_fault() == QueueFault::CHAIN_TOO_LONG);
        // The queue stays broken: the same chain is never handed out.
        CHECK(r.pop_fault() == QueueFault::CHAIN_TOO_LONG);
    }
    SECTION("a descriptor pointing at itself, in a queue of 256") {
        Ring big(256);
        big.enable();
        big.desc(9, 0x10000, 8, F_NEXT | F_WRITE, 9);
        big.offer(9);
        CHECK(big.pop_fault() == QueueFault::CHAIN_TOO_LONG);
    }
}

TEST_CASE("virtqueue: available index more than the queue size ahead", "[virtio]") {
    Ring r(4);
    r.enable();
    for (uint16_t i = 0; i < 4; ++i) r.desc(i, 0x10000, 8);
    SECTION("size + 1 ahead") {
        r.set_avail_idx(5);
        CHECK(r.pop_fault() == QueueFault::AVAIL_INDEX_JUMP);
    }
    SECTION("far ahead (or behind)") {
        r.set_avail_idx(0xffff);
        CHECK(r.pop_fault() == QueueFault::AVAIL_INDEX_JUMP);
    }
    SECTION("exactly size ahead is a full ring") {
        for (uint16_t i = 0; i < 4; ++i) r.put16(kAvail + 4 + 2 * i, uint16_t(3 - i));
        r.set_avail_idx(4);
        for (uint16_t i = 0; i < 4; ++i) CHECK(r.pop_chain().head == 3 - i);
        Chain c;
        QueueFault f;
        CHECK_FALSE(r.q.pop(r.bus, c, f));
        CHECK(f == QueueFault::NONE);
    }
}

TEST_CASE("virtqueue: descriptor indices at or above the queue size", "[virtio]") {
    Ring r(8);
    r.enable();
    SECTION("head") {
        r.desc(8, 0x10000, 8);  // in RAM, but past the table
        r.offer(8);
        CHECK(r.pop_fault() == QueueFault::DESCRIPTOR_INDEX);
    }
    SECTION("head 0xffff") {
        r.offer(0xffff);
        CHECK(r.pop_fault() == QueueFault::DESCRIPTOR_INDEX);
    }
    SECTION("next") {
        r.desc(0, 0x10000, 8, F_NEXT, 8);
        r.offer(0);
        CHECK(r.pop_fault() == QueueFault::DESCRIPTOR_INDEX);
    }
    SECTION("next in the second chain, after a good one") {
        r.desc(0, 0x10000, 8);
        r.desc(1, 0x10000, 8, F_NEXT, 2);
        r.desc(2, 0x10000, 8, F_NEXT, 100);
        r.offer(0);
        r.offer(1);
        CHECK(r.pop_chain().head == 0);
        CHECK(r.pop_fault() == QueueFault::DESCRIPTOR_INDEX);
    }
}

TEST_CASE("virtqueue: indirect descriptors are not offered", "[virtio]") {
    Ring r(8);
    r.enable();
    SECTION("head") {
        r.desc(0, 0x10000, 32, F_INDIRECT);
        r.offer(0);
        CHECK(r.pop_fault() == QueueFault::INDIRECT_DESCRIPTOR);
    }
    SECTION("inside a chain") {
        r.desc(0, 0x10000, 16, F_NEXT, 1);
        r.desc(1, 0x10000, 32, F_INDIRECT | F_WRITE);
        r.offer(0);
        CHECK(r.pop_fault() == QueueFault::INDIRECT_DESCRIPTOR);
    }
}

TEST_CASE("virtqueue: chain faults fail only that chain", "[virtio]") {
    Ring r(8);
    r.enable();
    SECTION("buffer wholly outside RAM") {
        r.desc(0, 0x10000, 16, F_NEXT, 1);
        r.desc(1, kRam + 0x1000, 512, F_NEXT | F_WRITE, 2);
        r.desc(2, 0x12000, 1, F_WRITE);
        r.offer(0);
        const Chain c = r.pop_chain();
        CHECK(c.fault == ChainFault::BUFFER_OUTSIDE_RAM);
        CHECK(c.buffers.size() == 3);  // the whole chain is still walked
    }
    SECTION("buffer partly outside RAM") {
        r.desc(0, kRam - 8, 16);
        r.offer(0);
        CHECK(r.pop_chain().fault == ChainFault::BUFFER_OUTSIDE_RAM);
    }
    SECTION("buffer in MMIO space") {
        r.desc(0, 0x1fe00000, 4, F_WRITE);
        r.offer(0);
        CHECK(r.pop_chain().fault == ChainFault::BUFFER_OUTSIDE_RAM);
    }
    SECTION("buffer whose end wraps around") {
        r.desc(0, 0xffffffffffffff00ull, 0x200);
        r.offer(0);
        CHECK(r.pop_chain().fault == ChainFault::BUFFER_OUTSIDE_RAM);
    }
    SECTION("zero-length buffer") {
        r.desc(0, 0x10000, 16, F_NEXT, 1);
        r.desc(1, 0x11000, 0, F_NEXT | F_WRITE, 2);
        r.desc(2, 0x12000, 1, F_WRITE);
        r.offer(0);
        const Chain c = r.pop_chain();
        CHECK(c.fault == ChainFault::ZERO_LENGTH_BUFFER);
        CHECK(c.buffers.size() == 3);
    }
    SECTION("zero-length buffer outside RAM") {
        r.desc(0, kRam + 0x1000, 0);
        r.offer(0);
        CHECK(r.pop_chain().fault == ChainFault::ZERO_LENGTH_BUFFER);
    }
    SECTION("device-readable after device-writable") {
        r.desc(0, 0x10000, 16, F_NEXT, 1);
        r.desc(1, 0x11000, 8, F_NEXT | F_WRITE, 2);
        r.desc(2, 0x12000, 8, F_NEXT, 3);
        r.desc(3, 0x13000, 1, F_WRITE);
        r.offer(0);
        const Chain c = r.pop_chain();
        CHECK(c.fault == ChainFault::READABLE_AFTER_WRITABLE);
        CHECK(c.buffers.size() == 4);
    }
    SECTION("the first fault is the one reported") {
        r.desc(0, 0x10000, 0, F_NEXT, 1);           // zero length
        r.desc(1, kRam, 8, F_NEXT | F_WRITE, 2);    // outside RAM
        r.desc(2, 0x12000, 8);                      // readable after writable
        r.offer(0);
        CHECK(r.pop_chain().fault == ChainFault::ZERO_LENGTH_BUFFER);
    }
    // Either way the next chain is served normally.
    r.desc(6, 0x16000, 4, F_WRITE);
    r.offer(6);
    const Chain next = r.pop_chain();
    CHECK(next.head == 6);
    CHECK(next.fault == ChainFault::NONE);
}

TEST_CASE("virtqueue: push_used writes the element, then the index", "[virtio]") {
    Ring r(4);
    r.enable();
    r.desc(2, 0x10000, 8, F_WRITE);
    r.desc(1, 0x10000, 8, F_WRITE);
    r.offer(2);
    r.offer(1);
    CHECK(r.pop_chain().head == 2);
    r.q.push_used(r.bus, 2, 0x1234);
    CHECK(r.used_idx() == 1);
    CHECK(r.used_id(0) == 2);
    CHECK(r.used_len(0) == 0x1234);
    CHECK(r.pop_chain().head == 1);
    r.q.push_used(r.bus, 1, 7);
    CHECK(r.used_idx() == 2);
    CHECK(r.used_id(1) == 1);
    CHECK(r.used_len(1) == 7);
    CHECK(r.used_id(0) == 2);  // untouched
    // Used flags (the first 16 bits) are the device's and stay 0.
    CHECK(r.get16(kUsed) == 0);
}

TEST_CASE("virtqueue: 16-bit ring indices wrap around", "[virtio]") {
    // 23334 rounds of 3 requests = 70002 requests on a queue of 4: both
    // indices pass 65535 with requests pending across the wrap.
    Ring r(4);
    r.enable();
    for (uint16_t i = 0; i < 4; ++i) r.desc(i, 0x10000 + 0x100 * i, 16 + i, i % 2 ? F_WRITE : 0);
    uint32_t served = 0, wrong_head = 0, wrong_buffer = 0, wrong_used = 0;
    for (uint32_t round = 0; round < 23334; ++round) {
        for (uint32_t k = 0; k < 3; ++k) r.offer(uint16_t((served + k) % 4));
        for (uint32_t k = 0; k < 3; ++k, ++served) {
            Chain c;
            QueueFault f = QueueFault::NONE;
            if (!r.q.pop(r.bus, c, f) || f != QueueFault::NONE) {
                FAIL("pop failed at request " << served << " fault " << queue_fault_name(f));
            }
            const uint16_t want = uint16_t(served % 4);
            wrong_head += c.head != want;
            wrong_buffer += c.buffers.size() != 1 || c.buffers[0].addr != 0x10000u + 0x100u * want ||
                            c.buffers[0].len != 16u + want || c.buffers[0].device_writable != bool(want % 2);
            r.q.push_used(r.bus, c.head, served);
            wrong_used += r.used_idx() != uint16_t(served + 1) || r.used_id(served % 4) != want ||
                          r.used_len(served % 4) != served;
        }
        Chain c;
        QueueFault f = QueueFault::NONE;
        if (r.q.pop(r.bus, c, f) || f != QueueFault::NONE) FAIL("a chain appeared from nowhere after " << served);
    }
    CHECK(served == 70002);
    CHECK(wrong_head == 0);
    CHECK(wrong_buffer == 0);
    CHECK(wrong_used == 0);
    CHECK(r.used_idx() == uint16_t(70002));
    CHECK(r.avail_idx == uint16_t(70002));
    // After the wrap, the jump check still measures modulo 2^16.
    r.set_avail_idx(uint16_t(r.avail_idx + 4));
    for (uint16_t i = 0; i < 4; ++i) r.put16(kAvail + 4 + 2 * i, i);
    for (int i = 0; i < 4; ++i) r.pop_chain();
    r.set_avail_idx(uint16_t(r.avail_idx + 5));
    CHECK(r.pop_fault() == QueueFault::AVAIL_INDEX_JUMP);
}

TEST_CASE("virtqueue: interrupt suppression follows the available ring's flags", "[virtio]") {
    Ring r(8);
    r.enable();
    CHECK_FALSE(r.q.interrupt_suppressed(r.bus));
    r.put16(kAvail, 1);  // VIRTQ_AVAIL_F_NO_INTERRUPT
    CHECK(r.q.interrupt_suppressed(r.bus));
    r.put16(kAvail, 2);  // some other bit
    CHECK_FALSE(r.q.interrupt_suppressed(r.bus));
    r.put16(kAvail, 0xffff);
    CHECK(r.q.interrupt_suppressed(r.bus));
    r.put16(kAvail, 0);
    CHECK_FALSE(r.q.interrupt_suppressed(r.bus));
}

TEST_CASE("virtqueue: the chain cursor reads and writes across buffers", "[virtio]") {
    Bus bus(kRam, kLow, kHigh);
    std::vector<uint8_t> src(16);
    for (size_t i = 0; i < src.size(); ++i) src[i] = uint8_t(0x40 + i);
    REQUIRE(bus.write(0x9000, src.data(), 3));      // readable 1: bytes 0..2
    REQUIRE(bus.write(0x9100, src.data() + 3, 5));  // readable 2: bytes 3..7
    Chain chain;
    chain.buffers = {{0x9000, 3, false}, {0xa000, 4, true}, {0x9100, 5, false}, {0xa100, 4, true}};
    CHECK(chain.readable_bytes() == 8);
    CHECK(chain.writable_bytes() == 8);

    ChainCursor cur(bus, chain);
    uint8_t got[8] = {};
    REQUIRE(cur.read(got, 2));
    CHECK(got[0] == 0x40);
    CHECK(got[1] == 0x41);
    REQUIRE(cur.read(got, 4));  // crosses from the first readable buffer to the second
    CHECK(std::vector<uint8_t>(got, got + 4) == std::vector<uint8_t>{0x42, 0x43, 0x44, 0x45});
    REQUIRE(cur.read(got, 2));
    CHECK(got[0] == 0x46);
    CHECK(got[1] == 0x47);
    CHECK_FALSE(cur.read(got, 1));  // the readable part is used up

    const uint8_t out[8] = {1, 2, 3, 4, 5, 6, 7, 8};
    REQUIRE(cur.write(out, 6));  // fills 0xa000..3 and 0xa100..1
    REQUIRE(cur.write(out + 6, 2));
    CHECK_FALSE(cur.write(out, 1));  // the writable part is full
    uint8_t w1[4], w2[4];
    REQUIRE(bus.read(0xa000, w1, 4));
    REQUIRE(bus.read(0xa100, w2, 4));
    CHECK(std::vector<uint8_t>(w1, w1 + 4) == std::vector<uint8_t>{1, 2, 3, 4});
    CHECK(std::vector<uint8_t>(w2, w2 + 4) == std::vector<uint8_t>{5, 6, 7, 8});
    // The readable buffers were not written.
    uint8_t r1[3];
    REQUIRE(bus.read(0x9000, r1, 3));
    CHECK(r1[0] == 0x40);

    SECTION("a read longer than what is left fails") {
        ChainCursor c2(bus, chain);
        uint8_t big[9];
        CHECK_FALSE(c2.read(big, 9));
    }
    SECTION("skip_readable moves through the readable part only") {
        ChainCursor c2(bus, chain);
        REQUIRE(c2.skip_readable(7));
        REQUIRE(c2.read(got, 1));
        CHECK(got[0] == 0x47);
        CHECK_FALSE(c2.skip_readable(1));
        REQUIRE(c2.write(out, 8));  // the writable side has its own position
    }
    SECTION("an empty chain has nothing to read or write") {
        Chain empty;
        ChainCursor c2(bus, empty);
        CHECK_FALSE(c2.read(got, 1));
        CHECK_FALSE(c2.write(out, 1));
        CHECK(c2.read(got, 0));  // nothing asked, nothing refused
    }
    SECTION("a buffer outside RAM stops the cursor") {
        Chain bad;
        bad.buffers = {{0x9000, 3, false}, {kRam - 2, 4, false}, {kRam + 0x100, 4, true}};
        ChainCursor c2(bus, bad);
        REQUIRE(c2.read(got, 3));
        CHECK_FALSE(c2.read(got, 3));  // 2 bytes in RAM, 1 past its end
        CHECK_FALSE(c2.write(out, 1));
    }
}
