// The translating engine: each block is translated once per MMU mode into
// x86-64 code (translate.h) that runs until something needs the run loop.
// Blocks continue into each other through chaining slots and an indirect
// table kept in data memory (jit_context.h), validated by epochs, so
// linking and unlinking never writes code. Everything the run loop decides
// (stops, timer, interrupts, accounting of stopped blocks) stays shared
// with the interpreter in BlockEngine.
#pragma once
#include <array>
#include <cstdint>
#include <cstdio>
#include <memory>
#include <vector>

#include "hv/engine/block_engine.h"
#include "hv/engine/jit/code_cache.h"
#include "hv/engine/jit/translate.h"

namespace mipshv {

namespace jit { struct Context; }

class Jit final : public BlockEngine {
public:
    Jit(Bus& bus, size_t code_cache_bytes);
    ~Jit() override;
    const char* name() const override { return "jit"; }
    void invalidate_code(uint64_t pa, uint64_t len) override;

    void fill_record(stats::EngineRecord& r) const override;

protected:
    void run_whole(Cpu& c, Block& b) override;
    void page_epoch_moved(unsigned k) override;
    // Also forgets how the last vCPU's run ended: its exit is not linked to
    // the block the next vCPU starts with.
    void switched_vcpu() override {
        pending_ = Pending::NONE;
        flush_lookup_cache(LookupFlush::VCPU_SWITCH);
    }

private:
    using EnterFn = uint32_t (*)(Cpu*, jit::Context*, const void*);
    const Block::HostCode& code_for(Cpu& c, Block& b, unsigned mode);
    void link_to(Block& b, const Block::HostCode& code, unsigned mode);
    void point_direct(uint32_t slot, const void* destination);
    void unlink_incoming(Block& b);
    void flush_all();
    void new_epochs(bool code_changed);

    CodeCache code_;
    jit::Context* ctx_ = nullptr;
    jit::Runtime runtime_;
    std::unique_ptr<jit::Scratch> scratch_;
    EnterFn enter_ = nullptr;
    size_t runtime_bytes_ = 0;
    uint64_t generation_ = 1;  // code cache generation: HostCode of older ones is gone
    uint32_t next_slot_ = 0;
    struct DirectSlot {
        jit::DirectSite site;
        Block* target = nullptr;
        // The block the slot leaves from: its physical address, and whether
        // it takes no guest time (stub code; see link_to).
        uint64_t from_pa = 0;
        bool from_zero_weight = false;
    };
    std::vector<DirectSlot> direct_;  // by slot number; empty site: an epoch-checked slot

    // How the last native run ended, so the block the run loop finds next
    // can be linked in for next time.
    enum class Pending : uint8_t { NONE, SLOT, INDIRECT } pending_ = Pending::NONE;
    uint64_t pending_pc_ = 0, pending_code_epoch_ = 0;
    uint32_t pending_slot_ = 0;
    unsigned pending_mode_ = 0;

    uint64_t host_bytes_ = 0, flushes_ = 0, links_ = 0, translations_ = 0;
    std::array<uint64_t, 8> exits_{};  // by jit::Exit
    uint64_t translate_ns_ = 0;
    std::FILE* perf_map_ = nullptr;  // MIPSHV_PERF_MAP: symbols for `perf report`
};

}  // namespace mipshv
