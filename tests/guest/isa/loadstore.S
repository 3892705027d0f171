/*
 * Loads and stores: LB LBU LH LHU LW LWU LD SB SH SW SD at every naturally
 * aligned offset of a doubleword (little-endian), sign/zero extension,
 * negative displacements, no load delay slot, and address errors on
 * misaligned accesses (AdEL=4 for loads, AdES=5 for stores) with BadVAddr
 * = the faulting address, the load destination / memory left unchanged.
 */
#include "test.inc"

#define FILL 0xeeeeeeeeeeeeeeee
#define SENTINEL 0x5a5a5a5a5a5a5a5a

	/* LDC op, off, want: s2 = op off(s0) */
	.macro	LDC op, off, want
	\op	$s2, \off($s0)
	CHECK	$s2, \want, "\op +\off"
	.endm

	/* STC op, off, want: fill sbuf, op s1 -> off(sbuf), check the dword */
	.macro	STC op, off, want
	dli	$s3, FILL
	sd	$s3, 0($s5)
	\op	$s1, \off($s5)
	ld	$s2, 0($s5)
	CHECK	$s2, \want, "\op +\off"
	.endm

	/* LDERR op, off: misaligned load at ldata+off must raise AdEL */
	.macro	LDERR op, off
	dli	$s2, SENTINEL
	EXC_ARM	1
.Li\@:	\op	$s2, \off($s0)
	EXPECT_EXC "\op +\off address error", EXC_ADEL, .Li\@
	EXC_FIELD $t0, REC_BADVADDR
	CHECKA	$t0, ldata + \off, "\op +\off BadVAddr"
	CHECK	$s2, SENTINEL, "\op +\off destination unchanged"
	.endm

	/* STERR op, off: misaligned store at sbuf+off must raise AdES */
	.macro	STERR op, off
	dli	$s3, FILL
	sd	$s3, 0($s5)
	sd	$s3, 8($s5)
	EXC_ARM	1
.Li\@:	\op	$s1, \off($s5)
	EXPECT_EXC "\op +\off address error", EXC_ADES, .Li\@
	EXC_FIELD $t0, REC_BADVADDR
	CHECKA	$t0, sbuf + \off, "\op +\off BadVAddr"
	ld	$s2, 0($s5)
	ld	$s3, 8($s5)
	and	$s2, $s2, $s3
	CHECK	$s2, FILL, "\op +\off memory unchanged"
	.endm

TEST_BEGIN
	dla	$s0, ldata
	dla	$s5, sbuf
	dli	$s1, 0x0123456789abcdef

	LDC	lb, 0, 0x11
	LDC	lb, 1, 0xffffffffffffff92
	LDC	lb, 2, 0x23
	LDC	lb, 3, 0xffffffffffffffa4
	LDC	lb, 4, 0x35
	LDC	lb, 5, 0xffffffffffffffb6
	LDC	lb, 6, 0x47
	LDC	lb, 7, 0xffffffffffffffc8
	LDC	lbu, 0, 0x11
	LDC	lbu, 1, 0x92
	LDC	lbu, 2, 0x23
	LDC	lbu, 3, 0xa4
	LDC	lbu, 4, 0x35
	LDC	lbu, 5, 0xb6
	LDC	lbu, 6, 0x47
	LDC	lbu, 7, 0xc8
	LDC	lh, 0, 0xffffffffffff9211
	LDC	lh, 2, 0xffffffffffffa423
	LDC	lh, 4, 0xffffffffffffb635
	LDC	lh, 6, 0xffffffffffffc847
	LDC	lh, 8, 0x7f80
	LDC	lh, 10, 0x00ff
	LDC	lh, 12, 0xffffffffffff8001
	LDC	lh, 14, 0x7ffe
	LDC	lhu, 0, 0x9211
	LDC	lhu, 2, 0xa423
	LDC	lhu, 4, 0xb635
	LDC	lhu, 6, 0xc847
	LDC	lhu, 12, 0x8001
	LDC	lw, 0, 0xffffffffa4239211
	LDC	lw, 4, 0xffffffffc847b635
	LDC	lw, 8, 0x00ff7f80
	LDC	lw, 12, 0x7ffe8001
	LDC	lwu, 0, 0xa4239211
	LDC	lwu, 4, 0xc847b635
	LDC	lwu, 12, 0x7ffe8001
	LDC	ld, 0, 0xc847b635a4239211
	LDC	ld, 8, 0x7ffe800100ff7f80

	/* negative displacement */
	daddiu	$s6, $s0, 16
	lw	$s2, -12($s6)
	CHECK	$s2, 0xffffffffc847b635, "lw -12(base)"
	ld	$s2, -16($s6)
	CHECK	$s2, 0xc847b635a4239211, "ld -16(base)"
	lbu	$s2, -1($s6)
	CHECK	$s2, 0x7f, "lbu -1(base)"

	/* no load delay slot: the next instruction sees the loaded value */
	lw	$s2, 8($s0)
	addiu	$s2, $s2, 1
	CHECK	$s2, 0x00ff7f81, "load-use without delay"
	/* loads into $zero are discarded */
	lw	$zero, 0($s0)
	move	$s2, $zero
	CHECK	$s2, 0, "lw into $zero discarded"

	STC	sb, 0, 0xeeeeeeeeeeeeeeef
	STC	sb, 1, 0xeeeeeeeeeeeeefee
	STC	sb, 2, 0xeeeeeeeeeeefeeee
	STC	sb, 3, 0xeeeeeeeeefeeeeee
	STC	sb, 4, 0xeeeeeeefeeeeeeee
	STC	sb, 5, 0xeeeeefeeeeeeeeee
	STC	sb, 6, 0xeeefeeeeeeeeeeee
	STC	sb, 7, 0xefeeeeeeeeeeeeee
	STC	sh, 0, 0xeeeeeeeeeeeecdef
	STC	sh, 2, 0xeeeeeeeecdefeeee
	STC	sh, 4, 0xeeeecdefeeeeeeee
	STC	sh, 6, 0xcdefeeeeeeeeeeee
	STC	sw, 0, 0xeeeeeeee89abcdef
	STC	sw, 4, 0x89abcdefeeeeeeee
	STC	sd, 0, 0x0123456789abcdef

	/* store then load back the narrower pieces */
	sd	$s1, 0($s5)
	lh	$s2, 2($s5)
	CHECK	$s2, 0xffffffffffff89ab, "sd then lh +2"
	lwu	$s2, 4($s5)
	CHECK	$s2, 0x01234567, "sd then lwu +4"

	/* The same physical memory through other segments */
	dli	$t0, 0x9800000000000000	/* xkphys, CCA 3 (cacheable) */
	dla	$t1, sbuf
	li	$t2, 0x1fffffff		/* kseg0 -> physical address */
	and	$t1, $t1, $t2
	or	$t0, $t0, $t1
	ld	$s2, 0($t0)
	CHECK	$s2, 0x0123456789abcdef, "ld via xkphys cached alias"
	/* ldata was written only by the loader, so the uncached kseg1 view
	 * is coherent on any implementation */
	lui	$t1, 0xa000
	dla	$t0, ldata
	or	$t0, $t0, $t1		/* kseg0 -> kseg1 */
	ld	$s2, 0($t0)
	CHECK	$s2, 0xc847b635a4239211, "ld via kseg1 uncached alias"

	/* Address errors */
	LDERR	lh, 1
	LDERR	lh, 7
	LDERR	lhu, 3
	LDERR	lw, 1
	LDERR	lw, 2
	LDERR	lw, 3
	LDERR	lwu, 6
	LDERR	ld, 1
	LDERR	ld, 4
	LDERR	ld, 7
	STERR	sh, 1
	STERR	sh, 5
	STERR	sw, 2
	STERR	sw, 7
	STERR	sd, 4
	STERR	sd, 3
TEST_END

	.data
	.align	3
ldata:	.byte	0x11, 0x92, 0x23, 0xa4, 0x35, 0xb6, 0x47, 0xc8
	.byte	0x80, 0x7f, 0xff, 0x00, 0x01, 0x80, 0xfe, 0x7f
	.bss
	.align	3
sbuf:	.space	16
