// The execution engine interface: what stands in for the MIPS64 pipeline.
// Two engines implement it over one shared run loop (block_engine.h): the
// reference interpreter (interp/) and the x86-64 translator (jit/).
#pragma once
#include <cstdint>
#include <memory>
#include <string>

namespace mipshv {

struct Cpu;
class Bus;
namespace stats { class EngineRecord; }

// Why the lookups from virtual PC to block were flushed (counted by cause
// in the engine record's lookup_flushes).
enum class LookupFlush { ASID, STATUS, TLB_ENTRY, VCPU_SWITCH, OTHER, COUNT };
inline constexpr const char* kLookupFlushNames[] = {"asid", "status", "tlb entry", "vcpu switch", "other"};

class ExecutionEngine {
public:
    virtual ~ExecutionEngine() = default;
    // Runs the vCPU until it stops or has retired exactly `budget` more
    // instructions (one more when the budget ends between a branch and its
    // delay slot); 0 means no budget.
    virtual void run(Cpu& c, uint64_t budget) = 0;
    // Guest physical range [pa, pa+len) was written: drop code translated from it.
    virtual void invalidate_code(uint64_t pa, uint64_t len) = 0;
    // Virtual-to-physical mappings changed: forget virtual-PC lookups.
    virtual void flush_lookup_cache(LookupFlush why) = 0;
    // The pages whose (address & mask) == vpn2 are no longer mapped as
    // they were (one TLB entry replaced): forget lookups that used them.
    virtual void unmapped(uint64_t mask, uint64_t vpn2) { (void)mask, (void)vpn2, flush_lookup_cache(LookupFlush::TLB_ENTRY); }
    virtual const char* name() const = 0;
    // The engine's statistics, for the RunRecord.
    virtual void fill_record(stats::EngineRecord& r) const = 0;
};

// The engines `--engine` names: "jit" or "interp". Throws Error otherwise.
// `code_cache_bytes`: the translator's code cache.
std::unique_ptr<ExecutionEngine> make_engine(const std::string& name, Bus& bus, size_t code_cache_bytes);

}  // namespace mipshv
