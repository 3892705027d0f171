// The one interface every memory-mapped device implements. Offsets are
// relative to the device's base; sizes are 1, 2, 4 or 8 bytes. A device
// validates every guest-supplied value itself: the bus only routes.
#pragma once
#include <cstdint>
#include <string>

namespace mipshv {

class MmioDevice {
public:
    virtual ~MmioDevice() = default;
    virtual std::string name() const = 0;
    virtual uint64_t read(uint64_t offset, unsigned size) = 0;
    virtual void write(uint64_t offset, unsigned size, uint64_t value) = 0;
};

}  // namespace mipshv
