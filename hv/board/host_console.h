// The host side of the guest's serial console: where UART output goes and
// where its input comes from. On a terminal, stdin is switched to raw mode
// (restored on every exit path, signals included) and Ctrl-A x quits, as in
// QEMU. Input is handed to the guest only when it asks for it (see
// Machine::idle), which keeps scripted runs deterministic.
//
// On a terminal the escape is seen even while the guest does not read: the
// machine asks quit_requested() after every turn, which then reads what was
// typed (at most every few milliseconds) and keeps it for the guest. Bare-metal
// programs' semihosting reads go through here too, so that they get the same
// input and the same escape.
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

#include "hv/board/console_backend.h"

namespace mipshv {

// Puts the terminal back as it was before raw mode (if it is raw), for a
// signal handler that is about to end the process. Async-signal-safe.
void restore_host_terminal() noexcept;

class HostConsole final : public ConsoleBackend {
public:
    // spec: "stdio" (default), "file:PATH" (output only), or "null".
    explicit HostConsole(const std::string& spec);
    ~HostConsole();
    HostConsole(const HostConsole&) = delete;
    HostConsole& operator=(const HostConsole&) = delete;

    void write(const uint8_t* data, size_t len) override;
    // A negative timeout waits until a byte for the guest arrives (or Ctrl-A x, or the end of input).
    size_t read_input(uint8_t* buf, size_t max, int timeout_ms) override;
    bool input_open() const override { return in_fd_ >= 0 || !typed_.empty(); }
    // True once the user typed Ctrl-A x.
    bool quit_requested() override;
    bool carries_semihosting() const override { return raw_; }
    bool carries_semihosting_output() const override { return false; }

private:
    // Reads what is there (waiting up to timeout_ms), the escapes taken out
    // and the rest queued in typed_. False at the end of input or when nothing came.
    bool take_input(int timeout_ms);

    int out_fd_ = 1;
    int in_fd_ = -1;
    bool owns_out_ = false, raw_ = false, escape_ = false, quit_ = false;
    std::deque<uint8_t> typed_;  // typed on the terminal, not yet read by the guest
    int64_t last_look_ns_ = 0;
};

}  // namespace mipshv
