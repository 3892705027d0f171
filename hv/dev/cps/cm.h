// The Coherence Manager 2's Global Configuration Registers (GCR) of a
// Coherent Processing System, as Linux's mips-cm.c, smp-cps.c, pm-cps.c and
// cps-vec.S use them: where the GIC and CPC are, how many cores there are,
// and each core's reset vector, coherence and reset release.
//
// Choices, and why:
// - GCR_REV says CM2 (6.0): before CM3 every GCR is 32 bits wide and the
//   64-bit kernel makes only 32-bit accesses (mips_cm_is64 = 0 splits its
//   64-bit accessors into two words; the upper word of a CM2 register is
//   reserved and reads 0). So only 4-byte aligned accesses exist; reserved
//   offsets in the 32 KiB window read 0 and ignore writes.
// - The GCR, GIC and CPC sit where the board put them: the address fields
//   of GCR_BASE, GCR_GIC_BASE and GCR_CPC_BASE are read-only (the kernel
//   only writes back what it read or what the DT says). Their enable bits
//   (GIC/CPC) start set, so the kernel takes the CPC from GCR_CPC_BASE
//   without a DT node; the bits keep what is written but the board does not
//   unmap a disabled block. `cpc_base` 0 means a board without a CPC.
// - GCR_ACCESS is stored (reset: every core) but not enforced: the kernel
//   grants each core access before starting it, so enforcement would never
//   be visible to a correct guest.
// - GCR_L2_CONFIG reports BYPASS (no L2). A CM2 kernel takes its L2 from
//   Config2 instead; this only keeps a CM3-style probe consistent.
// - The L2-only sync region the kernel enables at GCR_L2_ONLY_SYNC_BASE is
//   recorded only: 6.1 ioremaps it but never touches it.
// - GCR_Cx_RESET_EXT_BASE: only the legacy (non-EVA) reset mode is offered,
//   so EVARESET reads 0 and reset_base_pa() is a kseg0/kseg1 translation.
// - A core leaves reset only on a 1 -> 0 write of RESET_RELEASE; writing 0
//   to a running core does not restart it.
// - Not thread-safe: the machine serialises accesses.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "hv/dev/mmio_device.h"

namespace mipshv {

class Cm final : public MmioDevice {
public:
    static constexpr uint64_t kWindowSize = 0x8000;  // 32 KiB, 32 KiB aligned
    static constexpr unsigned kMaxCores = 8;
    static constexpr uint32_t kRevision = 0x0600;                    // CM2: major 6, minor 0
    static constexpr uint32_t kDefaultResetBase = 0xbfc00000;        // GCR_Cx_RESET_BASE after reset
    static constexpr uint64_t kNoPhysicalAddress = ~0ull;

    // `cores`: 1..kMaxCores. `base`: the GCR block's physical address (32 KiB
    // aligned, with base + 36 KiB <= 4 GiB: the kernel's L2-only sync region
    // follows it). `gic_base` (128 KiB aligned) and `cpc_base`
    // (32 KiB aligned, or 0 for none): where the board put the GIC and CPC.
    // `release(core)`: the core leaves reset (GCR_Co_RESET_RELEASE 1 -> 0).
    // Throws std::invalid_argument on bad arguments.
    Cm(unsigned cores, uint64_t base, uint64_t gic_base, uint64_t cpc_base, std::function<void(unsigned core)> release);

    std::string name() const override { return "mips-cm"; }
    bool accepts(uint64_t offset, unsigned size) const override;
    uint64_t on_read(unsigned vcpu, uint64_t offset, unsigned size) override;
    void on_write(unsigned vcpu, uint64_t offset, unsigned size, uint64_t value) override;

    // Where `core` starts after reset. reset_pc: the virtual PC it fetches
    // its first instruction from, GCR_Cx_RESET_BASE bits 31:12 sign-extended
    // (the kernel writes a kseg1 address, so e.g. 0xffffffffa0xxx000).
    // reset_base_pa: that PC's physical address: for kseg0/kseg1 the low 29
    // bits; for useg (bit 31 clear, unmapped while Status.ERL=1 at reset)
    // the address itself; kNoPhysicalAddress for kseg2/kseg3 (TLB-mapped)
    // or an out-of-range core (reset_pc also returns kNoPhysicalAddress,
    // i.e. ~0, for an out-of-range core).
    uint64_t reset_base_pa(unsigned core) const;
    uint64_t reset_pc(unsigned core) const;
    // GCR_Cx_RESET_EXT_BASE.UEB: BEV exceptions vector relative to the
    // reset base instead of 0xbfc00000 (the kernel sets it for cores it starts).
    bool uses_reset_base_for_bev(unsigned core) const;

    unsigned cores() const { return cores_; }

private:
    struct Core {
        uint32_t reset_release = 1;  // 1: held in reset
        uint32_t coherence = 0;
        uint32_t other = 0;
        uint32_t reset_base = kDefaultResetBase;
        uint32_t reset_ext_base = 0;
    };

    uint32_t read_global(uint64_t off) const;
    void write_global(uint64_t off, uint32_t value);
    uint32_t read_core(unsigned core, uint64_t off) const;
    void write_core(unsigned core, uint64_t off, uint32_t value);
    unsigned other_of(unsigned vcpu) const;

    unsigned cores_;
    uint32_t base_, gic_base_, cpc_base_;
    std::function<void(unsigned)> release_;

    uint32_t default_target_ = 0;  // GCR_BASE.CMDEFTGT
    uint32_t access_ = 0xff;
    uint32_t l2_sync_base_ = 0;
    bool gic_enabled_ = true, cpc_enabled_ = true;
    uint32_t region_base_[4] = {}, region_mask_[4] = {};
    std::vector<Core> core_;
};

}  // namespace mipshv
