#include "hv/engine/jit/routine_call.h"

#include "hv/cpu/cpu.h"
#include "hv/engine/jit/jit_context.h"

namespace mipshv::jit {

static_assert(sizeof(Context::host_registers) == 8 * (RegCache::kHost.size() + 1));  // (and the spare slot)

bool run_routine_call(Cpu& c, const RoutineCall& call, Context& ctx) {
    // As Translator::write_back: a low-32 value is its sign extension.
    for (size_t h = 0; h < RegCache::kHost.size(); ++h) {
        const uint64_t v = ctx.host_registers[h];
        c.gpr[size_t(call.write_home[h])] = (call.low32 >> h & 1) ? uint64_t(int64_t(int32_t(v))) : v;
    }
    ++*reinterpret_cast<uint64_t*>(reinterpret_cast<char*>(&ctx) + call.counter);
    const bool ok = (call.inner ? call.insn->inner : call.insn->exec)(c, *call.insn);
    // As Translator::reload.
    for (size_t h = 0; h < RegCache::kHost.size(); ++h) ctx.host_registers[h] = c.gpr[size_t(call.load[h])];
    for (int8_t h : call.spoil) ctx.host_registers[size_t(h)] = RegCache::kSpoiledMemo;
    return ok;
}

}  // namespace mipshv::jit
