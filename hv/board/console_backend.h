// Where the guest's serial console goes: the host terminal or a file
// (HostConsole), or memory that a Python script reads and writes
// (BufferConsole). The UART writes through it; Machine hands its input to
// the guest only at points fixed in guest time (see Machine::idle).
#pragma once
#include <cstddef>
#include <cstdint>
#include <deque>
#include <string>

namespace mipshv {

class ConsoleBackend {
public:
    virtual ~ConsoleBackend() = default;
    virtual void write(const uint8_t* data, size_t len) = 0;
    // Up to `max` bytes of input already available, or wait up to
    // `timeout_ms` for some (0: do not wait; negative: until some arrives or
    // input ends). Returns the count.
    virtual size_t read_input(uint8_t* buf, size_t max, int timeout_ms) = 0;
    // Input may still arrive (someone may type).
    virtual bool input_open() const = 0;
    // The user asked to end the run (Ctrl-A x); may look at what was typed.
    virtual bool quit_requested() { return false; }
    // Bare-metal programs' semihosting console input comes from here too
    // (otherwise from the host's stdin)...
    virtual bool carries_semihosting() const { return false; }
    // ...and their output goes here (otherwise to the host's stdout and
    // stderr). A terminal takes their input only.
    virtual bool carries_semihosting_output() const { return carries_semihosting(); }
};

// The console as memory: output accumulates, input is queued by send().
class BufferConsole final : public ConsoleBackend {
public:
    void write(const uint8_t* data, size_t len) override { output_.append(reinterpret_cast<const char*>(data), len); }
    size_t read_input(uint8_t* buf, size_t max, int) override {
        size_t n = 0;
        for (; n < max && !input_.empty(); ++n) {
            buf[n] = input_.front();
            input_.pop_front();
        }
        return n;
    }
    // Only queued input counts: an idle guest is not held back waiting for more.
    bool input_open() const override { return !input_.empty(); }
    bool carries_semihosting() const override { return true; }

    void send(const std::string& text) { input_.insert(input_.end(), text.begin(), text.end()); }
    const std::string& output() const { return output_; }

private:
    std::string output_;
    std::deque<uint8_t> input_;
};

}  // namespace mipshv
