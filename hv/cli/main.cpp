// mipshv: run a MIPS64 guest, or `mipshv stats FILE` to print a RunRecord.
// Exit status: the guest's exit code (UHI exit, or 0 on power-off); 1 for a
// usage or input error or a guest that makes no progress; 2 when
// --stop-on-sensitive stopped at a sensitive instruction; 3 when --max-insns
// ran out.
#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstring>
#include <exception>
#include <new>

#include "hv/board/machine.h"
#include "hv/common/error.h"
#include "hv/stats/cost_model.h"

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

int exit_status(Machine& m, StopReason why) {
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
    Machine m(opts);
    const StopReason why = m.run(opts.max_instructions);
    const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!opts.stats_file.empty()) write_run_record(m.run_record(wall), opts.stats_file);
    return exit_status(m, why);
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
