#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hv/cli/options.h"
#include "hv/common/error.h"

using mipshv::Options;

namespace {

Options parse(std::vector<std::string> args) {
    args.insert(args.begin(), "mipshv");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    return mipshv::parse_options(static_cast<int>(args.size()), argv.data());
}

// Every error is one line that starts with the program name.
std::string error_of(std::vector<std::string> args) {
    try {
        parse(std::move(args));
    } catch (const mipshv::Error& e) {
        const std::string message = e.what();
        CHECK(message.rfind("mipshv: ", 0) == 0);
        CHECK(message.find('\n') == std::string::npos);
        return message;
    }
    FAIL("expected mipshv::Error");
    return {};
}

uint64_t memory(const std::string& size) { return parse({"-kernel", "k.elf", "-m", size}).memory_bytes; }

constexpr uint64_t MiB = 1ull << 20, GiB = 1ull << 30;

}  // namespace

TEST_CASE("defaults need only -kernel", "[options]") {
    const Options o = parse({"-kernel", "hello.elf"});
    CHECK(o.kernel == "hello.elf");
    CHECK(o.initrd.empty());
    CHECK(o.append.empty());
    CHECK(o.machine == "virt");
    CHECK(o.mode == "bare-metal");
    CHECK(o.serial.empty());
    CHECK(o.memory_bytes == 128 * MiB);
    CHECK_FALSE(o.semihosting);
    CHECK(o.max_instructions == 0);
    CHECK(o.trace_file.empty());
    CHECK_FALSE(o.show_help);
    CHECK_FALSE(o.show_version);
}

TEST_CASE("every option, with one dash and with two", "[options]") {
    for (const std::string dash : {"-", "--"}) {
        const Options o = parse({dash + "kernel", "vmlinux", dash + "initrd", "rd.img", dash + "append",
                                 "console=ttyS0 quiet", dash + "m", "256", dash + "M", "malta",
                                 dash + "semihosting", dash + "nographic", dash + "serial", "stdio",
                                 dash + "mode", "trap", dash + "max-insns", "1000", dash + "trace", "t.log"});
        CHECK(o.kernel == "vmlinux");
        CHECK(o.initrd == "rd.img");
        CHECK(o.append == "console=ttyS0 quiet");
        CHECK(o.memory_bytes == 256 * MiB);
        CHECK(o.machine == "malta");
        CHECK(o.semihosting);
        CHECK(o.serial == "stdio");
        CHECK(o.mode == "trap");
        CHECK(o.max_instructions == 1000);
        CHECK(o.trace_file == "t.log");
    }
}

TEST_CASE("-machine is a synonym of -M", "[options]") {
    CHECK(parse({"-kernel", "k", "-machine", "boston"}).machine == "boston");
    CHECK(parse({"-kernel", "k", "--machine", "boston"}).machine == "boston");
}

TEST_CASE("a repeated option keeps the last value, as in QEMU", "[options]") {
    CHECK(parse({"-kernel", "a", "-kernel", "b"}).kernel == "b");
}

TEST_CASE("help and version do not need -kernel", "[options]") {
    for (const std::string flag : {"-h", "--h", "-help", "--help"}) CHECK(parse({flag}).show_help);
    for (const std::string flag : {"-version", "--version"}) CHECK(parse({flag}).show_version);
}

TEST_CASE("-m follows QEMU's size syntax", "[options]") {
    CHECK(memory("1") == 1 * MiB);
    CHECK(memory("512") == 512 * MiB);
    CHECK(memory("512M") == 512 * MiB);
    CHECK(memory("512m") == 512 * MiB);
    CHECK(memory("512MB") == 512 * MiB);
    CHECK(memory("512mb") == 512 * MiB);
    CHECK(memory("1024K") == 1 * MiB);
    CHECK(memory("1028kB") == 1028 * 1024);
    CHECK(memory("2G") == 2 * GiB);
    CHECK(memory("2gb") == 2 * GiB);
    CHECK(memory("16G") == 16 * GiB);
    CHECK(memory("16384") == 16 * GiB);
    CHECK(memory("1048576B") == 1 * MiB);
}

TEST_CASE("-m rejects malformed sizes", "[options]") {
    for (const std::string size : {"", "abc", "M", "12X", "12KM", "1.5G", "-1", "+1", "0x100", "1T", "1 G",
                                   "99999999999999999999999"}) {
        INFO("size '" << size << "'");
        CHECK_THAT(error_of({"-kernel", "k", "-m", size}), Catch::Contains("bad size '" + size + "'"));
    }
}

TEST_CASE("-m enforces the range and 4 KiB granularity", "[options]") {
    CHECK_THAT(error_of({"-kernel", "k", "-m", "0"}), Catch::Contains("less than the 1 MiB minimum"));
    CHECK_THAT(error_of({"-kernel", "k", "-m", "1020K"}), Catch::Contains("less than the 1 MiB minimum"));
    CHECK_THAT(error_of({"-kernel", "k", "-m", "16385"}), Catch::Contains("more than the 16 GiB maximum"));
    CHECK_THAT(error_of({"-kernel", "k", "-m", "17G"}), Catch::Contains("more than the 16 GiB maximum"));
    // Large enough to overflow if multiplied before the range check.
    CHECK_THAT(error_of({"-kernel", "k", "-m", "18446744073709551615G"}),
               Catch::Contains("more than the 16 GiB maximum"));
    CHECK_THAT(error_of({"-kernel", "k", "-m", "1025K"}), Catch::Contains("not a multiple of 4 KiB"));
    CHECK_THAT(error_of({"-kernel", "k", "-m", "1048577B"}), Catch::Contains("not a multiple of 4 KiB"));
}

TEST_CASE("--mode accepts only the listed modes", "[options]") {
    CHECK(parse({"-kernel", "k", "--mode", "bare-metal"}).mode == "bare-metal");
    CHECK(parse({"-kernel", "k", "--mode", "trap"}).mode == "trap");
    for (const char* mode : {"1:1", "1:n", "on-demand"}) CHECK(parse({"-kernel", "k", "--mode", mode}).mode == mode);
    CHECK(error_of({"-kernel", "k", "--mode", "2:1"}) ==
          "mipshv: --mode: unknown mode '2:1' (valid: bare-metal, trap, 1:1, 1:n, on-demand)");
}

TEST_CASE("--max-insns takes a non-negative decimal count", "[options]") {
    CHECK(parse({"-kernel", "k", "--max-insns", "0"}).max_instructions == 0);
    CHECK(parse({"-kernel", "k", "--max-insns", "18446744073709551615"}).max_instructions == UINT64_MAX);
    for (const std::string count : {"", "-5", "abc", "10k", "0x10", "18446744073709551616"}) {
        INFO("count '" << count << "'");
        CHECK_THAT(error_of({"-kernel", "k", "--max-insns", count}),
                   Catch::Contains("expected a non-negative integer, got '" + count + "'"));
    }
}

TEST_CASE("unknown options and stray arguments are rejected", "[options]") {
    CHECK(error_of({"-kernel", "k", "-foo"}) == "mipshv: unknown option '-foo' (see --help)");
    CHECK(error_of({"-kernel", "k", "--"}) == "mipshv: unknown option '--' (see --help)");
    CHECK(error_of({"-kernel", "k", "---kernel", "x"}) == "mipshv: unknown option '---kernel' (see --help)");
    CHECK(error_of({"-kernel", "k", "-Mode", "trap"}) == "mipshv: unknown option '-Mode' (see --help)");
    CHECK(error_of({"-kernel", "k", "extra"}) == "mipshv: unexpected argument 'extra' (see --help)");
    CHECK(error_of({"-kernel", "k", "-"}) == "mipshv: unexpected argument '-' (see --help)");
}

TEST_CASE("options that take a value fail without one", "[options]") {
    for (const std::string option : {"-initrd", "-append", "-m", "-M", "-machine", "-serial", "--mode",
                                     "--max-insns", "--trace"}) {
        CHECK(error_of({"-kernel", "k", option}) == "mipshv: option '" + option + "' needs an argument (see --help)");
    }
    CHECK(error_of({"-kernel"}) == "mipshv: option '-kernel' needs an argument (see --help)");
}

TEST_CASE("-append fits the guest kernel's 4096-byte command line", "[options]") {
    CHECK(parse({"-kernel", "k", "-append", std::string(4095, 'a')}).append.size() == 4095);
    CHECK(error_of({"-kernel", "k", "-append", std::string(4096, 'a')}) ==
          "mipshv: -append: 4096 bytes; the guest kernel's command line holds 4095");
    CHECK(error_of({"-kernel", "k", "--append", std::string(70000, 'a')}) ==
          "mipshv: --append: 70000 bytes; the guest kernel's command line holds 4095");
}

TEST_CASE("--stop-on-sensitive is a bare-metal debugging aid", "[options]") {
    CHECK(parse({"-kernel", "k", "--stop-on-sensitive"}).stop_on_sensitive);
    CHECK(error_of({"-kernel", "k", "--stop-on-sensitive", "--mode", "trap"}) ==
          "mipshv: --stop-on-sensitive works with --mode bare-metal only");
}

TEST_CASE("-kernel is required to run", "[options]") {
    CHECK(error_of({}) == "mipshv: no guest image given; use -kernel FILE (see --help)");
    CHECK(error_of({"-m", "64", "-semihosting"}) == "mipshv: no guest image given; use -kernel FILE (see --help)");
}

TEST_CASE("usage lists every option and mode", "[options]") {
    const std::string text = mipshv::usage();
    for (const std::string option : {"-kernel", "-initrd", "-append", "-m ", "-M,", "-machine", "-semihosting",
                                     "-nographic", "-serial", "--mode", "--max-insns", "--trace", "--help",
                                     "--version", "bare-metal, trap, 1:1, 1:n, on-demand", "--stats", "--system-map", "--cost-model",
                                     "--stop-on-sensitive", "--dump-dtb", "-rtc", "--clock"}) {
        CHECK_THAT(text, Catch::Contains(option));
    }
}
