#include "hv/net/net_options.h"

#include <arpa/inet.h>
#include <cctype>
#include <set>

#include "hv/common/error.h"
#include "hv/common/option_list.h"
#include "hv/common/parse_decimal.h"

namespace mipshv {

namespace {
[[noreturn]] void fail(const std::string& what) { throw Error("mipshv: " + what); }

// Dotted IPv4 address in host byte order; "" gives `fallback`.
uint32_t parse_ipv4(const std::string& text, uint32_t fallback, const std::string& context) {
    if (text.empty()) return fallback;
    in_addr a{};
    if (inet_pton(AF_INET, text.c_str(), &a) != 1) fail(context + ": '" + text + "' is not an IPv4 address");
    return ntohl(a.s_addr);
}

uint16_t parse_port(const std::string& text, const std::string& context) {
    uint64_t v = 0;
    if (!parse_decimal(text, v) || v == 0 || v > 65535) fail(context + ": '" + text + "' is not a port (1-65535)");
    return uint16_t(v);
}

// tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT
HostForward parse_hostfwd(const std::string& option, const std::string& text) {
    const std::string context = option + " hostfwd=" + text;
    HostForward f;
    const size_t colon = text.find(':'), dash = text.find('-');
    if (colon == std::string::npos || dash == std::string::npos || dash < colon)
        fail(context + ": expected tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT");
    const std::string proto = text.substr(0, colon), host = text.substr(colon + 1, dash - colon - 1),
                      guest = text.substr(dash + 1);
    if (proto != "tcp" && proto != "udp") fail(context + ": protocol must be tcp or udp");
    f.udp = proto == "udp";
    const size_t hc = host.rfind(':'), gc = guest.rfind(':');
    if (hc == std::string::npos || gc == std::string::npos)
        fail(context + ": expected tcp|udp:[HOSTADDR]:HOSTPORT-[GUESTADDR]:GUESTPORT");
    f.host_addr = parse_ipv4(host.substr(0, hc), 0x7f000001, context);
    f.host_port = parse_port(host.substr(hc + 1), context);
    f.guest_addr = parse_ipv4(guest.substr(0, gc), 0, context);
    f.guest_port = parse_port(guest.substr(gc + 1), context);
    if (f.guest_addr && (f.guest_addr & 0xffffff00) != 0x0a000200)
        fail(context + ": the guest address must be in the guest network 10.0.2.0/24");
    return f;
}

MacAddress parse_mac(const std::string& option, const std::string& text) {
    MacAddress m{};
    auto hex = [](char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; };
    bool ok = text.size() == 17;
    for (size_t k = 0; ok && k < 17; ++k) ok = k % 3 == 2 ? text[k] == ':' : hex(text[k]);
    if (!ok) fail(option + " mac=" + text + ": expected six hexadecimal bytes, 52:54:00:12:34:56");
    for (int k = 0; k < 6; ++k) m[k] = uint8_t(std::stoul(text.substr(size_t(3 * k), 2), nullptr, 16));
    if (m[0] & 1) fail(option + " mac=" + text + ": a multicast address cannot be a card's address");
    return m;
}

// The options of a user netdev after its type word: id, hostfwd (repeatable), restrict.
// `valid` names every option the caller takes, for the error message.
void user_netdev_option(NetdevOptions& n, const std::string& option, const std::string& part, bool id_allowed,
                        const char* valid) {
    const auto [key, value] = split_key_value(part);
    if (key == "id" && id_allowed) {
        if (!n.id.empty()) fail(option + ": id given twice");
        n.id = value;
    }
    else if (key == "hostfwd") n.forwards.push_back(parse_hostfwd(option, value));
    else if (key == "restrict") n.restrict = parse_on_off(option, key, value);
    else fail(option + ": unknown option '" + part + "' (valid: " + valid + ")");
}
}  // namespace

MacAddress default_mac(unsigned n) { return {0x52, 0x54, 0x00, 0x12, 0x34, uint8_t(0x56 + n)}; }

NetdevOptions parse_netdev(const std::string& spec) {
    const std::vector<std::string> parts = split_option_list(spec);
    if (parts[0] != "user") fail("-netdev " + parts[0] + ": unknown network backend (available: user)");
    NetdevOptions n;
    for (size_t k = 1; k < parts.size(); ++k) user_netdev_option(n, "-netdev", parts[k], true, "id, hostfwd, restrict");
    if (n.id.empty()) fail("-netdev user: id=ID is missing");
    return n;
}

NicOptions parse_nic_device(const std::string& spec) {
    const std::vector<std::string> parts = split_option_list(spec);
    if (parts[0] != "virtio-net" && parts[0] != "virtio-net-device")
        fail("-device " + parts[0] + ": unknown device (available: virtio-net)");
    NicOptions nic;
    for (size_t k = 1; k < parts.size(); ++k) {
        const auto [key, value] = split_key_value(parts[k]);
        if (key == "netdev") nic.netdev = value;
        else if (key == "mac") nic.mac = parse_mac("-device virtio-net", value), nic.mac_given = true;
        else fail("-device virtio-net: unknown option '" + parts[k] + "' (valid: netdev, mac)");
    }
    if (nic.netdev.empty()) fail("-device virtio-net: netdev=ID is missing");
    return nic;
}

void parse_nic(const std::string& spec, std::vector<NetdevOptions>& netdevs, std::vector<NicOptions>& nics) {
    const std::vector<std::string> parts = split_option_list(spec);
    if (parts[0] != "user") fail("-nic " + parts[0] + ": unknown network backend (available: user)");
    NetdevOptions n;
    NicOptions nic;
    for (size_t k = 1; k < parts.size(); ++k) {
        const auto [key, value] = split_key_value(parts[k]);
        if (key == "mac") nic.mac = parse_mac("-nic", value), nic.mac_given = true;
        else if (key == "model") {
            if (value != "virtio-net" && value != "virtio") fail("-nic model=" + value + ": unknown model (available: virtio-net)");
        } else user_netdev_option(n, "-nic", parts[k], false, "hostfwd, restrict, mac, model");
    }
    n.id = nic.netdev = "nic." + std::to_string(nics.size());
    netdevs.push_back(n);
    nics.push_back(nic);
}

void check_network(const std::vector<NetdevOptions>& netdevs, const std::vector<NicOptions>& nics) {
    std::set<std::string> ids, used;
    for (const NetdevOptions& n : netdevs)
        if (!ids.insert(n.id).second) fail("-netdev id=" + n.id + ": two netdevs with the same id");
    for (const NicOptions& nic : nics) {
        if (!ids.count(nic.netdev)) fail("-device virtio-net,netdev=" + nic.netdev + ": no -netdev with that id");
        if (!used.insert(nic.netdev).second) fail("-device virtio-net,netdev=" + nic.netdev + ": netdev already has a card");
    }
    for (const NetdevOptions& n : netdevs)
        if (!used.count(n.id)) fail("-netdev id=" + n.id + ": no card uses it (add -device virtio-net,netdev=" + n.id + ")");
}

}  // namespace mipshv
