#include "hv/cpu/stop_request.h"

#include <sys/eventfd.h>
#include <unistd.h>

#include <cstdint>

#include "hv/common/error.h"

namespace mipshv {

static_assert(std::atomic<StopReason>::is_always_lock_free, "a signal handler sets it");

StopRequest::StopRequest() : wake_fd_(eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC)) {
    if (wake_fd_ < 0) throw Error("mipshv: cannot create an eventfd for stop requests");
}

StopRequest::~StopRequest() { ::close(wake_fd_); }

void StopRequest::request(StopReason why) noexcept {
    StopReason none = StopReason::NONE;
    reason_.compare_exchange_strong(none, why, std::memory_order_acq_rel);
    const uint64_t one = 1;
    [[maybe_unused]] ssize_t n = ::write(wake_fd_, &one, sizeof one);  // (full: it is readable already)
}

// The reason first, then the eventfd: a request between the two then
// stays pending with its wake-up drained (the waits test pending() as
// well), where the other order could leave the eventfd readable with
// nothing pending, and every host wait would return at once.
StopReason StopRequest::take() noexcept {
    const StopReason why = reason_.exchange(StopReason::NONE, std::memory_order_acq_rel);
    uint64_t count;
    [[maybe_unused]] ssize_t n = ::read(wake_fd_, &count, sizeof count);  // (empty: nothing to drain)
    return why;
}

}  // namespace mipshv
