/*
 * FP condition-code consumers: BC1T BC1F BC1TL BC1FL on condition codes
 * 0..7 (delay slot / annulment as for integer branches, see BR_CHECK),
 * MOVF/MOVT (GPR), MOVF.fmt/MOVT.fmt and MOVN.fmt/MOVZ.fmt (GPR condition,
 * all 64 bits tested).  FR=1.
 */
#include "test.inc"

TEST_BEGIN
	/* FCC7..0 = 1010 0101 */
	li	$t0, 0xa5
	ctc1	$t0, $25

	BR_CHECK BR_TAKEN, "bc1t $fcc0 (set)", bc1t, $fcc0
	BR_CHECK BR_TAKEN, "bc1t default cc0", bc1t
	BR_CHECK BR_NOT_TAKEN, "bc1t $fcc1 (clear)", bc1t, $fcc1
	BR_CHECK BR_TAKEN, "bc1f $fcc1 (clear)", bc1f, $fcc1
	BR_CHECK BR_NOT_TAKEN, "bc1f $fcc7 (set)", bc1f, $fcc7
	BR_CHECK BR_TAKEN, "bc1t $fcc5 (set)", bc1t, $fcc5
	BR_CHECK BR_NOT_TAKEN, "bc1t $fcc6 (clear)", bc1t, $fcc6
	BR_CHECK BR_TAKEN, "bc1tl $fcc2 (set)", bc1tl, $fcc2
	BR_CHECK BR_ANNULLED, "bc1tl $fcc3 (clear)", bc1tl, $fcc3
	BR_CHECK BR_TAKEN, "bc1fl $fcc4 (clear)", bc1fl, $fcc4
	BR_CHECK BR_ANNULLED, "bc1fl $fcc5 (set)", bc1fl, $fcc5

	/* compare immediately followed by the branch */
	dli	$t0, 0x3ff0000000000000
	dmtc1	$t0, $f20
	c.eq.d	$fcc6, $f20, $f20
	BR_CHECK BR_TAKEN, "c.eq.d then bc1t $fcc6", bc1t, $fcc6
	c.lt.d	$fcc6, $f20, $f20
	BR_CHECK BR_ANNULLED, "c.lt.d then bc1tl $fcc6", bc1tl, $fcc6

	/* MOVT / MOVF (GPR) */
	li	$t0, 0xa5
	ctc1	$t0, $25
	dli	$s1, 0x1111111111111111
	dli	$s3, 0x2222222222222222
	move	$s2, $s3
	movt	$s2, $s1, $fcc0
	CHECK	$s2, 0x1111111111111111, "movt cc0 set: moves"
	move	$s2, $s3
	movt	$s2, $s1, $fcc1
	CHECK	$s2, 0x2222222222222222, "movt cc1 clear: keeps"
	move	$s2, $s3
	movf	$s2, $s1, $fcc1
	CHECK	$s2, 0x1111111111111111, "movf cc1 clear: moves"
	move	$s2, $s3
	movf	$s2, $s1, $fcc7
	CHECK	$s2, 0x2222222222222222, "movf cc7 set: keeps"

	/* MOVT.fmt / MOVF.fmt */
	dli	$t0, 0x0123456789abcdef
	dmtc1	$t0, $f2
	dli	$t0, 0xfedcba9876543210
	dmtc1	$t0, $f4
	mov.d	$f6, $f4
	movt.d	$f6, $f2, $fcc2
	dmfc1	$s2, $f6
	CHECK	$s2, 0x0123456789abcdef, "movt.d cc2 set: moves"
	mov.d	$f6, $f4
	movt.d	$f6, $f2, $fcc3
	dmfc1	$s2, $f6
	CHECK	$s2, 0xfedcba9876543210, "movt.d cc3 clear: keeps"
	mov.d	$f6, $f4
	movf.d	$f6, $f2, $fcc3
	dmfc1	$s2, $f6
	CHECK	$s2, 0x0123456789abcdef, "movf.d cc3 clear: moves"
	mov.d	$f6, $f4
	movt.s	$f6, $f2, $fcc5
	mfc1	$s2, $f6
	CHECK	$s2, 0xffffffff89abcdef, "movt.s cc5 set: moves low word"
	mov.d	$f6, $f4
	movf.s	$f6, $f2, $fcc5
	mfc1	$s2, $f6
	CHECK	$s2, 0x76543210, "movf.s cc5 set: keeps"

	/* MOVN.fmt / MOVZ.fmt on a GPR condition */
	dli	$s4, 0x100000000	/* non-zero in the upper word only */
	mov.d	$f6, $f4
	movn.d	$f6, $f2, $s4
	dmfc1	$s2, $f6
	CHECK	$s2, 0x0123456789abcdef, "movn.d rt=2^32: moves"
	mov.d	$f6, $f4
	movz.d	$f6, $f2, $s4
	dmfc1	$s2, $f6
	CHECK	$s2, 0xfedcba9876543210, "movz.d rt=2^32: keeps"
	mov.d	$f6, $f4
	movz.d	$f6, $f2, $zero
	dmfc1	$s2, $f6
	CHECK	$s2, 0x0123456789abcdef, "movz.d rt=0: moves"
	mov.d	$f6, $f4
	movn.s	$f6, $f2, $zero
	mfc1	$s2, $f6
	CHECK	$s2, 0x76543210, "movn.s rt=0: keeps"
	mov.d	$f6, $f4
	movz.s	$f6, $f2, $zero
	mfc1	$s2, $f6
	CHECK	$s2, 0xffffffff89abcdef, "movz.s rt=0: moves"
	ctc1	$zero, $31
TEST_END
