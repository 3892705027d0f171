// A stop asked for from outside the guest: by any thread or a signal
// handler (Ctrl-C, SIGTERM, --timeout, Python's VM.interrupt()). The
// engines test it where they test their budget, after the asker has
// zeroed each vCPU's exit word so that translated code comes back to them
// at its next block (QEMU's cpu_exit, dynarmic's HaltExecution). An
// eventfd wakes the machine's waits on the host (idle with a network card
// or --clock host). It stays pending until a run takes it, so an ask that
// falls between two runs stops the next one at once.
#pragma once
#include <atomic>

#include "hv/cpu/stop_reason.h"

namespace mipshv {

class StopRequest {
public:
    StopRequest();
    ~StopRequest();
    StopRequest(const StopRequest&) = delete;
    StopRequest& operator=(const StopRequest&) = delete;

    // Async-signal-safe. The first reason asked for wins until it is taken.
    void request(StopReason why) noexcept;
    // The reason asked for, or NONE.
    StopReason pending() const noexcept { return reason_.load(std::memory_order_acquire); }
    // Takes the request (the run that honoured it); returns its reason.
    StopReason take() noexcept;
    // Readable while a request is pending: poll it beside the host's fds.
    int wake_fd() const { return wake_fd_; }

private:
    std::atomic<StopReason> reason_{StopReason::NONE};
    int wake_fd_ = -1;
};

}  // namespace mipshv
