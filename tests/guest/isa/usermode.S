/*
 * User mode: ERET into user mode (Status.KSU=2, EXL=1), SYSCALL back to
 * the kernel, privileged (CP0) instructions raising Coprocessor Unusable
 * with Cause.CE=0 (Status.CU0=0), FPU use with CU1=0 raising CpU with CE=1,
 * user accesses to kernel addresses raising AdEL/AdES, a fetch from a
 * kernel address, 32-bit (UX=0) versus 64-bit (UX=1) user addressing, and
 * user TLB refills.  User code runs from the .user section mapped at
 * USER_BASE (runtime.c).
 */
#include "test.inc"

	/* CE rec, want, "name": Cause.CE of exception record rec */
	.macro	CHECK_CE idx, want, name
	EXC_FIELD $t0, REC_CAUSE, \idx
	ext	$t0, $t0, CA_CE_SHIFT, 2
	CHECK	$t0, \want, "\name"
	.endm

TEST_BEGIN
	jal	user_map
	nop

	/* Enter user mode and come back with SYSCALL */
	EXC_ARM	1
	li	$v0, 0
	USER_CALL u_basic
	move	$s2, $v0		/* registers hold the user's values */
	EXPECT_EXC "user syscall", EXC_SYS, u_basic_sys
	CHECK	$s2, 0x1234, "user code ran"
	EXC_FIELD $t0, REC_STATUS
	andi	$t0, $t0, ST_KSU_MASK | ST_EXL | ST_ERL
	CHECK	$t0, ST_KSU_USER | ST_EXL, "Status at user syscall: KSU=user EXL=1"
	mfc0	$t0, $12
	andi	$t0, $t0, ST_KSU_MASK | ST_EXL | ST_ERL
	CHECK	$t0, 0, "back in kernel mode"

	/* Privileged instructions: CpU with CE=0, each skipped */
	EXC_ARM	11
	USER_CALL u_priv
	EXPECT_EXC_AT "user mfc0", 0, EXC_CPU, u_priv0
	EXPECT_EXC_AT "user mtc0", 1, EXC_CPU, u_priv1
	EXPECT_EXC_AT "user dmfc0", 2, EXC_CPU, u_priv2
	EXPECT_EXC_AT "user tlbwi", 3, EXC_CPU, u_priv3
	EXPECT_EXC_AT "user tlbp", 4, EXC_CPU, u_priv4
	EXPECT_EXC_AT "user di", 5, EXC_CPU, u_priv5
	EXPECT_EXC_AT "user ei", 6, EXC_CPU, u_priv6
	EXPECT_EXC_AT "user wait", 7, EXC_CPU, u_priv7
	EXPECT_EXC_AT "user eret", 8, EXC_CPU, u_priv8
	EXPECT_EXC_AT "user cache", 9, EXC_CPU, u_priv9
	CHECK_CE 0, 0, "user mfc0 Cause.CE"
	CHECK_CE 8, 0, "user eret Cause.CE"
	EXC_FIELD $t0, REC_STATUS
	andi	$t0, $t0, ST_KSU_MASK
	CHECK	$t0, ST_KSU_USER, "CpU taken in user mode"
	EXPECT_EXC_COUNT "privileged instructions + syscall", 11

	/* FPU: allowed with CU1=1, CpU (CE=1) with CU1=0 */
	EXC_ARM	1
	dli	$t1, 0x4045000000000000	/* 42.0 */
	USER_CALL u_fpu
	move	$s2, $t2
	EXPECT_EXC "user FPU with CU1=1", EXC_SYS, u_fpu_sys
	CHECK	$s2, 0x4055000000000000, "user add.d 42+42"
	mfc0	$s6, $12
	li	$t0, ~ST_CU1
	and	$t0, $s6, $t0
	mtc0	$t0, $12
	ehb
	EXC_ARM	4
	USER_CALL u_fpu
	mtc0	$s6, $12
	ehb
	EXPECT_EXC_AT "user FPU with CU1=0", 0, EXC_CPU, u_fpu
	CHECK_CE 0, 1, "user FPU Cause.CE"
	EXPECT_EXC_COUNT "FPU CpU exceptions", 4

	/* User access to kernel segments: address error, BadVAddr */
	EXC_ARM	7
	dli	$t1, 0xffffffff80100000	/* kseg0 */
	dli	$t2, 0xffffffffa0100000	/* kseg1 */
	dli	$t3, 0xffffffffc0000000	/* kseg2 */
	dli	$a4, 0x9800000000100000	/* xkphys */
	dli	$a5, 0x4000000000000000	/* xsseg */
	USER_CALL u_kaccess
	EXPECT_EXC_AT "user load kseg0", 0, EXC_ADEL, u_ka0
	EXPECT_EXC_AT "user store kseg0", 1, EXC_ADES, u_ka1
	EXPECT_EXC_AT "user load kseg1", 2, EXC_ADEL, u_ka2
	EXPECT_EXC_AT "user load kseg2", 3, EXC_ADEL, u_ka3
	EXPECT_EXC_AT "user load xkphys", 4, EXC_ADEL, u_ka4
	EXPECT_EXC_AT "user load xsseg", 5, EXC_ADEL, u_ka5
	EXC_FIELD $t0, REC_BADVADDR, 0
	CHECK	$t0, 0xffffffff80100000, "user load kseg0 BadVAddr"
	EXC_FIELD $t0, REC_BADVADDR, 1
	CHECK	$t0, 0xffffffff80100008, "user store kseg0 BadVAddr"
	EXC_FIELD $t0, REC_BADVADDR, 4
	CHECK	$t0, 0x9800000000100000, "user load xkphys BadVAddr"
	EXPECT_EXC_COUNT "kernel accesses + syscall", 7

	/* Fetch from a kernel address: EPC = BadVAddr = target, BD=0 */
	EXC_ARM	1
	EXC_RESUME user_return
	dla	$t1, kernel_code
	USER_CALL u_kjump
	EXPECT_EXC "user jump to kseg0", EXC_ADEL, kernel_code
	EXC_FIELD $t0, REC_BADVADDR
	CHECKA	$t0, kernel_code, "user jump to kseg0 BadVAddr"

	/* 64-bit user addressing (UX=1): unmapped xuseg -> XTLB refill */
	EXC_ARM	2
	dli	$t1, 0x0000000100000000
	USER_CALL u_load_t1
	EXPECT_EXC_AT "user xuseg refill (UX=1)", 0, EXC_TLBL, u_load_t1
	EXC_FIELD $t0, REC_VECTOR
	CHECK	$t0, VEC_XTLB, "user xuseg refill vector"
	EXC_FIELD $t0, REC_BADVADDR
	CHECK	$t0, 0x100000000, "user xuseg refill BadVAddr"
	EXPECT_EXC_COUNT "xuseg refill + syscall", 2

	/* 32-bit user addressing (UX=0): same address is an address error,
	 * and a useg miss goes to the 32-bit refill vector */
	mfc0	$s6, $12
	li	$t0, ~ST_UX
	and	$t0, $s6, $t0
	mtc0	$t0, $12
	ehb
	EXC_ARM	2
	dli	$t1, 0x0000000100000000
	USER_CALL u_load_t1
	EXPECT_EXC_AT "user 2^32 with UX=0", 0, EXC_ADEL, u_load_t1
	EXPECT_EXC_COUNT "UX=0 address error + syscall", 2
	EXC_ARM	2
	dli	$t1, 0x0000000010000000
	USER_CALL u_load_t1
	mtc0	$s6, $12
	ehb
	EXPECT_EXC_AT "user useg refill (UX=0)", 0, EXC_TLBL, u_load_t1
	EXC_FIELD $t0, REC_VECTOR
	CHECK	$t0, VEC_TLB, "user useg refill vector"
	EXPECT_EXC_COUNT "useg refill + syscall", 2

	/* BREAK and TRAP in user mode are ordinary exceptions */
	EXC_ARM	3
	USER_CALL u_break
	EXPECT_EXC_AT "user break", 0, EXC_BP, u_break
	EXPECT_EXC_AT "user teq", 1, EXC_TR, u_break + 4
	EXPECT_EXC_COUNT "break + trap + syscall", 3
TEST_END

	.text
kernel_code:
	jr	$ra
	nop

USER_CODE u_basic
	li	$v0, 0x1234
u_basic_sys:
	syscall
END_USER_CODE

USER_CODE u_priv
u_priv0: mfc0	$t0, $12
u_priv1: mtc0	$zero, $12
u_priv2: dmfc0	$t0, $14
u_priv3: tlbwi
u_priv4: tlbp
u_priv5: di
u_priv6: ei
u_priv7: wait
u_priv8: eret
u_priv9: cache	0x15, 0($sp)
	syscall
END_USER_CODE

USER_CODE u_fpu
	dmtc1	$t1, $f2
	add.d	$f4, $f2, $f2
	dmfc1	$t2, $f4
u_fpu_sys:
	syscall
END_USER_CODE

USER_CODE u_kaccess
u_ka0:	lw	$t0, 0($t1)
u_ka1:	sw	$t0, 8($t1)
u_ka2:	lb	$t0, 0($t2)
u_ka3:	ld	$t0, 0($t3)
u_ka4:	ld	$t0, 0($a4)
u_ka5:	lw	$t0, 0($a5)
	syscall
END_USER_CODE

USER_CODE u_kjump
	jr	$t1
	nop
	syscall
END_USER_CODE

USER_CODE u_load_t1
	lw	$t0, 0($t1)
	syscall
END_USER_CODE

USER_CODE u_break
	break
	teq	$zero, $zero
	syscall
END_USER_CODE
