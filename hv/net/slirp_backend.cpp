#include "hv/net/slirp_backend.h"

#include <algorithm>
#include <arpa/inet.h>
#include <cstdio>
#include <poll.h>

extern "C" {
#include <slirp/libslirp.h>
}

#include "hv/common/error.h"

namespace mipshv {

namespace {
in_addr ipv4(uint32_t host_order) { return in_addr{htonl(host_order)}; }

std::string dotted(uint32_t host_order) {
    char buf[INET_ADDRSTRLEN];
    in_addr a = ipv4(host_order);
    inet_ntop(AF_INET, &a, buf, sizeof buf);
    return buf;
}

constexpr std::pair<int, short> kEvents[] = {
    {SLIRP_POLL_IN, POLLIN}, {SLIRP_POLL_OUT, POLLOUT}, {SLIRP_POLL_PRI, POLLPRI},
    {SLIRP_POLL_ERR, POLLERR}, {SLIRP_POLL_HUP, POLLHUP},
};

SlirpBackend* self(void* opaque) { return static_cast<SlirpBackend*>(opaque); }
}  // namespace

// The callbacks slirp makes; `opaque` is the backend.
struct SlirpCallbacks {
    static ssize_t send_packet(const void* buf, size_t len, void* opaque) {
        self(opaque)->to_guest_(static_cast<const uint8_t*>(buf), len);
        return ssize_t(len);
    }
    static void guest_error(const char* msg, void* opaque) {
        ++self(opaque)->guest_errors_;
        std::fprintf(stderr, "mipshv: %s: slirp: guest error: %s\n", self(opaque)->name_.c_str(), msg);
    }
    static int64_t clock_get_ns(void* opaque) { return int64_t(self(opaque)->now_ns_()); }
    static void* timer_new_opaque(SlirpTimerId id, void* cb_opaque, void* opaque) {
        auto* t = new SlirpBackend::Timer{int(id), cb_opaque, -1};
        self(opaque)->timers_.push_back(t);
        return t;
    }
    static void timer_free(void* timer, void* opaque) {
        auto& timers = self(opaque)->timers_;
        timers.erase(std::remove(timers.begin(), timers.end(), timer), timers.end());
        delete static_cast<SlirpBackend::Timer*>(timer);
    }
    static void timer_mod(void* timer, int64_t expire_ms, void*) { static_cast<SlirpBackend::Timer*>(timer)->expire_ms = expire_ms; }
    static void no_fd(int, void*) {}
    static void notify(void*) {}
    static int add_poll(int fd, int events, void* opaque) {
        short e = 0;
        for (auto [s, p] : kEvents) e |= (events & s) ? p : 0;
        self(opaque)->pollfds_.push_back({fd, e, 0});
        return int(self(opaque)->pollfds_.size() - 1);
    }
    static int get_revents(int idx, void* opaque) {
        const short r = self(opaque)->pollfds_[size_t(idx)].revents;
        int e = 0;
        for (auto [s, p] : kEvents) e |= (r & p) ? s : 0;
        return e;
    }
};

SlirpBackend::SlirpBackend(const NetdevOptions& opts, std::function<uint64_t()> now_ns,
                           std::function<void(const uint8_t*, size_t)> to_guest)
    : now_ns_(std::move(now_ns)), to_guest_(std::move(to_guest)),
      name_(opts.id.rfind("nic.", 0) == 0 ? "-nic user" : "-netdev user,id=" + opts.id) {
    SlirpConfig cfg{};
    cfg.version = 4;
    cfg.restricted = opts.restrict;
    cfg.in_enabled = true;
    cfg.vnetwork = ipv4(0x0a000200);    // 10.0.2.0
    cfg.vnetmask = ipv4(0xffffff00);    // /24
    cfg.vhost = ipv4(0x0a000202);       // 10.0.2.2: gateway and host
    cfg.vdhcp_start = ipv4(0x0a00020f); // 10.0.2.15
    cfg.vnameserver = ipv4(0x0a000203); // 10.0.2.3
    cfg.vhostname = "mipshv";
    cfg.in6_enabled = false;
    static const SlirpCb callbacks = [] {
        SlirpCb cb{};
        cb.send_packet = &SlirpCallbacks::send_packet;
        cb.guest_error = &SlirpCallbacks::guest_error;
        cb.clock_get_ns = &SlirpCallbacks::clock_get_ns;
        cb.timer_free = &SlirpCallbacks::timer_free;
        cb.timer_mod = &SlirpCallbacks::timer_mod;
        cb.register_poll_fd = &SlirpCallbacks::no_fd;
        cb.unregister_poll_fd = &SlirpCallbacks::no_fd;
        cb.notify = &SlirpCallbacks::notify;
        cb.timer_new_opaque = &SlirpCallbacks::timer_new_opaque;
        return cb;
    }();
    slirp_ = slirp_new(&cfg, &callbacks, this);
    if (!slirp_) throw Error("mipshv: -netdev user,id=" + opts.id + ": cannot start user-mode networking (libslirp)");
    for (const HostForward& f : opts.forwards)
        if (slirp_add_hostfwd(slirp_, f.udp, ipv4(f.host_addr), f.host_port, ipv4(f.guest_addr), f.guest_port) < 0) {
            slirp_cleanup(slirp_);
            slirp_ = nullptr;
            throw Error("mipshv: " + name_ + " hostfwd: cannot listen on " + (f.udp ? "udp " : "tcp ") +
                        dotted(f.host_addr) + ":" + std::to_string(f.host_port) + " (port in use?)");
        }
}

SlirpBackend::~SlirpBackend() {
    if (slirp_) slirp_cleanup(slirp_);
    for (Timer* t : timers_) delete t;
}

void SlirpBackend::from_guest(const uint8_t* frame, size_t len) { slirp_input(slirp_, frame, int(len)); }

void SlirpBackend::poll(int timeout_ms, int wake_fd) {
    pollfds_.clear();
    uint32_t slirp_timeout = uint32_t(std::max(timeout_ms, 0));
    slirp_pollfds_fill(slirp_, &slirp_timeout, &SlirpCallbacks::add_poll, this);
    if (wake_fd >= 0) pollfds_.push_back({wake_fd, POLLIN, 0});  // (after slirp's: its indices stay)
    const int wait = std::min<int64_t>(timeout_ms, slirp_timeout);
    const int n = ::poll(pollfds_.data(), pollfds_.size(), std::max(wait, 0));
    slirp_pollfds_poll(slirp_, n < 0, &SlirpCallbacks::get_revents, this);
    run_due_timers();
}

void SlirpBackend::run_due_timers() {
    const int64_t now_ms = int64_t(now_ns_() / 1'000'000);
    for (size_t k = 0; k < timers_.size(); ++k) {  // a handler may add or free timers
        Timer* t = timers_[k];
        if (t->expire_ms < 0 || t->expire_ms > now_ms) continue;
        t->expire_ms = -1;
        slirp_handle_timer(slirp_, SlirpTimerId(t->id), t->cb_opaque);
    }
}

}  // namespace mipshv
