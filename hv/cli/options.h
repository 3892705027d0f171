// Command-line options. The spelling follows QEMU (-kernel, -m, -M, -append,
// -semihosting, ...) so existing MIPS boot recipes work unchanged; every
// option also accepts a double-dash spelling (--kernel, --m, --mode, -mode).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hv/block/drive.h"
#include "hv/net/net_options.h"

namespace mipshv {

// How long each vCPU runs before the next takes its turn: 10000
// instructions are 100 us of virtual time, short next to the kernel's
// timer tick and long next to a block.
constexpr uint64_t kDefaultQuantum = 10'000;

struct Options {
    std::string kernel, initrd, append, machine = "virt", mode = "bare-metal", serial;
    uint64_t memory_bytes = 128ull << 20;
    unsigned smp = 1;                  // vCPUs (-smp N, 1 to memory_map::kMaxVcpus)
    uint64_t quantum = kDefaultQuantum;  // guest instructions each vCPU runs in turn (--quantum)
    bool semihosting = false;
    uint64_t max_instructions = 0;  // 0 = unlimited
    double timeout_seconds = 0;     // --timeout: host seconds before the run stops (0: none)
    std::string trace_file;
    std::string engine = "jit";     // "jit": binary translator; "interp": the reference interpreter
    uint64_t code_cache_bytes = 256ull << 20;  // the translator's code cache (--code-cache)
    std::string clock = "virtual";  // "virtual": deterministic; "host": follows the host clock
    int64_t rtc_base_s = -1;        // RTC start (seconds since the epoch); -1: host time at start
    std::string dump_dtb;           // write the generated device tree here
    std::string stats_file;         // write a RunRecord (binary Protobuf) here at exit
    std::string system_map;         // kernel symbols for the trap-site report
    std::string cost_model;         // a cost model profile: the record prices the run
    bool timing = false;            // --timing: the guest's clock follows the cost model's time
    std::vector<DriveOptions> drives;  // -drive, in order: vda, vdb, ...
    std::vector<NetdevOptions> netdevs;  // -netdev (and the backends -nic makes)
    std::vector<NicOptions> nics;        // -device virtio-net (and -nic): eth0, eth1, ...
    std::string pcap_file;               // --pcap: every frame of every card
    bool stop_on_sensitive = false; // bare-metal debugging: stop at the first sensitive instruction
    std::vector<std::string> argv;  // the command line, recorded in the RunRecord
    bool show_help = false, show_version = false;
};

// Throws mipshv::Error with a one-line message on any invalid input.
Options parse_options(int argc, char** argv);
std::string usage();

}  // namespace mipshv
