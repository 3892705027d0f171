// User-mode networking through libslirp, as QEMU's `-netdev user`: the
// guest's frames go to slirp's TCP/IP stack, which talks to the world
// through ordinary host sockets (no root, no TAP). QEMU's usual network:
// 10.0.2.0/24, gateway and host 10.0.2.2, DNS 10.0.2.3, DHCP from 10.0.2.15.
//
// Reproducibility: slirp's clock is the machine's (virtual by default),
// and the machine calls `poll` at points fixed in guest time, so a run
// without host traffic is deterministic.
#pragma once
#include <cstdint>
#include <functional>
#include <poll.h>
#include <string>
#include <vector>

#include "hv/net/net_options.h"

struct Slirp;

namespace mipshv {

class SlirpBackend {
public:
    // `now_ns`: the machine's clock; `to_guest`: delivers one Ethernet frame.
    SlirpBackend(const NetdevOptions& opts, std::function<uint64_t()> now_ns,
                 std::function<void(const uint8_t*, size_t)> to_guest);
    ~SlirpBackend();
    SlirpBackend(const SlirpBackend&) = delete;
    SlirpBackend& operator=(const SlirpBackend&) = delete;

    // One frame from the guest (without the virtio-net header).
    void from_guest(const uint8_t* frame, size_t len);
    // Services host sockets and slirp's timers, waiting up to `timeout_ms`
    // for host activity (0: just look), or until `wake_fd` is readable.
    void poll(int timeout_ms, int wake_fd = -1);
    // Errors slirp reported about the guest's traffic.
    uint64_t guest_errors() const { return guest_errors_; }

private:
    friend struct SlirpCallbacks;
    struct Timer {
        int id;
        void* cb_opaque;
        int64_t expire_ms;  // -1: not armed
    };
    void run_due_timers();

    Slirp* slirp_ = nullptr;
    std::function<uint64_t()> now_ns_;
    std::function<void(const uint8_t*, size_t)> to_guest_;
    std::vector<Timer*> timers_;
    std::vector<pollfd> pollfds_;
    uint64_t guest_errors_ = 0;
    std::string name_;
};

}  // namespace mipshv
