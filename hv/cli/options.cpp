#include "hv/cli/options.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <ctime>
#include <string_view>

#include "hv/board/memory_map.h"
#include "hv/common/error.h"
#include "hv/common/parse_decimal.h"
#include "hv/vmm/exec_mode.h"

namespace mipshv {
namespace {


constexpr uint64_t KiB = 1024, MiB = KiB << 10, GiB = MiB << 10;
constexpr uint64_t kMinMemory = 1 * MiB, kMaxMemory = 16 * GiB, kPageSize = 4 * KiB;

[[noreturn]] void fail(const std::string& message) { throw Error("mipshv: " + message); }

std::string mode_list() { return exec_mode_list(); }

// Linux copies the device tree's bootargs into a COMMAND_LINE_SIZE (4096,
// arch/mips/include/uapi/asm/setup.h) buffer with its NUL, and would cut a
// longer one silently.
constexpr size_t kMaxCommandLine = 4095;

std::string parse_append(const std::string& option, const std::string& text) {
    if (text.size() > kMaxCommandLine)
        fail(option + ": " + std::to_string(text.size()) + " bytes; the guest kernel's command line holds " +
             std::to_string(kMaxCommandLine));
    return text;
}

uint64_t parse_count(const std::string& option, const std::string& text) {
    uint64_t value;
    if (!parse_decimal(text, value))
        fail(option + ": expected a non-negative integer, got '" + text + "' (see --help)");
    return value;
}

// --timeout: host seconds, with a fraction if wanted (0.5), up to a year.
double parse_seconds(const std::string& option, const std::string& text) {
    constexpr double kMaxSeconds = 366.0 * 24 * 3600;
    char* end = nullptr;
    const double value = text.empty() || !std::isdigit(static_cast<unsigned char>(text[0]))
                             ? 0.0 : std::strtod(text.c_str(), &end);
    if (!end || *end != '\0' || !(value > 0.0) || value > kMaxSeconds)
        fail(option + ": expected seconds, more than 0 and at most a year (such as 30 or 0.5), got '" + text + "'");
    return value;
}

// QEMU's -m syntax: a bare number is MiB; K, M, G (any case, optionally
// followed by B) scale it; a lone B means bytes.
uint64_t parse_memory_size(const std::string& option, const std::string& text) {
    const size_t digits_end = std::min(text.find_first_not_of("0123456789"), text.size());
    std::string suffix = text.substr(digits_end);
    for (char& c : suffix) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (suffix.size() == 2 && suffix[1] == 'B') suffix.pop_back();

    uint64_t unit = 0;
    if (suffix.empty() || suffix == "M") unit = MiB;
    else if (suffix == "B") unit = 1;
    else if (suffix == "K") unit = KiB;
    else if (suffix == "G") unit = GiB;
    uint64_t count;
    if (unit == 0 || !parse_decimal(std::string_view(text).substr(0, digits_end), count))
        fail(option + ": bad size '" + text + "' (expected MiB or a size such as 512M or 2G)");

    if (count > kMaxMemory / unit) fail(option + ": " + text + " is more than the 16 GiB maximum");
    const uint64_t bytes = count * unit;
    if (bytes < kMinMemory) fail(option + ": " + text + " is less than the 1 MiB minimum");
    if (bytes % kPageSize != 0) fail(option + ": " + text + " is not a multiple of 4 KiB");
    return bytes;
}

// QEMU's -rtc base=utc|DATE where DATE is YYYY-MM-DD or YYYY-MM-DDTHH:MM:SS (UTC).
int64_t parse_rtc(const std::string& option, const std::string& text) {
    const std::string prefix = "base=";
    if (text.rfind(prefix, 0) != 0) fail(option + ": expected base=utc or base=YYYY-MM-DD[THH:MM:SS], got '" + text + "'");
    const std::string when = text.substr(prefix.size());
    if (when == "utc") return -1;
    struct tm t{};
    const char* end = strptime(when.c_str(), "%Y-%m-%dT%H:%M:%S", &t);
    if (!end || *end) {
        t = tm{};
        end = strptime(when.c_str(), "%Y-%m-%d", &t);
    }
    if (!end || *end || t.tm_year < 70) fail(option + ": bad date '" + when + "' (expected YYYY-MM-DD[THH:MM:SS], 1970 or later)");
    return int64_t(timegm(&t));
}

std::string parse_clock(const std::string& option, const std::string& text) {
    if (text != "virtual" && text != "host") fail(option + ": unknown clock '" + text + "' (valid: virtual, host)");
    return text;
}

// The code cache: 1 MiB (room for any block) to 1 GiB (translated code
// jumps within it with 32-bit displacements).
uint64_t parse_code_cache(const std::string& option, const std::string& text) {
    const uint64_t bytes = parse_memory_size(option, text);
    if (bytes > 1 * GiB) fail(option + ": " + text + " is more than the 1 GiB maximum");
    return bytes;
}

// QEMU's -smp N or -smp cpus=N.
unsigned parse_smp(const std::string& option, const std::string& text) {
    const std::string number = text.rfind("cpus=", 0) == 0 ? text.substr(5) : text;
    uint64_t n;
    if (!parse_decimal(number, n) || n < 1 || n > memory_map::kMaxVcpus)
        fail(option + ": expected a number of vCPUs from 1 to " + std::to_string(memory_map::kMaxVcpus) + " (N or cpus=N), got '" + text + "'");
    return unsigned(n);
}

uint64_t parse_quantum(const std::string& option, const std::string& text) {
    const uint64_t n = parse_count(option, text);
    if (n < 100 || n > 10'000'000) fail(option + ": expected 100 to 10000000 instructions, got '" + text + "'");
    return n;
}

std::string parse_engine(const std::string& option, const std::string& text) {
    if (text != "jit" && text != "interp") fail(option + ": unknown engine '" + text + "' (valid: jit, interp)");
    return text;
}

std::string parse_mode(const std::string& option, const std::string& text) {
    if (parse_exec_mode(text)) return text;
    fail(option + ": unknown mode '" + text + "' (valid: " + mode_list() + ")");
}

}  // namespace

Options parse_options(int argc, char** argv) {
    Options options;
    options.argv.assign(argv, argv + argc);
    for (int i = 1; i < argc; ++i) {
        const std::string arg = argv[i];
        if (arg.size() < 2 || arg[0] != '-') fail("unexpected argument '" + arg + "' (see --help)");
        // "-kernel" and "--kernel" are the same option.
        const std::string name = arg.substr(arg[1] == '-' ? 2 : 1);
        const auto value = [&]() -> std::string {
            if (i + 1 == argc) fail("option '" + arg + "' needs an argument (see --help)");
            return argv[++i];
        };

        if (name == "kernel") options.kernel = value();
        else if (name == "initrd") options.initrd = value();
        else if (name == "append") options.append = parse_append(arg, value());
        else if (name == "m") options.memory_bytes = parse_memory_size(arg, value());
        else if (name == "smp") options.smp = parse_smp(arg, value());
        else if (name == "quantum") options.quantum = parse_quantum(arg, value());
        else if (name == "M" || name == "machine") options.machine = value();  // boards validate it
        else if (name == "semihosting") options.semihosting = true;
        else if (name == "nographic") continue;  // QEMU habit; mipshv never opens a window
        else if (name == "serial") options.serial = value();
        else if (name == "drive") options.drives.push_back(parse_drive(value()));
        else if (name == "netdev") options.netdevs.push_back(parse_netdev(value()));
        else if (name == "device") options.nics.push_back(parse_nic_device(value()));
        else if (name == "nic") parse_nic(value(), options.netdevs, options.nics);
        else if (name == "pcap") options.pcap_file = value();
        else if (name == "mode") options.mode = parse_mode(arg, value());
        else if (name == "max-insns") options.max_instructions = parse_count(arg, value());
        else if (name == "timeout") options.timeout_seconds = parse_seconds(arg, value());
        else if (name == "trace") options.trace_file = value();
        else if (name == "rtc") options.rtc_base_s = parse_rtc(arg, value());
        else if (name == "clock") options.clock = parse_clock(arg, value());
        else if (name == "engine") options.engine = parse_engine(arg, value());
        else if (name == "code-cache") options.code_cache_bytes = parse_code_cache(arg, value());
        else if (name == "dump-dtb") options.dump_dtb = value();
        else if (name == "stats") options.stats_file = value();
        else if (name == "system-map") options.system_map = value();
        else if (name == "cost-model") options.cost_model = value();
        else if (name == "timing") options.timing = true;
        else if (name == "stop-on-sensitive") options.stop_on_sensitive = true;
        else if (name == "h" || name == "help") options.show_help = true;
        else if (name == "version") options.show_version = true;
        else fail("unknown option '" + arg + "' (see --help)");
    }
    if (options.kernel.empty() && !options.show_help && !options.show_version)
        fail("no guest image given; use -kernel FILE (see --help)");
    check_network(options.netdevs, options.nics);
    if (options.drives.size() + options.nics.size() > memory_map::kVirtioSlotCount)
        fail("at most " + std::to_string(memory_map::kVirtioSlotCount) + " virtio devices (-drive, -nic, -device) fit on the board");
    if (!options.pcap_file.empty() && options.nics.empty()) fail("--pcap needs a network card (-nic or -device virtio-net)");
    if (options.timing && options.cost_model.empty()) fail("--timing needs a cost model (--cost-model FILE)");
    if (options.timing && options.clock == "host") fail("--timing and --clock host both set the guest's clock; give one");
    if (options.stop_on_sensitive && options.mode != "bare-metal")
        fail("--stop-on-sensitive works with --mode bare-metal only");
    return options;
}

std::string usage() {
    return "Usage: mipshv -kernel FILE [options]\n"
           "Run a MIPS64 Release 2 little-endian guest.\n"
           "\n"
           "  -kernel FILE        guest ELF64 executable (required)\n"
           "  -initrd FILE        initial ramdisk, placed in RAM and named in the device tree\n"
           "  -append STRING      kernel command line (device tree /chosen/bootargs)\n"
           "  -m SIZE             guest RAM: MiB, or with a K/M/G suffix (default 128M;\n"
           "                      1M to 16G, a multiple of 4K)\n"
           "  -M, -machine NAME   board to emulate (default: virt)\n"
           "  -smp N              vCPUs, 1 to 8 (default 1); with 2 or more the board\n"
           "                      has a Coherent Processing System (CM, GIC, CPC)\n"
           "  --quantum N         guest instructions each vCPU runs before the next\n"
           "                      takes its turn (default 10000; 100 to 10000000)\n"
           "  -semihosting        enable UHI semihosting calls from the guest\n"
           "  -nographic          accepted for QEMU compatibility; always implied\n"
           "  -serial SPEC        UART backend: stdio (default), file:PATH, null\n"
           "  -drive file=PATH,format=raw,if=virtio[,readonly=on][,snapshot=on]\n"
           "         [,cache=writeback|writethrough|unsafe][,serial=STR]\n"
           "                      attach a raw disk image as a virtio block device\n"
           "                      (vda, vdb, ... in order; repeatable)\n"
           "  -netdev user,id=ID[,hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT]...[,restrict=on]\n"
           "                      user-mode network backend (libslirp): 10.0.2.0/24, host\n"
           "                      10.0.2.2, DNS 10.0.2.3, DHCP from 10.0.2.15\n"
           "  -device virtio-net,netdev=ID[,mac=MAC]\n"
           "                      a virtio network card on that backend (eth0, eth1, ...)\n"
           "  -nic user[,hostfwd=...][,restrict=on][,mac=MAC]\n"
           "                      both at once\n"
           "  --pcap FILE         write every frame of every card to FILE (libpcap)\n"
           "  -rtc base=WHEN      RTC start: utc (host time, default) or YYYY-MM-DD[THH:MM:SS]\n"
           "  --clock NAME        virtual (default: deterministic, time advances with\n"
           "                      instructions) or host (follows the host clock)\n"
           "  --dump-dtb FILE     write the generated device tree blob to FILE\n"
           "  --stats FILE        at exit, write a RunRecord (binary Protobuf) to FILE;\n"
           "                      `mipshv stats FILE` prints one as JSON\n"
           "  --engine NAME       execution engine: jit (default: block translator to\n"
           "                      x86-64) or interp (the reference interpreter)\n"
           "  --code-cache SIZE   (jit) host code kept before a whole flush (default 256M;\n"
           "                      1M to 1G)\n"
           "  --mode NAME         how sensitive instructions run: " + mode_list() + "\n"
           "                      (default: bare-metal)\n"
           "  --stop-on-sensitive bare-metal debugging: stop at the first sensitive\n"
           "                      instruction executed in kernel mode and report it\n"
           "  --system-map FILE   kernel symbols (System.map) for the trap-site report\n"
           "  --cost-model FILE   price the run's events on a modelled core (a profile,\n"
           "                      experiments/cost_models/) in the --stats record\n"
           "  --timing            the guest's clock (Count, timers, devices) follows the\n"
           "                      cost model's time instead of one tick per instruction\n"
           "  --max-insns N       stop after N guest instructions (default 0 = no limit)\n"
           "  --timeout SECONDS   stop after SECONDS of host time (exit status 124); the\n"
           "                      --stats record is written and the disks flushed, as\n"
           "                      on SIGINT or SIGTERM (exit status 128 + the signal)\n"
           "  --trace FILE        write an instruction trace to FILE\n"
           "  -h, --help          show this help\n"
           "  --version           show the version\n"
           "\n"
           "Each option may be spelled with one dash or two.\n";
}

}  // namespace mipshv
