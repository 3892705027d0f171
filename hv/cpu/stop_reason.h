// Why the run loop returned: the engines, the board, the command line and
// the Python module all speak of a stop in these terms.
#pragma once
#include <cstdint>

namespace mipshv {

// STUCK: the guest made no progress for millions of dispatches (e.g. its
// exception vector cannot be fetched).
// INTERRUPTED, TIMEOUT: asked for from outside the guest (StopRequest): a
// signal, Python's VM.interrupt(), --timeout. The machine stays usable.
enum class StopReason : uint8_t { NONE, BUDGET, HALT, REBOOT, SENSITIVE, IDLE, QUIT, STUCK, INTERRUPTED, TIMEOUT };

// Each stop reason's name, as run records (stop_reason) and the Python
// module (Machine.run) spell it. A switch, so a new reason without a name
// is a compiler warning.
constexpr const char* stop_reason_name(StopReason r) {
    switch (r) {
        case StopReason::NONE: return "none";
        case StopReason::BUDGET: return "budget";
        case StopReason::HALT: return "halt";
        case StopReason::REBOOT: return "reboot";
        case StopReason::SENSITIVE: return "sensitive";
        case StopReason::IDLE: return "idle";
        case StopReason::QUIT: return "quit";
        case StopReason::STUCK: return "stuck";
        case StopReason::INTERRUPTED: return "interrupted";
        case StopReason::TIMEOUT: return "timeout";
    }
    return "?";
}

}  // namespace mipshv
