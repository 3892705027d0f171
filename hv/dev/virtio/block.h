// virtio-blk (virtio 1.x, "Block Device"): one request queue over a raw
// disk image (block/drive.h). Requests: IN, OUT, FLUSH and GET_ID; any
// other type answers UNSUPP. A request with a bad layout, past the end of
// the disk, or writing a read-only disk fails with IOERR and touches
// nothing; a host I/O error fails it with IOERR and the run goes on.
#pragma once
#include <memory>
#include <string>
#include <vector>

#include "hv/block/drive.h"
#include "hv/dev/virtio/guest_error_log.h"
#include "hv/dev/virtio/virtio_device.h"

namespace mipshv::virtio {

struct BlockCounters {
#define COUNTER(field, description) uint64_t field = 0;
#include "hv/dev/virtio/block_counters.def"
#undef COUNTER
};

class BlockDevice final : public VirtioDevice {
public:
    // `name`: the guest's name for it (vda, vdb, ...), the default serial.
    BlockDevice(std::unique_ptr<DiskImage> image, std::string name, Bus& memory);

    uint32_t device_id() const override { return 2; }
    const char* kind() const override { return "virtio-blk"; }
    std::string name() const override { return name_; }
    uint64_t features() const override;
    unsigned queue_count() const override { return 1; }
    uint64_t config_read(uint64_t offset, unsigned size) const override;
    uint32_t handle(unsigned q, const Chain& chain) override;
    void each_counter(const CounterVisitor& visit) const override;

private:
    uint8_t execute(uint32_t type, uint64_t sector, ChainCursor& cursor, const Chain& chain, uint32_t& data_written);
    void malformed(const char* what);
    uint8_t transfer(bool to_guest, uint64_t sector, uint64_t bytes, ChainCursor& cursor);

    std::unique_ptr<DiskImage> image_;
    Bus& memory_;
    std::string name_;
    std::string serial_;
    std::vector<uint8_t> bounce_;  // host-side staging of one piece of a transfer
    BlockCounters counters_;
    GuestErrorLog log_;
};

}  // namespace mipshv::virtio
