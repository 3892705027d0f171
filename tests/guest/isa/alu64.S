/*
 * 64-bit ALU instructions: DADDU DADDIU DSUBU and the trapping DADD DADDI
 * DSUB when they do not overflow (see overflow.S for the traps).  No
 * sign-extension from bit 31 happens here, carries cross bit 31/32.
 */
#include "test.inc"

TEST_BEGIN
	dli	$s0, 0x7fffffffffffffff
	li	$s1, 1
	daddu	$s2, $s0, $s1
	CHECK	$s2, 0x8000000000000000, "daddu INT64_MAX+1 wraps"
	LIW	$s0, 0x7fffffff
	daddu	$s2, $s0, $s1
	CHECK	$s2, 0x80000000, "daddu 0x7fffffff+1 not sign-extended"
	dli	$s0, 0xffffffff
	daddu	$s2, $s0, $s1
	CHECK	$s2, 0x100000000, "daddu carry into bit 32"
	li	$s0, -1
	daddiu	$s2, $s0, 1
	CHECK	$s2, 0, "daddiu -1+1"
	daddiu	$s2, $zero, -32768
	CHECK	$s2, 0xffffffffffff8000, "daddiu imm sign-extended"
	LIW	$s0, 0x7fffffff
	daddiu	$s2, $s0, 1
	CHECK	$s2, 0x80000000, "daddiu 0x7fffffff+1"
	dli	$s0, 0x123456789abcdef0
	daddiu	$s2, $s0, 0x7fff
	CHECK	$s2, 0x123456789abd5eef, "daddiu large"

	dsubu	$s2, $zero, $s1
	CHECK	$s2, 0xffffffffffffffff, "dsubu 0-1"
	dli	$s0, 0x8000000000000000
	dsubu	$s2, $s0, $s1
	CHECK	$s2, 0x7fffffffffffffff, "dsubu INT64_MIN-1 wraps"
	dli	$s0, 0x100000000
	dsubu	$s2, $s0, $s1
	CHECK	$s2, 0xffffffff, "dsubu borrow from bit 32"

	dli	$s0, 0x7ffffffffffffffe
	dadd	$s2, $s0, $s1
	CHECK	$s2, 0x7fffffffffffffff, "dadd no overflow"
	dli	$s0, 0x8000000000000001
	daddi	$s2, $s0, -1
	CHECK	$s2, 0x8000000000000000, "daddi to INT64_MIN"
	li	$s0, -1
	dli	$s1, 0x7fffffffffffffff
	dsub	$s2, $s0, $s1
	CHECK	$s2, 0x8000000000000000, "dsub -1-INT64_MAX"
	LIW	$s0, 0x7fffffff
	dadd	$s2, $s0, $s0
	CHECK	$s2, 0xfffffffe, "dadd 2*0x7fffffff"

	/* DADDU etc. on non-sign-extended values are fully defined */
	dli	$s0, 0x00000000deadbeef
	dli	$s1, 0x1234567800000000
	daddu	$s2, $s0, $s1
	CHECK	$s2, 0x12345678deadbeef, "daddu halves"
	dsubu	$s2, $s2, $s0
	CHECK	$s2, 0x1234567800000000, "dsubu halves"
	daddu	$s2, $zero, $s0		/* "move" keeps all 64 bits */
	CHECK	$s2, 0xdeadbeef, "daddu move"
TEST_END
