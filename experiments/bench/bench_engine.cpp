// Guest instructions per second of both execution engines (jit, interp),
// side by side, on three kernels: a tight integer loop, a load/store loop
// through a TLB-mapped page, and a branchy loop. Run with `make bench`; figures go in the issue notes, they
// are never asserted by tests.
#include <benchmark/benchmark.h>

#include <cstring>
#include <vector>

#include "hv/board/machine.h"
#include "hv/cpu/cp0.h"
#include "hv/cpu/exception.h"
#include "hv/isa/encode.h"

namespace {
using namespace mipshv;
using namespace mipshv::encode;

constexpr uint64_t kCodeVa = 0xffffffff80010000ull;  // kseg0, physical 0x10000
constexpr uint64_t kDataVa = 0x0000000000400000ull;  // useg, mapped by a TLB entry
constexpr uint64_t kDataPa = 0x00200000ull;
enum { T0 = 8, T1, T2, T3, T4, T5, T6, T7, S0 = 16, S1, S2 };

// Integer ALU work with one backward branch per 10 instructions.
std::vector<uint32_t> integer_loop() {
    return {addiu(T0, T0, 1), xor_(T1, T1, T0), sll(T2, T0, 3), addu(T3, T3, T2), subu(T4, T3, T1),
            or_(T5, T4, T0),  and_(T6, T5, T1), srl(T7, T6, 2), bne(T0, 0, -9),  daddu(S0, S0, T7)};
}

// Stores and loads walking a 4 KiB buffer in a mapped page.
std::vector<uint32_t> load_store_loop() {
    return {lui(S1, kDataVa >> 16), addiu(T0, T0, 8), andi(T1, T0, 0xff8), daddu(T2, S1, T1), sd(T0, 0, T2),
            ld(T3, 0, T2), daddu(S0, S0, T3), sw(T3, 4, T2), lw(T4, 4, T2), bne(T0, 0, -10), addu(S2, S2, T4)};
}

// Data-dependent branches: each iteration takes or skips two forward branches.
std::vector<uint32_t> branchy_loop() {
    return {addiu(T0, T0, 1), andi(T1, T0, 1), beq(T1, 0, 2), nop(), addiu(S0, S0, 1),
            andi(T2, T0, 6), bne(T2, 0, 2), nop(), addiu(S1, S1, 3), bne(T0, 0, -10), nop()};
}

struct Guest {
    Machine machine;
    Guest(const std::vector<uint32_t>& code, const char* engine) : machine(options(engine)) {
        Cpu& c = machine.cpu();
        std::memcpy(machine.bus().ram_ptr(kCodeVa & 0x1fffffff, code.size() * 4), code.data(), code.size() * 4);
        c.cp0.status = 0;  // kernel mode, ERL/BEV clear: useg goes through the TLB
        update_mmu_mode(c);
        // One 4 KiB even page at kDataVa, global, dirty, valid.
        c.tlb.write(0, kDataVa, 0, (kDataPa >> 12) << 6 | 0x7 | (3 << 3), cp0::entrylo::G);
        c.pc = kCodeVa;
    }
    static Options options(const char* engine) {
        Options o;
        o.engine = engine;
        o.memory_bytes = 64ull << 20;
        return o;
    }
};

// How many instructions the guest must have run, from its own registers;
// a figure is only worth reporting if the guest really did the work.
using Model = uint64_t (*)(const Cpu&);
uint64_t integer_model(const Cpu& c) { return c.gpr[T0] * 10; }
uint64_t load_store_model(const Cpu& c) { return c.gpr[T0] / 8 * 11; }
// Nine instructions per iteration, plus one when t0 is odd (s0 counts
// those) and one when t0 & 6 == 0 (s1 counts those, by 3).
uint64_t branchy_model(const Cpu& c) { return c.gpr[T0] * 9 + c.gpr[S0] + c.gpr[S1] / 3; }

void run_loop(benchmark::State& state, const std::vector<uint32_t>& code, Model model, const char* engine) {
    Guest g(code, engine);
    constexpr uint64_t kSlice = 10'000'000;
    for (auto _ : state) g.machine.run(kSlice);
    const Cpu& c = g.machine.cpu();
    const uint64_t expected = model(c);
    const uint64_t off = c.instret > expected ? c.instret - expected : expected - c.instret;
    if (off > code.size())  // the last iteration may be partial
        state.SkipWithError("the guest's registers do not match the instructions it ran");
    state.counters["guest_insns/s"] =
        benchmark::Counter(double(g.machine.cpu().instret), benchmark::Counter::kIsRate);
}

void BM_IntegerLoop(benchmark::State& s, const char* engine) { run_loop(s, integer_loop(), integer_model, engine); }
void BM_LoadStoreLoop(benchmark::State& s, const char* engine) { run_loop(s, load_store_loop(), load_store_model, engine); }
void BM_BranchyLoop(benchmark::State& s, const char* engine) { run_loop(s, branchy_loop(), branchy_model, engine); }

BENCHMARK_CAPTURE(BM_IntegerLoop, jit, "jit")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_IntegerLoop, interp, "interp")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadStoreLoop, jit, "jit")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadStoreLoop, interp, "interp")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BranchyLoop, jit, "jit")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BranchyLoop, interp, "interp")->Unit(benchmark::kMillisecond);

}  // namespace

BENCHMARK_MAIN();
