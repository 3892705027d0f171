// The virtio-mmio version 2 register layout (virtio 1.x, "MMIO Device
// Register Layout") and the device status bits: one table for the
// transport and for every test that drives it.
#pragma once
#include <cstdint>

namespace mipshv::virtio::mmio {

enum Reg : uint64_t {
    MAGIC = 0x000, VERSION = 0x004, DEVICE_ID = 0x008, VENDOR_ID = 0x00c,
    DEVICE_FEATURES = 0x010, DEVICE_FEATURES_SEL = 0x014, DRIVER_FEATURES = 0x020, DRIVER_FEATURES_SEL = 0x024,
    QUEUE_SEL = 0x030, QUEUE_NUM_MAX = 0x034, QUEUE_NUM = 0x038, QUEUE_READY = 0x044, QUEUE_NOTIFY = 0x050,
    INTERRUPT_STATUS = 0x060, INTERRUPT_ACK = 0x064, STATUS = 0x070,
    QUEUE_DESC_LOW = 0x080, QUEUE_DESC_HIGH = 0x084, QUEUE_DRIVER_LOW = 0x090, QUEUE_DRIVER_HIGH = 0x094,
    QUEUE_DEVICE_LOW = 0x0a0, QUEUE_DEVICE_HIGH = 0x0a4, SHM_LEN_LOW = 0x0b0, SHM_LEN_HIGH = 0x0b4,
    SHM_BASE_LOW = 0x0b8, SHM_BASE_HIGH = 0x0bc, CONFIG_GENERATION = 0x0fc, CONFIG = 0x100,
};

// Status bits (virtio 1.x, "Device Status Field").
constexpr uint32_t kStatusAcknowledge = 1, kStatusDriver = 2, kStatusDriverOk = 4, kStatusFeaturesOk = 8,
                   kStatusNeedsReset = 0x40;
// InterruptStatus bits.
constexpr uint32_t kIsrUsedBuffer = 1, kIsrConfigChange = 2;

}  // namespace mipshv::virtio::mmio
