#include "hv/engine/jit/routine_call.h"

#include <algorithm>

#include "hv/cpu/cpu.h"
#include "hv/engine/jit/jit_context.h"

namespace mipshv::jit {

static_assert(sizeof(Context::host_registers) == 8 * (RegCache::kHost.size() + 1));  // (and the spare slot)

namespace {
void refill_memo(Cpu& c, const MemoRefill& memo, Context& ctx);
}

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
    if (call.refills) refill_memo(c, *reinterpret_cast<const MemoRefill*>(&call + 1), ctx);
    return ok;
}

namespace {
// As Translator::soft_tlb_access and check_memo_range would in the block.
void refill_memo(Cpu& c, const MemoRefill& memo, Context& ctx) {
    const uint64_t va = c.gpr[memo.base] + uint64_t(int64_t(memo.disp));
    if (va & (memo.size - 1u)) return;
    const SoftTlbEntry* e = memo.store ? c.soft_tlb.for_write(memo.mode, va) : c.soft_tlb.for_read(memo.mode, va);
    if (!e) return;
    const uint64_t host = va + e->addend;
    const uint64_t first = host + uint64_t(int64_t(std::min<int32_t>(memo.lo, 0)));
    const uint64_t last = host + uint64_t(int64_t(std::max<int32_t>(memo.hi, memo.size))) - 1;
    if (((first ^ last) & kHostPageMask) != 0) return;
    ctx.host_registers[size_t(memo.host)] = host;
}
}  // namespace

}  // namespace mipshv::jit
