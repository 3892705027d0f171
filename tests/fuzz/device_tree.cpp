// Fuzzes device-tree generation (hv/board/device_tree.*) from command-line
// options: the input is an argument list (NUL-separated, as in the options
// harness, so their corpora are interchangeable); options that parse become
// the BoardDescription the machine would build, and the blob that comes out
// must pass libfdt's full check and say what the options asked for.
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern "C" {
#include <libfdt.h>
}

#include "fuzz_input.h"
#include "hv/board/board_layout.h"
#include "hv/board/device_tree.h"
#include "hv/board/memory_map.h"
#include "hv/cli/options.h"
#include "hv/common/error.h"

namespace {
using mipshv_fuzz::wrong;
using namespace mipshv;
using namespace mipshv::memory_map;

// The harness cannot read the initrd file the options name, so a decimal
// -initrd argument stands for a file of that many bytes; anything else for
// one of 1 MiB.
uint64_t pretend_initrd_size(const std::string& path) {
    if (path.empty()) return 0;
    if (path.size() > 10 || path.find_first_not_of("0123456789") != std::string::npos) return 1 << 20;
    return std::stoull(path);
}

const void* property(const void* fdt, const char* path, const char* name, int& len) {
    const int node = fdt_path_offset(fdt, path);
    if (node < 0) return nullptr;
    return fdt_getprop(fdt, node, name, &len);
}

uint64_t cells64(const void* p, int index) {
    fdt64_t v;
    std::memcpy(&v, static_cast<const uint8_t*>(p) + 8 * index, 8);
    return fdt64_to_cpu(v);
}

void check_blob(const std::vector<uint8_t>& blob, const Options& o, const BoardDescription& board) {
    const void* fdt = blob.data();
    if (fdt_check_header(fdt) != 0 || fdt_totalsize(fdt) != blob.size()) wrong("bad header or size");
    if (fdt_check_full(fdt, blob.size()) != 0) wrong("fdt_check_full failed");

    // Walk every node and property, counting what the board must show.
    unsigned cpus = 0, virtio = 0;
    int depth = 0;
    // fdt_next_node leaves the root with a negative depth at the end of the tree.
    for (int node = 0; node >= 0 && depth >= 0; node = fdt_next_node(fdt, node, &depth)) {
        const char* name = fdt_get_name(fdt, node, nullptr);
        if (!name) wrong("node without a name");
        if (std::strncmp(name, "cpu@", 4) == 0) ++cpus;
        if (std::strncmp(name, "virtio_mmio@", 12) == 0) ++virtio;
        int prop;
        fdt_for_each_property_offset(prop, fdt, node) {
            int len;
            const char* prop_name;
            if (!fdt_getprop_by_offset(fdt, prop, &prop_name, &len) || len < 0) wrong("unreadable property");
        }
    }
    if (cpus != o.smp) wrong("cpu node count differs from -smp");
    if (virtio != o.drives.size() + o.nics.size()) wrong("virtio node count differs from the devices");

    int len;
    const char* bootargs = static_cast<const char*>(property(fdt, "/chosen", "bootargs", len));
    if (!bootargs || std::string(bootargs, strnlen(bootargs, size_t(len))) != o.append) wrong("bootargs differ from -append");

    const void* reg = property(fdt, "/memory@0", "reg", len);
    const int ranges = board.high_ram_bytes ? 2 : 1;
    if (!reg || len != 16 * ranges) wrong("memory node missing or of the wrong size");
    if (cells64(reg, 0) != kRamLowBase || cells64(reg, 1) != board.low_ram_bytes) wrong("low RAM differs");
    if (ranges == 2 && (cells64(reg, 2) != kRamHighBase || cells64(reg, 3) != board.high_ram_bytes)) wrong("high RAM differs");

    const bool has_initrd = property(fdt, "/chosen", "linux,initrd-start", len) != nullptr;
    if (has_initrd != !o.initrd.empty()) wrong("initrd properties differ from -initrd");
    const bool has_gic = fdt_node_offset_by_compatible(fdt, -1, "mti,gic") >= 0;
    if (has_gic != (o.smp > 1)) wrong("GIC node differs from -smp");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mipshv_fuzz::CommandLine line(data, size);
    Options o;
    BoardDescription board;
    try {
        o = parse_options(line.argc(), line.argv());
        if (o.show_help || o.show_version) return 0;  // mipshv prints and exits: no board
        const uint64_t initrd_bytes = pretend_initrd_size(o.initrd);
        if (!o.initrd.empty() && initrd_bytes == 0) return 0;  // the machine refuses an empty initrd
        // What the machine would describe (hv/board/board_layout.h); Error
        // where it refuses the options (RAM too small, an initrd too big).
        board = describe_board(o, initrd_bytes, unsigned(o.drives.size() + o.nics.size()));
    } catch (const Error& e) {
        if (mipshv_fuzz::verbose()) std::fprintf(stderr, "%s\n", e.what());
        return 0;  // a one-line error for the user
    }
    // Options the board accepts always give a tree (an Error escaping here
    // is a crash to libFuzzer), and it fits the machine's slot for it.
    const std::vector<uint8_t> blob = build_device_tree(board);
    if (blob.size() > kDtbSlot) wrong("the device tree is bigger than its slot in guest RAM");
    check_blob(blob, o, board);
    if (mipshv_fuzz::verbose()) std::fprintf(stderr, "a %zu-byte device tree\n", blob.size());
    return 0;
}
