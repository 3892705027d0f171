// Instructions whose native form has a guard, with the routine out of line
// for when it fails (see open_routine_path): the conditional traps, RDHWR
// of the TLS pointer, and the FPU's register moves (while the FPU is usable).
#include "hv/engine/jit/translator.h"

namespace mipshv::jit {

bool Translator::emit_guarded(size_t k) {
    const Insn& i = b_.insns[k];
    const int32_t simm = int16_t(i.word);
    switch (i.op) {
        // Conditional traps: the routine raises Trap when the condition holds.
        case Opcode::teq: case Opcode::tne: case Opcode::tge: case Opcode::tgeu: case Opcode::tlt: case Opcode::tltu:
        case Opcode::teqi: case Opcode::tnei: case Opcode::tgei: case Opcode::tgeiu: case Opcode::tlti: case Opcode::tltiu: {
            const bool imm = i.op == Opcode::teqi || i.op == Opcode::tnei || i.op == Opcode::tgei ||
                             i.op == Opcode::tgeiu || i.op == Opcode::tlti || i.op == Opcode::tltiu;
            const Xbyak::Reg64 a = G(i.rs);
            if (!imm && i.rt != 0) G(i.rt);
            const RoutinePath p = open_routine_path(k);
            if (imm) cmp(a, simm);  // (the immediate sign-extended, compared signed or not)
            else if (i.rt == 0) test(a, a);
            else cmp(a, G(i.rt));
            Label& slow = *p.slow;
            switch (i.op) {
                case Opcode::teq: case Opcode::teqi: je(slow, T_NEAR); break;
                case Opcode::tne: case Opcode::tnei: jne(slow, T_NEAR); break;
                case Opcode::tge: case Opcode::tgei: jge(slow, T_NEAR); break;
                case Opcode::tgeu: case Opcode::tgeiu: jae(slow, T_NEAR); break;
                case Opcode::tlt: case Opcode::tlti: jl(slow, T_NEAR); break;
                default: jb(slow, T_NEAR); break;  // tltu, tltiu
            }
            close_routine_path(p);
            return true;
        }
        // RDHWR $29 (UserLocal) where HWREna allows it; anything else about
        // the permission (kernel mode, CU0, an exception) is the routine's.
        case Opcode::rdhwr: {
            if (i.rd != 29) return false;
            const RoutinePath p = open_routine_path(k);
            mov(rax, cpu64(L_.cp0));
            test(dword[rax + int32_t(offsetof(Cp0State, hwrena))], int32_t(1u << 29));
            jz(*p.slow, T_NEAR);
            if (i.dst != 32) mov(def(i.dst), qword[rax + int32_t(offsetof(Cp0State, userlocal))]);
            close_routine_path(p);
            return true;
        }
        // FPU register moves, as exec_fpu.cpp's: fs = rd, fd = sa; 64-bit
        // values only with FR=1 (in FR=0 a doubleword is a register pair).
        case Opcode::mov_d: case Opcode::dmtc1: case Opcode::dmfc1: case Opcode::mov_s: case Opcode::mtc1:
        case Opcode::mfc1: {
            const bool wide = i.op == Opcode::mov_d || i.op == Opcode::dmtc1 || i.op == Opcode::dmfc1;
            Xbyak::Reg64 from_gpr;
            if (i.op == Opcode::dmtc1) from_gpr = G(i.rt);
            if (i.op == Opcode::mtc1) from_gpr = raw(i.rt);
            const RoutinePath p = open_routine_path(k);
            require_fpu(*p.slow, wide);
            const Xbyak::Address fs = fpr(i.rd), fd = fpr(i.sa);
            const Xbyak::Address fs32 = dword[rbx + L_.fpr + 8 * int32_t(i.rd)];
            const Xbyak::Address fd32 = dword[rbx + L_.fpr + 8 * int32_t(i.sa)];
            switch (i.op) {
                case Opcode::mov_d: mov(rax, fs); mov(fd, rax); break;
                case Opcode::mov_s: mov(eax, fs32); mov(fd32, eax); break;
                case Opcode::dmtc1: mov(fs, from_gpr); break;
                case Opcode::mtc1: mov(fs32, from_gpr.cvt32()); break;
                case Opcode::dmfc1:
                    if (i.dst != 32) mov(def(i.dst), fs);
                    break;
                default:  // mfc1
                    if (i.dst != 32) movsxd(def(i.dst), fs32);
                    break;
            }
            close_routine_path(p);
            return true;
        }
        default: return false;
    }
}

}  // namespace mipshv::jit
