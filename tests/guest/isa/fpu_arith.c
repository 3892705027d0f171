/*
 * FPU arithmetic (FR=1): ADD SUB MUL DIV SQRT ABS NEG MOV RECIP RSQRT and
 * MADD MSUB NMADD NMSUB in single and double precision, conversions
 * CVT.S.D CVT.D.S CVT.W/L.S/D CVT.S/D.W/L ROUND/TRUNC/CEIL/FLOOR.W/L,
 * under each FCSR rounding mode (RN RZ RP RM), with the FCSR Cause and
 * Flags bits each operation produces; enabled FP exceptions (ExcCode 15,
 * destination unchanged, Cause set, Flags not updated); CTC1 raising an
 * exception when it sets a Cause bit whose Enable is set.
 *
 * Legacy (pre-2008) NaNs: quiet NaNs have the fraction MSB clear.  The
 * default NaN is 0x7fbfffff / 0x7ff7ffffffffffff.  As in QEMU, every NaN
 * result is the default NaN.  Invalid conversions to integer return
 * 2^31-1 / 2^63-1.  RECIP/RSQRT are only required to be accurate to 1 ulp,
 * so they are tested on exact cases.  MADD & co. are not fused in Release
 * 2: the product is rounded before the addition (MSUB shows it).
 * Denormal inputs/results are avoided (an implementation may raise the
 * Unimplemented Operation exception for them).
 */
#include "check.h"
#include "cp0.h"

#define SENT 0x5a5a5a5a5a5a5a5aul
#define QNAN_S 0x7f801234u	      /* legacy quiet NaN */
#define SNAN_S 0x7fc01234u	      /* legacy signalling NaN */
#define DNAN_S 0x7fbfffffu	      /* default NaN */
#define QNAN_D 0x7ff0000000001234ul
#define SNAN_D 0x7ff8000000001234ul
#define DNAN_D 0x7ff7fffffffffffful
#define ONE_S 0x3f800000u
#define ONE_D 0x3ff0000000000000ul
#define MAX_S 0x7f7fffffu
#define INF_S 0x7f800000u

/* op codes; the operand/result widths are part of the op */
enum {
	ADD_S, SUB_S, MUL_S, DIV_S, SQRT_S, ABS_S, NEG_S, MOV_S, RECIP_S,
	RSQRT_S, MADD_S, MSUB_S, NMADD_S, NMSUB_S,
	ADD_D, SUB_D, MUL_D, DIV_D, SQRT_D, ABS_D, NEG_D, MOV_D, RECIP_D,
	RSQRT_D, MADD_D, MSUB_D, NMADD_D, NMSUB_D,
	CVT_S_D, CVT_D_S, CVT_W_S, CVT_W_D, CVT_L_S, CVT_L_D, CVT_S_W,
	CVT_D_W, CVT_S_L, CVT_D_L, ROUND_W_S, TRUNC_W_S, CEIL_W_S,
	FLOOR_W_S, ROUND_L_D, TRUNC_L_D, CEIL_L_D, FLOOR_L_D,
	ROUND_W_D, TRUNC_W_D, CEIL_W_D, FLOOR_W_D,
	ROUND_L_S, TRUNC_L_S, CEIL_L_S, FLOOR_L_S,
};

/*
 * Run one instruction: a -> $f2, b -> $f4, c -> $f6, result from $f0
 * (preloaded with SENT).  IN/OUT select 32-bit (mtc1/mfc1) or 64-bit
 * (dmtc1/dmfc1) transfers; 32-bit results are masked to the low word.
 */
#define RUN(in, out, insn)                                                    \
	__asm__ volatile("dmtc1 %4, $f0\n\t" in " %1, $f2\n\t" in            \
			 " %2, $f4\n\t" in " %3, $f6\n\t" insn "\n\t" out   \
			 " %0, $f0"                                           \
			 : "=r"(r)                                            \
			 : "r"(a), "r"(b), "r"(c), "r"(SENT)                  \
			 : "$f0", "$f2", "$f4", "$f6", "memory")
#define S(insn) RUN("mtc1", "mfc1", insn); r &= 0xffffffffu; break
#define D(insn) RUN("dmtc1", "dmfc1", insn); break
#define D2S(insn) RUN("dmtc1", "mfc1", insn); r &= 0xffffffffu; break
#define S2D(insn) RUN("mtc1", "dmfc1", insn); break

static u64 run(int op, u64 a, u64 b, u64 c)
{
	u64 r;
	switch (op) {
	case ADD_S: S("add.s $f0, $f2, $f4");
	case SUB_S: S("sub.s $f0, $f2, $f4");
	case MUL_S: S("mul.s $f0, $f2, $f4");
	case DIV_S: S("div.s $f0, $f2, $f4");
	case SQRT_S: S("sqrt.s $f0, $f2");
	case ABS_S: S("abs.s $f0, $f2");
	case NEG_S: S("neg.s $f0, $f2");
	case MOV_S: S("mov.s $f0, $f2");
	case RECIP_S: S("recip.s $f0, $f2");
	case RSQRT_S: S("rsqrt.s $f0, $f2");
	case MADD_S: S("madd.s $f0, $f6, $f2, $f4"); /* a*b + c */
	case MSUB_S: S("msub.s $f0, $f6, $f2, $f4"); /* a*b - c */
	case NMADD_S: S("nmadd.s $f0, $f6, $f2, $f4");
	case NMSUB_S: S("nmsub.s $f0, $f6, $f2, $f4");
	case ADD_D: D("add.d $f0, $f2, $f4");
	case SUB_D: D("sub.d $f0, $f2, $f4");
	case MUL_D: D("mul.d $f0, $f2, $f4");
	case DIV_D: D("div.d $f0, $f2, $f4");
	case SQRT_D: D("sqrt.d $f0, $f2");
	case ABS_D: D("abs.d $f0, $f2");
	case NEG_D: D("neg.d $f0, $f2");
	case MOV_D: D("mov.d $f0, $f2");
	case RECIP_D: D("recip.d $f0, $f2");
	case RSQRT_D: D("rsqrt.d $f0, $f2");
	case MADD_D: D("madd.d $f0, $f6, $f2, $f4");
	case MSUB_D: D("msub.d $f0, $f6, $f2, $f4");
	case NMADD_D: D("nmadd.d $f0, $f6, $f2, $f4");
	case NMSUB_D: D("nmsub.d $f0, $f6, $f2, $f4");
	case CVT_S_D: D2S("cvt.s.d $f0, $f2");
	case CVT_D_S: S2D("cvt.d.s $f0, $f2");
	case CVT_W_S: S("cvt.w.s $f0, $f2");
	case CVT_W_D: D2S("cvt.w.d $f0, $f2");
	case CVT_L_S: S2D("cvt.l.s $f0, $f2");
	case CVT_L_D: D("cvt.l.d $f0, $f2");
	case CVT_S_W: S("cvt.s.w $f0, $f2");
	case CVT_D_W: S2D("cvt.d.w $f0, $f2");
	case CVT_S_L: D2S("cvt.s.l $f0, $f2");
	case CVT_D_L: D("cvt.d.l $f0, $f2");
	case ROUND_W_S: S("round.w.s $f0, $f2");
	case TRUNC_W_S: S("trunc.w.s $f0, $f2");
	case CEIL_W_S: S("ceil.w.s $f0, $f2");
	case FLOOR_W_S: S("floor.w.s $f0, $f2");
	case ROUND_L_D: D("round.l.d $f0, $f2");
	case TRUNC_L_D: D("trunc.l.d $f0, $f2");
	case CEIL_L_D: D("ceil.l.d $f0, $f2");
	case FLOOR_L_D: D("floor.l.d $f0, $f2");
	case ROUND_W_D: D2S("round.w.d $f0, $f2");
	case TRUNC_W_D: D2S("trunc.w.d $f0, $f2");
	case CEIL_W_D: D2S("ceil.w.d $f0, $f2");
	case FLOOR_W_D: D2S("floor.w.d $f0, $f2");
	case ROUND_L_S: S2D("round.l.s $f0, $f2");
	case TRUNC_L_S: S2D("trunc.l.s $f0, $f2");
	case CEIL_L_S: S2D("ceil.l.s $f0, $f2");
	case FLOOR_L_S: S2D("floor.l.s $f0, $f2");
	default: r = 0; break;
	}
	return r;
}

struct tc {
	const char *name;
	int op;
	u32 rm;
	u64 a, b, c;
	u64 want;
	u32 cause; /* FP_x bits of Cause (== Flags, since FCSR starts clear) */
};

#define RN FCSR_RN
#define RZ FCSR_RZ
#define RP FCSR_RP
#define RM FCSR_RM
#define I FP_I
#define O FP_O
#define Z FP_Z
#define V FP_V

static const struct tc cases[] = {
	/* single: rounding of 1 + 2^-24 (half an ulp) */
	{"add.s 1+2^-24", ADD_S, RN, ONE_S, 0x33800000, 0, ONE_S, I},
	{"add.s 1+2^-24", ADD_S, RZ, ONE_S, 0x33800000, 0, ONE_S, I},
	{"add.s 1+2^-24", ADD_S, RP, ONE_S, 0x33800000, 0, 0x3f800001, I},
	{"add.s 1+2^-24", ADD_S, RM, ONE_S, 0x33800000, 0, ONE_S, I},
	{"add.s -1-2^-24", ADD_S, RN, 0xbf800000, 0xb3800000, 0, 0xbf800000, I},
	{"add.s -1-2^-24", ADD_S, RP, 0xbf800000, 0xb3800000, 0, 0xbf800000, I},
	{"add.s -1-2^-24", ADD_S, RM, 0xbf800000, 0xb3800000, 0, 0xbf800001, I},
	{"add.s 1+2", ADD_S, RN, ONE_S, 0x40000000, 0, 0x40400000, 0},
	/* overflow: infinity or the largest finite number by mode */
	{"add.s max+max", ADD_S, RN, MAX_S, MAX_S, 0, INF_S, O | I},
	{"add.s max+max", ADD_S, RZ, MAX_S, MAX_S, 0, MAX_S, O | I},
	{"add.s max+max", ADD_S, RP, MAX_S, MAX_S, 0, INF_S, O | I},
	{"add.s max+max", ADD_S, RM, MAX_S, MAX_S, 0, MAX_S, O | I},
	{"add.s -max-max", ADD_S, RZ, 0xff7fffff, 0xff7fffff, 0, 0xff7fffff, O | I},
	{"add.s -max-max", ADD_S, RM, 0xff7fffff, 0xff7fffff, 0, 0xff800000, O | I},
	{"add.s inf+-inf", ADD_S, RN, INF_S, 0xff800000, 0, DNAN_S, V},
	{"add.s inf+1", ADD_S, RN, INF_S, ONE_S, 0, INF_S, 0},
	{"add.s 1+qNaN", ADD_S, RN, ONE_S, QNAN_S, 0, DNAN_S, 0},
	{"add.s sNaN+1", ADD_S, RN, SNAN_S, ONE_S, 0, DNAN_S, V},
	/* exact zero: +0, except -0 when rounding toward -inf */
	{"sub.s 1-1", SUB_S, RN, ONE_S, ONE_S, 0, 0, 0},
	{"sub.s 1-1", SUB_S, RM, ONE_S, ONE_S, 0, 0x80000000, 0},
	{"sub.s 3-1", SUB_S, RN, 0x40400000, ONE_S, 0, 0x40000000, 0},
	{"mul.s 3*(1/3)", MUL_S, RN, 0x40400000, 0x3eaaaaab, 0, ONE_S, I},
	{"mul.s 3*(1/3)", MUL_S, RP, 0x40400000, 0x3eaaaaab, 0, 0x3f800001, I},
	{"mul.s -2*1.5", MUL_S, RN, 0xc0000000, 0x3fc00000, 0, 0xc0400000, 0},
	{"mul.s 0*inf", MUL_S, RN, 0, INF_S, 0, DNAN_S, V},
	{"div.s 1/3", DIV_S, RN, ONE_S, 0x40400000, 0, 0x3eaaaaab, I},
	{"div.s 1/3", DIV_S, RZ, ONE_S, 0x40400000, 0, 0x3eaaaaaa, I},
	{"div.s 1/3", DIV_S, RP, ONE_S, 0x40400000, 0, 0x3eaaaaab, I},
	{"div.s 1/3", DIV_S, RM, ONE_S, 0x40400000, 0, 0x3eaaaaaa, I},
	{"div.s -1/3", DIV_S, RZ, 0xbf800000, 0x40400000, 0, 0xbeaaaaaa, I},
	{"div.s -1/3", DIV_S, RM, 0xbf800000, 0x40400000, 0, 0xbeaaaaab, I},
	{"div.s 1/0", DIV_S, RN, ONE_S, 0, 0, INF_S, Z},
	{"div.s -1/0", DIV_S, RN, 0xbf800000, 0, 0, 0xff800000, Z},
	{"div.s 1/-0", DIV_S, RN, ONE_S, 0x80000000, 0, 0xff800000, Z},
	{"div.s 0/0", DIV_S, RN, 0, 0, 0, DNAN_S, V},
	{"sqrt.s 2", SQRT_S, RN, 0x40000000, 0, 0, 0x3fb504f3, I},
	{"sqrt.s 2", SQRT_S, RP, 0x40000000, 0, 0, 0x3fb504f4, I},
	{"sqrt.s 4", SQRT_S, RN, 0x40800000, 0, 0, 0x40000000, 0},
	{"sqrt.s -0", SQRT_S, RN, 0x80000000, 0, 0, 0x80000000, 0},
	{"sqrt.s -1", SQRT_S, RN, 0xbf800000, 0, 0, DNAN_S, V},
	{"abs.s -1.5", ABS_S, RN, 0xbfc00000, 0, 0, 0x3fc00000, 0},
	{"abs.s -0", ABS_S, RN, 0x80000000, 0, 0, 0, 0},
	{"neg.s 0", NEG_S, RN, 0, 0, 0, 0x80000000, 0},
	{"neg.s -inf", NEG_S, RN, 0xff800000, 0, 0, INF_S, 0},
	{"mov.s sNaN (no exception)", MOV_S, RN, SNAN_S, 0, 0, SNAN_S, 0},
	{"recip.s 2", RECIP_S, RN, 0x40000000, 0, 0, 0x3f000000, 0},
	{"recip.s -0.25", RECIP_S, RN, 0xbe800000, 0, 0, 0xc0800000, 0},
	{"rsqrt.s 4", RSQRT_S, RN, 0x40800000, 0, 0, 0x3f000000, 0},
	{"rsqrt.s 16", RSQRT_S, RN, 0x41800000, 0, 0, 0x3e800000, 0},
	/* multiply-add, a=b=1+2^-12, c=1+2^-11: a*b rounds to c (RN) */
	{"madd.s", MADD_S, RN, 0x3f800800, 0x3f800800, 0x3f801000, 0x40001000, I},
	{"msub.s (not fused)", MSUB_S, RN, 0x3f800800, 0x3f800800, 0x3f801000, 0, I},
	{"nmadd.s", NMADD_S, RN, 0x3f800800, 0x3f800800, 0x3f801000, 0xc0001000, I},
	{"nmsub.s", NMSUB_S, RN, 0x3f800800, 0x3f800800, 0x3f801000, 0x80000000, I},
	{"madd.s 2*3+1", MADD_S, RN, 0x40000000, 0x40400000, ONE_S, 0x40e00000, 0},
	{"msub.s 2*3-1", MSUB_S, RN, 0x40000000, 0x40400000, ONE_S, 0x40a00000, 0},
	{"nmadd.s 2*3+1", NMADD_S, RN, 0x40000000, 0x40400000, ONE_S, 0xc0e00000, 0},
	{"nmsub.s 2*3-1", NMSUB_S, RN, 0x40000000, 0x40400000, ONE_S, 0xc0a00000, 0},

	/* double */
	{"add.d 1+2^-53", ADD_D, RN, ONE_D, 0x3ca0000000000000, 0, ONE_D, I},
	{"add.d 1+2^-53", ADD_D, RZ, ONE_D, 0x3ca0000000000000, 0, ONE_D, I},
	{"add.d 1+2^-53", ADD_D, RP, ONE_D, 0x3ca0000000000000, 0, 0x3ff0000000000001, I},
	{"add.d 1+2^-53", ADD_D, RM, ONE_D, 0x3ca0000000000000, 0, ONE_D, I},
	{"add.d inf+-inf", ADD_D, RN, 0x7ff0000000000000, 0xfff0000000000000, 0, DNAN_D, V},
	{"add.d qNaN+1", ADD_D, RN, QNAN_D, ONE_D, 0, DNAN_D, 0},
	{"add.d 1+sNaN", ADD_D, RN, ONE_D, SNAN_D, 0, DNAN_D, V},
	{"sub.d 2.5-2.5", SUB_D, RN, 0x4004000000000000, 0x4004000000000000, 0, 0, 0},
	{"sub.d 2.5-2.5", SUB_D, RM, 0x4004000000000000, 0x4004000000000000, 0, 0x8000000000000000, 0},
	{"mul.d max*2", MUL_D, RN, 0x7fefffffffffffff, 0x4000000000000000, 0, 0x7ff0000000000000, O | I},
	{"mul.d max*2", MUL_D, RZ, 0x7fefffffffffffff, 0x4000000000000000, 0, 0x7fefffffffffffff, O | I},
	{"mul.d max*2", MUL_D, RP, 0x7fefffffffffffff, 0x4000000000000000, 0, 0x7ff0000000000000, O | I},
	{"mul.d max*2", MUL_D, RM, 0x7fefffffffffffff, 0x4000000000000000, 0, 0x7fefffffffffffff, O | I},
	{"div.d 1/3", DIV_D, RN, ONE_D, 0x4008000000000000, 0, 0x3fd5555555555555, I},
	{"div.d 1/3", DIV_D, RP, ONE_D, 0x4008000000000000, 0, 0x3fd5555555555556, I},
	{"div.d -2/3", DIV_D, RN, 0xc000000000000000, 0x4008000000000000, 0, 0xbfe5555555555555, I},
	{"div.d -2/3", DIV_D, RM, 0xc000000000000000, 0x4008000000000000, 0, 0xbfe5555555555556, I},
	{"div.d 1/0", DIV_D, RN, ONE_D, 0, 0, 0x7ff0000000000000, Z},
	{"sqrt.d 2", SQRT_D, RN, 0x4000000000000000, 0, 0, 0x3ff6a09e667f3bcd, I},
	{"sqrt.d 2", SQRT_D, RZ, 0x4000000000000000, 0, 0, 0x3ff6a09e667f3bcc, I},
	{"sqrt.d 2", SQRT_D, RP, 0x4000000000000000, 0, 0, 0x3ff6a09e667f3bcd, I},
	{"sqrt.d 2", SQRT_D, RM, 0x4000000000000000, 0, 0, 0x3ff6a09e667f3bcc, I},
	{"sqrt.d -inf", SQRT_D, RN, 0xfff0000000000000, 0, 0, DNAN_D, V},
	{"abs.d -3", ABS_D, RN, 0xc008000000000000, 0, 0, 0x4008000000000000, 0},
	{"neg.d 3", NEG_D, RN, 0x4008000000000000, 0, 0, 0xc008000000000000, 0},
	{"mov.d", MOV_D, RN, 0x0123456789abcdef, 0, 0, 0x0123456789abcdef, 0},
	{"recip.d 4", RECIP_D, RN, 0x4010000000000000, 0, 0, 0x3fd0000000000000, 0},
	{"rsqrt.d 0.25", RSQRT_D, RN, 0x3fd0000000000000, 0, 0, 0x4000000000000000, 0},
	{"madd.d 2*3+1", MADD_D, RN, 0x4000000000000000, 0x4008000000000000, ONE_D, 0x401c000000000000, 0},
	{"msub.d 2*3-1", MSUB_D, RN, 0x4000000000000000, 0x4008000000000000, ONE_D, 0x4014000000000000, 0},
	{"nmadd.d 2*3+1", NMADD_D, RN, 0x4000000000000000, 0x4008000000000000, ONE_D, 0xc01c000000000000, 0},
	{"nmsub.d 2*3-1", NMSUB_D, RN, 0x4000000000000000, 0x4008000000000000, ONE_D, 0xc014000000000000, 0},
	/* a=b=1+2^-27, c=1+2^-26: a*b = c + 2^-54 rounds to c */
	{"msub.d (not fused)", MSUB_D, RN, 0x3ff0000002000000, 0x3ff0000002000000, 0x3ff0000004000000, 0, I},

	/* conversions between formats */
	{"cvt.s.d 1/3", CVT_S_D, RN, 0x3fd5555555555555, 0, 0, 0x3eaaaaab, I},
	{"cvt.s.d 1/3", CVT_S_D, RZ, 0x3fd5555555555555, 0, 0, 0x3eaaaaaa, I},
	{"cvt.s.d 1/3", CVT_S_D, RP, 0x3fd5555555555555, 0, 0, 0x3eaaaaab, I},
	{"cvt.s.d 1/3", CVT_S_D, RM, 0x3fd5555555555555, 0, 0, 0x3eaaaaaa, I},
	{"cvt.s.d 1e300", CVT_S_D, RN, 0x7e37e43c8800759c, 0, 0, INF_S, O | I},
	{"cvt.s.d 1e300", CVT_S_D, RZ, 0x7e37e43c8800759c, 0, 0, MAX_S, O | I},
	{"cvt.s.d sNaN", CVT_S_D, RN, SNAN_D, 0, 0, DNAN_S, V},
	{"cvt.d.s 1/3", CVT_D_S, RN, 0x3eaaaaab, 0, 0, 0x3fd5555560000000, 0},
	{"cvt.d.s -inf", CVT_D_S, RN, 0xff800000, 0, 0, 0xfff0000000000000, 0},
	{"cvt.d.s qNaN", CVT_D_S, RN, QNAN_S, 0, 0, DNAN_D, 0},
	/* to integer, honouring FCSR.RM */
	{"cvt.w.s 2.5", CVT_W_S, RN, 0x40200000, 0, 0, 2, I},
	{"cvt.w.s 2.5", CVT_W_S, RZ, 0x40200000, 0, 0, 2, I},
	{"cvt.w.s 2.5", CVT_W_S, RP, 0x40200000, 0, 0, 3, I},
	{"cvt.w.s 2.5", CVT_W_S, RM, 0x40200000, 0, 0, 2, I},
	{"cvt.w.s 3.5", CVT_W_S, RN, 0x40600000, 0, 0, 4, I},
	{"cvt.w.s -2.5", CVT_W_S, RN, 0xc0200000, 0, 0, 0xfffffffe, I},
	{"cvt.w.s -2.5", CVT_W_S, RZ, 0xc0200000, 0, 0, 0xfffffffe, I},
	{"cvt.w.s -2.5", CVT_W_S, RP, 0xc0200000, 0, 0, 0xfffffffe, I},
	{"cvt.w.s -2.5", CVT_W_S, RM, 0xc0200000, 0, 0, 0xfffffffd, I},
	{"cvt.w.s -2^31", CVT_W_S, RN, 0xcf000000, 0, 0, 0x80000000, 0},
	{"cvt.w.s 3e9 (invalid)", CVT_W_S, RN, 0x4f32d05e, 0, 0, 0x7fffffff, V},
	{"cvt.w.s -3e9 (invalid)", CVT_W_S, RN, 0xcf32d05e, 0, 0, 0x7fffffff, V},
	{"cvt.w.s qNaN (invalid)", CVT_W_S, RN, QNAN_S, 0, 0, 0x7fffffff, V},
	{"cvt.w.d -1/3", CVT_W_D, RM, 0xbfd5555555555555, 0, 0, 0xffffffff, I},
	{"cvt.w.d 1e19 (invalid)", CVT_W_D, RN, 0x43e158e460913d00, 0, 0, 0x7fffffff, V},
	{"cvt.l.s -2.5", CVT_L_S, RM, 0xc0200000, 0, 0, 0xfffffffffffffffd, I},
	{"cvt.l.s 3e9", CVT_L_S, RN, 0x4f32d05e, 0, 0, 3000000000, 0},
	{"cvt.l.d 1e15+0.5", CVT_L_D, RN, 0x430c6bf526340004, 0, 0, 0x00038d7ea4c68000, I},
	{"cvt.l.d 1e15+0.5", CVT_L_D, RZ, 0x430c6bf526340004, 0, 0, 0x00038d7ea4c68000, I},
	{"cvt.l.d 1e15+0.5", CVT_L_D, RP, 0x430c6bf526340004, 0, 0, 0x00038d7ea4c68001, I},
	{"cvt.l.d 1e15+0.5", CVT_L_D, RM, 0x430c6bf526340004, 0, 0, 0x00038d7ea4c68000, I},
	{"cvt.l.d -1e15-0.5", CVT_L_D, RM, 0xc30c6bf526340004, 0, 0, 0xfffc72815b397fff, I},
	{"cvt.l.d 1e19 (invalid)", CVT_L_D, RN, 0x43e158e460913d00, 0, 0, 0x7fffffffffffffff, V},
	{"cvt.l.d -inf (invalid)", CVT_L_D, RN, 0xfff0000000000000, 0, 0, 0x7fffffffffffffff, V},
	/* fixed rounding, independent of FCSR.RM (set to something else) */
	{"round.w.s 2.5", ROUND_W_S, RP, 0x40200000, 0, 0, 2, I},
	{"round.w.s 3.5", ROUND_W_S, RZ, 0x40600000, 0, 0, 4, I},
	{"round.w.s -2.5", ROUND_W_S, RM, 0xc0200000, 0, 0, 0xfffffffe, I},
	{"trunc.w.s -2.7", TRUNC_W_S, RM, 0xc02ccccd, 0, 0, 0xfffffffe, I},
	{"trunc.w.s 2.2", TRUNC_W_S, RP, 0x400ccccd, 0, 0, 2, I},
	{"ceil.w.s -2.7", CEIL_W_S, RM, 0xc02ccccd, 0, 0, 0xfffffffe, I},
	{"ceil.w.s 2.2", CEIL_W_S, RN, 0x400ccccd, 0, 0, 3, I},
	{"floor.w.s -2.2", FLOOR_W_S, RP, 0xc00ccccd, 0, 0, 0xfffffffd, I},
	{"floor.w.s 2.7", FLOOR_W_S, RN, 0x402ccccd, 0, 0, 2, I},
	{"floor.w.s 3e9 (invalid)", FLOOR_W_S, RN, 0x4f32d05e, 0, 0, 0x7fffffff, V},
	{"round.l.d -1e15-0.5", ROUND_L_D, RP, 0xc30c6bf526340004, 0, 0, 0xfffc72815b398000, I},
	{"trunc.l.d -1e15-0.5", TRUNC_L_D, RM, 0xc30c6bf526340004, 0, 0, 0xfffc72815b398000, I},
	{"ceil.l.d 1e15+0.5", CEIL_L_D, RM, 0x430c6bf526340004, 0, 0, 0x00038d7ea4c68001, I},
	{"floor.l.d -1e15-0.5", FLOOR_L_D, RP, 0xc30c6bf526340004, 0, 0, 0xfffc72815b397fff, I},
	{"floor.l.d 4.0", FLOOR_L_D, RN, 0x4010000000000000, 0, 0, 4, 0},
	{"round.w.d 2.5", ROUND_W_D, RP, 0x4004000000000000, 0, 0, 2, I},
	{"trunc.w.d -2.7", TRUNC_W_D, RM, 0xc00599999999999a, 0, 0, 0xfffffffe, I},
	{"ceil.w.d -2.5", CEIL_W_D, RM, 0xc004000000000000, 0, 0, 0xfffffffe, I},
	{"floor.w.d -0.5", FLOOR_W_D, RZ, 0xbfe0000000000000, 0, 0, 0xffffffff, I},
	{"floor.w.d 1e19 (invalid)", FLOOR_W_D, RN, 0x43e158e460913d00, 0, 0, 0x7fffffff, V},
	{"round.l.s 2.5", ROUND_L_S, RP, 0x40200000, 0, 0, 2, I},
	{"trunc.l.s -2.7", TRUNC_L_S, RM, 0xc02ccccd, 0, 0, 0xfffffffffffffffe, I},
	{"ceil.l.s 2.2", CEIL_L_S, RZ, 0x400ccccd, 0, 0, 3, I},
	{"floor.l.s -2.2", FLOOR_L_S, RP, 0xc00ccccd, 0, 0, 0xfffffffffffffffd, I},
	{"trunc.l.s sNaN (invalid)", TRUNC_L_S, RN, SNAN_S, 0, 0, 0x7fffffffffffffff, V},
	/* from integer */
	{"cvt.s.w 2^24+1", CVT_S_W, RN, 16777217, 0, 0, 0x4b800000, I},
	{"cvt.s.w 2^24+1", CVT_S_W, RP, 16777217, 0, 0, 0x4b800001, I},
	{"cvt.s.w -7", CVT_S_W, RN, 0xfffffff9, 0, 0, 0xc0e00000, 0},
	{"cvt.d.w INT_MIN", CVT_D_W, RN, 0x80000000, 0, 0, 0xc1e0000000000000, 0},
	{"cvt.s.l -(2^53+1)", CVT_S_L, RN, 0xffdfffffffffffff, 0, 0, 0xda000000, I},
	{"cvt.s.l -(2^53+1)", CVT_S_L, RM, 0xffdfffffffffffff, 0, 0, 0xda000001, I},
	{"cvt.d.l 2^53+1", CVT_D_L, RN, 0x0020000000000001, 0, 0, 0x4340000000000000, I},
	{"cvt.d.l 2^53+1", CVT_D_L, RZ, 0x0020000000000001, 0, 0, 0x4340000000000000, I},
	{"cvt.d.l 2^53+1", CVT_D_L, RP, 0x0020000000000001, 0, 0, 0x4340000000000001, I},
	{"cvt.d.l 2^53+1", CVT_D_L, RM, 0x0020000000000001, 0, 0, 0x4340000000000000, I},
	{"cvt.d.l -1", CVT_D_L, RN, 0xffffffffffffffff, 0, 0, 0xbff0000000000000, 0},
};

static const char *const rm_names[4] = {"RN", "RZ", "RP", "RM"};

static char namebuf[96];
static const char *cat(const char *a, const char *b, const char *c)
{
	char *p = namebuf;
	for (const char *s = a; *s; s++)
		*p++ = *s;
	for (const char *s = b; *s; s++)
		*p++ = *s;
	for (const char *s = c; *s; s++)
		*p++ = *s;
	*p = 0;
	return namebuf;
}

static void run_cases(void)
{
	for (unsigned i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		const struct tc *t = &cases[i];
		write_fcsr(t->rm);
		u64 r = run(t->op, t->a, t->b, t->c);
		u32 fcsr = read_fcsr();
		CHECK_EQ(cat(t->name, " ", rm_names[t->rm]), r, t->want);
		CHECK_EQ(cat(t->name, " ", "FCSR"), fcsr,
			 t->rm | FCSR_CAUSE(t->cause) | FCSR_FLAGS(t->cause));
	}
	write_fcsr(0);
}

/* Cause is rewritten by every arithmetic operation, Flags accumulate. */
static void sticky_flags(void)
{
	write_fcsr(0);
	run(DIV_S, ONE_S, 0, 0);	    /* Z */
	run(ADD_S, ONE_S, 0x33800000, 0); /* I */
	run(ADD_S, ONE_S, ONE_S, 0);	    /* exact */
	CHECK_EQ("flags accumulate, cause from last op", read_fcsr(),
		 FCSR_FLAGS(Z | I));
	run(SQRT_S, 0xbf800000, 0, 0); /* V */
	CHECK_EQ("cause V after sqrt(-1)", read_fcsr(),
		 FCSR_FLAGS(Z | I | V) | FCSR_CAUSE(V));
	write_fcsr(0);
}

/*
 * Trapping instructions at addressable PCs (for EPC checks).  The last
 * argument preloads the destination so that "unchanged" can be seen.
 */
u64 trap_sqrt_s(u64 a, u64 sent);
u64 trap_div_d(u64 a, u64 b, u64 sent);
u64 trap_add_s(u64 a, u64 b, u64 sent);
u64 trap_cvt_w_s(u64 a, u64 sent);
void trap_ctc1(u64 fcsr);
extern char trap_sqrt_s_pc[], trap_div_d_pc[], trap_add_s_pc[],
	trap_cvt_w_s_pc[], trap_ctc1_pc[];
__asm__(".text\n.set push\n.set noreorder\n"
	"trap_sqrt_s:\n"
	"	mtc1	$a0, $f2\n"
	"	dmtc1	$a1, $f0\n"
	"trap_sqrt_s_pc:\n"
	"	sqrt.s	$f0, $f2\n"
	"	jr	$ra\n"
	"	dmfc1	$v0, $f0\n"
	"trap_div_d:\n"
	"	dmtc1	$a0, $f2\n"
	"	dmtc1	$a1, $f4\n"
	"	dmtc1	$a2, $f0\n"
	"trap_div_d_pc:\n"
	"	div.d	$f0, $f2, $f4\n"
	"	jr	$ra\n"
	"	dmfc1	$v0, $f0\n"
	"trap_add_s:\n"
	"	mtc1	$a0, $f2\n"
	"	mtc1	$a1, $f4\n"
	"	dmtc1	$a2, $f0\n"
	"trap_add_s_pc:\n"
	"	add.s	$f0, $f2, $f4\n"
	"	jr	$ra\n"
	"	dmfc1	$v0, $f0\n"
	"trap_cvt_w_s:\n"
	"	mtc1	$a0, $f2\n"
	"	dmtc1	$a1, $f0\n"
	"trap_cvt_w_s_pc:\n"
	"	cvt.w.s	$f0, $f2\n"
	"	jr	$ra\n"
	"	dmfc1	$v0, $f0\n"
	"trap_ctc1:\n"
	"trap_ctc1_pc:\n"
	"	ctc1	$a0, $31\n"
	"	jr	$ra\n"
	"	nop\n"
	".set pop\n");

static void fp_exceptions(void)
{
	u64 r;
	u32 f;

	write_fcsr(FCSR_ENABLES(V));
	exc_arm(1);
	r = trap_sqrt_s(0xbf800000, SENT);
	f = read_fcsr();
	write_fcsr(0);
	chk_exc("sqrt.s -1, V enabled", EXC_FPE, (u64)trap_sqrt_s_pc, 0);
	CHECK_EQ("sqrt.s -1, V enabled: destination unchanged", r, SENT);
	CHECK_EQ("sqrt.s -1, V enabled: FCSR cause V, no flag", f,
		 FCSR_ENABLES(V) | FCSR_CAUSE(V));

	write_fcsr(FCSR_ENABLES(Z) | RM);
	exc_arm(1);
	r = trap_div_d(ONE_D, 0, SENT);
	f = read_fcsr();
	write_fcsr(0);
	chk_exc("div.d 1/0, Z enabled", EXC_FPE, (u64)trap_div_d_pc, 0);
	CHECK_EQ("div.d 1/0, Z enabled: destination unchanged", r, SENT);
	CHECK_EQ("div.d 1/0, Z enabled: FCSR", f,
		 FCSR_ENABLES(Z) | RM | FCSR_CAUSE(Z));

	write_fcsr(FCSR_ENABLES(I) | FCSR_FLAGS(Z));
	exc_arm(1);
	r = trap_add_s(ONE_S, 0x33800000, SENT);
	f = read_fcsr();
	write_fcsr(0);
	chk_exc("add.s inexact, I enabled", EXC_FPE, (u64)trap_add_s_pc, 0);
	CHECK_EQ("add.s inexact, I enabled: destination unchanged", r, SENT);
	CHECK_EQ("add.s inexact, I enabled: FCSR (old flags kept)", f,
		 FCSR_ENABLES(I) | FCSR_FLAGS(Z) | FCSR_CAUSE(I));

	write_fcsr(FCSR_ENABLES(V));
	exc_arm(1);
	r = trap_cvt_w_s(0x4f32d05e, SENT);
	write_fcsr(0);
	chk_exc("cvt.w.s 3e9, V enabled", EXC_FPE, (u64)trap_cvt_w_s_pc, 0);
	CHECK_EQ("cvt.w.s 3e9, V enabled: destination unchanged", r, SENT);

	/* Other exceptions enabled: no trap, result and flags as usual */
	write_fcsr(FCSR_ENABLES(V | Z | O));
	exc_arm(1);
	r = trap_add_s(ONE_S, 0x33800000, SENT) & 0xffffffffu;
	f = read_fcsr();
	write_fcsr(0);
	chk_noexc("add.s inexact, only V Z O enabled");
	CHECK_EQ("add.s inexact, only V Z O enabled: result", r, ONE_S);
	CHECK_EQ("add.s inexact, only V Z O enabled: FCSR", f,
		 FCSR_ENABLES(V | Z | O) | FCSR_CAUSE(I) | FCSR_FLAGS(I));

	/* CTC1 setting a Cause bit together with its Enable traps */
	exc_arm(1);
	trap_ctc1(FCSR_ENABLES(Z) | FCSR_CAUSE(Z));
	write_fcsr(0);
	chk_exc("ctc1 cause Z with enable Z", EXC_FPE, (u64)trap_ctc1_pc, 0);
	exc_arm(1);
	trap_ctc1(FCSR_CAUSE(FP_E)); /* Unimplemented: no Enable bit */
	write_fcsr(0);
	chk_exc("ctc1 cause E", EXC_FPE, (u64)trap_ctc1_pc, 0);
	exc_arm(1);
	trap_ctc1(FCSR_ENABLES(Z) | FCSR_CAUSE(V) | FCSR_FLAGS(Z));
	f = read_fcsr();
	write_fcsr(0);
	chk_noexc("ctc1 cause V with enable Z");
	CHECK_EQ("ctc1 cause V with enable Z: FCSR", f,
		 FCSR_ENABLES(Z) | FCSR_CAUSE(V) | FCSR_FLAGS(Z));
}

void test_main(void)
{
	run_cases();
	sticky_flags();
	fp_exceptions();
}
