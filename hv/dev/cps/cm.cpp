#include "hv/dev/cps/cm.h"

#include <stdexcept>

namespace mipshv {

namespace {

// Global control block.
constexpr uint64_t kConfig = 0x000, kBase = 0x008, kAccess = 0x020, kRev = 0x030;
constexpr uint64_t kL2OnlySyncBase = 0x070, kGicBase = 0x080, kCpcBase = 0x088;
constexpr uint64_t kRegionFirst = 0x090, kRegionLast = 0x0c8;  // REGn_BASE at +0x10n, REGn_MASK at +0x10n+8
constexpr uint64_t kGicStatus = 0x0d0, kCpcStatus = 0x0f0, kL2Config = 0x130;

constexpr uint32_t kBaseCmDefaultTarget = 0x3;
constexpr uint32_t kAccessEnable = 0xff;
constexpr uint32_t kL2SyncFields = 0xfffff000 | 0x1;  // SYNCBASE, SYNCEN
constexpr uint32_t kGicEnable = 0x1, kCpcEnable = 0x1;
constexpr uint32_t kRegionBaseFields = 0xffff0000;
constexpr uint32_t kRegionMaskFields = 0xffff0000 | 0xe0 | 0x10 | 0x4 | 0x3;  // ADDRMASK, CCAOVR, CCAOVREN, DROPL2, CMTGT
constexpr uint32_t kStatusExists = 0x1;
constexpr uint32_t kL2ConfigBypass = 1u << 20;

// Core-local (the accessing core) and core-other (the core its OTHER names) blocks.
constexpr uint64_t kCoreLocal = 0x2000, kCoreOther = 0x4000, kCoreBlockSize = 0x2000;
constexpr uint64_t kCxResetRelease = 0x00, kCxCoherence = 0x08, kCxConfig = 0x10, kCxOther = 0x18;
constexpr uint64_t kCxResetBase = 0x20, kCxId = 0x28, kCxResetExtBase = 0x30;

constexpr uint32_t kResetHold = 0x1;
constexpr uint32_t kCoherenceDomains = 0xff;
constexpr uint32_t kOtherCoreNum = 0xffff0000;
constexpr uint32_t kResetBaseField = 0xfffff000;
constexpr uint32_t kExtUeb = 1u << 30;
constexpr uint32_t kExtFields = kExtUeb | 0x0ff00000 | 0xfe;  // UEB, BEVEXCMASK, BEVEXCPA (not EVARESET)

}  // namespace

Cm::Cm(unsigned cores, uint64_t base, uint64_t gic_base, uint64_t cpc_base, std::function<void(unsigned)> release)
    : cores_(cores), release_(std::move(release)) {
    if (cores < 1 || cores > kMaxCores) throw std::invalid_argument("CM: core count must be 1.." + std::to_string(kMaxCores));
    // The kernel puts its L2-only sync region right after the GCRs and
    // BUG()s unless that address fits GCR_L2_ONLY_SYNC_BASE's 32-bit field.
    if (base == 0 || base % kWindowSize || base + kWindowSize + 0x1000 > (1ull << 32))
        throw std::invalid_argument("CM: GCR base must be 32 KiB aligned, non-zero, and leave 36 KiB below 4 GiB");
    if (gic_base == 0 || gic_base % 0x20000 || gic_base >> 32) throw std::invalid_argument("CM: GIC base must be 128 KiB aligned, non-zero, below 4 GiB");
    if (cpc_base % 0x8000 || cpc_base >> 32) throw std::invalid_argument("CM: CPC base must be 32 KiB aligned, below 4 GiB");
    if (!release_) throw std::invalid_argument("CM: missing callback");
    base_ = uint32_t(base);
    gic_base_ = uint32_t(gic_base);
    cpc_base_ = uint32_t(cpc_base);
    cpc_enabled_ = cpc_base_ != 0;
    core_.assign(cores_, {});
    core_[0].reset_release = 0;  // the boot core runs from power-on
}

bool Cm::accepts(uint64_t offset, unsigned size) const {
    return offset < kWindowSize && aligned_access_of(4, offset, size);
}

uint64_t Cm::reset_pc(unsigned core) const {
    if (core >= cores_) return kNoPhysicalAddress;
    return uint64_t(int64_t(int32_t(core_[core].reset_base & kResetBaseField)));
}

uint64_t Cm::reset_base_pa(unsigned core) const {
    if (core >= cores_) return kNoPhysicalAddress;
    const uint32_t va = core_[core].reset_base & kResetBaseField;
    if (!(va & 0x80000000u)) return va;                         // useg, unmapped under ERL
    if ((va & 0xc0000000u) == 0x80000000u) return va & 0x1fffffffu;  // kseg0 / kseg1
    return kNoPhysicalAddress;                                  // kseg2 / kseg3: TLB-mapped
}

bool Cm::uses_reset_base_for_bev(unsigned core) const {
    return core < cores_ && (core_[core].reset_ext_base & kExtUeb);
}

unsigned Cm::other_of(unsigned vcpu) const {
    return vcpu < cores_ ? (core_[vcpu].other & kOtherCoreNum) >> 16 : ~0u;
}

uint32_t Cm::read_global(uint64_t off) const {
    switch (off) {
    case kConfig: return cores_ - 1;  // PCORES; NUMIOCU 0
    case kBase: return base_ | default_target_;
    case kAccess: return access_;
    case kRev: return kRevision;
    case kL2OnlySyncBase: return l2_sync_base_;
    case kGicBase: return gic_base_ | (gic_enabled_ ? kGicEnable : 0);
    case kCpcBase: return cpc_base_ ? cpc_base_ | (cpc_enabled_ ? kCpcEnable : 0) : 0;
    case kGicStatus: return kStatusExists;
    case kCpcStatus: return cpc_base_ ? kStatusExists : 0;
    case kL2Config: return kL2ConfigBypass;
    default: break;
    }
    if (off >= kRegionFirst && off <= kRegionLast && off % 8 == 0) {
        const unsigned n = unsigned(off - kRegionFirst) / 0x10;
        return (off - kRegionFirst) % 0x10 ? region_mask_[n] : region_base_[n];
    }
    return 0;  // the error registers and everything reserved
}

void Cm::write_global(uint64_t off, uint32_t value) {
    switch (off) {
    case kBase: default_target_ = value & kBaseCmDefaultTarget; return;
    case kAccess: access_ = value & kAccessEnable; return;
    case kL2OnlySyncBase: l2_sync_base_ = value & kL2SyncFields; return;
    case kGicBase: gic_enabled_ = value & kGicEnable; return;
    case kCpcBase:
        if (cpc_base_) cpc_enabled_ = value & kCpcEnable;
        return;
    default: break;
    }
    if (off >= kRegionFirst && off <= kRegionLast && off % 8 == 0) {
        const unsigned n = unsigned(off - kRegionFirst) / 0x10;
        if ((off - kRegionFirst) % 0x10) region_mask_[n] = value & kRegionMaskFields;
        else region_base_[n] = value & kRegionBaseFields;
    }
    // Everything else is read-only or reserved.
}

uint32_t Cm::read_core(unsigned core, uint64_t off) const {
    if (core >= cores_) return 0;
    const Core& c = core_[core];
    switch (off) {
    case kCxResetRelease: return c.reset_release;
    case kCxCoherence: return c.coherence;
    case kCxConfig: return 0;  // PVPE 0: one VP per core
    case kCxOther: return c.other;
    case kCxResetBase: return c.reset_base;
    case kCxId: return core;
    case kCxResetExtBase: return c.reset_ext_base;
    default: return 0;
    }
}

void Cm::write_core(unsigned core, uint64_t off, uint32_t value) {
    if (core >= cores_) return;
    Core& c = core_[core];
    switch (off) {
    case kCxResetRelease: {
        const uint32_t hold = value & kResetHold;
        const bool leaves_reset = c.reset_release && !hold;
        c.reset_release = hold;
        if (leaves_reset) release_(core);
        break;
    }
    case kCxCoherence: c.coherence = value & kCoherenceDomains; break;
    case kCxOther: c.other = value & kOtherCoreNum; break;
    case kCxResetBase: c.reset_base = value & kResetBaseField; break;
    case kCxResetExtBase: c.reset_ext_base = value & kExtFields; break;
    default: break;  // CONFIG, ID (read-only) and reserved
    }
}

uint64_t Cm::on_read(unsigned vcpu, uint64_t offset, unsigned) {
    if (offset < kCoreLocal) return read_global(offset);
    if (offset < kCoreLocal + kCoreBlockSize) return read_core(vcpu, offset - kCoreLocal);
    if (offset < kCoreOther + kCoreBlockSize) return read_core(other_of(vcpu), offset - kCoreOther);
    return 0;  // the global debug block
}

void Cm::on_write(unsigned vcpu, uint64_t offset, unsigned, uint64_t value) {
    const uint32_t v = uint32_t(value);
    if (offset < kCoreLocal) write_global(offset, v);
    else if (offset < kCoreLocal + kCoreBlockSize) write_core(vcpu, offset - kCoreLocal, v);
    else if (offset < kCoreOther + kCoreBlockSize) write_core(other_of(vcpu), offset - kCoreOther, v);
}

}  // namespace mipshv
