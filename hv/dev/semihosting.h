// MIPS UHI semihosting (SDBBP 1): the hypercall interface bare-metal test
// programs use for console I/O, arguments and exit, compatible with QEMU's
// and the MIPS toolchains' conventions. Operation in $25, arguments in
// $4..$7, result in $2 and errno in $3. Only the console is reachable: the
// guest cannot open host files.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "hv/board/console_backend.h"

namespace mipshv {

struct Cpu;
struct Insn;

class Semihosting {
public:
    // argv as UHI argc/argn report it: the kernel path, then -append's words.
    Semihosting(std::vector<std::string> argv, int out_fd = 1, int err_fd = 2, int in_fd = 0);
    void call(Cpu& c, const Insn& i);
    // Send the guest's stdout/stderr writes (and take its reads) through a
    // console instead of host file descriptors (the Python API uses this).
    void set_console(ConsoleBackend* console) { console_ = console; }

private:
    int64_t write(Cpu& c, uint64_t fd, uint64_t buf, uint64_t len, int64_t& err);
    int64_t read(Cpu& c, uint64_t fd, uint64_t buf, uint64_t len, int64_t& err);
    int64_t open(Cpu& c, uint64_t path, int64_t& err);
    int64_t plog(Cpu& c, uint64_t fmt, uint64_t value, int64_t& err);
    bool read_guest_string(Cpu& c, uint64_t va, std::string& out);
    int host_fd(uint64_t guest_fd) const;

    std::vector<std::string> argv_;
    int out_fd_, err_fd_, in_fd_;
    std::vector<bool> reported_ops_;
    ConsoleBackend* console_ = nullptr;
};

}  // namespace mipshv
