// Fuzzes the virtqueue and the virtio-blk and virtio-net devices behind the
// virtio-mmio transport (hv/dev/virtio/) the way a guest reaches them: its
// register writes and reads, and whatever it put in RAM (rings, descriptor
// chains, requests, frames). The input is a device choice and then a stream
// of operations (see `Op`); a few are whole driver steps (bring the device
// up, post a chain) so the fuzzer reaches served requests quickly.
//
// Checked besides the sanitizers: no device writes into the hypervisor's
// kept range; a read-only or snapshot disk's image never changes, and no
// disk image changes size; the disk sees no host I/O error (its file is a
// healthy memfd, so one means I/O outside the image); the interrupt line is
// high exactly while InterruptStatus is non-zero; every frame the card hands
// to the network is a whole Ethernet frame.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "hv/block/drive.h"
#include "hv/board/bus.h"
#include "hv/board/memory_map.h"
#include "hv/common/error.h"
#include "hv/dev/virtio/block.h"
#include "hv/dev/virtio/mmio_registers.h"
#include "hv/dev/virtio/mmio_transport.h"
#include "hv/dev/virtio/net.h"

namespace {
using namespace mipshv;
using namespace mipshv::virtio;
using namespace mipshv::virtio::mmio;
using mipshv_fuzz::FuzzInput;
using mipshv_fuzz::wrong;

// Guest RAM: 32 KiB at 0 and 32 KiB at 1 MiB (the two RAM windows of the
// real board, shrunk so fuzzed addresses land in RAM often, and so buffers
// can straddle the end of either window). The last page of the high window
// is kept from the guest, as the hypervisor's region is.
constexpr uint64_t kRamBytes = 64 * 1024, kLowWindow = 32 * 1024, kHighBase = 1 << 20;
constexpr uint64_t kKeptBase = kHighBase + kLowWindow - 4096, kKeptBytes = 4096;
constexpr uint8_t kKeptFill = 0xa5;
constexpr uint64_t kBase = memory_map::virtio_slot(0).base, kWindow = memory_map::virtio_slot(0).size;
constexpr uint64_t kDiskBytes = 64 * 512;

// A 16-bit input value as a guest-physical address: its top bit picks the
// window, so both windows and their ends are reachable.
uint64_t ram_address(uint16_t v) { return (v & 0x8000 ? kHighBase : 0) + (v & 0x7fff); }

// The disk's bytes: one memfd for the whole run, restored after an input
// that could write it, opened by path (/proc/self/fd/N) the way -drive
// opens a file.
struct DiskFile {
    int fd = -1;
    std::vector<uint8_t> pristine = std::vector<uint8_t>(kDiskBytes);
    DiskFile() {
        fd = memfd_create("mipshv-fuzz-disk", MFD_CLOEXEC);
        if (fd < 0) wrong("memfd_create failed");
        for (size_t i = 0; i < pristine.size(); ++i) pristine[i] = uint8_t(i * 7 + 3);
    }
    std::string path() const { return "/proc/self/fd/" + std::to_string(fd); }
    bool written = true;  // by the last input (and the memfd starts empty)
    void restore_if_written() const {
        if (written && pwrite(fd, pristine.data(), pristine.size(), 0) != ssize_t(pristine.size()))
            wrong("cannot restore the disk");
    }
    bool intact() const {
        std::vector<uint8_t> now(kDiskBytes);
        return pread(fd, now.data(), now.size(), 0) == ssize_t(now.size()) && now == pristine;
    }
    bool same_size() const {
        struct stat st {};
        return fstat(fd, &st) == 0 && uint64_t(st.st_size) == kDiskBytes;
    }
};

struct Session {
    Bus bus{kRamBytes, kLowWindow, kHighBase};
    std::unique_ptr<MmioTransport> transport;
    NetDevice* net = nullptr;
    bool irq = false;
    bool loopback = false;

    uint32_t rd(uint64_t off) {
        uint64_t v = 0;
        if (!bus.mmio_read(kBase + off, 4, v)) wrong("a 4-byte register read was refused");
        return uint32_t(v);
    }
    void wr(uint64_t off, uint32_t v) {
        if (!bus.mmio_write(kBase + off, 4, v)) wrong("a 4-byte register write was refused");
    }

    // What a correct driver does (virtio 1.x §3.1.1), with every queue at
    // rings placed by `where`, of `size` entries.
    void bring_up(uint16_t where, uint32_t size) {
        wr(STATUS, 0);
        wr(STATUS, kStatusAcknowledge);
        wr(STATUS, kStatusAcknowledge | kStatusDriver);
        for (uint32_t half = 0; half < 2; ++half) {
            wr(DEVICE_FEATURES_SEL, half);
            const uint32_t offered = rd(DEVICE_FEATURES);
            wr(DRIVER_FEATURES_SEL, half);
            wr(DRIVER_FEATURES, offered);
        }
        wr(STATUS, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk);
        for (uint32_t q = 0; q < 2; ++q) {
            const uint64_t desc = ram_address(uint16_t(where + q * 0x2000));
            wr(QUEUE_SEL, q);
            wr(QUEUE_NUM, size);
            wr(QUEUE_DESC_LOW, uint32_t(desc));
            wr(QUEUE_DESC_HIGH, 0);
            wr(QUEUE_DRIVER_LOW, uint32_t(desc + 16 * size));
            wr(QUEUE_DRIVER_HIGH, 0);
            wr(QUEUE_DEVICE_LOW, uint32_t((desc + 16 * size + 6 + 2 * size + 3) & ~3ull));
            wr(QUEUE_DEVICE_HIGH, 0);
            wr(QUEUE_READY, 1);
        }
        wr(STATUS, kStatusAcknowledge | kStatusDriver | kStatusFeaturesOk | kStatusDriverOk);
    }

    // Writes a chain of `count` descriptors at the selected queue's table,
    // from index `first`, makes it available and notifies the queue.
    void post_chain(FuzzInput& in) {
        const uint32_t q = in.byte() & 1;
        wr(QUEUE_SEL, q);
        const uint32_t size = rd(QUEUE_NUM);
        const uint64_t desc = rd(QUEUE_DESC_LOW) | uint64_t(rd(QUEUE_DESC_HIGH)) << 32;
        const uint64_t avail = rd(QUEUE_DRIVER_LOW) | uint64_t(rd(QUEUE_DRIVER_HIGH)) << 32;
        if (size == 0) return;
        const unsigned count = 1 + in.byte() % 4;
        const uint16_t first = uint16_t(in.byte() % size);
        for (unsigned k = 0; k < count; ++k) {
            struct {
                uint64_t addr;
                uint32_t len;
                uint16_t flags, next;
            } d{ram_address(in.next<uint16_t>()), in.next<uint16_t>(), uint16_t(in.byte() & 7), 0};
            if (k + 1 < count) d.flags |= 1;  // NEXT
            d.next = uint16_t((first + k + 1) % size);
            bus.write(desc + 16 * ((first + k) % size), &d, sizeof d);
        }
        uint16_t idx = 0;
        bus.read(avail + 2, &idx, 2);
        bus.write(avail + 4 + 2 * (idx % size), &first, 2);
        ++idx;
        bus.write(avail + 2, &idx, 2);
        wr(QUEUE_NOTIFY, q);
    }
};

// A net card's link to the network: frames must be whole Ethernet frames;
// with loopback each one comes straight back, as slirp may answer while the
// guest is still transmitting.
void connect_network(Session& s) {
    s.net->connect(
        [&s](const uint8_t* frame, size_t len) {
            if (len < 14 || len > NetDevice::kMaxFrame) wrong("a transmitted frame of impossible length");
            if (s.loopback) s.net->receive(frame, len);
        },
        [](const uint8_t*, size_t len) {
            if (len > NetDevice::kMaxFrame) wrong("a captured frame of impossible length");
        },
        [] { return uint64_t(0); });
}

enum Op : uint8_t { REG_WRITE, REG_READ, RAM_WRITE, BRING_UP, POST_CHAIN, NOTIFY, RECEIVE, CONFIG_READ, kOps };

void run(FuzzInput& in, Session& s) {
    while (!in.empty()) {
        switch (in.byte() % kOps) {
            case REG_WRITE: {
                const uint64_t off = (in.byte() * 4u) % kWindow;
                const uint32_t value = in.next<uint32_t>();
                s.bus.mmio_write(kBase + off, 4, value);
                break;
            }
            case REG_READ: {
                uint64_t value;
                s.bus.mmio_read(kBase + (in.byte() * 4u) % kWindow, 4, value);
                break;
            }
            case RAM_WRITE: {
                const uint64_t pa = ram_address(in.next<uint16_t>());
                const std::vector<uint8_t> bytes = in.bytes(in.byte() + 1u);
                if (s.bus.is_guest_ram(pa, bytes.size())) s.bus.write(pa, bytes.data(), bytes.size());
                break;
            }
            case BRING_UP: {
                const uint16_t where = in.next<uint16_t>();
                s.bring_up(where, 1u << (in.byte() % 9));
                break;
            }
            case POST_CHAIN: s.post_chain(in); break;
            case NOTIFY: s.wr(QUEUE_NOTIFY, in.byte() % 3); break;
            case RECEIVE: {
                // A frame from the network, possibly oversized, possibly many
                // times over (the backlog fills while the guest posts nothing).
                const uint8_t repeat = in.byte();
                const size_t len = in.next<uint16_t>() % 1600;
                const std::vector<uint8_t> frame = in.bytes(len);
                for (unsigned k = 0; s.net && k < (repeat & 0x80 ? 300u : 1u); ++k) s.net->receive(frame.data(), frame.size());
                break;
            }
            case CONFIG_READ: {
                const unsigned size = 1u << (in.byte() % 4);
                uint64_t value;
                s.bus.mmio_read(kBase + CONFIG + (in.byte() % 0x40) * size % 0x100, size, value);
                break;
            }
        }
        // The line follows InterruptStatus after every guest action.
        if (s.irq != (s.rd(INTERRUPT_STATUS) != 0)) wrong("interrupt line and InterruptStatus disagree");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static DiskFile disk;
    FuzzInput in(data, size);
    const uint8_t config = in.byte();
    const bool is_net = config & 1;

    Session s;
    s.loopback = config & 8;
    s.bus.keep_from_guest(kKeptBase, kKeptBytes);
    std::memset(s.bus.ram_ptr(kKeptBase, kKeptBytes), kKeptFill, kKeptBytes);

    bool image_may_change = false;
    std::unique_ptr<VirtioDevice> device;
    if (is_net) {
        auto card = std::make_unique<NetDevice>("eth0", MacAddress{0x52, 0x54, 0, 0x12, 0x34, 0x56}, s.bus);
        s.net = card.get();
        device = std::move(card);
    } else {
        // Writable (cache=writeback), read-only, snapshot, writable with cache=writethrough.
        const unsigned mode = (config >> 1) & 3;
        const DriveOptions drive{.file = disk.path(), .read_only = mode == 1, .snapshot = mode == 2,
                                 .cache = mode == 3 ? CacheMode::WRITETHROUGH : CacheMode::WRITEBACK};
        image_may_change = mode == 0 || mode == 3;
        disk.restore_if_written();
        disk.written = image_may_change;
        try {
            device = std::make_unique<BlockDevice>(std::make_unique<DiskImage>(drive), "vda", s.bus);
        } catch (const Error& e) {
            std::fprintf(stderr, "%s\n", e.what());
            wrong("cannot open the harness's own disk");
        }
    }
    s.transport = std::make_unique<MmioTransport>(s.bus, std::move(device), [&s](bool level) { s.irq = level; });
    s.bus.map_device(kBase, kWindow, s.transport.get());
    if (s.net) connect_network(s);

    run(in, s);
    // The run record reads every counter; MIPSHV_FUZZ_VERBOSE shows them.
    s.transport->each_counter([](const char* name, uint64_t value, const char*) {
        if (value && mipshv_fuzz::verbose()) std::fprintf(stderr, "  %s = %llu\n", name, static_cast<unsigned long long>(value));
        if (value && std::strcmp(name, "errors_host_io") == 0) wrong("a host I/O error on a healthy disk file");
    });

    const uint8_t* kept = s.bus.ram_ptr(kKeptBase, kKeptBytes);
    for (uint64_t i = 0; i < kKeptBytes; ++i)
        if (kept[i] != kKeptFill) wrong("a device wrote into the range kept from the guest");
    if (!is_net && !image_may_change && !disk.intact()) wrong("a read-only or snapshot disk image changed");
    if (!is_net && !disk.same_size()) wrong("the disk image changed size");
    return 0;
}
