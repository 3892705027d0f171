// Retired guest instructions by cost class (CostClass, hv/isa/opcode.h), so
// that a cost model can price loads, multiplies, divides and FPU work apart
// from the base CPI. A block's counts are static: the interpreter adds the
// prefix that ran, the translator emits the same sums as constants.
#pragma once
#include <array>
#include <cstdint>

#include "hv/cpu/insn.h"
#include "hv/stats/counters.h"

namespace mipshv {

constexpr size_t kCostClasses = size_t(CostClass::FPU) + 1;

// The counter each class adds to (OTHER: none, the base CPI prices it).
constexpr uint64_t CpuCounters::*class_counter_of(CostClass k) {
    switch (k) {
        case CostClass::LOAD: return &CpuCounters::loads;
        case CostClass::STORE: return &CpuCounters::stores;
        case CostClass::MULTIPLY: return &CpuCounters::multiplies;
        case CostClass::DIVIDE: return &CpuCounters::divides;
        case CostClass::FPU: return &CpuCounters::fpu_instructions;
        case CostClass::OTHER: break;
    }
    return nullptr;
}

// The class a block's instruction retires as: its own when it runs its own
// semantics as a guest instruction; a trapped, patched or stub instruction
// stands for a sensitive one, which is OTHER in every mode. (A delay slot
// on the next page is decoded when it runs: its routine counts it.)
inline CostClass retired_class(const Insn& i) {
    if (i.action != Action::RUN || (i.state & insn_state::ZERO_WEIGHT)) return CostClass::OTHER;
    return opcode_info(i.op).cost;
}

using ClassCounts = std::array<uint32_t, kCostClasses>;

inline ClassCounts count_classes(const Insn* first, const Insn* end) {
    ClassCounts n{};
    for (const Insn* p = first; p != end; ++p) ++n[size_t(retired_class(*p))];
    return n;
}

// Which of a block's instructions retire as each class, one bit per
// instruction (a block has at most kMaxBlockInsns + 1, with its last delay
// slot), so that what a block's first n instructions retire, needed at
// every exception or stop inside a block, costs a popcount per class rather
// than a walk of the block.
using ClassMembers = std::array<unsigned __int128, kCostClasses>;

inline ClassMembers class_members(const Insn* first, const Insn* end) {
    ClassMembers m{};
    for (const Insn* p = first; p != end; ++p) m[size_t(retired_class(*p))] |= (unsigned __int128)1 << (p - first);
    return m;
}

// What the first n of a block's instructions retire, by class.
ClassCounts count_first(const ClassMembers& m, size_t n);

inline void add_class_counts(CpuCounters& counters, const ClassCounts& n) {
    for (size_t k = 1; k < kCostClasses; ++k)
        if (n[k]) counters.*class_counter_of(CostClass(k)) += n[k];
}

}  // namespace mipshv
