// An instruction's routine called from out-of-line code (a load's or
// store's slow path, a guarded instruction's rare case, a patched word met
// outside kernel mode) through code shared by all blocks: the block's cold
// path passes a RoutineCall and calls Runtime::routine_call, which parks the
// host registers that hold guest registers in the Context, and
// run_routine_call writes the changed ones home, runs the routine and loads
// back what the block holds after it. A cold path is then a few bytes and
// a few instructions to emit instead of a store and a load per held
// register (translation is a visible share of a boot).
#pragma once
#include <array>
#include <cstdint>

#include "hv/cpu/insn.h"
#include "hv/engine/jit/reg_cache.h"

namespace mipshv {
struct Cpu;
}

namespace mipshv::jit {

struct Context;

// Written into the block's code, after it (so it lives as long as the code).
// Indices rather than flags, so that run_routine_call needs no branch per
// register: a register with nothing to write goes to the $0 sink
// (Cpu::gpr[32]), one with nothing to load (it holds neither a guest
// register nor a memo: its value is dead) is loaded from there, and an
// unused spoil index is Context::host_registers' spare slot.
struct RoutineCall {
    static constexpr int8_t kSink = 32;
    static constexpr int8_t kSpareSlot = int8_t(RegCache::kHost.size());
    const Insn* insn = nullptr;
    int32_t counter = 0;  // offset in the Context of the counter this call bumps
    uint16_t low32 = 0;   // bit h: host register h holds only the low 32 bits of its guest register
    bool inner = false;   // run insn->inner (the plain semantics), else insn->exec
    // Per host register (RegCache::kHost): the guest register to write home
    // before the routine (a changed one), and the one to load after it.
    std::array<int8_t, RegCache::kHost.size()> write_home{};
    std::array<int8_t, RegCache::kHost.size()> load{};
    // The host registers of the memos held after it: RegCache::kSpoiledMemo.
    std::array<int8_t, 2> spoil{kSpareSlot, kSpareSlot};
    uint8_t unused[5] = {};
};
static_assert(sizeof(RoutineCall) == 40, "no padding: a block's code bytes are the same in every run");

// Called by Runtime::routine_call, with the host registers parked in
// ctx.host_registers; returns the routine's result (false: the block stops).
bool run_routine_call(Cpu& c, const RoutineCall& call, Context& ctx);

}  // namespace mipshv::jit
