// The routines through which a guest instruction leaves for the hypervisor,
// one per Action the hypervisor can decide (hv/cpu/insn.h). Engines call
// them; they never run guest semantics themselves except through the
// instruction's own routine.
#pragma once
#include "hv/cpu/insn.h"

namespace mipshv {

bool exec_trap(Cpu& c, const Insn& i);          // Action::TRAP
bool exec_hypercall(Cpu& c, const Insn& i);     // Action::HYPERCALL
bool exec_patched_site(Cpu& c, const Insn& i);  // Action::PATCHED

}  // namespace mipshv
