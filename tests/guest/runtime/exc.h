/*
 * Exception recording and control.
 *
 * Every exception enters exc_dispatch() (exc.c) with all GPRs saved in
 * exc_frame.  An exception is "expected" only after exc_arm(n) allowed n
 * more exceptions; anything else prints "FAIL unexpected exception ..." and
 * exits with status 1.  Each expected exception is recorded (vector, Cause,
 * EPC, BadVAddr, Status, EntryHi, Context, XContext) and execution resumes:
 *   - at the address given with exc_resume_at() (one shot), or
 *   - at EPC after setting a GPR in the saved frame with exc_fixup()
 *     (one shot; the faulting instruction - or the branch owning the delay
 *     slot - is re-executed with the fixed register), or
 *   - where a hook installed with exc_set_hook() says (non-zero return), or
 *   - for SYSCALL from user code started by user_call(): back in the kernel
 *     after the user_call() call site, or
 *   - for interrupts: at EPC, after acknowledging the timer (Compare is
 *     rewritten) and software interrupts, or
 *   - by default after skipping the faulting instruction: EPC+4, or EPC+8
 *     when Cause.BD is set (the branch and its delay slot are skipped).
 * exc_arm() and the chk_exc* functions reset all one-shot settings.
 */
#ifndef GUEST_EXC_H
#define GUEST_EXC_H

#ifndef __ASSEMBLER__
#include "types.h"

struct exc_frame {
	u64 regs[32];
	u64 hi, lo;
};

struct exc_rec {
	u64 vector; /* offset from EBase: 0x000, 0x080, 0x180, 0x200 */
	u64 cause, epc, badvaddr, status, entryhi, context, xcontext;
	u64 excode; /* Cause.ExcCode */
	u64 bd;	    /* Cause.BD */
};

typedef u64 (*exc_hook_t)(struct exc_frame *f, struct exc_rec *r);

#define EXC_MAX_REC 16
struct exc_state {
	u64 count;   /* exceptions recorded since exc_arm() */
	u64 allowed; /* exceptions permitted since exc_arm() */
	u64 resume;
	u64 fix_reg, fix_val, fix_on;
	exc_hook_t hook;
	u64 in_handler;
	struct exc_rec rec[EXC_MAX_REC];
};
extern struct exc_state exc_state;
extern struct exc_frame exc_frame;

void exc_arm(u64 n);
void exc_disarm(void);
void exc_resume_at(u64 pc);
void exc_fixup(u64 reg, u64 val);
void exc_set_hook(exc_hook_t hook);

/* Checks (they also disarm, except chk_exc_at). */
void chk_exc(const char *name, u64 code, u64 epc, u64 bd);
void chk_noexc(const char *name);
void chk_exc_at(const char *name, u64 idx, u64 code, u64 epc, u64 bd);
void chk_exc_count(const char *name, u64 n);
void chk_count(int ok);
/* 1 if exactly one exception with this ExcCode and EPC happened (disarms). */
u64 exc_matches(u64 code, u64 epc);
/* Manual: exactly this exception.  Known QEMU deviation: no exception. */
void chk_exc_or_qemu_none(const char *name, u64 code, u64 epc, u64 bd);
/* Manual: this exception with epc/bd.  Known QEMU deviation: qepc/qbd. */
void chk_exc_or_qemu(const char *name, u64 code, u64 epc, u64 bd, u64 qepc,
		     u64 qbd);

/* User mode (crt0.S, runtime.c). */
void user_map(void);
void user_call(const void *code);
u64 user_va(const void *p);
extern char __user_start[], __user_end[];
extern char user_return[];

/* Probes (probe.S). */
u64 probe_lb(u64 addr, u64 dflt);
u64 probe_lbu(u64 addr, u64 dflt);
u64 probe_lh(u64 addr, u64 dflt);
u64 probe_lhu(u64 addr, u64 dflt);
u64 probe_lw(u64 addr, u64 dflt);
u64 probe_lwu(u64 addr, u64 dflt);
u64 probe_ld(u64 addr, u64 dflt);
u64 probe_ll(u64 addr, u64 dflt);
u64 probe_lld(u64 addr, u64 dflt);
u64 probe_lwr(u64 addr, u64 dflt);
void probe_sdl(u64 addr, u64 val);
void probe_sb(u64 addr, u64 val);
void probe_sh(u64 addr, u64 val);
void probe_sw(u64 addr, u64 val);
void probe_sd(u64 addr, u64 val);
u64 probe_exec(u64 addr);
extern char probe_lb_pc[], probe_lbu_pc[], probe_lh_pc[], probe_lhu_pc[],
	probe_lw_pc[], probe_lwu_pc[], probe_ld_pc[], probe_ll_pc[],
	probe_lld_pc[], probe_sb_pc[], probe_sh_pc[], probe_sw_pc[],
	probe_sd_pc[], probe_lwr_pc[], probe_sdl_pc[];

void *memcpy(void *d, const void *s, size_t n);
void *memset(void *d, int c, size_t n);
#endif

/* Layout of struct exc_state for assembly (checked in exc.c). */
#define EXS_COUNT 0
#define EXS_REC 64
#define REC_SIZE 80
#define REC_VECTOR 0
#define REC_CAUSE 8
#define REC_EPC 16
#define REC_BADVADDR 24
#define REC_STATUS 32
#define REC_ENTRYHI 40
#define REC_CONTEXT 48
#define REC_XCONTEXT 56
#define REC_EXCODE 64
#define REC_BD 72
#endif
