// mipshv: run a MIPS64 guest, or `mipshv stats FILE` to print a RunRecord.
// Exit status: the guest's exit code (UHI exit, or 0 on power-off); 1 for a
// usage or input error or a guest that makes no progress; 2 when
// --stop-on-sensitive stopped at a sensitive instruction; 3 when --max-insns
// ran out; 124 when --timeout did (as timeout(1)); 128 + the signal's number
// after SIGINT or SIGTERM. Those three still write the --stats record.
#include <sys/time.h>

#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "hv/board/host_console.h"
#include "hv/board/machine.h"
#include "hv/common/error.h"
#include "hv/stats/cost_model.h"
#include "hv/stats/run_record.h"

namespace {
using namespace mipshv;

// `mipshv stats FILE [--cost-model PROFILE]`: the record as JSON, priced
// anew by the profile if one is given (a run is priced after the fact).
int print_stats(int argc, char** argv) {
    const bool priced = argc == 5 && std::strcmp(argv[3], "--cost-model") == 0;
    if (argc != 3 && !priced) throw Error("mipshv: usage: mipshv stats FILE [--cost-model PROFILE]");
    stats::RunRecord record = read_run_record(argv[2]);
    if (priced) model_cost(load_cost_model(argv[4]), argv[4], record);
    std::fputs(run_record_json(record).c_str(), stdout);
    return 0;
}

// The machine a signal or --timeout stops, once it exists; what stopped it.
std::atomic<Machine*> g_machine{nullptr};
volatile std::sig_atomic_t g_signal = 0;  // the SIGINT or SIGTERM
volatile std::sig_atomic_t g_timed_out = 0;

StopReason asked_stop() { return g_timed_out ? StopReason::TIMEOUT : StopReason::INTERRUPTED; }

extern "C" void on_stop_signal(int sig) {
    if (sig == SIGALRM) {
        g_timed_out = 1;
    } else if (g_signal) {  // the second: end now, as the signal would have
        restore_host_terminal();
        signal(sig, SIG_DFL);
        raise(sig);
        return;
    } else {
        g_signal = sig;
    }
    if (Machine* m = g_machine.load()) m->request_stop(asked_stop());
}

// SIGINT and SIGTERM stop the guest at its next block, and the run ends as
// any other (the record, the disks, the terminal); a second one ends the
// process at once. --timeout is a SIGALRM after that much host time. Both
// count from before the machine is built: one that comes while it loads
// stops it before its first instruction (StopsMachine).
void catch_stop_signals(double timeout_seconds) {
    struct sigaction sa {};
    sa.sa_handler = on_stop_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = SA_RESTART;
    for (int sig : {SIGINT, SIGTERM}) {
        struct sigaction inherited {};
        sigaction(sig, nullptr, &inherited);
        if (inherited.sa_handler != SIG_IGN) sigaction(sig, &sa, nullptr);  // (nohup, a shell's `&`: still ignored)
    }
    if (timeout_seconds <= 0) return;
    sigaction(SIGALRM, &sa, nullptr);
    itimerval t{};
    t.it_value.tv_sec = time_t(timeout_seconds);
    t.it_value.tv_usec = suseconds_t(std::fmod(timeout_seconds, 1.0) * 1e6);
    if (t.it_value.tv_sec == 0 && t.it_value.tv_usec == 0) t.it_value.tv_usec = 1;
    setitimer(ITIMER_REAL, &t, nullptr);
}

// While it lives, the signals stop `m` (and one that came first does now).
struct StopsMachine {
    explicit StopsMachine(Machine& m) {
        g_machine.store(&m);
        if (g_signal || g_timed_out) m.request_stop(asked_stop());
    }
    ~StopsMachine() {
        itimerval off{};
        setitimer(ITIMER_REAL, &off, nullptr);
        g_machine.store(nullptr);
    }
};

int exit_status(Machine& m, StopReason why, double timeout_seconds) {
    switch (why) {
        case StopReason::HALT: return m.exit_code();
        case StopReason::QUIT:
            std::fprintf(stderr, "\nmipshv: terminated (Ctrl-A x)\n");
            return 0;
        case StopReason::REBOOT:
            std::fprintf(stderr, "mipshv: the guest asked for a reboot; stopping\n");
            return 0;
        case StopReason::SENSITIVE:
            std::fputs(m.stop_report().c_str(), stderr);
            return 2;
        case StopReason::BUDGET:
            std::fprintf(stderr, "mipshv: instruction limit reached (--max-insns)\n%s", m.stop_report().c_str());
            return 3;
        case StopReason::INTERRUPTED:
            std::fprintf(stderr, "mipshv: stopped by %s\n", g_signal == SIGINT ? "SIGINT" : "SIGTERM");
            return 128 + (g_signal ? int(g_signal) : SIGTERM);
        case StopReason::TIMEOUT:
            std::fprintf(stderr, "mipshv: stopped after --timeout %g s of host time\n", timeout_seconds);
            return 124;
        case StopReason::STUCK:
            std::fprintf(stderr, "mipshv: the guest makes no progress (an exception vector it cannot fetch?)\n%s",
                         m.stop_report().c_str());
            return 1;
        default:
            std::fprintf(stderr, "mipshv: machine stopped\n%s", m.stop_report().c_str());
            return 1;
    }
}

int run(int argc, char** argv) {
    Options opts = parse_options(argc, argv);
    if (opts.show_help) {
        std::fputs(usage().c_str(), stdout);
        return 0;
    }
    if (opts.show_version) {
        std::printf("mipshv %s\n", MIPSHV_VERSION);
        return 0;
    }
    const auto start = std::chrono::steady_clock::now();
    catch_stop_signals(opts.timeout_seconds);
    Machine m(opts);
    StopReason why;
    {
        const StopsMachine stops(m);
        why = m.run(opts.max_instructions);
    }
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!opts.stats_file.empty()) write_run_record(m.run_record(wall), opts.stats_file);
    return exit_status(m, why, opts.timeout_seconds);
}
}  // namespace

int main(int argc, char** argv) {
    // A disk write past the file-size limit must fail with EFBIG (an I/O
    // error for the guest), not kill the whole machine.
    std::signal(SIGXFSZ, SIG_IGN);
    try {
        if (argc >= 2 && std::strcmp(argv[1], "stats") == 0) return print_stats(argc, argv);
        return run(argc, argv);
    } catch (const Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    } catch (const std::bad_alloc&) {
        std::fprintf(stderr, "mipshv: out of host memory\n");
        return 1;
    } catch (const std::exception& e) {
        // Not a mipshv::Error: a fault of ours, still one line rather than terminate().
        std::fprintf(stderr, "mipshv: internal error: %s\n", e.what());
        return 1;
    }
}
