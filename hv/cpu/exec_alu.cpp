// Integer arithmetic, logic, shifts, bit-field and byte manipulation.
// 32-bit operations produce results sign-extended to 64 bits.
#include <bit>

#include "hv/cpu/exec_helpers.h"

namespace mipshv {

namespace {
// The trapping adds and subtracts: a signed result (sign-extended from 32
// bits for the word forms), or an Overflow exception that leaves the
// destination untouched.
template <typename T>
bool write_or_overflow(Cpu& c, const Insn& i, bool overflowed, T result) {
    if (overflowed) return raise(c, i, Exc::OV);
    WRITE_DST(uint64_t(int64_t(result)));
    return true;
}

uint64_t rotr32(uint64_t v, unsigned n) { return sext32(std::rotr(uint32_t(v), int(n))); }
}  // namespace

DEF_INSN(nop) { CONTINUE; }
DEF_INSN(ssnop) { CONTINUE; }
DEF_INSN(ehb) { CONTINUE; }

DEF_INSN(add) { int32_t r; bool o = __builtin_add_overflow(lo32(RS), lo32(RT), &r); return write_or_overflow(c, i, o, r); }
DEF_INSN(addi) { int32_t r; bool o = __builtin_add_overflow(lo32(RS), int32_t(SIMM), &r); return write_or_overflow(c, i, o, r); }
DEF_INSN(sub) { int32_t r; bool o = __builtin_sub_overflow(lo32(RS), lo32(RT), &r); return write_or_overflow(c, i, o, r); }
DEF_INSN(dadd) { int64_t r; bool o = __builtin_add_overflow(int64_t(RS), int64_t(RT), &r); return write_or_overflow(c, i, o, r); }
DEF_INSN(daddi) { int64_t r; bool o = __builtin_add_overflow(int64_t(RS), SIMM, &r); return write_or_overflow(c, i, o, r); }
DEF_INSN(dsub) { int64_t r; bool o = __builtin_sub_overflow(int64_t(RS), int64_t(RT), &r); return write_or_overflow(c, i, o, r); }
DEF_INSN(addu) { WRITE_DST(sext32(RS + RT)); CONTINUE; }
DEF_INSN(addiu) { WRITE_DST(sext32(RS + SIMM)); CONTINUE; }
DEF_INSN(subu) { WRITE_DST(sext32(RS - RT)); CONTINUE; }
DEF_INSN(daddu) { WRITE_DST(RS + RT); CONTINUE; }
DEF_INSN(daddiu) { WRITE_DST(RS + SIMM); CONTINUE; }
DEF_INSN(dsubu) { WRITE_DST(RS - RT); CONTINUE; }

DEF_INSN(and_) { WRITE_DST(RS & RT); CONTINUE; }
DEF_INSN(or_) { WRITE_DST(RS | RT); CONTINUE; }
DEF_INSN(xor_) { WRITE_DST(RS ^ RT); CONTINUE; }
DEF_INSN(nor) { WRITE_DST(~(RS | RT)); CONTINUE; }
DEF_INSN(andi) { WRITE_DST(RS & UIMM); CONTINUE; }
DEF_INSN(ori) { WRITE_DST(RS | UIMM); CONTINUE; }
DEF_INSN(xori) { WRITE_DST(RS ^ UIMM); CONTINUE; }
DEF_INSN(lui) { WRITE_DST(sext32(UIMM << 16)); CONTINUE; }

DEF_INSN(slt) { WRITE_DST(int64_t(RS) < int64_t(RT)); CONTINUE; }
DEF_INSN(sltu) { WRITE_DST(RS < RT); CONTINUE; }
DEF_INSN(slti) { WRITE_DST(int64_t(RS) < SIMM); CONTINUE; }
DEF_INSN(sltiu) { WRITE_DST(RS < uint64_t(SIMM)); CONTINUE; }

DEF_INSN(movz) { if (RT == 0) WRITE_DST(RS); CONTINUE; }
DEF_INSN(movn) { if (RT != 0) WRITE_DST(RS); CONTINUE; }

// ---- Shifts and rotates --------------------------------------------------
DEF_INSN(sll) { WRITE_DST(sext32(uint32_t(RT) << i.sa)); CONTINUE; }
DEF_INSN(srl) { WRITE_DST(sext32(uint32_t(RT) >> i.sa)); CONTINUE; }
DEF_INSN(sra) { WRITE_DST(sext32(uint32_t(lo32(RT) >> i.sa))); CONTINUE; }
DEF_INSN(rotr) { WRITE_DST(rotr32(RT, i.sa)); CONTINUE; }
DEF_INSN(sllv) { WRITE_DST(sext32(uint32_t(RT) << (RS & 31))); CONTINUE; }
DEF_INSN(srlv) { WRITE_DST(sext32(uint32_t(RT) >> (RS & 31))); CONTINUE; }
DEF_INSN(srav) { WRITE_DST(sext32(uint32_t(lo32(RT) >> (RS & 31)))); CONTINUE; }
DEF_INSN(rotrv) { WRITE_DST(rotr32(RT, RS & 31)); CONTINUE; }
DEF_INSN(dsll) { WRITE_DST(RT << i.sa); CONTINUE; }
DEF_INSN(dsrl) { WRITE_DST(RT >> i.sa); CONTINUE; }
DEF_INSN(dsra) { WRITE_DST(uint64_t(int64_t(RT) >> i.sa)); CONTINUE; }
DEF_INSN(drotr) { WRITE_DST(std::rotr(RT, i.sa)); CONTINUE; }
DEF_INSN(dsll32) { WRITE_DST(RT << (i.sa + 32)); CONTINUE; }
DEF_INSN(dsrl32) { WRITE_DST(RT >> (i.sa + 32)); CONTINUE; }
DEF_INSN(dsra32) { WRITE_DST(uint64_t(int64_t(RT) >> (i.sa + 32))); CONTINUE; }
DEF_INSN(drotr32) { WRITE_DST(std::rotr(RT, int(i.sa + 32))); CONTINUE; }
DEF_INSN(dsllv) { WRITE_DST(RT << (RS & 63)); CONTINUE; }
DEF_INSN(dsrlv) { WRITE_DST(RT >> (RS & 63)); CONTINUE; }
DEF_INSN(dsrav) { WRITE_DST(uint64_t(int64_t(RT) >> (RS & 63))); CONTINUE; }
DEF_INSN(drotrv) { WRITE_DST(std::rotr(RT, int(RS & 63))); CONTINUE; }

// ---- Count leading ones/zeros ----------------------------------------------
DEF_INSN(clz) { WRITE_DST(std::countl_zero(uint32_t(RS))); CONTINUE; }
DEF_INSN(clo) { WRITE_DST(std::countl_one(uint32_t(RS))); CONTINUE; }
DEF_INSN(dclz) { WRITE_DST(std::countl_zero(RS)); CONTINUE; }
DEF_INSN(dclo) { WRITE_DST(std::countl_one(RS)); CONTINUE; }

// ---- Bit fields: pos = sa (lsb), size from rd (msb or msbd) -------------------
namespace {
uint64_t field_mask(unsigned size) { return size >= 64 ? ~0ull : (1ull << size) - 1; }
uint64_t extract(uint64_t v, unsigned pos, unsigned size) { return (v >> pos) & field_mask(size); }
uint64_t insert(uint64_t dst, uint64_t src, unsigned pos, unsigned size) {
    uint64_t m = field_mask(size) << pos;
    return (dst & ~m) | ((src << pos) & m);
}
}  // namespace

DEF_INSN(ext) { WRITE_DST(sext32(extract(RS, i.sa, i.rd + 1u))); CONTINUE; }
DEF_INSN(dext) { WRITE_DST(extract(RS, i.sa, i.rd + 1u)); CONTINUE; }
DEF_INSN(dextm) { WRITE_DST(extract(RS, i.sa, i.rd + 33u)); CONTINUE; }
DEF_INSN(dextu) { WRITE_DST(extract(RS, i.sa + 32u, i.rd + 1u)); CONTINUE; }
DEF_INSN(ins) { WRITE_DST(sext32(insert(RT, RS, i.sa, i.rd - i.sa + 1u))); CONTINUE; }
DEF_INSN(dins) { WRITE_DST(insert(RT, RS, i.sa, i.rd - i.sa + 1u)); CONTINUE; }
DEF_INSN(dinsm) { WRITE_DST(insert(RT, RS, i.sa, i.rd + 32u - i.sa + 1u)); CONTINUE; }
DEF_INSN(dinsu) { WRITE_DST(insert(RT, RS, i.sa + 32u, i.rd - i.sa + 1u)); CONTINUE; }

// ---- Byte and halfword shuffles --------------------------------------------
DEF_INSN(wsbh) {
    uint32_t v = uint32_t(RT);
    WRITE_DST(sext32(((v & 0x00ff00ffu) << 8) | ((v >> 8) & 0x00ff00ffu)));
    CONTINUE;
}
DEF_INSN(dsbh) {
    uint64_t v = RT;
    WRITE_DST(((v & 0x00ff00ff00ff00ffull) << 8) | ((v >> 8) & 0x00ff00ff00ff00ffull));
    CONTINUE;
}
DEF_INSN(dshd) {
    uint64_t v = RT;
    v = ((v & 0x0000ffff0000ffffull) << 16) | ((v >> 16) & 0x0000ffff0000ffffull);
    WRITE_DST((v << 32) | (v >> 32));
    CONTINUE;
}
DEF_INSN(seb) { WRITE_DST(uint64_t(int64_t(int8_t(RT)))); CONTINUE; }
DEF_INSN(seh) { WRITE_DST(uint64_t(int64_t(int16_t(RT)))); CONTINUE; }

}  // namespace mipshv
