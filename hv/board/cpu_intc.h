// The CPU's own interrupt inputs as an interrupt controller: devices drive
// the hardware lines IP2..IP6 (Cause.IP). A line can be shared: each
// device is a level source, and the line is high while any source is. An
// SMP board puts a GIC in front instead; devices only ever see `source`.
#pragma once
#include <array>
#include <cstdint>
#include <functional>

#include "hv/cpu/cpu.h"

namespace mipshv {

class CpuIntc {
public:
    explicit CpuIntc(Cpu& cpu) : cpu_(cpu) {}
    // A new source on `line` (2..6): a function that sets its level.
    std::function<void(bool)> source(unsigned line);

private:
    void set(unsigned line, uint32_t source_bit, bool level);

    Cpu& cpu_;
    std::array<uint32_t, 8> asserted_{};  // per line: the sources that are high
    std::array<unsigned, 8> sources_{};   // per line: sources handed out
};

}  // namespace mipshv
