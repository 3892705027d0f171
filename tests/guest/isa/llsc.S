/*
 * Load-linked / store-conditional: LL SC LLD SCD.
 * No other memory access is made between a LL and its SC in the success
 * cases (such accesses may make the SC fail on some implementations).
 * ERET clears LLbit, so an SC after an exception return must fail without
 * storing; address errors on misaligned LL/SC.
 */
#include "test.inc"

TEST_BEGIN
	dla	$s0, buf
	dli	$t0, 0x1111111180000001
	sd	$t0, 0($s0)
	dli	$t0, 0x0123456789abcdef
	sd	$t0, 8($s0)

	/* LL sign-extends; SC stores the low word and writes 1 to rt */
	ll	$s2, 0($s0)
	dli	$s3, 0xdeadbeef12345678
	sc	$s3, 0($s0)
	CHECK	$s2, 0xffffffff80000001, "ll sign-extends"
	CHECK	$s3, 1, "sc succeeds"
	ld	$s2, 0($s0)
	CHECK	$s2, 0x1111111112345678, "sc stored low word only"

	lld	$s2, 8($s0)
	daddiu	$s3, $s2, 1
	scd	$s3, 8($s0)
	CHECK	$s2, 0x0123456789abcdef, "lld"
	CHECK	$s3, 1, "scd succeeds"
	ld	$s2, 8($s0)
	CHECK	$s2, 0x0123456789abcdf0, "scd stored"

	/* atomic increment loop */
	li	$s4, 0
1:	ll	$t0, 0($s0)
	addiu	$t0, $t0, 1
	sc	$t0, 0($s0)
	beqz	$t0, 1b
	addiu	$s4, $s4, 1		/* count attempts (at least one) */
	lw	$s2, 0($s0)
	CHECK	$s2, 0x12345679, "ll/sc increment loop"

	/* SC after an exception return (ERET clears LLbit) fails */
	EXC_ARM	1
	ll	$s2, 0($s0)
	syscall
	li	$s3, 0x777
	sc	$s3, 0($s0)
	CHECK	$s3, 0, "sc fails after eret"
	EXPECT_EXC_COUNT "syscall between ll and sc", 1
	lw	$s2, 0($s0)
	CHECK	$s2, 0x12345679, "failed sc did not store"

	EXC_ARM	1
	lld	$s2, 8($s0)
	break
	li	$s3, 0x777
	scd	$s3, 8($s0)
	CHECK	$s3, 0, "scd fails after eret"
	EXPECT_EXC_COUNT "break between lld and scd", 1
	ld	$s2, 8($s0)
	CHECK	$s2, 0x0123456789abcdf0, "failed scd did not store"

	/* Misaligned addresses */
	EXC_ARM	1
2:	ll	$s2, 2($s0)
	EXPECT_EXC "ll misaligned", EXC_ADEL, 2b
	/* The address error precedes the LLbit test (QEMU skips it when the
	 * address differs from the LL address) */
	EXC_ARM	1
3:	sc	$s2, 2($s0)
	EXPECT_EXC_OR_QEMU_NONE "sc misaligned", EXC_ADES, 3b
	EXC_ARM	1
4:	lld	$s2, 4($s0)
	EXPECT_EXC "lld misaligned", EXC_ADEL, 4b
	EXC_ARM	1
5:	scd	$s2, 12($s0)
	EXPECT_EXC_OR_QEMU_NONE "scd misaligned", EXC_ADES, 5b
TEST_END

	.bss
	.align	3
buf:	.space	16
