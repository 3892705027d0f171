// Instruction encoders: build MIPS64 instruction words from fields. The
// patcher emits replacement code with these; tests and benchmarks assemble
// small guest programs with them.
#pragma once
#include <cstdint>

namespace mipshv::encode {

constexpr uint32_t r_type(unsigned op, unsigned rs, unsigned rt, unsigned rd, unsigned sa, unsigned funct) {
    return (op << 26) | ((rs & 31) << 21) | ((rt & 31) << 16) | ((rd & 31) << 11) | ((sa & 31) << 6) | (funct & 63);
}
constexpr uint32_t i_type(unsigned op, unsigned rs, unsigned rt, int32_t imm) {
    return (op << 26) | ((rs & 31) << 21) | ((rt & 31) << 16) | (uint32_t(imm) & 0xffff);
}

constexpr uint32_t nop() { return 0; }
constexpr uint32_t addu(unsigned rd, unsigned rs, unsigned rt) { return r_type(0, rs, rt, rd, 0, 0x21); }
constexpr uint32_t daddu(unsigned rd, unsigned rs, unsigned rt) { return r_type(0, rs, rt, rd, 0, 0x2d); }
constexpr uint32_t subu(unsigned rd, unsigned rs, unsigned rt) { return r_type(0, rs, rt, rd, 0, 0x23); }
constexpr uint32_t and_(unsigned rd, unsigned rs, unsigned rt) { return r_type(0, rs, rt, rd, 0, 0x24); }
constexpr uint32_t or_(unsigned rd, unsigned rs, unsigned rt) { return r_type(0, rs, rt, rd, 0, 0x25); }
constexpr uint32_t xor_(unsigned rd, unsigned rs, unsigned rt) { return r_type(0, rs, rt, rd, 0, 0x26); }
constexpr uint32_t sltu(unsigned rd, unsigned rs, unsigned rt) { return r_type(0, rs, rt, rd, 0, 0x2b); }
constexpr uint32_t sll(unsigned rd, unsigned rt, unsigned sa) { return r_type(0, 0, rt, rd, sa, 0x00); }
constexpr uint32_t srl(unsigned rd, unsigned rt, unsigned sa) { return r_type(0, 0, rt, rd, sa, 0x02); }
constexpr uint32_t dsll(unsigned rd, unsigned rt, unsigned sa) { return r_type(0, 0, rt, rd, sa, 0x38); }
constexpr uint32_t jr(unsigned rs) { return r_type(0, rs, 0, 0, 0, 0x08); }
constexpr uint32_t addiu(unsigned rt, unsigned rs, int32_t imm) { return i_type(0x09, rs, rt, imm); }
constexpr uint32_t daddiu(unsigned rt, unsigned rs, int32_t imm) { return i_type(0x19, rs, rt, imm); }
constexpr uint32_t andi(unsigned rt, unsigned rs, uint32_t imm) { return i_type(0x0c, rs, rt, int32_t(imm)); }
constexpr uint32_t ori(unsigned rt, unsigned rs, uint32_t imm) { return i_type(0x0d, rs, rt, int32_t(imm)); }
constexpr uint32_t lui(unsigned rt, uint32_t imm) { return i_type(0x0f, 0, rt, int32_t(imm)); }
constexpr uint32_t lw(unsigned rt, int32_t off, unsigned base) { return i_type(0x23, base, rt, off); }
constexpr uint32_t sw(unsigned rt, int32_t off, unsigned base) { return i_type(0x2b, base, rt, off); }
constexpr uint32_t ld(unsigned rt, int32_t off, unsigned base) { return i_type(0x37, base, rt, off); }
constexpr uint32_t sd(unsigned rt, int32_t off, unsigned base) { return i_type(0x3f, base, rt, off); }
// Branch offsets count instructions from the delay slot.
constexpr uint32_t beq(unsigned rs, unsigned rt, int32_t off) { return i_type(0x04, rs, rt, off); }
constexpr uint32_t bne(unsigned rs, unsigned rt, int32_t off) { return i_type(0x05, rs, rt, off); }
constexpr uint32_t mfc0(unsigned rt, unsigned rd, unsigned sel) { return (0x10u << 26) | ((rt & 31) << 16) | ((rd & 31) << 11) | (sel & 7); }
constexpr uint32_t mtc0(unsigned rt, unsigned rd, unsigned sel) { return (0x10u << 26) | (4u << 21) | ((rt & 31) << 16) | ((rd & 31) << 11) | (sel & 7); }
constexpr uint32_t xori(unsigned rt, unsigned rs, uint32_t imm) { return i_type(0x0e, rs, rt, int32_t(imm)); }
// J keeps the top 36 bits of the delay slot's address: `target` must share them.
constexpr uint32_t j(uint64_t target) { return (0x02u << 26) | uint32_t((target >> 2) & 0x03ffffff); }
constexpr uint32_t syscall_code(uint32_t code) { return 0x0000000c | ((code & 0xfffff) << 6); }
constexpr uint32_t rdhwr(unsigned rt, unsigned hwr) { return (0x1fu << 26) | ((rt & 31) << 16) | ((hwr & 31) << 11) | 0x3b; }
constexpr uint32_t eret() { return 0x42000018; }
// rt's bits [pos, pos + size) := rs's low bits, the rest kept (64-bit):
// dins for a field below bit 32, dinsu for one from bit 32 up.
constexpr uint32_t dins(unsigned rt, unsigned rs, unsigned pos, unsigned size) { return r_type(0x1f, rs, rt, pos + size - 1, pos, 0x07); }
constexpr uint32_t dinsu(unsigned rt, unsigned rs, unsigned pos, unsigned size) { return r_type(0x1f, rs, rt, pos + size - 33, pos - 32, 0x06); }
constexpr uint32_t syscall() { return 0x0000000c; }
constexpr uint32_t sdbbp(unsigned code) { return 0x7000003f | ((code & 0xfffff) << 6); }

}  // namespace mipshv::encode
