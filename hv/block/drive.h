// A `-drive` option (QEMU's spelling) and the raw disk image behind it:
// the host side of a virtual disk, apart from the virtio device that shows
// it to the guest. Opening validates everything and throws Error with one
// line; once open, I/O errors are returned (as errno) for the device to
// report to the guest, never thrown.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mipshv {

enum class CacheMode { WRITEBACK, WRITETHROUGH, UNSAFE };

struct DriveOptions {
    std::string file;
    bool read_only = false;
    bool snapshot = false;
    CacheMode cache = CacheMode::WRITEBACK;
    std::string serial;  // empty: the device picks one
};

// Parses "file=PATH,format=raw,if=virtio[,readonly=on][,snapshot=on][,cache=...][,serial=STR]".
DriveOptions parse_drive(const std::string& spec);

class DiskImage {
public:
    static constexpr uint64_t kSectorSize = 512;
    explicit DiskImage(const DriveOptions& opts);
    ~DiskImage();
    DiskImage(const DiskImage&) = delete;
    DiskImage& operator=(const DiskImage&) = delete;

    uint64_t sectors() const { return size_ / kSectorSize; }
    // Whether the guest may write (snapshot disks are writable: the overlay takes the writes).
    bool writable() const { return !opts_.read_only; }
    // Whether the device should offer a flush command (a volatile write cache).
    bool has_write_cache() const { return opts_.cache != CacheMode::WRITETHROUGH && writable(); }
    const DriveOptions& options() const { return opts_; }

    // 0 or an errno. The range must be inside the disk (the device checks).
    int read(uint64_t offset, void* buf, uint64_t len);
    int write(uint64_t offset, const void* buf, uint64_t len);
    // A write request's pieces are all written: with cache=writethrough it
    // becomes durable now, once per request. 0 or an errno.
    int write_done();
    // Makes completed writes durable, as the cache mode says. 0 or an errno.
    int flush();
    // Host calls that made data durable (fdatasync), for the counters.
    uint64_t syncs() const { return syncs_; }

private:
    int read_range(int fd, uint64_t offset, uint8_t* buf, uint64_t len);
    DriveOptions opts_;
    int fd_ = -1;
    int overlay_fd_ = -1;                  // snapshot=on: where writes go
    std::vector<bool> sector_in_overlay_;  // snapshot=on: sectors written so far
    uint64_t size_ = 0;
    uint64_t syncs_ = 0;
};

}  // namespace mipshv
