/*
 * Conditional moves on a GPR condition: MOVN (rt != 0) and MOVZ (rt == 0).
 * The condition tests all 64 bits of rt; when false, rd is unchanged.
 */
#include "test.inc"

TEST_BEGIN
	dli	$s0, 0x1111111111111111	/* source */
	dli	$s1, 0x2222222222222222	/* initial destination */
	dli	$s3, 0x100000000	/* non-zero only in the upper word */
	dli	$s4, 0x8000000000000000

	move	$s2, $s1
	movn	$s2, $s0, $zero
	CHECK	$s2, 0x2222222222222222, "movn rt=0 keeps rd"
	move	$s2, $s1
	movn	$s2, $s0, $s3
	CHECK	$s2, 0x1111111111111111, "movn rt=2^32 moves"
	move	$s2, $s1
	movz	$s2, $s0, $zero
	CHECK	$s2, 0x1111111111111111, "movz rt=0 moves"
	move	$s2, $s1
	movz	$s2, $s0, $s4
	CHECK	$s2, 0x2222222222222222, "movz rt=2^63 keeps rd"
	move	$s2, $s1
	movz	$s2, $s0, $s3
	CHECK	$s2, 0x2222222222222222, "movz rt=2^32 keeps rd"
	move	$s2, $s1
	movn	$s2, $zero, $s4
	CHECK	$s2, 0, "movn from $zero"
	/* rt == rd: the condition is evaluated on the old value */
	move	$s2, $zero
	movz	$s2, $s0, $s2
	CHECK	$s2, 0x1111111111111111, "movz rd==rt"
TEST_END
