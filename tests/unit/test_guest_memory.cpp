// The guest-physical address space (hv/board/bus.h): bounds of RAM, the one
// write path (Bus::write / before_write) that must invalidate translated
// code and drop patches, and device windows that may not overlap.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <memory>
#include <string>
#include <unistd.h>
#include <utility>
#include <vector>

#include "hv/board/bus.h"
#include "hv/board/machine.h"
#include "hv/stats/run_record.h"
#include "hv/common/error.h"
#include "hv/cpu/exception.h"
#include "hv/engine/engine.h"
#include "hv/isa/encode.h"

using namespace mipshv;

namespace {

// Records what the bus tells the engine.
struct FakeEngine final : ExecutionEngine {
    std::vector<std::pair<uint64_t, uint64_t>> invalidated;
    void run(Cpu&, uint64_t) override {}
    void invalidate_code(uint64_t pa, uint64_t len) override { invalidated.emplace_back(pa, len); }
    void flush_lookup_cache(LookupFlush) override {}
    const char* name() const override { return "fake"; }
    void fill_record(stats::EngineRecord&) const override {}
};

// Records what the bus tells the patcher; "patched" words read as 0x11.
struct FakeOverlay final : PatchOverlay {
    std::vector<std::pair<uint64_t, uint64_t>> writes;
    unsigned restores = 0;
    void restore_originals(uint64_t, unsigned size, uint64_t& value) override {
        ++restores;
        value = 0;
        std::memset(&value, 0x11, size);
    }
    void guest_writes(uint64_t pa, uint64_t len) override { writes.emplace_back(pa, len); }
};

struct FakeDevice final : MmioDevice {
    std::string label;
    uint64_t last_write_offset = ~0ull, last_write_value = 0;
    unsigned reads = 0;
    explicit FakeDevice(std::string l) : label(std::move(l)) {}
    std::string name() const override { return label; }
    bool accepts(uint64_t offset, unsigned size) const override { return aligned_access_of(4, offset, size); }
    uint64_t on_read(unsigned, uint64_t offset, unsigned) override { return ++reads, 0xabc00000 | offset; }
    void on_write(unsigned, uint64_t offset, unsigned, uint64_t value) override {
        last_write_offset = offset;
        last_write_value = value;
    }
};

constexpr uint64_t kPage = 4096;

// loop: t0 = `value`; *(u32*)0x80020000 = t0; b loop
std::vector<uint32_t> store_loop(int16_t value) {
    return {encode::addiu(8, 0, value), encode::lui(9, 0x8002), encode::sw(8, 0, 9), encode::beq(0, 0, -4),
            encode::nop()};
}

std::unique_ptr<Machine> machine_running(const std::string& engine, const std::vector<uint32_t>& code,
                                         std::vector<DriveOptions> drives = {}) {
    Options o;
    o.memory_bytes = 16 << 20;
    o.engine = engine;
    o.drives = std::move(drives);
    auto m = std::make_unique<Machine>(o);
    REQUIRE(m->bus().write(0x10000, code.data(), code.size() * 4));
    m->cpu().pc = 0xffffffff80010000ull;
    m->cpu().cp0.status = 0;  // kernel mode, BEV clear, interrupts off
    update_mmu_mode(m->cpu());
    return m;
}

uint32_t word_at(Machine& m, uint64_t pa) {
    uint32_t v = 0;
    REQUIRE(m.bus().read(pa, &v, 4));
    return v;
}

uint64_t blocks_invalidated(const Machine& m) { return m.run_record(0).engine().blocks_invalidated(); }

}  // namespace

TEST_CASE("guest memory: Bus::write over translated code makes the new code run", "[guest-memory]") {
    for (const char* engine : {"jit", "interp"}) {
        INFO(engine);
        auto m = machine_running(engine, store_loop(1));
        CHECK(m->run(100) == StopReason::BUDGET);
        CHECK(word_at(*m, 0x20000) == 1);
        CHECK(m->bus().is_code_page(0x10000));
        CHECK(blocks_invalidated(*m) == 0);

        // Overwrite the first instruction: t0 = 2.
        const uint32_t insn = encode::addiu(8, 0, 2);
        REQUIRE(m->bus().write(0x10000, &insn, 4));
        CHECK(blocks_invalidated(*m) >= 1);
        CHECK(m->run(100) == StopReason::BUDGET);
        CHECK(word_at(*m, 0x20000) == 2);

        // A write elsewhere on the page (not over code) also goes through
        // before_write; the code keeps running as written.
        const uint32_t zero = 0;
        REQUIRE(m->bus().write(0x10800, &zero, 4));
        CHECK(m->run(100) == StopReason::BUDGET);
        CHECK(word_at(*m, 0x20000) == 2);
    }
}

TEST_CASE("guest memory: bypassing Bus::write leaves stale translations (why the write path matters)",
          "[guest-memory]") {
    // Control experiment for the test above: the same store through the raw
    // host pointer, which skips before_write, is not seen by the engine.
    for (const char* engine : {"jit", "interp"}) {
        INFO(engine);
        auto m = machine_running(engine, store_loop(1));
        CHECK(m->run(100) == StopReason::BUDGET);
        const uint32_t insn = encode::addiu(8, 0, 2);
        std::memcpy(m->bus().ram_ptr(0x10000, 4), &insn, 4);
        CHECK(m->run(100) == StopReason::BUDGET);
        CHECK(word_at(*m, 0x20000) == 1);  // the old block still runs
        CHECK(blocks_invalidated(*m) == 0);
    }
}

TEST_CASE("guest memory: a guest store over its own code invalidates it", "[guest-memory]") {
    // Self-modifying loop: the first pass stores `addiu t0, zero, 2` over
    // its own first instruction (kseg0 0x80010000), the next passes run it.
    //   0: addiu t0, zero, 1
    //   1: lui   t1, 0x8002 ; sw t0, 0(t1)
    //   3: lui   t2, 0x8001 ; lui t3, hi(insn) ; ori t3, t3, lo(insn) ; sw t3, 0(t2)
    //   7: beq zero, zero, 0 ; nop
    const uint32_t insn = encode::addiu(8, 0, 2);
    const std::vector<uint32_t> code = {encode::addiu(8, 0, 1), encode::lui(9, 0x8002), encode::sw(8, 0, 9),
                                        encode::lui(10, 0x8001), encode::lui(11, insn >> 16),
                                        encode::ori(11, 11, insn & 0xffff), encode::sw(11, 0, 10),
                                        encode::beq(0, 0, -8), encode::nop()};
    for (const char* engine : {"jit", "interp"}) {
        INFO(engine);
        auto m = machine_running(engine, code);
        CHECK(m->run(200) == StopReason::BUDGET);
        CHECK(word_at(*m, 0x10000) == insn);
        CHECK(word_at(*m, 0x20000) == 2);
        CHECK(blocks_invalidated(*m) >= 1);
    }
}

TEST_CASE("guest memory: stores to a page that became code after a fast-path store", "[guest-memory]") {
    // Page B (0x30000) is first written by the guest while it holds no
    // code, so the store may take the software TLB's fast path; then B is
    // run (translated); later stores to B must see that it now holds code.
    // Each pass writes `addiu t0, zero, pass` to B[0], jumps to B, and B
    // stores t0 at 0x20000 and jumps back.
    const std::vector<uint32_t> a = {
        encode::addiu(16, 0, 0),       //  0: s0 = 0
        encode::lui(10, 0x8003),       //  1: loop: t2 = B
        encode::lui(12, 0x8001),       //  2:
        encode::ori(12, 12, 0x28),     //  3: t4 = return address (10)
        encode::addiu(16, 16, 1),      //  4: ++s0
        encode::lui(11, 0x2408),       //  5: t3 = addiu t0, zero, 0
        encode::addu(11, 11, 16),      //  6:      ... + s0
        encode::sw(11, 0, 10),         //  7: B[0] = t3
        encode::jr(10),                //  8: go to B
        encode::nop(),                 //  9:
        encode::beq(0, 0, -10),        // 10: b loop
        encode::nop(),                 // 11:
    };
    const std::vector<uint32_t> b = {
        encode::addiu(8, 0, 0x7fff),  // replaced by A
        encode::lui(9, 0x8002), encode::sw(8, 0, 9), encode::jr(12), encode::nop(),
    };
    for (const char* engine : {"jit", "interp"}) {
        INFO(engine);
        auto m = machine_running(engine, a);
        REQUIRE(m->bus().write(0x30000, b.data(), b.size() * 4));
        CHECK(m->run(2000) == StopReason::BUDGET);
        const uint64_t passes = m->cpu().gpr[16];
        CHECK(passes > 50);
        const uint32_t stored = word_at(*m, 0x20000);
        INFO("passes " << passes << ", last stored " << stored);
        CHECK((stored == passes || stored + 1 == passes));
        CHECK(word_at(*m, 0x30000) == encode::addiu(8, 0, int32_t(passes)));
    }
}

namespace {

// A one-sector image holding `bytes`, removed at the end of the test.
struct OneSectorImage {
    std::string path;
    explicit OneSectorImage(const std::vector<uint8_t>& bytes) {
        const char* dir = std::getenv("TMPDIR");
        path = std::string(dir && *dir ? dir : "/tmp") + "/mipshv-dma-XXXXXX";
        const int fd = mkstemp(path.data());
        REQUIRE(fd >= 0);
        std::vector<uint8_t> sector(512, 0);
        std::memcpy(sector.data(), bytes.data(), std::min<size_t>(bytes.size(), 512));
        REQUIRE(::write(fd, sector.data(), sector.size()) == 512);
        ::close(fd);
    }
    ~OneSectorImage() { ::unlink(path.c_str()); }
    OneSectorImage(const OneSectorImage&) = delete;
    OneSectorImage& operator=(const OneSectorImage&) = delete;
};

// The driver's side of virtio slot 0, done by the host: rings at `rings`
// (descriptors, +0x1000 available, +0x2000 used), header at 0x110000,
// status byte at 0x110100.
struct HostDriver {
    Bus& bus;
    uint64_t rings;
    uint64_t base = memory_map::virtio_slot(0).base;
    uint16_t avail_idx = 0;
    void wr(uint64_t off, uint32_t v) { REQUIRE(bus.mmio_write(base + off, 4, v)); }
    uint32_t rd(uint64_t off) {
        uint64_t v = 0;
        REQUIRE(bus.mmio_read(base + off, 4, v));
        return uint32_t(v);
    }
    void start() {
        wr(0x70, 1);
        wr(0x70, 3);
        wr(0x24, 1);
        wr(0x20, 1);  // VERSION_1
        wr(0x70, 0xb);
        wr(0x38, 8);
        wr(0x80, uint32_t(rings));
        wr(0x90, uint32_t(rings + 0x1000));
        wr(0xa0, uint32_t(rings + 0x2000));
        wr(0x44, 1);
        wr(0x70, 0xf);
    }
    // IN of sector 0 into [data, data + 512): the status byte (0xff when unwritten).
    uint8_t read_sector(uint64_t data) {
        const struct {
            uint32_t type, reserved;
            uint64_t sector;
        } header{0, 0, 0};
        REQUIRE(bus.write(0x110000, &header, 16));
        const uint8_t unwritten = 0xff;
        REQUIRE(bus.write(0x110100, &unwritten, 1));
        const struct {
            uint64_t addr;
            uint32_t len;
            uint16_t flags, next;
        } desc[3] = {{0x110000, 16, 1, 1}, {data, 512, 3, 2}, {0x110100, 1, 2, 0}};
        REQUIRE(bus.write(rings, desc, sizeof desc));
        const uint16_t slot = avail_idx % 8, head = 0;
        ++avail_idx;
        REQUIRE(bus.write(rings + 0x1000 + 4 + 2 * slot, &head, 2));
        REQUIRE(bus.write(rings + 0x1000 + 2, &avail_idx, 2));
        wr(0x50, 0);
        uint8_t status = 0;
        REQUIRE(bus.read(0x110100, &status, 1));
        return status;
    }
};

}  // namespace

TEST_CASE("guest memory: device DMA over translated code invalidates it", "[guest-memory]") {
    // A virtio-blk read (IN) whose data buffer is the page the guest runs
    // from: the sector holds the same loop storing 3 instead of 1.
    const std::vector<uint32_t> new_code = store_loop(3);
    std::vector<uint8_t> bytes(new_code.size() * 4);
    std::memcpy(bytes.data(), new_code.data(), bytes.size());
    OneSectorImage image(bytes);

    for (const char* engine : {"jit", "interp"}) {
        INFO(engine);
        auto m = machine_running(engine, store_loop(1), {parse_drive("file=" + image.path + ",format=raw,if=virtio")});
        CHECK(m->run(100) == StopReason::BUDGET);
        CHECK(word_at(*m, 0x20000) == 1);

        HostDriver drv{m->bus(), 0x100000};
        drv.start();
        REQUIRE(drv.read_sector(0x10000) == 0);
        CHECK(word_at(*m, 0x10000) == new_code[0]);
        CHECK(blocks_invalidated(*m) >= 1);
        // Slot 0 drives IP4, a level until InterruptACK; slot 1 is empty.
        CHECK((m->cpu().cp0.cause >> 12) & 1);
        drv.wr(0x64, 1);
        CHECK_FALSE((m->cpu().cp0.cause >> 12) & 1);
        uint64_t v = 0;
        CHECK_FALSE(m->bus().mmio_read(memory_map::virtio_slot(1).base, 4, v));

        CHECK(m->run(100) == StopReason::BUDGET);
        CHECK(word_at(*m, 0x20000) == 3);
    }
}

TEST_CASE("guest memory: device DMA cannot reach the hypervisor's region", "[guest-memory]") {
    // In the hypervisor modes the top MiB of low RAM (here 15-16 MiB) holds
    // the virtual CP0 and the patch stubs: guest loads and stores there are
    // bus errors, and a device must not be able to write it either.
    OneSectorImage image(std::vector<uint8_t>(512, 0xa5));
    const uint64_t region = 15ull << 20;
    for (const char* mode : {"trap", "1:1", "1:n", "on-demand"}) {
        INFO(mode);
        Options o;
        o.memory_bytes = 16 << 20;
        o.mode = mode;
        o.drives = {parse_drive("file=" + image.path + ",format=raw,if=virtio")};
        Machine m(o);
        Bus& bus = m.bus();
        uint8_t probe = 0;
        CHECK_FALSE(bus.read(region, &probe, 1));
        CHECK_FALSE(bus.write(region + 0x800, &probe, 1));
        CHECK_FALSE(bus.read(region - 1, &probe, 2));  // crosses into it
        CHECK(bus.read(region - 1, &probe, 1));
        // Whether the sector (all 0xa5) landed on [pa, pa + 512), as seen by the host.
        auto landed = [&](uint64_t pa) {
            const uint8_t* p = bus.ram_ptr(pa, 512);
            return std::all_of(p, p + 512, [](uint8_t b) { return b == 0xa5; });
        };

        // A data buffer in the region fails the request.
        HostDriver drv{bus, 0x100000};
        drv.start();
        for (uint64_t target : {region + 0x8000, region + 0x4000, region - 0x100}) {
            INFO("data buffer at 0x" << std::hex << target);
            CHECK(drv.read_sector(target) == 1);  // IOERR
            CHECK_FALSE(landed(target));
        }
        CHECK(drv.read_sector(region - 0x200) == 0);  // right below it: fine
        CHECK(landed(region - 0x200));

        // Rings in the region break the queue.
        drv.wr(0x70, 0);
        HostDriver in_region{bus, region + 0x4000};
        in_region.start();
        CHECK(in_region.rd(0x44) == 0);    // QueueReady stays 0
        CHECK(in_region.rd(0x70) & 0x40);  // DEVICE_NEEDS_RESET
    }
}

TEST_CASE("guest memory: before_write splits by page and tells only the pages concerned", "[guest-memory]") {
    Bus bus(4 * kPage, 256ull << 20, 512ull << 20);
    FakeEngine engine;
    FakeOverlay overlay;
    bus.add_engine(&engine);
    bus.overlay = &overlay;
    bus.add_code_page(1 * kPage);
    bus.set_patched_page(2 * kPage, true);

    const std::vector<uint8_t> data(2 * kPage + 0x20, 0x5a);
    REQUIRE(bus.write(kPage - 0x10, data.data(), data.size()));  // [0xff0, 0x3010)
    REQUIRE(engine.invalidated.size() == 1);
    CHECK(engine.invalidated[0] == std::pair<uint64_t, uint64_t>{kPage, kPage});
    REQUIRE(overlay.writes.size() == 1);
    CHECK(overlay.writes[0] == std::pair<uint64_t, uint64_t>{2 * kPage, kPage});
    CHECK(bus.ram_ptr(kPage - 0x10, 1)[0] == 0x5a);
    CHECK(bus.ram_ptr(3 * kPage + 0xf, 1)[0] == 0x5a);
    CHECK(bus.ram_ptr(3 * kPage + 0x10, 1)[0] == 0);

    // A write inside one code page: exactly its range.
    engine.invalidated.clear();
    const uint32_t w = 0x12345678;
    REQUIRE(bus.write(kPage + 0x104, &w, 4));
    REQUIRE(engine.invalidated.size() == 1);
    CHECK(engine.invalidated[0] == std::pair<uint64_t, uint64_t>{kPage + 0x104, 4});

    // A write that is refused tells nobody and changes nothing.
    engine.invalidated.clear();
    overlay.writes.clear();
    bus.add_code_page(3 * kPage);
    const std::vector<uint8_t> more(0x20, 0xa5);
    CHECK_FALSE(bus.write(4 * kPage - 0x10, more.data(), more.size()));
    CHECK(engine.invalidated.empty());
    CHECK(bus.ram_ptr(4 * kPage - 0x10, 1)[0] == 0);

    // Reads of a patched page see the originals, through the overlay.
    uint8_t got[8] = {};
    REQUIRE(bus.read(2 * kPage, got, 8));
    CHECK(overlay.restores >= 1);
    CHECK(got[0] == 0x11);
    CHECK(got[7] == 0x11);
    REQUIRE(bus.read(3 * kPage, got, 8));  // not patched: as stored
    CHECK(got[0] == 0x5a);
}

TEST_CASE("guest memory: read and write refuse ranges that leave RAM", "[guest-memory]") {
    // 4 KiB low (at 0) and 8 KiB high (at 0x20000000).
    const uint64_t low = kPage, high = 0x20000000;
    Bus bus(3 * kPage, low, high);
    std::vector<uint8_t> buf(3 * kPage, 0);
    std::vector<uint8_t> marks(3 * kPage, 0x77);

    CHECK(bus.write(0, marks.data(), low));
    CHECK(bus.write(high, marks.data(), 2 * kPage));
    CHECK(bus.read(0, buf.data(), low));
    CHECK(bus.read(high, buf.data(), 2 * kPage));
    CHECK(bus.is_guest_ram(high + 2 * kPage - 1, 1));

    struct Range {
        uint64_t pa, len;
    };
    for (const Range r : {Range{1, low}, Range{low - 4, 8}, Range{low, 1}, Range{high - 1, 2}, Range{high - 8, 4},
                          Range{high + 2 * kPage - 8, 16}, Range{high + 2 * kPage, 1}, Range{high, 2 * kPage + 1},
                          Range{0, 3 * kPage}, Range{~0ull - 3, 8}, Range{high, ~0ull}, Range{4, ~0ull - 1}}) {
        INFO("pa " << r.pa << " len " << r.len);
        CHECK_FALSE(bus.is_guest_ram(r.pa, r.len));
        buf.assign(buf.size(), 0x33);
        if (r.len <= buf.size()) {
            CHECK_FALSE(bus.read(r.pa, buf.data(), r.len));
            CHECK(buf[0] == 0x33);  // nothing copied
            const std::vector<uint8_t> zeros(r.len, 0);
            CHECK_FALSE(bus.write(r.pa, zeros.data(), r.len));
        }
    }
    // Nothing was written by the refused writes.
    REQUIRE(bus.read(0, buf.data(), low));
    CHECK(std::all_of(buf.begin(), buf.begin() + low, [](uint8_t b) { return b == 0x77; }));
    REQUIRE(bus.read(high, buf.data(), 2 * kPage));
    CHECK(std::all_of(buf.begin(), buf.begin() + 2 * kPage, [](uint8_t b) { return b == 0x77; }));

    // The two windows are different memory.
    const uint32_t a = 0xaaaaaaaa, b = 0xbbbbbbbb;
    REQUIRE(bus.write(0, &a, 4));
    REQUIRE(bus.write(high, &b, 4));
    uint32_t got = 0;
    REQUIRE(bus.read(0, &got, 4));
    CHECK(got == a);
    REQUIRE(bus.read(high, &got, 4));
    CHECK(got == b);

    // RAM smaller than the low window: no high window at all.
    Bus small(1 << 20, 256ull << 20, 512ull << 20);
    CHECK(small.is_guest_ram((1 << 20) - 4, 4));
    CHECK_FALSE(small.is_guest_ram((1 << 20) - 4, 8));
    CHECK_FALSE(small.write((1 << 20) - 4, &a, 8));
    CHECK_FALSE(small.read(512ull << 20, &got, 4));
    CHECK_FALSE(small.is_guest_ram(256ull << 20, 4));
}

TEST_CASE("guest memory: device windows may not overlap RAM or each other", "[guest-memory]") {
    const uint64_t low = kPage, high = 0x20000000;
    Bus bus(3 * kPage, low, high);
    FakeDevice a("dev-a"), b("dev-b"), c("dev-c");

    CHECK_THROWS_AS(bus.map_device(0, 0x100, &a), Error);
    CHECK_THROWS_AS(bus.map_device(low - 0x10, 0x20, &a), Error);       // straddles the end of low RAM
    CHECK_THROWS_AS(bus.map_device(high - 0x100, 0x200, &a), Error);    // runs into high RAM
    CHECK_THROWS_AS(bus.map_device(high + kPage, 0x100, &a), Error);    // inside high RAM
    CHECK_THROWS_AS(bus.map_device(0x10000, 0, &a), Error);             // empty
    CHECK_THROWS_AS(bus.map_device(~0ull - 0xff, 0x200, &a), Error);    // wraps around

    REQUIRE_NOTHROW(bus.map_device(low, 0x100, &a));             // right after low RAM
    REQUIRE_NOTHROW(bus.map_device(high - 0x100, 0x100, &c));    // right before high RAM
    try {
        bus.map_device(low + 0x80, 0x100, &b);
        FAIL("overlapping windows were accepted");
    } catch (const Error& e) {
        CHECK_THAT(e.what(), Catch::Contains("dev-b") && Catch::Contains("dev-a"));
    }
    CHECK_THROWS_AS(bus.map_device(low, 0x10, &b), Error);  // same base
    CHECK_THROWS_AS(bus.map_device(0x800, 0x1000, &b), Error);            // covers RAM and a
    REQUIRE_NOTHROW(bus.map_device(low + 0x100, 0x100, &b));              // adjacent to a

    // Accesses go to the right device at the right offset.
    uint64_t v = 0;
    REQUIRE(bus.mmio_read(low + 0x80, 4, v));
    CHECK(v == (0xabc00000 | 0x80));
    CHECK(a.reads == 1);
    REQUIRE(bus.mmio_read(low + 0x104, 4, v));
    CHECK(v == (0xabc00000 | 0x04));
    CHECK(b.reads == 1);
    REQUIRE(bus.mmio_write(high - 0x10, 4, 99));
    CHECK(c.last_write_offset == 0xf0);
    CHECK(c.last_write_value == 99);

    // Bus errors: nothing there, a size the device refuses, a window's end.
    const uint64_t unmapped_before = bus.unmapped_accesses(), refused_before = bus.refused_accesses();
    CHECK_FALSE(bus.mmio_read(low + 0x200, 4, v));
    CHECK_FALSE(bus.mmio_read(low + 0xfc, 8, v));  // crosses from a into b
    CHECK(bus.unmapped_accesses() == unmapped_before + 2);
    CHECK_FALSE(bus.mmio_read(low, 2, v));
    CHECK_FALSE(bus.mmio_write(low + 2, 4, 1));
    CHECK(bus.refused_accesses() == refused_before + 2);
    CHECK(a.reads == 1);
    CHECK(a.last_write_offset == ~0ull);
}
