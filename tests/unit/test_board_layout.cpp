// The top of low RAM, as the board lays it out for the guest: the
// hypervisor's region, the device tree's slot below it, the initrd below that.
#include <catch2/catch.hpp>

#include "hv/board/board_layout.h"
#include "hv/cli/options.h"
#include "hv/common/error.h"

using namespace mipshv;

namespace {
constexpr uint64_t MiB = 1ull << 20;

Options with_memory(uint64_t bytes) {
    Options o;
    o.memory_bytes = bytes;
    return o;
}
}  // namespace

TEST_CASE("the hypervisor's region is the top MiB of low RAM", "[board]") {
    CHECK(hypervisor_region_of(16 * MiB) == 15 * MiB);
    CHECK(hypervisor_region_of(256 * MiB) == 255 * MiB);
    CHECK(hypervisor_region_of(2048 * MiB) == 255 * MiB);  // low RAM is a 256 MiB window
    CHECK(hypervisor_region_of(4 * MiB) == 3 * MiB);
    CHECK_THROWS_WITH(hypervisor_region_of(3 * MiB), "mipshv: -m 3M is too small for this board (4M at least)");
    CHECK(dtb_pa_of(15 * MiB) == 15 * MiB - 64 * 1024);
}

TEST_CASE("the board description follows the options", "[board]") {
    Options o = with_memory(512 * MiB);
    o.smp = 4;
    o.append = "console=ttyS0";
    const BoardDescription b = describe_board(o, 0, 3);
    CHECK(b.low_ram_bytes == 255 * MiB);
    CHECK(b.high_ram_bytes == 256 * MiB);
    CHECK(b.cpus == 4);
    CHECK(b.cps);
    CHECK(b.bootargs == "console=ttyS0");
    CHECK(b.initrd_start == 0);
    CHECK(b.initrd_end == 0);
    REQUIRE(b.virtio.size() == 3);
    CHECK(b.virtio[2].base == memory_map::virtio_slot(2).base);
    CHECK_FALSE(describe_board(with_memory(64 * MiB), 0, 0).cps);
}

TEST_CASE("the initrd sits page-aligned just below the device tree", "[board]") {
    Options o = with_memory(16 * MiB);
    o.initrd = "rootfs.cpio";
    const uint64_t dtb = dtb_pa_of(15 * MiB);
    const BoardDescription b = describe_board(o, 5000, 0);
    CHECK(b.initrd_start == dtb - 8192);  // 5000 bytes end 3192 below the slot's start
    CHECK(b.initrd_end == b.initrd_start + 5000);
    CHECK(describe_board(o, 4096, 0).initrd_start == dtb - 4096);
    // The largest that fits starts at the first page; one byte more would start at 0.
    CHECK(describe_board(o, dtb - 4096, 0).initrd_start == 4096);
    CHECK_THROWS_WITH(describe_board(o, dtb - 4095, 0),
                      "mipshv: rootfs.cpio: initrd (" + std::to_string(dtb - 4095) + " bytes) does not fit in guest RAM");
}
