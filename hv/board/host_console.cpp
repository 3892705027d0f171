#include "hv/board/host_console.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <csignal>
#include <cstring>
#include <fcntl.h>
#include <poll.h>
#include <termios.h>
#include <time.h>
#include <unistd.h>

#include "hv/common/error.h"

namespace mipshv {

namespace {
constexpr uint8_t kCtrlA = 0x01;
// Typed input kept while the guest does not read it, at most.
constexpr size_t kMaxTyped = 4096;
// How often quit_requested() looks at the terminal.
constexpr int64_t kLookEveryNs = 10'000'000;

// The terminal state to restore. Signal handlers read it, so it is a plain
// global set once before raw mode is entered.
struct termios g_saved_termios;
volatile sig_atomic_t g_raw_active = 0;

void restore_terminal() {
    if (g_raw_active) {
        tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
        g_raw_active = 0;
    }
}

void restore_and_reraise(int sig) {
    restore_terminal();
    signal(sig, SIG_DFL);
    raise(sig);
}

// A signal that ends the process puts the terminal back first; one whose
// handler is someone else's (the command line's SIGINT and SIGTERM, which
// stop the guest cleanly) is left to that handler.
void restore_terminal_on(int sig) {
    struct sigaction current {};
    if (sigaction(sig, nullptr, &current) == 0 && current.sa_handler == SIG_DFL) signal(sig, restore_and_reraise);
}

void enter_raw_mode() {
    if (tcgetattr(STDIN_FILENO, &g_saved_termios) != 0) return;
    struct termios raw = g_saved_termios;
    cfmakeraw(&raw);
    raw.c_oflag |= OPOST | ONLCR;  // keep host-side newline handling for our own messages
    for (int sig : {SIGTERM, SIGHUP, SIGQUIT, SIGINT, SIGSEGV, SIGABRT, SIGBUS}) restore_terminal_on(sig);
    std::atexit(restore_terminal);
    if (tcsetattr(STDIN_FILENO, TCSANOW, &raw) == 0) g_raw_active = 1;
}
}  // namespace

void restore_host_terminal() noexcept { restore_terminal(); }

HostConsole::HostConsole(const std::string& spec) {
    if (spec.empty() || spec == "stdio") {
        in_fd_ = STDIN_FILENO;
        if (isatty(STDIN_FILENO)) {
            enter_raw_mode();
            raw_ = g_raw_active;
        }
    } else if (spec.rfind("file:", 0) == 0) {
        out_fd_ = ::open(spec.c_str() + 5, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
        if (out_fd_ < 0) throw Error("mipshv: -serial " + spec + ": " + std::strerror(errno));
        owns_out_ = true;
    } else if (spec == "null" || spec == "none") {
        out_fd_ = ::open("/dev/null", O_WRONLY | O_CLOEXEC);
        owns_out_ = true;
    } else {
        throw Error("mipshv: -serial: unknown backend '" + spec + "' (valid: stdio, file:PATH, null)");
    }
}

HostConsole::~HostConsole() {
    restore_terminal();
    if (owns_out_) ::close(out_fd_);
}

void HostConsole::write(const uint8_t* data, size_t len) {
    while (len > 0) {
        ssize_t w = ::write(out_fd_, data, len);
        if (w < 0 && errno == EINTR) continue;
        if (w < 0) return;  // the terminal or file went away: output is dropped, the guest runs on
        data += w;
        len -= size_t(w);
    }
}

bool HostConsole::take_input(int timeout_ms) {
    if (in_fd_ < 0) return false;
    struct pollfd p{in_fd_, POLLIN, 0};
    if (poll(&p, 1, timeout_ms) <= 0 || !(p.revents & (POLLIN | POLLHUP))) return false;
    uint8_t tmp[64];
    ssize_t n = ::read(in_fd_, tmp, sizeof tmp);
    if (n <= 0) {
        if (n == 0 || errno != EINTR) in_fd_ = -1;  // end of input
        return false;
    }
    for (ssize_t k = 0; k < n; ++k) {
        // Terminal escapes: Ctrl-A x quits, Ctrl-A Ctrl-A sends one Ctrl-A.
        if (raw_ && escape_) {
            escape_ = false;
            if (tmp[k] == 'x') quit_ = true;
            else if (tmp[k] == kCtrlA) typed_.push_back(kCtrlA);
        } else if (raw_ && tmp[k] == kCtrlA) {
            escape_ = true;
        } else if (typed_.size() < kMaxTyped) {
            typed_.push_back(tmp[k]);
        }  // else dropped, as a UART's receiver overruns
    }
    return true;
}

bool HostConsole::quit_requested() {
    // On a terminal, look at what was typed even while the guest does not read it.
    if (raw_ && !quit_ && in_fd_ >= 0) {
        struct timespec ts{};
        clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
        const int64_t now = int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
        if (now - last_look_ns_ >= kLookEveryNs) {
            last_look_ns_ = now;
            while (take_input(0) && !quit_) {}
        }
    }
    return quit_;
}

size_t HostConsole::read_input(uint8_t* buf, size_t max, int timeout_ms) {
    if (max == 0) return 0;
    if (typed_.empty()) {
        if (timeout_ms >= 0) take_input(timeout_ms);
        else
            while (typed_.empty() && !quit_ && take_input(-1)) {}
    }
    size_t n = 0;
    for (; n < max && !typed_.empty(); ++n) {
        buf[n] = typed_.front();
        typed_.pop_front();
    }
    return n;
}

}  // namespace mipshv
