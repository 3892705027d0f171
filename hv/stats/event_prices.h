// Counted events priced in ticks of the board's clock, in fixed point, for
// a guest clock that follows modelled time (--timing): the time a vCPU has
// spent is what its retired instructions and counted events would take on
// the modelled core. Built from a cost model profile (cost_model.h); a
// function of the counters alone, so it is the same in both engines.
#pragma once
#include <cstdint>
#include <utility>
#include <vector>

#include "hv/stats/counters.h"

namespace mipshv {

// A 1:n stub runs to its end before the run loop looks at the timer; the
// patcher writes none longer (Patcher::emit_stub).
constexpr unsigned kMaxStubInsns = 24;

struct EventPrices {
    static constexpr unsigned kFractionBits = 16;
    uint64_t per_instruction = 0;  // ticks << kFractionBits per retired guest instruction
    std::vector<std::pair<uint64_t CpuCounters::*, uint64_t>> per_event;  // (counter, ticks << kFractionBits)
    // At most what one guest instruction adds to the time without a timed
    // event (Cpu::note_timed_event): its own price, its class's, a patched
    // site's and a stub's. The run loop looks at the timer no further
    // ahead than the time left over this, so such instructions never pass
    // the deadline unseen.
    uint64_t plain_step_bound = 0;

    uint64_t ticks(uint64_t instret, const CpuCounters& c) const {
        unsigned __int128 sum = (unsigned __int128)instret * per_instruction;
        for (const auto& [counter, price] : per_event) sum += (unsigned __int128)(c.*counter) * price;
        return uint64_t(sum >> kFractionBits);
    }
};

}  // namespace mipshv
