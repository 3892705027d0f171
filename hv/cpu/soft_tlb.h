// The software TLB: a direct-mapped cache from guest virtual page to host
// pointer, one table per privilege mode, so that most loads and stores cost
// one compare. Filled by the slow path after a full translation; flushed
// whenever the translation could change (TLB write, ASID or Status change).
#pragma once
#include <cstdint>

namespace mipshv {

constexpr unsigned kSoftTlbBits = 10;
constexpr unsigned kSoftTlbSize = 1u << kSoftTlbBits;
constexpr uint64_t kHostPageMask = ~0xfffull;

struct SoftTlbEntry {
    uint64_t read_tag = ~0ull;   // page address valid for loads, or ~0
    uint64_t write_tag = ~0ull;  // page address valid for stores, or ~0
    uintptr_t addend = 0;        // host address = addend + guest vaddr
};

// Mode index: user, supervisor, kernel, kernel with ERL (kuseg unmapped).
constexpr unsigned kModeUser = 0, kModeSupervisor = 1, kModeKernel = 2, kModeKernelErl = 3;
constexpr unsigned kModes = 4;

struct SoftTlb {
    SoftTlbEntry e[kModes][kSoftTlbSize];

    SoftTlbEntry& entry(unsigned mode, uint64_t va) { return e[mode][(va >> 12) & (kSoftTlbSize - 1)]; }
    void flush() {
        for (auto& table : e)
            for (auto& x : table) x = SoftTlbEntry{};
    }
    // Make every access to one host page take the slow path (the page now
    // holds hypervisor patches that loads must not see).
    void drop_page(uintptr_t host_page) {
        for (auto& table : e)
            for (auto& x : table)
                if (((x.addend + (x.read_tag != ~0ull ? x.read_tag : x.write_tag)) & kHostPageMask) == host_page)
                    x = SoftTlbEntry{};
    }
    // Stop stores to one host page from bypassing the slow path (the page
    // now holds translated code that a store must invalidate).
    void drop_writes_to(uintptr_t host_page) {
        for (auto& table : e)
            for (auto& x : table)
                if (x.write_tag != ~0ull && ((x.addend + x.write_tag) & kHostPageMask) == host_page) x.write_tag = ~0ull;
    }
};

}  // namespace mipshv
