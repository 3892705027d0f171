/*
 * Shifts and rotates, 32-bit (SLL SRL SRA SLLV SRLV SRAV ROTR ROTRV) and
 * 64-bit (DSLL DSRL DSRA DSLL32 DSRL32 DSRA32 DSLLV DSRLV DSRAV DROTR
 * DROTR32 DROTRV).  32-bit results are sign-extended.  SLL/SLLV have no
 * input restriction (they use the low word only); the other 32-bit shifts
 * get sign-extended inputs.  Variable shifts use only the low 5 (32-bit) or
 * 6 (64-bit) bits of rs.
 */
#include "test.inc"

TEST_BEGIN
	/* SLL */
	dli	$s0, 0x0000000180000001
	sll	$s2, $s0, 0
	CHECK	$s2, 0xffffffff80000001, "sll 0 sign-extends low word"
	LIW	$s0, 0x12345678
	sll	$s2, $s0, 4
	CHECK	$s2, 0x23456780, "sll 4"
	LIW	$s0, 0x18000000
	sll	$s2, $s0, 4
	CHECK	$s2, 0xffffffff80000000, "sll into bit 31"
	li	$s0, 1
	sll	$s2, $s0, 31
	CHECK	$s2, 0xffffffff80000000, "sll 31"

	/* SRL / SRA */
	LIW	$s0, 0x80000000
	srl	$s2, $s0, 4
	CHECK	$s2, 0x08000000, "srl 4 zero-fills"
	srl	$s2, $s0, 0
	CHECK	$s2, 0xffffffff80000000, "srl 0"
	srl	$s2, $s0, 31
	CHECK	$s2, 1, "srl 31"
	sra	$s2, $s0, 4
	CHECK	$s2, 0xfffffffff8000000, "sra 4"
	sra	$s2, $s0, 31
	CHECK	$s2, 0xffffffffffffffff, "sra 31"
	LIW	$s1, 0x7fffffff
	sra	$s2, $s1, 31
	CHECK	$s2, 0, "sra 31 positive"

	/* variable shifts: low 5 bits of rs */
	LIW	$s1, 0x12345678
	li	$s3, 36
	sllv	$s2, $s1, $s3
	CHECK	$s2, 0x23456780, "sllv 36 -> 4"
	li	$s3, 0x21
	srlv	$s2, $s0, $s3
	CHECK	$s2, 0x40000000, "srlv 33 -> 1"
	li	$s3, 0x3f
	srav	$s2, $s0, $s3
	CHECK	$s2, 0xffffffffffffffff, "srav 63 -> 31"
	dli	$s3, 0xffffffff00000000
	sllv	$s2, $s1, $s3
	CHECK	$s2, 0x12345678, "sllv 0"

	/* ROTR / ROTRV */
	rotr	$s2, $s1, 4
	CHECK	$s2, 0xffffffff81234567, "rotr 4"
	rotr	$s2, $s1, 0
	CHECK	$s2, 0x12345678, "rotr 0"
	rotr	$s2, $s1, 31
	CHECK	$s2, 0x2468acf0, "rotr 31"
	LIW	$s0, 0x87654321
	li	$s3, 48
	rotrv	$s2, $s0, $s3
	CHECK	$s2, 0x43218765, "rotrv 48 -> 16"

	/* 64-bit shifts */
	dli	$s0, 0x0123456789abcdef
	dli	$s1, 0x8123456789abcdef
	dsll	$s2, $s0, 4
	CHECK	$s2, 0x123456789abcdef0, "dsll 4"
	dsll32	$s2, $s0, 4
	CHECK	$s2, 0x9abcdef000000000, "dsll32 4 (36)"
	dsll32	$s2, $s0, 0
	CHECK	$s2, 0x89abcdef00000000, "dsll32 0 (32)"
	dsrl	$s2, $s1, 4
	CHECK	$s2, 0x08123456789abcde, "dsrl 4"
	dsrl32	$s2, $s1, 8
	CHECK	$s2, 0x812345, "dsrl32 8 (40)"
	dsrl32	$s2, $s1, 31
	CHECK	$s2, 1, "dsrl32 31 (63)"
	dsra	$s2, $s1, 4
	CHECK	$s2, 0xf8123456789abcde, "dsra 4"
	dsra32	$s2, $s1, 8
	CHECK	$s2, 0xffffffffff812345, "dsra32 8 (40)"
	dsra32	$s2, $s0, 0
	CHECK	$s2, 0x01234567, "dsra32 0 positive"
	li	$s3, 68
	dsllv	$s2, $s0, $s3
	CHECK	$s2, 0x123456789abcdef0, "dsllv 68 -> 4"
	li	$s3, 0x7f
	dsrlv	$s2, $s1, $s3
	CHECK	$s2, 1, "dsrlv 127 -> 63"
	dsrav	$s2, $s1, $s3
	CHECK	$s2, 0xffffffffffffffff, "dsrav 127 -> 63"
	li	$s3, 32
	dsrav	$s2, $s1, $s3
	CHECK	$s2, 0xffffffff81234567, "dsrav 32"

	/* 64-bit rotates */
	drotr	$s2, $s0, 8
	CHECK	$s2, 0xef0123456789abcd, "drotr 8"
	drotr32	$s2, $s0, 4
	CHECK	$s2, 0x789abcdef0123456, "drotr32 4 (36)"
	drotr32	$s2, $s0, 0
	CHECK	$s2, 0x89abcdef01234567, "drotr32 0 (32)"
	li	$s3, 68
	drotrv	$s2, $s0, $s3
	CHECK	$s2, 0xf0123456789abcde, "drotrv 68 -> 4"
	li	$s3, 63
	drotrv	$s2, $s0, $s3
	CHECK	$s2, 0x02468acf13579bde, "drotrv 63"
	drotrv	$s2, $s0, $zero
	CHECK	$s2, 0x0123456789abcdef, "drotrv 0"
TEST_END
