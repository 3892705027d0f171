// Architectural state of coprocessor 1 (the FPU).
#pragma once
#include <cstdint>

namespace mipshv {

struct FpuState {
    // 32 registers of 64 bits. With Status.FR=0 a double lives in an even/odd
    // pair: the low word in fpr[n], the high word in the low half of fpr[n+1].
    uint64_t fpr[32] = {};
    uint32_t fcsr = 0;  // FCR31: condition codes, flags, enables, cause, RM
    uint32_t fir = 0;   // FCR0: implementation/revision, set by the machine
};

}  // namespace mipshv
