/*
 * Partial-word loads and stores LWL LWR LDL LDR SWL SWR SDL SDR at every
 * byte offset 0..7, and their pairing into unaligned word/doubleword
 * loads and stores.  Expected values come from a byte-level model of the
 * little-endian definitions in the MIPS64 manual:
 *   LWL: the bytes from the aligned word start up to addr go to the most
 *        significant end of the register word (byte addr -> bits 31..24);
 *   LWR: the bytes from addr up to the end of the aligned word go to the
 *        least significant end (byte addr -> bits 7..0);
 *   LDL/LDR: the same with doublewords; SWL/SWR/SDL/SDR are the inverses.
 * LWL/LWR results are sign-extended from bit 31.  When LWR does not load
 * bit 31 the upper half is implementation dependent (unchanged or
 * sign-extended), so the old register values used here are sign-extended
 * words, for which both choices give the same result.
 */
#include "check.h"

#define BUF 24
static u8 mem[BUF] __attribute__((aligned(8)));
static u8 model[BUF];

static const u8 pattern[BUF] = {
	0x10, 0x91, 0x22, 0xa3, 0x34, 0xb5, 0x46, 0xc7, 0x58, 0xd9, 0x6a, 0xeb,
	0x7c, 0xfd, 0x8e, 0x0f, 0x81, 0x72, 0x63, 0x54, 0x45, 0x36, 0x27, 0x18,
};

static s64 sext32(u64 v) { return (s32)(u32)v; }

static u64 load_le(const u8 *p, int n)
{
	u64 v = 0;
	for (int i = n - 1; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

/* ---- reference model ---- */
static u64 m_lwl(u64 old, unsigned a)
{
	unsigned b = a & 3;
	u64 w = load_le(&model[a & ~3u], 4);
	u64 keep = (1ull << (8 * (3 - b))) - 1;
	return sext32(((w << (8 * (3 - b))) | (old & keep)) & 0xffffffff);
}
static u64 m_lwr(u64 old, unsigned a)
{
	unsigned b = a & 3;
	u64 w = load_le(&model[a & ~3u], 4);
	u64 keep = ~(0xffffffffull >> (8 * b)) & 0xffffffff;
	return sext32((w >> (8 * b)) | (old & keep));
}
static u64 m_ldl(u64 old, unsigned a)
{
	unsigned b = a & 7;
	u64 d = load_le(&model[a & ~7u], 8);
	u64 keep = b == 7 ? 0 : (1ull << (8 * (7 - b))) - 1;
	return (d << (8 * (7 - b))) | (old & keep);
}
static u64 m_ldr(u64 old, unsigned a)
{
	unsigned b = a & 7;
	u64 d = load_le(&model[a & ~7u], 8);
	u64 keep = b == 0 ? 0 : ~(~0ull >> (8 * b));
	return (d >> (8 * b)) | (old & keep);
}
static void m_swl(u64 v, unsigned a)
{
	unsigned b = a & 3;
	for (unsigned i = 0; i <= b; i++)
		model[(a & ~3u) + i] = (u8)(v >> (8 * (3 - b + i)));
}
static void m_swr(u64 v, unsigned a)
{
	for (unsigned i = 0; i <= 3 - (a & 3); i++)
		model[a + i] = (u8)(v >> (8 * i));
}
static void m_sdl(u64 v, unsigned a)
{
	unsigned b = a & 7;
	for (unsigned i = 0; i <= b; i++)
		model[(a & ~7u) + i] = (u8)(v >> (8 * (7 - b + i)));
}
static void m_sdr(u64 v, unsigned a)
{
	for (unsigned i = 0; i <= 7 - (a & 7); i++)
		model[a + i] = (u8)(v >> (8 * i));
}

/* ---- the instructions ---- */
#define LOADOP(name)                                                          \
	static u64 do_##name(u64 old, unsigned a)                            \
	{                                                                     \
		__asm__ volatile(#name " %0, 0(%1)"                           \
				 : "+r"(old) : "r"(&mem[a]) : "memory");      \
		return old;                                                   \
	}
#define STOREOP(name)                                                         \
	static void do_##name(u64 v, unsigned a)                             \
	{                                                                     \
		__asm__ volatile(#name " %0, 0(%1)"                           \
				 :: "r"(v), "r"(&mem[a]) : "memory");         \
	}
LOADOP(lwl)
LOADOP(lwr)
LOADOP(ldl)
LOADOP(ldr)
STOREOP(swl)
STOREOP(swr)
STOREOP(sdl)
STOREOP(sdr)

static void reset(void)
{
	for (int i = 0; i < BUF; i++)
		mem[i] = model[i] = pattern[i];
}

/* "<op> +<off><suffix>" in one of two alternating static buffers */
static const char *nm(const char *op, unsigned off, const char *suffix)
{
	static char bufs[2][48];
	static int which;
	char *p = bufs[which ^= 1], *start = p;
	while (*op)
		*p++ = *op++;
	*p++ = ' ';
	*p++ = '+';
	*p++ = (char)('0' + off);
	while (*suffix)
		*p++ = *suffix++;
	*p = 0;
	return start;
}

/* The doubleword around the store (printed) and the whole buffer. */
static void check_mem(const char *op, unsigned off)
{
	int same = 1;
	for (int i = 0; i < BUF; i++)
		same &= mem[i] == model[i];
	CHECK_EQ(nm(op, off, ""), load_le(&mem[off & ~7u], 8),
		 load_le(&model[off & ~7u], 8));
	CHECK_TRUE(nm(op, off, " whole buffer as modelled"), same);
}

void test_main(void)
{
	/* sign-extended words, alternately negative and positive */
	const u64 olds[2] = {0xffffffffccddeeffull, 0x0000000044556677ull};
	const u64 dold = 0x8899aabbccddeeffull;
	const u64 sval = 0xf1e2d3c4b5a69788ull;

	reset();
	for (unsigned off = 0; off < 8; off++) {
		u64 old = olds[off & 1];
		CHECK_EQ(nm("lwl", off, ""), do_lwl(old, off), m_lwl(old, off));
		CHECK_EQ(nm("lwr", off, ""), do_lwr(old, off), m_lwr(old, off));
		CHECK_EQ(nm("ldl", off, ""), do_ldl(dold, off), m_ldl(dold, off));
		CHECK_EQ(nm("ldr", off, ""), do_ldr(dold, off), m_ldr(dold, off));
	}
	for (unsigned off = 0; off < 8; off++) {
		reset();
		do_swl(sval, off);
		m_swl(sval, off);
		check_mem("swl", off);
		reset();
		do_swr(sval, off);
		m_swr(sval, off);
		check_mem("swr", off);
		reset();
		do_sdl(sval, off);
		m_sdl(sval, off);
		check_mem("sdl", off);
		reset();
		do_sdr(sval, off);
		m_sdr(sval, off);
		check_mem("sdr", off);
	}

	/* Unaligned word/doubleword access built from the pairs, both orders */
	reset();
	for (unsigned off = 0; off < 8; off++) {
		u64 w = sext32(load_le(&pattern[off], 4));
		u64 d = load_le(&pattern[off], 8);
		u64 r = do_lwr(do_lwl(olds[0], off + 3), off);
		CHECK_EQ(nm("ulw lwl+lwr", off, ""), r, w);
		r = do_lwl(do_lwr(dold, off), off + 3);
		CHECK_EQ(nm("ulw lwr+lwl", off, ""), r, w);
		r = do_ldr(do_ldl(dold, off + 7), off);
		CHECK_EQ(nm("uld ldl+ldr", off, ""), r, d);
		r = do_ldl(do_ldr(0, off), off + 7);
		CHECK_EQ(nm("uld ldr+ldl", off, ""), r, d);
	}
	for (unsigned off = 0; off < 8; off++) {
		reset();
		do_swl(sval, off + 3);
		do_swr(sval, off);
		for (int i = 0; i < 4; i++)
			model[off + i] = (u8)(sval >> (8 * i));
		check_mem("usw swl+swr", off);
		reset();
		do_sdr(sval, off);
		do_sdl(sval, off + 7);
		for (int i = 0; i < 8; i++)
			model[off + i] = (u8)(sval >> (8 * i));
		check_mem("usd sdr+sdl", off);
	}
}
