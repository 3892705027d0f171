// Fuzzes the register interface of every memory-mapped device of the board:
// the 16550 UART, the goldfish RTC, the syscon, the Coherence Manager, GIC
// and Cluster Power Controller (hv/dev/cps/), and the virtio-mmio transport
// (in front of a disk and a network card). They sit on one Bus at their
// memory-map addresses, as on the SMP board; the input picks the number of
// cores and then a sequence of operations: register reads and writes (any
// device, offset, size and vCPU, refused ones included) and the host-side
// events the devices also see (time passing, console input, device
// interrupt inputs, a core stopping on its own).
//
// Checked besides the sanitizers: the bus grants exactly the accesses the
// device accepts; every callback a device makes names a core, VP and pin
// that exist; the GIC's pins change only through its callback, so the
// levels it reports equal the ones it announced.
#include <fcntl.h>
#include <sys/mman.h>
#include <unistd.h>

#include <array>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "hv/block/drive.h"
#include "hv/board/bus.h"
#include "hv/board/console_backend.h"
#include "hv/board/memory_map.h"
#include "hv/dev/cps/cm.h"
#include "hv/dev/cps/cpc.h"
#include "hv/dev/cps/gic.h"
#include "hv/dev/goldfish_rtc.h"
#include "hv/dev/syscon.h"
#include "hv/dev/uart16550.h"
#include "hv/dev/virtio/block.h"
#include "hv/dev/virtio/mmio_transport.h"
#include "hv/dev/virtio/net.h"

namespace {
using namespace mipshv;
using namespace mipshv::memory_map;
using mipshv_fuzz::FuzzInput;
using mipshv_fuzz::wrong;

// A one-sector disk for the virtio transport: read-only, so the memfd
// behind it never changes from one input to the next.
const std::string& disk_path() {
    static const std::string path = [] {
        const int fd = memfd_create("mipshv-fuzz-disk", MFD_CLOEXEC);
        if (fd < 0 || ftruncate(fd, 512) != 0) wrong("cannot create the disk");
        return "/proc/self/fd/" + std::to_string(fd);
    }();
    return path;
}

struct Board {
    unsigned cores;
    Bus bus{64 * 1024, kRamLowWindow, kRamHighBase};
    uint64_t now_ns = 0;
    BufferConsole console;
    std::vector<std::array<bool, Gic::kPins>> pins;

    Uart16550 uart{console, [](bool) {}};
    GoldfishRtc rtc{0, [this] { return now_ns; }, [](bool) {}};
    Syscon syscon{[](SysconRequest) {}};
    Gic gic;
    Cpc cpc;
    Cm cm;
    virtio::MmioTransport disk, nic;

    void check_core(unsigned core) const {
        if (core >= cores) wrong("a callback named a core that does not exist");
    }

    explicit Board(unsigned n)
        : cores(n),
          pins(n),
          gic(n,
              [this](unsigned vp, unsigned pin, bool level) {
                  if (vp >= cores || pin >= Gic::kPins) wrong("the GIC drove a VP or pin that does not exist");
                  if (pins[vp][pin] == level) wrong("the GIC announced a pin change that is none");
                  pins[vp][pin] = level;
              },
              [this] { return now_ns / 10; }),
          cpc(n, [this](unsigned core) { check_core(core); }, [this](unsigned core) { check_core(core); }),
          cm(n, kCmGcr.base, kGic.base, kCpc.base,
             [this](unsigned core) {
                 check_core(core);
                 cpc.core_started(core);  // as the machine does when the CM releases a core
             }),
          disk(bus,
               std::make_unique<virtio::BlockDevice>(
                   std::make_unique<DiskImage>(DriveOptions{.file = disk_path(), .read_only = true}),
                   "vda", bus),
               [](bool) {}),
          nic(bus, std::make_unique<virtio::NetDevice>("eth0", MacAddress{0x52, 0x54, 0, 0x12, 0x34, 0x56}, bus),
              [](bool) {}) {
        bus.map_device(kUart.base, kUart.size, &uart);
        bus.map_device(kRtc.base, kRtc.size, &rtc);
        bus.map_device(kSyscon.base, kSyscon.size, &syscon);
        bus.map_device(kCmGcr.base, kCmGcr.size, &cm);
        bus.map_device(kGic.base, kGic.size, &gic);
        bus.map_device(kCpc.base, kCpc.size, &cpc);
        bus.map_device(virtio_slot(0).base, virtio_slot(0).size, &disk);
        bus.map_device(virtio_slot(1).base, virtio_slot(1).size, &nic);
    }

    struct Target {
        MmioDevice* device;
        uint64_t base, size;
    };
    Target target(uint8_t k) {
        switch (k % 8) {
            case 0: return {&uart, kUart.base, kUart.size};
            case 1: return {&rtc, kRtc.base, kRtc.size};
            case 2: return {&syscon, kSyscon.base, kSyscon.size};
            case 3: return {&cm, kCmGcr.base, kCmGcr.size};
            case 4: return {&gic, kGic.base, kGic.size};
            case 5: return {&cpc, kCpc.base, kCpc.size};
            case 6: return {&disk, virtio_slot(0).base, virtio_slot(0).size};
            default: return {&nic, virtio_slot(1).base, virtio_slot(1).size};
        }
    }
};

enum Op : uint8_t { READ, WRITE, TIME_PASSES, CONSOLE_INPUT, GIC_INPUT, CORE_STOPPED, kOps };

// An offset in the device's window: mostly small (where the registers are
// dense), sometimes anywhere in it, sometimes in its last bytes (an access
// that runs past the end). Never past the end: the GIC's window ends where
// the CPC's begins.
uint64_t pick_offset(FuzzInput& in, uint64_t window) {
    const uint32_t raw = in.next<uint32_t>();
    switch (raw >> 30) {
        case 0: return (raw & 0xfff) % window;
        case 1: return raw % window;
        case 2: return window - 1 - (raw & 7);
        default: return (raw & 0x1ff) % window;
    }
}

// What the machine reads back from the devices after guest accesses: where
// a released core starts (a physical address the machine looks up in RAM),
// the RTC's next deadline, the GIC's pins and counters.
void check_machine_view(Board& b) {
    for (unsigned core = 0; core < b.cores; ++core) {
        const uint64_t pa = b.cm.reset_base_pa(core);
        if (pa != Cm::kNoPhysicalAddress && pa >= (1ull << 32)) wrong("a core's reset base is not a 32-bit physical address");
        if (b.cm.reset_pc(core) == Cm::kNoPhysicalAddress) wrong("an existing core has no reset PC");
        b.cm.uses_reset_base_for_bev(core);
        b.cpc.seq_state(core);
        b.gic.ipis_sent(core);
        b.gic.ipis_received(core);
        for (unsigned pin = 0; pin < Gic::kPins; ++pin)
            if (b.gic.pin_level(core, pin) != b.pins[core][pin]) wrong("a GIC pin changed without its callback");
    }
    b.rtc.alarm_deadline_ns();
}

void run(FuzzInput& in, Board& b) {
    while (!in.empty()) {
        const uint8_t op = in.byte() % kOps;
        switch (op) {
            case READ:
            case WRITE: {
                const Board::Target t = b.target(in.byte());
                const uint64_t off = pick_offset(in, t.size);
                const uint8_t shape = in.byte();
                const unsigned size = 1u << (shape & 3), vcpu = (shape >> 2) % b.cores;
                // The bus routes by address; a device sees only accesses it accepts.
                const bool accepted = off + size <= t.size && t.device->accepts(off, size);
                bool granted;
                if (op == READ) {
                    uint64_t value = 0;
                    granted = b.bus.mmio_read(t.base + off, size, value, vcpu);
                } else {
                    granted = b.bus.mmio_write(t.base + off, size, in.next<uint64_t>(), vcpu);
                }
                if (granted != accepted) wrong("the bus and the device disagree on an access");
                break;
            }
            case TIME_PASSES:
                b.now_ns += in.next<uint32_t>();
                b.rtc.fire_alarm_if_due();
                break;
            case CONSOLE_INPUT: b.uart.receive(in.byte()); break;
            case GIC_INPUT: {
                const uint8_t k = in.byte();
                b.gic.source(k % Gic::kFirstIpi)(k & 0x80);
                break;
            }
            case CORE_STOPPED: b.cpc.core_stopped(in.byte() % b.cores); break;
        }
        check_machine_view(b);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    FuzzInput in(data, size);
    Board board(1 + in.byte() % Cm::kMaxCores);
    run(in, board);
    return 0;
}
