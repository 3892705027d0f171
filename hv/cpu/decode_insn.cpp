// Builds the pre-decoded form of one instruction word: fields, destination
// register, static branch target and semantic routine.
#include "hv/cpu/insn.h"
#include "hv/isa/decoder.h"

namespace mipshv {

namespace {
// Writes to $0 are discarded by sending them to the sink register 32.
uint8_t destination(const Insn& i, Dest d) {
    unsigned r = 0;
    switch (d) {
        case Dest::RD: r = i.rd; break;
        case Dest::RT: r = i.rt; break;
        case Dest::RA: r = 31; break;
        default: return 32;
    }
    return r == 0 ? 32 : uint8_t(r);
}
}  // namespace

Insn decode_insn(uint64_t pc, uint32_t word) {
    Insn i{};
    i.pc = pc;
    i.word = word;
    i.op = decode_opcode(word);
    i.rs = uint8_t(field_rs(word));
    i.rt = uint8_t(field_rt(word));
    i.rd = uint8_t(field_rd(word));
    i.sa = uint8_t(field_sa(word));
    const OpcodeInfo& info = opcode_info(i.op);
    i.dst = destination(i, info.dest);
    i.exec = i.inner = exec_function(i.op);
    if (info.flags & insn_flag::BRANCH) {
        bool jump = i.op == Opcode::j || i.op == Opcode::jal;
        i.target = jump ? ((pc + 4) & ~kJumpOffsetMask) | ((word & 0x03ffffffull) << 2)
                        : pc + 4 + (uint64_t(field_simm(word)) << 2);
    }
    return i;
}

}  // namespace mipshv
