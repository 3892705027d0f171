#include "hv/dev/semihosting.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <unistd.h>

#include "hv/cpu/cpu.h"
#include "hv/cpu/mmu.h"

namespace mipshv {

namespace {
// UHI operation numbers.
enum UhiOp : uint64_t {
    EXIT = 1, OPEN = 2, CLOSE = 3, READ = 4, WRITE = 5, LSEEK = 6, UNLINK = 7, FSTAT = 8,
    ARGC = 9, ARGNLEN = 10, ARGN = 11, RAMRANGE = 12, PLOG = 13, ASSERT = 14,
    EXCEPTION = 15, PREAD = 19, PWRITE = 20, LINK = 22, BOOTFAIL = 23,
};
// Guest-requested transfers are served in pieces of this size at most, so a
// huge length cannot make the host allocate without bound.
constexpr uint64_t kMaxChunk = 64 * 1024;
constexpr size_t kMaxString = 4096;
}  // namespace

Semihosting::Semihosting(std::vector<std::string> argv, int out_fd, int err_fd, int in_fd)
    : argv_(std::move(argv)), out_fd_(out_fd), err_fd_(err_fd), in_fd_(in_fd), reported_ops_(64, false) {}

int Semihosting::host_fd(uint64_t guest_fd) const {
    switch (guest_fd) {
        case 0: return in_fd_;
        case 1: return out_fd_;
        case 2: return err_fd_;
        default: return -1;
    }
}

bool Semihosting::read_guest_string(Cpu& c, uint64_t va, std::string& out) {
    out.clear();
    for (size_t n = 0; n < kMaxString; ++n) {
        char ch;
        if (!copy_from_guest(c, va + n, &ch, 1)) return false;
        if (ch == 0) return true;
        out.push_back(ch);
    }
    return false;
}

int64_t Semihosting::write(Cpu& c, uint64_t fd, uint64_t buf, uint64_t len, int64_t& err) {
    int hfd = host_fd(fd);
    if (hfd < 0 || fd == 0) return err = EBADF, -1;
    std::vector<uint8_t> tmp;
    uint64_t done = 0;
    while (done < len) {
        uint64_t n = std::min(len - done, kMaxChunk);
        tmp.resize(n);
        if (!copy_from_guest(c, buf + done, tmp.data(), n)) return err = EFAULT, -1;
        if (console_ && console_->carries_semihosting_output()) {
            console_->write(tmp.data(), n);
            done += n;
            continue;
        }
        for (uint64_t off = 0; off < n;) {
            ssize_t w = ::write(hfd, tmp.data() + off, n - off);
            if (w < 0 && errno == EINTR) continue;
            if (w < 0) return err = errno, -1;
            off += uint64_t(w);
        }
        done += n;
    }
    return int64_t(done);
}

int64_t Semihosting::read(Cpu& c, uint64_t fd, uint64_t buf, uint64_t len, int64_t& err) {
    if (fd != 0) return err = EBADF, -1;
    std::vector<uint8_t> tmp(std::min(len, kMaxChunk));
    // Through a console, a read waits for input as ::read does (a memory console has none to wait for).
    ssize_t r = console_ ? ssize_t(console_->read_input(tmp.data(), tmp.size(), -1)) : ::read(in_fd_, tmp.data(), tmp.size());
    if (r < 0) return err = errno, -1;
    if (!copy_to_guest(c, buf, tmp.data(), uint64_t(r))) return err = EFAULT, -1;
    return r;
}

// The console is the only file: ":tt" opens it (UHI's name for it).
int64_t Semihosting::open(Cpu& c, uint64_t path, int64_t& err) {
    std::string name;
    if (!read_guest_string(c, path, name)) return err = EFAULT, -1;
    if (name == ":tt") return 1;
    return err = EACCES, -1;
}

// plog prints a string, with the first %d replaced by the second argument.
int64_t Semihosting::plog(Cpu& c, uint64_t fmt, uint64_t value, int64_t& err) {
    std::string s;
    if (!read_guest_string(c, fmt, s)) return err = EFAULT, -1;
    if (size_t pos = s.find("%d"); pos != std::string::npos)
        s = s.substr(0, pos) + std::to_string(int32_t(value)) + s.substr(pos + 2);
    if (console_ && console_->carries_semihosting_output()) {
        console_->write(reinterpret_cast<const uint8_t*>(s.data()), s.size());
        return int64_t(s.size());
    }
    ssize_t w = ::write(out_fd_, s.data(), s.size());
    return w < 0 ? (err = errno, -1) : int64_t(s.size());
}

void Semihosting::call(Cpu& c, const Insn&) {
    uint64_t* r = c.gpr;
    const uint64_t op = r[25], a0 = r[4], a1 = r[5], a2 = r[6];
    int64_t result = 0, err = 0;
    ++c.counters.semihosting_calls;
    switch (op) {
        case EXIT:
            c.exit_code = int(int32_t(a0));
            c.request_stop(StopReason::HALT);
            return;
        case WRITE: result = write(c, a0, a1, a2, err); break;
        case READ: result = read(c, a0, a1, a2, err); break;
        case OPEN: result = open(c, a0, err); break;
        case CLOSE: result = a0 <= 2 ? 0 : (err = EBADF, -1); break;
        case ARGC: result = int64_t(argv_.size()); break;
        case ARGNLEN:
            result = a0 < argv_.size() ? int64_t(argv_[a0].size()) : (err = EINVAL, -1);
            break;
        case ARGN:
            if (a0 >= argv_.size()) result = -1, err = EINVAL;
            else if (!copy_to_guest(c, a1, argv_[a0].c_str(), argv_[a0].size() + 1)) result = -1, err = EFAULT;
            break;
        case PLOG: result = plog(c, a0, a1, err); break;
        case ASSERT: {
            std::string msg, file;
            read_guest_string(c, a0, msg);
            read_guest_string(c, a1, file);
            std::fprintf(stderr, "mipshv: guest assertion failed: %s at %s:%d\n", msg.c_str(), file.c_str(), int(a2));
            c.exit_code = 1;
            c.request_stop(StopReason::HALT);
            return;
        }
        default:
            if (op < reported_ops_.size() && !reported_ops_[op]) {
                reported_ops_[op] = true;
                std::fprintf(stderr, "mipshv: UHI operation %llu is not supported\n", (unsigned long long)op);
            }
            result = -1;
            err = ENOSYS;
            break;
    }
    r[2] = uint64_t(result);
    r[3] = uint64_t(err);
}

}  // namespace mipshv
