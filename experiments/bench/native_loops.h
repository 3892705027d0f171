// The bench loops of bench_engine.cpp written for the host, the physical
// baseline the engines are measured against (MANUAL section 9). Each
// function runs n iterations of its loop, the same operations per iteration
// as the guest loop, from and back into the state it is given.
#pragma once

#include <cstdint>

namespace mipshv::bench {

struct IntegerState {
    uint32_t t0 = 0, t1 = 0, t3 = 0;
    uint64_t s0 = 0;
};
struct LoadStoreState {
    uint32_t t0 = 0, s2 = 0;
    uint64_t s0 = 0;
};
struct BranchyState {
    uint32_t t0 = 0, s0 = 0, s1 = 0;
};

void native_integer(IntegerState& s, uint64_t n);
// page: 4 KiB, 8-byte aligned.
void native_load_store(LoadStoreState& s, unsigned char* page, uint64_t n);
void native_branchy(BranchyState& s, uint64_t n);

}  // namespace mipshv::bench
