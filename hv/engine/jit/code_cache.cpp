#include "hv/engine/jit/code_cache.h"

#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <new>

#include "hv/common/error.h"

namespace mipshv {

namespace {
size_t page_size() { return size_t(sysconf(_SC_PAGESIZE)); }
}  // namespace

CodeCache::CodeCache(size_t bytes) : size_(bytes) {
    void* p = mmap(nullptr, size_, PROT_READ | PROT_EXEC, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw Error(std::string("mipshv: cannot map the code cache: ") + std::strerror(errno));
    base_ = static_cast<uint8_t*>(p);
}

CodeCache::~CodeCache() { munmap(base_, size_); }

void CodeCache::protect(size_t from, size_t to, int prot) {
    const size_t page = page_size();
    from = from / page * page;
    to = std::min(size_, (to + page - 1) / page * page);
    if (from < to && mprotect(base_ + from, to - from, prot) != 0)
        throw Error(std::string("mipshv: cannot change the code cache's protection: ") + std::strerror(errno));
}

uint8_t* CodeCache::begin_write(size_t max_bytes) {
    if (size_ - used_ < max_bytes) return nullptr;
    open_from_ = used_;
    open_to_ = used_ + max_bytes;
    protect(open_from_, open_to_, PROT_READ | PROT_WRITE);
    return base_ + used_;
}

void CodeCache::end_write(size_t used) {
    protect(open_from_, open_to_, PROT_READ | PROT_EXEC);
    used_ += used;
}

void CodeCache::reset_to(size_t keep) { used_ = std::min(keep, used_); }

}  // namespace mipshv
