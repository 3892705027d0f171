#include "hv/board/bus.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <sys/mman.h>

#include "hv/common/error.h"
#include "hv/cpu/soft_tlb.h"
#include "hv/engine/engine.h"

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

bool Bus::is_guest_ram(uint64_t pa, uint64_t len) const {
    const bool overlaps_kept = kept_len_ && pa < kept_pa_ + kept_len_ && kept_pa_ < pa + len;
    return ram_ptr(pa, len) != nullptr && !overlaps_kept;
}

template <typename Fn>
bool Bus::for_each_ram_piece(uint64_t pa, uint64_t len, Fn fn) {
    if (!is_guest_ram(pa, len)) return false;
    while (len > 0) {
        const uint64_t n = std::min<uint64_t>(len, 4096 - (pa & 0xfff));
        fn(pa, n);
        pa += n;
        len -= n;
    }
    return true;
}

void Bus::invalidate_code(uint64_t pa, uint64_t len) {
    for (ExecutionEngine* e : engines_) e->invalidate_code(pa, len);
}

void Bus::track_page(uint64_t pa, bool loads) {
    const auto host = reinterpret_cast<uintptr_t>(ram_ptr(pa & ~0xfffull, 1));
    if (!host) return;
    for (SoftTlb* t : soft_tlbs_) loads ? t->drop_page(host, pa) : t->drop_writes_to(host, pa);
}

void Bus::before_write_piece(uint64_t pa, uint64_t len) {
    if (is_patched_page(pa)) overlay->guest_writes(pa, len);
    if (is_code_page(pa)) invalidate_code(pa, len);
}

void Bus::before_write(uint64_t pa, uint64_t len) {
    for_each_ram_piece(pa, len, [&](uint64_t piece, uint64_t n) { before_write_piece(piece, n); });
}

bool Bus::read(uint64_t pa, void* dst, uint64_t len) {
    auto* out = static_cast<uint8_t*>(dst);
    return for_each_ram_piece(pa, len, [&](uint64_t piece, uint64_t n) {
        std::memcpy(out, ram_ptr(piece, n), n);
        if (is_patched_page(piece))  // patched words read as their originals, 8 bytes at a time
            for (uint64_t k = 0; k < n; k += 8) {
                uint64_t chunk = std::min<uint64_t>(8, n - k), value = 0;
                std::memcpy(&value, out + k, chunk);
                overlay->restore_originals(piece + k, unsigned(chunk), value);
                std::memcpy(out + k, &value, chunk);
            }
        out += n;
    });
}

bool Bus::write(uint64_t pa, const void* src, uint64_t len) {
    auto* in = static_cast<const uint8_t*>(src);
    return for_each_ram_piece(pa, len, [&](uint64_t piece, uint64_t n) {
        before_write_piece(piece, n);
        std::memcpy(ram_ptr(piece, n), in, n);
        in += n;
    });
}

void Bus::map_device(uint64_t base, uint64_t size, MmioDevice* dev) {
    auto overlaps = [&](uint64_t b, uint64_t s) { return base < b + s && b < base + size; };
    const bool on_ram = overlaps(0, std::min(low_window_, ram_size_)) ||
                        (ram_size_ > low_window_ && overlaps(high_base_, ram_size_ - low_window_));
    if (size == 0 || base + size < base || on_ram)
        throw Error("mipshv: device " + dev->name() + " at " + std::to_string(base) + " overlaps RAM");
    for (const Window& w : windows_)
        if (overlaps(w.base, w.size))
            throw Error("mipshv: device " + dev->name() + " overlaps device " + w.dev->name());
    windows_.push_back({base, size, dev});
}

const Bus::Window* Bus::find(uint64_t pa, unsigned size) const {
    for (const Window& w : windows_)
        if (pa >= w.base && pa - w.base < w.size && size <= w.size - (pa - w.base)) return &w;
    return nullptr;
}

// Each page is reported once, and at most kMaxReports pages in all, so a
// guest probing the address space cannot flood the log or host memory.
void Bus::report_bus_error(uint64_t pa, unsigned size, bool write, const Window* w) {
    constexpr size_t kMaxReports = 64;
    ++(w ? refused_accesses_ : unmapped_accesses_);
    if (reported_pages_.size() >= kMaxReports || !reported_pages_.insert(pa >> 12).second) return;
    if (w)
        std::fprintf(stderr, "mipshv: guest %s %s at 0x%llx with a %u-byte access it does not accept (bus error)\n",
                     write ? "wrote" : "read", w->dev->name().c_str(), static_cast<unsigned long long>(pa), size);
    else
        std::fprintf(stderr, "mipshv: guest %s unmapped physical address 0x%llx (bus error)\n",
                     write ? "wrote" : "read", static_cast<unsigned long long>(pa));
}

bool Bus::mmio_read(uint64_t pa, unsigned size, uint64_t& value, unsigned vcpu) {
    const Window* w = find(pa, size);
    if (w && w->dev->accepts(pa - w->base, size)) {
        value = w->dev->read(pa - w->base, size, vcpu);
        return true;
    }
    report_bus_error(pa, size, false, w);
    return false;
}

bool Bus::mmio_write(uint64_t pa, unsigned size, uint64_t value, unsigned vcpu) {
    const Window* w = find(pa, size);
    if (w && w->dev->accepts(pa - w->base, size)) {
        w->dev->write(pa - w->base, size, value, vcpu);
        return true;
    }
    report_bus_error(pa, size, true, w);
    return false;
}

}  // namespace mipshv
