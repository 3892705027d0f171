/*
 * C.cond.fmt for all 16 conditions, single and double, writing condition
 * codes 0..7: each condition is evaluated on less / greater / equal /
 * unordered operand pairs.  Condition bits: 1 = true if unordered, 2 = true
 * if equal, 4 = true if less, 8 = signal Invalid on unordered (quiet NaN);
 * signalling NaNs always signal Invalid.  Only the selected condition code
 * changes.  With Invalid enabled, a signalling compare on a quiet NaN traps
 * (ExcCode 15) and leaves the condition code unchanged.
 */
#include "check.h"
#include "cp0.h"

#define CONDS                                                                 \
	X(f, 0, "0") X(un, 1, "1") X(eq, 2, "2") X(ueq, 3, "3")               \
	X(olt, 4, "4") X(ult, 5, "5") X(ole, 6, "6") X(ule, 7, "7")           \
	X(sf, 8, "0") X(ngle, 9, "1") X(seq, 10, "2") X(ngl, 11, "3")         \
	X(lt, 12, "4") X(nge, 13, "5") X(le, 14, "6") X(ngt, 15, "7")

/* cmp_<cond>_<fmt>(a, b): FCCR after "c.cond.fmt $fcc(cond&7), a, b" */
#define X(name, num, cc)                                                      \
	static u32 cmp_##name##_s(u64 a, u64 b)                              \
	{                                                                     \
		u64 r;                                                        \
		__asm__ volatile("mtc1 %1, $f2\n\tmtc1 %2, $f4\n\t"           \
				 "c." #name ".s $fcc" cc ", $f2, $f4\n\t"     \
				 "cfc1 %0, $25"                               \
				 : "=r"(r) : "r"(a), "r"(b)                   \
				 : "$f2", "$f4", "memory");                   \
		return (u32)r;                                                \
	}                                                                     \
	static u32 cmp_##name##_d(u64 a, u64 b)                              \
	{                                                                     \
		u64 r;                                                        \
		__asm__ volatile("dmtc1 %1, $f2\n\tdmtc1 %2, $f4\n\t"         \
				 "c." #name ".d $fcc" cc ", $f2, $f4\n\t"     \
				 "cfc1 %0, $25"                               \
				 : "=r"(r) : "r"(a), "r"(b)                   \
				 : "$f2", "$f4", "memory");                   \
		return (u32)r;                                                \
	}
CONDS
#undef X

typedef u32 (*cmp_fn)(u64, u64);
struct cond {
	const char *name;
	unsigned num;
	cmp_fn s, d;
};
#define X(name, num, cc) {#name, num, cmp_##name##_s, cmp_##name##_d},
static const struct cond conds[16] = {CONDS};
#undef X

struct rel {
	u64 s, t; /* single operands */
	u64 ds, dt; /* double operands */
	int less, eq, unord, snan;
};
/* legacy NaNs: quiet = fraction MSB clear */
static const struct rel rels[] = {
	{0x3f800000, 0x40000000, 0x3ff0000000000000, 0x4000000000000000, 1, 0, 0, 0}, /* 1 < 2 */
	{0x40000000, 0x3f800000, 0x4000000000000000, 0x3ff0000000000000, 0, 0, 0, 0}, /* 2 > 1 */
	{0x40000000, 0x40000000, 0x4000000000000000, 0x4000000000000000, 0, 1, 0, 0}, /* 2 == 2 */
	{0x80000000, 0x00000000, 0x8000000000000000, 0x0000000000000000, 0, 1, 0, 0}, /* -0 == +0 */
	{0xff800000, 0x7f800000, 0xfff0000000000000, 0x7ff0000000000000, 1, 0, 0, 0}, /* -inf < inf */
	{0x3f800000, 0x7f801234, 0x3ff0000000000000, 0x7ff0000000001234, 0, 0, 1, 0}, /* 1 ? qNaN */
	{0x7f801234, 0x7f801234, 0x7ff0000000001234, 0x7ff0000000001234, 0, 0, 1, 0}, /* qNaN ? qNaN */
	{0x7fc01234, 0x3f800000, 0x7ff8000000001234, 0x3ff0000000000000, 0, 0, 1, 1}, /* sNaN ? 1 */
};
#define NREL (sizeof(rels) / sizeof(rels[0]))

static void run_cond(const struct cond *c, int dbl)
{
	unsigned cc = c->num & 7;
	u32 results = 0, invalid = 0, want_r = 0, want_v = 0;
	int others_ok = 1;

	for (unsigned k = 0; k < NREL; k++) {
		const struct rel *r = &rels[k];
		write_fcsr(0);
		/* preset the condition codes to a pattern with cc inverted */
		u32 pattern = 0xa5 ^ (1u << cc);
		__asm__ volatile("ctc1 %0, $25" :: "r"((u64)pattern));
		u32 fccr = dbl ? c->d(r->ds, r->dt) : c->s(r->s, r->t);
		u32 fcsr = read_fcsr();
		results |= (fccr >> cc & 1) << k;
		others_ok &= (fccr & ~(1u << cc)) == (pattern & ~(1u << cc));
		if (fcsr & FCSR_CAUSE(FP_V))
			invalid |= 1u << k;
		int truth = (r->less && (c->num & 4)) || (r->eq && (c->num & 2)) ||
			    (r->unord && (c->num & 1));
		want_r |= (u32)truth << k;
		if (r->unord && ((c->num & 8) || r->snan))
			want_v |= 1u << k;
	}
	write_fcsr(0);
	char name[32], *p = name;
	const char *parts[] = {"c.", c->name, dbl ? ".d" : ".s", 0};
	for (int i = 0; parts[i]; i++)
		for (const char *s = parts[i]; *s; s++)
			*p++ = *s;
	*p = 0;
	tprintf("-- %s $fcc%u\n", name, cc);
	CHECK_EQ("result per operand pair", results, want_r);
	CHECK_EQ("Invalid per operand pair", invalid, want_v);
	CHECK_TRUE("other condition codes unchanged", others_ok);
}

u64 trap_c_lt_s(u64 a, u64 b);
extern char trap_c_lt_s_pc[];
__asm__(".text\n.set push\n.set noreorder\n"
	"trap_c_lt_s:\n"
	"	mtc1	$a0, $f2\n"
	"	mtc1	$a1, $f4\n"
	"trap_c_lt_s_pc:\n"
	"	c.lt.s	$fcc1, $f2, $f4\n"
	"	jr	$ra\n"
	"	cfc1	$v0, $25\n"
	".set pop\n");

void test_main(void)
{
	for (unsigned i = 0; i < 16; i++) {
		run_cond(&conds[i], 0);
		run_cond(&conds[i], 1);
	}

	/* Signalling compare on a quiet NaN with Invalid enabled traps */
	write_fcsr(FCSR_ENABLES(FP_V) | FCSR_FCC0);
	__asm__ volatile("ctc1 %0, $25" :: "r"((u64)0x02)); /* FCC1 = 1 */
	exc_arm(1);
	u64 fccr = trap_c_lt_s(0x3f800000, 0x7f801234);
	u32 fcsr = read_fcsr();
	write_fcsr(0);
	chk_exc("c.lt.s on qNaN, V enabled", EXC_FPE, (u64)trap_c_lt_s_pc, 0);
	CHECK_EQ("c.lt.s on qNaN, V enabled: FCC unchanged", fccr, 0x02);
	CHECK_EQ("c.lt.s on qNaN, V enabled: FCSR", fcsr,
		 FCSR_ENABLES(FP_V) | FCSR_CAUSE(FP_V) | (1u << 25));
	/* the quiet form does not signal */
	write_fcsr(FCSR_ENABLES(FP_V));
	exc_arm(1);
	fccr = cmp_olt_s(0x3f800000, 0x7f801234);
	write_fcsr(0);
	chk_noexc("c.olt.s on qNaN, V enabled");
}
