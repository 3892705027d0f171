#include "hv/common/host_file.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "hv/common/error.h"

namespace mipshv {

namespace {

[[noreturn]] void fail(const HostFileSpec& spec, const std::string& what) {
    throw Error("mipshv: " + spec.option + " " + spec.path + ": " + what);
}

// A file that turned out larger than its cap while it was read.
constexpr uint64_t kUnknownSize = ~0ull;

const char* type_name(mode_t mode) {
    if (S_ISDIR(mode)) return "a directory";
    if (S_ISCHR(mode)) return "a character device";
    if (S_ISBLK(mode)) return "a block device";
    if (S_ISFIFO(mode)) return "a FIFO";
    if (S_ISSOCK(mode)) return "a socket";
    return "not a regular file";
}

void require_regular(const HostFileSpec& spec, const struct stat& st) {
    if (!S_ISREG(st.st_mode)) fail(spec, std::string(type_name(st.st_mode)) + ", not a regular file");
}

void require_fits(const HostFileSpec& spec, uint64_t bytes) {
    if (bytes > spec.max_bytes)
        fail(spec, (bytes == kUnknownSize ? std::string("more") : describe_size(bytes) + ", more") + " than " +
                       spec.limit_is + " (" + describe_size(spec.max_bytes) + ")");
}

// Closes the descriptor on every way out, exceptions included.
struct Fd {
    int fd;
    ~Fd() {
        if (fd >= 0) ::close(fd);
    }
};

}  // namespace

std::string describe_size(uint64_t bytes) {
    static const char* const kUnits[] = {"KiB", "MiB", "GiB", "TiB"};
    if (bytes < 1024) return std::to_string(bytes) + (bytes == 1 ? " byte" : " bytes");
    double value = double(bytes) / 1024;
    unsigned unit = 0;
    for (; value >= 1024 && unit + 1 < std::size(kUnits); ++unit) value /= 1024;
    char text[32];
    std::snprintf(text, sizeof text, value == double(uint64_t(value)) ? "%.0f %s" : "%.1f %s", value, kUnits[unit]);
    return text;
}

std::vector<uint8_t> read_host_file(const HostFileSpec& spec) {
    // The type first, from the path: opening a FIFO would wait for a writer.
    struct stat st {};
    if (::stat(spec.path.c_str(), &st) != 0) {
        const int err = errno;
        struct stat link {};
        if (err == ENOENT && ::lstat(spec.path.c_str(), &link) == 0 && S_ISLNK(link.st_mode))
            fail(spec, "a symbolic link to a file that does not exist");
        fail(spec, std::string("cannot open: ") + std::strerror(err));
    }
    require_regular(spec, st);
    require_fits(spec, uint64_t(st.st_size));
    // O_NONBLOCK as well: the path may have been replaced by a FIFO since.
    const Fd file{::open(spec.path.c_str(), O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK)};
    if (file.fd < 0) fail(spec, std::string("cannot open: ") + std::strerror(errno));
    if (::fstat(file.fd, &st) != 0) fail(spec, std::string("cannot read: ") + std::strerror(errno));
    require_regular(spec, st);

    // Read to the end rather than to st_size: /proc and /sys files report 0
    // and the file may grow while it is read; one byte past the cap is enough
    // to know it is too large.
    std::vector<uint8_t> bytes(size_t(std::min<uint64_t>(uint64_t(st.st_size), spec.max_bytes)));
    size_t have = 0;
    for (;;) {
        if (have == bytes.size()) {
            if (have > spec.max_bytes) require_fits(spec, kUnknownSize);
            bytes.resize(std::min<uint64_t>(std::max<uint64_t>(2 * have, 64 << 10), spec.max_bytes + 1));
        }
        const ssize_t n = ::read(file.fd, bytes.data() + have, bytes.size() - have);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) fail(spec, std::string("cannot read: ") + std::strerror(errno));
        if (n == 0) break;
        have += size_t(n);
    }
    require_fits(spec, have > spec.max_bytes ? kUnknownSize : have);
    bytes.resize(have);
    return bytes;
}

}  // namespace mipshv
