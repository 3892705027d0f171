// The network options in QEMU's spelling (hv/net/net_options.h):
// -netdev user,id=ID[,hostfwd=...]...[,restrict=on|off],
// -device virtio-net,netdev=ID[,mac=MAC], -nic user[,...], the check that
// ties them together, and the default MAC addresses. Every rejected spec is
// one mipshv::Error line that starts with "mipshv: ".
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "hv/cli/options.h"
#include "hv/common/error.h"
#include "hv/net/net_options.h"

using namespace mipshv;

namespace {

// The message of the Error `fn` throws; checks it is one "mipshv: " line.
template <typename Fn>
std::string error_of(Fn fn, const std::string& what) {
    INFO(what);
    try {
        fn();
    } catch (const Error& e) {
        const std::string message = e.what();
        INFO(message);
        CHECK(message.rfind("mipshv: ", 0) == 0);
        CHECK(message.find('\n') == std::string::npos);
        CHECK(message.size() > 10);
        return message;
    }
    FAIL_CHECK("expected mipshv::Error for " << what);
    return {};
}
std::string netdev_error(const std::string& spec) {
    return error_of([&] { parse_netdev(spec); }, "-netdev " + spec);
}
std::string device_error(const std::string& spec) {
    return error_of([&] { parse_nic_device(spec); }, "-device " + spec);
}
std::string nic_error(const std::string& spec) {
    std::vector<NetdevOptions> netdevs;
    std::vector<NicOptions> nics;
    return error_of([&] { parse_nic(spec, netdevs, nics); }, "-nic " + spec);
}
bool contains(const std::string& s, const std::string& part) { return s.find(part) != std::string::npos; }

constexpr uint32_t ip(unsigned a, unsigned b, unsigned c, unsigned d) { return a << 24 | b << 16 | c << 8 | d; }

Options parse(std::vector<std::string> args) {
    args.insert(args.begin(), "mipshv");
    std::vector<char*> argv;
    for (auto& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    return parse_options(static_cast<int>(args.size()), argv.data());
}

}  // namespace

TEST_CASE("-netdev user: id, hostfwd and restrict", "[net]") {
    SECTION("id alone: no forwards, not restricted") {
        const NetdevOptions n = parse_netdev("user,id=net0");
        CHECK(n.id == "net0");
        CHECK_FALSE(n.restrict);
        CHECK(n.forwards.empty());
    }
    SECTION("hostfwd without addresses: 127.0.0.1 on the host, the first DHCP address in the guest") {
        const NetdevOptions n = parse_netdev("user,id=n,hostfwd=tcp::2222-:22");
        REQUIRE(n.forwards.size() == 1);
        const HostForward& f = n.forwards[0];
        CHECK_FALSE(f.udp);
        CHECK(f.host_addr == ip(127, 0, 0, 1));
        CHECK(f.host_port == 2222);
        CHECK(f.guest_addr == 0);
        CHECK(f.guest_port == 22);
    }
    SECTION("hostfwd with both addresses") {
        const NetdevOptions n = parse_netdev("user,id=n,hostfwd=udp:0.0.0.0:5353-10.0.2.15:53");
        REQUIRE(n.forwards.size() == 1);
        const HostForward& f = n.forwards[0];
        CHECK(f.udp);
        CHECK(f.host_addr == 0);
        CHECK(f.host_port == 5353);
        CHECK(f.guest_addr == ip(10, 0, 2, 15));
        CHECK(f.guest_port == 53);
    }
    SECTION("hostfwd with only one of the addresses, ports at the ends of the range") {
        const NetdevOptions n =
            parse_netdev("user,id=n,hostfwd=tcp:192.168.1.20:65535-:1,hostfwd=tcp::1-10.0.2.99:65535");
        REQUIRE(n.forwards.size() == 2);
        CHECK(n.forwards[0].host_addr == ip(192, 168, 1, 20));
        CHECK(n.forwards[0].host_port == 65535);
        CHECK(n.forwards[0].guest_addr == 0);
        CHECK(n.forwards[0].guest_port == 1);
        CHECK(n.forwards[1].host_addr == ip(127, 0, 0, 1));
        CHECK(n.forwards[1].host_port == 1);
        CHECK(n.forwards[1].guest_addr == ip(10, 0, 2, 99));
        CHECK(n.forwards[1].guest_port == 65535);
    }
    SECTION("several hostfwds, in order, and id anywhere") {
        const NetdevOptions n =
            parse_netdev("user,hostfwd=tcp::8080-:80,hostfwd=udp::6969-:69,id=lan,hostfwd=tcp:127.0.0.1:8443-:443");
        CHECK(n.id == "lan");
        REQUIRE(n.forwards.size() == 3);
        CHECK(n.forwards[0].host_port == 8080);
        CHECK(n.forwards[0].guest_port == 80);
        CHECK_FALSE(n.forwards[0].udp);
        CHECK(n.forwards[1].host_port == 6969);
        CHECK(n.forwards[1].udp);
        CHECK(n.forwards[2].host_port == 8443);
        CHECK(n.forwards[2].guest_port == 443);
    }
    SECTION("restrict=on and restrict=off") {
        CHECK(parse_netdev("user,id=n,restrict=on").restrict);
        CHECK_FALSE(parse_netdev("user,id=n,restrict=off").restrict);
        CHECK_FALSE(parse_netdev("user,id=n,restrict=on,restrict=off").restrict);  // the last one counts
        const NetdevOptions n = parse_netdev("user,id=n,restrict=on,hostfwd=tcp::2222-:22");
        CHECK(n.restrict);
        CHECK(n.forwards.size() == 1);
    }
}

TEST_CASE("-netdev: rejected specs", "[net]") {
    CHECK(contains(netdev_error("tap,id=n"), "tap"));
    CHECK(contains(netdev_error("socket,id=n,listen=:1234"), "unknown network backend"));
    netdev_error("");
    netdev_error("User,id=n");
    CHECK(contains(netdev_error("user"), "id"));
    CHECK(contains(netdev_error("user,id="), "id"));
    CHECK(contains(netdev_error("user,hostfwd=tcp::2222-:22"), "id"));
    CHECK(contains(netdev_error("user,id=n,foo=bar"), "foo=bar"));
    CHECK(contains(netdev_error("user,id=n,mac=52:54:00:12:34:56"), "mac"));  // a card's option, not a netdev's
    netdev_error("user,id=n,restrict");
    CHECK(contains(netdev_error("user,id=n,restrict=yes"), "restrict=yes"));
    netdev_error("user,id=n,=on");

    SECTION("bad hostfwd forms") {
        for (const char* fwd : {"", "tcp", "tcp:", "tcp::2222", "tcp::2222-", "tcp::2222-22", "tcp:2222-:22",
                                "2222-:22", "sctp::2222-:22", "TCP::2222-:22", "tcp;:2222-:22",
                                "tcp::2222:22", "tcp-:2222:22"}) {
            const std::string m = netdev_error(std::string("user,id=n,hostfwd=") + fwd);
            CHECK(contains(m, "hostfwd"));
        }
    }
    SECTION("ports: 0, 65536, abc, empty, negative, 2^32 + 22, a space or a plus sign") {
        for (const char* fwd : {"tcp::0-:22", "tcp::2222-:0", "tcp::65536-:22", "tcp::2222-:65536", "tcp::abc-:22",
                                "tcp::2222-:abc", "tcp::-:22", "tcp::2222-:", "tcp::-1-:22", "tcp::22x-:22",
                                "tcp::2222-:4294967318", "tcp::99999999999999999999-:22",
                                // strtoul would read these three as 80
                                "tcp:: 80-:22", "tcp::+80-:22", "tcp::2222-: 80"}) {
            const std::string m = netdev_error(std::string("user,id=n,hostfwd=") + fwd);
            CHECK(contains(m, "port"));
        }
    }
    SECTION("addresses that are not IPv4") {
        for (const char* fwd : {"tcp:localhost:2222-:22", "tcp:1.2.3:2222-:22", "tcp:1.2.3.256:2222-:22",
                                "tcp:1.2.3.4.5:2222-:22", "tcp::2222-10.0.2:22", "tcp::2222-10.0.2.300:22",
                                "tcp:[::1]:2222-:22", "tcp::2222-guest:22"}) {
            const std::string m = netdev_error(std::string("user,id=n,hostfwd=") + fwd);
            CHECK(contains(m, "IPv4"));
        }
    }
}

TEST_CASE("-device virtio-net: netdev and mac", "[net]") {
    SECTION("netdev alone: no MAC given") {
        const NicOptions nic = parse_nic_device("virtio-net,netdev=net0");
        CHECK(nic.netdev == "net0");
        CHECK_FALSE(nic.mac_given);
    }
    SECTION("a MAC, in upper or lower case") {
        const NicOptions nic = parse_nic_device("virtio-net,mac=02:AB:cd:00:ff:10,netdev=n");
        CHECK(nic.netdev == "n");
        CHECK(nic.mac_given);
        CHECK(nic.mac == MacAddress{0x02, 0xab, 0xcd, 0x00, 0xff, 0x10});
    }
    SECTION("also spelled virtio-net-device") {
        CHECK(parse_nic_device("virtio-net-device,netdev=x").netdev == "x");
    }
}

TEST_CASE("-device: rejected specs", "[net]") {
    CHECK(contains(device_error("e1000,netdev=n"), "e1000"));
    CHECK(contains(device_error("virtio-blk-device,drive=d"), "unknown device"));
    device_error("");
    CHECK(contains(device_error("virtio-net"), "netdev"));
    CHECK(contains(device_error("virtio-net,netdev="), "netdev"));
    CHECK(contains(device_error("virtio-net,mac=52:54:00:12:34:56"), "netdev"));
    CHECK(contains(device_error("virtio-net,netdev=n,id=card"), "id=card"));
    device_error("virtio-net,netdev=n,foo");

    SECTION("bad MACs") {
        for (const char* mac : {"", "52:54:00:12:34", "52:54:00:12:34:56:78", "52:54:00:12:34:5", "5254.0012.3456",
                                "52-54-00-12-34-56", "525400123456", "52:54:00:12:34:5g", "52:54:00:12:34:567",
                                "52:54:00:12:34:56 ", "52:54:00:12:3:456", "g2:54:00:12:34:56"}) {
            const std::string m = device_error(std::string("virtio-net,netdev=n,mac=") + mac);
            CHECK(contains(m, "mac="));
        }
    }
    SECTION("multicast MACs") {
        for (const char* mac : {"01:00:5e:00:00:01", "ff:ff:ff:ff:ff:ff", "53:54:00:12:34:56", "33:33:00:00:00:01"}) {
            const std::string m = device_error(std::string("virtio-net,netdev=n,mac=") + mac);
            CHECK(contains(m, "multicast"));
        }
    }
}

TEST_CASE("-nic user: a netdev and a card at once", "[net]") {
    std::vector<NetdevOptions> netdevs;
    std::vector<NicOptions> nics;
    parse_nic("user", netdevs, nics);
    parse_nic("user,hostfwd=tcp::2222-:22,restrict=on,mac=52:54:00:00:00:01,model=virtio-net", netdevs, nics);
    parse_nic("user,model=virtio,hostfwd=udp::5000-:5000,hostfwd=tcp::80-:8080", netdevs, nics);
    REQUIRE(netdevs.size() == 3);
    REQUIRE(nics.size() == 3);
    for (size_t k = 0; k < 3; ++k) {
        INFO(k);
        CHECK(nics[k].netdev == netdevs[k].id);
        CHECK(!netdevs[k].id.empty());
    }
    CHECK(netdevs[0].id != netdevs[1].id);
    CHECK(netdevs[1].id != netdevs[2].id);
    CHECK_FALSE(netdevs[0].restrict);
    CHECK(netdevs[0].forwards.empty());
    CHECK_FALSE(nics[0].mac_given);
    CHECK(netdevs[1].restrict);
    REQUIRE(netdevs[1].forwards.size() == 1);
    CHECK(netdevs[1].forwards[0].host_port == 2222);
    CHECK(nics[1].mac_given);
    CHECK(nics[1].mac == MacAddress{0x52, 0x54, 0x00, 0x00, 0x00, 0x01});
    REQUIRE(netdevs[2].forwards.size() == 2);
    CHECK(netdevs[2].forwards[0].udp);
    CHECK(netdevs[2].forwards[1].guest_port == 8080);
    check_network(netdevs, nics);  // consistent by construction
}

TEST_CASE("-nic: rejected specs", "[net]") {
    CHECK(contains(nic_error("tap"), "tap"));
    nic_error("");
    CHECK(contains(nic_error("user,id=n"), "id=n"));  // -nic makes its own id
    CHECK(contains(nic_error("user,netdev=n"), "netdev=n"));
    CHECK(contains(nic_error("user,model=e1000"), "e1000"));
    CHECK(contains(nic_error("user,mac=01:00:5e:00:00:01"), "multicast"));
    CHECK(contains(nic_error("user,mac=52:54:00:12:34"), "mac="));
    CHECK(contains(nic_error("user,hostfwd=tcp::0-:22"), "port"));
    CHECK(contains(nic_error("user,hostfwd=tcp:x:1-:22"), "IPv4"));
    CHECK(contains(nic_error("user,restrict=maybe"), "restrict"));
    nic_error("user,foo=bar");

    SECTION("a rejected -nic adds nothing") {
        std::vector<NetdevOptions> netdevs;
        std::vector<NicOptions> nics;
        CHECK_THROWS_AS(parse_nic("user,mac=ff:ff:ff:ff:ff:ff", netdevs, nics), Error);
        CHECK(netdevs.empty());
        CHECK(nics.empty());
    }
}

TEST_CASE("check_network: every card on a netdev of its own", "[net]") {
    const auto user = [](const std::string& id) { return parse_netdev("user,id=" + id); };
    const auto card = [](const std::string& id) { return parse_nic_device("virtio-net,netdev=" + id); };
    SECTION("consistent configurations pass") {
        check_network({}, {});
        check_network({user("a")}, {card("a")});
        check_network({user("a"), user("b")}, {card("b"), card("a")});
    }
    SECTION("a card on an unknown netdev") {
        const std::string m = error_of([&] { check_network({user("a")}, {card("a"), card("b")}); }, "unknown id");
        CHECK(contains(m, "netdev=b"));
        error_of([&] { check_network({}, {card("a")}); }, "no netdev at all");
        error_of([&] { check_network({user("A")}, {card("a")}); }, "ids are case-sensitive");
    }
    SECTION("two cards on one netdev") {
        const std::string m = error_of([&] { check_network({user("a")}, {card("a"), card("a")}); }, "two cards");
        CHECK(contains(m, "a"));
    }
    SECTION("a netdev without a card") {
        const std::string m = error_of([&] { check_network({user("a"), user("lonely")}, {card("a")}); }, "no card");
        CHECK(contains(m, "lonely"));
        error_of([&] { check_network({user("a")}, {}); }, "no cards at all");
    }
    SECTION("duplicate netdev ids") {
        const std::string m =
            error_of([&] { check_network({user("a"), user("a")}, {card("a")}); }, "duplicate ids");
        CHECK(contains(m, "id=a"));
    }
    SECTION("-nic and -netdev together") {
        std::vector<NetdevOptions> netdevs{user("lan")};
        std::vector<NicOptions> nics{card("lan")};
        parse_nic("user", netdevs, nics);
        check_network(netdevs, nics);
        CHECK(nics.size() == 2);
    }
}

TEST_CASE("the network options on the command line", "[net]") {
    SECTION("-nic user") {
        const Options o = parse({"-kernel", "k.elf", "-nic", "user"});
        CHECK(o.netdevs.size() == 1);
        CHECK(o.nics.size() == 1);
    }
    SECTION("-netdev and -device, in either order") {
        const Options o = parse({"-kernel", "k.elf", "-device", "virtio-net,netdev=n0,mac=52:54:00:aa:bb:cc",
                                 "--netdev", "user,id=n0,hostfwd=tcp::2222-:22", "--pcap", "out.pcap"});
        REQUIRE(o.netdevs.size() == 1);
        REQUIRE(o.nics.size() == 1);
        CHECK(o.nics[0].mac == MacAddress{0x52, 0x54, 0x00, 0xaa, 0xbb, 0xcc});
        CHECK(o.pcap_file == "out.pcap");
    }
    SECTION("rejected combinations") {
        error_of([] { parse({"-kernel", "k.elf", "-netdev", "user,id=n0"}); }, "-netdev without a card");
        error_of([] { parse({"-kernel", "k.elf", "-device", "virtio-net,netdev=n0"}); }, "-device without -netdev");
        error_of([] { parse({"-kernel", "k.elf", "--pcap", "x.pcap"}); }, "--pcap without a card");
        std::vector<std::string> nine{"-kernel", "k.elf"};
        for (int k = 0; k < 9; ++k) nine.insert(nine.end(), {"-nic", "user"});
        error_of([&] { parse(nine); }, "nine cards");
    }
}

TEST_CASE("default_mac: QEMU's 52:54:00:12:34:56 + n", "[net]") {
    CHECK(default_mac(0) == MacAddress{0x52, 0x54, 0x00, 0x12, 0x34, 0x56});
    CHECK(default_mac(1) == MacAddress{0x52, 0x54, 0x00, 0x12, 0x34, 0x57});
    CHECK(default_mac(7) == MacAddress{0x52, 0x54, 0x00, 0x12, 0x34, 0x5d});
    for (unsigned n = 0; n < 8; ++n) {
        INFO(n);
        CHECK((default_mac(n)[0] & 1) == 0);  // unicast
        CHECK((default_mac(n)[0] & 2) == 2);  // locally administered
        for (unsigned m = 0; m < n; ++m) CHECK(default_mac(n) != default_mac(m));
    }
}

// sscanf's %2x takes a sign and leading blanks, so "-1" would read as 0xff.
TEST_CASE("a MAC byte is exactly two hexadecimal digits", "[net]") {
    for (const char* mac : {"52:54:00:12:34:-1", "52:54:00:12:34:+5", "52:54:00:12:34: 5", "52:54:00:12:-0:56"}) {
        INFO(mac);
        CHECK_THROWS_AS(parse_nic_device(std::string("virtio-net,netdev=n,mac=") + mac), Error);
    }
}
