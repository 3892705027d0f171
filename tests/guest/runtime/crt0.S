/*
 * Start-up code, exception vectors and the low-level exception entry.
 *
 * The CPU arrives here in (or close to) reset state: Status.ERL=1, BEV=1,
 * kernel mode.  We install a known CP0 state (see ST_DEFAULT), put the
 * exception vectors at EBase = 0xffffffff80000000 and call test_main().
 *
 * Register convention for the whole suite: k0/k1 belong to the exception
 * entry code and are clobbered by every exception; all other GPRs, HI and LO
 * are saved on exception entry and restored on return, so an exception that
 * is skipped leaves the interrupted code's registers untouched (apart from
 * changes the C dispatcher deliberately makes to the saved frame).
 */
#include "mips.h"

	.set	noreorder

	.section .text.start, "ax"
	.globl	_start
	.ent	_start
_start:
	/* Interrupt configuration: no software interrupts, IV=0 (0x180). */
	mtc0	$zero, $13		/* Cause */
	/* EBase = 0xffffffff80000000 (kseg0, physical 0). */
	lui	$t0, 0x8000
	mtc0	$t0, $15, 1
	ehb

	/* Clear .bss (the loader may or may not have done it). */
	dla	$t0, __bss_start
	dla	$t1, __bss_end
1:	beq	$t0, $t1, 2f
	nop
	sd	$zero, 0($t0)
	b	1b
	daddiu	$t0, $t0, 8
2:
	dla	$sp, stack_top

	/* Copy the five vector stubs to EBase + {0x000,0x080,0x100,0x180,0x200}. */
	dla	$t0, vec_stubs
	lui	$t1, 0x8000		/* EBase */
	li	$t2, 5
3:	ld	$t3, 0($t0)		/* each stub is 16 bytes */
	sd	$t3, 0($t1)
	ld	$t3, 8($t0)
	sd	$t3, 8($t1)
	/*
	 * Make the new instructions visible to instruction fetch: write back
	 * the data cache line and invalidate the instruction cache line
	 * (SYNCI covers both; the stub never crosses a 16-byte boundary so one
	 * SYNCI per stub suffices for any SYNCI_Step >= 16).
	 */
	synci	0($t1)
	daddiu	$t0, $t0, 16
	daddiu	$t2, $t2, -1
	bnez	$t2, 3b
	daddiu	$t1, $t1, 0x80
	sync
	/* Leave reset state: ERL=0, BEV=0, known Status (see mips.h). */
	li	$t0, ST_DEFAULT
	mtc0	$t0, $12
	/* jr.hb clears the instruction hazard created by the SYNCIs/Status. */
	dla	$t0, 4f
	jr.hb	$t0
	nop
4:
	ctc1	$zero, $31		/* FCSR: RN, no enables, no flags */
	mtc0	$zero, $5, 0		/* PageMask: 4 KiB pages */
	mtc0	$zero, $6		/* Wired */
	dmtc0	$zero, $10		/* EntryHi: ASID 0 */
	ehb
	jal	runtime_init
	nop
	jal	test_main
	nop
	jal	test_finish		/* prints the summary and exits */
	nop
5:	b	5b
	nop
	.end	_start

/*
 * Vector stubs: jump to exc_common with k1 = vector offset.  Position
 * independent (absolute jump), 16 bytes each.
 */
	.macro	VEC_STUB off
	lui	$k0, %hi(exc_common)
	daddiu	$k0, $k0, %lo(exc_common)
	jr	$k0
	ori	$k1, $zero, \off
	.endm

	.section .rodata
	.align	3
vec_stubs:
	VEC_STUB VEC_TLB
	VEC_STUB VEC_XTLB
	VEC_STUB VEC_CACHE
	VEC_STUB VEC_GENERAL
	VEC_STUB VEC_INT

/*
 * Common exception entry: save the GPRs, HI and LO into exc_frame, call
 * exc_dispatch(frame, vector) on a private stack, restore and ERET.  The
 * dispatcher has written EPC (where to resume) and possibly Status.
 */
	.text
	.globl	exc_common
	.ent	exc_common
exc_common:
	.set	push
	.set	noat
	lui	$k0, %hi(exc_frame)
	daddiu	$k0, $k0, %lo(exc_frame)
	.irp	r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,28,29,30,31
	sd	$\r, (\r*8)($k0)
	.endr
	mfhi	$t0
	sd	$t0, (32*8)($k0)
	mflo	$t0
	sd	$t0, (33*8)($k0)
	move	$a0, $k0
	move	$a1, $k1
	dla	$sp, exc_stack_top
	jal	exc_dispatch
	nop
	dla	$k0, exc_frame
	ld	$t0, (32*8)($k0)
	mthi	$t0
	ld	$t0, (33*8)($k0)
	mtlo	$t0
	.irp	r, 1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17,18,19,20,21,22,23,24,25,28,29,30,31
	ld	$\r, (\r*8)($k0)
	.endr
	ehb				/* EPC/Status written by the dispatcher */
	eret
	.set	pop
	.end	exc_common

/*
 * enter_user(a0 = user virtual address): save the kernel context, drop to
 * user mode at a0 via ERET.  Only k0/k1 are used so that the caller can
 * pass arbitrary values to the user code in the other registers.  The user
 * code returns with SYSCALL; exc_dispatch then resumes at user_return in
 * kernel mode, which restores the context and returns to enter_user's
 * caller.  Registers other than s0-s7/gp/sp/fp/ra hold the user's values.
 */
	.globl	enter_user
	.ent	enter_user
enter_user:
	dla	$k0, user_ctx
	sd	$s0, 0($k0)
	sd	$s1, 8($k0)
	sd	$s2, 16($k0)
	sd	$s3, 24($k0)
	sd	$s4, 32($k0)
	sd	$s5, 40($k0)
	sd	$s6, 48($k0)
	sd	$s7, 56($k0)
	sd	$gp, 64($k0)
	sd	$sp, 72($k0)
	sd	$fp, 80($k0)
	sd	$ra, 88($k0)
	li	$k1, 1
	sd	$k1, 96($k0)		/* user_ctx.active */
	mfc0	$k1, $12
	ori	$k1, $k1, ST_KSU_USER | ST_EXL
	mtc0	$k1, $12		/* EXL=1 keeps us in kernel mode for now */
	dmtc0	$a0, $14		/* EPC */
	ehb
	eret
	.end	enter_user

	.globl	user_return
	.ent	user_return
user_return:
	dla	$k0, user_ctx
	ld	$s0, 0($k0)
	ld	$s1, 8($k0)
	ld	$s2, 16($k0)
	ld	$s3, 24($k0)
	ld	$s4, 32($k0)
	ld	$s5, 40($k0)
	ld	$s6, 48($k0)
	ld	$s7, 56($k0)
	ld	$gp, 64($k0)
	ld	$sp, 72($k0)
	ld	$fp, 80($k0)
	ld	$ra, 88($k0)
	jr	$ra
	sd	$zero, 96($k0)
	.end	user_return

/* user_call(a0 = kseg0 address of code in .user.text): run it in user mode. */
	.globl	user_call
	.ent	user_call
user_call:
	dla	$k0, __user_start
	dsubu	$a0, $a0, $k0
	li	$k0, USER_BASE
	j	enter_user
	daddu	$a0, $a0, $k0
	.end	user_call

	.bss
	.align	4
	.globl	exc_frame
exc_frame:
	.space	34*8
	.globl	user_ctx
user_ctx:
	.space	13*8
	.align	4
	.space	16384
exc_stack_top:
	.space	65536
stack_top:
