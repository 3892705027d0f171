// --pcap (hv/net/pcap_writer.h): libpcap's file format with nanosecond
// timestamps and Ethernet frames, each record on disk as soon as it is
// written.
#include <catch2/catch.hpp>

#include <cstring>
#include <string>
#include <vector>

#include "hv/common/error.h"
#include "hv/net/pcap_writer.h"
#include "temp_file.h"

using namespace mipshv;

namespace {
uint32_t le32(const std::vector<uint8_t>& v, size_t at) {
    return uint32_t(v[at]) | uint32_t(v[at + 1]) << 8 | uint32_t(v[at + 2]) << 16 | uint32_t(v[at + 3]) << 24;
}
uint16_t le16(const std::vector<uint8_t>& v, size_t at) { return uint16_t(v[at] | v[at + 1] << 8); }
}  // namespace

TEST_CASE("pcap: header, records with nanosecond timestamps, flushed per frame", "[net]") {
    TempFile file({});
    std::vector<uint8_t> a(60), b(1518);
    for (size_t i = 0; i < a.size(); ++i) a[i] = uint8_t(i);
    for (size_t i = 0; i < b.size(); ++i) b[i] = uint8_t(255 - i);
    {
        PcapWriter pcap(file.path);
        pcap.write(a.data(), a.size(), 1'234'567'890'123ull);
        const auto one = file.contents();  // readable while the run goes on
        REQUIRE(one.size() == 24 + 16 + 60);
        CHECK(le32(one, 0) == 0xa1b23c4d);  // nanosecond resolution
        CHECK(le16(one, 4) == 2);
        CHECK(le16(one, 6) == 4);
        CHECK(le32(one, 8) == 0);      // thiszone
        CHECK(le32(one, 12) == 0);     // sigfigs
        CHECK(le32(one, 16) >= 1518);  // snaplen
        CHECK(le32(one, 20) == 1);     // LINKTYPE_ETHERNET
        CHECK(le32(one, 24) == 1234);
        CHECK(le32(one, 28) == 567'890'123);
        CHECK(le32(one, 32) == 60);
        CHECK(le32(one, 36) == 60);
        CHECK(std::vector<uint8_t>(one.begin() + 40, one.end()) == a);

        pcap.write(b.data(), b.size(), 999'999'999ull);
        pcap.write(a.data(), 14, 0);
    }
    const auto all = file.contents();
    REQUIRE(all.size() == 24 + (16 + 60) + (16 + 1518) + (16 + 14));
    size_t at = 24 + 16 + 60;
    CHECK(le32(all, at) == 0);
    CHECK(le32(all, at + 4) == 999'999'999);
    CHECK(le32(all, at + 8) == 1518);
    CHECK(le32(all, at + 12) == 1518);
    CHECK(std::memcmp(all.data() + at + 16, b.data(), b.size()) == 0);
    at += 16 + 1518;
    CHECK(le32(all, at) == 0);
    CHECK(le32(all, at + 4) == 0);
    CHECK(le32(all, at + 8) == 14);
    CHECK(std::memcmp(all.data() + at + 16, a.data(), 14) == 0);
}

// A capture must be readable (tshark accepts an empty capture, not an empty
// file) from the start, also when the run is killed before the first frame.
TEST_CASE("pcap: the header is on disk before the first frame", "[net]") {
    TempFile file({});
    PcapWriter pcap(file.path);
    const auto header = file.contents();
    REQUIRE(header.size() == 24);
    CHECK(le32(header, 0) == 0xa1b23c4d);
}

TEST_CASE("pcap: a file that cannot be created is a one-line Error", "[net]") {
    const std::string path = temp_dir() + "/mipshv-no-such-dir-xyz/out.pcap";
    try {
        PcapWriter pcap(path);
        FAIL("no Error for " << path);
    } catch (const Error& e) {
        const std::string m = e.what();
        CHECK(m.rfind("mipshv: --pcap ", 0) == 0);
        CHECK(m.find(path) != std::string::npos);
        CHECK(m.find('\n') == std::string::npos);
    }
}
