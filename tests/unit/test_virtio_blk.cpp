// virtio-blk over virtio-mmio (hv/dev/virtio/mmio_transport.h, block.h)
// driven the way a guest driver does it: registers through Bus::mmio_*,
// rings and buffers in guest RAM, a temporary raw image behind it. Checks
// the guest-visible contract of MANUAL.md §3 "Virtual disks".
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <memory>
#include <string>
#include <unistd.h>
#include <vector>

#include "hv/block/drive.h"
#include "temp_file.h"
#include "virtio_test_driver.h"
#include "hv/board/bus.h"
#include "hv/board/memory_map.h"
#include "hv/dev/virtio/block.h"
#include "hv/dev/virtio/mmio_registers.h"
#include "hv/dev/virtio/mmio_transport.h"

using namespace mipshv;
using namespace mipshv::virtio;

namespace {

using namespace virtio_test;
constexpr uint64_t F_SEG_MAX = 1ull << 2, F_RO = 1ull << 5, F_FLUSH = 1ull << 9, F_INDIRECT = 1ull << 28;
constexpr uint32_t T_IN = 0, T_OUT = 1, T_FLUSH = 4, T_GET_ID = 8;
constexpr uint8_t OK = 0, IOERR = 1, UNSUPP = 2;

// Guest RAM layout of the tests.
constexpr uint64_t kDesc = 0x1000, kAvail = 0x2000, kUsed = 0x3000;
constexpr uint64_t kHeader = 0x10000, kData = 0x20000, kData2 = 0x60000, kStatus = 0xf0000;
constexpr uint32_t kQueueSize = 16;

// `sectors` sectors, byte i holding (i * 7 + 3) & 0xff.
std::vector<uint8_t> pattern(uint64_t sectors) {
    std::vector<uint8_t> v(sectors * 512);
    for (size_t i = 0; i < v.size(); ++i) v[i] = uint8_t(i * 7 + 3);
    return v;
}


struct Result {
    uint8_t status;
    uint32_t used_len;
};

// One virtio-blk disk on a bus of 1 MiB RAM, and a minimal driver for it.
struct Disk : Driver {
    TempFile image;
    std::unique_ptr<MmioTransport> transport;
    bool irq = false;
    unsigned irq_calls = 0;
    uint16_t avail_idx = 0;

    explicit Disk(uint64_t sectors, const std::string& extra = "", const std::string& name = "vda",
                  uint64_t ram_bytes = kRam)
        : Driver(ram_bytes), image(pattern(sectors)) {
        auto disk = std::make_unique<DiskImage>(parse_drive("file=" + image.path + ",format=raw,if=virtio" + extra));
        transport = std::make_unique<MmioTransport>(bus, std::make_unique<BlockDevice>(std::move(disk), name, bus),
                                                    [this](bool level) {
                                                        irq = level;
                                                        ++irq_calls;
                                                    });
        bus.map_device(kBase, kWindow, transport.get());
    }

    // Queue 0 of `size` entries at the test's rings (cleared), enabled.
    void program_queue(uint32_t size = kQueueSize) {
        const std::vector<uint8_t> zeros(0x1000, 0);
        REQUIRE(bus.write(kAvail, zeros.data(), zeros.size()));
        REQUIRE(bus.write(kUsed, zeros.data(), zeros.size()));
        avail_idx = 0;
        queue_registers(0, size, {kDesc, kAvail, kUsed});
    }
    // The whole driver initialisation, up to DRIVER_OK.
    void setup(uint64_t features = F_VERSION_1) {
        REQUIRE(negotiate(features));
        program_queue();
        REQUIRE(rd(QUEUE_READY) == 1);
        wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
        REQUIRE(rd(STATUS) == (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK));
    }

    void header(uint32_t type, uint64_t sector, uint64_t at = kHeader) {
        struct {
            uint32_t type, reserved;
            uint64_t sector;
        } h{type, 0, sector};
        put(at, &h, 16);
    }

    // Writes `segs` as a chain at descriptors 0.. and makes it available (no notify).
    uint16_t offer(const std::vector<Seg>& segs, uint16_t first = 0) {
        write_chain(kDesc, first, segs);
        make_available(kAvail, kQueueSize, avail_idx, first);
        return first;
    }
    uint16_t used_idx() { return ring_used_idx(kUsed); }
    uint32_t used_id(uint16_t i) { return ring_used_id(kUsed, kQueueSize, i); }
    uint32_t used_len(uint16_t i) { return ring_used_len(kUsed, kQueueSize, i); }

    // Submits one chain and notifies: the request completes during the notify.
    Result submit(const std::vector<Seg>& segs, uint64_t status_at = kStatus) {
        const uint16_t before = used_idx();
        if (bus.is_guest_ram(status_at, 1)) fill(status_at, 0xff, 1);
        const uint16_t head = offer(segs);
        wr(QUEUE_NOTIFY, 0);
        REQUIRE(used_idx() == uint16_t(before + 1));
        CHECK(used_id(before) == head);
        return {bus.is_guest_ram(status_at, 1) ? get_as<uint8_t>(status_at) : uint8_t(0xff), used_len(before)};
    }
    // header (16 R) + data + status (1 W at kStatus).
    Result request(uint32_t type, uint64_t sector, const std::vector<Seg>& data) {
        header(type, sector);
        std::vector<Seg> segs{{kHeader, 16, false}};
        segs.insert(segs.end(), data.begin(), data.end());
        segs.push_back({kStatus, 1, true});
        return submit(segs);
    }

    // One counter by name; it must exist.
    uint64_t counter(const std::string& name) const {
        const auto all = counters();
        const auto it = all.find(name);
        INFO("counter " << name);
        REQUIRE(it != all.end());
        return it->second;
    }
    std::map<std::string, uint64_t> counters() const {
        std::map<std::string, uint64_t> m;
        transport->each_counter([&](const char* n, uint64_t v, const char*) { m[n] = v; });
        return m;
    }
};

}  // namespace

TEST_CASE("virtio-blk: identity registers", "[virtio]") {
    Disk d(8);
    CHECK(d.rd(MAGIC) == 0x74726976);  // "virt"
    CHECK(d.rd(VERSION) == 2);
    CHECK(d.rd(DEVICE_ID) == 2);
    CHECK(d.rd(VENDOR_ID) != 0);
    d.wr(QUEUE_SEL, 0);
    CHECK(d.rd(QUEUE_NUM_MAX) == 256);
    d.wr(QUEUE_SEL, 1);  // a block device has one queue
    CHECK(d.rd(QUEUE_NUM_MAX) == 0);
    CHECK(d.rd(QUEUE_READY) == 0);
    CHECK(d.rd(STATUS) == 0);
    CHECK(d.rd(INTERRUPT_STATUS) == 0);
    CHECK(d.rd(CONFIG_GENERATION) == 0);
    CHECK(d.transport->name() == "vda");
}

TEST_CASE("virtio-blk: registers take aligned 4-byte accesses, config 1/2/4/8", "[virtio]") {
    Disk d(8);
    uint64_t v = 0;
    // Registers.
    CHECK(d.bus.mmio_read(kBase + MAGIC, 4, v));
    CHECK(v == 0x74726976);
    for (unsigned size : {1u, 2u, 8u}) {
        INFO(size);
        CHECK_FALSE(d.bus.mmio_read(kBase + MAGIC, size, v));
        CHECK_FALSE(d.bus.mmio_read(kBase + STATUS, size, v));
        CHECK_FALSE(d.bus.mmio_write(kBase + STATUS, size, S_ACK));
    }
    CHECK_FALSE(d.bus.mmio_read(kBase + MAGIC + 2, 4, v));
    CHECK_FALSE(d.bus.mmio_read(kBase + VERSION + 1, 4, v));
    CHECK_FALSE(d.bus.mmio_write(kBase + STATUS + 2, 4, S_ACK));
    CHECK_FALSE(d.bus.mmio_read(kBase + 0xfe, 4, v));  // straddles the start of the config space
    // A refused store has no effect.
    CHECK(d.rd(STATUS) == 0);
    // Configuration space.
    for (unsigned size : {1u, 2u, 4u, 8u}) {
        INFO(size);
        CHECK(d.bus.mmio_read(kBase + CONFIG, size, v));
        CHECK(d.bus.mmio_read(kBase + CONFIG + 8 * size, size, v));
        if (size > 1) CHECK_FALSE(d.bus.mmio_read(kBase + CONFIG + 1, size, v));
    }
    CHECK_FALSE(d.bus.mmio_read(kBase + CONFIG + 2, 4, v));
    CHECK_FALSE(d.bus.mmio_read(kBase + CONFIG + 4, 8, v));
    CHECK_FALSE(d.bus.mmio_read(kBase + CONFIG, 3, v));
    // Past the 0x200-byte window nothing is mapped.
    CHECK_FALSE(d.bus.mmio_read(kBase + kWindow, 4, v));
    CHECK_FALSE(d.bus.mmio_read(kBase + kWindow - 4, 8, v));
    CHECK(d.bus.refused_accesses() >= 15);
}

TEST_CASE("virtio-blk: offered features follow the drive options", "[virtio]") {
    SECTION("writeback (default)") {
        Disk d(8);
        CHECK(d.device_features() == (F_VERSION_1 | F_SEG_MAX | F_FLUSH));
    }
    SECTION("writethrough: no FLUSH") {
        Disk d(8, ",cache=writethrough");
        CHECK(d.device_features() == (F_VERSION_1 | F_SEG_MAX));
    }
    SECTION("unsafe: FLUSH offered") {
        Disk d(8, ",cache=unsafe");
        CHECK(d.device_features() == (F_VERSION_1 | F_SEG_MAX | F_FLUSH));
    }
    SECTION("readonly: RO (bit 5)") {
        Disk d(8, ",readonly=on");
        CHECK(d.device_features() == (F_VERSION_1 | F_SEG_MAX | F_RO));  // nothing to flush on a read-only disk
    }
    SECTION("snapshot: writable, so no RO") {
        Disk d(8, ",snapshot=on");
        CHECK((d.device_features() & F_RO) == 0);
    }
    SECTION("selector past the 64 feature bits") {
        Disk d(8);
        d.wr(DEVICE_FEATURES_SEL, 2);
        CHECK(d.rd(DEVICE_FEATURES) == 0);
    }
}

TEST_CASE("virtio-blk: feature negotiation needs VERSION_1 and offered features only", "[virtio]") {
    Disk d(8);
    SECTION("without VERSION_1") {
        CHECK_FALSE(d.negotiate(F_SEG_MAX | F_FLUSH));
        CHECK(d.rd(STATUS) == (S_ACK | S_DRIVER));
        CHECK(d.counter("features_refused") == 1);
    }
    SECTION("a feature not offered (INDIRECT_DESC)") {
        CHECK_FALSE(d.negotiate(F_VERSION_1 | F_INDIRECT));
        CHECK(d.counter("features_refused") == 1);
    }
    SECTION("a feature not offered (RO on a writable disk)") {
        CHECK_FALSE(d.negotiate(F_VERSION_1 | F_RO));
        CHECK(d.counter("features_refused") == 1);
    }
    SECTION("a high feature bit not offered") {
        CHECK_FALSE(d.negotiate(F_VERSION_1 | (1ull << 35)));
        CHECK(d.counter("features_refused") == 1);
    }
    SECTION("VERSION_1 alone, or every offered feature") {
        CHECK(d.negotiate(F_VERSION_1));
        CHECK(d.counter("features_refused") == 0);
        d.wr(STATUS, 0);
        CHECK(d.negotiate(F_VERSION_1 | F_SEG_MAX | F_FLUSH));
        CHECK(d.rd(STATUS) == (S_ACK | S_DRIVER | S_FEATURES_OK));
        CHECK(d.counter("features_refused") == 0);
    }
    SECTION("a refused negotiation can be retried after a reset") {
        CHECK_FALSE(d.negotiate(F_VERSION_1 | F_INDIRECT));
        d.wr(STATUS, 0);
        CHECK(d.rd(STATUS) == 0);
        CHECK(d.negotiate(F_VERSION_1));
        CHECK(d.counter("device_resets") == 1);
    }
}

TEST_CASE("virtio-blk: capacity and limits in the configuration space", "[virtio]") {
    Disk d(24);
    CHECK(d.config(0, 8) == 24);  // capacity in 512-byte sectors
    CHECK(d.config(0, 4) == 24);
    CHECK(d.config(4, 4) == 0);
    CHECK(d.config(0, 1) == 24);
    CHECK(d.config(0, 2) == 24);
    CHECK(d.config(8, 4) == 0);      // size_max: not offered
    CHECK(d.config(12, 4) == 254);   // seg_max
    CHECK(d.config(0x40, 4) == 0);   // past the structure
    CHECK(d.config(0xf8, 8) == 0);
    // The configuration space is read-only.
    REQUIRE(d.bus.mmio_write(kBase + CONFIG, 8, 1234));
    CHECK(d.config(0, 8) == 24);
}

TEST_CASE("virtio-blk: OUT then IN round-trips sectors through the image", "[virtio]") {
    Disk d(16);
    d.setup();
    CHECK(d.irq_calls == 0);

    std::vector<uint8_t> data(1024);
    for (size_t i = 0; i < data.size(); ++i) data[i] = uint8_t(0xc0 ^ i ^ (i >> 8));
    d.put(kData, data.data(), data.size());
    const Result out = d.request(T_OUT, 3, {{kData, 1024, false}});
    CHECK(out.status == OK);
    CHECK(out.used_len == 1);  // only the status byte was written
    CHECK(d.irq);
    CHECK(d.rd(INTERRUPT_STATUS) == 1);

    // The file holds the data at sectors 3-4, everything else as before.
    std::vector<uint8_t> want = pattern(16);
    std::copy(data.begin(), data.end(), want.begin() + 3 * 512);
    CHECK(d.image.contents() == want);

    // Read back into two buffers of odd sizes.
    d.fill(kData2, 0, 2048);
    const Result in = d.request(T_IN, 3, {{kData2, 300, true}, {kData2 + 0x400, 724, true}});
    CHECK(in.status == OK);
    CHECK(in.used_len == 1025);
    std::vector<uint8_t> got = d.get(kData2, 300);
    const std::vector<uint8_t> got2 = d.get(kData2 + 0x400, 724);
    got.insert(got.end(), got2.begin(), got2.end());
    CHECK(got == data);

    SECTION("data and status in one device-writable buffer") {
        d.fill(kData2, 0xee, 513);
        const Result r = d.submit({{kHeader, 16, false}, {kData2, 513, true}}, kData2 + 512);
        // (The header still says IN of sector 3.)
        CHECK(r.status == OK);
        CHECK(r.used_len == 513);
        CHECK(d.get(kData2, 512) == std::vector<uint8_t>(data.begin(), data.begin() + 512));
    }
    SECTION("header and data in one device-readable buffer") {
        d.header(T_OUT, 10, kData);
        std::vector<uint8_t> sector(512, 0x3c);
        d.put(kData + 16, sector.data(), sector.size());
        const Result r = d.submit({{kData, 16 + 512, false}, {kStatus, 1, true}});
        CHECK(r.status == OK);
        CHECK(d.image.contents()[10 * 512 + 100] == 0x3c);
    }
    SECTION("a header split over two descriptors") {
        d.header(T_IN, 0);
        d.fill(kData2, 0, 512);
        const Result r = d.submit({{kHeader, 8, false}, {kHeader + 8, 8, false}, {kData2, 512, true}, {kStatus, 1, true}});
        CHECK(r.status == OK);
        CHECK(d.get(kData2, 512) == std::vector<uint8_t>(want.begin(), want.begin() + 512));
    }
    SECTION("the first and the last sector") {
        const Result first = d.request(T_IN, 0, {{kData2, 512, true}});
        CHECK(first.status == OK);
        CHECK(d.get(kData2, 512) == std::vector<uint8_t>(want.begin(), want.begin() + 512));
        const Result last = d.request(T_IN, 15, {{kData2, 512, true}});
        CHECK(last.status == OK);
        CHECK(d.get(kData2, 512) == std::vector<uint8_t>(want.end() - 512, want.end()));
    }
}

TEST_CASE("virtio-blk: transfers larger than the bounce buffer", "[virtio]") {
    Disk d(512);
    d.setup();
    // 160 sectors (80 KiB) from three buffers of uneven sizes.
    const uint32_t total = 160 * 512, a = 10000, b = 50000, c = total - a - b;
    std::vector<uint8_t> data(total);
    for (size_t i = 0; i < total; ++i) data[i] = uint8_t((i * 13) ^ (i >> 9));
    d.put(kData, data.data(), a);
    d.put(kData + 0x10000, data.data() + a, b);
    d.put(kData + 0x30000, data.data() + a + b, c);
    const Result out =
        d.request(T_OUT, 100, {{kData, a, false}, {kData + 0x10000, b, false}, {kData + 0x30000, c, false}});
    CHECK(out.status == OK);
    const std::vector<uint8_t> file = d.image.contents();
    CHECK(std::equal(data.begin(), data.end(), file.begin() + 100 * 512));
    const std::vector<uint8_t> before = pattern(512);
    CHECK(std::equal(file.begin(), file.begin() + 100 * 512, before.begin()));
    CHECK(std::equal(file.begin() + 260 * 512, file.end(), before.begin() + 260 * 512));

    // Read it back as one buffer.
    d.fill(kData2, 0, total);
    const Result in = d.request(T_IN, 100, {{kData2, total, true}});
    CHECK(in.status == OK);
    CHECK(in.used_len == total + 1);
    CHECK(d.get(kData2, total) == data);
    const auto c2 = d.counters();
    CHECK(c2.at("sectors_written") == 160);
    CHECK(c2.at("sectors_read") == 160);
    CHECK(c2.at("bytes_read") == total);
}

TEST_CASE("virtio-blk: FLUSH syncs as the cache mode says", "[virtio]") {
    SECTION("writeback") {
        Disk d(8);
        d.setup(F_VERSION_1 | F_FLUSH);
        const Result r = d.request(T_FLUSH, 0, {});
        CHECK(r.status == OK);
        CHECK(r.used_len == 1);
        CHECK(d.counter("requests_flush") == 1);
        CHECK(d.counter("host_syncs") == 1);
    }
    SECTION("unsafe: accepted, not synced") {
        Disk d(8, ",cache=unsafe");
        d.setup(F_VERSION_1 | F_FLUSH);
        CHECK(d.request(T_FLUSH, 0, {}).status == OK);
        CHECK(d.counter("host_syncs") == 0);
    }
    SECTION("writethrough: each write synced") {
        Disk d(8, ",cache=writethrough");
        d.setup();
        d.fill(kData, 0x77, 1024);
        CHECK(d.request(T_OUT, 0, {{kData, 512, false}}).status == OK);
        CHECK(d.request(T_OUT, 1, {{kData, 1024, false}}).status == OK);
        CHECK(d.counter("host_syncs") == 2);
    }
}

TEST_CASE("virtio-blk: GET_ID returns the serial", "[virtio]") {
    SECTION("default: mipshv-<name>, NUL-padded to 20 bytes") {
        Disk d(8);
        d.setup();
        d.fill(kData, 0xee, 32);
        const Result r = d.request(T_GET_ID, 0, {{kData, 20, true}});
        CHECK(r.status == OK);
        CHECK(r.used_len == 21);
        std::vector<uint8_t> want(20, 0);
        std::memcpy(want.data(), "mipshv-vda", 10);
        CHECK(d.get(kData, 20) == want);
        CHECK(d.get(kData + 20, 1)[0] == 0xee);
        CHECK(d.counter("requests_get_id") == 1);
    }
    SECTION("another name") {
        Disk d(8, "", "vdc");
        d.setup();
        CHECK(d.request(T_GET_ID, 0, {{kData, 20, true}}).status == OK);
        CHECK(d.get(kData, 11) == std::vector<uint8_t>{'m', 'i', 'p', 's', 'h', 'v', '-', 'v', 'd', 'c', 0});
    }
    SECTION("serial=STR, a larger buffer gets 20 bytes") {
        Disk d(8, ",serial=disk,,42");
        d.setup();
        d.fill(kData, 0xee, 64);
        const Result r = d.request(T_GET_ID, 0, {{kData, 64, true}});
        CHECK(r.status == OK);
        CHECK(r.used_len == 21);
        std::vector<uint8_t> want(20, 0);
        std::memcpy(want.data(), "disk,42", 7);
        CHECK(d.get(kData, 20) == want);
        CHECK(d.get(kData + 20, 1)[0] == 0xee);
    }
    SECTION("a 20-byte serial is not terminated; a short buffer gets a prefix") {
        Disk d(8, ",serial=ABCDEFGHIJKLMNOPQRST");
        d.setup();
        CHECK(d.request(T_GET_ID, 0, {{kData, 20, true}}).used_len == 21);
        const std::vector<uint8_t> id = d.get(kData, 20);
        CHECK(std::string(id.begin(), id.end()) == "ABCDEFGHIJKLMNOPQRST");
        d.fill(kData, 0xee, 20);
        const Result r = d.request(T_GET_ID, 0, {{kData, 8, true}});
        CHECK(r.status == OK);
        CHECK(r.used_len == 9);
        CHECK(d.get(kData, 9) == std::vector<uint8_t>{'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 0xee});
    }
}

TEST_CASE("virtio-blk: an unknown request type is UNSUPP", "[virtio]") {
    Disk d(8);
    d.setup();
    for (uint32_t type : {2u, 7u, 11u, 0xffffffffu}) {
        INFO(type);
        const Result r = d.request(type, 0, {});
        CHECK(r.status == UNSUPP);
        CHECK(r.used_len == 1);
    }
    CHECK(d.counter("requests_unsupported") == 4);
    CHECK(d.image.contents() == pattern(8));
}

TEST_CASE("virtio-blk: a sector range past the end is IOERR and touches nothing", "[virtio]") {
    Disk d(8);
    d.setup();
    d.fill(kData, 0xee, 1024);
    struct Case {
        uint32_t type;
        uint64_t sector;
        uint32_t bytes;
    };
    for (const Case c : {Case{T_IN, 8, 512}, Case{T_IN, 7, 1024}, Case{T_IN, 9, 512}, Case{T_OUT, 8, 512},
                         Case{T_OUT, 7, 1024}, Case{T_OUT, 1ull << 63, 512}, Case{T_IN, ~0ull, 512},
                         Case{T_OUT, ~0ull - 1, 1024}, Case{T_IN, 1ull << 55, 512}}) {
        INFO("type " << c.type << " sector " << c.sector << " bytes " << c.bytes);
        const Result r = d.request(c.type, c.sector, {{kData, c.bytes, c.type == T_IN}});
        CHECK(r.status == IOERR);
        CHECK(r.used_len == 1);
    }
    CHECK(d.get(kData, 1024) == std::vector<uint8_t>(1024, 0xee));
    CHECK(d.image.contents() == pattern(8));
    CHECK(d.counter("errors_out_of_range") == 9);
    // The last sector itself is fine.
    CHECK(d.request(T_IN, 7, {{kData, 512, true}}).status == OK);
}

TEST_CASE("virtio-blk: a write on a read-only disk is IOERR, the image unchanged", "[virtio]") {
    Disk d(8, ",readonly=on");
    d.setup(F_VERSION_1 | F_RO);
    d.fill(kData, 0x99, 512);
    const Result r = d.request(T_OUT, 2, {{kData, 512, false}});
    CHECK(r.status == IOERR);
    CHECK(r.used_len == 1);
    CHECK(d.image.contents() == pattern(8));
    CHECK(d.counter("errors_read_only") == 1);
    CHECK(d.counter("sectors_written") == 0);
    // Reads work.
    const Result in = d.request(T_IN, 2, {{kData, 512, true}});
    CHECK(in.status == OK);
    const std::vector<uint8_t> want = pattern(8);
    CHECK(d.get(kData, 512) == std::vector<uint8_t>(want.begin() + 1024, want.begin() + 1536));
}

TEST_CASE("virtio-blk: snapshot=on writes are seen by the guest, not the file", "[virtio]") {
    Disk d(8, ",snapshot=on");
    d.setup();
    d.fill(kData, 0x42, 512);
    CHECK(d.request(T_OUT, 5, {{kData, 512, false}}).status == OK);
    d.fill(kData2, 0, 512);
    CHECK(d.request(T_IN, 5, {{kData2, 512, true}}).status == OK);
    CHECK(d.get(kData2, 512) == std::vector<uint8_t>(512, 0x42));
    CHECK(d.image.contents() == pattern(8));
}

TEST_CASE("virtio-blk: malformed chains fail with IOERR and touch nothing", "[virtio]") {
    Disk d(8);
    d.setup();
    d.fill(kData, 0xee, 1024);
    d.header(T_IN, 1);
    struct Case {
        const char* what;
        std::vector<Seg> segs;
        uint8_t status;     // 0xff: the status byte must stay untouched
        uint32_t used_len;  // 1 with a status byte, 0 without
        bool chain_fault;   // counted in malformed_chains
    };
    const std::vector<Case> cases = {
        {"header of 8 bytes", {{kHeader, 8, false}, {kData, 512, true}, {kStatus, 1, true}}, IOERR, 1, false},
        {"no header at all", {{kStatus, 1, true}}, IOERR, 1, false},
        {"IN with an extra readable buffer", {{kHeader, 16, false}, {kData2, 16, false}, {kData, 512, true}, {kStatus, 1, true}},
         IOERR, 1, false},
        {"IN data not a multiple of 512", {{kHeader, 16, false}, {kData, 100, true}, {kStatus, 1, true}}, IOERR, 1, false},
        {"zero-length data buffer", {{kHeader, 16, false}, {kData, 0, true}, {kData, 512, true}, {kStatus, 1, true}}, IOERR,
         1, true},
        {"data buffer outside RAM", {{kHeader, 16, false}, {kRam + 0x1000, 512, true}, {kStatus, 1, true}}, IOERR, 1, true},
        {"data buffer partly outside RAM", {{kHeader, 16, false}, {kRam - 256, 512, true}, {kStatus, 1, true}}, IOERR, 1, true},
        {"data buffer in MMIO space", {{kHeader, 16, false}, {kBase, 512, true}, {kStatus, 1, true}}, IOERR, 1, true},
        {"header outside RAM", {{kRam + 0x10, 16, false}, {kData, 512, true}, {kStatus, 1, true}}, IOERR, 1, true},
        {"readable after writable",
         {{kHeader, 16, false}, {kData, 512, true}, {kData2, 16, false}, {kStatus, 1, true}}, IOERR, 1, true},
        {"status byte device-readable", {{kHeader, 16, false}, {kData, 512, true}, {kStatus, 1, false}}, 0xff, 0, true},
        {"status byte zero-length", {{kHeader, 16, false}, {kData, 512, true}, {kStatus, 0, true}}, 0xff, 0, true},
        {"no writable buffer at all", {{kHeader, 16, false}, {kStatus, 1, false}}, 0xff, 0, false},
    };
    uint64_t chain_faults = 0;
    for (const Case& c : cases) {
        INFO(c.what);
        const Result r = d.submit(c.segs);
        CHECK(r.status == c.status);
        CHECK(r.used_len == c.used_len);
        chain_faults += c.chain_fault;
        CHECK(d.counter("malformed_chains") == chain_faults);
        CHECK(d.get(kData, 1024) == std::vector<uint8_t>(1024, 0xee));
    }
    CHECK(d.counter("malformed_requests") == cases.size());
    CHECK(d.counter("sectors_read") == 0);
    // The device is still usable: no NEEDS_RESET for a chain fault.
    CHECK((d.rd(STATUS) & S_NEEDS_RESET) == 0);
    CHECK(d.request(T_IN, 1, {{kData, 512, true}}).status == OK);
}

TEST_CASE("virtio-blk: a last buffer that wraps around the address space gets no status byte", "[virtio]") {
    // The last descriptor is device-writable but not inside RAM: its end
    // wraps past 2^64, so "its last byte" computed modulo 2^64 is a RAM
    // address the driver never gave the device. MANUAL.md §3: the status
    // byte gets IOERR only "when the last descriptor is device-writable and
    // inside RAM"; otherwise the used length is 0 and nothing is written.
    Disk d(8);
    d.setup();
    d.header(T_IN, 0);
    d.fill(0, 0xee, 0x200);  // guest RAM at physical 0..0x1ff, outside every buffer
    SECTION("a status buffer [2^64 - 256, 2^64 + 256)") {
        const Result r = d.submit({{kHeader, 16, false}, {~0ull - 0xff, 0x200, true}});
        CHECK(r.used_len == 0);
        CHECK(d.get(0xff, 1)[0] == 0xee);  // (2^64 - 256) + 0x200 - 1, modulo 2^64
    }
    SECTION("a one-byte-too-long status buffer at 2^64 - 1") {
        const Result r = d.submit({{kHeader, 16, false}, {~0ull, 2, true}});
        CHECK(r.used_len == 0);
        CHECK(d.get(0, 1)[0] == 0xee);
    }
    const std::vector<uint8_t> low = d.get(0, 0x200);
    CHECK(std::count(low.begin(), low.end(), 0xee) == 0x200);  // no byte written
    CHECK(d.counter("malformed_chains") == 1);
    CHECK(d.counter("malformed_requests") == 1);
}

TEST_CASE("virtio-blk: a last buffer that starts below RAM gets no status byte", "[virtio]") {
    // RAM of 256 MiB + 4 KiB: the last 4 KiB at the high window (512 MiB).
    // A status buffer starting in the hole below it and ending inside it is
    // not inside RAM, so (MANUAL.md §3) no status byte: used length 0.
    Disk d(8, "", "vda", kLow + 4096);
    d.setup();
    d.header(T_IN, 0);
    d.fill(kHigh, 0xee, 0x20);
    const Result r = d.submit({{kHeader, 16, false}, {kHigh - 0x10, 0x20, true}});
    CHECK(r.used_len == 0);
    CHECK(d.get(kHigh + 0xf, 1)[0] == 0xee);  // the buffer's last byte, the only one in RAM
    const std::vector<uint8_t> high = d.get(kHigh, 0x20);
    CHECK(std::count(high.begin(), high.end(), 0xee) == 0x20);
    CHECK(d.counter("malformed_chains") == 1);
}

TEST_CASE("virtio-blk: a host I/O error is IOERR for the guest and the run goes on", "[virtio]") {
    Disk d(8);
    d.setup();
    // The image shrinks under the device: sectors 4-7 are gone on the host.
    REQUIRE(::truncate(d.image.path.c_str(), 4 * 512) == 0);
    d.fill(kData, 0xee, 512);
    const Result r = d.request(T_IN, 6, {{kData, 512, true}});
    CHECK(r.status == IOERR);
    CHECK(r.used_len == 1);
    CHECK(d.counter("errors_host_io") == 1);
    CHECK(d.counter("sectors_read") == 0);
    // The device still works.
    CHECK(d.request(T_IN, 1, {{kData, 512, true}}).status == OK);
    CHECK((d.rd(STATUS) & S_NEEDS_RESET) == 0);
}

TEST_CASE("virtio-blk: malformed OUT requests leave the image alone", "[virtio]") {
    Disk d(8);
    d.setup();
    d.fill(kData, 0x99, 1024);
    d.header(T_OUT, 1);
    SECTION("data not a multiple of 512") {
        const Result r = d.submit({{kHeader, 16, false}, {kData, 700, false}, {kStatus, 1, true}});
        CHECK(r.status == IOERR);
        CHECK(r.used_len == 1);
    }
    SECTION("status byte not alone in the writable part") {
        d.fill(kData2, 0xee, 2);
        const Result r = d.submit({{kHeader, 16, false}, {kData, 512, false}, {kData2, 2, true}}, kData2 + 1);
        CHECK(r.status == IOERR);
        CHECK(r.used_len == 1);
        CHECK(d.get(kData2, 1)[0] == 0xee);
    }
    SECTION("a data buffer outside RAM") {
        const Result r =
            d.submit({{kHeader, 16, false}, {kData, 512, false}, {kRam, 512, false}, {kStatus, 1, true}});
        CHECK(r.status == IOERR);
        CHECK(r.used_len == 1);
    }
    SECTION("status readable: no status byte at all") {
        const Result r = d.submit({{kHeader, 16, false}, {kData, 512, false}, {kStatus, 1, false}});
        CHECK(r.status == 0xff);
        CHECK(r.used_len == 0);
    }
    SECTION("status byte outside RAM") {
        const Result r = d.submit({{kHeader, 16, false}, {kData, 512, false}, {kRam + 0x10, 1, true}}, kRam + 0x10);
        CHECK(r.used_len == 0);
    }
    CHECK(d.image.contents() == pattern(8));
    CHECK(d.counter("sectors_written") == 0);
}

TEST_CASE("virtio-blk: a bad queue at QueueReady sets NEEDS_RESET", "[virtio]") {
    struct Case {
        const char* what;
        uint32_t size;
        uint64_t desc, avail, used;
    };
    for (const Case& c : {Case{"size 0", 0, kDesc, kAvail, kUsed}, Case{"size 3", 3, kDesc, kAvail, kUsed},
                          Case{"size 512", 512, kDesc, kAvail, kUsed}, Case{"desc misaligned", 16, kDesc + 8, kAvail, kUsed},
                          Case{"avail misaligned", 16, kDesc, kAvail + 1, kUsed},
                          Case{"used misaligned", 16, kDesc, kAvail, kUsed + 2},
                          Case{"used outside RAM", 16, kDesc, kAvail, kRam - 8},
                          Case{"desc above 4 GiB", 16, kDesc | (1ull << 32), kAvail, kUsed}}) {
        INFO(c.what);
        Disk d(8);
        REQUIRE(d.negotiate(F_VERSION_1));
        d.wr(QUEUE_SEL, 0);
        d.wr(QUEUE_NUM, c.size);
        d.wr(QUEUE_DESC_LOW, uint32_t(c.desc));
        d.wr(QUEUE_DESC_HIGH, uint32_t(c.desc >> 32));
        d.wr(QUEUE_DRIVER_LOW, uint32_t(c.avail));
        d.wr(QUEUE_DRIVER_HIGH, 0);
        d.wr(QUEUE_DEVICE_LOW, uint32_t(c.used));
        d.wr(QUEUE_DEVICE_HIGH, 0);
        CHECK_FALSE(d.irq);
        d.wr(QUEUE_READY, 1);
        CHECK(d.rd(QUEUE_READY) == 0);
        CHECK(d.rd(STATUS) == (S_ACK | S_DRIVER | S_FEATURES_OK | S_NEEDS_RESET));
        CHECK(d.rd(INTERRUPT_STATUS) == 2);
        CHECK(d.irq);
        CHECK(d.counter("malformed_queues") == 1);
        // Reset, then a good queue works.
        d.wr(STATUS, 0);
        CHECK(d.rd(STATUS) == 0);
        CHECK(d.rd(INTERRUPT_STATUS) == 0);
        CHECK_FALSE(d.irq);
        d.setup();
        d.fill(kData, 0, 512);
        CHECK(d.request(T_IN, 0, {{kData, 512, true}}).status == OK);
    }
}

TEST_CASE("virtio-blk: a broken ring sets NEEDS_RESET and stops the queue until reset", "[virtio]") {
    Disk d(8);
    d.setup();
    const std::vector<uint8_t> want = pattern(8);
    d.header(T_IN, 0);
    SECTION("available index jump") {
        const uint16_t jump = kQueueSize + 1;
        d.put(kAvail + 2, &jump, 2);
        d.wr(QUEUE_NOTIFY, 0);
        CHECK(d.used_idx() == 0);
    }
    SECTION("head index out of range") {
        const uint16_t head = kQueueSize, one = 1;
        d.put(kAvail + 4, &head, 2);
        d.put(kAvail + 2, &one, 2);
        d.wr(QUEUE_NOTIFY, 0);
        CHECK(d.used_idx() == 0);
    }
    SECTION("a looping chain") {
        struct {
            uint64_t addr;
            uint32_t len;
            uint16_t flags, next;
        } loop[2] = {{kHeader, 16, D_NEXT, 1}, {kData, 512, D_NEXT | D_WRITE, 0}};
        d.put(kDesc, loop, sizeof loop);
        const uint16_t zero = 0, one = 1;
        d.put(kAvail + 4, &zero, 2);
        d.put(kAvail + 2, &one, 2);
        d.wr(QUEUE_NOTIFY, 0);
        CHECK(d.used_idx() == 0);
    }
    SECTION("an indirect descriptor") {
        struct {
            uint64_t addr;
            uint32_t len;
            uint16_t flags, next;
        } ind{kData, 48, 4, 0};
        d.put(kDesc, &ind, sizeof ind);
        const uint16_t zero = 0, one = 1;
        d.put(kAvail + 4, &zero, 2);
        d.put(kAvail + 2, &one, 2);
        d.wr(QUEUE_NOTIFY, 0);
        CHECK(d.used_idx() == 0);
    }
    SECTION("a good chain, then a bad one, in one notify") {
        d.fill(kData, 0, 512);
        d.offer({{kHeader, 16, false}, {kData, 512, true}, {kStatus, 1, true}});
        const uint16_t bad_head = 200, two = 2;
        d.put(kAvail + 4 + 2, &bad_head, 2);
        d.put(kAvail + 2, &two, 2);
        d.wr(QUEUE_NOTIFY, 0);
        // The first is served, then the queue breaks.
        CHECK(d.used_idx() == 1);
        CHECK(d.used_len(0) == 513);
        CHECK(d.get(kData, 512) == std::vector<uint8_t>(want.begin(), want.begin() + 512));
        CHECK(d.rd(INTERRUPT_STATUS) == 3);
        d.wr(INTERRUPT_ACK, 1);
    }
    CHECK(d.rd(STATUS) & S_NEEDS_RESET);
    CHECK(d.rd(INTERRUPT_STATUS) == 2);
    CHECK(d.irq);
    CHECK(d.counter("malformed_queues") == 1);
    const uint16_t used_before = d.used_idx();

    // Now a good request: ignored until the driver resets the device.
    d.wr(INTERRUPT_ACK, 2);
    CHECK_FALSE(d.irq);
    const std::vector<uint8_t> zeros(0x100, 0);
    d.put(kAvail, zeros.data(), zeros.size());
    d.avail_idx = 0;
    d.fill(kData, 0xee, 512);
    d.offer({{kHeader, 16, false}, {kData, 512, true}, {kStatus, 1, true}});
    const uint64_t ignored = d.counter("ignored_notifications");
    d.wr(QUEUE_NOTIFY, 0);
    CHECK(d.used_idx() == used_before);
    CHECK(d.get(kData, 512) == std::vector<uint8_t>(512, 0xee));
    CHECK(d.counter("ignored_notifications") == ignored + 1);
    CHECK_FALSE(d.irq);
    // The driver cannot clear NEEDS_RESET other than by a reset.
    d.wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    CHECK(d.rd(STATUS) & S_NEEDS_RESET);
    d.wr(QUEUE_NOTIFY, 0);
    CHECK(d.used_idx() == used_before);

    d.wr(STATUS, 0);
    CHECK(d.rd(STATUS) == 0);
    CHECK(d.rd(QUEUE_READY) == 0);
    d.setup();
    CHECK(d.request(T_IN, 0, {{kData, 512, true}}).status == OK);
    CHECK(d.get(kData, 512) == std::vector<uint8_t>(want.begin(), want.begin() + 512));
}

TEST_CASE("virtio-blk: the driver cannot set NEEDS_RESET itself", "[virtio]") {
    Disk d(8);
    d.wr(STATUS, S_ACK | S_NEEDS_RESET);
    CHECK(d.rd(STATUS) == S_ACK);
    CHECK_FALSE(d.irq);
}

TEST_CASE("virtio-blk: notifications before DRIVER_OK or for no queue are ignored", "[virtio]") {
    Disk d(8);
    REQUIRE(d.negotiate(F_VERSION_1));
    d.wr(QUEUE_NOTIFY, 0);  // queue not ready
    d.program_queue();
    d.header(T_IN, 0);
    d.fill(kData, 0xee, 512);
    d.offer({{kHeader, 16, false}, {kData, 512, true}, {kStatus, 1, true}});
    d.wr(QUEUE_NOTIFY, 0);  // not DRIVER_OK
    CHECK(d.used_idx() == 0);
    CHECK(d.counter("ignored_notifications") == 2);
    d.wr(STATUS, S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK);
    d.wr(QUEUE_NOTIFY, 1);  // no such queue
    d.wr(QUEUE_NOTIFY, 0xffffffff);
    CHECK(d.used_idx() == 0);
    CHECK(d.counter("ignored_notifications") == 4);
    CHECK_FALSE(d.irq);
    d.wr(QUEUE_NOTIFY, 0);  // now the pending request is served
    CHECK(d.used_idx() == 1);
    CHECK(d.used_len(0) == 513);
    CHECK(d.counter("queue_notifications") == 1);
}

TEST_CASE("virtio-blk: queue registers are fixed while the queue is ready", "[virtio]") {
    Disk d(8);
    d.setup();
    d.wr(QUEUE_DESC_LOW, 0x8000);
    d.wr(QUEUE_DRIVER_LOW, 0x9000);
    d.wr(QUEUE_DEVICE_LOW, 0xa000);
    d.wr(QUEUE_NUM, 4);
    CHECK(d.rd(QUEUE_DESC_LOW) == kDesc);
    CHECK(d.rd(QUEUE_DRIVER_LOW) == kAvail);
    CHECK(d.rd(QUEUE_DEVICE_LOW) == kUsed);
    CHECK(d.rd(QUEUE_NUM) == kQueueSize);
    CHECK(d.request(T_IN, 0, {{kData, 512, true}}).status == OK);
    // QueueReady = 0 disables it; then the registers can change.
    d.wr(QUEUE_READY, 0);
    CHECK(d.rd(QUEUE_READY) == 0);
    d.wr(QUEUE_NUM, 4);
    CHECK(d.rd(QUEUE_NUM) == 4);
}

TEST_CASE("virtio-blk: the interrupt is a level that follows InterruptStatus and ACK", "[virtio]") {
    Disk d(8);
    d.setup();
    d.fill(kData, 0, 512);
    CHECK_FALSE(d.irq);
    d.request(T_IN, 0, {{kData, 512, true}});
    CHECK(d.irq);
    CHECK(d.rd(INTERRUPT_STATUS) == 1);
    d.request(T_IN, 1, {{kData, 512, true}});
    CHECK(d.rd(INTERRUPT_STATUS) == 1);
    d.wr(INTERRUPT_ACK, 2);  // a bit that is not set
    CHECK(d.irq);
    CHECK(d.rd(INTERRUPT_STATUS) == 1);
    d.wr(INTERRUPT_ACK, 1);
    CHECK_FALSE(d.irq);
    CHECK(d.rd(INTERRUPT_STATUS) == 0);
    CHECK(d.counter("interrupts_raised") == 2);

    SECTION("VIRTQ_AVAIL_F_NO_INTERRUPT suppresses the used-buffer interrupt") {
        const uint16_t no_interrupt = 1;
        d.put(kAvail, &no_interrupt, 2);
        const Result r = d.request(T_IN, 2, {{kData, 512, true}});
        CHECK(r.status == OK);  // served all the same
        CHECK_FALSE(d.irq);
        CHECK(d.rd(INTERRUPT_STATUS) == 0);
        CHECK(d.counter("interrupts_raised") == 2);
    }
    SECTION("one interrupt per notification, however many chains") {
        d.header(T_IN, 3);
        d.offer({{kHeader, 16, false}, {kData, 512, true}, {kStatus, 1, true}}, 0);
        d.offer({{kHeader, 16, false}, {kData2, 512, true}, {kStatus + 1, 1, true}}, 3);
        d.wr(QUEUE_NOTIFY, 0);
        CHECK(d.used_idx() == 4);
        CHECK(d.used_id(2) == 0);
        CHECK(d.used_id(3) == 3);
        CHECK(d.irq);
        CHECK(d.counter("interrupts_raised") == 3);
        CHECK(d.counter("requests") == 4);
    }
    SECTION("a reset lowers the line") {
        d.request(T_IN, 0, {{kData, 512, true}});
        CHECK(d.irq);
        d.wr(STATUS, 0);
        CHECK_FALSE(d.irq);
        CHECK(d.rd(INTERRUPT_STATUS) == 0);
    }
}

TEST_CASE("virtio-blk: counters count each kind of request", "[virtio]") {
    Disk d(8);
    d.setup(F_VERSION_1 | F_FLUSH);
    d.fill(kData, 0x12, 1024);
    CHECK(d.request(T_OUT, 0, {{kData, 1024, false}}).status == OK);           // 2 sectors written
    CHECK(d.request(T_IN, 4, {{kData, 512, true}}).status == OK);              // 1 sector read
    CHECK(d.request(T_FLUSH, 0, {}).status == OK);                             // 1 sync
    CHECK(d.request(T_GET_ID, 0, {{kData, 20, true}}).status == OK);
    CHECK(d.request(99, 0, {}).status == UNSUPP);
    CHECK(d.request(T_IN, 8, {{kData, 512, true}}).status == IOERR);           // out of range
    CHECK(d.submit({{kHeader, 16, false}, {kData, 0, true}, {kStatus, 1, true}}).status == IOERR);  // malformed chain

    std::vector<std::string> names;
    d.transport->each_counter([&](const char* n, uint64_t, const char* description) {
        names.push_back(n);
        CHECK(std::strlen(description) > 0);
    });
    REQUIRE(names.size() >= 2);
    CHECK(names.front() == "queue_notifications");  // the transport's first, then the device's
    CHECK(std::find(names.begin(), names.end(), "requests_in") > std::find(names.begin(), names.end(), "malformed_chains"));

    const std::map<std::string, uint64_t> expected = {
        {"queue_notifications", 7}, {"ignored_notifications", 0}, {"requests", 7}, {"interrupts_raised", 7},
        {"device_resets", 0}, {"features_refused", 0}, {"malformed_queues", 0}, {"malformed_chains", 1},
        {"requests_in", 2}, {"requests_out", 1}, {"requests_flush", 1}, {"requests_get_id", 1},
        {"requests_unsupported", 1}, {"sectors_read", 1}, {"sectors_written", 2}, {"bytes_read", 512},
        {"bytes_written", 1024}, {"host_syncs", 1}, {"errors_host_io", 0}, {"errors_out_of_range", 1},
        {"errors_read_only", 0}, {"malformed_requests", 1},
    };
    const auto got = d.counters();
    CHECK(got.size() == expected.size());
    for (const auto& [name, value] : expected) {
        INFO(name);
        REQUIRE(got.count(name) == 1);
        CHECK(got.at(name) == value);
    }
}
