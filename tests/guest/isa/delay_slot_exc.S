/*
 * Exceptions in branch delay slots.  The exception is reported with
 * Cause.BD=1 and EPC pointing at the branch (not at the delay slot), for
 * taken and not-taken branches alike; link registers have already been
 * written.  A likely branch that is not taken annuls its delay slot, so a
 * faulting instruction there raises nothing.  Restarting at EPC re-executes
 * the branch.  A misaligned jump target faults on the fetch of the target:
 * BD=0, EPC = BadVAddr = target, after the delay slot has executed.
 */
#include "test.inc"

	/* Arm one exception and resume at label after it. */
	.macro	ARM_RESUME label
	EXC_ARM	1
	EXC_RESUME \label
	.endm

TEST_BEGIN
	dla	$s0, data
	li	$s1, 1

	/* taken beq, misaligned load in the delay slot */
	ARM_RESUME 9f
1:	beq	$s1, $s1, 2f
	lw	$s2, 1($s0)
	nop
2:	nop
9:	EXPECT_EXC "beq taken, AdEL in delay slot", EXC_ADEL, 1b, 1
	EXC_FIELD $t0, REC_BADVADDR
	CHECKA	$t0, data + 1, "beq taken, AdEL in delay slot BadVAddr"

	/* not-taken bne: still a delay slot */
	li	$s2, 1
	ARM_RESUME 9f
1:	bne	$s1, $s2, 2f
	sw	$s2, 2($s0)
2:	nop
9:	EXPECT_EXC "bne not taken, AdES in delay slot", EXC_ADES, 1b, 1

	/* A branch that can never be taken still has a delay slot (QEMU
	 * translates "bne rs,rs" as a NOP without one) */
	ARM_RESUME 9f
1:	bne	$s1, $s1, 2f
3:	sw	$s2, 2($s0)
2:	nop
9:	EXPECT_EXC_OR_QEMU "bne rs,rs: AdES in delay slot", EXC_ADES, 1b, 1, 3b, 0

	/* j + trap */
	ARM_RESUME 9f
1:	j	2f
	teq	$zero, $zero
2:	nop
9:	EXPECT_EXC "j, trap in delay slot", EXC_TR, 1b, 1

	/* jal + syscall: $ra already written */
	move	$ra, $zero
	ARM_RESUME 9f
1:	jal	2f
	syscall
2:	nop
9:	EXPECT_EXC "jal, syscall in delay slot", EXC_SYS, 1b, 1
	FRAME_REG $t0, 31
	CHECKA	$t0, 1b + 8, "jal link written before delay slot exception"

	/* jr + break */
	dla	$s3, 2f
	ARM_RESUME 9f
1:	jr	$s3
	break	3
2:	nop
9:	EXPECT_EXC "jr, break in delay slot", EXC_BP, 1b, 1

	/* jalr + overflow */
	dla	$s3, 2f
	dli	$s4, 0x7fffffff
	ARM_RESUME 9f
1:	jalr	$s5, $s3
	add	$s6, $s4, $s4
2:	nop
9:	EXPECT_EXC "jalr, overflow in delay slot", EXC_OV, 1b, 1
	FRAME_REG $t0, 21
	CHECKA	$t0, 1b + 8, "jalr rd written before delay slot exception"

	/* bltzal not taken: BD=1 and link written */
	ARM_RESUME 9f
1:	bltzal	$s1, 2f
	lh	$s2, 3($s0)
2:	nop
9:	EXPECT_EXC "bltzal not taken, AdEL in delay slot", EXC_ADEL, 1b, 1
	FRAME_REG $t0, 31
	CHECKA	$t0, 1b + 8, "bltzal link"

	/* beql taken: the delay slot executes and faults */
	ARM_RESUME 9f
1:	beql	$s1, $s1, 2f
	ld	$s2, 4($s0)
2:	nop
9:	EXPECT_EXC "beql taken, AdEL in delay slot", EXC_ADEL, 1b, 1

	/* beql not taken: the faulting delay slot is annulled */
	EXC_ARM	1
	li	$s2, 0
	beql	$s1, $zero, 2f
	ld	$s2, 4($s0)
	addiu	$s2, $s2, 7
2:	EXPECT_NOEXC "beql not taken annuls faulting delay slot"
	CHECK	$s2, 7, "beql not taken falls through"

	/* FP instruction with CU1=0 in a delay slot: CpU with BD */
	mfc0	$s6, $12
	li	$t0, ~ST_CU1
	and	$t0, $s6, $t0
	mtc0	$t0, $12
	ehb
	ARM_RESUME 9f
1:	b	2f
	mfc1	$s2, $f0
2:	nop
9:	mtc0	$s6, $12
	ehb
	EXPECT_EXC "b, coprocessor unusable in delay slot", EXC_CPU, 1b, 1

	/*
	 * Restart at EPC re-executes the branch: fix the base register and
	 * retry; the branch is taken again and the load now succeeds.
	 */
	daddiu	$s3, $s0, 1		/* misaligned */
	li	$s2, 0
	li	$s4, 0
	EXC_ARM	1
	dla	$a1, data
	jal	exc_fixup		/* on the exception: s3 := data, retry */
	li	$a0, 19			/* s3 */
1:	beq	$s1, $s1, 2f
	lw	$s2, 0($s3)
	li	$s4, 1			/* skipped by the taken branch */
2:	EXPECT_EXC "restart at branch after fixing delay slot", EXC_ADEL, 1b, 1
	CHECK	$s2, 0x76543210, "restarted delay-slot load"
	CHECK	$s4, 0, "restarted branch was taken"

	/* Misaligned jump target: the delay slot runs, then the fetch faults */
	dla	$s3, 2f + 2
	li	$s4, 0
	ARM_RESUME 9f
1:	jr	$s3
	addiu	$s4, $s4, 1
	nop
2:	nop
	nop
9:	EXPECT_EXC "jr to misaligned target", EXC_ADEL, 2b + 2, 0
	EXC_FIELD $t0, REC_BADVADDR
	CHECKA	$t0, 2b + 2, "jr to misaligned target BadVAddr"
	CHECK	$s4, 1, "delay slot executed before fetch fault"
TEST_END

	.data
	.align	3
data:	.dword	0xfedcba9876543210
