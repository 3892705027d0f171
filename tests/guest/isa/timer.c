/*
 * Count/Compare timer and interrupt delivery: Count runs and is writable,
 * Compare round trip, Cause.TI and Cause.IP7 set when Count reaches Compare
 * (independently of Status.IM/IE) and cleared by writing Compare, interrupt
 * delivery through the general vector (Cause.IV=0) and the special
 * interrupt vector 0x200 (Cause.IV=1), WAIT woken by the timer interrupt
 * (EPC = the instruction after WAIT), software interrupts IP0/IP1 and
 * masking by Status.IM / Status.IE.  Count values are never printed.
 */
#include "check.h"
#include "cp0.h"

/*
 * Generous distance to the next timer event: the WAIT must be reached
 * before Count gets there (a few instructions), on any implementation.
 */
#define DELTA 2000000

/* ei; wait; -- returns after the interrupt has been handled */
void wait_for_irq(void);
extern char wait_pc[];
__asm__(".text\n"
	".set push\n.set noreorder\n"
	".globl wait_for_irq\n"
	"wait_for_irq:\n"
	"	ei\n"
	"	ehb\n"
	"wait_pc:\n"
	"	wait\n"
	"	di\n"
	"	ehb\n"
	"	jr	$ra\n"
	"	nop\n"
	".set pop\n");

/*
 * If the interrupt arrives before WAIT executes, resuming at EPC would
 * wait forever: step over the WAIT.  (The EPC check below then fails.)
 */
static u64 irq_hook(struct exc_frame *f, struct exc_rec *r)
{
	(void)f;
	if (r->excode == EXC_INT && r->epc == (u64)wait_pc) {
		write_compare(read_compare());
		return r->epc + 4;
	}
	return 0; /* default: acknowledge the timer and resume at EPC */
}

/*
 * Compare = Count + delta.  If Count has already reached the new Compare
 * when read back (the guest was slow, e.g. preempted), try again: after a
 * successful read-back the match is guaranteed to lie in the future.
 */
static void arm_timer(u32 delta)
{
	u32 target;
	do {
		target = (u32)read_count() + delta;
		write_compare(target);
	} while ((s32)(target - (u32)read_count()) <= 0);
}

static void count_compare(void)
{
	u64 c0 = read_count();
	for (volatile int i = 0; i < 1000; i++)
		;
	CHECK_TRUE("Count advances", read_count() != c0);
	MTC0(9, 0, 0x40000000);
	u64 c = read_count();
	CHECK_TRUE("Count written", c - 0x40000000 < 0x10000000);
	write_compare(0x12345678);
	CHECK_EQ("Compare round trip", read_compare(), 0x12345678);
}

static void pending_without_ie(void)
{
	write_status(ST_DEFAULT); /* IE=0, IM=0 */
	arm_timer(100000);
	while (!(read_cause() & CA_IP(7)))
		;
	u64 cause = read_cause();
	CHECK_EQ("timer pending: Cause.TI", cause >> 30 & 1, 1);
	CHECK_EQ("timer pending: Cause.IP7", cause >> 15 & 1, 1);
	write_compare(read_count() + 0x40000000);
	cause = read_cause();
	CHECK_EQ("Compare write clears Cause.TI", cause >> 30 & 1, 0);
	CHECK_EQ("Compare write clears Cause.IP7", cause >> 15 & 1, 0);
	/* IE=1 but IM7=0: still no interrupt */
	write_status(ST_DEFAULT | ST_IE);
	arm_timer(100000);
	while (!(read_cause() & CA_IP(7)))
		;
	write_status(ST_DEFAULT);
	write_compare(read_count() + 0x40000000);
	/* an interrupt would have been an unexpected exception (exit 1) */
	CHECK_TRUE("IM7=0 masks the timer interrupt", 1);
}

static void wait_irq(const char *name, u64 iv, u64 vector)
{
	struct exc_rec *r = &exc_state.rec[0];

	write_cause(iv);
	write_status(ST_DEFAULT | ST_IM(7)); /* IE set by wait_for_irq */
	exc_arm(1);
	exc_set_hook(irq_hook);
	arm_timer(DELTA);
	wait_for_irq();
	write_status(ST_DEFAULT);
	write_cause(0);
	tprintf("-- %s\n", name);
	chk_exc("timer interrupt", EXC_INT, (u64)wait_pc + 4, 0);
	CHECK_EQ("vector", r->vector, vector);
	CHECK_EQ("Cause.IP7", r->cause >> 15 & 1, 1);
	CHECK_EQ("Cause.TI", r->cause >> 30 & 1, 1);
	CHECK_EQ("Status.EXL in handler", r->status >> 1 & 1, 1);
	CHECK_EQ("TI cleared by the handler's Compare write",
		 read_cause() >> 30 & 1, 0);
}

static void software_irq(void)
{
	struct exc_rec *r = &exc_state.rec[0];

	/* IM0=0: pending but not taken */
	write_status(ST_DEFAULT | ST_IE | ST_IM(1));
	exc_arm(1);
	write_cause(CA_IP(0));
	__asm__ volatile("ehb; nop; nop" ::: "memory");
	write_status(ST_DEFAULT);
	chk_noexc("IP0 with IM0=0 not taken");
	CHECK_EQ("Cause.IP0 pending", read_cause() >> 8 & 3, 1);
	write_cause(0);
	CHECK_EQ("Cause.IP0 cleared by software", read_cause() >> 8 & 3, 0);

	/* IM1=1, IE=1: taken as soon as IP1 is set */
	write_status(ST_DEFAULT | ST_IE | ST_IM(1));
	exc_arm(1);
	write_cause(CA_IP(1));
	__asm__ volatile("ehb; nop; nop" ::: "memory");
	write_status(ST_DEFAULT);
	CHECK_EQ("software interrupt IP1 taken", exc_state.count, 1);
	CHECK_EQ("software interrupt ExcCode", r->excode, EXC_INT);
	CHECK_EQ("software interrupt Cause.IP1", r->cause >> 8 & 3, 2);
	CHECK_EQ("software interrupt vector", r->vector, VEC_GENERAL);
	exc_disarm();

	/* IE=0 blocks it; enabling IE delivers it */
	write_status(ST_DEFAULT | ST_IM(0));
	exc_arm(1);
	write_cause(CA_IP(0));
	__asm__ volatile("ehb; nop; nop" ::: "memory");
	CHECK_EQ("IE=0 blocks interrupt", exc_state.count, 0);
	write_status(ST_DEFAULT | ST_IM(0) | ST_IE);
	__asm__ volatile("ehb; nop; nop" ::: "memory");
	write_status(ST_DEFAULT);
	CHECK_EQ("setting IE delivers pending interrupt", exc_state.count, 1);
	exc_disarm();
	write_cause(0);
}

void test_main(void)
{
	count_compare();
	pending_without_ie();
	wait_irq("wait + timer, Cause.IV=0", 0, VEC_GENERAL);
	wait_irq("wait + timer, Cause.IV=1", CA_IV, VEC_INT);
	software_irq();
}
