// Guest instructions per second of both execution engines (jit, interp),
// side by side, on three kernels: a tight integer loop, a load/store loop
// through a TLB-mapped page, and a branchy loop; and each loop compiled for
// the host (native_loops.cpp), the physical limit the engines are read
// against: after the benchmarks, a table gives each loop's CPU time per
// iteration natively, under the jit and under the interpreter, and their
// ratios (MANUAL section 9). Run with `make bench`; figures go in the issue
// notes, they are never asserted by tests.
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <string>
#include <vector>

#include "experiments/bench/native_loops.h"

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
uint64_t integer_model(const Cpu& c) { return uint64_t(uint32_t(c.gpr[T0])) * 10; }
uint64_t load_store_model(const Cpu& c) { return uint64_t(uint32_t(c.gpr[T0])) / 8 * 11; }
// Nine instructions per iteration, plus one when t0 is odd (s0 counts
// those) and one when t0 & 6 == 0 (s1 counts those, by 3).
uint64_t branchy_model(const Cpu& c) {
    return uint64_t(uint32_t(c.gpr[T0])) * 9 + uint32_t(c.gpr[S0]) + uint32_t(c.gpr[S1]) / 3;
}

// Iterations of its loop the guest has run (t0 counts them; by 8 in the
// load/store loop).
using Iterations = uint64_t (*)(const Cpu&);
uint64_t integer_iterations(const Cpu& c) { return uint32_t(c.gpr[T0]); }
uint64_t load_store_iterations(const Cpu& c) { return uint32_t(c.gpr[T0]) / 8; }
uint64_t branchy_iterations(const Cpu& c) { return uint32_t(c.gpr[T0]); }

// Seconds of CPU time per loop iteration, shown by Google Benchmark as a
// time with an SI prefix ("1.2n" is 1.2 ns).
benchmark::Counter iteration_time(uint64_t iterations) {
    return benchmark::Counter(double(iterations), benchmark::Counter::kIsRate | benchmark::Counter::kInvert);
}

void run_loop(benchmark::State& state, const std::vector<uint32_t>& code, Model model, Iterations iterations,
              const char* engine) {
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
    state.counters["iter_time"] = iteration_time(iterations(c));
}

// The guest's registers after a whole number of iterations of `code` (run
// by the interpreter), to check that a native loop computes the same thing.
const Cpu& guest_after(Guest& g, uint64_t budget) {
    g.machine.run(budget);
    while (g.machine.cpu().pc != kCodeVa) g.machine.run(1);
    return g.machine.cpu();
}

// A native loop: `step(n)` runs n iterations; `check()` compares the state
// against the guest's after the same iterations, run from the same start.
template <class Step>
void run_native(benchmark::State& state, Step step, bool matches_guest) {
    if (!matches_guest) {
        state.SkipWithError("the native loop does not compute what the guest loop does");
        return;
    }
    constexpr uint64_t kIterations = 1'000'000;  // about one guest slice (10 M instructions)
    uint64_t done = 0;
    for (auto _ : state) {
        step(kIterations);
        done += kIterations;
    }
    state.counters["iter_time"] = iteration_time(done);
}

alignas(4096) unsigned char native_page[4096];

void native_integer_loop(benchmark::State& state) {
    Guest g(integer_loop(), "interp");
    const Cpu& c = guest_after(g, 1'000'000);
    bench::IntegerState n;
    bench::native_integer(n, integer_iterations(c));
    const bool same = int32_t(n.t0) == int64_t(c.gpr[T0]) && int32_t(n.t1) == int64_t(c.gpr[T1]) &&
                      int32_t(n.t3) == int64_t(c.gpr[T3]) && n.s0 == c.gpr[S0];
    bench::IntegerState s;
    run_native(state, [&](uint64_t k) { bench::native_integer(s, k); }, same);
    benchmark::DoNotOptimize(s);
}

void native_load_store_loop(benchmark::State& state) {
    Guest g(load_store_loop(), "interp");
    const Cpu& c = guest_after(g, 1'000'000);
    bench::LoadStoreState n;
    bench::native_load_store(n, native_page, load_store_iterations(c));
    const bool same = int32_t(n.t0) == int64_t(c.gpr[T0]) && n.s0 == c.gpr[S0] && int32_t(n.s2) == int64_t(c.gpr[S2]) &&
                      std::memcmp(native_page, g.machine.bus().ram_ptr(kDataPa, sizeof native_page), sizeof native_page) == 0;
    bench::LoadStoreState s;
    run_native(state, [&](uint64_t k) { bench::native_load_store(s, native_page, k); }, same);
    benchmark::DoNotOptimize(s);
}

void native_branchy_loop(benchmark::State& state) {
    Guest g(branchy_loop(), "interp");
    const Cpu& c = guest_after(g, 1'000'000);
    bench::BranchyState n;
    bench::native_branchy(n, branchy_iterations(c));
    const bool same = int32_t(n.t0) == int64_t(c.gpr[T0]) && int32_t(n.s0) == int64_t(c.gpr[S0]) &&
                      int32_t(n.s1) == int64_t(c.gpr[S1]);
    bench::BranchyState s;
    run_native(state, [&](uint64_t k) { bench::native_branchy(s, k); }, same);
    benchmark::DoNotOptimize(s);
}

void BM_IntegerLoop(benchmark::State& s, const char* engine) {
    if (std::strcmp(engine, "native") == 0) return native_integer_loop(s);
    run_loop(s, integer_loop(), integer_model, integer_iterations, engine);
}
void BM_LoadStoreLoop(benchmark::State& s, const char* engine) {
    if (std::strcmp(engine, "native") == 0) return native_load_store_loop(s);
    run_loop(s, load_store_loop(), load_store_model, load_store_iterations, engine);
}
void BM_BranchyLoop(benchmark::State& s, const char* engine) {
    if (std::strcmp(engine, "native") == 0) return native_branchy_loop(s);
    run_loop(s, branchy_loop(), branchy_model, branchy_iterations, engine);
}

// The jit runs a fixed 2.5 G guest instructions (250 slices): left to
// Google Benchmark's own count, a fast enough run would take the load/store
// loop's 32-bit counter (8 an iteration) past 2^31, and then to zero, which
// ends the loop.
constexpr int kJitSlices = 250;
BENCHMARK_CAPTURE(BM_IntegerLoop, jit, "jit")->Unit(benchmark::kMillisecond)->Iterations(kJitSlices);
BENCHMARK_CAPTURE(BM_IntegerLoop, interp, "interp")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadStoreLoop, jit, "jit")->Unit(benchmark::kMillisecond)->Iterations(kJitSlices);
BENCHMARK_CAPTURE(BM_LoadStoreLoop, interp, "interp")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BranchyLoop, jit, "jit")->Unit(benchmark::kMillisecond)->Iterations(kJitSlices);
BENCHMARK_CAPTURE(BM_BranchyLoop, interp, "interp")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_IntegerLoop, native, "native")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_LoadStoreLoop, native, "native")->Unit(benchmark::kMillisecond);
BENCHMARK_CAPTURE(BM_BranchyLoop, native, "native")->Unit(benchmark::kMillisecond);

// The display reporter Google Benchmark would use (--benchmark_format,
// --benchmark_color and so on are its), keeping each run's counters (the
// median's, with --benchmark_repetitions) for the table printed after.
class Collector : public benchmark::BenchmarkReporter {
public:
    struct Figures {
        double iter_time = 0, insns_per_s = 0;
        bool median = false;
    };
    std::map<std::string, Figures> runs;
    BenchmarkReporter* const display = benchmark::CreateDefaultDisplayReporter();

    bool ReportContext(const Context& context) override { return display->ReportContext(context); }
    void Finalize() override { display->Finalize(); }
    void ReportRuns(const std::vector<Run>& reports) override {
        for (const Run& r : reports) {
            if (r.error_occurred) continue;
            const bool median = r.run_type == Run::RT_Aggregate && r.aggregate_name == "median";
            if (r.run_type == Run::RT_Aggregate && !median) continue;
            Figures& f = runs[r.run_name.function_name];
            if (f.median && !median) continue;
            const auto get = [&](const char* name) {
                const auto it = r.counters.find(name);
                return it == r.counters.end() ? 0.0 : it->second.value;
            };
            f = {get("iter_time"), get("guest_insns/s"), median};
        }
        display->ReportRuns(reports);
    }

    void print_table() const {
        std::printf("\nAgainst native (CPU time per loop iteration; native: the same loop in C++ at -O2,"
                    " experiments/bench/native_loops.cpp)\n");
        std::printf("%-11s %9s %10s %12s %10s %10s %11s %12s %12s %14s\n", "loop", "insns/it", "native ns", "native-equiv",
                    "jit ns", "jit", "jit/native", "interp ns", "interp", "interp/native");
        const std::pair<const char*, const char*> loops[] = {
            {"BM_IntegerLoop", "integer"}, {"BM_LoadStoreLoop", "load/store"}, {"BM_BranchyLoop", "branchy"}};
        for (const auto& [loop, name] : loops) {
            const auto find = [&](const char* engine) {
                const auto it = runs.find(std::string(loop) + "/" + engine);
                return it == runs.end() ? Figures{} : it->second;
            };
            const Figures native = find("native"), jit = find("jit"), interp = find("interp");
            if (native.iter_time <= 0) continue;
            // Guest instructions per iteration, from either engine's run.
            const Figures& guest = jit.iter_time > 0 ? jit : interp;
            const double per_iter = guest.iter_time * guest.insns_per_s;
            if (per_iter > 0)
                std::printf("%-11s %9.2f %10.3f %10.2fG/s", name, per_iter, native.iter_time * 1e9,
                            per_iter / native.iter_time / 1e9);
            else  // no guest run (--benchmark_filter): no instructions per iteration to scale by
                std::printf("%-11s %9s %10.3f %13s", name, "-", native.iter_time * 1e9, "-");
            for (const Figures* e : {&jit, &interp}) {
                if (e->iter_time > 0)
                    std::printf(" %10.3f %8.2f%s %10.1fx", e->iter_time * 1e9,
                                e->insns_per_s / (e == &jit ? 1e9 : 1e6), e == &jit ? "G/s" : "M/s",
                                e->iter_time / native.iter_time);
                else
                    std::printf(" %10s %10s %11s", "-", "-", "-");
            }
            std::printf("\n");
        }
        std::printf("(ns: per iteration; jit and interp: guest instructions per second; native-equiv: the guest"
                    " instructions of an iteration over the native time)\n");
    }
};

}  // namespace

int main(int argc, char** argv) {
    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    Collector collector;
    benchmark::RunSpecifiedBenchmarks(&collector);
    // The table goes with the console output only (not into --benchmark_format=json or csv).
    if (dynamic_cast<benchmark::ConsoleReporter*>(collector.display)) collector.print_table();
    benchmark::Shutdown();
    return 0;
}
