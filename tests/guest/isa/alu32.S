/*
 * 32-bit ALU instructions on a 64-bit CPU: results are the 32-bit result
 * sign-extended to 64 bits.  Inputs to 32-bit operations are always valid
 * sign-extended words (other inputs are UNPREDICTABLE).  ADD/ADDI/SUB are
 * tested here only without overflow (see overflow.S).
 * Operands live in s-registers because the CHECK macros clobber t-registers.
 */
#include "test.inc"

TEST_BEGIN
	/* ADDU / ADDIU wrap modulo 2^32 and sign-extend bit 31 */
	LIW	$s0, 0x7fffffff
	li	$s1, 1
	addu	$s2, $s0, $s1
	CHECK	$s2, 0xffffffff80000000, "addu 0x7fffffff+1"
	li	$s0, -1
	addiu	$s2, $s0, 1
	CHECK	$s2, 0, "addiu -1+1"
	LIW	$s0, 0x7fff0000
	addiu	$s2, $s0, 0x7fff
	CHECK	$s2, 0x7fff7fff, "addiu positive imm"
	addiu	$s2, $zero, -32768
	CHECK	$s2, 0xffffffffffff8000, "addiu imm sign-extended"
	LIW	$s0, 0x80000000
	addiu	$s2, $s0, -1
	CHECK	$s2, 0x7fffffff, "addiu 0x80000000-1 wraps"
	LIW	$s0, 0x12345678
	LIW	$s1, 0x9abcdef0
	addu	$s2, $s0, $s1
	CHECK	$s2, 0xffffffffacf13568, "addu mixed signs"
	addu	$s2, $s1, $s1
	CHECK	$s2, 0x3579bde0, "addu carry out of bit 31 dropped"

	/* SUBU */
	li	$s1, 1
	subu	$s2, $zero, $s1
	CHECK	$s2, 0xffffffffffffffff, "subu 0-1"
	LIW	$s0, 0x80000000
	subu	$s2, $s0, $s1
	CHECK	$s2, 0x7fffffff, "subu 0x80000000-1"
	LIW	$s0, 0x7fffffff
	li	$s1, -1
	subu	$s2, $s0, $s1
	CHECK	$s2, 0xffffffff80000000, "subu 0x7fffffff-(-1)"

	/* ADD / ADDI / SUB without overflow behave like ADDU / ADDIU / SUBU */
	LIW	$s0, 0x7ffffffe
	li	$s1, 1
	add	$s2, $s0, $s1
	CHECK	$s2, 0x7fffffff, "add no overflow"
	li	$s0, -5
	addi	$s2, $s0, -7
	CHECK	$s2, 0xfffffffffffffff4, "addi negative"
	LIW	$s0, 0x80000001
	sub	$s2, $s0, $s1
	CHECK	$s2, 0xffffffff80000000, "sub to INT_MIN"
	LIW	$s0, 0x80000000
	add	$s2, $s0, $s1
	CHECK	$s2, 0xffffffff80000001, "add INT_MIN+1"

	/* LUI: imm << 16, sign-extended */
	lui	$s2, 0x8000
	CHECK	$s2, 0xffffffff80000000, "lui 0x8000"
	lui	$s2, 0x7fff
	CHECK	$s2, 0x7fff0000, "lui 0x7fff"
	lui	$s2, 0xffff
	CHECK	$s2, 0xffffffffffff0000, "lui 0xffff"

	/* Logical ops are full 64-bit; their immediates are zero-extended */
	dli	$s0, 0xf0f0f0f0f0f0f0f0
	dli	$s1, 0xff00ff00ff00ff00
	and	$s2, $s0, $s1
	CHECK	$s2, 0xf000f000f000f000, "and"
	or	$s2, $s0, $s1
	CHECK	$s2, 0xfff0fff0fff0fff0, "or"
	xor	$s2, $s0, $s1
	CHECK	$s2, 0x0ff00ff00ff00ff0, "xor"
	nor	$s2, $s0, $s1
	CHECK	$s2, 0x000f000f000f000f, "nor"
	li	$s0, -1
	andi	$s2, $s0, 0x8001
	CHECK	$s2, 0x8001, "andi zero-extends imm"
	ori	$s2, $zero, 0x8000
	CHECK	$s2, 0x8000, "ori zero-extends imm"
	xori	$s2, $s0, 0xffff
	CHECK	$s2, 0xffffffffffff0000, "xori zero-extends imm"
	dli	$s0, 0x123456789abcdef0
	ori	$s2, $s0, 0x000f
	CHECK	$s2, 0x123456789abcdeff, "ori keeps upper bits"
	andi	$s2, $s0, 0xffff
	CHECK	$s2, 0xdef0, "andi clears upper bits"

	/* SLT/SLTU/SLTI/SLTIU compare full 64-bit registers */
	dli	$s0, 0x8000000000000000
	li	$s1, 1
	slt	$s2, $s0, $s1
	CHECK	$s2, 1, "slt INT64_MIN < 1"
	sltu	$s2, $s0, $s1
	CHECK	$s2, 0, "sltu 2^63 < 1"
	sltu	$s2, $s1, $s0
	CHECK	$s2, 1, "sltu 1 < 2^63"
	li	$s0, -5
	slti	$s2, $s0, -4
	CHECK	$s2, 1, "slti -5 < -4"
	slti	$s2, $s0, -5
	CHECK	$s2, 0, "slti -5 < -5"
	li	$s0, 5
	sltiu	$s2, $s0, -1		/* imm sign-extended, compared unsigned */
	CHECK	$s2, 1, "sltiu 5 < 0xffffffffffffffff"
	li	$s0, -1
	sltiu	$s2, $s0, 0x7fff
	CHECK	$s2, 0, "sltiu -1 < 0x7fff"
	dli	$s0, 0x100000000
	LIW	$s1, 0x7fffffff
	slt	$s2, $s1, $s0
	CHECK	$s2, 1, "slt uses all 64 bits"
	sltiu	$s2, $zero, 1		/* the "seqz" idiom */
	CHECK	$s2, 1, "sltiu 0 < 1"

	/* $zero ignores writes */
	addiu	$zero, $zero, 5
	CHECK	$zero, 0, "addiu to $zero ignored"
	lui	$zero, 0x1234
	move	$s2, $zero
	CHECK	$s2, 0, "lui to $zero ignored"
TEST_END
