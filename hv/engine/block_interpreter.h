// The execution engine of today: decodes each guest basic block once into
// an array of pre-decoded instructions and runs it by calling each one's
// semantic routine in turn.
#pragma once
#include "hv/engine/block_cache.h"
#include "hv/engine/engine.h"

namespace mipshv {

class BlockInterpreter final : public ExecutionEngine {
public:
    explicit BlockInterpreter(Bus& bus) : cache_(bus) {}

    void run(Cpu& c, uint64_t budget) override;
    void invalidate_code(uint64_t pa, uint64_t len) override;
    void flush_lookup_cache() override { cache_.flush_lookup(); }

    uint64_t blocks_built() const { return blocks_built_; }
    uint64_t blocks_invalidated() const { return blocks_invalidated_; }

private:
    Block* block_at_pc(Cpu& c);
    Block* next_block(Cpu& c, Block* prev);
    Block* build(Cpu& c, uint64_t pa);

    BlockCache cache_;
    uint64_t blocks_built_ = 0;
    uint64_t blocks_invalidated_ = 0;
};

}  // namespace mipshv
