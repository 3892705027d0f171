#include "hv/board/board_layout.h"

#include <algorithm>
#include <string>

#include "hv/cli/options.h"
#include "hv/common/error.h"

namespace mipshv {

using namespace memory_map;

uint64_t hypervisor_region_of(uint64_t memory_bytes) {
    const uint64_t low_ram = std::min(memory_bytes, kRamLowWindow);
    if (low_ram < 4 * kHypervisorRegionSize)
        throw Error("mipshv: -m " + std::to_string(memory_bytes >> 20) + "M is too small for this board (4M at least)");
    return low_ram - kHypervisorRegionSize;
}

BoardDescription describe_board(const Options& o, uint64_t initrd_bytes, unsigned virtio_devices) {
    constexpr uint64_t kPage = 4096;
    const uint64_t region = hypervisor_region_of(o.memory_bytes), low_ram = std::min(o.memory_bytes, kRamLowWindow);
    BoardDescription board{region, o.memory_bytes - low_ram, o.smp, o.smp > 1, o.append, 0, 0, {}};
    for (unsigned n = 0; n < virtio_devices; ++n) board.virtio.push_back(virtio_slot(n));
    if (initrd_bytes) {
        const uint64_t top = dtb_pa_of(region);
        if (initrd_bytes + kPage > top)  // a start of 0 would read as "no initrd"
            throw Error("mipshv: " + o.initrd + ": initrd (" + std::to_string(initrd_bytes) + " bytes) does not fit in guest RAM");
        board.initrd_start = (top - initrd_bytes) & ~(kPage - 1);
        board.initrd_end = board.initrd_start + initrd_bytes;
    }
    return board;
}

}  // namespace mipshv
