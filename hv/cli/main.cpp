// mipshv: run a MIPS64 guest. Exit status: the guest's UHI exit code; 1 for
// a usage or input error; 2 when --mode trap stopped at a sensitive
// instruction; 3 when --max-insns ran out.
#include <cstdio>

#include "hv/board/machine.h"
#include "hv/common/error.h"

int main(int argc, char** argv) {
    using namespace mipshv;
    try {
        Options opts = parse_options(argc, argv);
        if (opts.show_help) {
            std::fputs(usage().c_str(), stdout);
            return 0;
        }
        if (opts.show_version) {
            std::printf("mipshv %s\n", MIPSHV_VERSION);
            return 0;
        }
        Machine m(opts);
        switch (m.run(opts.max_instructions)) {
            case StopReason::HALT: return m.cpu().exit_code;
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
            default:
                std::fprintf(stderr, "mipshv: machine stopped\n%s", m.stop_report().c_str());
                return 1;
        }
    } catch (const Error& e) {
        std::fprintf(stderr, "%s\n", e.what());
        return 1;
    }
}
