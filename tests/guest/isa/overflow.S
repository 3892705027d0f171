/*
 * Integer overflow exceptions: ADD ADDI SUB (32-bit signed overflow) and
 * DADD DADDI DSUB (64-bit).  On overflow ExcCode 12 (Ov) is raised with EPC
 * at the instruction, and the destination register is NOT modified.
 */
#include "test.inc"

#define SENTINEL 0x5a5a5a5a5a5a5a5a

	/* OVF "name", op, a, b: op s4, s1(=a), s2(=b) must overflow */
	.macro	OVF name, op, a, b
	dli	$s1, \a
	dli	$s2, \b
	dli	$s4, SENTINEL
	EXC_ARM	1
.Li\@:	\op	$s4, $s1, $s2
	EXPECT_EXC "\name", EXC_OV, .Li\@
	CHECK	$s4, SENTINEL, "\name: destination unchanged"
	.endm

	/* OVFI "name", op, a, imm: op s4, s1(=a), imm must overflow */
	.macro	OVFI name, op, a, imm
	dli	$s1, \a
	dli	$s4, SENTINEL
	EXC_ARM	1
.Li\@:	\op	$s4, $s1, \imm
	EXPECT_EXC "\name", EXC_OV, .Li\@
	CHECK	$s4, SENTINEL, "\name: destination unchanged"
	.endm

	/* NOVF "name", op, a, b, want: no overflow, result want */
	.macro	NOVF name, op, a, b, want
	dli	$s1, \a
	dli	$s2, \b
	EXC_ARM	1
	\op	$s4, $s1, $s2
	EXPECT_NOEXC "\name"
	CHECK	$s4, \want, "\name result"
	.endm

TEST_BEGIN
	OVF	"add INT_MAX+1", add, 0x7fffffff, 1
	OVF	"add INT_MIN+-1", add, -0x80000000, -1
	OVF	"add 2^30+2^30", add, 0x40000000, 0x40000000
	OVF	"add INT_MIN+INT_MIN", add, -0x80000000, -0x80000000
	OVFI	"addi INT_MAX+1", addi, 0x7fffffff, 1
	OVFI	"addi INT_MIN-1", addi, -0x80000000, -1
	OVFI	"addi 0x7fffc000+0x7fff", addi, 0x7fffc000, 0x7fff
	OVF	"sub INT_MIN-1", sub, -0x80000000, 1
	OVF	"sub 0-INT_MIN", sub, 0, -0x80000000
	OVF	"sub INT_MAX-(-1)", sub, 0x7fffffff, -1
	OVF	"dadd INT64_MAX+1", dadd, 0x7fffffffffffffff, 1
	OVF	"dadd INT64_MIN+-1", dadd, 0x8000000000000000, -1
	OVFI	"daddi INT64_MAX+1", daddi, 0x7fffffffffffffff, 1
	OVFI	"daddi INT64_MIN-32768", daddi, 0x8000000000007fff, -32768
	OVF	"dsub INT64_MIN-1", dsub, 0x8000000000000000, 1
	OVF	"dsub 0-INT64_MIN", dsub, 0, 0x8000000000000000
	OVF	"dsub INT64_MAX-(-1)", dsub, 0x7fffffffffffffff, -1

	/* No overflow at the boundaries */
	NOVF	"add INT_MAX+0", add, 0x7fffffff, 0, 0x7fffffff
	NOVF	"add INT_MIN+INT_MAX", add, -0x80000000, 0x7fffffff, -1
	NOVF	"sub -1-INT_MIN", sub, -1, -0x80000000, 0x7fffffff
	NOVF	"dadd 0x7fffffff+1 (64-bit)", dadd, 0x7fffffff, 1, 0x80000000
	NOVF	"dsub INT64_MIN-INT64_MIN", dsub, 0x8000000000000000, 0x8000000000000000, 0
	NOVF	"addu INT_MAX+1 never traps", addu, 0x7fffffff, 1, 0xffffffff80000000
	NOVF	"daddu INT64_MAX+1 never traps", daddu, 0x7fffffffffffffff, 1, 0x8000000000000000

	/* Overflow traps even when the destination is $zero */
	dli	$s1, 0x7fffffff
	li	$s2, 1
	EXC_ARM	1
1:	add	$zero, $s1, $s2
	EXPECT_EXC "add to $zero still traps", EXC_OV, 1b
	/* Source == destination: left unchanged */
	EXC_ARM	1
2:	add	$s1, $s1, $s2
	EXPECT_EXC "add rd==rs overflow", EXC_OV, 2b
	CHECK	$s1, 0x7fffffff, "add rd==rs unchanged"
TEST_END
