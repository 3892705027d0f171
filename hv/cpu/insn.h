// The pre-decoded form of one guest instruction. The block builder fills it
// once; the run loop calls `exec` every time the instruction runs.
#pragma once
#include <cstdint>

#include "hv/isa/opcode.h"

namespace mipshv {

struct Cpu;
struct Insn;

// Runs one instruction. Returns false when the block must stop right here:
// an exception was taken, or the instruction itself redirected control.
using ExecFn = bool (*)(Cpu&, const Insn&);

namespace insn_state {
constexpr uint8_t IN_DELAY_SLOT = 1;  // EPC of a fault here is the branch's
// Not a guest instruction: hypervisor stub code, or the annulled delay slot
// of a 1:n patch's jump. It takes no guest time, so every execution mode
// shows the guest the same clock.
constexpr uint8_t ZERO_WEIGHT = 2;
// Patched words end their block where the original instruction would.
constexpr uint8_t ENDS_BLOCK = 4, CONTINUES_BLOCK = 8;
// An unconditional jump the block builder followed within the page: its
// target's instructions come next in the block (after its delay slot), so
// running it changes nothing but the instruction count. Its delay slot
// then checks that the block's code was not written meanwhile; if it was,
// the block stops there and the target is fetched anew.
constexpr uint8_t FOLLOWED_JUMP = 16;
}

// What the hypervisor decided for one guest instruction. The decision is
// data that every engine honours: the interpreter runs the routine
// `routine_for` names (hv/engine/decision.h); the translator emits the
// instruction natively only when it is RUN.
enum class Action : uint8_t {
    RUN,             // the instruction's own semantics
    ANNUL,           // the annulled delay slot of a stub jump: nothing happens
    TRAP,            // exit to the hypervisor, which fetches, decodes and emulates it
    HYPERCALL,       // a patch naming a pre-decoded emulation record
    PATCHED,         // a patched word: as written in the guest kernel, its original elsewhere
    STOP,            // --stop-on-sensitive: stop the machine if in kernel mode
    NEXT_PAGE_SLOT,  // a delay slot on the next page, fetched when it runs
};

struct Insn {
    ExecFn exec;
    ExecFn inner;     // what a wrapping `exec` (trace, trap-mode stop) runs in the end
    uint64_t pc;
    uint64_t target;  // branch/jump destination, precomputed where static
    uint32_t word;
    Opcode op;
    uint8_t rs, rt, rd, sa;
    uint8_t dst;  // GPR written; writes to $0 go to the sink register 32
    uint8_t state;
    Action action;
    uint16_t seq;  // guest instructions before this one in its block
};

// Semantic routine of every opcode, one per row of instructions.def.
#define INSN(name, mask, match, dest, flags, sclass) bool exec_##name(Cpu&, const Insn&);
#include "hv/isa/instructions.def"
#undef INSN
bool exec_invalid(Cpu&, const Insn&);

ExecFn exec_function(Opcode op);
// The pre-decoded form of the instruction `word` at address `pc`.
Insn decode_insn(uint64_t pc, uint32_t word);

}  // namespace mipshv
