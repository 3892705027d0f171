// A temporary file with given contents, removed when the test ends.
#pragma once
#include <catch2/catch.hpp>

#include <cstdint>
#include <cstdlib>
#include <fcntl.h>
#include <string>
#include <unistd.h>
#include <vector>

// $TMPDIR, or /tmp.
inline std::string temp_dir() {
    const char* dir = std::getenv("TMPDIR");
    return dir && *dir ? dir : "/tmp";
}

struct TempFile {
    std::string path;
    explicit TempFile(const std::vector<uint8_t>& bytes) {
        std::string pattern = temp_dir() + "/mipshv-test-XXXXXX";
        const int fd = mkstemp(pattern.data());
        REQUIRE(fd >= 0);
        path = pattern;
        REQUIRE(::write(fd, bytes.data(), bytes.size()) == ssize_t(bytes.size()));
        ::close(fd);
    }
    ~TempFile() { ::unlink(path.c_str()); }
    TempFile(const TempFile&) = delete;
    TempFile& operator=(const TempFile&) = delete;

    std::vector<uint8_t> contents() const {
        std::vector<uint8_t> out;
        const int fd = ::open(path.c_str(), O_RDONLY);
        REQUIRE(fd >= 0);
        uint8_t buf[8192];
        for (ssize_t n; (n = ::read(fd, buf, sizeof buf)) > 0;) out.insert(out.end(), buf, buf + n);
        ::close(fd);
        return out;
    }
};
