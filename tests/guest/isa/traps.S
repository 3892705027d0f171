/*
 * Conditional traps: TEQ TNE TGE TGEU TLT TLTU and TEQI TNEI TGEI TGEIU
 * TLTI TLTIU.  Comparisons use all 64 bits; immediates are sign-extended
 * (also for the unsigned compares).  A trap raises ExcCode 13 (Tr) with
 * EPC at the trap instruction; the handler then skips it.
 */
#include "test.inc"

	/* TRAP want(1/0), "name", op, operands */
	.macro	TRAP want, name, op, args:vararg
	EXC_ARM	1
.Li\@:	\op	\args
	.if	\want
	EXPECT_EXC "\name", EXC_TR, .Li\@
	.else
	EXPECT_NOEXC "\name"
	.endif
	.endm

TEST_BEGIN
	li	$s1, 1
	li	$s2, 1
	dli	$s3, 0x100000001	/* equals s1 in the low word only */
	li	$s6, -1
	dli	$s7, 0x8000000000000000

	TRAP	1, "teq equal", teq, $s1, $s2
	TRAP	0, "teq 64-bit unequal", teq, $s1, $s3
	TRAP	1, "teq with code field", teq, $s1, $s2, 0x155
	TRAP	1, "tne unequal", tne, $s1, $s3
	TRAP	0, "tne equal", tne, $s1, $s2
	TRAP	1, "tge 1>=-1", tge, $s1, $s6
	TRAP	1, "tge 1>=1", tge, $s1, $s2
	TRAP	0, "tge -1>=1", tge, $s6, $s1
	TRAP	1, "tgeu max>=1", tgeu, $s6, $s1
	TRAP	0, "tgeu 1>=max", tgeu, $s1, $s6
	TRAP	1, "tlt INT64_MIN<1", tlt, $s7, $s1
	TRAP	0, "tlt 1<INT64_MIN", tlt, $s1, $s7
	TRAP	0, "tlt 1<1", tlt, $s1, $s2
	TRAP	1, "tltu 1<max", tltu, $s1, $s6
	TRAP	0, "tltu max<1", tltu, $s6, $s1
	TRAP	0, "tltu 1<1", tltu, $s1, $s2
	TRAP	1, "tltu 1<2^32+1", tltu, $s1, $s3

	TRAP	1, "teqi -1,-1", teqi, $s6, -1
	TRAP	0, "teqi 1,0", teqi, $s1, 0
	TRAP	0, "teqi 2^32+1,1", teqi, $s3, 1
	TRAP	1, "tnei 1,0", tnei, $s1, 0
	TRAP	0, "tnei 0,0", tnei, $zero, 0
	TRAP	1, "tgei 1,1", tgei, $s1, 1
	TRAP	0, "tgei -1,0", tgei, $s6, 0
	TRAP	1, "tgeiu max,-1", tgeiu, $s6, -1
	TRAP	0, "tgeiu 1,-1 (imm is 2^64-1)", tgeiu, $s1, -1
	TRAP	1, "tgeiu 1,1", tgeiu, $s1, 1
	TRAP	1, "tlti INT64_MIN,0", tlti, $s7, 0
	TRAP	0, "tlti 1,1", tlti, $s1, 1
	TRAP	1, "tlti -1,0", tlti, $s6, 0
	TRAP	1, "tltiu 1,-1", tltiu, $s1, -1
	TRAP	0, "tltiu max,-1", tltiu, $s6, -1
	TRAP	1, "tltiu 0,1", tltiu, $zero, 1
	TRAP	0, "tltiu INT64_MIN,0x7fff", tltiu, $s7, 0x7fff

	/* Registers survive a trap (handler saves/restores all GPRs) */
	dli	$s0, 0x0123456789abcdef
	EXC_ARM	1
	teq	$zero, $zero
	EXPECT_EXC_COUNT "teq zero,zero traps", 1
	CHECK	$s0, 0x0123456789abcdef, "registers preserved across trap"
TEST_END
