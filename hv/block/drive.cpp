#include "hv/block/drive.h"

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <map>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/common/error.h"
#include "hv/common/option_list.h"

namespace mipshv {

namespace {
constexpr const char* kKeys = "file, format, if, readonly, snapshot, cache, serial";
constexpr size_t kMaxSerial = 20;  // VIRTIO_BLK_ID_BYTES

[[noreturn]] void fail(const DriveOptions& o, const std::string& what) {
    throw Error("mipshv: -drive file=" + o.file + ": " + what);
}
}  // namespace

DriveOptions parse_drive(const std::string& spec) {
    DriveOptions o;
    std::map<std::string, std::string> seen;
    for (const std::string& part : split_option_list(spec)) {
        const auto [key, value] = split_key_value(part);
        if (key.empty()) throw Error("mipshv: -drive '" + part + "': expected key=value (keys: " + kKeys + ")");
        if (!seen.emplace(key, value).second) throw Error("mipshv: -drive: '" + key + "' given twice");
        if (key == "file") o.file = value;
        else if (key == "format") {
            if (value != "raw") throw Error("mipshv: -drive format=" + value + ": unknown format (available: raw)");
        } else if (key == "if") {
            if (value != "virtio") throw Error("mipshv: -drive if=" + value + ": unknown interface (available: virtio)");
        } else if (key == "readonly") o.read_only = parse_on_off("-drive", key, value);
        else if (key == "snapshot") o.snapshot = parse_on_off("-drive", key, value);
        else if (key == "cache") {
            if (value == "writeback") o.cache = CacheMode::WRITEBACK;
            else if (value == "writethrough") o.cache = CacheMode::WRITETHROUGH;
            else if (value == "unsafe") o.cache = CacheMode::UNSAFE;
            else throw Error("mipshv: -drive cache=" + value + ": unknown cache mode (available: writeback, writethrough, unsafe)");
        } else if (key == "serial") {
            if (value.size() > kMaxSerial) throw Error("mipshv: -drive serial=" + value + ": longer than 20 bytes");
            o.serial = value;
        } else throw Error("mipshv: -drive: unknown option '" + key + "' (valid: " + kKeys + ")");
    }
    if (o.file.empty()) throw Error("mipshv: -drive: file=PATH is missing");
    return o;
}

DiskImage::DiskImage(const DriveOptions& opts) : opts_(opts) {
    const bool write_image = !opts.read_only && !opts.snapshot;
    // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused below.
    fd_ = ::open(opts.file.c_str(), (write_image ? O_RDWR : O_RDONLY) | O_CLOEXEC | O_NONBLOCK);
    if (fd_ < 0) fail(opts, std::string("cannot open: ") + std::strerror(errno));
    fcntl(fd_, F_SETFL, fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
    struct stat st {};
    if (fstat(fd_, &st) != 0 || !(S_ISREG(st.st_mode) || S_ISBLK(st.st_mode))) {
        ::close(fd_);
        fail(opts, "not a regular file or block device");
    }
    const off_t end = lseek(fd_, 0, SEEK_END);
    if (end < 0 || end % off_t(kSectorSize)) {
        ::close(fd_);
        fail(opts, "size " + std::to_string(end) + " is not a multiple of 512 bytes");
    }
    size_ = uint64_t(end);
    if (size_ == 0) {
        ::close(fd_);
        fail(opts, "the image is empty");
    }
    // One writer at a time; readers (read-only, snapshot) may share.
    if (flock(fd_, (write_image ? LOCK_EX : LOCK_SH) | LOCK_NB) != 0) {
        const int err = errno;
        ::close(fd_);
        fail(opts, err == EWOULDBLOCK ? "the image is locked: another process, or another -drive of this one, uses it" +
                                            std::string(write_image ? "" : " for writing")
                                      : std::string("cannot lock: ") + std::strerror(err));
    }
    if (opts.snapshot) {
        const char* dir = std::getenv("TMPDIR");
        overlay_fd_ = ::open(dir && *dir ? dir : "/tmp", O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
        if (overlay_fd_ < 0) {
            ::close(fd_);
            fail(opts, std::string("snapshot=on: cannot create the temporary overlay: ") + std::strerror(errno));
        }
        sector_in_overlay_.assign(sectors(), false);
    }
}

// What the guest wrote but did not flush reaches the disk before the image
// is let go (writeback only: unsafe never syncs), however the run ended.
DiskImage::~DiskImage() {
    if (fd_ >= 0) flush();
    if (overlay_fd_ >= 0) ::close(overlay_fd_);
    if (fd_ >= 0) ::close(fd_);  // also releases the lock
}

int DiskImage::read_range(int fd, uint64_t offset, uint8_t* buf, uint64_t len) {
    while (len > 0) {
        const ssize_t n = ::pread(fd, buf, len, off_t(offset));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        if (n == 0) {  // the overlay is sparse: unwritten tails read as zeros
            if (fd != overlay_fd_) return EIO;  // the image shrank under us
            std::memset(buf, 0, len);
            return 0;
        }
        buf += n, offset += uint64_t(n), len -= uint64_t(n);
    }
    return 0;
}

int DiskImage::read(uint64_t offset, void* buf, uint64_t len) {
    auto* out = static_cast<uint8_t*>(buf);
    if (overlay_fd_ < 0) return read_range(fd_, offset, out, len);
    // Runs of sectors that are all in the overlay, or all not.
    while (len > 0) {
        const uint64_t first = offset / kSectorSize;
        const bool in_overlay = sector_in_overlay_[first];
        uint64_t run = 0;
        while (run < len && sector_in_overlay_[(offset + run) / kSectorSize] == in_overlay) run += kSectorSize;
        run = std::min(run, len);
        if (int err = read_range(in_overlay ? overlay_fd_ : fd_, offset, out, run)) return err;
        out += run, offset += run, len -= run;
    }
    return 0;
}

int DiskImage::write(uint64_t offset, const void* buf, uint64_t len) {
    if (opts_.read_only) return EROFS;
    const int fd = overlay_fd_ >= 0 ? overlay_fd_ : fd_;
    auto* in = static_cast<const uint8_t*>(buf);
    for (uint64_t done = 0; done < len;) {
        const ssize_t n = ::pwrite(fd, in + done, len - done, off_t(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return errno;
        done += uint64_t(n);
    }
    if (overlay_fd_ >= 0)
        for (uint64_t s = offset / kSectorSize; s < (offset + len) / kSectorSize; ++s) sector_in_overlay_[s] = true;
    return 0;
}

int DiskImage::write_done() {
    if (overlay_fd_ >= 0 || opts_.cache != CacheMode::WRITETHROUGH) return 0;
    ++syncs_;
    return fdatasync(fd_) == 0 ? 0 : errno;
}

int DiskImage::flush() {
    if (overlay_fd_ >= 0 || opts_.cache != CacheMode::WRITEBACK) return 0;  // nothing volatile, or nothing kept
    ++syncs_;
    return fdatasync(fd_) == 0 ? 0 : errno;
}

}  // namespace mipshv
