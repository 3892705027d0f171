// The guest-physical memory map of mipshv's boards: the one place that says
// where RAM and each device live. The device tree is generated from it.
#pragma once
#include <cstdint>

namespace mipshv::memory_map {

constexpr uint64_t kMiB = 1ull << 20;

// RAM: the first 256 MiB at physical 0 (reachable through kseg0/kseg1);
// the rest from 512 MiB up, reachable through xkphys.
constexpr uint64_t kRamLowBase = 0;
constexpr uint64_t kRamLowWindow = 256 * kMiB;
constexpr uint64_t kRamHighBase = 512 * kMiB;

// Devices, between the RAM windows.
constexpr uint64_t kUartBase = 0x1fe00000, kUartSize = 0x100;

// Where the reset vector is (BEV=1 exceptions land in this 4 MiB).
constexpr uint64_t kBootRomBase = 0x1fc00000;

}  // namespace mipshv::memory_map
