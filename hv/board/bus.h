// The guest-physical address space: RAM regions backed by one host buffer,
// and MMIO windows routed to devices. Everything guest-controlled that names
// a physical address goes through here and is bounds-checked here.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "hv/dev/mmio_device.h"

namespace mipshv {

// What the hypervisor's patcher needs from guest memory: patched words must
// read as their originals, and a guest write over a patch ends the patch.
class PatchOverlay {
public:
    virtual ~PatchOverlay() = default;
    // `value` holds `size` bytes just loaded from `pa`: put back original words.
    virtual void restore_originals(uint64_t pa, unsigned size, uint64_t& value) = 0;
    // The guest is about to write [pa, pa+len): patches there are dropped.
    virtual void guest_writes(uint64_t pa, uint64_t len) = 0;
};

class Bus {
public:
    // RAM of `size` bytes; [0, low_window) appears at physical 0 and the rest
    // at `high_base` (the 256 MiB low window leaves room for MMIO below 512 MiB).
    Bus(uint64_t ram_size, uint64_t low_window, uint64_t high_base);
    ~Bus();
    Bus(const Bus&) = delete;
    Bus& operator=(const Bus&) = delete;

    // Host pointer to `len` bytes of RAM at `pa`, or nullptr when any byte of
    // the range is not RAM (or the range crosses between RAM regions).
    uint8_t* ram_ptr(uint64_t pa, uint64_t len);
    uint64_t ram_size() const { return ram_size_; }
    // Offset of a physical RAM address inside the host buffer (for per-page
    // bookkeeping such as the code-page map); pa must be RAM.
    uint64_t ram_offset(uint64_t pa) const;

    // Pages of RAM that hold translated guest code: stores to them must
    // invalidate the engine's blocks, so they never take the store fast path.
    bool is_code_page(uint64_t pa) const {
        uint64_t page = ram_offset(pa) >> 12;
        return page < code_pages_.size() && code_pages_[page];
    }
    void set_code_page(uint64_t pa, bool has_code) {
        uint64_t page = ram_offset(pa) >> 12;
        if (page < code_pages_.size()) code_pages_[page] = has_code;
    }

    // Pages holding hypervisor patches: loads and stores there go through
    // the slow path so the overlay can hide the patches.
    bool is_patched_page(uint64_t pa) const {
        uint64_t page = ram_offset(pa) >> 12;
        return page < patched_pages_.size() && patched_pages_[page];
    }
    void set_patched_page(uint64_t pa, bool patched) {
        uint64_t page = ram_offset(pa) >> 12;
        if (page < patched_pages_.size()) patched_pages_[page] = patched;
    }
    PatchOverlay* overlay = nullptr;

    void map_device(uint64_t base, uint64_t size, MmioDevice* dev);
    // MMIO access; false when nothing is mapped there (a bus error).
    bool mmio_read(uint64_t pa, unsigned size, uint64_t& value);
    bool mmio_write(uint64_t pa, unsigned size, uint64_t value);

    // Each unmapped physical page the guest touched, reported once.
    uint64_t unmapped_accesses() const { return unmapped_accesses_; }

private:
    struct Window {
        uint64_t base, size;
        MmioDevice* dev;
    };
    const Window* find(uint64_t pa, unsigned size) const;
    void report_unmapped(uint64_t pa, bool write);

    uint8_t* ram_;  // mmap'ed so untouched guest RAM costs no host memory
    uint64_t ram_size_, low_window_, high_base_;
    std::vector<Window> windows_;
    std::vector<uint8_t> code_pages_, patched_pages_;
    std::unordered_set<uint64_t> reported_pages_;
    uint64_t unmapped_accesses_ = 0;
};

}  // namespace mipshv
