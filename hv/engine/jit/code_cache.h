// Executable memory for translated code, kept W^X: the cache's pages are
// mapped twice, once read-execute (where code runs) and once read-write
// (where the translator writes), and no mapping is ever both writable and
// executable. Writing a block therefore needs no protection changes. The
// cache is a bump allocator of a fixed size; when it is full the engine
// drops every translation and starts again (a whole flush).
#pragma once
#include <cstddef>
#include <cstdint>

namespace mipshv {

class CodeCache {
public:
    // The size is `--code-cache` (default 256 MiB, documented in MANUAL.md:
    // large enough for a Linux boot and workloads, so flushes are rare).
    explicit CodeCache(size_t bytes);
    ~CodeCache();
    CodeCache(const CodeCache&) = delete;
    CodeCache& operator=(const CodeCache&) = delete;

    // Where the next `max_bytes` may be written (in the writable view);
    // null when fewer than that are left.
    uint8_t* begin_write(size_t max_bytes);
    // Keeps the `used` bytes just written.
    void end_write(size_t used) { used_ += used; }
    // Drops everything written after the first `keep` bytes.
    void reset_to(size_t keep);

    // The executable view's address of a byte written at `w`: code is
    // written relative to it (rel32 jumps keep their distances).
    ptrdiff_t exec_delta() const { return exec_ - write_; }

    size_t used() const { return used_; }
    size_t capacity() const { return size_; }

private:
    uint8_t* exec_ = nullptr;
    uint8_t* write_ = nullptr;
    size_t size_ = 0;
    size_t used_ = 0;
    size_t populated_ = 0;  // bytes faulted in ahead of use
    static constexpr size_t kPopulateBytes = 2u << 20;
};

}  // namespace mipshv
