// The host side of the guest's serial console: where UART output goes and
// where its input comes from. On a terminal, stdin is switched to raw mode
// (restored on every exit path, signals included) and Ctrl-A x quits, as in
// QEMU. Input is handed to the guest only when it asks for it (see
// Machine::idle), which keeps scripted runs deterministic.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

#include "hv/board/console_backend.h"

namespace mipshv {

class HostConsole final : public ConsoleBackend {
public:
    // spec: "stdio" (default), "file:PATH" (output only), or "null".
    explicit HostConsole(const std::string& spec);
    ~HostConsole();
    HostConsole(const HostConsole&) = delete;
    HostConsole& operator=(const HostConsole&) = delete;

    void write(const uint8_t* data, size_t len) override;
    size_t read_input(uint8_t* buf, size_t max, int timeout_ms) override;
    bool input_open() const override { return in_fd_ >= 0; }
    // True once the user typed Ctrl-A x.
    bool quit_requested() const override { return quit_; }

private:
    int out_fd_ = 1, in_fd_ = -1;
    bool owns_out_ = false, raw_ = false, escape_ = false, quit_ = false;
};

}  // namespace mipshv
