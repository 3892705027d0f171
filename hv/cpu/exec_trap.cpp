// Conditional traps, SYSCALL/BREAK, RDHWR, SDBBP (UHI semihosting) and the
// reserved-instruction fallback.
#include "hv/cpu/cp0.h"
#include "hv/cpu/exec_helpers.h"
#include "hv/dev/semihosting.h"

namespace mipshv {

namespace {
bool trap_if(Cpu& c, const Insn& i, bool cond) { return cond ? raise(c, i, Exc::TR) : true; }
int64_t S(uint64_t v) { return int64_t(v); }
}  // namespace

DEF_INSN(teq) { return trap_if(c, i, RS == RT); }
DEF_INSN(tne) { return trap_if(c, i, RS != RT); }
DEF_INSN(tge) { return trap_if(c, i, S(RS) >= S(RT)); }
DEF_INSN(tgeu) { return trap_if(c, i, RS >= RT); }
DEF_INSN(tlt) { return trap_if(c, i, S(RS) < S(RT)); }
DEF_INSN(tltu) { return trap_if(c, i, RS < RT); }
DEF_INSN(teqi) { return trap_if(c, i, S(RS) == SIMM); }
DEF_INSN(tnei) { return trap_if(c, i, S(RS) != SIMM); }
DEF_INSN(tgei) { return trap_if(c, i, S(RS) >= SIMM); }
DEF_INSN(tgeiu) { return trap_if(c, i, RS >= uint64_t(SIMM)); }
DEF_INSN(tlti) { return trap_if(c, i, S(RS) < SIMM); }
DEF_INSN(tltiu) { return trap_if(c, i, RS < uint64_t(SIMM)); }

DEF_INSN(syscall) { return raise(c, i, Exc::SYS); }
DEF_INSN(break_) { return raise(c, i, Exc::BP); }
DEF_INSN(invalid) { return raise(c, i, Exc::RI); }

// Hardware registers readable from user mode where HWREna allows.
DEF_INSN(rdhwr) {
    unsigned reg = i.rd;
    bool allowed = in_kernel_mode(c) || (c.cp0.status & cp0::status::CU0) || ((c.cp0.hwrena >> reg) & 1);
    if (!allowed) return raise(c, i, Exc::RI);
    switch (reg) {
        case 0: WRITE_DST(c.cp0.ebase & 0x3ff); break;   // CPUNum
        case 1: WRITE_DST(32); break;                    // SYNCI step: the cache line size
        case 2: WRITE_DST(sext32(cp0_count(c))); break;  // CC: the cycle counter
        case 3: WRITE_DST(kTicksPerCount); break;        // CCRes: cycles per CC tick
        case 29: WRITE_DST(c.cp0.userlocal); break;      // ULR: TLS pointer
        default: return raise(c, i, Exc::RI);
    }
    CONTINUE;
}

// SDBBP with code 1 is the UHI semihosting call when the machine offers it;
// without EJTAG any other SDBBP is a reserved instruction.
DEF_INSN(sdbbp) {
    unsigned code = (i.word >> 6) & 0xfffff;
    if (code == 1 && c.semihosting) {
        c.semihosting->call(c, i);
        CONTINUE;
    }
    return raise(c, i, Exc::RI);
}

}  // namespace mipshv
