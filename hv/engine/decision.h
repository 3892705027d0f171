// The hypervisor's decision for each guest instruction (Action, in
// hv/cpu/insn.h) and the routine that carries it out. Both engines decide
// through `decide` when they decode a block; the interpreter then calls
// `routine_for`'s routine, the translator emits RUN instructions natively
// and calls the same routine for everything else.
#pragma once
#include <cstdint>

#include "hv/cpu/insn.h"

namespace mipshv {

// Sets i.action (and the state bits a patch implies) for the instruction
// decoded at guest-physical `pa`, then i.exec from it.
void decide(Cpu& c, Insn& i, uint64_t pa);
// The routine that runs an instruction as its action says.
ExecFn routine_for(const Insn& i);
// True when the instruction runs its own semantics unwrapped: nothing to
// intercept, no clock position to set up. Only these may be translated.
bool runs_plain(const Insn& i);

}  // namespace mipshv
