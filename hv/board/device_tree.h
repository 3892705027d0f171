// Builds the flattened device tree that describes the virtual board to the
// guest kernel, from the memory map and the run's options.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hv/board/memory_map.h"

namespace mipshv {

struct BoardDescription {
    uint64_t low_ram_bytes = 0;   // guest RAM at physical 0 (below the hypervisor's region)
    uint64_t high_ram_bytes = 0;  // guest RAM at memory_map::kRamHighBase
    unsigned cpus = 1;
    bool cps = false;  // a Coherent Processing System: devices interrupt through the GIC
    std::string bootargs;
    uint64_t initrd_start = 0, initrd_end = 0;  // physical; 0/0 when there is none
    std::vector<memory_map::DeviceSlot> virtio;  // the occupied virtio-mmio slots
};

std::vector<uint8_t> build_device_tree(const BoardDescription& board);

}  // namespace mipshv
