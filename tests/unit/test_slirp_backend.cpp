// User-mode networking (hv/net/slirp_backend.h) on its own: frames built by
// hand go in through from_guest(), slirp's answers come out through the
// sink. QEMU's network: the guest 52:54:00:12:34:56 at 10.0.2.15, the host
// and gateway 10.0.2.2 with slirp's MAC 52:55:0a:00:02:02.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <cstring>
#include <netinet/in.h>
#include <string>
#include <sys/socket.h>
#include <unistd.h>
#include <vector>

#include "hv/common/error.h"
#include "hv/net/net_options.h"
#include "hv/net/slirp_backend.h"

using namespace mipshv;

namespace {

using Frame = std::vector<uint8_t>;
const uint8_t kGuestMac[6] = {0x52, 0x54, 0x00, 0x12, 0x34, 0x56};
const uint8_t kSlirpMac[6] = {0x52, 0x55, 0x0a, 0x00, 0x02, 0x02};
const uint8_t kBroadcast[6] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
const uint8_t kGuestIp[4] = {10, 0, 2, 15}, kHostIp[4] = {10, 0, 2, 2};

void put16(Frame& f, size_t at, uint16_t v) {
    f[at] = uint8_t(v >> 8);
    f[at + 1] = uint8_t(v);
}
uint16_t get16(const Frame& f, size_t at) { return uint16_t(f[at] << 8 | f[at + 1]); }
void put(Frame& f, size_t at, const uint8_t* p, size_t n) { std::memcpy(f.data() + at, p, n); }
bool same(const Frame& f, size_t at, const uint8_t* p, size_t n) { return f.size() >= at + n && !std::memcmp(f.data() + at, p, n); }

// Ethernet header: destination, source, type.
Frame ethernet(const uint8_t* dst, const uint8_t* src, uint16_t type, size_t payload) {
    Frame f(14 + payload, 0);
    put(f, 0, dst, 6);
    put(f, 6, src, 6);
    put16(f, 12, type);
    return f;
}

// An ARP request from the guest for `target`, padded to 60 bytes.
Frame arp_request(const uint8_t* target) {
    Frame f = ethernet(kBroadcast, kGuestMac, 0x0806, 46);
    put16(f, 14, 1);        // Ethernet
    put16(f, 16, 0x0800);   // IPv4
    f[18] = 6;
    f[19] = 4;
    put16(f, 20, 1);        // request
    put(f, 22, kGuestMac, 6);
    put(f, 28, kGuestIp, 4);
    put(f, 38, target, 4);  // target hardware address left 0
    return f;
}

uint16_t ip_checksum(const uint8_t* p, size_t n) {
    uint32_t sum = 0;
    for (size_t i = 0; i + 1 < n; i += 2) sum += uint32_t(p[i] << 8 | p[i + 1]);
    while (sum >> 16) sum = (sum & 0xffff) + (sum >> 16);
    return uint16_t(~sum);
}

constexpr size_t kBootp = 236 + 312;  // BOOTP header, then the vendor area slirp expects in full
constexpr uint32_t kXid = 0x3903f326;

// A DHCP DISCOVER from the guest: 0.0.0.0:68 -> 255.255.255.255:67.
Frame dhcp_discover() {
    Frame f = ethernet(kBroadcast, kGuestMac, 0x0800, 20 + 8 + kBootp);
    uint8_t* ip = f.data() + 14;
    ip[0] = 0x45;
    put16(f, 16, uint16_t(20 + 8 + kBootp));  // total length
    ip[8] = 64;                               // TTL
    ip[9] = 17;                               // UDP
    std::memset(ip + 16, 0xff, 4);            // destination 255.255.255.255, source 0.0.0.0
    put16(f, 24, ip_checksum(ip, 20));
    put16(f, 34, 68);
    put16(f, 36, 67);
    put16(f, 38, uint16_t(8 + kBootp));  // UDP checksum 0: none
    uint8_t* b = f.data() + 42;
    b[0] = 1;  // BOOTREQUEST
    b[1] = 1;  // Ethernet
    b[2] = 6;
    b[4] = uint8_t(kXid >> 24), b[5] = uint8_t(kXid >> 16), b[6] = uint8_t(kXid >> 8), b[7] = uint8_t(kXid);
    std::memcpy(b + 28, kGuestMac, 6);  // chaddr
    const uint8_t options[] = {99, 130, 83, 99, 53, 1, 1 /*DISCOVER*/, 55, 3, 1, 3, 6, 255};
    std::memcpy(b + 236, options, sizeof options);
    return f;
}

// A backend on a clock the test sets, recording what it sends to the guest.
struct Net {
    uint64_t now_ns = 1'000'000'000;
    std::vector<Frame> to_guest;
    SlirpBackend backend;
    explicit Net(const NetdevOptions& opts = parse_netdev("user,id=net0"))
        : backend(opts, [this] { return now_ns; },
                  [this](const uint8_t* f, size_t n) { to_guest.emplace_back(f, f + n); }) {}
    void send(const Frame& f) { backend.from_guest(f.data(), f.size()); }
    // Frames so far, polling (and letting time pass) up to `rounds` times when there are none yet.
    const std::vector<Frame>& replies(int rounds = 5) {
        for (int k = 0; k < rounds && to_guest.empty(); ++k) {
            now_ns += 10'000'000;
            backend.poll(0);
        }
        return to_guest;
    }
};

// A socket bound on 127.0.0.1 to a port the kernel picks (listening, for TCP); returns the port.
struct BoundSocket {
    int fd = -1;
    uint16_t port = 0;
    explicit BoundSocket(bool udp) {
        fd = ::socket(AF_INET, udp ? SOCK_DGRAM : SOCK_STREAM, 0);
        REQUIRE(fd >= 0);
        sockaddr_in a{};
        a.sin_family = AF_INET;
        a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        REQUIRE(::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
        if (!udp) REQUIRE(::listen(fd, 1) == 0);
        socklen_t len = sizeof a;
        REQUIRE(::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0);
        port = ntohs(a.sin_port);
    }
    ~BoundSocket() { ::close(fd); }
};

// A port that was free a moment ago.
uint16_t free_port() {
    BoundSocket s(false);
    return s.port;
}

}  // namespace

TEST_CASE("slirp: an ARP request for the gateway gets slirp's answer", "[net]") {
    Net n;
    n.send(arp_request(kHostIp));
    const auto& got = n.replies();
    REQUIRE(got.size() == 1);
    const Frame& r = got[0];
    REQUIRE(r.size() >= 42);
    CHECK(same(r, 0, kGuestMac, 6));   // to the guest
    CHECK(same(r, 6, kSlirpMac, 6));   // from slirp
    CHECK(get16(r, 12) == 0x0806);
    CHECK(get16(r, 14) == 1);
    CHECK(get16(r, 16) == 0x0800);
    CHECK(r[18] == 6);
    CHECK(r[19] == 4);
    CHECK(get16(r, 20) == 2);          // reply
    CHECK(same(r, 22, kSlirpMac, 6));  // 10.0.2.2 is at 52:55:0a:00:02:02
    CHECK(same(r, 28, kHostIp, 4));
    CHECK(same(r, 32, kGuestMac, 6));
    CHECK(same(r, 38, kGuestIp, 4));
    CHECK(n.backend.guest_errors() == 0);

    SECTION("the DNS server 10.0.2.3 answers too") {
        const uint8_t dns[4] = {10, 0, 2, 3};
        n.to_guest.clear();
        n.send(arp_request(dns));
        REQUIRE(n.replies().size() == 1);
        CHECK(same(n.to_guest[0], 28, dns, 4));
        CHECK(get16(n.to_guest[0], 20) == 2);
    }
    SECTION("every request gets its reply") {
        n.to_guest.clear();
        for (int k = 0; k < 10; ++k) n.send(arp_request(kHostIp));
        CHECK(n.replies().size() == 10);
    }
    SECTION("nobody answers for an address outside slirp's") {
        const uint8_t other[4] = {10, 0, 2, 77};
        n.to_guest.clear();
        n.send(arp_request(other));
        CHECK(n.replies(3).empty());
    }
}

TEST_CASE("slirp: a DHCP DISCOVER gets an OFFER of 10.0.2.15", "[net]") {
    Net n;
    n.send(dhcp_discover());
    const auto& got = n.replies();
    REQUIRE(got.size() >= 1);
    const Frame& r = got[0];
    REQUIRE(r.size() >= 14 + 20 + 8 + 240 + 3);
    CHECK(same(r, 6, kSlirpMac, 6));
    CHECK(get16(r, 12) == 0x0800);
    const size_t ip = 14;
    CHECK((r[ip] >> 4) == 4);
    const size_t ihl = size_t(r[ip] & 15) * 4;
    CHECK(r[ip + 9] == 17);
    CHECK(same(r, ip + 12, kHostIp, 4));  // from 10.0.2.2
    CHECK(ip_checksum(&r[ip], ihl) == 0);
    const size_t udp = ip + ihl;
    CHECK(get16(r, udp) == 67);
    CHECK(get16(r, udp + 2) == 68);
    const size_t b = udp + 8;
    CHECK(r[b] == 2);  // BOOTREPLY
    CHECK((uint32_t(r[b + 4]) << 24 | r[b + 5] << 16 | r[b + 6] << 8 | r[b + 7]) == kXid);
    CHECK(same(r, b + 16, kGuestIp, 4));  // yiaddr
    CHECK(same(r, b + 28, kGuestMac, 6));
    const uint8_t cookie[4] = {99, 130, 83, 99};
    REQUIRE(same(r, b + 236, cookie, 4));
    // Options: message type OFFER (2); the server identifier 10.0.2.2.
    int type = -1;
    bool server_id = false;
    for (size_t o = b + 240; o < r.size() && r[o] != 255;) {
        if (r[o] == 0) {
            ++o;
            continue;
        }
        if (o + 1 >= r.size()) break;
        const size_t len = r[o + 1];
        if (r[o] == 53 && len == 1) type = r[o + 2];
        if (r[o] == 54 && len == 4) server_id = same(r, o + 2, kHostIp, 4);
        o += 2 + len;
    }
    CHECK(type == 2);
    CHECK(server_id);
}

TEST_CASE("slirp: a hostfwd on a port in use is a one-line Error naming the port", "[net]") {
    for (const bool udp : {false, true}) {
        INFO((udp ? "udp" : "tcp"));
        BoundSocket taken(udp);
        const std::string port = std::to_string(taken.port);
        const NetdevOptions opts =
            parse_netdev(std::string("user,id=busy,hostfwd=") + (udp ? "udp" : "tcp") + ":127.0.0.1:" + port + "-:22");
        try {
            Net n(opts);
            FAIL_CHECK("no Error for a hostfwd on port " << port << ", which is in use");
        } catch (const Error& e) {
            const std::string m = e.what();
            INFO(m);
            CHECK(m.rfind("mipshv: ", 0) == 0);
            CHECK(m.find('\n') == std::string::npos);
            CHECK(m.find(port) != std::string::npos);
        }
    }
    SECTION("the second of two forwards on one port") {
        const std::string port = std::to_string(free_port());
        const NetdevOptions opts =
            parse_netdev("user,id=twice,hostfwd=tcp::" + port + "-:22,hostfwd=tcp::" + port + "-:23");
        CHECK_THROWS_WITH(Net(opts), Catch::Matchers::Contains(port) && Catch::Matchers::StartsWith("mipshv: "));
        // The failed backend released the port it had taken: a new one gets it.
        CHECK_NOTHROW(Net(parse_netdev("user,id=again,hostfwd=tcp::" + port + "-:22")));
    }
}

TEST_CASE("slirp: a connection to a hostfwd port reaches the guest's side", "[net]") {
    const uint16_t port = free_port();
    Net n(parse_netdev("user,id=fwd,hostfwd=tcp:127.0.0.1:" + std::to_string(port) + "-:22"));
    // Tell slirp where the guest is (as its DHCP and ARP traffic would).
    n.send(arp_request(kHostIp));
    n.replies();
    n.to_guest.clear();
    const int c = ::socket(AF_INET, SOCK_STREAM, 0);
    REQUIRE(c >= 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    REQUIRE(::connect(c, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0);
    for (int k = 0; k < 50 && n.to_guest.empty(); ++k) {
        n.now_ns += 10'000'000;
        n.backend.poll(20);
    }
    ::close(c);
    REQUIRE(!n.to_guest.empty());
    const Frame& syn = n.to_guest[0];
    // A TCP SYN to 10.0.2.15:22 (or an ARP request for the guest first).
    REQUIRE(syn.size() >= 14 + 20 + 20);
    if (get16(syn, 12) == 0x0806) {
        CHECK(get16(syn, 20) == 1);
        CHECK(same(syn, 38, kGuestIp, 4));
    } else {
        CHECK(get16(syn, 12) == 0x0800);
        CHECK(syn[14 + 9] == 6);
        CHECK(same(syn, 14 + 16, kGuestIp, 4));
        const size_t tcp = 14 + size_t(syn[14] & 15) * 4;
        CHECK(get16(syn, tcp + 2) == 22);
        CHECK((syn[tcp + 13] & 0x02) != 0);  // SYN
    }
}
