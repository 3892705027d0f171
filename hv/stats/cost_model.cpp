#include "hv/stats/cost_model.h"

#include <google/protobuf/util/json_util.h>

#include <cmath>
#include <map>
#include <set>

#include "hv/common/error.h"
#include "hv/common/host_file.h"
#include "hv/stats/counters.h"

namespace mipshv {

namespace {

// What a price may name: every per-vCPU counter, and the machine-wide total
// of retired guest instructions.
const std::set<std::string>& priceable() {
    static const std::set<std::string> names = [] {
        std::set<std::string> n{"instructions"};
        CpuCounters{}.for_each([&](std::string_view name, std::string_view, uint64_t) { n.emplace(name); });
        return n;
    }();
    return names;
}

}  // namespace

bool is_hypervisor_event(const std::string& counter) {
    return counter.rfind("exits_", 0) == 0 || counter.rfind("traps_", 0) == 0 || counter == "patched_site_executions" ||
           counter == "hypervisor_stub_instructions" || counter == "shadow_tlb_flushes";
}

stats::CostModelProfile load_cost_model(const std::string& path) {
    const std::vector<uint8_t> bytes = read_host_file({"--cost-model", path, kMaxCostModelBytes});
    const std::string where = "mipshv: --cost-model " + path + ": ";
    stats::CostModelProfile p;
    const auto status = google::protobuf::util::JsonStringToMessage(std::string(bytes.begin(), bytes.end()), &p);
    if (!status.ok()) {
        const std::string why(status.message());
        throw Error(where + "not a cost model (" + why.substr(0, why.find('\n')) + ")");  // (one line)
    }
    if (!(p.clock_hz() > 0) || !std::isfinite(p.clock_hz())) throw Error(where + "clock_hz must be a positive number");
    if (p.prices().empty()) throw Error(where + "no prices");
    if (p.prices().count("instructions") && (p.prices().count("instructions_kernel") || p.prices().count("instructions_user") ||
                                              p.prices().count("instructions_supervisor")))
        throw Error(where + "prices both 'instructions' and instructions by mode (each would count twice)");
    for (const auto& [name, price] : p.prices()) {
        if (!priceable().count(name)) throw Error(where + "'" + name + "' is not a counter (hv/stats/counters.def)");
        if (!(price.cycles() >= 0) || !std::isfinite(price.cycles()))
            throw Error(where + "'" + name + "' costs " + std::to_string(price.cycles()) + " cycles");
        if (price.source().empty() && !price.assumption())
            throw Error(where + "'" + name + "' has no source and is not marked an assumption");
    }
    return p;
}

EventPrices event_prices(const stats::CostModelProfile& profile, const std::string& file, double ticks_per_second) {
    const std::string where = "mipshv: --timing: --cost-model " + file + ": ";
    if (!profile.prices().count("instructions")) throw Error(where + "the profile must price 'instructions'");
    const double scale = ticks_per_second / profile.clock_hz() * double(1ull << EventPrices::kFractionBits);
    auto fixed = [&](const std::string& name, double cycles) {
        const double v = std::round(cycles * scale);
        if (!(v < 0x1p40)) throw Error(where + "'" + name + "' is too dear for the board's clock");
        return uint64_t(v);
    };
    // The events routines note (exceptions of every kind, exits, TLB writes)
    // are looked at when they happen. Of the rest, only what one instruction
    // adds a bounded amount of as it runs may be priced: its class, a patched
    // site, a stub's instructions; they bound a plain instruction's time.
    auto noted = [](const std::string& n) {
        return n.rfind("exits_", 0) == 0 || n.rfind("traps_", 0) == 0 || n == "interrupts" || n == "guest_tlb_writes" || n == "shadow_tlb_flushes" ||
               (n.size() >= 10 && n.compare(n.size() - 10, 10, "exceptions") == 0);
    };
    const std::set<std::string> classes{"loads", "stores", "multiplies", "divides", "fpu_instructions"};
    EventPrices prices;
    uint64_t dearest_class = 0, others = 0;
    const std::map<std::string, stats::CostModelPrice> sorted(profile.prices().begin(), profile.prices().end());
    for (const auto& [name, price] : sorted) {
        if (name.rfind("instructions_", 0) == 0) throw Error(where + "prices instructions by mode ('" + name + "')");
        const uint64_t f = fixed(name, price.cycles());
        if (name == "instructions") {
            prices.per_instruction = f;
            continue;
        }
        if (f) prices.per_event.emplace_back(counter_named(name), f);
        if (price.cycles() == 0 || noted(name)) continue;
        if (classes.count(name)) dearest_class = std::max(dearest_class, f);
        else if (name == "hypervisor_stub_instructions") others += f * kMaxStubInsns;
        else if (name == "patched_site_executions") others += f;
        else throw Error(where + "'" + name + "' is not counted as instructions run, so the clock cannot follow it");
    }
    if (prices.per_instruction == 0) throw Error(where + "'instructions' must cost more than nothing");
    prices.plain_step_bound = prices.per_instruction + dearest_class + others;
    return prices;
}

void model_cost(const stats::CostModelProfile& profile, const std::string& file, stats::RunRecord& record) {
    stats::ModelledCost& m = *record.mutable_modelled();
    m.Clear();
    m.set_profile(profile.name());
    m.set_file(file);
    double cycles = 0, bare = 0;
    const std::map<std::string, stats::CostModelPrice> prices(profile.prices().begin(), profile.prices().end());
    for (const auto& [name, price] : prices) {  // (by name: the same sum every time)
        const auto it = record.totals().find(name);
        const double c = double(it == record.totals().end() ? 0 : it->second) * price.cycles();
        (*m.mutable_cycles_by_kind())[name] = c;
        cycles += c;
        if (!is_hypervisor_event(name)) bare += c;
    }
    m.set_cycles(cycles);
    m.set_seconds(cycles / profile.clock_hz());
    m.set_bare_metal_cycles(bare);
    m.set_ratio_to_bare_metal(bare > 0 ? cycles / bare : 0);
}

}  // namespace mipshv
