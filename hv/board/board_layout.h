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

// The board the device tree describes for these options, with an initrd of
// `initrd_bytes` (0: none) page-aligned just below the device tree and
// `virtio_devices` occupied slots; Error when the initrd does not fit.
BoardDescription describe_board(const Options& o, uint64_t initrd_bytes, unsigned virtio_devices);

}  // namespace mipshv
