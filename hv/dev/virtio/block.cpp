#include "hv/dev/virtio/block.h"

#include <algorithm>
#include <cstring>

namespace mipshv::virtio {

namespace {
enum RequestType : uint32_t { IN = 0, OUT = 1, FLUSH = 4, GET_ID = 8 };
enum Status : uint8_t { OK = 0, IOERR = 1, UNSUPP = 2 };
constexpr uint64_t kFeatureSegMax = 1ull << 2, kFeatureReadOnly = 1ull << 5, kFeatureFlush = 1ull << 9;
constexpr uint64_t kHeaderBytes = 16, kSector = DiskImage::kSectorSize, kIdBytes = 20;
constexpr uint64_t kBounceBytes = 64 * 1024;

struct Header {
    uint32_t type, reserved;
    uint64_t sector;
};
static_assert(sizeof(Header) == kHeaderBytes);

// struct virtio_blk_config up to seg_max: capacity, size_max, seg_max.
struct Config {
    uint64_t capacity;
    uint32_t size_max, seg_max;
};
}  // namespace

BlockDevice::BlockDevice(std::unique_ptr<DiskImage> image, std::string name, Bus& memory)
    : image_(std::move(image)), memory_(memory), name_(std::move(name)), log_(name_, kind()) {
    serial_ = image_->options().serial.empty() ? "mipshv-" + name_ : image_->options().serial;
}

uint64_t BlockDevice::features() const {
    return kFeatureSegMax | (image_->writable() ? 0 : kFeatureReadOnly) | (image_->has_write_cache() ? kFeatureFlush : 0);
}

uint64_t BlockDevice::config_read(uint64_t offset, unsigned size) const {
    // A request may use every descriptor but the header's and the status byte's.
    const Config c{image_->sectors(), 0, Virtqueue::kMaxSize - 2};
    return read_config_bytes(&c, sizeof c, offset, size);
}

uint32_t BlockDevice::handle(unsigned, const Chain& chain) {
    // The status byte is the last byte of the last buffer, which must be device-writable.
    const Buffer* last = chain.buffers.empty() ? nullptr : &chain.buffers.back();
    const bool has_status = last && last->device_writable && last->len > 0 && memory_.is_guest_ram(last->addr, last->len);
    auto finish = [&](uint8_t status, uint32_t data_written) -> uint32_t {
        if (!has_status) return 0;
        memory_.write(last->addr + last->len - 1, &status, 1);
        return data_written + 1;
    };
    Header h{};
    ChainCursor cursor(memory_, chain);
    if (chain.fault != ChainFault::NONE) {  // the transport counted and logged it
        ++counters_.malformed_requests;
        return finish(IOERR, 0);
    }
    if (!has_status || chain.readable_bytes() < kHeaderBytes || !cursor.read(&h, kHeaderBytes)) {
        malformed(!has_status ? "no device-writable status byte at the end of the chain"
                              : "request header shorter than 16 device-readable bytes");
        return finish(IOERR, 0);
    }
    uint32_t data_written = 0;
    const uint8_t status = execute(h.type, h.sector, cursor, chain, data_written);
    return finish(status, data_written);
}

uint8_t BlockDevice::execute(uint32_t type, uint64_t sector, ChainCursor& cursor, const Chain& chain,
                             uint32_t& data_written) {
    const uint64_t readable = chain.readable_bytes(), writable = chain.writable_bytes();
    auto bad_layout = [&](const char* what) { return malformed(what), IOERR; };
    auto in_range = [&](uint64_t bytes) {
        return sector <= image_->sectors() && bytes / kSector <= image_->sectors() - sector;
    };
    switch (type) {
        case IN: {
            ++counters_.requests_in;
            const uint64_t bytes = writable - 1;
            if (readable != kHeaderBytes) return bad_layout("read request with device-readable data");
            if (bytes % kSector) return bad_layout("data length not a multiple of 512");
            if (!in_range(bytes)) return ++counters_.errors_out_of_range, IOERR;
            const uint8_t s = transfer(true, sector, bytes, cursor);
            if (s == OK) {
                data_written = uint32_t(bytes);
                counters_.sectors_read += bytes / kSector;
                counters_.bytes_read += bytes;
            }
            return s;
        }
        case OUT: {
            ++counters_.requests_out;
            const uint64_t bytes = readable - kHeaderBytes;
            if (writable != 1) return bad_layout("write request with device-writable data");
            if (bytes % kSector) return bad_layout("data length not a multiple of 512");
            if (!in_range(bytes)) return ++counters_.errors_out_of_range, IOERR;
            if (!image_->writable()) return ++counters_.errors_read_only, IOERR;
            const uint8_t s = transfer(false, sector, bytes, cursor);
            if (s == OK) {
                counters_.sectors_written += bytes / kSector;
                counters_.bytes_written += bytes;
            }
            return s;
        }
        case FLUSH: {
            ++counters_.requests_flush;
            const uint64_t before = image_->syncs();
            const int err = image_->flush();
            counters_.host_syncs += image_->syncs() - before;
            return err ? (++counters_.errors_host_io, IOERR) : OK;
        }
        case GET_ID: {
            ++counters_.requests_get_id;
            char id[kIdBytes] = {};
            std::memcpy(id, serial_.data(), std::min<size_t>(serial_.size(), kIdBytes));
            const uint64_t n = std::min<uint64_t>(writable - 1, kIdBytes);
            if (readable != kHeaderBytes || !cursor.write(id, n)) return bad_layout("GET_ID with device-readable data");
            data_written = uint32_t(n);
            return OK;
        }
        default: ++counters_.requests_unsupported; return UNSUPP;
    }
}

// Moves `bytes` between the image at `sector` and the chain's data buffers,
// one bounce-buffer piece at a time, so a request costs bounded host memory
// however large the guest makes it.
uint8_t BlockDevice::transfer(bool to_guest, uint64_t sector, uint64_t bytes, ChainCursor& cursor) {
    bounce_.resize(kBounceBytes);
    const uint64_t syncs_before = image_->syncs();
    uint8_t status = OK;
    for (uint64_t done = 0; done < bytes && status == OK;) {
        const uint64_t n = std::min(bytes - done, kBounceBytes);
        const uint64_t offset = sector * kSector + done;
        if (to_guest) {
            if (image_->read(offset, bounce_.data(), n) != 0) status = IOERR;
            else cursor.write(bounce_.data(), n);
        } else {
            cursor.read(bounce_.data(), n);
            if (image_->write(offset, bounce_.data(), n) != 0) status = IOERR;
        }
        done += n;
    }
    if (!to_guest && status == OK && image_->write_done() != 0) status = IOERR;
    counters_.host_syncs += image_->syncs() - syncs_before;
    if (status != OK) ++counters_.errors_host_io;
    return status;
}

void BlockDevice::malformed(const char* what) {
    ++counters_.malformed_requests;
    log_.report(what);
}

void BlockDevice::each_counter(const CounterVisitor& visit) const {
#define COUNTER(field, description) visit(#field, counters_.field, description);
#include "hv/dev/virtio/block_counters.def"
#undef COUNTER
}

}  // namespace mipshv::virtio
