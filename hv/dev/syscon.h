// A one-register system controller: writing the power-off or reboot value
// (see memory_map.h) asks the machine to stop. The device tree binds it to
// Linux's syscon-poweroff and syscon-reboot drivers.
#pragma once
#include <functional>

#include "hv/dev/mmio_device.h"

namespace mipshv {

enum class SysconRequest { POWEROFF, REBOOT };

class Syscon final : public MmioDevice {
public:
    explicit Syscon(std::function<void(SysconRequest)> on_request) : on_request_(std::move(on_request)) {}
    std::string name() const override { return "syscon"; }
    // A 32-bit register map (regmap's default width).
    bool accepts(uint64_t offset, unsigned size) const override { return aligned_access_of(4, offset, size); }
    uint64_t on_read(unsigned, uint64_t, unsigned) override { return 0; }
    void on_write(unsigned, uint64_t offset, unsigned size, uint64_t value) override;

private:
    std::function<void(SysconRequest)> on_request_;
};

}  // namespace mipshv
