// The reference engine: runs each pre-decoded instruction by calling its
// semantic routine (or the routine its hypervisor decision names) in turn.
#pragma once
#include "hv/engine/block_engine.h"

namespace mipshv {

class Interpreter final : public BlockEngine {
public:
    using BlockEngine::BlockEngine;
    const char* name() const override { return "interp"; }

protected:
    void run_whole(Cpu& c, Block& b) override { interpret(c, b, b.insns.data() + b.insns.size()); }
};

}  // namespace mipshv
