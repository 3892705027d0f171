// Guest virtual memory: segment decoding, TLB translation and the
// software-TLB fast path that loads, stores and fetches take.
#pragma once
#include <cstdint>
#include <cstring>

#include "hv/cpu/cpu.h"

namespace mipshv {

enum class Access : uint8_t { LOAD, STORE, FETCH };

enum class TranslateFault : uint8_t { NONE, ADDRESS_ERROR, REFILL, INVALID, MODIFIED };

struct Translation {
    uint64_t pa = 0;
    bool writable = false;  // TLB D bit (always true for unmapped segments)
    bool per_asid = false;  // by a TLB entry that is not global: another ASID may map it otherwise
    TranslateFault fault = TranslateFault::NONE;
};

// Pure translation in the current mode and ASID: no exception, no side effect.
Translation translate(const Cpu& c, uint64_t va, Access access);
// Translation that raises the architectural exception for the fault.
// `per_asid`, if given: whether the mapping holds for this ASID only.
bool translate_or_raise(Cpu& c, const Insn& i, uint64_t va, Access access, uint64_t& pa, bool* per_asid = nullptr);

bool load_slow(Cpu& c, const Insn& i, uint64_t va, unsigned size, uint64_t& value);
bool store_slow(Cpu& c, const Insn& i, uint64_t va, unsigned size, uint64_t value);
bool raise_misaligned(Cpu& c, const Insn& i, uint64_t va, Access access);
// For translated code whose inline software-TLB probe missed: the access
// as load()/store() and load_slow/store_slow make it when `va` is plain RAM
// (a miss counted and the software TLB filled, as they do): its host
// address; or null, having changed nothing, for anything else (misaligned,
// a fault, device memory, the communication window, a page holding
// translated code or patches), which the instruction's routine then makes.
uint8_t* ram_access_for(Cpu& c, uint64_t va, unsigned size, bool store);

// Aligned load of sizeof(T) bytes, zero-extended into `out`.
template <typename T>
inline bool load(Cpu& c, const Insn& i, uint64_t va, uint64_t& out) {
    if (va & (sizeof(T) - 1)) [[unlikely]]
        return raise_misaligned(c, i, va, Access::LOAD);
    if (const SoftTlbEntry* e = c.soft_tlb.for_read(c.mmu_mode, va)) [[likely]] {
        T v;
        std::memcpy(&v, reinterpret_cast<const void*>(e->addend + va), sizeof(T));
        out = v;
        return true;
    }
    return load_slow(c, i, va, sizeof(T), out);
}

template <typename T>
inline bool store(Cpu& c, const Insn& i, uint64_t va, uint64_t value) {
    if (va & (sizeof(T) - 1)) [[unlikely]]
        return raise_misaligned(c, i, va, Access::STORE);
    if (const SoftTlbEntry* e = c.soft_tlb.for_write(c.mmu_mode, va)) [[likely]] {
        T v = T(value);
        std::memcpy(reinterpret_cast<void*>(e->addend + va), &v, sizeof(T));
        return true;
    }
    return store_slow(c, i, va, sizeof(T), value);
}

// A change to the segments (Status.UX/SX/KX): every translation may differ.
void flush_translations(Cpu& c);
// A change of ASID: only translations through the TLB may differ.
void flush_mapped_translations(Cpu& c);
// The translation of `va` in the current mode comes from the TLB.
bool translated_by_tlb(const Cpu& c, uint64_t va);
// A TLB entry was overwritten: only what it mapped can have changed (a new
// entry maps addresses that missed before, and nothing was cached for them).
void tlb_entry_replaced(Cpu& c, const TlbEntry& old);

}  // namespace mipshv

namespace mipshv {
// Byte copies between the host and guest virtual memory in the current mode,
// for hypervisor services (semihosting). RAM only; false when any byte is
// unmapped or not RAM. No guest exception is raised.
bool copy_from_guest(Cpu& c, uint64_t va, void* dst, uint64_t len);
bool copy_to_guest(Cpu& c, uint64_t va, const void* src, uint64_t len);
}  // namespace mipshv
