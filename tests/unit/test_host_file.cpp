// read_host_file against host files of every type: each is read whole or
// refused at once with one line naming the option, never blocked on or read
// forever (a FIFO without a writer, /dev/zero).
#include <catch2/catch.hpp>
#include <fcntl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "hv/common/error.h"
#include "hv/common/host_file.h"

namespace fs = std::filesystem;
using mipshv::HostFileSpec;
using mipshv::read_host_file;

namespace {

// A scratch directory, removed with everything in it.
struct ScratchDir {
    fs::path path;
    ScratchDir() {
        std::string templ = (fs::temp_directory_path() / "host-file-XXXXXX").string();
        REQUIRE(mkdtemp(templ.data()));
        path = templ;
    }
    ~ScratchDir() { fs::remove_all(path); }
    std::string operator/(const std::string& name) const { return (path / name).string(); }
};

std::vector<uint8_t> random_bytes(size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::vector<uint8_t> bytes(n);
    for (uint8_t& b : bytes) b = uint8_t(gen());
    return bytes;
}

void write_file(const std::string& path, const std::vector<uint8_t>& bytes) {
    std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
}

// The message read_host_file refused `path` with, or "" when it read it;
// each call must return within a second, refusals included.
std::string refusal(const std::string& path, uint64_t max_bytes = 1 << 20, const std::string& option = "-initrd") {
    const auto start = std::chrono::steady_clock::now();
    std::string message;
    try {
        read_host_file({option, path, max_bytes});
    } catch (const mipshv::Error& e) {
        message = e.what();
    }
    CHECK(std::chrono::steady_clock::now() - start < std::chrono::seconds(1));
    if (!message.empty()) {
        CHECK(message.rfind("mipshv: " + option + " " + path + ": ", 0) == 0);
        CHECK(message.find('\n') == std::string::npos);
    }
    return message;
}

bool root() { return geteuid() == 0; }

}  // namespace

TEST_CASE("read_host_file reads regular files whole, up to and including the limit", "[host_file]") {
    ScratchDir dir;
    for (size_t size : {size_t{1}, size_t{4095}, size_t{65536}, size_t{65537}, size_t{300000}}) {
        const auto bytes = random_bytes(size, unsigned(size));
        write_file(dir / "f", bytes);
        CHECK(read_host_file({"-initrd", dir / "f", size}) == bytes);
        CHECK(refusal(dir / "f", size - 1) == "mipshv: -initrd " + (dir / "f") + ": " +
                                                  mipshv::describe_size(size) + ", more than the limit (" +
                                                  mipshv::describe_size(size - 1) + ")");
    }
    write_file(dir / "empty", {});
    CHECK(read_host_file({"-initrd", dir / "empty", 10}).empty());
    // Through a symbolic link, the file it names.
    write_file(dir / "target", {1, 2, 3});
    fs::create_symlink(dir / "target", dir / "link");
    CHECK(read_host_file({"-kernel", dir / "link", 10}) == std::vector<uint8_t>{1, 2, 3});
}

TEST_CASE("read_host_file reads files that report no size, and caps them", "[host_file]") {
    // /proc files say 0 bytes; their contents are read to the end.
    const auto status = read_host_file({"--system-map", "/proc/self/status", 1 << 20});
    CHECK(std::string(status.begin(), status.end()).find("Name:") != std::string::npos);
    CHECK(refusal("/proc/self/status", 16, "--system-map").find("more than the limit (16 bytes)") != std::string::npos);
}

TEST_CASE("read_host_file refuses every other type of file at once", "[host_file]") {
    ScratchDir dir;
    REQUIRE(mkfifo((dir / "fifo").c_str(), 0600) == 0);
    CHECK(refusal(dir / "fifo") == "mipshv: -initrd " + (dir / "fifo") + ": a FIFO, not a regular file");
    CHECK(refusal("/dev/zero") == "mipshv: -initrd /dev/zero: a character device, not a regular file");
    CHECK(refusal("/dev/urandom", 1 << 20, "-kernel") == "mipshv: -kernel /dev/urandom: a character device, not a regular file");
    CHECK(refusal("/dev/null") == "mipshv: -initrd /dev/null: a character device, not a regular file");
    CHECK(refusal(dir.path.string()) == "mipshv: -initrd " + dir.path.string() + ": a directory, not a regular file");

    const int sock = socket(AF_UNIX, SOCK_STREAM, 0);
    REQUIRE(sock >= 0);
    sockaddr_un addr{};
    addr.sun_family = AF_UNIX;
    const std::string sock_path = dir / "sock";
    REQUIRE(sock_path.size() < sizeof addr.sun_path);
    sock_path.copy(addr.sun_path, sock_path.size());
    REQUIRE(bind(sock, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    CHECK(refusal(sock_path) == "mipshv: -initrd " + sock_path + ": a socket, not a regular file");
    close(sock);

    // A symbolic link to one of those is the thing it names.
    fs::create_symlink("/dev/zero", dir / "zero-link");
    CHECK(refusal(dir / "zero-link") == "mipshv: -initrd " + (dir / "zero-link") + ": a character device, not a regular file");
    fs::create_symlink(dir / "fifo", dir / "fifo-link");
    CHECK(refusal(dir / "fifo-link") == "mipshv: -initrd " + (dir / "fifo-link") + ": a FIFO, not a regular file");

    if (root()) {  // device nodes of our own: a block device need not exist to be refused by type
        REQUIRE(mknod((dir / "blk").c_str(), S_IFBLK | 0600, makedev(7, 200)) == 0);
        CHECK(refusal(dir / "blk") == "mipshv: -initrd " + (dir / "blk") + ": a block device, not a regular file");
    }
}

TEST_CASE("read_host_file names missing, dangling and unreadable files", "[host_file]") {
    ScratchDir dir;
    CHECK(refusal(dir / "missing") == "mipshv: -initrd " + (dir / "missing") + ": cannot open: No such file or directory");
    fs::create_symlink(dir / "missing", dir / "dangling");
    CHECK(refusal(dir / "dangling") ==
          "mipshv: -initrd " + (dir / "dangling") + ": a symbolic link to a file that does not exist");
    fs::create_symlink(dir / "loop-b", dir / "loop-a");
    fs::create_symlink(dir / "loop-a", dir / "loop-b");
    CHECK(refusal(dir / "loop-a") == "mipshv: -initrd " + (dir / "loop-a") + ": cannot open: Too many levels of symbolic links");
    write_file(dir / "plain", {1});
    CHECK(refusal(dir / "plain/inside") == "mipshv: -initrd " + (dir / "plain/inside") + ": cannot open: Not a directory");
    // A read that fails: /proc/self/mem at offset 0 (nothing mapped there).
    CHECK(refusal("/proc/self/mem") == "mipshv: -initrd /proc/self/mem: cannot read: Input/output error");
}

TEST_CASE("read_host_file reports a file it has no permission to read", "[host_file]") {
    ScratchDir dir;
    write_file(dir / "secret", {1, 2, 3});
    REQUIRE(chmod((dir / "secret").c_str(), 0) == 0);
    REQUIRE(chmod(dir.path.c_str(), 0755) == 0);
    const std::string expected = "mipshv: -initrd " + (dir / "secret") + ": cannot open: Permission denied";
    if (!root()) {
        CHECK(refusal(dir / "secret") == expected);
        return;
    }
    // Root reads anything: try as nobody, in a child, and get the verdict back through a pipe.
    int fds[2];
    REQUIRE(pipe(fds) == 0);
    const pid_t child = fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        close(fds[0]);
        std::string message = "setuid failed";
        if (setgid(65534) == 0 && setuid(65534) == 0) {
            try {
                read_host_file({"-initrd", dir / "secret", 100});
                message = "read it";
            } catch (const mipshv::Error& e) {
                message = e.what();
            }
        }
        (void)!write(fds[1], message.data(), message.size());
        _exit(0);
    }
    close(fds[1]);
    std::string message;
    char buf[512];
    for (ssize_t n; (n = read(fds[0], buf, sizeof buf)) > 0;) message.append(buf, size_t(n));
    close(fds[0]);
    int status = 0;
    waitpid(child, &status, 0);
    CHECK(message == expected);
}

TEST_CASE("describe_size writes sizes for error lines", "[host_file]") {
    CHECK(mipshv::describe_size(0) == "0 bytes");
    CHECK(mipshv::describe_size(1) == "1 byte");
    CHECK(mipshv::describe_size(1023) == "1023 bytes");
    CHECK(mipshv::describe_size(1024) == "1 KiB");
    CHECK(mipshv::describe_size(1536) == "1.5 KiB");
    CHECK(mipshv::describe_size(256ull << 20) == "256 MiB");
    CHECK(mipshv::describe_size(3ull << 30) == "3 GiB");
}
