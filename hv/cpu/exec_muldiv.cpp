// Multiply, divide and the HI/LO registers. 32-bit forms leave HI and LO
// each holding a sign-extended 32-bit half. Division by zero is UNPREDICTABLE
// in the architecture; like QEMU we divide by one instead (LO = dividend,
// HI = 0), which also keeps the host from trapping.
#include "hv/cpu/exec_helpers.h"

namespace mipshv {

namespace {
void set_hilo32(Cpu& c, uint64_t product) {
    c.lo = sext32(product);
    c.hi = sext32(product >> 32);
}
uint64_t hilo32(const Cpu& c) { return (c.hi << 32) | uint32_t(c.lo); }
}  // namespace

DEF_INSN(mfhi) { WRITE_DST(c.hi); CONTINUE; }
DEF_INSN(mflo) { WRITE_DST(c.lo); CONTINUE; }
DEF_INSN(mthi) { c.hi = RS; CONTINUE; }
DEF_INSN(mtlo) { c.lo = RS; CONTINUE; }

DEF_INSN(mult) { set_hilo32(c, uint64_t(int64_t(lo32(RS)) * lo32(RT))); CONTINUE; }
DEF_INSN(multu) { set_hilo32(c, uint64_t(uint32_t(RS)) * uint32_t(RT)); CONTINUE; }
DEF_INSN(mul) { WRITE_DST(sext32(uint64_t(int64_t(lo32(RS)) * lo32(RT)))); CONTINUE; }
DEF_INSN(madd) { set_hilo32(c, hilo32(c) + uint64_t(int64_t(lo32(RS)) * lo32(RT))); CONTINUE; }
DEF_INSN(maddu) { set_hilo32(c, hilo32(c) + uint64_t(uint32_t(RS)) * uint32_t(RT)); CONTINUE; }
DEF_INSN(msub) { set_hilo32(c, hilo32(c) - uint64_t(int64_t(lo32(RS)) * lo32(RT))); CONTINUE; }
DEF_INSN(msubu) { set_hilo32(c, hilo32(c) - uint64_t(uint32_t(RS)) * uint32_t(RT)); CONTINUE; }

DEF_INSN(dmult) {
    __int128 p = __int128(int64_t(RS)) * int64_t(RT);
    c.lo = uint64_t(p);
    c.hi = uint64_t(p >> 64);
    CONTINUE;
}
DEF_INSN(dmultu) {
    unsigned __int128 p = (unsigned __int128)RS * RT;
    c.lo = uint64_t(p);
    c.hi = uint64_t(p >> 64);
    CONTINUE;
}

DEF_INSN(div) {
    int32_t a = lo32(RS), b = lo32(RT);
    if (b == 0) b = 1;
    if (a == INT32_MIN && b == -1) {  // the one quotient that overflows
        c.lo = sext32(uint32_t(a));
        c.hi = 0;
        CONTINUE;
    }
    c.lo = sext32(uint32_t(a / b));
    c.hi = sext32(uint32_t(a % b));
    CONTINUE;
}
DEF_INSN(divu) {
    uint32_t a = uint32_t(RS), b = uint32_t(RT);
    if (b == 0) b = 1;
    c.lo = sext32(a / b);
    c.hi = sext32(a % b);
    CONTINUE;
}
DEF_INSN(ddiv) {
    int64_t a = int64_t(RS), b = int64_t(RT);
    if (b == 0) b = 1;
    if (a == INT64_MIN && b == -1) {
        c.lo = uint64_t(a);
        c.hi = 0;
        CONTINUE;
    }
    c.lo = uint64_t(a / b);
    c.hi = uint64_t(a % b);
    CONTINUE;
}
DEF_INSN(ddivu) {
    uint64_t a = RS, b = RT;
    if (b == 0) b = 1;
    c.lo = a / b;
    c.hi = a % b;
    CONTINUE;
}

}  // namespace mipshv
