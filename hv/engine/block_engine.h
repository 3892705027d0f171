// What both engines share: decoding guest code into blocks (with the
// hypervisor's decision for every instruction), finding them again, and the
// run loop with its exact accounting: where a run stops (budget, timer
// deadline, never inside stub code or between a branch and its delay slot),
// how many instructions a block retired, and when a guest is stuck. An
// engine supplies only how a whole block runs (`run_whole`).
#pragma once
#include <unordered_set>
#include <vector>

#include "hv/board/bus.h"
#include "hv/engine/block_cache.h"
#include "hv/engine/engine.h"

namespace mipshv {

class BlockEngine : public ExecutionEngine {
public:
    // The engine hears of every write to guest RAM through the bus (Bus::before_write).
    explicit BlockEngine(Bus& bus) : cache_(bus), bus_(bus) { bus.add_engine(this); }
    ~BlockEngine() override { bus_.remove_engine(this); }

    void run(Cpu& c, uint64_t budget) final;
    void invalidate_code(uint64_t pa, uint64_t len) override;
    // An ASID change moves on the page epochs of code found through one
    // ASID's mappings, anything else all of them (page_epochs.h).
    void flush_lookup_cache(LookupFlush why) override {
        ++lookup_flushes_[size_t(why)];
        if (why == LookupFlush::ASID) return cache_.asid_changed([this](unsigned k) { page_epoch_moved(k); });
        cache_.flush_lookup();
        page_epoch_moved(kPageEpochs);
    }
    // Only the lookups of blocks reached through those pages go.
    void unmapped(uint64_t mask, uint64_t vpn2) override {
        ++tlb_entries_unmapped_;
        cache_.unmapped(mask, vpn2, [this](unsigned k) { page_epoch_moved(k); });
    }
    void fill_record(stats::EngineRecord& r) const override;
    // The block `interpret` is running.
    const Block* interpreting() const { return interpreting_; }

protected:
    // run() is now running another vCPU than last time: what translated
    // code found through the last one's TLB mappings (lookups, links that
    // depend on mappings) must be looked up again.
    virtual void switched_vcpu() { flush_lookup_cache(LookupFlush::VCPU_SWITCH); }
    // Page epoch k moved on (kPageEpochs: all of them): an engine's own
    // links that depend on it must go.
    virtual void page_epoch_moved(unsigned k) { (void)k; }
    // Runs `b`, which fits in what is left of the budget and before the
    // timer deadline, from its first instruction; returns with every
    // instruction it retired accounted (see `account`). An engine may go on
    // into the blocks that follow as long as each fits too.
    virtual void run_whole(Cpu& c, Block& b) = 0;

    // Runs b's instructions one by one up to `stop` (or an earlier stop),
    // then accounts them.
    void interpret(Cpu& c, Block& b, const Insn* stop);
    // Accounts a block run that ended at `p`: p == stop when it ran up to
    // `stop`, else the instruction at p stopped it (exception or redirect).
    static void account(Cpu& c, const Block& b, const Insn* p, const Insn* stop);
    // Credits retired (guest) and executed (guest + stub) instructions.
    static void credit(Cpu& c, uint64_t executed, uint64_t retired);
    static void count_by_mode(Cpu& c, unsigned mode, uint64_t retired);

    BlockCache cache_;
    Bus& bus_;
    uint64_t blocks_built_ = 0;
    uint64_t blocks_invalidated_ = 0;
    uint64_t dispatches_ = 0;
    std::array<uint64_t, size_t(LookupFlush::COUNT)> lookup_flushes_{};
    uint64_t tlb_entries_unmapped_ = 0;
    const Block* interpreting_ = nullptr;
    Cpu* last_cpu_ = nullptr;  // the vCPU the last run() ran

private:
    Block* next_block(Cpu& c, Block* prev);
    Block* block_at_pc(Cpu& c);
    Block* build(Cpu& c, uint64_t pa);
    void note_resume_point(const Cpu& c);
    std::vector<Insn> decoding_;  // the block build() is decoding (see there)
    // Where runs stopped mid-block, until a block is built there (see
    // note_resume_point); bounded, as most are never built.
    std::unordered_set<uint64_t> resume_points_;
    static constexpr size_t kMaxResumePoints = 4096;
    static constexpr uint8_t kInterpretedResumeRuns = 4;
    uint64_t resume_blocks_ = 0;
};

}  // namespace mipshv
