#include "hv/dev/cps/cpc.h"

#include <stdexcept>

namespace mipshv {

namespace {

// Global control block: only CPC_ACCESS is kept (nothing else is touched by Linux 6.1 on a CM2 system).
constexpr uint64_t kAccess = 0x000;
constexpr uint32_t kAccessEnable = 0xff;

// Core-local (the accessing core) and core-other (the core its OTHER names) blocks.
constexpr uint64_t kCoreLocal = 0x2000, kCoreOther = 0x4000, kCoreBlockSize = 0x2000;
constexpr uint64_t kCxCmd = 0x000, kCxStatConf = 0x008, kCxOther = 0x010;

constexpr uint32_t kCmdField = 0xf;
constexpr unsigned kSeqStateShift = 19;  // SEQ_STATE: bits 22:19
constexpr uint32_t kPwrDnImpl = 1u << 16;
constexpr uint32_t kOtherCoreNum = 0x00ff0000;  // CORENUM: bits 23:16

}  // namespace

Cpc::Cpc(unsigned cores, std::function<void(unsigned)> power_up, std::function<void(unsigned)> power_down)
    : cores_(cores), power_up_(std::move(power_up)), power_down_(std::move(power_down)) {
    if (cores < 1 || cores > kMaxCores) throw std::invalid_argument("CPC: core count must be 1.." + std::to_string(kMaxCores));
    if (!power_up_ || !power_down_) throw std::invalid_argument("CPC: missing callback");
    core_.assign(cores_, {});
    core_[0].state = kStateU6;
}

bool Cpc::accepts(uint64_t offset, unsigned size) const {
    return offset < kWindowSize && aligned_access_of(4, offset, size);
}

void Cpc::core_stopped(unsigned core) {
    if (core < cores_) core_[core].state = kStateD0;
}

void Cpc::core_started(unsigned core) {
    if (core < cores_) core_[core].state = kStateU6;
}

unsigned Cpc::other_of(unsigned vcpu) const {
    return vcpu < cores_ ? (core_[vcpu].other & kOtherCoreNum) >> 16 : ~0u;
}

void Cpc::command(unsigned core, uint32_t cmd) {
    Core& c = core_[core];
    const bool was_running = c.state == kStateU6;
    switch (cmd) {
    case kCmdClockOff:
    case kCmdPowerDown:
        if (!was_running && cmd == kCmdClockOff) break;  // clock-off of a powered-down core: still D0
        c.state = cmd == kCmdClockOff ? kStateU2 : kStateD0;
        if (was_running) power_down_(core);
        break;
    case kCmdPowerUp:
        if (was_running) break;
        c.state = kStateU6;
        power_up_(core);
        break;
    case kCmdReset:
        c.state = kStateU6;
        power_up_(core);
        break;
    default:
        return;  // not a command: not recorded
    }
    c.cmd = cmd;
}

uint32_t Cpc::read_core(unsigned core, uint64_t off) const {
    if (core >= cores_) return 0;
    const Core& c = core_[core];
    switch (off) {
    case kCxCmd: return c.cmd;
    case kCxStatConf: return (c.state << kSeqStateShift) | kPwrDnImpl;
    case kCxOther: return c.other;
    default: return 0;
    }
}

void Cpc::write_core(unsigned core, uint64_t off, uint32_t value) {
    if (core >= cores_) return;
    switch (off) {
    case kCxCmd: command(core, value & kCmdField); break;
    case kCxOther: core_[core].other = value & kOtherCoreNum; break;
    default: break;  // STAT_CONF (status only here) and reserved
    }
}

uint64_t Cpc::on_read(unsigned vcpu, uint64_t offset, unsigned) {
    if (offset < kCoreLocal) return offset == kAccess ? access_ : 0;
    if (offset < kCoreLocal + kCoreBlockSize) return read_core(vcpu, offset - kCoreLocal);
    if (offset < kCoreOther + kCoreBlockSize) return read_core(other_of(vcpu), offset - kCoreOther);
    return 0;
}

void Cpc::on_write(unsigned vcpu, uint64_t offset, unsigned, uint64_t value) {
    const uint32_t v = uint32_t(value);
    if (offset < kCoreLocal) {
        if (offset == kAccess) access_ = v & kAccessEnable;
    } else if (offset < kCoreLocal + kCoreBlockSize) {
        write_core(vcpu, offset - kCoreLocal, v);
    } else if (offset < kCoreOther + kCoreBlockSize) {
        write_core(other_of(vcpu), offset - kCoreOther, v);
    }
}

}  // namespace mipshv
