// Fuzzes the command-line parser (hv/cli/options.*, with the -drive and
// -netdev/-nic/-device parsers it calls). The input is the argument list,
// NUL-separated; the Python bindings (bindings/core.cpp) hand their option
// strings to the same parse_options. Every input is either rejected with
// mipshv::Error or gives options inside the limits the parser documents.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "fuzz_input.h"
#include "hv/board/memory_map.h"
#include "hv/cli/options.h"
#include "hv/common/error.h"

namespace {
using mipshv_fuzz::wrong;

void check_limits(const mipshv::Options& o) {
    using namespace mipshv;
    if (o.kernel.empty() && !o.show_help && !o.show_version) wrong("accepted without -kernel");
    if (o.memory_bytes < (1ull << 20) || o.memory_bytes > (16ull << 30) || o.memory_bytes % 4096) wrong("-m out of limits");
    if (o.smp < 1 || o.smp > memory_map::kMaxVcpus) wrong("-smp out of limits");
    if (o.quantum < 100 || o.quantum > 10'000'000) wrong("--quantum out of limits");
    if (o.code_cache_bytes < (1ull << 20) || o.code_cache_bytes > (1ull << 30)) wrong("--code-cache out of limits");
    if (o.append.size() > 4095) wrong("-append longer than the guest kernel's command line accepted");
    if (o.engine != "jit" && o.engine != "interp") wrong("unknown engine accepted");
    if (o.clock != "virtual" && o.clock != "host") wrong("unknown clock accepted");
    if (o.drives.size() + o.nics.size() > memory_map::kVirtioSlotCount) wrong("more virtio devices than slots");
    for (const auto& d : o.drives)
        if (d.file.empty() || d.serial.size() > 20) wrong("a -drive without file= or with a serial over 20 bytes");
    // Every card is plugged into a backend that exists.
    for (const auto& nic : o.nics) {
        bool found = false;
        for (const auto& n : o.netdevs) found = found || n.id == nic.netdev;
        if (!found || (nic.mac[0] & 1)) wrong("a card without its backend, or with a multicast MAC");
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    mipshv_fuzz::CommandLine line(data, size);
    try {
        check_limits(mipshv::parse_options(line.argc(), line.argv()));
        if (mipshv_fuzz::verbose()) std::fprintf(stderr, "accepted\n");
    } catch (const mipshv::Error& e) {
        if (mipshv_fuzz::verbose()) std::fprintf(stderr, "%s\n", e.what());
    }
    return 0;
}
