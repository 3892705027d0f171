#include "hv/board/bus.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>

#include "hv/common/error.h"

namespace mipshv {

Bus::Bus(uint64_t ram_size, uint64_t low_window, uint64_t high_base)
    : ram_size_(ram_size), low_window_(low_window), high_base_(high_base) {
    // Blocks and the software TLB work in whole pages of RAM.
    if (ram_size == 0 || ram_size % 4096) throw Error("mipshv: guest RAM must be a non-zero multiple of 4 KiB");
    void* p = mmap(nullptr, ram_size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw Error("mipshv: cannot allocate " + std::to_string(ram_size >> 20) + " MiB of guest RAM");
    ram_ = static_cast<uint8_t*>(p);
    code_pages_.assign(ram_size >> 12, 0);
    patched_pages_.assign(ram_size >> 12, 0);
}

Bus::~Bus() { munmap(ram_, ram_size_); }

uint8_t* Bus::ram_ptr(uint64_t pa, uint64_t len) {
    if (len == 0) return nullptr;
    if (pa < low_window_) {
        uint64_t end = std::min(low_window_, ram_size_);
        if (pa < end && len <= end - pa) return ram_ + pa;
        return nullptr;
    }
    if (pa >= high_base_ && ram_size_ > low_window_) {
        uint64_t off = pa - high_base_;
        uint64_t high_size = ram_size_ - low_window_;
        if (off < high_size && len <= high_size - off) return ram_ + low_window_ + off;
    }
    return nullptr;
}

uint64_t Bus::ram_offset(uint64_t pa) const { return pa < low_window_ ? pa : pa - high_base_ + low_window_; }

void Bus::map_device(uint64_t base, uint64_t size, MmioDevice* dev) { windows_.push_back({base, size, dev}); }

const Bus::Window* Bus::find(uint64_t pa, unsigned size) const {
    for (const Window& w : windows_)
        if (pa >= w.base && pa - w.base < w.size && size <= w.size - (pa - w.base)) return &w;
    return nullptr;
}

// Each page is reported once, and at most kMaxReports pages in all, so a
// guest probing the address space cannot flood the log or host memory.
void Bus::report_unmapped(uint64_t pa, bool write) {
    constexpr size_t kMaxReports = 64;
    ++unmapped_accesses_;
    if (reported_pages_.size() >= kMaxReports || !reported_pages_.insert(pa >> 12).second) return;
    std::fprintf(stderr, "mipshv: guest %s unmapped physical address 0x%llx (bus error)\n",
                 write ? "wrote" : "read", static_cast<unsigned long long>(pa));
}

bool Bus::mmio_read(uint64_t pa, unsigned size, uint64_t& value) {
    if (const Window* w = find(pa, size)) {
        value = w->dev->read(pa - w->base, size);
        return true;
    }
    report_unmapped(pa, false);
    return false;
}

bool Bus::mmio_write(uint64_t pa, unsigned size, uint64_t value) {
    if (const Window* w = find(pa, size)) {
        w->dev->write(pa - w->base, size, value);
        return true;
    }
    report_unmapped(pa, true);
    return false;
}

}  // namespace mipshv
