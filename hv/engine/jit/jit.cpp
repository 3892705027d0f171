#include "hv/engine/jit/jit.h"

#include <sys/mman.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <string>
#include <new>
#include <type_traits>

#include "hv/common/error.h"
#include "hv/cpu/cpu.h"
#include "hv/engine/jit/jit_context.h"
#include "hv/engine/jit/scratch.h"
#include "hv/stats/run_record.pb.h"

namespace mipshv {

namespace {
constexpr size_t kRuntimeBytes = 4096;

uint64_t steady_ns() {
    return uint64_t(std::chrono::duration_cast<std::chrono::nanoseconds>(
                        std::chrono::steady_clock::now().time_since_epoch()).count());
}
}  // namespace

Jit::Jit(Bus& bus, size_t code_cache_bytes)
    : BlockEngine(bus), code_(code_cache_bytes), scratch_(std::make_unique<jit::Scratch>()) {
    void* p = mmap(nullptr, sizeof(jit::Context), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (p == MAP_FAILED) throw Error(std::string("mipshv: cannot map the translator's data: ") + std::strerror(errno));
    // Fresh anonymous pages are zero, a valid context but for its epochs
    // (jit_context.h): no need to write (and so fault in) 40 MB of slots.
    static_assert(std::is_aggregate_v<jit::Context> && std::is_trivially_destructible_v<jit::Context>);
    ctx_ = static_cast<jit::Context*>(p);
    ctx_->code_epoch = jit::kFirstEpoch;
    for (uint64_t& e : ctx_->code_epochs) e = jit::kFirstEpoch;
    for (uint64_t& e : ctx_->page_epochs) e = jit::kFirstEpoch;
    // perf's convention for code made at run time: /tmp/perf-PID.map, one
    // "start size name" line per block, so profiles name guest addresses.
    if (const char* v = std::getenv("MIPSHV_PERF_MAP"); v && *v && std::strcmp(v, "0") != 0)
        perf_map_ = std::fopen(("/tmp/perf-" + std::to_string(getpid()) + ".map").c_str(), "w");
    if (perf_map_) std::setvbuf(perf_map_, nullptr, _IOLBF, 0);
}

Jit::~Jit() {
    if (perf_map_) std::fclose(perf_map_);
    munmap(ctx_, sizeof(jit::Context));
}

void Jit::new_epochs(bool code_changed) {
    if (code_changed) {
        ++ctx_->code_epoch;
        for (uint64_t& e : ctx_->code_epochs) ++e;
    }
    for (uint64_t& e : ctx_->page_epochs) ++e;
}

void Jit::page_epoch_moved(unsigned k) {
    if (k < kPageEpochs) ++ctx_->page_epochs[k];
    else new_epochs(false);
}

void Jit::invalidate_code(uint64_t pa, uint64_t len) {
    const uint64_t before = blocks_invalidated_;
    const size_t dropped_before = cache_.dropped().size();
    BlockEngine::invalidate_code(pa, len);
    if (blocks_invalidated_ == before) return;
    // A block that loops in place (Translator::loop_in_place) may be the one
    // dropped: its next pass's entry check sends the vCPU to the run loop.
    if (last_cpu_) last_cpu_->request_check();
    // Only the links to the dropped blocks go (as BlockCache::forget_block):
    // direct ones are pointed back at the run loop, the others by the
    // epochs of the blocks' own pages.
    const auto& dropped = cache_.dropped();
    for (size_t k = dropped_before; k < dropped.size(); ++k) {
        forget_dropped_block(ctx_->code_epoch, ctx_->code_epochs, ctx_->page_epochs, dropped[k]->vpc);
        unlink_incoming(*dropped[k]);
    }
}

// Rewrites a direct slot's jump (the rel32 that ends it), in the cache's
// writable view.
void Jit::point_direct(uint32_t slot, const void* destination) {
    uint8_t* const end = direct_[slot].site.end;
    const int32_t rel = int32_t(static_cast<const uint8_t*>(destination) - end);
    std::memcpy(end - code_.exec_delta() - sizeof rel, &rel, sizeof rel);
}

void Jit::unlink_incoming(Block& b) {
    for (uint32_t slot : b.incoming_slots)
        if (slot < direct_.size() && direct_[slot].target == &b) {
            point_direct(slot, direct_[slot].site.miss);
            direct_[slot].target = nullptr;
        }
    b.incoming_slots.clear();
}


// BlockCache::insert starts afresh on its own past kMaxBlocks, without
// telling the jit, whose links would then outlive their blocks. Every block
// the jit runs takes two slots, and the jit flushes everything when the
// slots run out: so it always flushes first.
static_assert(jit::kSlots / 2 < BlockCache::kMaxBlocks);

// The code cache is full: every translation goes, and with it every block
// (they are rebuilt as they run again).
void Jit::flush_all() {
    cache_.clear();
    code_.reset_to(runtime_bytes_);
    next_slot_ = 0;
    direct_.clear();
    ++generation_;
    ++flushes_;
    pending_ = Pending::NONE;
    new_epochs(true);
}

const Block::HostCode& Jit::code_for(Cpu& c, Block& b, unsigned mode) {
    Block::HostCode& hc = b.host[mode];
    if (hc.generation == generation_) return hc;
    if (!enter_) {
        uint8_t* buf = code_.begin_write(kRuntimeBytes);
        const void* enter = nullptr;
        const size_t n = jit::emit_runtime(c, buf, kRuntimeBytes, code_.exec_delta(), runtime_, enter);
        code_.end_write(n);
        enter_ = reinterpret_cast<EnterFn>(const_cast<void*>(enter));
        runtime_bytes_ = code_.used();
    }
    const uint64_t start = steady_ns();
    if (next_slot_ + 2 > jit::kSlots) flush_all();
    uint8_t* buf = code_.begin_write(jit::kMaxBlockCodeBytes);
    if (!buf) {
        flush_all();
        buf = code_.begin_write(jit::kMaxBlockCodeBytes);
        if (!buf) throw Error("mipshv: the code cache is too small for one block");
    }
    jit::DirectSite sites[2];
    const jit::Request req{b, mode, c, next_slot_, next_slot_ + 1, runtime_, code_.exec_delta(), sites, scratch_.get()};
    ctx_->slots[next_slot_] = ctx_->slots[next_slot_ + 1] = jit::Link{};
    next_slot_ += 2;
    const size_t n = jit::translate(req, buf, jit::kMaxBlockCodeBytes, hc);
    code_.end_write(n);
    if (direct_.size() < next_slot_) direct_.resize(next_slot_ + (next_slot_ >> 1));
    direct_[next_slot_ - 2] = {sites[0], nullptr, b.pa, b.guest_insns == 0};
    direct_[next_slot_ - 1] = {sites[1], nullptr, b.pa, b.guest_insns == 0};
    hc.generation = generation_;
    if (perf_map_)
        std::fprintf(perf_map_, "%lx %zx guest_%llx_m%u_n%zu\n", static_cast<unsigned long>(reinterpret_cast<uintptr_t>(hc.entry)),
                     n, static_cast<unsigned long long>(b.vpc), mode, b.insns.size());
    host_bytes_ += n;
    ++translations_;
    translate_ns_ += steady_ns() - start;
    return hc;
}

// Points the slot or indirect entry the last run ended through at `b`.
void Jit::link_to(Block& b, const Block::HostCode& code, unsigned mode) {
    const Pending kind = pending_;
    pending_ = Pending::NONE;
    // (A slot links blocks of one mode only: translated code relies on it.)
    if (kind == Pending::NONE || b.vpc != pending_pc_ || mode != pending_mode_ || ctx_->code_epoch != pending_code_epoch_)
        return;
    // Code that takes no guest time (stub code) links to such code only
    // forward, to a higher physical address (stubs branch only forward), so
    // that every loop of linked blocks goes through guest code, whose entry
    // checks the budget: none retires nothing forever (the run loop is what
    // detects a stuck guest).
    if (kind == Pending::SLOT && b.guest_insns == 0 && pending_slot_ < direct_.size() &&
        direct_[pending_slot_].from_zero_weight && b.pa <= direct_[pending_slot_].from_pa)
        return;
    if (kind == Pending::SLOT && pending_slot_ < direct_.size() && direct_[pending_slot_].site.end) {
        point_direct(pending_slot_, code.entry);
        direct_[pending_slot_].target = &b;
        b.incoming_slots.push_back(pending_slot_);
        ++links_;
        return;
    }
    jit::Link* link;
    if (kind == Pending::SLOT) {
        link = &ctx_->slots[pending_slot_];
    } else {
        jit::IndirectEntry& e = ctx_->indirect[(b.vpc >> 2) & (jit::kIndirectEntries - 1)];
        e.tag = b.vpc | mode;
        link = &e.link;
    }
    // A slot here is one whose link holds only until its target page's
    // mapping changes (the others are direct); an indirect entry to code
    // reached through ckseg0/ckseg1 stays valid whatever the TLB does.
    const bool mapped = kind == Pending::SLOT || !in_compat_kernel_segment(b.vpc);
    const unsigned page = page_epoch_index(b.vpc);
    link->target = code.entry;
    link->epoch_offset = (mapped ? offsetof(jit::Context, page_epochs) : offsetof(jit::Context, code_epochs)) + 8 * page;
    link->stamp = mapped ? ctx_->page_epochs[page] : ctx_->code_epochs[page];
    ++links_;
}

void Jit::run_whole(Cpu& c, Block& b) {
    if (c.trace) {  // one line per instruction: the interpreter's path
        interpret(c, b, b.insns.data() + b.insns.size());
        return;
    }
    if (b.interpret_first) {  // (not yet worth translating: see note_resume_point)
        --b.interpret_first;
        pending_ = Pending::NONE;  // the last exit is not linked to it
        interpret(c, b, b.insns.data() + b.insns.size());
        return;
    }
    const unsigned mode = c.mmu_mode;
    const Block::HostCode& code = code_for(c, b, mode);
    link_to(b, code, mode);
    const uint32_t exit = enter_(&c, ctx_, code.body);
    ++exits_[exit % exits_.size()];
    switch (exit) {
        case jit::EXIT_STOPPED: {
            Block& at = *reinterpret_cast<Block*>(ctx_->exit_block);
            const Insn* p = at.insns.data() + ctx_->exit_index;
            account(c, at, p, at.insns.data() + at.insns.size());
            break;
        }
        case jit::EXIT_CHAIN:
            pending_ = Pending::SLOT;
            pending_slot_ = uint32_t(ctx_->exit_slot);
            break;
        case jit::EXIT_INDIRECT:
            pending_ = Pending::INDIRECT;
            break;
        default: break;
    }
    pending_pc_ = c.pc;
    pending_mode_ = c.mmu_mode;
    pending_code_epoch_ = ctx_->code_epoch;
}

void Jit::fill_record(stats::EngineRecord& r) const {
    BlockEngine::fill_record(r);
    r.set_blocks_translated(translations_);
    r.set_host_code_bytes(host_bytes_);
    r.set_code_cache_bytes(code_.capacity());
    r.set_code_cache_flushes(flushes_);
    r.set_translate_seconds(double(translate_ns_) / 1e9);
    r.set_chained_links(links_);
    static constexpr std::pair<jit::Exit, const char*> kExitNames[] = {
        {jit::EXIT_RECHECK, "entry check"}, {jit::EXIT_CHAIN, "unlinked exit"}, {jit::EXIT_INDIRECT, "indirect miss"},
        {jit::EXIT_STOPPED, "stopped"}, {jit::EXIT_DISPATCH, "stub end"}};
    for (const auto& [exit, name] : kExitNames)
        if (exits_[exit]) (*r.mutable_translated_code_exits())[name] = exits_[exit];
    auto& calls = *r.mutable_routine_calls();
    auto& slow = *r.mutable_slow_path_calls();
    for (size_t op = 0; op < jit::kOpcodes; ++op) {
        const std::string name(opcode_info(Opcode(op)).name);
        if (ctx_->routine_calls[op]) calls[name] += ctx_->routine_calls[op];
        if (ctx_->slow_paths[op]) slow[name] += ctx_->slow_paths[op];
    }
}

}  // namespace mipshv
