// Executable memory for translated code, kept W^X: a page is writable only
// while a block is being written into it, and executable only after. The
// cache is a bump allocator of a fixed size; when it is full the engine
// drops every translation and starts again (a whole flush).
#pragma once
#include <cstddef>
#include <cstdint>

namespace mipshv {

class CodeCache {
public:
    // The default size (documented in MANUAL.md): large enough for a Linux
    // boot and workload with room to spare, so flushes are rare.
    static constexpr size_t kDefaultBytes = 64u << 20;

    explicit CodeCache(size_t bytes = kDefaultBytes);
    ~CodeCache();
    CodeCache(const CodeCache&) = delete;
    CodeCache& operator=(const CodeCache&) = delete;

    // Opens the next `max_bytes` for writing (the pages become read-write,
    // not executable); null when fewer than that are left.
    uint8_t* begin_write(size_t max_bytes);
    // Seals the `used` bytes just written: read-execute from now on.
    void end_write(size_t used);
    // Drops everything written after the first `keep` bytes.
    void reset_to(size_t keep);

    size_t used() const { return used_; }
    size_t capacity() const { return size_; }

private:
    void protect(size_t from, size_t to, int prot);

    uint8_t* base_ = nullptr;
    size_t size_ = 0;
    size_t used_ = 0;
    size_t open_from_ = 0, open_to_ = 0;  // the range begin_write opened
};

}  // namespace mipshv
