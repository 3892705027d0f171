/*
 * Self-modifying code: a routine in writable memory is rewritten between
 * calls (SW, then SYNCI, SYNC and a hazard-barrier jump, as the architecture
 * requires) and must run its new instructions each time; also through the
 * uncached kseg1 alias of the same physical memory.
 */
#include "test.inc"

	.data
	.align	3
patchme:
	jr	$ra
	addiu	$v0, $zero, 1		/* delay slot: the word rewritten below */

	.macro	SYNC_CODE addr
	synci	0(\addr)
	sync
	.endm

TEST_BEGIN
	dla	$s0, patchme
	jalr.hb	$s0
	nop
	move	$s1, $v0
	CHECK	$s1, 1, "original routine returns 1"

	li	$t0, 0x24020002		/* addiu $v0, $zero, 2 */
	sw	$t0, 4($s0)
	SYNC_CODE $s0
	jalr.hb	$s0
	nop
	move	$s1, $v0
	CHECK	$s1, 2, "rewritten routine returns 2"

	/* Rewrite it 100 times; the calls must see every version. */
	li	$s2, 1
	move	$s3, $zero
1:	lui	$t0, 0x2402
	or	$t0, $t0, $s2		/* addiu $v0, $zero, s2 */
	sw	$t0, 4($s0)
	SYNC_CODE $s0
	jalr.hb	$s0
	nop
	addu	$s3, $s3, $v0
	addiu	$s2, $s2, 1
	sltiu	$t1, $s2, 101
	bnez	$t1, 1b
	nop
	CHECK	$s3, 5050, "sum over 100 rewrites"

	/* Write through kseg1 (uncached alias), execute through kseg0. */
	li	$t0, 0x20000000
	daddu	$s4, $s0, $t0
	li	$t0, 0x2402007b		/* addiu $v0, $zero, 123 */
	sw	$t0, 4($s4)
	SYNC_CODE $s0
	jalr.hb	$s0
	nop
	move	$s1, $v0
	CHECK	$s1, 123, "write through kseg1, run through kseg0"
TEST_END
