#include "hv/engine/jit/code_cache.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>

#include "hv/common/error.h"

namespace mipshv {

namespace {
[[noreturn]] void fail(const char* what) {
    throw Error(std::string("mipshv: code cache: ") + what + ": " + std::strerror(errno));
}
}  // namespace

CodeCache::CodeCache(size_t bytes) : size_(bytes) {
    const int fd = memfd_create("mipshv-code-cache", MFD_CLOEXEC);
    if (fd < 0) fail("memfd_create");
    if (ftruncate(fd, off_t(size_)) != 0) {
        close(fd);
        fail("ftruncate");
    }
    void* x = mmap(nullptr, size_, PROT_READ | PROT_EXEC, MAP_SHARED | MAP_NORESERVE, fd, 0);
    void* w = x == MAP_FAILED ? MAP_FAILED : mmap(nullptr, size_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_NORESERVE, fd, 0);
    close(fd);
    if (x == MAP_FAILED || w == MAP_FAILED) {
        if (x != MAP_FAILED) munmap(x, size_);
        fail("mmap");
    }
    exec_ = static_cast<uint8_t*>(x);
    write_ = static_cast<uint8_t*>(w);
}

CodeCache::~CodeCache() {
    munmap(exec_, size_);
    munmap(write_, size_);
}

uint8_t* CodeCache::begin_write(size_t max_bytes) {
    if (size_ - used_ < max_bytes) return nullptr;
    // Fault the pages in ahead, a chunk at a time in both views, rather than
    // one page fault per page as code is written and first run. (Kernels
    // without MADV_POPULATE_* just fault them in one by one.)
    while (populated_ < used_ + max_bytes && populated_ < size_) {
        const size_t chunk = std::min(kPopulateBytes, size_ - populated_);
#ifdef MADV_POPULATE_WRITE
        madvise(write_ + populated_, chunk, MADV_POPULATE_WRITE);
        madvise(exec_ + populated_, chunk, MADV_POPULATE_READ);
#endif
        populated_ += chunk;
    }
    return write_ + used_;
}

void CodeCache::reset_to(size_t keep) { used_ = std::min(keep, used_); }

}  // namespace mipshv
