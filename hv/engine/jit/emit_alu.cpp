// Integer operations in host code: ALU, shifts and rotates, bit fields,
// HI/LO and multiplies, byte shuffles.
#include "hv/engine/jit/translator.h"

namespace mipshv::jit {

// rd = rt shifted by rs, a word's (sllv, srlv, srav: the result as the
// low 32 bits of a sign extension) or a doubleword's (`wide`). BMI2's
// three-operand forms mask the count as MIPS does (5 bits in a word, 6 in
// a doubleword); without BMI2 the count goes through cl.
bool Translator::shift_by_register(const Insn& i, Shift how, bool wide) {
    if (i.dst == 32) return true;
    if (has_bmi2()) {
        const Xbyak::Reg64 v = wide ? G(i.rt) : raw(i.rt), n = raw(i.rs), d = def(i.dst, !wide);
        const auto shift = [this, how](const Xbyak::Reg32e& to, const Xbyak::Reg32e& from, const Xbyak::Reg32e& count) {
            if (how == Shift::LEFT) shlx(to, from, count);
            else if (how == Shift::LOGICAL_RIGHT) shrx(to, from, count);
            else sarx(to, from, count);
        };
        if (wide) shift(d, v, n);
        else shift(d.cvt32(), v.cvt32(), n.cvt32());
        return true;
    }
    const Xbyak::Reg r = wide ? Xbyak::Reg(rax) : Xbyak::Reg(eax);
    mov(ecx, raw(i.rs).cvt32());
    if (wide) mov(rax, G(i.rt));
    else mov(eax, raw(i.rt).cvt32());
    if (how == Shift::LEFT) shl(r, cl);
    else if (how == Shift::LOGICAL_RIGHT) shr(r, cl);
    else sar(r, cl);
    if (wide) set_dst_from_rax(i);
    else set_dst_sext32_eax(i);
    return true;
}

bool Translator::emit_alu(const Insn& i) {
    const int32_t simm = int16_t(i.word);
    const int32_t uimm = uint16_t(i.word);
    switch (i.op) {
        case Opcode::nop: case Opcode::ssnop: case Opcode::ehb: return true;
        case Opcode::addu:
            if (i.rt == 0 || i.rs == 0) return copy(i, i.rt == 0 ? i.rs : i.rt, true);
            if (i.dst != 32) {
                // (a register's home holds its whole value: the low word is right)
                const unsigned in_memory = from_home(i.rt, i) ? i.rt : from_home(i.rs, i) ? i.rs : 0;
                if (in_memory) {
                    const Xbyak::Reg32 a = G32(in_memory == i.rt ? i.rs : i.rt);
                    const Xbyak::Reg32 d = def(i.dst, true).cvt32();
                    if (d != a) mov(d, a);
                    add(d, home32(in_memory));
                    return true;
                }
                const Xbyak::Reg64 a = raw(i.rs), b = raw(i.rt);
                lea(def(i.dst, true).cvt32(), ptr[a + b]);
            }
            return true;
        case Opcode::subu:
            if (i.dst != 32) {
                const Xbyak::Reg32 a = G32(i.rs), b = G32(i.rt);
                const Xbyak::Reg32 d = def(i.dst, true).cvt32();
                if (d == b && d != a) {
                    mov(eax, a);
                    sub(eax, b);
                    mov(d, eax);
                } else {
                    if (d != a) mov(d, a);
                    sub(d, b);
                }
            }
            return true;
        case Opcode::addiu:
            if (simm == 0) return copy(i, i.rs, true);
            if (i.dst != 32) {
                const Xbyak::Reg64 a = raw(i.rs);
                lea(def(i.dst, true).cvt32(), ptr[a + simm]);
            }
            return true;
        case Opcode::daddu:
            if (i.rt == 0 || i.rs == 0) return copy(i, i.rt == 0 ? i.rs : i.rt, false);
            if (i.dst != 32) {
                const Xbyak::Reg64 a = G(i.rs), b = G(i.rt);
                lea(def(i.dst), ptr[a + b]);
            }
            return true;
        case Opcode::dsubu:
            if (i.rt == 0) return copy(i, i.rs, false);
            return binary64(i, [this](const Xbyak::Reg64& d, const Xbyak::Operand& b) { sub(d, b); }, false);
        case Opcode::daddiu:
            if (i.dst != 32) {
                const Xbyak::Reg64 a = G(i.rs);
                lea(def(i.dst), ptr[a + simm]);
            }
            return true;
        case Opcode::and_:
            if ((i.rs == 0 || i.rt == 0) && i.dst != 32) {
                const Xbyak::Reg32 d = def(i.dst).cvt32();
                xor_(d, d);
                return true;
            }
            return binary64(i, [this](const Xbyak::Reg64& d, const Xbyak::Operand& b) { and_(d, b); }, true, true);
        case Opcode::or_:
            if (i.rt == 0 || i.rs == 0) return copy(i, i.rt == 0 ? i.rs : i.rt, false);
            return binary64(i, [this](const Xbyak::Reg64& d, const Xbyak::Operand& b) { or_(d, b); }, true, true);
        case Opcode::xor_:
            if (i.rt == 0 || i.rs == 0) return copy(i, i.rt == 0 ? i.rs : i.rt, false);
            return binary64(i, [this](const Xbyak::Reg64& d, const Xbyak::Operand& b) { xor_(d, b); }, true, true);
        case Opcode::nor:
            if (i.rs == 0 || i.rt == 0) copy(i, i.rs == 0 ? i.rt : i.rs, false);
            else binary64(i, [this](const Xbyak::Reg64& d, const Xbyak::Operand& b) { or_(d, b); }, true, true);
            if (i.dst != 32) not_(def(i.dst, regs_.is_low32(i.dst)));  // (NOT keeps low32 low32)
            return true;
        case Opcode::andi: return immediate64(i, [this](const Xbyak::Reg64& d, int32_t v) { and_(d, v); }, uimm, true);
        case Opcode::ori: return immediate64(i, [this](const Xbyak::Reg64& d, int32_t v) { or_(d, v); }, uimm, false);
        case Opcode::xori: return immediate64(i, [this](const Xbyak::Reg64& d, int32_t v) { xor_(d, v); }, uimm, false);
        case Opcode::lui:
            if (i.dst != 32) mov(def(i.dst), int64_t(int32_t(uint32_t(uimm) << 16)));
            return true;
        // (Compares and conditional moves act on the registers held, not on
        // copies: taking the destination's host register, and any value
        // the operands need, emits only moves, which leave the flags alone.)
        case Opcode::slt: case Opcode::sltu: case Opcode::slti: case Opcode::sltiu: {
            if (i.dst == 32) return true;
            const Xbyak::Reg64 a = G(i.rs);
            if (i.op == Opcode::slti || i.op == Opcode::sltiu) cmp(a, simm);
            else cmp(a, G(i.rt));
            if (i.op == Opcode::slt || i.op == Opcode::slti) setl(al);
            else setb(al);
            movzx(def(i.dst).cvt32(), al);
            return true;
        }
        case Opcode::movz: case Opcode::movn: {
            if (i.dst == 32) return true;
            const Xbyak::Reg64 d = G(i.dst), s = G(i.rs), t = G(i.rt);
            def(i.dst);
            test(t, t);
            if (i.op == Opcode::movz) cmove(d, s);
            else cmovne(d, s);
            return true;
        }
        case Opcode::sll: return shift32(i, [this](const Xbyak::Reg32& d, unsigned n) { shl(d, n); });
        case Opcode::srl: return shift32(i, [this](const Xbyak::Reg32& d, unsigned n) { shr(d, n); });
        case Opcode::sra: return shift32(i, [this](const Xbyak::Reg32& d, unsigned n) { sar(d, n); });
        case Opcode::rotr:
            if (i.dst != 32) {
                const Xbyak::Reg32 s = G32(i.rt);
                const Xbyak::Reg32 d = def(i.dst, true).cvt32();
                if (has_bmi2()) {
                    rorx(d, s, uint8_t(i.sa));
                } else {
                    if (d != s) mov(d, s);
                    ror(d, i.sa);
                }
            }
            return true;
        case Opcode::sllv: return shift_by_register(i, Shift::LEFT, false);
        case Opcode::srlv: return shift_by_register(i, Shift::LOGICAL_RIGHT, false);
        case Opcode::srav: return shift_by_register(i, Shift::ARITHMETIC_RIGHT, false);
        case Opcode::rotrv: mov(ecx, G32(i.rs)); mov(eax, G32(i.rt)); ror(eax, cl); set_dst_sext32_eax(i); return true;
        case Opcode::dsll: return shift64(i, [this](const Xbyak::Reg64& d, unsigned n) { shl(d, n); }, i.sa);
        case Opcode::dsrl: return shift64(i, [this](const Xbyak::Reg64& d, unsigned n) { shr(d, n); }, i.sa);
        case Opcode::dsra: return shift64(i, [this](const Xbyak::Reg64& d, unsigned n) { sar(d, n); }, i.sa);
        case Opcode::drotr: rotate64(i, i.sa); return true;
        case Opcode::dsll32: return shift64(i, [this](const Xbyak::Reg64& d, unsigned n) { shl(d, n); }, i.sa + 32);
        case Opcode::dsrl32: return shift64(i, [this](const Xbyak::Reg64& d, unsigned n) { shr(d, n); }, i.sa + 32);
        case Opcode::dsra32: return shift64(i, [this](const Xbyak::Reg64& d, unsigned n) { sar(d, n); }, i.sa + 32);
        case Opcode::drotr32: rotate64(i, i.sa + 32); return true;
        case Opcode::dsllv: return shift_by_register(i, Shift::LEFT, true);
        case Opcode::dsrlv: return shift_by_register(i, Shift::LOGICAL_RIGHT, true);
        case Opcode::dsrav: return shift_by_register(i, Shift::ARITHMETIC_RIGHT, true);
        case Opcode::drotrv: mov(rcx, G(i.rs)); mov(rax, G(i.rt)); ror(rax, cl); set_dst_from_rax(i); return true;
        case Opcode::seb: case Opcode::seh:
            if (i.dst != 32) {
                const Xbyak::Reg64 v = G(i.rt);
                if (i.op == Opcode::seb) movsx(def(i.dst), v.cvt8());
                else movsx(def(i.dst), v.cvt16());
            }
            return true;
        // Byte shuffles: bytes k -> k^1 within a word (wsbh) is a byte
        // reversal and a half turn; k -> k^1 (dsbh) and k -> k^6 (dshd) in a
        // doubleword, a swap of alternate bytes, after a reversal for dshd.
        case Opcode::wsbh: mov(eax, G32(i.rt)); bswap(eax); ror(eax, 16); set_dst_sext32_eax(i); return true;
        case Opcode::dsbh: case Opcode::dshd:
            mov(rax, G(i.rt));
            if (i.op == Opcode::dshd) bswap(rax);
            mov(rcx, 0x00ff00ff00ff00ffull);
            mov(rdx, rax);
            shr(rdx, 8);
            and_(rdx, rcx);
            and_(rax, rcx);
            shl(rax, 8);
            or_(rax, rdx);
            set_dst_from_rax(i);
            return true;
        case Opcode::mfhi: if (i.dst != 32) mov(def(i.dst), cpu64(L_.hi)); return true;
        case Opcode::mflo: if (i.dst != 32) mov(def(i.dst), cpu64(L_.lo)); return true;
        case Opcode::mthi: mov(cpu64(L_.hi), G(i.rs)); return true;
        case Opcode::mtlo: mov(cpu64(L_.lo), G(i.rs)); return true;
        case Opcode::mult: case Opcode::multu:
            if (i.op == Opcode::mult) {
                movsxd(rax, G32(i.rs));
                movsxd(rcx, G32(i.rt));
            } else {
                mov(eax, G32(i.rs));
                mov(ecx, G32(i.rt));
            }
            imul(rax, rcx);
            movsxd(rdx, eax);
            mov(cpu64(L_.lo), rdx);
            shr(rax, 32);
            movsxd(rax, eax);
            mov(cpu64(L_.hi), rax);
            return true;
        case Opcode::mul:  // the low 32 bits of the product, whatever the signs
            if (i.dst != 32) {
                const Xbyak::Reg32 a = G32(i.rs), b = G32(i.rt);
                const Xbyak::Reg32 d = def(i.dst, true).cvt32();
                if (d == a) {
                    imul(d, b);
                } else if (d == b) {
                    imul(d, a);
                } else {
                    mov(d, a);
                    imul(d, b);
                }
            }
            return true;
        // HI:LO as one 64-bit value (the low halves of both) plus or minus
        // the 64-bit product, written back as two sign-extended halves.
        case Opcode::madd: case Opcode::maddu: case Opcode::msub: case Opcode::msubu: {
            const bool is_signed = i.op == Opcode::madd || i.op == Opcode::msub;
            const Xbyak::Reg32 a = G32(i.rs), b = G32(i.rt);
            if (is_signed) {
                movsxd(rax, a);
                movsxd(rcx, b);
            } else {
                mov(eax, a);
                mov(ecx, b);
            }
            imul(rax, rcx);  // (unsigned 32 x 32 bits: the same 64 bits as mul)
            mov(edx, dword[rbx + L_.lo]);
            mov(rcx, cpu64(L_.hi));
            shl(rcx, 32);
            or_(rdx, rcx);
            if (i.op == Opcode::madd || i.op == Opcode::maddu) add(rdx, rax);
            else sub(rdx, rax);
            movsxd(rax, edx);
            mov(cpu64(L_.lo), rax);
            sar(rdx, 32);
            mov(cpu64(L_.hi), rdx);
            return true;
        }
        // Division by zero divides by one (exec_muldiv.cpp). The 32-bit
        // signed form divides in 64 bits, where INT32_MIN / -1 cannot
        // overflow and its low half is the interpreter's result; the 64-bit
        // one negates for a divisor of -1 (INT64_MIN stays itself).
        case Opcode::div: case Opcode::divu: case Opcode::ddiv: case Opcode::ddivu: {
            const bool wide = i.op == Opcode::ddiv || i.op == Opcode::ddivu;
            if (i.op == Opcode::div) {
                movsxd(rax, G32(i.rs));
                movsxd(rcx, G32(i.rt));
            } else if (i.op == Opcode::divu) {
                mov(eax, G32(i.rs));
                mov(ecx, G32(i.rt));
            } else {
                mov(rax, G(i.rs));
                mov(rcx, G(i.rt));
            }
            mov(edx, 1);
            test(rcx, rcx);
            cmovz(rcx, rdx);
            if (i.op == Opcode::div) {
                cqo();
                idiv(rcx);
            } else if (i.op == Opcode::divu) {
                xor_(edx, edx);
                div(ecx);
            } else if (i.op == Opcode::ddivu) {
                xor_(edx, edx);
                div(rcx);
            } else {
                Label by_minus_one, done;
                cmp(rcx, -1);
                je(by_minus_one);
                cqo();
                idiv(rcx);
                jmp(done);
                L(by_minus_one);
                neg(rax);
                xor_(edx, edx);
                L(done);
            }
            if (!wide) {
                movsxd(rax, eax);
                movsxd(rdx, edx);
            }
            mov(cpu64(L_.lo), rax);
            mov(cpu64(L_.hi), rdx);
            return true;
        }
        // Leading zeros (ones: of the complement), with LZCNT where the host
        // has it, else 31 or 63 minus BSR's index (-1 for a zero input).
        case Opcode::clz: case Opcode::clo: case Opcode::dclz: case Opcode::dclo: {
            if (i.dst == 32) return true;
            const bool wide = i.op == Opcode::dclz || i.op == Opcode::dclo;
            const bool ones = i.op == Opcode::clo || i.op == Opcode::dclo;
            const Xbyak::Reg64 src = wide ? G(i.rs) : raw(i.rs);  // (32-bit forms read the low half)
            if (ones) {
                mov(rax, src);
                not_(rax);
            }
            const Xbyak::Reg64 x = ones ? rax : src;
            if (has_lzcnt()) {
                if (wide) lzcnt(rax, x);
                else lzcnt(eax, x.cvt32());
            } else {
                if (wide) bsr(rax, x);
                else bsr(eax, x.cvt32());
                mov(ecx, -1);
                cmovz(eax, ecx);
                mov(ecx, wide ? 63 : 31);
                sub(ecx, eax);
                mov(eax, ecx);
            }
            mov(def(i.dst), rax);
            return true;
        }
        case Opcode::sync: case Opcode::pref: case Opcode::synci: return true;  // no effect here (exec_mem.cpp)
        case Opcode::dmult: case Opcode::dmultu:
            mov(rax, G(i.rs));
            if (i.op == Opcode::dmult) imul(G(i.rt));
            else mul(G(i.rt));
            mov(cpu64(L_.lo), rax);
            mov(cpu64(L_.hi), rdx);
            return true;
        case Opcode::ext: case Opcode::dext: case Opcode::dextm: case Opcode::dextu: {
            unsigned pos = i.sa, size = i.rd + 1u;
            if (i.op == Opcode::dextm) size = i.rd + 33u;
            if (i.op == Opcode::dextu) pos = i.sa + 32u;
            if (i.dst == 32) return true;
            // In the destination's host register: a word's field as the low
            // 32 bits of a sign extension (low32), a doubleword's whole.
            const Xbyak::Reg64 v = G(i.rs), d = def(i.dst, i.op == Opcode::ext);
            const uint64_t m = field_mask(size);
            if (m == 0xffffffffull && pos == 0) {
                mov(d.cvt32(), v.cvt32());
                return true;
            }
            if (d != v) mov(d, v);
            if (pos) shr(d, pos);
            if (m == 0xffffffffull) mov(d.cvt32(), d.cvt32());
            else if (m <= 0x7fffffffull) and_(d, int32_t(m));
            else if (m != ~0ull) {
                mov(rcx, m);
                and_(d, rcx);
            }
            return true;
        }
        case Opcode::ins: case Opcode::dins: case Opcode::dinsm: case Opcode::dinsu: {
            unsigned pos = i.sa, size = i.rd - i.sa + 1u;
            if (i.op == Opcode::dinsm) size = i.rd + 32u - i.sa + 1u;
            if (i.op == Opcode::dinsu) pos = i.sa + 32u;
            const uint64_t m = field_mask(size) << pos;
            mov(rax, G(i.rs));
            if (pos) shl(rax, pos);
            mov(rcx, m);
            and_(rax, rcx);
            not_(rcx);
            and_(rcx, G(i.rt));
            or_(rax, rcx);
            if (i.op == Opcode::ins) set_dst_sext32_eax(i);
            else set_dst_from_rax(i);
            return true;
        }
        default: return false;
    }
}

}  // namespace mipshv::jit
