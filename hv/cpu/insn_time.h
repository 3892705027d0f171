// The guest's clock as it stands at one instruction. The engine advances
// virtual time per block, and block boundaries differ between execution
// modes (patches move them), so the instructions that read or set the clock
// (Count, Compare, Random, TLBWR's random index, RDHWR CC) run with the
// time of their own position in the block.
#pragma once
#include "hv/cpu/cp0_bits.h"
#include "hv/cpu/cpu.h"

namespace mipshv {

inline bool reads_time(const Insn& i) {
    const unsigned sel = i.word & 7;
    switch (i.op) {
        case Opcode::mfc0: case Opcode::dmfc0: return sel == 0 && (i.rd == cp0::COUNT || i.rd == cp0::RANDOM);
        case Opcode::mtc0: case Opcode::dmtc0: return sel == 0 && (i.rd == cp0::COUNT || i.rd == cp0::COMPARE);
        case Opcode::tlbwr: return true;
        case Opcode::rdhwr: return i.rd == 2;
        default: return false;
    }
}

// Runs `fn` on `d` with the clock moved to the position `seq` of the
// instruction in its block.
inline bool at_insn_time(Cpu& c, const Insn& d, uint16_t seq, ExecFn fn) {
    c.instret += seq;  // (the clock follows instret)
    const bool ok = fn(c, d);
    c.instret -= seq;
    return ok;
}

}  // namespace mipshv
