// The host side of a virtual disk (hv/block/drive.h): the -drive option
// and the raw image behind it (locking, snapshot overlay, cache modes),
// as MANUAL.md §3 "Virtual disks" documents them.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fcntl.h>
#include <string>
#include <csignal>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

#include "hv/block/drive.h"
#include "temp_file.h"
#include "hv/common/error.h"

using namespace mipshv;

namespace {


// `sectors` sectors, byte i holding (i * 7 + 3) & 0xff.
std::vector<uint8_t> pattern(uint64_t sectors) {
    std::vector<uint8_t> v(sectors * 512);
    for (size_t i = 0; i < v.size(); ++i) v[i] = uint8_t(i * 7 + 3);
    return v;
}

// Every -drive error is one line that starts with "mipshv: -drive".
void check_drive_message(const std::string& message) {
    INFO(message);
    CHECK(message.rfind("mipshv: -drive", 0) == 0);
    CHECK(message.find('\n') == std::string::npos);
}

std::string parse_error(const std::string& spec) {
    INFO(spec);
    try {
        parse_drive(spec);
    } catch (const Error& e) {
        check_drive_message(e.what());
        return e.what();
    }
    FAIL("expected mipshv::Error for -drive " << spec);
    return {};
}

std::string open_error(const DriveOptions& o) {
    try {
        DiskImage image(o);
    } catch (const Error& e) {
        check_drive_message(e.what());
        return e.what();
    }
    FAIL("expected mipshv::Error opening " << o.file);
    return {};
}

DriveOptions drive(const std::string& file, const std::string& extra = "") {
    return parse_drive("file=" + file + ",format=raw,if=virtio" + extra);
}

}  // namespace

TEST_CASE("parse_drive: the documented spelling and its defaults", "[drive]") {
    const DriveOptions o = parse_drive("file=disk.img,format=raw,if=virtio");
    CHECK(o.file == "disk.img");
    CHECK_FALSE(o.read_only);
    CHECK_FALSE(o.snapshot);
    CHECK(o.cache == CacheMode::WRITEBACK);
    CHECK(o.serial.empty());
}

TEST_CASE("parse_drive: every option, in any order", "[drive]") {
    const DriveOptions o =
        parse_drive("serial=abc-123,cache=writethrough,snapshot=on,readonly=on,if=virtio,format=raw,file=/x/y.img");
    CHECK(o.file == "/x/y.img");
    CHECK(o.read_only);
    CHECK(o.snapshot);
    CHECK(o.cache == CacheMode::WRITETHROUGH);
    CHECK(o.serial == "abc-123");

    CHECK(parse_drive("file=a,readonly=off,snapshot=off").read_only == false);
    CHECK(parse_drive("file=a,readonly=off,snapshot=off").snapshot == false);
    CHECK(parse_drive("file=a,cache=writeback").cache == CacheMode::WRITEBACK);
    CHECK(parse_drive("file=a,cache=unsafe").cache == CacheMode::UNSAFE);
    // Exactly 20 bytes (VIRTIO_BLK_ID_BYTES) is allowed.
    CHECK(parse_drive("file=a,serial=01234567890123456789").serial == "01234567890123456789");
}

TEST_CASE("parse_drive: ',,' is a literal comma inside a value", "[drive]") {
    CHECK(parse_drive("file=a,,b.img,format=raw").file == "a,b.img");
    CHECK(parse_drive("file=a,,,,b,if=virtio").file == "a,,b");
    CHECK(parse_drive("file=x,serial=s,,t").serial == "s,t");
    // A value may end in a comma.
    CHECK(parse_drive("file=img,,,format=raw").file == "img,");
    CHECK(parse_drive("file=img,,").file == "img,");
}

TEST_CASE("parse_drive: bad options are one-line errors", "[drive]") {
    CHECK_THAT(parse_error("file=a,bogus=1"), Catch::Contains("bogus"));
    CHECK_THAT(parse_error("file=a,format=qcow2"), Catch::Contains("qcow2"));
    CHECK_THAT(parse_error("file=a,if=ide"), Catch::Contains("ide"));
    CHECK_THAT(parse_error("file=a,readonly=yes"), Catch::Contains("on or off"));
    CHECK_THAT(parse_error("file=a,snapshot=1"), Catch::Contains("on or off"));
    CHECK_THAT(parse_error("file=a,readonly=ON"), Catch::Contains("on or off"));
    CHECK_THAT(parse_error("file=a,cache=none"), Catch::Contains("none"));
    CHECK_THAT(parse_error("file=a,cache=directsync"), Catch::Contains("cache"));
    CHECK_THAT(parse_error("file=a,serial=012345678901234567890"), Catch::Contains("20 bytes"));
    CHECK_THAT(parse_error("format=raw,if=virtio"), Catch::Contains("file"));
    CHECK_THAT(parse_error("file=,format=raw"), Catch::Contains("file"));
    CHECK_THAT(parse_error(""), Catch::Contains("key=value"));
    CHECK_THAT(parse_error("file=a,"), Catch::Contains("key=value"));
    CHECK_THAT(parse_error("file=a,readonly"), Catch::Contains("key=value"));
    CHECK_THAT(parse_error("file=a,=on"), Catch::Contains("key=value"));
    CHECK_THAT(parse_error("file=a,file=b"), Catch::Contains("twice"));
    CHECK_THAT(parse_error("file=a,format=raw,format=raw"), Catch::Contains("twice"));
    CHECK_THAT(parse_error("file=a,readonly=on,readonly=off"), Catch::Contains("twice"));
}

TEST_CASE("DiskImage: capacity, reads and writes", "[drive]") {
    TempFile f(pattern(8));
    DiskImage image(drive(f.path));
    CHECK(image.sectors() == 8);
    CHECK(image.writable());
    CHECK(image.has_write_cache());

    std::vector<uint8_t> buf(1024);
    REQUIRE(image.read(512 * 3, buf.data(), buf.size()) == 0);
    const std::vector<uint8_t> want = pattern(8);
    CHECK(std::equal(buf.begin(), buf.end(), want.begin() + 512 * 3));

    std::vector<uint8_t> ones(512, 0xa5);
    REQUIRE(image.write(512 * 7, ones.data(), ones.size()) == 0);
    REQUIRE(image.read(512 * 7, buf.data(), 512) == 0);
    CHECK(std::all_of(buf.begin(), buf.begin() + 512, [](uint8_t b) { return b == 0xa5; }));
    // The write reached the file (the host page cache) at once.
    const std::vector<uint8_t> now = f.contents();
    REQUIRE(now.size() == 8 * 512);
    CHECK(std::all_of(now.begin() + 7 * 512, now.end(), [](uint8_t b) { return b == 0xa5; }));
    CHECK(std::equal(now.begin(), now.begin() + 7 * 512, want.begin()));
}

TEST_CASE("DiskImage: a missing, odd-sized or non-regular image is an error", "[drive]") {
    CHECK_THAT(open_error(drive(temp_dir() + "/mipshv-no-such-image-XYZ.img")), Catch::Contains("cannot open"));
    TempFile odd(std::vector<uint8_t>(1000, 0));
    CHECK_THAT(open_error(drive(odd.path)), Catch::Contains("512"));
    TempFile odd_ro(std::vector<uint8_t>(513, 0));
    CHECK_THAT(open_error(drive(odd_ro.path, ",readonly=on")), Catch::Contains("512"));
    CHECK_THAT(open_error(drive(temp_dir(), ",readonly=on")), Catch::Contains("not a regular file"));
}

TEST_CASE("DiskImage: a FIFO is refused at once, not waited on", "[drive]") {
    // "not a regular file or block device" is checked after open(); an
    // O_RDONLY open of a FIFO blocks until some writer appears, so the
    // check must not depend on the open returning. Each attempt runs in a
    // child process so that a hang fails the test instead of the suite.
    std::string dir = temp_dir() + "/mipshv-fifo-XXXXXX";
    REQUIRE(mkdtemp(dir.data()) != nullptr);
    const std::string fifo = dir + "/disk.img";
    REQUIRE(mkfifo(fifo.c_str(), 0600) == 0);
    for (const char* extra : {"", ",readonly=on", ",snapshot=on"}) {
        INFO("-drive file=FIFO" << extra);
        const DriveOptions o = drive(fifo, extra);
        const pid_t pid = fork();
        REQUIRE(pid >= 0);
        if (pid == 0) {
            try {
                DiskImage image(o);
                _exit(2);  // opened: wrong
            } catch (const Error& e) {
                _exit(std::string(e.what()).rfind("mipshv: -drive", 0) == 0 ? 0 : 3);
            } catch (...) {
                _exit(4);
            }
        }
        int status = 0;
        bool finished = false;
        for (int i = 0; i < 50 && !finished; ++i) {  // up to 0.5 s
            finished = waitpid(pid, &status, WNOHANG) == pid;
            if (!finished) usleep(10000);
        }
        if (!finished) {
            ::kill(pid, SIGKILL);
            waitpid(pid, &status, 0);
        }
        CHECK(finished);  // false: DiskImage hung in open()
        if (finished) {
            CHECK(WIFEXITED(status));
            CHECK(WEXITSTATUS(status) == 0);  // a one-line mipshv::Error
        }
    }
    ::unlink(fifo.c_str());
    ::rmdir(dir.c_str());
}

TEST_CASE("DiskImage: one writer at a time, readers share", "[drive]") {
    TempFile f(pattern(4));
    SECTION("two writers") {
        DiskImage first(drive(f.path));
        CHECK_THAT(open_error(drive(f.path)), Catch::Contains("locked"));
        CHECK_THAT(open_error(drive(f.path, ",cache=unsafe")), Catch::Contains("locked"));
    }
    SECTION("a writer, then a reader or a snapshot") {
        DiskImage first(drive(f.path));
        CHECK_THAT(open_error(drive(f.path, ",readonly=on")), Catch::Contains("locked"));
        CHECK_THAT(open_error(drive(f.path, ",snapshot=on")), Catch::Contains("locked"));
    }
    SECTION("readers, then a writer") {
        DiskImage a(drive(f.path, ",readonly=on"));
        DiskImage b(drive(f.path, ",readonly=on"));
        DiskImage c(drive(f.path, ",snapshot=on"));
        CHECK(a.sectors() == 4);
        CHECK(b.sectors() == 4);
        CHECK_THAT(open_error(drive(f.path)), Catch::Contains("locked"));
    }
    SECTION("the lock goes with the image") {
        { DiskImage first(drive(f.path)); }
        DiskImage second(drive(f.path));
        CHECK(second.writable());
    }
}

TEST_CASE("DiskImage: readonly=on refuses writes", "[drive]") {
    TempFile f(pattern(2));
    DiskImage image(drive(f.path, ",readonly=on"));
    CHECK_FALSE(image.writable());
    std::vector<uint8_t> zeros(512, 0);
    CHECK(image.write(0, zeros.data(), zeros.size()) != 0);
    CHECK(f.contents() == pattern(2));
}

TEST_CASE("DiskImage: snapshot=on keeps writes in a discarded overlay", "[drive]") {
    TempFile f(pattern(8));
    {
        DiskImage image(drive(f.path, ",snapshot=on"));
        CHECK(image.writable());
        std::vector<uint8_t> mark(1024, 0x5a);
        REQUIRE(image.write(512 * 2, mark.data(), mark.size()) == 0);  // sectors 2 and 3
        std::vector<uint8_t> buf(8 * 512);
        REQUIRE(image.read(0, buf.data(), buf.size()) == 0);
        const std::vector<uint8_t> want = pattern(8);
        // Sectors 0-1 and 4-7 from the image, 2-3 from the overlay.
        CHECK(std::equal(buf.begin(), buf.begin() + 1024, want.begin()));
        CHECK(std::all_of(buf.begin() + 1024, buf.begin() + 2048, [](uint8_t b) { return b == 0x5a; }));
        CHECK(std::equal(buf.begin() + 2048, buf.end(), want.begin() + 2048));
        // A read that starts inside the overlay and ends in the image.
        std::vector<uint8_t> part(1024);
        REQUIRE(image.read(512 * 3, part.data(), part.size()) == 0);
        CHECK(std::all_of(part.begin(), part.begin() + 512, [](uint8_t b) { return b == 0x5a; }));
        CHECK(std::equal(part.begin() + 512, part.end(), want.begin() + 4 * 512));
        // The file itself never changes, not even while the image is open.
        CHECK(f.contents() == want);
        CHECK(image.flush() == 0);
        CHECK(image.syncs() == 0);
    }
    CHECK(f.contents() == pattern(8));
    // The next run starts from the same disk.
    DiskImage again(drive(f.path, ",snapshot=on"));
    std::vector<uint8_t> buf(1024);
    REQUIRE(again.read(512 * 2, buf.data(), buf.size()) == 0);
    const std::vector<uint8_t> want = pattern(8);
    CHECK(std::equal(buf.begin(), buf.end(), want.begin() + 1024));
}

TEST_CASE("DiskImage: cache modes decide when data is synced", "[drive]") {
    TempFile f(pattern(4));
    std::vector<uint8_t> data(512, 0x11);
    SECTION("writethrough: once per completed write request, no flush feature") {
        DiskImage image(drive(f.path, ",cache=writethrough"));
        CHECK_FALSE(image.has_write_cache());
        REQUIRE(image.write(0, data.data(), 512) == 0);
        REQUIRE(image.write(512, data.data(), 512) == 0);
        CHECK(image.syncs() == 0);
        REQUIRE(image.write_done() == 0);
        CHECK(image.syncs() == 1);
        REQUIRE(image.write(512, data.data(), 512) == 0);
        REQUIRE(image.write_done() == 0);
        CHECK(image.syncs() == 2);
        CHECK(image.flush() == 0);
        CHECK(image.syncs() == 2);
    }
    SECTION("writeback: on flush only") {
        DiskImage image(drive(f.path, ",cache=writeback"));
        CHECK(image.has_write_cache());
        REQUIRE(image.write(0, data.data(), 512) == 0);
        REQUIRE(image.write(512, data.data(), 512) == 0);
        CHECK(image.syncs() == 0);
        CHECK(image.flush() == 0);
        CHECK(image.syncs() == 1);
        CHECK(image.flush() == 0);
        CHECK(image.syncs() == 2);
    }
    SECTION("unsafe: never") {
        DiskImage image(drive(f.path, ",cache=unsafe"));
        CHECK(image.has_write_cache());
        REQUIRE(image.write(0, data.data(), 512) == 0);
        CHECK(image.flush() == 0);
        CHECK(image.syncs() == 0);
        // Still written through to the file (the host page cache).
        CHECK(f.contents()[0] == 0x11);
    }
}
