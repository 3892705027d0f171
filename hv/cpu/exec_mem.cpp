// Loads, stores, the partial-word (left/right) forms, LL/SC and the
// memory-ordering hints. Addresses are base + sign-extended offset.
#include "hv/board/bus.h"
#include "hv/cpu/exec_helpers.h"
#include "hv/cpu/mmu.h"

namespace mipshv {

namespace {
uint64_t ea(const Cpu& c, const Insn& i) { return RS + SIMM; }

template <typename T, bool kSigned>
bool load_into_dst(Cpu& c, const Insn& i) {
    uint64_t v;
    if (!load<T>(c, i, ea(c, i), v)) return false;
    if constexpr (kSigned) v = uint64_t(int64_t(std::make_signed_t<T>(T(v))));
    WRITE_DST(v);
    return true;
}

template <typename T>
bool store_rt(Cpu& c, const Insn& i) { return store<T>(c, i, ea(c, i), RT); }

// Partial-word accesses (little-endian): N is the access width (4 or 8).
// "Left" moves the high-order bytes of the register, "right" the low ones;
// both touch only the aligned word/doubleword holding the effective address,
// but translate the effective address itself: a fault reports it, unaligned,
// in BadVAddr (and Context/XContext/EntryHi), as the architecture's
// AddressTranslation(vAddr) does.
template <unsigned N>
uint64_t width_mask() { return N == 8 ? ~0ull : 0xffffffffull; }

// The effective address itself translates for `access`, or its fault is
// raised (reporting it unaligned); a software-TLB hit already says it does,
// so only a miss pays for the translation. The access itself then goes to
// the aligned word, in the same page.
bool translates(Cpu& c, const Insn& i, uint64_t va, Access access) {
    const bool store = access == Access::STORE;
    if (store ? c.soft_tlb.for_write(c.mmu_mode, va) : c.soft_tlb.for_read(c.mmu_mode, va)) return true;
    uint64_t pa;
    return translate_or_raise(c, i, va, access, pa);
}

template <typename T, unsigned N>
bool load_left(Cpu& c, const Insn& i, uint64_t& result) {
    uint64_t va = ea(c, i), mem;
    if (!translates(c, i, va, Access::LOAD) || !load<T>(c, i, va & ~uint64_t(N - 1), mem)) return false;
    unsigned shift = 8 * (N - 1 - (va & (N - 1)));
    uint64_t keep = (1ull << shift) - 1;  // bytes of rt the load leaves in place
    result = ((mem << shift) & width_mask<N>()) | (RT & keep);
    return true;
}

template <typename T, unsigned N>
bool load_right(Cpu& c, const Insn& i, uint64_t& result) {
    uint64_t va = ea(c, i), mem;
    if (!translates(c, i, va, Access::LOAD) || !load<T>(c, i, va & ~uint64_t(N - 1), mem)) return false;
    unsigned shift = 8 * (va & (N - 1));
    uint64_t loaded = width_mask<N>() >> shift;
    result = (mem >> shift) | (RT & width_mask<N>() & ~loaded);
    return true;
}

// A partial store is a store: it faults as one (TLBS, AdES, Mod) before the
// merge reads the word it lands in.
template <typename T, unsigned N>
bool store_left(Cpu& c, const Insn& i) {
    uint64_t va = ea(c, i), aligned = va & ~uint64_t(N - 1), mem;
    if (!translates(c, i, va, Access::STORE) || !load<T>(c, i, aligned, mem)) return false;
    unsigned shift = 8 * (N - 1 - (va & (N - 1)));
    uint64_t written = width_mask<N>() >> shift;  // memory bytes replaced
    return store<T>(c, i, aligned, (mem & ~written) | ((RT & width_mask<N>()) >> shift));
}

template <typename T, unsigned N>
bool store_right(Cpu& c, const Insn& i) {
    uint64_t va = ea(c, i), aligned = va & ~uint64_t(N - 1), mem;
    if (!translates(c, i, va, Access::STORE) || !load<T>(c, i, aligned, mem)) return false;
    unsigned shift = 8 * (va & (N - 1));
    uint64_t written = (width_mask<N>() << shift) & width_mask<N>();
    return store<T>(c, i, aligned, (mem & ~written) | ((RT << shift) & written));
}

// LL records the physical address; SC succeeds only while the LL bit holds
// (ERET clears it) and it targets the same address. The address comes from
// the software TLB's entry where there is one, as translated code takes it
// (they differ only where two TLB entries match, which is UNPREDICTABLE:
// the software TLB keeps what the access that filled it saw).
bool physical_address(Cpu& c, const Insn& i, uint64_t va, Access access, uint64_t& pa) {
    const SoftTlbEntry* e = access == Access::STORE ? c.soft_tlb.for_write(c.mmu_mode, va) : c.soft_tlb.for_read(c.mmu_mode, va);
    if (!e) return translate_or_raise(c, i, va, access, pa);
    pa = e->phys_page | (va & ~kHostPageMask);
    return true;
}

template <typename T>
bool load_linked(Cpu& c, const Insn& i) {
    uint64_t va = ea(c, i), pa, v;
    if (!load<T>(c, i, va, v)) return false;
    if (!physical_address(c, i, va, Access::LOAD, pa)) return false;
    c.llbit = true;
    c.cp0.lladdr = pa >> 4;
    if constexpr (sizeof(T) == 4) v = sext32(v);
    WRITE_DST(v);
    return true;
}

template <typename T>
bool store_conditional(Cpu& c, const Insn& i) {
    uint64_t va = ea(c, i), pa;
    if (va & (sizeof(T) - 1)) return raise_misaligned(c, i, va, Access::STORE);
    if (!physical_address(c, i, va, Access::STORE, pa)) return false;
    bool ok = c.llbit && (pa >> 4) == c.cp0.lladdr;
    if (ok && !store<T>(c, i, va, RT)) return false;
    c.llbit = false;
    WRITE_DST(ok ? 1 : 0);
    return true;
}
}  // namespace

DEF_INSN(lb) { return load_into_dst<uint8_t, true>(c, i); }
DEF_INSN(lbu) { return load_into_dst<uint8_t, false>(c, i); }
DEF_INSN(lh) { return load_into_dst<uint16_t, true>(c, i); }
DEF_INSN(lhu) { return load_into_dst<uint16_t, false>(c, i); }
DEF_INSN(lw) { return load_into_dst<uint32_t, true>(c, i); }
DEF_INSN(lwu) { return load_into_dst<uint32_t, false>(c, i); }
DEF_INSN(ld) { return load_into_dst<uint64_t, false>(c, i); }
DEF_INSN(sb) { return store_rt<uint8_t>(c, i); }
DEF_INSN(sh) { return store_rt<uint16_t>(c, i); }
DEF_INSN(sw) { return store_rt<uint32_t>(c, i); }
DEF_INSN(sd) { return store_rt<uint64_t>(c, i); }

// The 32-bit partial loads sign-extend the merged word, as QEMU does.
DEF_INSN(lwl) {
    uint64_t r;
    if (!load_left<uint32_t, 4>(c, i, r)) return false;
    WRITE_DST(sext32(r));
    CONTINUE;
}
DEF_INSN(lwr) {
    uint64_t r;
    if (!load_right<uint32_t, 4>(c, i, r)) return false;
    WRITE_DST(sext32(r));
    CONTINUE;
}
DEF_INSN(ldl) {
    uint64_t r;
    if (!load_left<uint64_t, 8>(c, i, r)) return false;
    WRITE_DST(r);
    CONTINUE;
}
DEF_INSN(ldr) {
    uint64_t r;
    if (!load_right<uint64_t, 8>(c, i, r)) return false;
    WRITE_DST(r);
    CONTINUE;
}
DEF_INSN(swl) { return store_left<uint32_t, 4>(c, i); }
DEF_INSN(swr) { return store_right<uint32_t, 4>(c, i); }
DEF_INSN(sdl) { return store_left<uint64_t, 8>(c, i); }
DEF_INSN(sdr) { return store_right<uint64_t, 8>(c, i); }

DEF_INSN(ll) { return load_linked<uint32_t>(c, i); }
DEF_INSN(lld) { return load_linked<uint64_t>(c, i); }
DEF_INSN(sc) { return store_conditional<uint32_t>(c, i); }
DEF_INSN(scd) { return store_conditional<uint64_t>(c, i); }

// Ordering and cache hints: memory is coherent and stores to code are
// tracked by the engine, so these have nothing to do.
DEF_INSN(sync) { CONTINUE; }
DEF_INSN(synci) { CONTINUE; }
DEF_INSN(pref) { CONTINUE; }

}  // namespace mipshv
