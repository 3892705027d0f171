// The cost model: a run's counted events priced in cycles of a modelled
// MIPS64 core (run_record.proto: CostModelProfile, ModelledCost). Wall time
// on the host measures the engine; this answers what each mode would cost
// on the hardware, under explicit, cited or swept, prices. The CLI, `mipshv
// stats` and the Python module all price through here.
#pragma once
#include <string>

#include "hv/stats/event_prices.h"
#include "hv/stats/run_record.pb.h"

namespace mipshv {

// Reads and checks a profile (JSON): every price names a counter, is finite
// and not negative, the clock is positive. Throws Error, one line naming
// the file and what is wrong.
stats::CostModelProfile load_cost_model(const std::string& path);
constexpr uint64_t kMaxCostModelBytes = 1ull << 20;

// Counted events that bare metal does not have: hypervisor exits (and the
// traps among them by sensitive class), patched sites, stub instructions,
// shadow TLB updates.
bool is_hypervisor_event(const std::string& counter);

// The profile's prices in ticks of a clock of `ticks_per_second` (the
// board's), for --timing. Needs a price for `instructions` (none by mode:
// those counters are credited later than instret). Throws Error, one line.
EventPrices event_prices(const stats::CostModelProfile& profile, const std::string& file, double ticks_per_second);

// Prices the record's totals; sets record.modelled.
void model_cost(const stats::CostModelProfile& profile, const std::string& file, stats::RunRecord& record);

}  // namespace mipshv
