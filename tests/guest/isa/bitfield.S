/*
 * Bit-field instructions: EXT INS (32-bit, result sign-extended from bit
 * 31, inputs sign-extended words) and DEXT DEXTM DEXTU DINS DINSM DINSU
 * (64-bit).  Operands are written as (pos, size) like the assembler; the
 * M/U variants cover size > 32 and pos >= 32 respectively.
 */
#include "test.inc"

TEST_BEGIN
	/* EXT */
	LIW	$s0, 0x12345678
	ext	$s2, $s0, 4, 8
	CHECK	$s2, 0x67, "ext 4,8"
	LIW	$s1, 0x87654321
	ext	$s2, $s1, 0, 32
	CHECK	$s2, 0xffffffff87654321, "ext 0,32 sign-extends"
	ext	$s2, $s1, 28, 4
	CHECK	$s2, 0x8, "ext 28,4"
	ext	$s2, $s1, 31, 1
	CHECK	$s2, 1, "ext 31,1"
	ext	$s2, $s1, 1, 31
	CHECK	$s2, 0x43b2a190, "ext 1,31 zero-extends"

	/* INS */
	li	$s3, 0xab
	move	$s2, $s0
	ins	$s2, $s3, 28, 4
	CHECK	$s2, 0xffffffffb2345678, "ins 28,4 sets bit 31"
	move	$s2, $s1
	ins	$s2, $zero, 8, 16
	CHECK	$s2, 0xffffffff87000021, "ins 8,16 zero"
	LIW	$s3, 0x7fffffff
	move	$s2, $s1
	ins	$s2, $s3, 0, 32
	CHECK	$s2, 0x7fffffff, "ins 0,32"
	move	$s2, $s1
	ins	$s2, $zero, 31, 1
	CHECK	$s2, 0x07654321, "ins 31,1 clears sign"

	/* DEXT: pos 0..31, size 1..32 */
	dli	$s0, 0x0123456789abcdef
	dli	$s1, 0xfedcba9876543210
	dext	$s2, $s0, 4, 32
	CHECK	$s2, 0x789abcde, "dext 4,32 zero-extends"
	dext	$s2, $s0, 31, 32
	CHECK	$s2, 0x02468acf, "dext 31,32"
	dext	$s2, $s0, 0, 1
	CHECK	$s2, 1, "dext 0,1"
	/* DEXTM: pos 0..31, size 33..64 */
	dextm	$s2, $s0, 4, 40
	CHECK	$s2, 0x56789abcde, "dextm 4,40"
	dextm	$s2, $s0, 0, 64
	CHECK	$s2, 0x0123456789abcdef, "dextm 0,64"
	dextm	$s2, $s1, 31, 33
	CHECK	$s2, 0x1fdb97530, "dextm 31,33"
	/* DEXTU: pos 32..63, size 1..32 */
	dextu	$s2, $s0, 32, 32
	CHECK	$s2, 0x01234567, "dextu 32,32"
	dextu	$s2, $s1, 56, 8
	CHECK	$s2, 0xfe, "dextu 56,8"
	dextu	$s2, $s1, 36, 28
	CHECK	$s2, 0xfedcba9, "dextu 36,28"
	dextu	$s2, $s1, 63, 1
	CHECK	$s2, 1, "dextu 63,1"

	/* DINS: pos 0..31, size 1..32 */
	li	$s3, -1
	move	$s2, $s0
	dins	$s2, $s3, 16, 32
	CHECK	$s2, 0x0123ffffffffcdef, "dins 16,32"
	move	$s2, $s0
	dins	$s2, $zero, 31, 1
	CHECK	$s2, 0x0123456709abcdef, "dins 31,1"
	/* DINSM: pos 0..31, size 33..64 */
	move	$s2, $s0
	dinsm	$s2, $s3, 8, 48
	CHECK	$s2, 0x01ffffffffffffef, "dinsm 8,48"
	move	$s2, $s0
	dinsm	$s2, $s1, 0, 64
	CHECK	$s2, 0xfedcba9876543210, "dinsm 0,64"
	move	$s2, $s0
	dinsm	$s2, $s1, 31, 33
	CHECK	$s2, 0x3b2a190809abcdef, "dinsm 31,33"
	/* DINSU: pos 32..63, size 1..32 */
	move	$s2, $s0
	dinsu	$s2, $zero, 40, 16
	CHECK	$s2, 0x0100006789abcdef, "dinsu 40,16"
	move	$s2, $s0
	dinsu	$s2, $s1, 32, 32
	CHECK	$s2, 0x7654321089abcdef, "dinsu 32,32"
	move	$s2, $s0
	dinsu	$s2, $s3, 63, 1
	CHECK	$s2, 0x8123456789abcdef, "dinsu 63,1"
TEST_END
