// Branches and jumps. A branch decides here; its delay slot runs next in
// the same block, and the run loop then continues at c.next_pc. A likely
// branch that is not taken annuls its delay slot by leaving the block.
#include "hv/cpu/exec_helpers.h"

namespace mipshv {

namespace {
bool branch(Cpu& c, const Insn& i, bool taken) {
    c.next_pc = taken ? i.target : i.pc + 8;
    return true;
}
bool branch_likely(Cpu& c, const Insn& i, bool taken) {
    if (taken) {
        c.next_pc = i.target;
        return true;
    }
    c.pc = i.pc + 8;
    return false;
}
void link(Cpu& c, const Insn& i) { c.gpr[i.dst] = i.pc + 8; }
int64_t S(uint64_t v) { return int64_t(v); }
}  // namespace

DEF_INSN(beq) { return branch(c, i, RS == RT); }
DEF_INSN(bne) { return branch(c, i, RS != RT); }
DEF_INSN(blez) { return branch(c, i, S(RS) <= 0); }
DEF_INSN(bgtz) { return branch(c, i, S(RS) > 0); }
DEF_INSN(bltz) { return branch(c, i, S(RS) < 0); }
DEF_INSN(bgez) { return branch(c, i, S(RS) >= 0); }
DEF_INSN(beql) { return branch_likely(c, i, RS == RT); }
DEF_INSN(bnel) { return branch_likely(c, i, RS != RT); }
DEF_INSN(blezl) { return branch_likely(c, i, S(RS) <= 0); }
DEF_INSN(bgtzl) { return branch_likely(c, i, S(RS) > 0); }
DEF_INSN(bltzl) { return branch_likely(c, i, S(RS) < 0); }
DEF_INSN(bgezl) { return branch_likely(c, i, S(RS) >= 0); }

// The and-link forms read rs before writing $31 (rs may be $31).
DEF_INSN(bltzal) { bool t = S(RS) < 0; link(c, i); return branch(c, i, t); }
DEF_INSN(bgezal) { bool t = S(RS) >= 0; link(c, i); return branch(c, i, t); }
DEF_INSN(bltzall) { bool t = S(RS) < 0; link(c, i); return branch_likely(c, i, t); }
DEF_INSN(bgezall) { bool t = S(RS) >= 0; link(c, i); return branch_likely(c, i, t); }

DEF_INSN(j) { return branch(c, i, true); }
DEF_INSN(jal) { link(c, i); return branch(c, i, true); }
DEF_INSN(jr) { c.next_pc = RS; CONTINUE; }
DEF_INSN(jr_hb) { c.next_pc = RS; CONTINUE; }
DEF_INSN(jalr) { uint64_t t = RS; link(c, i); c.next_pc = t; CONTINUE; }
DEF_INSN(jalr_hb) { uint64_t t = RS; link(c, i); c.next_pc = t; CONTINUE; }

}  // namespace mipshv
