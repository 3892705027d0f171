/*
 * Multiply/divide: MULT MULTU DMULT DMULTU DIV DIVU DDIV DDIVU MUL MADD
 * MADDU MSUB MSUBU MFHI MFLO MTHI MTLO.
 * 32-bit operations leave HI and LO each holding a sign-extended 32-bit
 * word (even for the unsigned forms).  MADD/MSUB treat HI||LO as a 64-bit
 * accumulator.  Division by zero and MUL's effect on HI/LO are
 * UNPREDICTABLE and are not tested.
 */
#include "test.inc"

	/* MD op, a, b, hi, lo, "name": op a,b then check HI and LO */
	.macro	MD op, a, b, hi, lo, name
	dli	$s0, \a
	dli	$s1, \b
	\op	$s0, $s1
	mfhi	$s2
	mflo	$s3
	CHECK	$s2, \hi, "\name HI"
	CHECK	$s3, \lo, "\name LO"
	.endm

	/* ACC op, hi0, lo0, a, b, hi, lo, "name": accumulate into HI/LO */
	.macro	ACC op, hi0, lo0, a, b, hi, lo, name
	dli	$s2, \hi0
	mthi	$s2
	dli	$s3, \lo0
	mtlo	$s3
	dli	$s0, \a
	dli	$s1, \b
	\op	$s0, $s1
	mfhi	$s2
	mflo	$s3
	CHECK	$s2, \hi, "\name HI"
	CHECK	$s3, \lo, "\name LO"
	.endm

TEST_BEGIN
	MD	mult, 0x7fffffff, 0x7fffffff, 0x3fffffff, 1, "mult max*max"
	MD	mult, -1, 1, -1, -1, "mult -1*1"
	MD	mult, 0x40000000, 2, 0, 0xffffffff80000000, "mult LO sign-extended"
	MD	mult, -0x80000000, -1, 0, 0xffffffff80000000, "mult INT_MIN*-1"
	MD	mult, -0x80000000, -0x80000000, 0x40000000, 0, "mult INT_MIN^2"
	MD	multu, -1, -1, 0xfffffffffffffffe, 1, "multu 0xffffffff^2"
	MD	multu, -0x80000000, 2, 1, 0, "multu 0x80000000*2"
	MD	multu, -1, 2, 1, 0xfffffffffffffffe, "multu 0xffffffff*2"
	MD	dmult, 0x7fffffffffffffff, 2, 0, 0xfffffffffffffffe, "dmult max*2"
	MD	dmult, -1, -1, 0, 1, "dmult -1*-1"
	MD	dmult, 0x8000000000000000, -1, 0, 0x8000000000000000, "dmult INT64_MIN*-1"
	MD	dmult, 0x123456789abcdef0, -0x10, -2, 0xdcba987654321100, "dmult negative"
	MD	dmultu, -1, -1, 0xfffffffffffffffe, 1, "dmultu max^2"
	MD	dmultu, 0x8000000000000000, 4, 2, 0, "dmultu 2^63*4"
	MD	dmultu, 0x123456789abcdef0, 0xfedcba9876543210, 0x121fa00ad77d7422, 0x236d88fe5618cf00, "dmultu big"

	/* DIV: LO = quotient (truncated toward zero), HI = remainder */
	MD	div, -7, 2, -1, -3, "div -7/2"
	MD	div, 7, -2, 1, -3, "div 7/-2"
	MD	div, -7, -2, -1, 3, "div -7/-2"
	MD	div, 0x7fffffff, 1, 0, 0x7fffffff, "div max/1"
	MD	divu, -1, 2, 1, 0x7fffffff, "divu 0xffffffff/2"
	MD	divu, -2, 1, 0, 0xfffffffffffffffe, "divu quotient sign-extended"
	MD	divu, 7, -1, 7, 0, "divu 7/0xffffffff"
	MD	ddiv, -7, 2, -1, -3, "ddiv -7/2"
	MD	ddiv, 0x8000000000000000, 2, 0, 0xc000000000000000, "ddiv INT64_MIN/2"
	MD	ddiv, 0x7fffffffffffffff, -0x100000000, 0xffffffff, 0xffffffff80000001, "ddiv by -2^32"
	MD	ddivu, -1, 3, 0, 0x5555555555555555, "ddivu max/3"
	MD	ddivu, 0x8000000000000001, 0x10, 1, 0x0800000000000000, "ddivu 2^63+1/16"
	MD	ddivu, 5, -1, 5, 0, "ddivu 5/max"

	/* MUL: low 32 bits of the product, sign-extended, into a GPR */
	dli	$s0, 0x08000000
	li	$s1, 0x10
	mul	$s2, $s0, $s1
	CHECK	$s2, 0xffffffff80000000, "mul sign-extends"
	li	$s0, -3
	li	$s1, 7
	mul	$s2, $s0, $s1
	CHECK	$s2, -21, "mul -3*7"
	li	$s0, 0x10000
	mul	$s2, $s0, $s0
	CHECK	$s2, 0, "mul 2^16*2^16 low word"

	/* MADD / MADDU / MSUB / MSUBU on the 64-bit HI||LO accumulator */
	ACC	madd, 0, -1, 1, 1, 1, 0, "madd carry into HI"
	ACC	madd, 0, 0, -1, 1, -1, -1, "madd negative"
	ACC	madd, 0x7fffffff, -1, 1, 1, 0xffffffff80000000, 0, "madd wraps 64-bit"
	ACC	madd, 0x12345678, 0x1000, -2, 0x800, 0x12345678, 0, "madd 0x1234567800001000-0x1000"
	ACC	maddu, 0, -1, -1, -1, -1, 0, "maddu 0xffffffff^2+0xffffffff"
	ACC	maddu, 0, 0, -0x80000000, 2, 1, 0, "maddu unsigned operands"
	ACC	msub, 0, 0, 1, 1, -1, -1, "msub 0-1"
	ACC	msub, 1, 0, 2, 3, 0, -6, "msub borrow from HI"
	ACC	msubu, 0, 0, -1, 1, -1, 1, "msubu 0-0xffffffff"
	ACC	msubu, 0, 0, -1, -1, 1, -1, "msubu 0-0xffffffff^2 wraps"

	/* MTHI/MTLO/MFHI/MFLO move all 64 bits */
	dli	$s0, 0x0123456789abcdef
	dli	$s1, 0xfedcba9876543210
	mthi	$s0
	mtlo	$s1
	mfhi	$s2
	mflo	$s3
	CHECK	$s2, 0x0123456789abcdef, "mthi/mfhi 64-bit"
	CHECK	$s3, 0xfedcba9876543210, "mtlo/mflo 64-bit"
TEST_END
