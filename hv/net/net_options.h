// Network options in QEMU's spelling: a backend (`-netdev user,id=ID,...`),
// a card on it (`-device virtio-net,netdev=ID[,mac=MAC]`), or both at once
// (`-nic user[,...]`). Parsing checks everything and throws Error with one
// line.
#pragma once
#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace mipshv {

// hostfwd=tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT
struct HostForward {
    bool udp = false;
    uint32_t host_addr = 0x7f000001;  // host byte order; 127.0.0.1 unless given
    uint16_t host_port = 0;
    uint32_t guest_addr = 0;  // 0: the first DHCP address (10.0.2.15)
    uint16_t guest_port = 0;
};

struct NetdevOptions {
    std::string id;
    bool restrict = false;  // the guest reaches only the host's forwards, not the world
    std::vector<HostForward> forwards;
};

using MacAddress = std::array<uint8_t, 6>;

struct NicOptions {
    std::string netdev;  // the NetdevOptions::id it is plugged into
    MacAddress mac{};
    bool mac_given = false;
};

NetdevOptions parse_netdev(const std::string& spec);
// `-device virtio-net,...` (also spelled virtio-net-device).
NicOptions parse_nic_device(const std::string& spec);
// `-nic user,...`: a user netdev with a generated id and a card on it.
void parse_nic(const std::string& spec, std::vector<NetdevOptions>& netdevs, std::vector<NicOptions>& nics);
// Every card names a netdev that exists, and no netdev has two cards.
void check_network(const std::vector<NetdevOptions>& netdevs, const std::vector<NicOptions>& nics);
// QEMU's default MAC for card n: 52:54:00:12:34:56+n.
MacAddress default_mac(unsigned n);

}  // namespace mipshv
