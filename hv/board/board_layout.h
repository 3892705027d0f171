// Where the board puts what it hands the guest, in one place for the
// machine and for the device-tree fuzz harness: from the top of low RAM
// down, the hypervisor's region, the device tree's slot, the initrd.
#pragma once
#include <cstdint>

#include "hv/board/device_tree.h"

namespace mipshv {

struct Options;

// The device tree's slot, just below the hypervisor's region.
constexpr uint64_t kDtbSlot = 64 * 1024;

// Start of the hypervisor's region (the top MiB of low RAM); Error when
// -m leaves too little RAM for the board.
uint64_t hypervisor_region_of(uint64_t memory_bytes);
constexpr uint64_t dtb_pa_of(uint64_t hypervisor_region) { return hypervisor_region - kDtbSlot; }

// What the board keeps at the top of low RAM, [begin, end): the device
// tree's slot and the hypervisor's region. No kernel segment may land there,
// and the hypervisor never patches it.
struct ReservedRange {
    uint64_t begin, end;
};
constexpr ReservedRange reserved_top_of(uint64_t hypervisor_region) {
    return {dtb_pa_of(hypervisor_region), hypervisor_region + memory_map::kHypervisorRegionSize};
}

// The board the device tree describes for these options, with an initrd of
// `initrd_bytes` (0: none) page-aligned just below the device tree and
// `virtio_devices` occupied slots; Error when the initrd does not fit.
BoardDescription describe_board(const Options& o, uint64_t initrd_bytes, unsigned virtio_devices);

}  // namespace mipshv
