// Reading a host file that the board takes in whole: the kernel, the initrd,
// a System.map, a RunRecord (and later snapshots, replay logs and cost
// profiles). The file's type is checked before anything is read, so a FIFO,
// a character device (/dev/zero, /dev/urandom) or a directory is refused at
// once instead of blocking or reading forever, and its size is capped at what
// the caller can hold. Every failure is one mipshv::Error line naming the
// option: "mipshv: -initrd /dev/zero: a character device, not a regular file".
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace mipshv {

struct HostFileSpec {
    std::string option;   // as the user spelled it: "-kernel", "-initrd", "--system-map", "stats"
    std::string path;
    uint64_t max_bytes;   // a larger file is refused
    std::string limit_is = "the limit";  // what max_bytes is: "the low RAM the guest has"
};

// The file's whole contents. Only regular files are read: every other type,
// a dangling symbolic link, an unreadable file, an I/O error while reading
// and a file over spec.max_bytes (however it reports its size, /proc files
// say 0) throw Error.
std::vector<uint8_t> read_host_file(const HostFileSpec& spec);

// "1.5 GiB", "640 KiB", "17 bytes": sizes in error messages.
std::string describe_size(uint64_t bytes);

}  // namespace mipshv
