// The fuzzer's bytes read as a stream of little-endian fields. Reading past
// the end gives zeros instead of failing, so every input, however short,
// decodes to some sequence of operations and libFuzzer's mutations (which
// insert, drop and splice bytes) keep producing meaningful inputs.
#pragma once
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace mipshv_fuzz {

class FuzzInput {
public:
    FuzzInput(const uint8_t* data, size_t size) : data_(data), size_(size) {}

    bool empty() const { return pos_ >= size_; }
    size_t remaining() const { return size_ - pos_; }

    template <typename T>
    T next() {
        T value{};
        const size_t n = std::min(sizeof value, remaining());
        std::memcpy(&value, data_ + pos_, n);
        pos_ += n;
        return value;
    }
    uint8_t byte() { return next<uint8_t>(); }

    // Up to `len` bytes (fewer at the end of the input).
    std::vector<uint8_t> bytes(size_t len) {
        const size_t n = std::min(len, remaining());
        std::vector<uint8_t> out(data_ + pos_, data_ + pos_ + n);
        pos_ += n;
        return out;
    }

private:
    const uint8_t* data_;
    size_t size_;
    size_t pos_ = 0;
};

// A broken promise: says which (visible when the input is replayed; run.sh
// closes the target's stderr while fuzzing) and aborts, which libFuzzer
// reports as a crash, saving the input.
[[noreturn]] inline void wrong(const char* what) {
    std::fprintf(stderr, "fuzz harness: %s\n", what);
    std::abort();
}

// MIPSHV_FUZZ_VERBOSE=1 makes a harness say what each input did (accepted
// or the error, counters): for writing seeds and reading regressions.
inline bool verbose() {
    static const bool on = std::getenv("MIPSHV_FUZZ_VERBOSE") != nullptr;
    return on;
}

// The input split at NUL bytes: the way a command line (or the Python
// bindings' list of option strings) reaches parse_options.
inline std::vector<std::string> split_at_nul(const uint8_t* data, size_t size) {
    std::vector<std::string> parts;
    const char* text = reinterpret_cast<const char*>(data);
    size_t start = 0;
    for (size_t i = 0; i <= size; ++i) {
        if (i == size || data[i] == 0) {
            if (i > start || i < size) parts.emplace_back(text + start, i - start);
            start = i + 1;
        }
    }
    return parts;
}

// The input as main() receives its arguments: "mipshv", then the input
// split at NUL bytes, and a null pointer after the last.
class CommandLine {
public:
    CommandLine(const uint8_t* data, size_t size) : args_(split_at_nul(data, size)) {
        args_.insert(args_.begin(), "mipshv");
        for (std::string& a : args_) argv_.push_back(a.data());
        argv_.push_back(nullptr);
    }
    CommandLine(const CommandLine&) = delete;  // argv points into args
    CommandLine& operator=(const CommandLine&) = delete;

    int argc() const { return int(args_.size()); }
    char** argv() { return argv_.data(); }

private:
    std::vector<std::string> args_;
    std::vector<char*> argv_;
};

}  // namespace mipshv_fuzz
