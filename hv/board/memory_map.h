// The guest-physical memory map of the mipshv virtual board: the one place
// that says where RAM and each device live and which CPU interrupt line each
// device drives. The device tree is generated from it.
#pragma once
#include <cstdint>

namespace mipshv::memory_map {

constexpr uint64_t kMiB = 1ull << 20;

// vCPUs the board can have (-smp): its Coherent Processing System (GIC, CM,
// CPC) is laid out for this many.
constexpr unsigned kMaxVcpus = 8;

// RAM: the first 256 MiB at physical 0 (reachable through kseg0/kseg1);
// the rest from 512 MiB up, reachable through xkphys.
constexpr uint64_t kRamLowBase = 0;
constexpr uint64_t kRamLowWindow = 256 * kMiB;
constexpr uint64_t kRamHighBase = 512 * kMiB;

// The hypervisor's region: the top 1 MiB of low RAM, left out of the memory
// the guest is told about. It holds the communication page (the guest's
// virtual CP0, which patched guest-kernel code reads and writes) and the
// 1:n patch stubs. It is reserved in every mode, so every mode shows the
// guest the same memory.
constexpr uint64_t kHypervisorRegionSize = 1 * kMiB;

// Devices, between the RAM windows: each one's window, its CPU interrupt
// line (IP2..IP6; 0 for none) on the one-vCPU board, and its GIC shared
// interrupt (0 for none) on the board with a Coherent Processing System
// (-smp 2 and more). The machine maps devices on the bus, wires their
// interrupts and describes them in the device tree from these rows alone.
// CPU lines may be shared: every source is a level, and the line is high
// while any of its sources is (board/cpu_intc.h).
struct DeviceSlot {
    uint64_t base, size;
    unsigned irq;
    unsigned gic = 0;
};
constexpr DeviceSlot kUart{0x1fe00000, 0x100, 2, 1};
constexpr DeviceSlot kRtc{0x1fe01000, 0x100, 3, 2};
constexpr DeviceSlot kSyscon{0x1fe02000, 0x100, 0};

// The Coherent Processing System (-smp 2 and more), as Linux's CPS SMP
// support needs it: the Coherence Manager's registers (GCR, 32 KiB
// aligned; CP0 CMGCRBase points here), the GIC (128 KiB aligned) and the
// Cluster Power Controller (found through GCR_CPC_BASE).
constexpr DeviceSlot kCmGcr{0x1fb80000, 0x8000, 0};
constexpr DeviceSlot kGic{0x1fbc0000, 0x20000, 0};
constexpr DeviceSlot kCpc{0x1fbe0000, 0x8000, 0};

// virtio-mmio slots, filled in order: drives first, then network cards.
// A 0x200-byte register window each, in pages of their own; interrupts
// spread over IP4..IP6, or one GIC shared interrupt each.
constexpr unsigned kVirtioSlotCount = 8;
constexpr DeviceSlot virtio_slot(unsigned n) {
    return {0x1fe10000 + uint64_t(n) * 0x1000, 0x200, 4 + n % 3, 8 + n};
}

// The virtual CPU clock: one instruction per cycle of virtual time. Count
// runs at half of it (kTicksPerCount), as Linux assumes for this core.
constexpr uint32_t kCpuClockHz = 100'000'000;

// Values the guest writes to the syscon register to power off or reboot.
constexpr uint32_t kSysconPoweroff = 0x5555, kSysconReboot = 0x7777;

}  // namespace mipshv::memory_map
