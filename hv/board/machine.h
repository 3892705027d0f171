// A complete virtual machine: RAM and devices on a bus, one vCPU, the
// execution engine, and the loaded guest. `-M bare` is the minimal board
// for bare-metal programs: RAM, a 16550 UART and UHI semihosting.
#pragma once
#include <cstdint>
#include <memory>
#include <string>

#include "hv/board/bus.h"
#include "hv/cli/options.h"
#include "hv/cpu/cpu.h"
#include "hv/dev/semihosting.h"
#include "hv/dev/uart16550.h"
#include "hv/engine/block_interpreter.h"
#include "hv/loader/elf_image.h"

namespace mipshv {

class Machine {
public:
    // Loads opts.kernel when given; without one, the caller places code in
    // RAM and sets the PC itself (tests, benchmarks).
    explicit Machine(const Options& opts);

    // Runs until the guest exits, stops, or `budget` instructions (0: none).
    StopReason run(uint64_t budget = 0);
    Cpu& cpu() { return cpu_; }
    Bus& bus() { return bus_; }
    const ElfImage& kernel() const { return kernel_; }
    // A human-readable report of where and why the machine stopped.
    std::string stop_report() const;

private:
    void load_kernel(const std::string& path);

    Options opts_;
    Bus bus_;
    Cpu cpu_;
    BlockInterpreter engine_;
    Uart16550 uart_;
    std::unique_ptr<Semihosting> semihosting_;
    ElfImage kernel_;
};

}  // namespace mipshv
