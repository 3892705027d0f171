// The Cluster Power Controller of a Coherent Processing System, as Linux's
// mips-cpc.c, smp-cps.c and pm-cps.c use it: starting a core (reset or
// power-up command, then polling for the U6 sequencer state) and CPU hotplug
// (the dying core writes a power-down command to its own core-local block
// and spins; another CPU polls that core's state until it reads D0).
//
// Choices, and why:
// - The sequencer is instantaneous: a command's end state is visible on the
//   next read, so the kernel's polls finish at once and a run stays
//   deterministic (no host time).
// - States: U6 (running, coherent) after reset or power-up, D0 after power
//   down, U2 after clock-off; D0 and U2 are states cps_cpu_die accepts as
//   offline. power_down(core) fires when a running core stops; power_up
//   fires for power-up of a stopped core and for every reset (a reset of a
//   running core restarts it). Power-up of a running core, or any command
//   on a stopped core that keeps it stopped, changes nothing.
// - STAT_CONF says power gating is implemented but clock gating is not, so
//   pm-cps offers only the power-gated state (what hotplug uses) and never a
//   clock-gated idle that another core would have to wake.
// - Only 4-byte aligned accesses exist (a CM2-era CPC, 32-bit registers);
//   reserved offsets read 0 and ignore writes. The VP_RUN/VP_STOP registers
//   (MIPSr6 VPs) and the CM3.5 cluster registers are not offered.
// - Not thread-safe: the machine serialises accesses.
#pragma once
#include <cstdint>
#include <functional>
#include <vector>

#include "hv/dev/mmio_device.h"

namespace mipshv {

class Cpc final : public MmioDevice {
public:
    static constexpr uint64_t kWindowSize = 0x8000;  // 32 KiB, 32 KiB aligned
    static constexpr unsigned kMaxCores = 8;
    // CPC_Cx_CMD values.
    static constexpr uint32_t kCmdClockOff = 1, kCmdPowerDown = 2, kCmdPowerUp = 3, kCmdReset = 4;
    // CPC_Cx_STAT_CONF.SEQ_STATE values this CPC uses.
    static constexpr uint32_t kStateD0 = 0x0, kStateU2 = 0x3, kStateU6 = 0x7;

    // `power_up(core)`: start the core from its reset vector (reset and
    // power-up commands); `power_down(core)`: stop it (power-down and
    // clock-off commands). Either may be called from inside an access by
    // the very core it concerns (a dying CPU powers itself down): the
    // machine must let that store complete and then stop the vCPU.
    // Core 0 starts running, the others powered down.
    Cpc(unsigned cores, std::function<void(unsigned core)> power_up, std::function<void(unsigned core)> power_down);

    std::string name() const override { return "mips-cpc"; }
    bool accepts(uint64_t offset, unsigned size) const override;
    uint64_t on_read(unsigned vcpu, uint64_t offset, unsigned size) override;
    void on_write(unsigned vcpu, uint64_t offset, unsigned size, uint64_t value) override;

    // For the machine: a core stopped by itself (without a CPC command):
    // it now reads as powered down (D0) and no callback fires.
    void core_stopped(unsigned core);
    // For the machine: a core started without a CPC command (the CM let it
    // out of reset): it now reads as running (U6) and no callback fires.
    void core_started(unsigned core);
    // Whether `core` is in the running state (U6).
    bool running(unsigned core) const { return core < cores_ && core_[core].state == kStateU6; }
    // SEQ_STATE of `core` (D0 for an out-of-range core).
    uint32_t seq_state(unsigned core) const { return core < cores_ ? core_[core].state : kStateD0; }

    unsigned cores() const { return cores_; }

private:
    struct Core {
        uint32_t state = kStateD0;
        uint32_t cmd = 0;    // the last command accepted
        uint32_t other = 0;  // CPC_Cx_OTHER.CORENUM field
    };

    uint32_t read_core(unsigned core, uint64_t off) const;
    void write_core(unsigned core, uint64_t off, uint32_t value);
    void command(unsigned core, uint32_t cmd);
    unsigned other_of(unsigned vcpu) const;

    unsigned cores_;
    std::function<void(unsigned)> power_up_, power_down_;
    uint32_t access_ = 0xff;
    std::vector<Core> core_;
};

}  // namespace mipshv
