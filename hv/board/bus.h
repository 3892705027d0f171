// The guest-physical address space: RAM regions backed by one host buffer,
// and MMIO windows routed to devices. Everything guest-controlled that names
// a physical address goes through here and is bounds-checked here.
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <unordered_set>
#include <vector>

#include "hv/dev/mmio_device.h"

namespace mipshv {

class ExecutionEngine;
struct SoftTlb;

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
    const uint8_t* ram_ptr(uint64_t pa, uint64_t len) const { return const_cast<Bus*>(this)->ram_ptr(pa, len); }
    uint64_t ram_size() const { return ram_size_; }
    // Offset of a physical RAM address inside the host buffer (for per-page
    // bookkeeping such as the code-page map); pa must be RAM.
    uint64_t ram_offset(uint64_t pa) const;
    // The RAM page at `page` (4 KiB aligned) holds only zero bytes: nothing
    // was ever written there, so it holds no code.
    bool is_zero_page(uint64_t page) const {
        const uint8_t* p = ram_ptr(page, 4096);
        return p && p[0] == 0 && std::memcmp(p, p + 1, 4095) == 0;
    }

    // Pages of RAM that hold translated guest code (of any engine): stores
    // to them must invalidate blocks, so they never take the store fast path.
    // Each engine (a board has one, which its vCPUs share; a test may make
    // several) says when it has code on a page and when no longer; the page
    // is a code page while any engine has.
    bool is_code_page(uint64_t pa) const {
        uint64_t page = ram_offset(pa) >> 12;
        return page < code_pages_.size() && code_pages_[page];
    }
    // Returns true when the page just became a code page.
    bool add_code_page(uint64_t pa) {
        uint64_t page = ram_offset(pa) >> 12;
        return page < code_pages_.size() && code_pages_[page]++ == 0;
    }
    void drop_code_page(uint64_t pa) {
        uint64_t page = ram_offset(pa) >> 12;
        if (page < code_pages_.size() && code_pages_[page]) --code_pages_[page];
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

    // What depends on guest memory: the engines whose translated code comes
    // from it (one per vCPU), and each vCPU's software TLB, whose fast-path
    // entries point straight into it.
    void add_engine(ExecutionEngine* engine) { engines_.push_back(engine); }
    void remove_engine(ExecutionEngine* engine) { std::erase(engines_, engine); }
    void add_soft_tlb(SoftTlb* tlb) { soft_tlbs_.push_back(tlb); }
    // Translated code from [pa, pa+len) is stale: every engine drops it.
    void invalidate_code(uint64_t pa, uint64_t len);
    // Stores to the page holding pa (code) must take the slow path from now
    // on, in every vCPU; loads too when `loads` (patched words are hidden).
    void track_page(uint64_t pa, bool loads);

    // The one write path to guest RAM. Every writer other than a store on
    // the software TLB's fast path (which never covers code or patched
    // pages) calls this before [pa, pa+len) changes: CPU stores that take
    // the slow path, device DMA, hypervisor services. Patches there are
    // dropped and translated code from there is invalidated.
    void before_write(uint64_t pa, uint64_t len);

    // Device and hypervisor-service access to guest-physical RAM: false,
    // touching nothing, when any byte of [pa, pa+len) is not guest RAM.
    // Reads see patched words as their originals; writes go through
    // before_write.
    bool read(uint64_t pa, void* dst, uint64_t len);
    bool write(uint64_t pa, const void* src, uint64_t len);
    // RAM the guest may reach: all of RAM but the range kept from it.
    bool is_guest_ram(uint64_t pa, uint64_t len) const;
    // [pa, pa+len) is the hypervisor's: not guest RAM for devices either,
    // just as guest loads and stores there are bus errors.
    void keep_from_guest(uint64_t pa, uint64_t len) { kept_pa_ = pa, kept_len_ = len; }
    // Whether `pa` is in that range (the one record of it: the MMU asks too).
    bool kept_from_guest(uint64_t pa) const { return pa - kept_pa_ < kept_len_; }

    // Adds a device window; throws Error when it overlaps RAM or another window.
    void map_device(uint64_t base, uint64_t size, MmioDevice* dev);
    // MMIO access; false when nothing is mapped there or the device does
    // not accept an access of that size there (a bus error).
    // `vcpu`: the vCPU making the access (devices with per-CPU views).
    bool mmio_read(uint64_t pa, unsigned size, uint64_t& value, unsigned vcpu = 0);
    bool mmio_write(uint64_t pa, unsigned size, uint64_t value, unsigned vcpu = 0);

    // Each unmapped physical page the guest touched, reported once.
    uint64_t unmapped_accesses() const { return unmapped_accesses_; }
    // Each access a device refused (wrong size or alignment), also a bus error.
    uint64_t refused_accesses() const { return refused_accesses_; }

private:
    struct Window {
        uint64_t base, size;
        MmioDevice* dev;
    };
    const Window* find(uint64_t pa, unsigned size) const;
    // Splits [pa, pa+len) into pieces that lie in one RAM page each; false
    // (and no call) when any byte is not RAM.
    template <typename Fn>
    bool for_each_ram_piece(uint64_t pa, uint64_t len, Fn fn);
    // before_write for a range inside one RAM page.
    void before_write_piece(uint64_t pa, uint64_t len);
    void report_bus_error(uint64_t pa, unsigned size, bool write, const Window* w);

    uint8_t* ram_;  // mmap'ed so untouched guest RAM costs no host memory
    uint64_t ram_size_, low_window_, high_base_;
    std::vector<Window> windows_;
    std::vector<uint8_t> code_pages_;  // per page, how many engines have code on it
    std::vector<uint8_t> patched_pages_;
    std::vector<ExecutionEngine*> engines_;
    std::vector<SoftTlb*> soft_tlbs_;
    std::unordered_set<uint64_t> reported_pages_;
    uint64_t unmapped_accesses_ = 0, refused_accesses_ = 0;
    uint64_t kept_pa_ = 0, kept_len_ = 0;
};

}  // namespace mipshv
