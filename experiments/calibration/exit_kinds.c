/*
 * Exit-cost microbenchmarks: one kind of event, repeated, in kernel mode.
 * experiments/calibrate_exits.py runs this program under every execution
 * mode; the host time a mode adds per event, over bare metal, is what an
 * event of that kind costs there (a trap, a hypercall, a patched site, a
 * stub). Arguments (semihosting argv, from -append): KIND ITERATIONS. It
 * prints how far Count advanced across them (what --timing changes).
 * Each iteration runs the event 8 times (an interrupt: once); the loop is
 * the same for every kind, so "empty" measures it.
 */
#include "check.h"
#include "cp0.h"

void runtime_init(void); /* runtime.c: the TLB as the runtime left it */

#define REP8(x) x x x x x x x x

struct kind {
	const char *name;
	void (*run)(u64 iterations);
};

static void run_empty(u64 n)
{
	for (u64 k = 0; k < n; k++)
		__asm__ volatile(REP8("nop\n") ::: "memory");
}

/* A CP0 read without side effects: 1:1 makes it a load from the communication page. */
static void run_mfc0(u64 n)
{
	u64 v;
	for (u64 k = 0; k < n; k++)
		__asm__ volatile(REP8("mfc0 %0, $14, 0\n") : "=r"(v) :: "memory");
}

/* A CP0 write without side effects (EPC): 1:1 makes it a store to the page. */
static void run_mtc0(u64 n)
{
	for (u64 k = 0; k < n; k++)
		__asm__ volatile(REP8("mtc0 $0, $14, 0\n") ::: "memory");
}

/* Status writes (interrupts may become pending): a hypercall, or a 1:n stub. */
static void run_mtc0_status(u64 n)
{
	const u64 status = read_status();
	for (u64 k = 0; k < n; k++)
		__asm__ volatile(REP8("mtc0 %0, $12, 0\nehb\n") :: "r"(status) : "memory");
}

/* DI and EI in pairs: 1:n stubs. */
static void run_di_ei(u64 n)
{
	const u64 status = read_status();
	for (u64 k = 0; k < n; k++)
		__asm__ volatile(".set push\n.set mips64r2\n" REP8("di\nehb\nei\nehb\n") ".set pop\n" ::: "memory");
	write_status(status);
}

/* TLB probes: a hypercall in the patching modes. */
static void run_tlbp(u64 n)
{
	for (u64 k = 0; k < n; k++)
		__asm__ volatile(REP8("tlbp\nehb\n") ::: "memory");
}

/* TLB writes of one entry: a hypercall and a shadow-TLB update. */
static void run_tlbwi(u64 n)
{
	MTC0(0, 0, tlb_entries() - 1); /* Index */
	DMTC0(10, 0, 0x40000000); /* EntryHi */
	MTC0(2, 0, 0); /* EntryLo0 */
	MTC0(3, 0, 0); /* EntryLo1 */
	for (u64 k = 0; k < n; k++)
		__asm__ volatile(REP8("tlbwi\nehb\n") ::: "memory");
	runtime_init();
}

/* A syscall exception and the return from it: exception injection and eret. */
static void run_syscall(u64 n)
{
	for (u64 k = 0; k < n; k++) {
		exc_arm(8);
		__asm__ volatile(REP8("syscall\n") ::: "memory");
	}
	exc_disarm();
}

/* TLB refills: eight loads per iteration, each from a page the TLB does not
 * map (one entry, rewritten by the handler, maps only the last page). The
 * handler is the runtime's C one: the same guest work in every mode. */
static char refill_page[8192] __attribute__((aligned(8192)));
static u64 refill_hook(struct exc_frame *f, struct exc_rec *r)
{
	(void)f;
	u64 pfn = kseg0_to_phys(refill_page) >> 12;
	u64 flags = ENTRYLO_C(3) | ENTRYLO_D | ENTRYLO_V | ENTRYLO_G;
	tlb_write_indexed(1, 0, r->badvaddr & ~0x1fffull, (pfn << 6) | flags, ((pfn + 1) << 6) | flags);
	return r->epc;
}

static void run_refill(u64 n)
{
	const u64 base = 0xffffffffc0000000ull; /* kseg2: mapped through the TLB */
	exc_set_hook(refill_hook);
	for (u64 k = 0; k < n; k++) {
		exc_arm(8);
		exc_set_hook(refill_hook);
		u64 sum = 0;
		for (u64 page = 0; page < 8; page++)
			sum += *(volatile u64 *)(base + (page << 13));
		__asm__ volatile("" ::"r"(sum));
	}
	exc_disarm();
	runtime_init();
}

/* Timer interrupts, one per iteration: Compare set just ahead of Count,
 * interrupts enabled, a spin until the handler ran. */
static volatile u64 interrupts_seen;
static u64 interrupt_hook(struct exc_frame *f, struct exc_rec *r)
{
	(void)f;
	write_compare(read_compare()); /* acknowledges the timer */
	interrupts_seen++;
	return r->epc;
}

static void run_interrupt(u64 n)
{
	const u64 status = read_status();
	for (u64 k = 0; k < n; k++) {
		exc_arm(1);
		exc_set_hook(interrupt_hook);
		const u64 seen = interrupts_seen;
		write_compare(read_count() + 64);
		write_status(status | ST_IM(7) | ST_IE);
		while (interrupts_seen == seen)
			;
		write_status(status);
	}
	exc_disarm();
}

static const struct kind kinds[] = {
	{"empty", run_empty},		{"mfc0", run_mfc0},   {"mtc0", run_mtc0},
	{"mtc0_status", run_mtc0_status}, {"di_ei", run_di_ei}, {"tlbp", run_tlbp},
	{"tlbwi", run_tlbwi},		{"syscall", run_syscall},
	{"refill", run_refill},		{"interrupt", run_interrupt},
};

static int arg(long i, char *buf, long size)
{
	long len = uhi_call(UHI_ARGNLEN, i, 0, 0);
	if (len < 0 || len >= size || uhi_call(UHI_ARGN, i, (long)buf, 0) != 0)
		return 0;
	buf[len] = 0;
	return 1;
}

static int same(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

void test_main(void)
{
	char name[32], count[32];
	if (uhi_call(UHI_ARGC, 0, 0, 0) != 3 || !arg(1, name, sizeof name) || !arg(2, count, sizeof count)) {
		tprintf("usage: exit_kinds KIND ITERATIONS\n");
		uhi_exit(2);
	}
	u64 n = 0;
	for (const char *p = count; *p >= '0' && *p <= '9'; p++)
		n = n * 10 + (u64)(*p - '0');
	for (unsigned k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
		if (!same(name, kinds[k].name))
			continue;
		const u64 start = read_count();
		kinds[k].run(n);
		const u64 counts = (read_count() - start) & 0xffffffffu;
		tprintf("%s %u\n", name, (unsigned)n);
		/* The guest's own clock across the events: the same in every mode,
		 * unless --timing makes it follow the cost model's time. */
		tprintf("count advanced %u\n", (unsigned)counts);
		uhi_exit(0);
	}
	tprintf("unknown kind %s\n", name);
	uhi_exit(2);
}
