/*
 * FPU register file and moves: the FR=1 model (32 independent 64-bit
 * registers) and the FR=0 model (16 even/odd pairs for 64-bit values),
 * MTC1 MFC1 DMTC1 DMFC1 MTHC1 MFHC1 (32-bit moves sign-extend into GPRs),
 * CFC1/CTC1 on FCSR and its views FCCR ($25), FEXR ($26), FENR ($28),
 * FIR capability bits; loads/stores LWC1 SWC1 LDC1 SDC1 LWXC1 SWXC1 LDXC1
 * SDXC1 LUXC1 SUXC1, and address errors on misaligned FP accesses.
 * After MTC1 in FR=1 the upper half of the FPR is UNPREDICTABLE, so values
 * are built with MTC1 followed by MTHC1, or DMTC1.
 */
#include "test.inc"

	/* LDERR insn, "name", want code: the insn must fault at label */
	.macro	FPERR code, name, insn:vararg
	EXC_ARM	1
.Li\@:	\insn
	EXPECT_EXC "\name", \code, .Li\@
	.endm

TEST_BEGIN
	/* ---- FR=1 ---- */
	dli	$t0, 0x0123456789abcdef
	dmtc1	$t0, $f1		/* odd register holds 64 bits */
	dmfc1	$s2, $f1
	CHECK	$s2, 0x0123456789abcdef, "FR=1 dmtc1/dmfc1 odd register"
	mfc1	$s2, $f1
	CHECK	$s2, 0xffffffff89abcdef, "mfc1 low word sign-extended"
	mfhc1	$s2, $f1
	CHECK	$s2, 0x01234567, "mfhc1 high word"
	lui	$t0, 0x8000
	mtc1	$t0, $f3
	li	$t0, -0x1234568		/* 0xfedcba98 */
	mthc1	$t0, $f3
	dmfc1	$s2, $f3
	CHECK	$s2, 0xfedcba9880000000, "mtc1+mthc1"
	mfhc1	$s2, $f3
	CHECK	$s2, 0xfffffffffedcba98, "mfhc1 sign-extends"
	dli	$t0, 0x1111111122222222
	dmtc1	$t0, $f5
	li	$t0, 0x33333333
	mthc1	$t0, $f5		/* low half unchanged */
	dmfc1	$s2, $f5
	CHECK	$s2, 0x3333333322222222, "mthc1 keeps low half"
	dli	$t0, 0xaaaaaaaaaaaaaaaa
	dmtc1	$t0, $f6
	dli	$t0, 0x5555555555555555
	dmtc1	$t0, $f7
	dmfc1	$s2, $f6
	dmfc1	$s3, $f7
	CHECK	$s2, 0xaaaaaaaaaaaaaaaa, "FR=1 even register independent"
	CHECK	$s3, 0x5555555555555555, "FR=1 odd register independent"

	/* loads and stores */
	dla	$s0, fdata
	dla	$s1, fbuf
	ldc1	$f7, 0($s0)		/* odd register, FR=1 */
	dmfc1	$s2, $f7
	CHECK	$s2, 0xc847b635a4239211, "ldc1 odd register"
	sdc1	$f7, 8($s1)
	ld	$s2, 8($s1)
	CHECK	$s2, 0xc847b635a4239211, "sdc1 odd register"
	lwc1	$f8, 4($s0)
	mfc1	$s2, $f8
	CHECK	$s2, 0xffffffffc847b635, "lwc1"
	sd	$zero, 0($s1)
	swc1	$f8, 4($s1)
	ld	$s2, 0($s1)
	CHECK	$s2, 0xc847b63500000000, "swc1 stores low word"
	li	$s4, 8
	lwxc1	$f9, $s4($s0)
	mfc1	$s2, $f9
	CHECK	$s2, 0x00ff7f80, "lwxc1"
	ldxc1	$f10, $s4($s0)
	dmfc1	$s2, $f10
	CHECK	$s2, 0x7ffe800100ff7f80, "ldxc1"
	sdxc1	$f10, $s4($s1)
	ld	$s2, 8($s1)
	CHECK	$s2, 0x7ffe800100ff7f80, "sdxc1"
	li	$s5, 4
	swxc1	$f9, $s5($s1)
	ld	$s2, 0($s1)
	CHECK	$s2, 0x00ff7f8000000000, "swxc1"
	li	$s5, 13			/* luxc1 ignores address bits 2..0 */
	luxc1	$f11, $s5($s0)
	dmfc1	$s2, $f11
	CHECK	$s2, 0x7ffe800100ff7f80, "luxc1 unaligned index"
	li	$s5, 3
	dmtc1	$zero, $f12
	suxc1	$f12, $s5($s1)
	ld	$s2, 0($s1)
	CHECK	$s2, 0, "suxc1 unaligned index"

	/* misaligned FP loads/stores */
	FPERR	EXC_ADEL, "lwc1 +2 address error", lwc1 $f8, 2($s0)
	FPERR	EXC_ADEL, "ldc1 +4 address error", ldc1 $f8, 4($s0)
	FPERR	EXC_ADES, "swc1 +1 address error", swc1 $f8, 1($s1)
	FPERR	EXC_ADES, "sdc1 +4 address error", sdc1 $f8, 4($s1)
	li	$s4, 12
	FPERR	EXC_ADEL, "ldxc1 +12 address error", ldxc1 $f8, $s4($s0)
	li	$s4, 6
	FPERR	EXC_ADES, "swxc1 +6 address error", swxc1 $f8, $s4($s1)
	EXC_FIELD $t0, REC_BADVADDR
	CHECKA	$t0, fbuf + 6, "swxc1 +6 BadVAddr"

	/* ---- control registers ---- */
	li	$t0, 0xfe81f07f		/* FCC7..0, cause VZOUI, flags, RM=3 */
	ctc1	$t0, $31
	cfc1	$s2, $31
	CHECK	$s2, 0xfffffffffe81f07f, "FCSR round trip (cfc1 sign-extends)"
	cfc1	$s2, $25
	CHECK	$s2, 0xff, "FCCR = FCC7..0"
	cfc1	$s2, $26
	CHECK	$s2, 0x1f07c, "FEXR = cause and flags"
	cfc1	$s2, $28
	CHECK	$s2, 0x3, "FENR = enables, FS, RM"
	li	$t0, 0x5a
	ctc1	$t0, $25
	cfc1	$s2, $31
	CHECK	$s2, 0x5a01f07f, "FCCR write updates FCSR"
	li	$t0, 0x00000044		/* flags O and I, no cause */
	ctc1	$t0, $26
	cfc1	$s2, $31
	CHECK	$s2, 0x5a000047, "FEXR write updates FCSR"
	li	$t0, 0x00000f81		/* all enables, RZ */
	ctc1	$t0, $28
	cfc1	$s2, $31
	CHECK	$s2, 0x5a000fc5, "FENR write updates FCSR"
	ctc1	$zero, $31
	cfc1	$s2, $31
	CHECK	$s2, 0, "FCSR cleared"
	cfc1	$s2, $0			/* FIR: F64 L W D S required here */
	li	$t0, 0x00730000
	and	$s2, $s2, $t0
	CHECK_QUIET $s2, 0x00730000, "FIR has F64 L W D S"

	/* ---- FR=0: doubles live in even/odd register pairs ---- */
	mfc0	$s6, $12
	li	$t0, ~ST_FR
	and	$t0, $s6, $t0
	mtc0	$t0, $12
	ehb
	mtc1	$zero, $f2		/* 1.0 = 0x3ff00000_00000000 */
	lui	$t0, 0x3ff0
	mtc1	$t0, $f3
	add.d	$f4, $f2, $f2
	mfc1	$s2, $f4
	mfc1	$s3, $f5
	dmfc1	$s4, $f4
	ldc1	$f8, 0($s0)
	mfc1	$s5, $f8
	mfc1	$s7, $f9
	dli	$t0, 0x1122334455667788
	dmtc1	$t0, $f6
	mfc1	$t1, $f6
	mfc1	$t2, $f7
	sd	$t1, 0($s1)
	sd	$t2, 8($s1)
	li	$t0, 0x13579bdf
	mthc1	$t0, $f10		/* writes the odd register f11 */
	mfc1	$t1, $f11
	sd	$t1, 16($s1)
	mtc1	$zero, $f11
	mfhc1	$t1, $f10		/* reads f11 */
	sd	$t1, 24($s1)
	lui	$t0, 0x4040		/* 3.0f in an odd register */
	mtc1	$t0, $f13
	add.s	$f13, $f13, $f13
	cvt.d.s	$f14, $f13		/* 6.0 into the pair f14/f15 */
	mfc1	$t1, $f13
	sd	$t1, 32($s1)
	mfc1	$t1, $f15
	sd	$t1, 40($s1)
	sdc1	$f4, 48($s1)
	mtc0	$s6, $12		/* back to FR=1 */
	ehb
	CHECK	$s2, 0, "FR=0 add.d result low word in f4"
	CHECK	$s3, 0x40000000, "FR=0 add.d result high word in f5"
	CHECK	$s4, 0x4000000000000000, "FR=0 dmfc1 even reads the pair"
	CHECK	$s5, 0xffffffffa4239211, "FR=0 ldc1 low word in f8"
	CHECK	$s7, 0xffffffffc847b635, "FR=0 ldc1 high word in f9"
	ld	$t0, 0($s1)
	CHECK	$t0, 0x55667788, "FR=0 dmtc1 low word in f6"
	ld	$t0, 8($s1)
	CHECK	$t0, 0x11223344, "FR=0 dmtc1 high word in f7"
	ld	$t0, 16($s1)
	CHECK	$t0, 0x13579bdf, "FR=0 mthc1 writes odd register"
	ld	$t0, 24($s1)
	CHECK	$t0, 0, "FR=0 mfhc1 reads odd register"
	ld	$t0, 32($s1)
	CHECK	$t0, 0x40c00000, "FR=0 single op on odd register"
	ld	$t0, 40($s1)
	CHECK	$t0, 0x40180000, "FR=0 cvt.d.s high word in f15"
	ld	$t0, 48($s1)
	CHECK	$t0, 0x4000000000000000, "FR=0 sdc1 stores the pair"
TEST_END

	.data
	.align	3
fdata:	.byte	0x11, 0x92, 0x23, 0xa4, 0x35, 0xb6, 0x47, 0xc8
	.byte	0x80, 0x7f, 0xff, 0x00, 0x01, 0x80, 0xfe, 0x7f
	.bss
	.align	3
fbuf:	.space	64
