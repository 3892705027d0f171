// The execution engine interface: what stands in for the MIPS64 pipeline.
// Today a pre-decoded block interpreter implements it; a block-level binary
// translator can implement the same interface later.
#pragma once
#include <cstdint>

namespace mipshv {

struct Cpu;

class ExecutionEngine {
public:
    virtual ~ExecutionEngine() = default;
    // Runs the vCPU until it stops or has retired `budget` more instructions
    // (the budget is checked between blocks).
    virtual void run(Cpu& c, uint64_t budget) = 0;
    // Guest physical range [pa, pa+len) was written: drop code translated from it.
    virtual void invalidate_code(uint64_t pa, uint64_t len) = 0;
    // Virtual-to-physical mappings changed: forget virtual-PC lookups.
    virtual void flush_lookup_cache() = 0;
};

}  // namespace mipshv
