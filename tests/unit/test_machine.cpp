// Whole-machine behaviour that no single instruction shows.
#include <catch2/catch.hpp>

#include <cstring>
#include <memory>

#include "hv/board/machine.h"
#include "hv/cpu/exception.h"
#include "hv/isa/encode.h"

using namespace mipshv;

namespace {
std::unique_ptr<Machine> machine_with(const std::vector<uint32_t>& code) {
    Options o;
    o.memory_bytes = 16 << 20;
    auto m = std::make_unique<Machine>(o);
    std::memcpy(m->bus().ram_ptr(0x10000, code.size() * 4), code.data(), code.size() * 4);
    m->cpu().pc = 0xffffffff80010000ull;
    return m;
}
}  // namespace

TEST_CASE("a guest whose exception vector cannot be fetched stops as stuck", "[machine]") {
    // Reset state: BEV=1, so the syscall vectors to the (unmapped) boot ROM.
    auto m = machine_with({encode::syscall(), encode::nop()});
    CHECK(m->run(1000) == StopReason::STUCK);
}

TEST_CASE("a budget ends a run even while the guest only idles", "[machine]") {
    // wait; b . (back to the wait) with the timer far away: idle forever.
    auto m = machine_with({0x42000020, encode::beq(0, 0, -2), encode::nop()});
    m->cpu().cp0.status = 1u << 15;  // kernel mode, BEV clear, the timer line unmasked
    CHECK(m->run(4) == StopReason::BUDGET);
    CHECK(m->run(1) == StopReason::BUDGET);
}

TEST_CASE("in hypervisor modes the hypervisor's region is not guest memory", "[machine]") {
    for (const char* mode : {"trap", "1:1", "1:n", "on-demand"}) {
        INFO(mode);
        Options o;
        o.memory_bytes = 16 << 20;
        o.mode = mode;
        Machine m(o);
        // lui t0, 0x80f0 ; sw zero, 0(t0) ; b . ; nop  -- 0x80f00000 is the region (top MiB of 16 MiB)
        const std::vector<uint32_t> code = {encode::lui(8, 0x80f0), encode::sw(0, 0, 8), encode::beq(0, 0, -1), encode::nop()};
        std::memcpy(m.bus().ram_ptr(0x10000, code.size() * 4), code.data(), code.size() * 4);
        m.cpu().pc = 0xffffffff80010000ull;
        m.cpu().cp0.status = 1u << 15;  // kernel mode, BEV clear
        update_mmu_mode(m.cpu());
        m.run(10);
        CHECK(((m.cpu().cp0.cause >> 2) & 31) == 7);  // DBE: a bus error, as if nothing were there
        CHECK(m.cpu().cp0.epc == 0xffffffff80010004ull);
    }
}
