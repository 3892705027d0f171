// virtio-net over virtio-mmio (hv/dev/virtio/net.h, mmio_transport.h) driven
// the way a guest driver does it: registers through Bus::mmio_*, rings and
// buffers in guest RAM, the card connected to sinks that record what reaches
// the network and the capture. Queue 0 receives, queue 1 transmits; every
// frame carries the 12-byte virtio_net_hdr in guest memory.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "hv/board/bus.h"
#include "hv/board/memory_map.h"
#include "hv/dev/virtio/mmio_registers.h"
#include "hv/dev/virtio/mmio_transport.h"
#include "hv/dev/virtio/net.h"
#include "virtio_test_driver.h"

using namespace mipshv;
using namespace mipshv::virtio;

namespace {

using namespace virtio_test;
constexpr uint64_t F_CSUM = 1ull << 0, F_MAC = 1ull << 5, F_STATUS = 1ull << 16, F_MRG_RXBUF = 1ull << 15;
constexpr unsigned RX = 0, TX = 1;
constexpr size_t kHdr = 12;

// Guest RAM layout: rings of both queues, then buffers.
constexpr Rings kRings[2] = {{0x1000, 0x2000, 0x3000}, {0x4000, 0x5000, 0x6000}};
constexpr uint64_t kTxBuf = 0x10000;   // transmitted frames (up to 0x20000 bytes)
constexpr uint64_t kRxBuf = 0x40000;   // receive buffers: 0x800 each, up to 256 of them
constexpr uint64_t kRxStride = 0x800;
constexpr uint32_t kQueueSize = 256;

// A frame of `len` bytes: destination, source, EtherType 0x88b5 (local
// experimental), then bytes (seed + i * 13).
std::vector<uint8_t> frame(size_t len, uint8_t seed = 0) {
    std::vector<uint8_t> f(len);
    for (size_t i = 0; i < len; ++i) f[i] = uint8_t(seed + i * 13);
    const uint8_t head[14] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02, 0x52, 0x54, 0x00, 0x12, 0x34, 0x56, 0x88, 0xb5};
    std::memcpy(f.data(), head, std::min<size_t>(len, 14));
    return f;
}

// One virtio-net card on a bus of 1 MiB RAM, and a minimal driver for it.
struct Nic : Driver {
    std::unique_ptr<MmioTransport> transport;
    NetDevice* card = nullptr;
    bool irq = false;
    unsigned irq_raises = 0;
    std::vector<std::vector<uint8_t>> sent, captured;  // what reached the network, the capture
    std::function<void(const uint8_t*, size_t)> on_send;  // called after recording a sent frame
    uint64_t network_errors = 0;
    uint16_t avail_idx[2] = {0, 0};
    uint16_t used_seen[2] = {0, 0};
    uint16_t next_desc[2] = {0, 0};

    explicit Nic(MacAddress mac = default_mac(0), bool connect = true) : Driver(kRam) {
        auto dev = std::make_unique<NetDevice>("eth0", mac, bus);
        card = dev.get();
        if (connect)
            card->connect(
                [this](const uint8_t* f, size_t n) {
                    sent.emplace_back(f, f + n);
                    if (on_send) on_send(f, n);
                },
                [this](const uint8_t* f, size_t n) { captured.emplace_back(f, f + n); },
                [this] { return network_errors; });
        transport = std::make_unique<MmioTransport>(bus, std::move(dev), [this](bool level) {
            if (level && !irq) ++irq_raises;
            irq = level;
        });
        bus.map_device(kBase, kWindow, transport.get());
    }

    void program_queue(unsigned q, uint32_t size = kQueueSize) {
        const std::vector<uint8_t> zeros(0x1000, 0);
        put(kRings[q].desc, zeros.data(), zeros.size());
        put(kRings[q].avail, zeros.data(), zeros.size());
        put(kRings[q].used, zeros.data(), zeros.size());
        avail_idx[q] = used_seen[q] = next_desc[q] = 0;
        queue_registers(q, size, kRings[q]);
        REQUIRE(rd(QUEUE_READY) == 1);
    }
    void setup(uint64_t features = F_VERSION_1 | F_MAC | F_STATUS) {
        REQUIRE(negotiate(features));
        program_queue(RX);
        program_queue(TX);
        wr(STATUS, S_ALL);
        REQUIRE(rd(STATUS) == S_ALL);
    }

    // Writes `segs` as a chain at the queue's next free descriptors and makes it available.
    uint16_t offer(unsigned q, const std::vector<Seg>& segs) {
        if (next_desc[q] + segs.size() > kQueueSize) next_desc[q] = 0;
        const uint16_t first = next_desc[q];
        write_chain(kRings[q].desc, first, segs);
        next_desc[q] = uint16_t(first + segs.size());
        push(q, first);
        return first;
    }
    void push(unsigned q, uint16_t head) {
        make_available(kRings[q].avail, kQueueSize, avail_idx[q], head);
    }
    uint16_t used_idx(unsigned q) { return ring_used_idx(kRings[q].used); }
    uint32_t used_id(unsigned q, uint16_t i) { return ring_used_id(kRings[q].used, kQueueSize, i); }
    uint32_t used_len(unsigned q, uint16_t i) { return ring_used_len(kRings[q].used, kQueueSize, i); }

    // The header (zeros) and the frame at kTxBuf, as one readable buffer or
    // as given by `split`; returns the used length after the notify.
    std::vector<Seg> tx_segs(const std::vector<uint8_t>& f, bool split = false) {
        std::vector<uint8_t> bytes(kHdr, 0);
        bytes.insert(bytes.end(), f.begin(), f.end());
        put(kTxBuf, bytes.data(), bytes.size());
        if (!split) return {{kTxBuf, uint32_t(bytes.size()), false}};
        // header in two pieces, the frame in two.
        const uint32_t half = uint32_t(f.size() / 2);
        return {{kTxBuf, 5, false}, {kTxBuf + 5, 7, false}, {kTxBuf + 12, half, false},
                {kTxBuf + 12 + half, uint32_t(f.size() - half), false}};
    }
    // Transmits one chain and notifies; the chain must come back (used len returned).
    uint32_t transmit(const std::vector<Seg>& segs) {
        const uint16_t before = used_idx(TX);
        const uint16_t head = offer(TX, segs);
        wr(QUEUE_NOTIFY, TX);
        REQUIRE(used_idx(TX) == uint16_t(before + 1));
        CHECK(used_id(TX, before) == head);
        used_seen[TX] = used_idx(TX);
        return used_len(TX, before);
    }
    uint32_t transmit_frame(const std::vector<uint8_t>& f, bool split = false) { return transmit(tx_segs(f, split)); }

    // Posts `n` receive buffers of `len` bytes (buffer k at kRxBuf + k * stride, filled with 0xcc).
    void post_rx(unsigned n, uint32_t len = kRxStride, unsigned first_buffer = 0, bool notify = true) {
        for (unsigned k = 0; k < n; ++k) {
            const uint64_t at = kRxBuf + (first_buffer + k) * kRxStride;
            fill(at, 0xcc, kRxStride);
            offer(RX, {{at, len, true}});
        }
        if (notify) wr(QUEUE_NOTIFY, RX);
    }
    // The k-th chain returned on the receive queue: its buffer (by head index) and length.
    struct Received {
        uint16_t head;
        uint32_t len;
    };
    Received rx_used(uint16_t k) { return {uint16_t(used_id(RX, k)), used_len(RX, k)}; }

    std::map<std::string, uint64_t> counters() {
        std::map<std::string, uint64_t> m;
        transport->each_counter([&](const char* n, uint64_t v, const char*) { m[n] = v; });
        return m;
    }
    uint64_t counter(const std::string& name) {
        const auto m = counters();
        REQUIRE(m.count(name) == 1);
        return m.at(name);
    }
};

// The bytes a receive buffer must hold: the header (num_buffers = 1), then the frame.
std::vector<uint8_t> with_header(const std::vector<uint8_t>& f) {
    std::vector<uint8_t> v(kHdr + f.size(), 0);
    v[10] = 1;
    std::copy(f.begin(), f.end(), v.begin() + kHdr);
    return v;
}

}  // namespace

TEST_CASE("virtio-net: identity, features and queues", "[virtio]") {
    Nic n;
    CHECK(n.rd(MAGIC) == 0x74726976);
    CHECK(n.rd(VERSION) == 2);
    CHECK(n.rd(DEVICE_ID) == 1);
    // MAC (bit 5), STATUS (bit 16), VERSION_1 (bit 32), nothing else.
    CHECK(n.device_features() == (F_MAC | F_STATUS | F_VERSION_1));
    n.wr(DEVICE_FEATURES_SEL, 2);
    CHECK(n.rd(DEVICE_FEATURES) == 0);
    for (unsigned q : {RX, TX}) {
        n.wr(QUEUE_SEL, q);
        CHECK(n.rd(QUEUE_NUM_MAX) == 256);
    }
    n.wr(QUEUE_SEL, 2);  // no control queue
    CHECK(n.rd(QUEUE_NUM_MAX) == 0);
    CHECK(n.transport->device().kind() == std::string("virtio-net"));
    CHECK(n.transport->name() == "eth0");
}

TEST_CASE("virtio-net: feature negotiation", "[virtio]") {
    SECTION("VERSION_1 alone") { CHECK(Nic().negotiate(F_VERSION_1)); }
    SECTION("every offered feature") { CHECK(Nic().negotiate(F_VERSION_1 | F_MAC | F_STATUS)); }
    SECTION("without VERSION_1") { CHECK_FALSE(Nic().negotiate(F_MAC | F_STATUS)); }
    SECTION("CSUM is not offered") { CHECK_FALSE(Nic().negotiate(F_VERSION_1 | F_CSUM)); }
    SECTION("MRG_RXBUF is not offered") { CHECK_FALSE(Nic().negotiate(F_VERSION_1 | F_MRG_RXBUF)); }
}

TEST_CASE("virtio-net: configuration space holds the MAC and LINK_UP", "[virtio]") {
    SECTION("default MAC of card 0: 52:54:00:12:34:56") {
        Nic n;
        const uint8_t want[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
        for (unsigned k = 0; k < 6; ++k) {
            INFO("byte " << k);
            CHECK(n.config(k, 1) == want[k]);
        }
        CHECK(n.config(6, 2) == 1);  // status: VIRTIO_NET_S_LINK_UP
        CHECK(n.config(0, 4) == 0x12005452u);
        CHECK(n.config(4, 4) == (0x5634u | 1u << 16));
        CHECK(n.config(0, 8) == 0x0001563412005452ull);
        CHECK(n.config(8, 4) == 0);  // past the end: max_virtqueue_pairs and on are not offered
        CHECK(n.config(0x80, 8) == 0);
    }
    SECTION("another MAC") {
        Nic n(MacAddress{0x02, 0xaa, 0xbb, 0xcc, 0xdd, 0xee});
        CHECK(n.config(0, 4) == 0xccbbaa02u);
        CHECK(n.config(4, 2) == 0xeeddu);
        CHECK(n.config(6, 1) == 1);
        CHECK(n.config(7, 1) == 0);
    }
    SECTION("the configuration is read-only") {
        Nic n;
        REQUIRE(n.bus.mmio_write(kBase + CONFIG, 4, 0xffffffff));
        CHECK(n.config(0, 4) == 0x12005452u);
    }
}

TEST_CASE("virtio-net: transmitted frames lose the header and reach the network and the capture", "[virtio]") {
    Nic n;
    n.setup();
    struct Case {
        const char* what;
        size_t len;
        bool split;
    };
    unsigned count = 0;
    uint64_t bytes = 0;
    for (const Case& c : {Case{"60 bytes, one buffer", 60, false}, Case{"the minimum, 14 bytes", 14, false},
                          Case{"the maximum, 1518 bytes", 1518, false}, Case{"1514 bytes in four buffers", 1514, true},
                          Case{"15 bytes in four buffers", 15, true}}) {
        INFO(c.what);
        const auto f = frame(c.len, uint8_t(count));
        const uint32_t used = n.transmit_frame(f, c.split);
        CHECK(used == 0);
        ++count;
        bytes += c.len;
        REQUIRE(n.sent.size() == count);
        CHECK(n.sent.back() == f);
        REQUIRE(n.captured.size() == count);
        CHECK(n.captured.back() == f);
        CHECK(n.irq);
        CHECK(n.rd(INTERRUPT_STATUS) == kIsrUsedBuffer);
        n.wr(INTERRUPT_ACK, kIsrUsedBuffer);
        CHECK_FALSE(n.irq);
    }
    SECTION("several frames in one notify: in order, one interrupt") {
        const auto a = frame(100, 1), b = frame(200, 2), c = frame(300, 3);
        std::vector<uint8_t> bytes_a(kHdr, 0xee), bytes_b(kHdr, 0), bytes_c(kHdr, 0);
        bytes_a.insert(bytes_a.end(), a.begin(), a.end());  // nonzero header fields: still just stripped
        bytes_b.insert(bytes_b.end(), b.begin(), b.end());
        bytes_c.insert(bytes_c.end(), c.begin(), c.end());
        n.put(kTxBuf, bytes_a.data(), bytes_a.size());
        n.put(kTxBuf + 0x1000, bytes_b.data(), bytes_b.size());
        n.put(kTxBuf + 0x2000, bytes_c.data(), bytes_c.size());
        const unsigned raises = n.irq_raises;
        n.offer(TX, {{kTxBuf, uint32_t(bytes_a.size()), false}});
        n.offer(TX, {{kTxBuf + 0x1000, uint32_t(bytes_b.size()), false}});
        n.offer(TX, {{kTxBuf + 0x2000, uint32_t(bytes_c.size()), false}});
        const uint16_t before = n.used_idx(TX);
        n.wr(QUEUE_NOTIFY, TX);
        CHECK(n.used_idx(TX) == before + 3);
        for (uint16_t k = 0; k < 3; ++k) CHECK(n.used_len(TX, uint16_t(before + k)) == 0);
        REQUIRE(n.sent.size() == count + 3);
        CHECK(n.sent[count] == a);
        CHECK(n.sent[count + 1] == b);
        CHECK(n.sent[count + 2] == c);
        CHECK(n.irq_raises == raises + 1);
        CHECK(n.counter("tx_frames") == count + 3);
        CHECK(n.counter("tx_bytes") == bytes + 600);
    }
    SECTION("counters") {
        CHECK(n.counter("tx_frames") == count);
        CHECK(n.counter("tx_bytes") == bytes);
        CHECK(n.counter("tx_dropped_malformed") == 0);
        CHECK(n.counter("rx_frames") == 0);
    }
}

TEST_CASE("virtio-net: a card that is not connected drops transmitted frames quietly", "[virtio]") {
    Nic n(default_mac(0), false);
    n.setup();
    CHECK(n.transmit_frame(frame(60)) == 0);
    CHECK(n.sent.empty());
    CHECK(n.counter("tx_frames") == 1);
    CHECK(n.counter("slirp_errors") == 0);
}

TEST_CASE("virtio-net: transmitted frames of impossible length are dropped, counted, returned with len 0", "[virtio]") {
    Nic n;
    n.setup();
    std::vector<uint8_t> big(0x10000, 0x5a);
    n.put(kTxBuf, big.data(), big.size());
    struct Case {
        const char* what;
        uint32_t bytes;  // header and frame, in one readable buffer at kTxBuf
    };
    uint64_t dropped = 0;
    for (const Case& c : {Case{"1 byte", 1}, Case{"11 bytes (< header)", 11}, Case{"header only (12)", 12},
                          Case{"header + 13 bytes", 12 + 13}, Case{"header + 1519 bytes", 12 + 1519},
                          Case{"header + 9000 bytes (jumbo)", 12 + 9000}, Case{"64 KiB", 0x10000}}) {
        INFO(c.what);
        CHECK(n.transmit({{kTxBuf, c.bytes, false}}) == 0);
        ++dropped;
        CHECK(n.sent.empty());
        CHECK(n.captured.empty());
        CHECK(n.counter("tx_dropped_malformed") == dropped);
        CHECK(n.rd(STATUS) == S_ALL);  // the device goes on
        CHECK(n.rd(INTERRUPT_STATUS) == kIsrUsedBuffer);
        n.wr(INTERRUPT_ACK, kIsrUsedBuffer);
    }
    SECTION("0 bytes: a zero-length buffer, a broken chain") {
        CHECK(n.transmit({{kTxBuf, 0, false}}) == 0);
        CHECK(n.counter("tx_dropped_malformed") == dropped + 1);
        CHECK(n.counter("malformed_chains") == 1);
    }
    SECTION("64 KiB in 32 buffers of 2 KiB") {
        std::vector<Seg> segs;
        for (unsigned k = 0; k < 32; ++k) segs.push_back({kTxBuf + 0x800ull * k, 0x800, false});
        CHECK(n.transmit(segs) == 0);
        CHECK(n.counter("tx_dropped_malformed") == dropped + 1);
        CHECK(n.counter("malformed_chains") == 0);
    }
    SECTION("the run goes on: a good frame afterwards") {
        const auto f = frame(64, 7);
        CHECK(n.transmit_frame(f) == 0);
        REQUIRE(n.sent.size() == 1);
        CHECK(n.sent[0] == f);
        CHECK(n.counter("tx_frames") == 1);
        CHECK(n.counter("tx_bytes") == 64);
        CHECK(n.counter("tx_dropped_malformed") == dropped);
    }
}

TEST_CASE("virtio-net: transmit chains with writable buffers or chain faults are dropped", "[virtio]") {
    Nic n;
    n.setup();
    const auto f = frame(60, 9);
    std::vector<uint8_t> bytes(kHdr, 0);
    bytes.insert(bytes.end(), f.begin(), f.end());
    n.put(kTxBuf, bytes.data(), bytes.size());
    n.fill(kTxBuf + 0x1000, 0xcc, 0x100);
    struct Case {
        const char* what;
        std::vector<Seg> segs;
        bool chain_fault;
    };
    const uint32_t len = uint32_t(bytes.size());
    const std::vector<Case> cases = {
        {"frame in one device-writable buffer", {{kTxBuf, len, true}}, false},
        {"frame, then a writable buffer", {{kTxBuf, len, false}, {kTxBuf + 0x1000, 64, true}}, false},
        {"header readable, frame writable", {{kTxBuf, 12, false}, {kTxBuf + 12, len - 12, true}}, false},
        {"writable, then readable", {{kTxBuf + 0x1000, 64, true}, {kTxBuf, len, false}}, true},
        {"frame outside RAM", {{kTxBuf, 12, false}, {kRam - 16, 60, false}}, true},
        {"frame at 4 GiB", {{kTxBuf, 12, false}, {1ull << 32, 60, false}}, true},
        {"header at the UART", {{0x1fe00000, 12, false}, {kTxBuf + 12, 60, false}}, true},
        {"buffer wraps around 2^64", {{kTxBuf, 12, false}, {~0ull - 15, 60, false}}, true},
        {"a zero-length buffer in the middle", {{kTxBuf, 12, false}, {kTxBuf + 12, 0, false}, {kTxBuf + 12, 60, false}},
         true},
    };
    uint64_t dropped = 0, faults = 0;
    for (const Case& c : cases) {
        INFO(c.what);
        CHECK(n.transmit(c.segs) == 0);
        ++dropped;
        faults += c.chain_fault;
        CHECK(n.sent.empty());
        CHECK(n.captured.empty());
        CHECK(n.counter("tx_dropped_malformed") == dropped);
        CHECK(n.counter("malformed_chains") == faults);
        CHECK(n.rd(STATUS) == S_ALL);
    }
    CHECK(n.get(kTxBuf + 0x1000, 0x100) == std::vector<uint8_t>(0x100, 0xcc));  // nothing written
    // The run goes on.
    CHECK(n.transmit_frame(f) == 0);
    REQUIRE(n.sent.size() == 1);
    CHECK(n.sent[0] == f);
    CHECK(n.counter("tx_frames") == 1);
}

TEST_CASE("virtio-net: a broken transmit queue sets NEEDS_RESET; a reset recovers", "[virtio]") {
    Nic n;
    n.setup();
    const auto f = frame(60, 4);
    n.tx_segs(f);
    struct Desc {
        uint64_t addr;
        uint32_t len;
        uint16_t flags, next;
    };
    SECTION("a chain that loops") {
        const Desc loop[2] = {{kTxBuf, 12, D_NEXT, 1}, {kTxBuf + 12, 60, D_NEXT, 0}};
        n.put(kRings[TX].desc, loop, sizeof loop);
        n.push(TX, 0);
    }
    SECTION("a chain longer than the queue") {
        for (unsigned k = 0; k < kQueueSize; ++k) {
            const Desc d{kTxBuf, 4, D_NEXT, uint16_t((k + 1) % kQueueSize)};
            n.put(kRings[TX].desc + 16 * k, &d, 16);
        }
        n.push(TX, 0);
    }
    SECTION("an indirect descriptor") {
        const Desc table[1] = {{kTxBuf, 72, 0, 0}};
        n.put(kTxBuf + 0x1000, table, sizeof table);
        const Desc ind{kTxBuf + 0x1000, 16, D_INDIRECT, 0};
        n.put(kRings[TX].desc, &ind, 16);
        n.push(TX, 0);
    }
    SECTION("a head index past the queue") { n.push(TX, uint16_t(kQueueSize)); }
    SECTION("an available index jump") {
        const uint16_t jump = kQueueSize + 1;
        n.put(kRings[TX].avail + 2, &jump, 2);
    }
    n.wr(QUEUE_NOTIFY, TX);
    CHECK(n.used_idx(TX) == 0);
    CHECK(n.sent.empty());
    CHECK(n.rd(STATUS) == (S_ALL | S_NEEDS_RESET));
    CHECK(n.rd(INTERRUPT_STATUS) == kIsrConfigChange);
    CHECK(n.irq);
    CHECK(n.counter("malformed_queues") == 1);
    CHECK(n.counter("tx_dropped_malformed") == 0);  // a queue fault, not a dropped frame

    // Frames for the guest wait, and the reset throws them away.
    n.post_rx(2, kRxStride, 0, false);
    n.card->receive(f.data(), f.size());
    CHECK(n.used_idx(RX) == 0);
    n.wr(QUEUE_NOTIFY, RX);  // ignored: the device needs a reset
    CHECK(n.used_idx(RX) == 0);
    n.wr(STATUS, 0);
    CHECK_FALSE(n.irq);
    n.setup();
    n.post_rx(2);
    CHECK(n.used_idx(RX) == 0);  // the backlog went with the reset
    CHECK(n.transmit_frame(f) == 0);
    REQUIRE(n.sent.size() == 1);
    CHECK(n.sent[0] == f);
    CHECK(n.counter("device_resets") == 1);
}

TEST_CASE("virtio-net: a broken receive queue sets NEEDS_RESET when a frame arrives", "[virtio]") {
    Nic n;
    n.setup();
    struct Desc {
        uint64_t addr;
        uint32_t len;
        uint16_t flags, next;
    };
    const auto f = frame(60, 8);
    SECTION("a looping receive chain, found by the arriving frame") {
        const Desc loop[2] = {{kRxBuf, 12, D_NEXT | D_WRITE, 1}, {kRxBuf + 12, 2048, D_NEXT | D_WRITE, 0}};
        n.put(kRings[RX].desc, loop, sizeof loop);
        n.push(RX, 0);
        n.wr(QUEUE_NOTIFY, RX);  // nothing waits: the chain is not looked at yet
        CHECK(n.rd(STATUS) == S_ALL);
        n.card->receive(f.data(), f.size());
    }
    SECTION("an indirect receive descriptor, found by the RX notify of a waiting frame") {
        n.card->receive(f.data(), f.size());
        const Desc ind{kRxBuf, 16, D_INDIRECT | D_WRITE, 0};
        n.put(kRings[RX].desc, &ind, 16);
        n.push(RX, 0);
        n.wr(QUEUE_NOTIFY, RX);
    }
    CHECK(n.used_idx(RX) == 0);
    CHECK(n.rd(STATUS) == (S_ALL | S_NEEDS_RESET));
    CHECK(n.rd(INTERRUPT_STATUS) == kIsrConfigChange);
    CHECK(n.irq);
    CHECK(n.counter("malformed_queues") == 1);
    CHECK(n.counter("rx_frames") == 0);
    // Transmitting is refused too until the reset.
    n.tx_segs(f);
    n.offer(TX, {{kTxBuf, uint32_t(kHdr + f.size()), false}});
    n.wr(QUEUE_NOTIFY, TX);
    CHECK(n.used_idx(TX) == 0);
    CHECK(n.sent.empty());
    n.wr(STATUS, 0);
    n.setup();
    n.post_rx(1);
    n.card->receive(f.data(), f.size());
    REQUIRE(n.used_idx(RX) == 1);
    CHECK(n.get(kRxBuf, kHdr + 60) == with_header(f));
}

TEST_CASE("virtio-net: a received frame gets the header and lands in a receive buffer", "[virtio]") {
    Nic n;
    n.setup();
    n.post_rx(4);
    CHECK(n.used_idx(RX) == 0);  // nothing to deliver yet
    CHECK_FALSE(n.irq);
    const auto a = frame(60, 1), b = frame(1518, 2), c = frame(14, 3);
    n.card->receive(a.data(), a.size());
    REQUIRE(n.used_idx(RX) == 1);
    CHECK(n.rx_used(0).head == 0);
    CHECK(n.rx_used(0).len == kHdr + 60);
    CHECK(n.get(kRxBuf, kHdr + 60) == with_header(a));
    CHECK(n.get(kRxBuf + kHdr + 60, 16) == std::vector<uint8_t>(16, 0xcc));  // nothing past the frame
    CHECK(n.irq);
    CHECK(n.rd(INTERRUPT_STATUS) == kIsrUsedBuffer);
    n.wr(INTERRUPT_ACK, kIsrUsedBuffer);
    n.card->receive(b.data(), b.size());
    n.card->receive(c.data(), c.size());
    REQUIRE(n.used_idx(RX) == 3);
    CHECK(n.rx_used(1).len == kHdr + 1518);
    CHECK(n.get(kRxBuf + kRxStride, kHdr + 1518) == with_header(b));
    CHECK(n.rx_used(2).len == kHdr + 14);
    CHECK(n.get(kRxBuf + 2 * kRxStride, kHdr + 14) == with_header(c));
    CHECK(n.irq);
    // The header's fields: flags 0, gso_type NONE, hdr_len, gso_size, csum_* 0, num_buffers 1 (LE).
    const auto h = n.get(kRxBuf, kHdr);
    CHECK(h == std::vector<uint8_t>{0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0});
    // Received frames are captured too, in delivery order.
    REQUIRE(n.captured.size() == 3);
    CHECK(n.captured[0] == a);
    CHECK(n.captured[1] == b);
    CHECK(n.captured[2] == c);
    CHECK(n.sent.empty());

    SECTION("a buffer split into header and frame pieces") {
        n.fill(kRxBuf + 0x10000, 0xcc, 0x1000);
        n.offer(RX, {{kRxBuf + 0x10000, 12, true}, {kRxBuf + 0x10100, 30, true}, {kRxBuf + 0x10200, 1000, true}});
        // buffer 3 is still posted; it takes the next frame first.
        const auto d = frame(100, 4), e = frame(200, 5);
        n.card->receive(d.data(), d.size());
        n.card->receive(e.data(), e.size());
        REQUIRE(n.used_idx(RX) == 5);
        CHECK(n.rx_used(3).len == kHdr + 100);
        CHECK(n.get(kRxBuf + 3 * kRxStride, kHdr + 100) == with_header(d));
        CHECK(n.rx_used(4).len == kHdr + 200);
        auto got = n.get(kRxBuf + 0x10000, 12);
        const auto more = n.get(kRxBuf + 0x10100, 30), rest = n.get(kRxBuf + 0x10200, 170);
        got.insert(got.end(), more.begin(), more.end());
        got.insert(got.end(), rest.begin(), rest.end());
        CHECK(got == with_header(e));
        CHECK(n.get(kRxBuf + 0x10200 + 170, 8) == std::vector<uint8_t>(8, 0xcc));
    }
    SECTION("an exact-fit buffer") {
        n.offer(RX, {{kRxBuf + 0x10000, uint32_t(kHdr + 60), true}});  // after buffer 3
        n.card->receive(a.data(), a.size());
        n.card->receive(a.data(), a.size());
        REQUIRE(n.used_idx(RX) == 5);
        CHECK(n.rx_used(4).len == kHdr + 60);
        CHECK(n.get(kRxBuf + 0x10000, kHdr + 60) == with_header(a));
        CHECK(n.counter("rx_dropped_buffer_too_small") == 0);
    }
    SECTION("counters") {
        CHECK(n.counter("rx_frames") == 3);
        CHECK(n.counter("rx_bytes") == 60 + 1518 + 14);
        CHECK(n.counter("rx_backlog_peak") == 1);
    }
}

TEST_CASE("virtio-net: frames that arrive before the driver is ready wait in the backlog", "[virtio]") {
    Nic n;
    const auto a = frame(60, 1), b = frame(70, 2), c = frame(80, 3);
    n.card->receive(a.data(), a.size());  // before any driver
    REQUIRE(n.negotiate(F_VERSION_1 | F_MAC | F_STATUS));
    n.program_queue(RX);
    n.program_queue(TX);
    n.card->receive(b.data(), b.size());  // queues ready, not DRIVER_OK
    n.post_rx(1, kRxStride, 0, false);
    n.wr(QUEUE_NOTIFY, RX);  // ignored: not DRIVER_OK
    CHECK(n.used_idx(RX) == 0);
    n.wr(STATUS, S_ALL);
    n.card->receive(c.data(), c.size());  // at the latest a frame arriving now delivers the oldest one
    CHECK(n.counter("rx_backlog_peak") >= 2);
    REQUIRE(n.used_idx(RX) == 1);
    CHECK(n.get(kRxBuf, kHdr + 60) == with_header(a));
    CHECK(n.irq);
    n.wr(INTERRUPT_ACK, kIsrUsedBuffer);
    // The RX notify with new buffers delivers the rest, in order, one interrupt.
    const unsigned raises = n.irq_raises;
    n.post_rx(3, kRxStride, 1);
    REQUIRE(n.used_idx(RX) == 3);
    CHECK(n.rx_used(1).len == kHdr + 70);
    CHECK(n.get(kRxBuf + kRxStride, kHdr + 70) == with_header(b));
    CHECK(n.rx_used(2).len == kHdr + 80);
    CHECK(n.get(kRxBuf + 2 * kRxStride, kHdr + 80) == with_header(c));
    CHECK(n.irq_raises == raises + 1);
    CHECK(n.counter("rx_frames") == 3);
    CHECK(n.counter("rx_dropped_queue_full") == 0);
}

TEST_CASE("virtio-net: frames wait while the guest posts no buffers, up to 256", "[virtio]") {
    Nic n;
    n.setup();
    std::vector<std::vector<uint8_t>> frames;
    for (unsigned k = 0; k < 300; ++k) frames.push_back(frame(60 + k % 7, uint8_t(k)));
    for (const auto& f : frames) n.card->receive(f.data(), f.size());
    CHECK(n.used_idx(RX) == 0);
    CHECK_FALSE(n.irq);
    CHECK(n.counter("rx_backlog_peak") == 256);
    CHECK(n.counter("rx_dropped_queue_full") == 300 - 256);
    CHECK(n.counter("rx_frames") == 0);
    // An RX notify without buffers changes nothing.
    n.wr(QUEUE_NOTIFY, RX);
    CHECK(n.used_idx(RX) == 0);

    SECTION("256 buffers take the first 256 frames, in order") {
        n.post_rx(256, kRxStride);
        REQUIRE(n.used_idx(RX) == 256);
        bool all = true;
        for (uint16_t k = 0; k < 256; ++k) {
            const auto r = n.rx_used(k);
            const bool ok = r.head == k && r.len == kHdr + frames[k].size() &&
                            n.get(kRxBuf + k * kRxStride, r.len) == with_header(frames[k]);
            if (!ok) {
                INFO("frame " << k);
                CHECK(ok);
            }
            all &= ok;
        }
        CHECK(all);
        CHECK(n.counter("rx_frames") == 256);
        // The backlog is empty now: one more buffer gets the next new frame.
        n.offer(RX, {{kRxBuf, kRxStride, true}});
        n.wr(QUEUE_NOTIFY, RX);
        CHECK(n.used_idx(RX) == 256);
        n.card->receive(frames[299].data(), frames[299].size());
        CHECK(n.used_idx(RX) == 257);
        CHECK(n.counter("rx_dropped_queue_full") == 300 - 256);
    }
    SECTION("a few buffers at a time drain the backlog in order") {
        unsigned delivered = 0;
        for (unsigned round = 0; round < 8; ++round) {
            for (unsigned k = 0; k < 32; ++k) {
                const uint64_t at = kRxBuf + (delivered + k) % 256 * kRxStride;
                n.offer(RX, {{at, kRxStride, true}});
            }
            n.wr(QUEUE_NOTIFY, RX);
            delivered += 32;
            REQUIRE(n.used_idx(RX) == delivered);
        }
        CHECK(n.get(kRxBuf + 255 * kRxStride, kHdr + frames[255].size()) == with_header(frames[255]));
        CHECK(n.counter("rx_frames") == 256);
    }
}

TEST_CASE("virtio-net: a receive buffer too small or device-readable drops the frame", "[virtio]") {
    Nic n;
    n.setup();
    const auto f = frame(100, 6);
    struct Case {
        const char* what;
        std::vector<Seg> segs;
        bool chain_fault;
    };
    const std::vector<Case> cases = {
        {"one byte short", {{kRxBuf, uint32_t(kHdr + 99), true}}, false},
        {"header only", {{kRxBuf, uint32_t(kHdr), true}}, false},
        {"one byte", {{kRxBuf, 1, true}}, false},
        {"two pieces, one byte short", {{kRxBuf, 50, true}, {kRxBuf + 0x100, 61, true}}, false},
        {"device-readable", {{kRxBuf, 2048, false}}, false},
        {"readable, then writable", {{kRxBuf, 16, false}, {kRxBuf + 0x100, 2048, true}}, false},
        {"outside RAM", {{kRam - 64, 2048, true}}, true},
        {"zero-length", {{kRxBuf, 0, true}}, true},
    };
    uint64_t dropped = 0, faults = 0;
    for (const Case& c : cases) {
        INFO(c.what);
        n.fill(kRxBuf, 0xcc, 0x1000);
        const uint16_t before = n.used_idx(RX);
        const uint16_t head = n.offer(RX, c.segs);
        n.wr(QUEUE_NOTIFY, RX);
        n.card->receive(f.data(), f.size());
        REQUIRE(n.used_idx(RX) == before + 1);
        CHECK(n.used_id(RX, before) == head);
        CHECK(n.used_len(RX, before) == 0);
        CHECK(n.get(kRxBuf, 0x1000) == std::vector<uint8_t>(0x1000, 0xcc));  // nothing written
        ++dropped;
        faults += c.chain_fault;
        CHECK(n.counter("rx_dropped_buffer_too_small") == dropped);
        CHECK(n.counter("malformed_chains") == faults);
        CHECK(n.counter("rx_frames") == 0);
        CHECK(n.rd(STATUS) == S_ALL);
        n.wr(INTERRUPT_ACK, n.rd(INTERRUPT_STATUS));
    }
    CHECK(n.captured.empty());
    // The next frame with a good buffer is delivered.
    n.post_rx(1);
    n.card->receive(f.data(), f.size());
    REQUIRE(n.used_idx(RX) == cases.size() + 1);
    CHECK(n.used_len(RX, uint16_t(cases.size())) == kHdr + 100);
    CHECK(n.get(kRxBuf, kHdr + 100) == with_header(f));
    CHECK(n.counter("rx_frames") == 1);
}

TEST_CASE("virtio-net: a frame too small for the buffer is dropped, not retried in the next", "[virtio]") {
    Nic n;
    n.setup();
    n.offer(RX, {{kRxBuf, 64, true}});
    n.offer(RX, {{kRxBuf + kRxStride, kRxStride, true}});
    n.wr(QUEUE_NOTIFY, RX);
    const auto big = frame(200, 1), small = frame(40, 2);
    n.card->receive(big.data(), big.size());
    REQUIRE(n.used_idx(RX) == 1);
    CHECK(n.used_len(RX, 0) == 0);
    n.card->receive(small.data(), small.size());
    REQUIRE(n.used_idx(RX) == 2);
    CHECK(n.used_len(RX, 1) == kHdr + 40);
    CHECK(n.get(kRxBuf + kRxStride, kHdr + 40) == with_header(small));
    CHECK(n.counter("rx_dropped_buffer_too_small") == 1);
}

TEST_CASE("virtio-net: a frame longer than 1518 bytes from the network is dropped", "[virtio]") {
    Nic n;
    n.setup();
    n.post_rx(1, kRxStride);
    const auto huge = frame(1519);
    n.card->receive(huge.data(), huge.size());
    CHECK(n.used_idx(RX) == 0);
    CHECK(n.counter("rx_frames") == 0);
    CHECK(n.counter("rx_dropped_buffer_too_small") + n.counter("rx_dropped_queue_full") == 1);
}

TEST_CASE("virtio-net: replies the network sends while the guest transmits come after the batch", "[virtio]") {
    Nic n;
    n.setup();
    n.post_rx(4);
    // Like slirp answering an ARP request: the sink calls receive() at once.
    std::vector<uint16_t> rx_used_seen_in_sink;
    n.on_send = [&](const uint8_t* f, size_t len) {
        rx_used_seen_in_sink.push_back(n.used_idx(RX));
        std::vector<uint8_t> reply(f, f + len);
        for (auto& b : reply) b ^= 0xff;
        reply.resize(std::max<size_t>(len, 14));
        n.card->receive(reply.data(), reply.size());
    };
    const auto a = frame(60, 1), b = frame(90, 2);
    std::vector<uint8_t> ba(kHdr, 0), bb(kHdr, 0);
    ba.insert(ba.end(), a.begin(), a.end());
    bb.insert(bb.end(), b.begin(), b.end());
    n.put(kTxBuf, ba.data(), ba.size());
    n.put(kTxBuf + 0x1000, bb.data(), bb.size());
    n.offer(TX, {{kTxBuf, uint32_t(ba.size()), false}});
    n.offer(TX, {{kTxBuf + 0x1000, uint32_t(bb.size()), false}});
    n.wr(QUEUE_NOTIFY, TX);
    // Both transmitted; no reply was delivered while the batch ran.
    CHECK(n.used_idx(TX) == 2);
    CHECK(rx_used_seen_in_sink == std::vector<uint16_t>{0, 0});
    // Then both replies, in order.
    REQUIRE(n.used_idx(RX) == 2);
    auto inv = [](std::vector<uint8_t> v) {
        for (auto& x : v) x ^= 0xff;
        return v;
    };
    CHECK(n.rx_used(0).len == kHdr + 60);
    CHECK(n.get(kRxBuf, kHdr + 60) == with_header(inv(a)));
    CHECK(n.rx_used(1).len == kHdr + 90);
    CHECK(n.get(kRxBuf + kRxStride, kHdr + 90) == with_header(inv(b)));
    CHECK(n.rd(INTERRUPT_STATUS) == kIsrUsedBuffer);
    CHECK(n.irq);
    // The capture: both transmitted frames, then both replies.
    REQUIRE(n.captured.size() == 4);
    CHECK(n.captured[0] == a);
    CHECK(n.captured[1] == b);
    CHECK(n.captured[2] == inv(a));
    CHECK(n.captured[3] == inv(b));
    CHECK(n.counter("rx_backlog_peak") == 2);

    SECTION("without receive buffers the replies wait for them") {
        n.on_send = [&](const uint8_t* f, size_t len) { n.card->receive(f, len); };
        n.transmit_frame(a);  // buffers 2 and 3 take the echo
        n.transmit_frame(a);
        n.transmit_frame(a);  // no buffer left: waits
        CHECK(n.used_idx(RX) == 4);
        n.post_rx(1, kRxStride, 0);
        REQUIRE(n.used_idx(RX) == 5);
        CHECK(n.get(kRxBuf, kHdr + 60) == with_header(a));
    }
}

TEST_CASE("virtio-net: VIRTQ_AVAIL_F_NO_INTERRUPT suppresses the receive interrupt", "[virtio]") {
    Nic n;
    n.setup();
    const uint16_t no_interrupt = 1;
    n.put(kRings[RX].avail, &no_interrupt, 2);
    n.post_rx(1);
    const auto f = frame(60);
    n.card->receive(f.data(), f.size());
    CHECK(n.used_idx(RX) == 1);
    CHECK_FALSE(n.irq);
    CHECK(n.rd(INTERRUPT_STATUS) == 0);
}

TEST_CASE("virtio-net: counters are exact", "[virtio]") {
    Nic n;
    n.network_errors = 7;
    n.setup();
    n.transmit_frame(frame(60, 1));                     // tx 1
    n.transmit_frame(frame(1518, 2));                   // tx 2
    n.transmit({{kTxBuf, 12, false}});            // dropped (header only)
    n.transmit({{kTxBuf, 12 + 1519, false}});     // dropped (too long)
    n.transmit({{kTxBuf, 72, true}});             // dropped (writable)
    n.transmit({{kRam + 0x1000, 72, false}});     // dropped (outside RAM: a broken chain)
    const auto a = frame(100, 3), b = frame(200, 4);
    n.card->receive(a.data(), a.size());          // waits
    n.card->receive(b.data(), b.size());          // waits
    n.post_rx(1, 64);                             // too small for a: dropped
    n.post_rx(1, kRxStride, 1);                   // b delivered
    for (unsigned k = 0; k < 260; ++k) n.card->receive(a.data(), a.size());  // 256 wait, 4 dropped

    std::vector<std::string> names;
    n.transport->each_counter([&](const char* name, uint64_t, const char* description) {
        names.push_back(name);
        CHECK(std::strlen(description) > 0);
    });
    REQUIRE(!names.empty());
    CHECK(names.front() == "queue_notifications");  // the transport's first, then the card's

    const std::map<std::string, uint64_t> expected = {
        {"queue_notifications", 8}, {"ignored_notifications", 0}, {"requests", 8}, {"interrupts_raised", 8},
        {"device_resets", 0}, {"features_refused", 0}, {"malformed_queues", 0}, {"malformed_chains", 1},
        {"rx_frames", 1}, {"rx_bytes", 200}, {"tx_frames", 2}, {"tx_bytes", 60 + 1518},
        {"rx_dropped_queue_full", 4}, {"rx_dropped_buffer_too_small", 1}, {"tx_dropped_malformed", 4},
        {"slirp_errors", 7}, {"rx_backlog_peak", 256},
    };
    const auto got = n.counters();
    CHECK(got.size() == expected.size());
    for (const auto& [name, value] : expected) {
        INFO(name);
        REQUIRE(got.count(name) == 1);
        CHECK(got.at(name) == value);
    }
}
