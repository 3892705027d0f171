// The kernel's commonest privileged instructions in host code, in blocks
// translated for kernel mode (where CP0 is usable) with nothing before them
// that may have left it: DI and EI (every local_irq_save and restore),
// MFC0/DMFC0 of a register that reads as its field (every exception entry
// and TLB refill reads Status, Cause, EPC, BadVAddr, ...), and MTC0/DMTC0
// of one whose write only stores bits (cp0_plain_write_mask: the refill's
// EntryLo0/1, EPC, ...). As routines they cost a call and the write-back
// and reload of the block's registers. Random and Count reads, and writes
// with side effects (Status, Cause, EntryHi, Compare, ...), stay routines.
#include "hv/cpu/cp0.h"
#include "hv/engine/jit/translator.h"

namespace mipshv::jit {

namespace {
// Where cp0_field keeps (reg, sel) in a Cp0State, or nullopt.
std::optional<int32_t> field_offset(const Cp0State& state, unsigned reg, unsigned sel) {
    Cp0State& r = const_cast<Cp0State&>(state);  // (only the address is taken)
    const uint64_t* f = cp0_field(r, reg, sel);
    if (!f) return std::nullopt;
    return int32_t(reinterpret_cast<const char*>(f) - reinterpret_cast<const char*>(&r));
}
}  // namespace

bool Translator::emit_cp0(size_t k) {
    const Insn& i = b_.insns[k];
    if (!kernel_mode_here()) return false;
    switch (i.op) {
        case Opcode::cache: return true;  // no caches to maintain (exec_cp0.cpp); CP0 is usable in kernel mode
        case Opcode::di:
        case Opcode::ei: {
            const int32_t status = int32_t(offsetof(Cp0State, status));
            mov(rcx, cpu64(L_.cp0));
            mov(rax, qword[rcx + status]);
            if (i.dst != 32) movsxd(def(i.dst), eax);
            if (i.op == Opcode::di) {
                and_(qword[rcx + status], int32_t(~cp0::status::IE));
                return true;
            }
            or_(qword[rcx + status], int32_t(cp0::status::IE));
            request_check_if_interrupt_pending();
            return true;
        }
        case Opcode::mfc0:
        case Opcode::dmfc0: {
            const unsigned reg = i.rd, sel = i.word & 7;
            if ((reg == cp0::RANDOM || reg == cp0::COUNT) && sel == 0) return false;
            const auto at = field_offset(r_.cpu.cp0, reg, sel);
            if (i.dst == 32) return true;
            if (!at) {
                const Xbyak::Reg64 d = def(i.dst);
                xor_(d.cvt32(), d.cvt32());  // not implemented: reads as zero
                return true;
            }
            mov(rcx, cpu64(L_.cp0));
            // (MFC0 takes the low word; a 32-bit register reads sign-extended)
            const bool word = i.op == Opcode::mfc0 || !cp0_is_64bit(reg);
            if (const uint64_t mask = cp0_read_mask(reg, sel); mask != ~0ull) {
                mov(rax, mask);
                and_(rax, qword[rcx + *at]);
                if (word) movsxd(def(i.dst), eax);
                else mov(def(i.dst), rax);
            } else if (word) {
                movsxd(def(i.dst), dword[rcx + *at]);
            } else {
                mov(def(i.dst), qword[rcx + *at]);
            }
            return true;
        }
        case Opcode::mtc0:
        case Opcode::dmtc0: {
            // (the TLB refill handler's EntryLo writes; EPC, Context, ...)
            const auto mask = cp0_plain_write_mask(i.rd, i.word & 7);
            if (!mask) return false;
            const int32_t at = *field_offset(r_.cpu.cp0, i.rd, i.word & 7);
            if (i.op == Opcode::mtc0) movsxd(rax, G32(i.rt));  // MTC0 writes the word sign-extended
            else mov(rax, G(i.rt));
            mov(rcx, cpu64(L_.cp0));
            if (*mask != ~0ull) {
                mov(rdx, *mask);
                and_(rax, rdx);
                not_(rdx);
                and_(rdx, qword[rcx + at]);
                or_(rax, rdx);
            }
            mov(qword[rcx + at], rax);
            return true;
        }
        default: return false;
    }
}

}  // namespace mipshv::jit
