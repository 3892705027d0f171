/*
 * Miscellaneous: SYNC SYNCI PREF CACHE EHB SSNOP (no exceptions, PREF never
 * faults even on unmapped addresses), RDHWR 0-3 and 29 in kernel mode and
 * in user mode under HWREna (Reserved Instruction when disabled), EI/DI,
 * SYSCALL and BREAK with code fields, Reserved Instruction and Coprocessor
 * Unusable exceptions, CP0 register round trips.
 * RDHWR values that are implementation dependent (CPUNum, SYNCI_Step, CC,
 * CCRes) are checked for consistency but never printed.
 */
#include "test.inc"

TEST_BEGIN
	jal	user_map
	nop

	/* No-exception instructions */
	EXC_ARM	1
	dla	$s0, buf
	sync
	synci	0($s0)
	pref	0, 0($s0)		/* load */
	pref	1, 8($s0)		/* store */
	pref	4, 0($s0)		/* load_streamed */
	li	$t0, 0x40000000
	pref	0, 0($t0)		/* unmapped: PREF takes no TLB exception */
	cache	0x15, 0($s0)		/* Hit_Writeback_Inv_D */
	dla	$t0, test_main
	cache	0x10, 0($t0)		/* Hit_Invalidate_I */
	ehb
	ssnop
	nop
	EXPECT_NOEXC "sync synci pref cache ehb ssnop"

	/* RDHWR in kernel mode (always permitted) */
	rdhwr	$s2, $0
	mfc0	$s3, $15, 1		/* EBase */
	andi	$s3, $s3, 0x3ff
	CHECKR_QUIET $s2, $s3, "rdhwr $0 == EBase.CPUNum"
	rdhwr	$s4, $1			/* SYNCI_Step: 0 or a power of two */
	daddiu	$t0, $s4, -1
	and	$s2, $s4, $t0
	CHECK_QUIET $s2, 0, "rdhwr $1 SYNCI_Step is 0 or a power of 2"
	rdhwr	$s2, $2			/* CC: value not checked */
	rdhwr	$s5, $3			/* CCRes: non-zero */
	sltu	$s2, $zero, $s5
	CHECK_QUIET $s2, 1, "rdhwr $3 CCRes non-zero"

	/*
	 * RDHWR $29 (UserLocal) exists iff Config3.ULRI; otherwise it is a
	 * Reserved Instruction (QEMU reads UserLocal in kernel mode anyway).
	 * Both paths print the same line.
	 */
	mfc0	$t0, $16, 3
	ext	$t0, $t0, 13, 1
	beqz	$t0, 1f
	nop
	dli	$t0, 0x123456789abcdef0
	dmtc0	$t0, $4, 2		/* UserLocal */
	ehb
	rdhwr	$t1, $29
	xor	$a1, $t0, $t1
	sltiu	$a1, $a1, 1
	dla	$a0, .Lulr_name
	jal	chk_deviation
	li	$a2, 0
	b	2f
	nop
1:	EXC_ARM	1
3:	rdhwr	$s2, $29
	dla	$a0, .Lulr_name
	dla	$a2, 3b
	li	$a1, EXC_RI
	jal	chk_exc_or_qemu_none
	li	$a3, 0
2:
	STR	.Lulr_name, "rdhwr $29 consistent with Config3.ULRI"

	/* reserved hardware register number */
	EXC_ARM	1
1:	rdhwr	$s2, $5
	EXPECT_EXC "rdhwr $5 reserved", EXC_RI, 1b

	/* User mode: HWREna = 0 -> every RDHWR is a Reserved Instruction */
	mtc0	$zero, $7
	ehb
	EXC_ARM	5
	USER_CALL u_rdhwr
	EXPECT_EXC_AT "user rdhwr $0, HWREna=0", 0, EXC_RI, u_rdhwr
	EXPECT_EXC_AT "user rdhwr $1, HWREna=0", 1, EXC_RI, u_rdhwr + 4
	EXPECT_EXC_AT "user rdhwr $2, HWREna=0", 2, EXC_RI, u_rdhwr + 8
	EXPECT_EXC_AT "user rdhwr $3, HWREna=0", 3, EXC_RI, u_rdhwr + 12
	EXPECT_EXC_COUNT "user rdhwr HWREna=0 exceptions", 5

	/* HWREna = 0xf: all four permitted, same values as in kernel mode */
	li	$t0, 0xf
	mtc0	$t0, $7
	ehb
	mfc0	$s2, $7
	andi	$s2, $s2, 0xf
	CHECK	$s2, 0xf, "HWREna[3:0] round trip"
	EXC_ARM	1
	USER_CALL u_rdhwr
	move	$s2, $t0
	move	$s3, $t1
	move	$s6, $t3
	EXPECT_EXC_COUNT "user rdhwr HWREna=0xf exceptions", 1
	mfc0	$t0, $15, 1
	andi	$t0, $t0, 0x3ff
	CHECKR_QUIET $s2, $t0, "user rdhwr $0 == CPUNum"
	CHECKR_QUIET $s3, $s4, "user rdhwr $1 == kernel SYNCI_Step"
	CHECKR_QUIET $s6, $s5, "user rdhwr $3 == kernel CCRes"

	/* HWREna = 0x5: $0 and $2 permitted, $1 and $3 not */
	li	$t0, 0x5
	mtc0	$t0, $7
	ehb
	EXC_ARM	3
	USER_CALL u_rdhwr
	mtc0	$zero, $7
	ehb
	EXPECT_EXC_AT "user rdhwr $1, HWREna=5", 0, EXC_RI, u_rdhwr + 4
	EXPECT_EXC_AT "user rdhwr $3, HWREna=5", 1, EXC_RI, u_rdhwr + 12
	EXPECT_EXC_COUNT "user rdhwr HWREna=5 exceptions", 3

	/* EI / DI return the old Status and set / clear IE only */
	mfc0	$s3, $12
	ei	$s2
	ehb
	mfc0	$s4, $12
	di	$s5
	ehb
	mfc0	$s6, $12
	CHECKR	$s2, $s3, "ei returns old Status"
	xor	$t0, $s4, $s3
	CHECK	$t0, 1, "ei sets only IE"
	CHECKR	$s5, $s4, "di returns old Status"
	CHECKR	$s6, $s3, "di clears IE"
	ei
	ehb
	di
	ehb
	mfc0	$s2, $12
	CHECKR	$s2, $s3, "ei/di without rt"

	/* SYSCALL / BREAK: the code field is in the instruction at EPC */
	EXC_ARM	1
1:	syscall	0x12345
	EXPECT_EXC "syscall 0x12345", EXC_SYS, 1b
	EXC_FIELD $t0, REC_EPC
	lw	$t0, 0($t0)
	ext	$t0, $t0, 6, 20
	CHECK	$t0, 0x12345, "syscall code field"
	EXC_ARM	1
1:	break	0x3ff
	EXPECT_EXC "break 0x3ff", EXC_BP, 1b
	EXC_ARM	1
1:	break	7, 9
	EXPECT_EXC "break 7,9", EXC_BP, 1b
	EXC_FIELD $t0, REC_EPC
	lw	$t0, 0($t0)
	ext	$t0, $t0, 6, 20
	CHECK	$t0, (7 << 10) | 9, "break code field"

	/* Reserved instructions */
	EXC_ARM	1
1:	.word	0x00000028		/* SPECIAL function 0x28 */
	EXPECT_EXC "SPECIAL func 0x28 reserved", EXC_RI, 1b
	EXC_ARM	1
1:	.word	0x0000000e		/* SPECIAL function 0x0e */
	EXPECT_EXC "SPECIAL func 0x0e reserved", EXC_RI, 1b
	EXC_ARM	1
1:	.word	0x00000005		/* SPECIAL function 5 (QEMU: PMON call) */
	EXPECT_EXC_OR_QEMU_NONE "SPECIAL func 5 reserved", EXC_RI, 1b
	EXC_ARM	1
1:	.word	0x4200003f		/* COP0 CO function 0x3f */
	EXPECT_EXC "COP0 func 0x3f reserved", EXC_RI, 1b
	EXC_ARM	1
1:	deret				/* not in debug mode */
	EXPECT_EXC "deret outside debug mode", EXC_RI, 1b

	/* Coprocessor unusable in kernel mode: CP1 with CU1=0 */
	mfc0	$s6, $12
	li	$t0, ~ST_CU1
	and	$t0, $s6, $t0
	mtc0	$t0, $12
	ehb
	EXC_ARM	1
1:	mfc1	$s2, $f0
	mtc0	$s6, $12
	ehb
	EXPECT_EXC "mfc1 with CU1=0", EXC_CPU, 1b
	EXC_FIELD $t0, REC_CAUSE
	ext	$t0, $t0, CA_CE_SHIFT, 2
	CHECK	$t0, 1, "mfc1 with CU1=0 Cause.CE"

	/* CP0 round trips */
	dli	$s2, 0x123456789abcdef0
	dmtc0	$s2, $14		/* EPC */
	ehb
	dmfc0	$s3, $14
	CHECKR	$s3, $s2, "EPC 64-bit round trip"
	dli	$s2, 0xfedcba9876543210
	dmtc0	$s2, $30		/* ErrorEPC */
	ehb
	dmfc0	$s3, $30
	CHECKR	$s3, $s2, "ErrorEPC 64-bit round trip"
	dmfc0	$s2, $8
	dli	$t0, 0x1111
	dmtc0	$t0, $8			/* BadVAddr is read-only */
	ehb
	dmfc0	$s3, $8
	CHECKR	$s3, $s2, "BadVAddr ignores writes"
	mfc0	$s6, $12
	ori	$t0, $s6, 0xff00	/* IM7..IM0 (IE stays 0) */
	mtc0	$t0, $12
	ehb
	mfc0	$s2, $12
	mtc0	$s6, $12
	ehb
	xor	$s2, $s2, $s6
	CHECK	$s2, 0xff00, "Status.IM round trip"
	li	$t0, CA_IV
	mtc0	$t0, $13
	ehb
	mfc0	$s2, $13
	mtc0	$zero, $13
	ehb
	and	$s2, $s2, $t0
	CHECK	$s2, CA_IV, "Cause.IV round trip"
TEST_END

USER_CODE u_rdhwr
	rdhwr	$t0, $0
	rdhwr	$t1, $1
	rdhwr	$t2, $2
	rdhwr	$t3, $3
	syscall
END_USER_CODE

	.bss
	.align	6
buf:	.space	64
