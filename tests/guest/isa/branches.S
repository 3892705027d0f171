/*
 * Branches and jumps: every conditional branch (normal, likely, and-link),
 * J JAL JR JALR JR.HB JALR.HB, delay-slot execution, branch-likely
 * annulment, link register values and 64-bit comparisons.
 *
 * Each case runs the branch with a delay slot that adds 1 to s0, a
 * fall-through instruction that adds 2, and the target that adds 4 (see
 * BR_CHECK in test.inc): TAKEN = 5, NOT_TAKEN = 7, ANNULLED = 6.
 */
#include "test.inc"

#define TAKEN BR_TAKEN
#define NOT_TAKEN BR_NOT_TAKEN
#define ANNULLED BR_ANNULLED
#define BR BR_CHECK

	/* BRL: like BR for and-link branches; also checks $ra = branch + 8 */
	.macro	BRL want, name, op, args:vararg
	li	$s0, 0
	move	$ra, $zero
.Lb\@:
	.ifb	\args
	\op	.Lt\@
	.else
	\op	\args, .Lt\@
	.endif
	addiu	$s0, $s0, 1
	addiu	$s0, $s0, 2
.Lt\@:	addiu	$s0, $s0, 4
	move	$s5, $ra
	CHECK	$s0, \want, "\name"
	CHECKA	$s5, .Lb\@ + 8, "\name link"
	.endm

	/* BRREG "name", op, [rd]: register jump to the target (always taken) */
	.macro	BRREG name, op, rd
	li	$s0, 0
	move	$ra, $zero
	move	$s4, $zero
	dla	$s1, .Lt\@
.Lb\@:
	.ifb	\rd
	\op	$s1
	.else
	\op	\rd, $s1
	.endif
	addiu	$s0, $s0, 1
	addiu	$s0, $s0, 2
.Lt\@:	addiu	$s0, $s0, 4
	move	$s5, $ra
	CHECK	$s0, TAKEN, "\name"
	.ifnb	\rd
	CHECKA	$s4, .Lb\@ + 8, "\name link rd"
	CHECK	$s5, 0, "\name ra untouched"
	.else
	.ifc	\op, jalr
	CHECKA	$s5, .Lb\@ + 8, "\name link"
	.endif
	.ifc	\op, jalr.hb
	CHECKA	$s5, .Lb\@ + 8, "\name link"
	.endif
	.endif
	.endm

TEST_BEGIN
	li	$s1, 1
	li	$s2, 1
	dli	$s3, 0x100000001	/* equals s1 in the low word only */
	li	$s6, -1
	dli	$s7, 0x8000000000000000

	BR	TAKEN, "b", b
	BR	TAKEN, "beq equal", beq, $s1, $s2
	BR	NOT_TAKEN, "beq 64-bit unequal", beq, $s1, $s3
	BR	TAKEN, "bne 64-bit unequal", bne, $s1, $s3
	BR	NOT_TAKEN, "bne equal", bne, $s1, $s2
	BR	TAKEN, "blez 0", blez, $zero
	BR	TAKEN, "blez -1", blez, $s6
	BR	TAKEN, "blez INT64_MIN", blez, $s7
	BR	NOT_TAKEN, "blez 1", blez, $s1
	BR	NOT_TAKEN, "blez 2^32+1", blez, $s3
	BR	TAKEN, "bgtz 1", bgtz, $s1
	BR	TAKEN, "bgtz 2^32+1", bgtz, $s3
	BR	NOT_TAKEN, "bgtz 0", bgtz, $zero
	BR	NOT_TAKEN, "bgtz INT64_MIN", bgtz, $s7
	BR	TAKEN, "bltz -1", bltz, $s6
	BR	TAKEN, "bltz INT64_MIN", bltz, $s7
	BR	NOT_TAKEN, "bltz 0", bltz, $zero
	BR	NOT_TAKEN, "bltz 2^32+1", bltz, $s3
	BR	TAKEN, "bgez 0", bgez, $zero
	BR	TAKEN, "bgez 1", bgez, $s1
	BR	NOT_TAKEN, "bgez -1", bgez, $s6

	/* branch likely: delay slot annulled when not taken */
	BR	TAKEN, "beql taken", beql, $s1, $s2
	BR	ANNULLED, "beql not taken", beql, $s1, $s3
	BR	TAKEN, "bnel taken", bnel, $s1, $s3
	BR	ANNULLED, "bnel not taken", bnel, $s1, $s2
	BR	TAKEN, "blezl taken", blezl, $s7
	BR	ANNULLED, "blezl not taken", blezl, $s1
	BR	TAKEN, "bgtzl taken", bgtzl, $s3
	BR	ANNULLED, "bgtzl not taken", bgtzl, $zero
	BR	TAKEN, "bltzl taken", bltzl, $s6
	BR	ANNULLED, "bltzl not taken", bltzl, $zero
	BR	TAKEN, "bgezl taken", bgezl, $zero
	BR	ANNULLED, "bgezl not taken", bgezl, $s7

	/* and-link: $ra = branch + 8 whether or not the branch is taken */
	BRL	TAKEN, "bltzal taken", bltzal, $s6
	BRL	NOT_TAKEN, "bltzal not taken", bltzal, $s1
	BRL	TAKEN, "bgezal taken", bgezal, $s1
	BRL	NOT_TAKEN, "bgezal not taken", bgezal, $s7
	BRL	TAKEN, "bal", bal
	BRL	TAKEN, "bltzall taken", bltzall, $s7
	BRL	ANNULLED, "bltzall not taken", bltzall, $zero
	BRL	TAKEN, "bgezall taken", bgezall, $zero
	BRL	ANNULLED, "bgezall not taken", bgezall, $s6

	/* jumps */
	BR	TAKEN, "j", j
	BRL	TAKEN, "jal", jal
	BRREG	"jr", jr
	BRREG	"jr.hb", jr.hb
	BRREG	"jalr", jalr
	BRREG	"jalr.hb", jalr.hb
	BRREG	"jalr rd=s4", jalr, $s4
	BRREG	"jalr.hb rd=s4", jalr.hb, $s4

	/* The branch condition is evaluated before the delay slot runs */
	li	$s0, 0
	li	$s1, 1
	beqz	$s1, 1f
	move	$s1, $zero		/* too late to affect the branch */
	addiu	$s0, $s0, 2
1:	CHECK	$s0, 2, "delay-slot write does not affect condition"
	/* ...and so is the jump register */
	dla	$s1, 2f
	li	$s0, 0
	jr	$s1
	move	$s1, $zero
	addiu	$s0, $s0, 2
2:	CHECK	$s0, 0, "delay-slot write does not affect jr target"
	/* The link register is already written when the delay slot runs */
3:	bal	4f
	move	$s4, $ra
4:	CHECKA	$s4, 3b + 8, "delay slot sees new link value"

	/* Backward branch loop */
	li	$s0, 0
	li	$s1, 5
5:	addiu	$s0, $s0, 3
	addiu	$s1, $s1, -1
	bnez	$s1, 5b
	addiu	$s0, $s0, 1		/* delay slot runs on every iteration */
	CHECK	$s0, 20, "backward loop"
	/* Backward branch-likely loop: delay slot annulled on exit only */
	li	$s0, 0
	li	$s1, 5
6:	addiu	$s1, $s1, -1
	bnezl	$s1, 6b
	addiu	$s0, $s0, 1
	CHECK	$s0, 4, "backward likely loop"

	/* JAL/J reach the target in the current 256 MB region */
	jal	far_func
	li	$v0, 0
	CHECK	$v0, 0x1234, "jal to function and jr ra back"
TEST_END

	.text
far_func:
	jr	$ra
	li	$v0, 0x1234
