#include "hv/cpu/mmu.h"

#include <algorithm>

#include "hv/board/bus.h"
#include "hv/cpu/exception.h"
#include "hv/engine/engine.h"

namespace mipshv {

namespace {
// The hypervisor modes' communication page, at the top of ckseg3.
bool in_comm_window(const Cpu& c, uint64_t va) { return c.comm_window_va && va >= c.comm_window_va; }
using namespace cp0;

constexpr uint64_t kSegMask = ((1ull << kSegBits) - 1) | (3ull << 62);
constexpr uint64_t kPaMask = (1ull << kPaBits) - 1;

Translation mapped(const Cpu& c, uint64_t va, Access access) {
    Translation t;
    auto hit = c.tlb.lookup(va, uint8_t(c.cp0.entryhi));
    if (!hit) {
        t.fault = TranslateFault::REFILL;
        return t;
    }
    if (!(hit->entrylo & entrylo::V)) {
        t.fault = TranslateFault::INVALID;
        return t;
    }
    t.writable = hit->entrylo & entrylo::D;
    if (access == Access::STORE && !t.writable) {
        t.fault = TranslateFault::MODIFIED;
        return t;
    }
    uint64_t pfn = (hit->entrylo >> entrylo::PFN_SHIFT) & (kPaMask >> 12);
    t.pa = ((pfn << 12) & ~(hit->page_size - 1)) | (va & (hit->page_size - 1));
    t.per_asid = !c.tlb.entries[hit->index].global;
    return t;
}

Translation unmapped(uint64_t pa) {
    Translation t;
    t.pa = pa;
    t.writable = true;
    return t;
}

Translation bad() {
    Translation t;
    t.fault = TranslateFault::ADDRESS_ERROR;
    return t;
}

// A device register access: in the hypervisor modes an exit, as a
// trap-and-emulate hypervisor traps each one.
void count_mmio_exit(Cpu& c) {
    if (!c.vmm) return;
    ++c.counters.exits_mmio;
    c.note_timed_event();
}
}  // namespace

Translation translate(const Cpu& c, uint64_t va, Access access) {
    const uint64_t s = c.cp0.status;
    const bool kernel = c.mmu_mode >= kModeKernel;
    const bool supervisor = c.mmu_mode == kModeSupervisor;
    if (va <= 0x7fffffffull) {  // useg / suseg / kuseg
        if (c.mmu_mode == kModeKernelErl) return unmapped(va);
        return mapped(c, va, access);
    }
    if (va < 0x4000000000000000ull) {  // xuseg
        if ((s & status::UX) && va <= (0x3fffffffffffffffull & kSegMask)) return mapped(c, va, access);
        return bad();
    }
    if (va < 0x8000000000000000ull) {  // xsseg
        if ((kernel || supervisor) && (s & status::SX) && va <= (0x7fffffffffffffffull & kSegMask))
            return mapped(c, va, access);
        return bad();
    }
    if (va < 0xc000000000000000ull) {  // xkphys: bits 61:59 are the cache attribute
        if (kernel && (s & status::KX) && (va & 0x07ffffffffffffffull) <= kPaMask) return unmapped(va & kPaMask);
        return bad();
    }
    if (va < kCkseg0Base) {  // xkseg
        if (kernel && (s & status::KX) && va <= (0xffffffff7fffffffull & kSegMask)) return mapped(c, va, access);
        return bad();
    }
    if (va < kCkseg1Base) return kernel ? unmapped(va - kCkseg0Base) : bad();       // ckseg0
    if (va < kCksegMappedBase) return kernel ? unmapped(va - kCkseg1Base) : bad();  // ckseg1
    // Hypervisor modes: the communication page, at the top of ckseg3.
    if (in_comm_window(c, va)) return kernel ? unmapped(c.comm_window_pa + (va - c.comm_window_va)) : bad();
    if (va < 0xffffffffe0000000ull) return (kernel || supervisor) ? mapped(c, va, access) : bad();  // cksseg
    return kernel ? mapped(c, va, access) : bad();                                                 // ckseg3
}

bool translated_by_tlb(const Cpu& c, uint64_t va) {
    if (va <= 0x7fffffffull) return c.mmu_mode != kModeKernelErl;  // kuseg, unless ERL
    if (va >= 0x8000000000000000ull && va < 0xc000000000000000ull) return false;  // xkphys
    if (in_compat_kernel_segment(va)) return false;                                // ckseg0, ckseg1
    return !in_comm_window(c, va);
}

bool translate_or_raise(Cpu& c, const Insn& i, uint64_t va, Access access, uint64_t& pa, bool* per_asid) {
    Translation t = translate(c, va, access);
    const bool is_store = access == Access::STORE;
    switch (t.fault) {
        case TranslateFault::NONE:
            pa = t.pa;
            if (per_asid) *per_asid = t.per_asid;
            return true;
        case TranslateFault::ADDRESS_ERROR: return raise_address_error(c, i, is_store ? Exc::ADES : Exc::ADEL, va);
        case TranslateFault::REFILL: return raise_tlb(c, i, is_store ? Exc::TLBS : Exc::TLBL, va, true);
        case TranslateFault::INVALID: return raise_tlb(c, i, is_store ? Exc::TLBS : Exc::TLBL, va, false);
        case TranslateFault::MODIFIED: return raise_tlb(c, i, Exc::MOD, va, false);
    }
    return false;
}

bool raise_misaligned(Cpu& c, const Insn& i, uint64_t va, Access access) {
    return raise_address_error(c, i, access == Access::STORE ? Exc::ADES : Exc::ADEL, va);
}

// A guest data access to the hypervisor's region (which the bus keeps from
// the guest), other than through the communication window: as if nothing
// were there, a bus error.
static bool hidden_from_guest(const Cpu& c, uint64_t va, uint64_t pa) {
    return c.bus->kept_from_guest(pa) && !in_comm_window(c, va);
}

bool load_slow(Cpu& c, const Insn& i, uint64_t va, unsigned size, uint64_t& value) {
    ++c.counters.soft_tlb_misses;
    uint64_t pa = 0;
    if (!translate_or_raise(c, i, va, Access::LOAD, pa)) return false;
    if (hidden_from_guest(c, va, pa)) return raise(c, i, Exc::DBE);
    if (uint8_t* host = c.bus->ram_ptr(pa & kHostPageMask, 4096)) {
        value = 0;
        std::memcpy(&value, host + (pa & 0xfff), size);
        if (c.bus->is_patched_page(pa)) {
            c.bus->overlay->restore_originals(pa, size, value);  // patches are invisible to data reads
            return true;
        }
        c.soft_tlb.fill(c.mmu_mode, va, pa, translated_by_tlb(c, va), host, false);
        return true;
    }
    count_mmio_exit(c);
    if (!c.bus->mmio_read(pa, size, value, c.id)) return raise(c, i, Exc::DBE);
    return true;
}

uint8_t* ram_access_for(Cpu& c, uint64_t va, unsigned size, bool store) {
    if (va & (size - 1)) return nullptr;
    // (The probe that missed may have been of another mode's table.)
    if (const SoftTlbEntry* e = store ? c.soft_tlb.for_write(c.mmu_mode, va) : c.soft_tlb.for_read(c.mmu_mode, va))
        return reinterpret_cast<uint8_t*>(e->addend + va);
    if (in_comm_window(c, va)) return nullptr;
    const Translation t = translate(c, va, store ? Access::STORE : Access::LOAD);
    if (t.fault != TranslateFault::NONE || hidden_from_guest(c, va, t.pa)) return nullptr;
    uint8_t* host = c.bus->ram_ptr(t.pa & kHostPageMask, 4096);
    if (!host || c.bus->is_patched_page(t.pa) || (store && c.bus->is_code_page(t.pa))) return nullptr;
    ++c.counters.soft_tlb_misses;
    c.soft_tlb.fill(c.mmu_mode, va, t.pa, translated_by_tlb(c, va), host, store);
    return host + (t.pa & 0xfff);
}

bool store_slow(Cpu& c, const Insn& i, uint64_t va, unsigned size, uint64_t value) {
    if (!in_comm_window(c, va)) ++c.counters.soft_tlb_misses;  // (the window has no entry to miss: below)
    uint64_t pa = 0;
    if (!translate_or_raise(c, i, va, Access::STORE, pa)) return false;
    if (hidden_from_guest(c, va, pa)) return raise(c, i, Exc::DBE);
    if (uint8_t* host = c.bus->ram_ptr(pa & kHostPageMask, 4096)) {
        if (in_comm_window(c, va)) {
            // The virtual CP0: a store over Status or Cause may let an
            // interrupt in, which translated code does not test for itself
            // (see Translator::entry_checks), so such stores never take the
            // fast path and always ask for the check.
            std::memcpy(host + (pa & 0xfff), &value, size);
            check_interrupts_at_next_block(c);
            return true;
        }
        if (c.bus->is_code_page(pa) || c.bus->is_patched_page(pa)) {
            // Translated code or patches live here: the store must go through
            // this path every time so they can be dropped.
            c.bus->before_write(pa, size);
        } else {
            c.soft_tlb.fill(c.mmu_mode, va, pa, translated_by_tlb(c, va), host, true);
        }
        std::memcpy(host + (pa & 0xfff), &value, size);
        return true;
    }
    count_mmio_exit(c);
    if (!c.bus->mmio_write(pa, size, value, c.id)) return raise(c, i, Exc::DBE);
    return true;
}

void flush_translations(Cpu& c) {
    ++c.counters.soft_tlb_flushes;
    c.soft_tlb.flush_all();
    if (c.engine) c.engine->flush_lookup_cache(LookupFlush::STATUS);
}

void flush_mapped_translations(Cpu& c) {
    ++c.counters.soft_tlb_flushes;
    c.soft_tlb.flush_mapped();
    if (c.engine) c.engine->flush_lookup_cache(LookupFlush::ASID);
}

void tlb_entry_replaced(Cpu& c, const TlbEntry& old) {
    if (!((old.lo[0] | old.lo[1]) & cp0::entrylo::V)) return;  // it mapped nothing
    ++c.counters.soft_tlb_flushes;
    c.soft_tlb.drop_matching(old.vpn2_mask, old.entryhi);  // (entryhi holds only R and VPN2)
    if (c.engine) c.engine->unmapped(old.vpn2_mask, old.entryhi);
}

}  // namespace mipshv

namespace mipshv {

namespace {
// Walks [va, va+len) page by page, handing each RAM piece's physical
// address to `fn`; false (after the pieces before) at the first byte that
// is unmapped or not RAM.
template <typename Fn>
bool for_each_guest_piece(Cpu& c, uint64_t va, uint64_t len, Access access, Fn fn) {
    while (len > 0) {
        uint64_t chunk = std::min<uint64_t>(len, 4096 - (va & 0xfff));
        Translation t = translate(c, va, access);
        if (t.fault != TranslateFault::NONE || !c.bus->is_guest_ram(t.pa, chunk)) return false;
        fn(t.pa, chunk);
        va += chunk;
        len -= chunk;
    }
    return true;
}
}  // namespace

bool copy_from_guest(Cpu& c, uint64_t va, void* dst, uint64_t len) {
    auto* out = static_cast<uint8_t*>(dst);
    return for_each_guest_piece(c, va, len, Access::LOAD, [&](uint64_t pa, uint64_t n) {
        c.bus->read(pa, out, n);
        out += n;
    });
}

bool copy_to_guest(Cpu& c, uint64_t va, const void* src, uint64_t len) {
    auto* in = static_cast<const uint8_t*>(src);
    return for_each_guest_piece(c, va, len, Access::STORE, [&](uint64_t pa, uint64_t n) {
        c.bus->write(pa, in, n);
        in += n;
    });
}

}  // namespace mipshv
