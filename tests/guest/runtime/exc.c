/* Exception dispatch (called from crt0.S exc_common) and checks; see exc.h. */
#include "check.h"
#include "cp0.h"

struct exc_state exc_state;

_Static_assert(__builtin_offsetof(struct exc_state, rec) == EXS_REC, "");
_Static_assert(sizeof(struct exc_rec) == REC_SIZE, "");
_Static_assert(__builtin_offsetof(struct exc_rec, epc) == REC_EPC, "");
_Static_assert(__builtin_offsetof(struct exc_rec, xcontext) == REC_XCONTEXT,
	       "");
_Static_assert(__builtin_offsetof(struct exc_rec, bd) == REC_BD, "");

extern u64 user_ctx[13]; /* crt0.S; [12] = active */

void exc_arm(u64 n)
{
	exc_disarm();
	exc_state.count = 0;
	exc_state.allowed = n;
}

void exc_disarm(void)
{
	exc_state.allowed = exc_state.count;
	exc_state.resume = 0;
	exc_state.fix_on = 0;
	exc_state.hook = 0;
}

void exc_resume_at(u64 pc) { exc_state.resume = pc; }
void exc_set_hook(exc_hook_t hook) { exc_state.hook = hook; }

void exc_fixup(u64 reg, u64 val)
{
	exc_state.fix_reg = reg;
	exc_state.fix_val = val;
	exc_state.fix_on = 1;
}

static void ack_interrupts(u64 cause)
{
	if (cause & CA_IP(7))
		write_compare(read_compare()); /* clears Cause.TI / IP7 */
	if (cause & (CA_IP(0) | CA_IP(1)))
		write_cause(cause & ~(u64)(CA_IP(0) | CA_IP(1)));
	/* Board interrupts cannot be acknowledged here: mask them. */
	u64 hw = cause & 0x7c00;
	if (hw)
		write_status(read_status() & ~hw);
}

void exc_dispatch(struct exc_frame *f, u64 vector)
{
	u64 cause = MFC0(13, 0), status = MFC0(12, 0);
	u64 epc = DMFC0(14, 0), badv = DMFC0(8, 0);
	u64 code = (cause >> CA_EXC_SHIFT) & 31;

	if (exc_state.in_handler) {
		put_str("FAIL nested exception in the exception handler\n");
		uhi_exit(2);
	}
	if (exc_state.count >= exc_state.allowed) {
		tprintf("FAIL unexpected exception: vector 0x%03lx ExcCode %lu "
			"EPC 0x%016lx BadVAddr 0x%016lx Cause 0x%08lx\n",
			vector, code, epc, badv, cause & 0xffffffffu);
		uhi_exit(1);
	}
	exc_state.in_handler = 1;

	struct exc_rec dummy, *r = &dummy;
	if (exc_state.count < EXC_MAX_REC)
		r = &exc_state.rec[exc_state.count];
	exc_state.count++;
	r->vector = vector;
	r->cause = cause;
	r->epc = epc;
	r->badvaddr = badv;
	r->status = status;
	r->entryhi = DMFC0(10, 0);
	r->context = DMFC0(4, 0);
	r->xcontext = DMFC0(20, 0);
	r->excode = code;
	r->bd = cause >> 31 & 1;

	u64 next = 0;
	if (exc_state.hook)
		next = exc_state.hook(f, r);
	if (next) {
		/* hook decided */
	} else if (exc_state.fix_on) {
		f->regs[exc_state.fix_reg] = exc_state.fix_val;
		exc_state.fix_on = 0;
		next = epc;
	} else if (exc_state.resume) {
		next = exc_state.resume;
		exc_state.resume = 0;
	} else if (user_ctx[12] && code == EXC_SYS &&
		   (status & ST_KSU_MASK) == ST_KSU_USER) {
		next = (u64)user_return;
	} else if (code == EXC_INT) {
		ack_interrupts(cause);
		next = epc;
	} else {
		next = epc + ((cause & CA_BD) ? 8 : 4);
	}
	if (next == (u64)user_return)
		MTC0(12, 0, MFC0(12, 0) & ~(u64)ST_KSU_MASK); /* kernel mode */
	DMTC0(14, 0, next);
	exc_state.in_handler = 0;
}

u64 user_va(const void *p)
{
	u64 a = (u64)p;
	if (a >= (u64)__user_start && a < (u64)__user_end)
		return USER_BASE + (a - (u64)__user_start);
	return a;
}

void chk_exc_at(const char *name, u64 idx, u64 code, u64 epc, u64 bd)
{
	if (exc_state.count <= idx || idx >= EXC_MAX_REC) {
		chk_count(0);
		tprintf("FAIL %s: exception #%lu did not happen (%lu seen), "
			"want ExcCode %lu\n", name, idx, exc_state.count, code);
		return;
	}
	struct exc_rec *r = &exc_state.rec[idx];
	int ok = r->excode == code && r->epc == user_va((void *)epc) &&
		 r->bd == bd;
	chk_count(ok);
	if (ok)
		tprintf("%s: ExcCode %lu BD %lu EPC ok\n", name, code, bd);
	else
		tprintf("FAIL %s: got ExcCode %lu BD %lu EPC 0x%016lx, want "
			"ExcCode %lu BD %lu EPC 0x%016lx\n", name, r->excode,
			r->bd, r->epc, code, bd, user_va((void *)epc));
}

void chk_exc_count(const char *name, u64 n)
{
	int ok = exc_state.count == n;
	chk_count(ok);
	if (ok)
		tprintf("%s: %lu exception(s)\n", name, n);
	else
		tprintf("FAIL %s: got %lu exception(s) want %lu\n", name,
			exc_state.count, n);
	exc_disarm();
}

void chk_exc(const char *name, u64 code, u64 epc, u64 bd)
{
	if (exc_state.count > 1) {
		chk_count(0);
		tprintf("FAIL %s: %lu exceptions, want 1\n", name,
			exc_state.count);
	} else {
		chk_exc_at(name, 0, code, epc, bd);
	}
	exc_disarm();
}

void chk_noexc(const char *name)
{
	int ok = exc_state.count == 0;
	chk_count(ok);
	if (ok)
		tprintf("%s: no exception\n", name);
	else
		tprintf("FAIL %s: unexpected ExcCode %lu at EPC 0x%016lx\n",
			name, exc_state.rec[0].excode, exc_state.rec[0].epc);
	exc_disarm();
}

void chk_exc_or_qemu_none(const char *name, u64 code, u64 epc, u64 bd)
{
	struct exc_rec *r = &exc_state.rec[0];
	int manual = exc_state.count == 1 && r->excode == code &&
		     r->epc == user_va((void *)epc) && r->bd == bd;
	chk_deviation(name, manual, exc_state.count == 0);
	exc_disarm();
}

void chk_exc_or_qemu(const char *name, u64 code, u64 epc, u64 bd, u64 qepc,
		     u64 qbd)
{
	struct exc_rec *r = &exc_state.rec[0];
	int one = exc_state.count == 1 && r->excode == code;
	chk_deviation(name, one && r->epc == user_va((void *)epc) && r->bd == bd,
		      one && r->epc == user_va((void *)qepc) && r->bd == qbd);
	exc_disarm();
}

u64 exc_matches(u64 code, u64 epc)
{
	int ok = exc_state.count == 1 && exc_state.rec[0].excode == code &&
		 exc_state.rec[0].epc == user_va((void *)epc);
	exc_disarm();
	return ok;
}
