// The one interface every memory-mapped device implements. Offsets are
// relative to the device's base; sizes are 1, 2, 4 or 8 bytes. The bus
// asks `accepts` before every access and turns a refused one into a bus
// error for the guest, so `read` and `write` only see sizes they declared.
// A device validates every guest-supplied value itself: the bus only routes.
#pragma once
#include <cstdint>
#include <string>

namespace mipshv {

class MmioDevice {
public:
    virtual ~MmioDevice() = default;
    virtual std::string name() const = 0;
    // Whether an access of `size` bytes at `offset` exists on this device.
    virtual bool accepts(uint64_t offset, unsigned size) const = 0;
    // An access made by vCPU `vcpu` (the bus says which). Devices with a
    // per-CPU view of their registers (the GIC's and the CM's local
    // sections) read it; the rest answer every vCPU alike.
    uint64_t read(uint64_t offset, unsigned size, unsigned vcpu = 0) { return on_read(vcpu, offset, size); }
    void write(uint64_t offset, unsigned size, uint64_t value, unsigned vcpu = 0) { on_write(vcpu, offset, size, value); }

protected:
    // What a device implements: one pair (a device declares no read or
    // write of its own, which would hide these).
    virtual uint64_t on_read(unsigned vcpu, uint64_t offset, unsigned size) = 0;
    virtual void on_write(unsigned vcpu, uint64_t offset, unsigned size, uint64_t value) = 0;
};

// The common rule: only `size`-byte accesses, naturally aligned.
inline bool aligned_access_of(unsigned wanted, uint64_t offset, unsigned size) {
    return size == wanted && offset % size == 0;
}

}  // namespace mipshv
