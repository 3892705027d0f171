// Per-vCPU counters (gem5-style named statistics). Incrementing one is a
// plain add on a field; names and descriptions come from counters.def.
#pragma once
#include <cstdint>
#include <string_view>

namespace mipshv {

struct CpuCounters {
#define COUNTER(field, description) uint64_t field = 0;
#include "hv/stats/counters.def"
#undef COUNTER

    // Calls fn(name, description, value) for every counter, in table order.
    template <typename Fn>
    void for_each(Fn fn) const {
#define COUNTER(field, description) fn(std::string_view(#field), std::string_view(description), field);
#include "hv/stats/counters.def"
#undef COUNTER
    }
};

// The counter named `name` (a counters.def row), or nullptr.
inline uint64_t CpuCounters::*counter_named(std::string_view name) {
#define COUNTER(field, description) \
    if (name == #field) return &CpuCounters::field;
#include "hv/stats/counters.def"
#undef COUNTER
    return nullptr;
}

}  // namespace mipshv
