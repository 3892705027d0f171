/*
 * Single-instruction memory probes, callable from C, for accesses that are
 * expected to fault.  Each probe's faulting instruction has a global label
 * (probe_<op>_pc) so tests can check EPC.  Loads: a0 = address, a1 = value
 * returned if the load is skipped by the exception handler.  Stores:
 * a0 = address, a1 = value.  probe_exec jumps to a0 (an instruction fetch
 * probe); the code there must return with "jr ra", and a fetch exception
 * resumes at probe_exec_ret (set up here, because EPC is the bad address).
 */
#include "mips.h"

	.set	noreorder
	.text

	.macro	LOAD_PROBE op
	.globl	probe_\op
	.globl	probe_\op\()_pc
	.ent	probe_\op
probe_\op:
	move	$v0, $a1
probe_\op\()_pc:
	\op	$v0, 0($a0)
	jr	$ra
	nop
	.end	probe_\op
	.endm

	.macro	STORE_PROBE op
	.globl	probe_\op
	.globl	probe_\op\()_pc
	.ent	probe_\op
probe_\op:
probe_\op\()_pc:
	\op	$a1, 0($a0)
	jr	$ra
	nop
	.end	probe_\op
	.endm

	LOAD_PROBE lb
	LOAD_PROBE lbu
	LOAD_PROBE lh
	LOAD_PROBE lhu
	LOAD_PROBE lw
	LOAD_PROBE lwu
	LOAD_PROBE ld
	LOAD_PROBE ll
	LOAD_PROBE lld
	LOAD_PROBE lwr
	STORE_PROBE sb
	STORE_PROBE sh
	STORE_PROBE sw
	STORE_PROBE sd
	STORE_PROBE sdl

	.globl	probe_exec
	.globl	probe_exec_ret
	.ent	probe_exec
probe_exec:
	daddiu	$sp, $sp, -32
	sd	$ra, 0($sp)
	sd	$a0, 8($sp)
	dla	$a0, probe_exec_ret
	jal	exc_resume_at		/* a fetch fault cannot be "skipped" */
	nop
	ld	$a0, 8($sp)
	jalr	$a0
	nop
probe_exec_ret:
	sd	$v0, 16($sp)
	jal	exc_resume_at		/* no fault: cancel the resume address */
	move	$a0, $zero
	ld	$v0, 16($sp)
	ld	$ra, 0($sp)
	jr	$ra
	daddiu	$sp, $sp, 32
	.end	probe_exec
