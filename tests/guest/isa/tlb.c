/*
 * TLB: TLBWI TLBWR TLBP TLBR, EntryHi/EntryLo/PageMask/Wired/Index/Context
 * round trips, translation through even/odd pages and a 16 KiB page, ASID
 * matching versus the global bit, TLB refill (XTLB vector 0x080 for xuseg
 * with UX=1 / kseg2 with KX=1, 32-bit vector 0x000 with UX=0 / KX=0),
 * BadVAddr/EntryHi/Context/XContext on a refill, refill-and-retry, TLB
 * invalid (V=0) and modified (D=0) through the general vector 0x180, and a
 * refill with Status.EXL=1 (general vector, EPC not updated).
 * Only entries 0..15 are used and the TLB size is never printed.
 */
#include "check.h"
#include "cp0.h"

#define PAGE 4096
static u8 pages[4][PAGE] __attribute__((aligned(2 * PAGE)));
static u8 big[32768] __attribute__((aligned(32768))); /* 16K even + odd */

#define C3 ENTRYLO_C(3)
#define DVG (ENTRYLO_D | ENTRYLO_V | ENTRYLO_G)
static u64 lo(const void *p, u64 flags)
{
	return (kseg0_to_phys(p) >> 12) << 6 | flags;
}

#define VA_MAP 0x10000000ul   /* entry 1: 4K pages -> pages[0], pages[1] */
#define VA_BIG 0x20000000ul   /* entry 2: 16K pages -> big */
#define VA_ASID 0x30000000ul  /* entry 3: ASID 5, not global */
#define VA_NOMAP 0x40002468ul /* never mapped */
#define VA_RETRY 0x48000000ul /* mapped by the refill hook */
#define VA_32 0x50000000ul    /* never mapped, used with UX=0 */
#define VA_INV 0x60000000ul   /* entry 4: even V=0, odd V=1 D=0 */
#define VA_RT 0x70000000ul    /* entry 5: register round trips */
#define VA_KSEG2 0xffffffffc0004000ul

static void set_asid(u64 asid) { DMTC0(10, 0, asid); }

static u64 tlbp(u64 hi)
{
	DMTC0(10, 0, hi);
	__asm__ volatile("tlbp\n\tehb" ::: "memory");
	return MFC0(0, 0);
}

static void round_trips(void)
{
	DMTC0(10, 0, VA_RT | 0x5a);
	CHECK_EQ("EntryHi VPN2|ASID", DMFC0(10, 0), VA_RT | 0x5a);
	DMTC0(2, 0, 0x12344 << 6 | C3 | DVG);
	CHECK_EQ("EntryLo0", DMFC0(2, 0), 0x12344 << 6 | C3 | DVG);
	DMTC0(3, 0, 0x0abcc << 6 | ENTRYLO_C(2) | ENTRYLO_V);
	CHECK_EQ("EntryLo1", DMFC0(3, 0), 0x0abcc << 6 | ENTRYLO_C(2) | ENTRYLO_V);
	static const u64 masks[] = {0x6000, 0x1e000, 0x1fe000, 0};
	for (unsigned i = 0; i < 4; i++) {
		MTC0(5, 0, masks[i]);
		CHECK_EQ("PageMask", MFC0(5, 0), masks[i]);
	}
	MTC0(6, 0, 3);
	CHECK_EQ("Wired", MFC0(6, 0), 3);
	u64 r = MFC0(1, 0);
	CHECK_TRUE("Random in [Wired, TLB size)", r >= 3 && r < tlb_entries());
	MTC0(0, 0, 7);
	CHECK_EQ("Index", MFC0(0, 0), 7);
	DMTC0(4, 0, 0xffffffffc0000000ul);
	CHECK_EQ("Context.PTEBase", DMFC0(4, 0) & ~0x7ffffful,
		 0xffffffffc0000000ul);

	/*
	 * TLBWI then TLBR reads the entry back; G is the AND of both G bits.
	 * (PFN/VPN2 bits below the page size may read back as zero, which is
	 * implementation dependent: the values used are 16K aligned.)
	 */
	tlb_write_indexed(5, 0x6000, VA_RT | 0x5a, 0x12344 << 6 | C3 | DVG,
			  0x0abcc << 6 | ENTRYLO_C(2) | ENTRYLO_V);
	DMTC0(10, 0, 0);
	DMTC0(2, 0, 0);
	DMTC0(3, 0, 0);
	MTC0(5, 0, 0);
	MTC0(0, 0, 5);
	__asm__ volatile("tlbr\n\tehb" ::: "memory");
	CHECK_EQ("tlbr EntryHi", DMFC0(10, 0), VA_RT | 0x5a);
	CHECK_EQ("tlbr EntryLo0 (G cleared)", DMFC0(2, 0),
		 0x12344 << 6 | C3 | ENTRYLO_D | ENTRYLO_V);
	CHECK_EQ("tlbr EntryLo1", DMFC0(3, 0),
		 0x0abcc << 6 | ENTRYLO_C(2) | ENTRYLO_V);
	CHECK_EQ("tlbr PageMask", MFC0(5, 0), 0x6000);
	tlb_write_indexed(5, 0, VA_RT, 0x11 << 6 | ENTRYLO_G, 0x22 << 6 | ENTRYLO_G);
	MTC0(0, 0, 5);
	__asm__ volatile("tlbr\n\tehb" ::: "memory");
	CHECK_EQ("tlbr EntryLo0 (both G)", DMFC0(2, 0), 0x11 << 6 | ENTRYLO_G);
	CHECK_EQ("tlbr EntryLo1 (both G)", DMFC0(3, 0), 0x22 << 6 | ENTRYLO_G);

	/* TLBP */
	CHECK_EQ("tlbp hit global", tlbp(VA_RT | 0x33), 5);
	CHECK_TRUE("tlbp miss sets Index.P", tlbp(VA_RT + 0x2000) >> 31 & 1);
	tlb_write_indexed(5, 0, VA_RT | 0x44, 0x11 << 6 | ENTRYLO_V, 0);
	CHECK_EQ("tlbp hit ASID match", tlbp(VA_RT | 0x44), 5);
	CHECK_TRUE("tlbp miss ASID mismatch", tlbp(VA_RT | 0x45) >> 31 & 1);
	/* odd page of the pair matches the same entry */
	CHECK_EQ("tlbp odd page", tlbp((VA_RT + 0x1000) | 0x44), 5);

	/* TLBWR writes an entry in [Wired, size): find it with TLBP */
	MTC0(6, 0, 8);
	MTC0(5, 0, 0);
	DMTC0(10, 0, VA_RT + 0x10000);
	DMTC0(2, 0, lo(pages[2], C3 | DVG));
	DMTC0(3, 0, lo(pages[3], C3 | DVG));
	__asm__ volatile("tlbwr\n\tehb" ::: "memory");
	u64 idx = tlbp(VA_RT + 0x10000);
	CHECK_TRUE("tlbwr entry found in [Wired, size)",
		   idx >= 8 && idx < tlb_entries());
	set_asid(0);
}

static void translation(void)
{
	tlb_write_indexed(1, 0, VA_MAP, lo(pages[0], C3 | DVG),
			  lo(pages[1], C3 | DVG));
	*(volatile u64 *)&pages[0][0x10] = 0x1111222233334444ul;
	*(volatile u64 *)&pages[1][0x18] = 0x5555666677778888ul;
	CHECK_EQ("load via even page", probe_ld(VA_MAP + 0x10, 0),
		 0x1111222233334444ul);
	CHECK_EQ("load via odd page", probe_ld(VA_MAP + 0x1018, 0),
		 0x5555666677778888ul);
	probe_sw(VA_MAP + 0xff0, 0xabcdef01);
	CHECK_EQ("store via mapping seen in kseg0",
		 *(volatile u32 *)&pages[0][0xff0], 0xabcdef01);

	tlb_write_indexed(2, 0x6000, VA_BIG, lo(&big[0], C3 | DVG),
			  lo(&big[16384], C3 | DVG));
	*(volatile u64 *)&big[0x3008] = 0x0102030405060708ul;
	*(volatile u64 *)&big[0x4010] = 0x1112131415161718ul;
	CHECK_EQ("16K even page offset 0x3008", probe_ld(VA_BIG + 0x3008, 0),
		 0x0102030405060708ul);
	CHECK_EQ("16K odd page offset 0x10", probe_ld(VA_BIG + 0x4010, 0),
		 0x1112131415161718ul);
	MTC0(5, 0, 0);

	/* ASID: entry 3 is not global and belongs to ASID 5 */
	tlb_write_indexed(3, 0, VA_ASID | 5, lo(pages[2], C3 | ENTRYLO_D | ENTRYLO_V),
			  lo(pages[3], C3 | ENTRYLO_D | ENTRYLO_V));
	*(volatile u32 *)&pages[2][0x20] = 0x5a5a0005;
	set_asid(5);
	CHECK_EQ("ASID match", probe_lw(VA_ASID + 0x20, 0), 0x5a5a0005);
	set_asid(6);
	exc_arm(1);
	probe_lw(VA_ASID + 0x20, 0);
	set_asid(0);
	chk_exc("ASID mismatch -> TLB refill", EXC_TLBL, (u64)probe_lw_pc, 0);
	CHECK_EQ("ASID mismatch vector", exc_state.rec[0].vector, VEC_XTLB);
	CHECK_EQ("ASID mismatch EntryHi", exc_state.rec[0].entryhi, VA_ASID | 6);
	set_asid(6);
	CHECK_EQ("global entry matches any ASID", probe_ld(VA_MAP + 0x10, 0),
		 0x1111222233334444ul);
	set_asid(0);
}

static u64 refill_hook(struct exc_frame *f, struct exc_rec *r)
{
	(void)f;
	if (r->vector != VEC_XTLB && r->vector != VEC_TLB)
		return 0;
	/* EntryHi already holds the faulting VPN2 and the current ASID */
	MTC0(5, 0, 0);
	DMTC0(2, 0, lo(pages[2], C3 | DVG));
	DMTC0(3, 0, lo(pages[3], C3 | DVG));
	__asm__ volatile("tlbwr\n\tehb" ::: "memory");
	return r->epc; /* retry the access */
}

/* Access with Status.EXL=1 set by the caller's fake EPC; see below. */
u64 exl_probe(u64 va, u64 fake_epc);
extern char exl_probe_pc[], exl_probe_ret[];
__asm__(".text\n"
	".set push\n.set noreorder\n"
	".globl exl_probe\n"
	"exl_probe:\n"
	"	dmtc0	$a1, $14\n"
	"	mfc0	$t0, $12\n"
	"	ori	$t0, $t0, 2\n" /* EXL */
	"	mtc0	$t0, $12\n"
	"	ehb\n"
	"exl_probe_pc:\n"
	"	lw	$v0, 0($a0)\n"
	"	mfc0	$t0, $12\n" /* not reached when the load faults */
	"	xori	$t0, $t0, 2\n"
	"	mtc0	$t0, $12\n"
	"	ehb\n"
	"exl_probe_ret:\n"
	"	jr	$ra\n"
	"	nop\n"
	".set pop\n");

static void refills(void)
{
	struct exc_rec *r = &exc_state.rec[0];
	u64 st = read_status();

	DMTC0(4, 0, 0xffffffffc0000000ul); /* Context.PTEBase */
	DMTC0(20, 0, 0);		   /* XContext.PTEBase = 0 */

	exc_arm(1);
	probe_lw(VA_NOMAP, 0);
	chk_exc("xuseg load refill (UX=1)", EXC_TLBL, (u64)probe_lw_pc, 0);
	CHECK_EQ("xuseg load refill vector", r->vector, VEC_XTLB);
	CHECK_EQ("xuseg load refill BadVAddr", r->badvaddr, VA_NOMAP);
	CHECK_EQ("xuseg load refill EntryHi", r->entryhi, VA_NOMAP & ~0x1ffful);
	CHECK_EQ("xuseg load refill Context", r->context,
		 0xffffffffc0000000ul | ((VA_NOMAP >> 13) & 0x7ffff) << 4);
	CHECK_EQ("xuseg load refill XContext", r->xcontext,
		 (VA_NOMAP >> 13) << 4);

	exc_arm(1);
	probe_sd(VA_NOMAP + 0x2000, 1);
	chk_exc("xuseg store refill", EXC_TLBS, (u64)probe_sd_pc, 0);
	CHECK_EQ("xuseg store refill vector", r->vector, VEC_XTLB);
	CHECK_EQ("xuseg store refill BadVAddr", r->badvaddr, VA_NOMAP + 0x2000);
	CHECK_EQ("xuseg store refill EntryHi", r->entryhi,
		 (VA_NOMAP + 0x2000) & ~0x1ffful);

	exc_arm(1);
	probe_exec(VA_NOMAP + 0x8);
	chk_exc("instruction fetch refill", EXC_TLBL, VA_NOMAP + 0x8, 0);
	CHECK_EQ("instruction fetch refill BadVAddr", r->badvaddr, VA_NOMAP + 8);

	/* Refill handler installs the mapping, the access is retried */
	*(volatile u32 *)&pages[3][0x44] = 0x0badcafe;
	exc_arm(1);
	exc_set_hook(refill_hook);
	u64 v = probe_lw(VA_RETRY + 0x1044, 0);
	chk_exc("refill and retry", EXC_TLBL, (u64)probe_lw_pc, 0);
	CHECK_EQ("refill and retry value", v, 0x0badcafe);

	/* 32-bit addressing for useg (UX=0): vector 0x000 */
	write_status(st & ~(u64)ST_UX);
	exc_arm(1);
	probe_lw(VA_32 + 0x104, 0);
	write_status(st);
	chk_exc("useg refill with UX=0", EXC_TLBL, (u64)probe_lw_pc, 0);
	CHECK_EQ("useg refill with UX=0 vector", r->vector, VEC_TLB);
	CHECK_EQ("useg refill with UX=0 BadVAddr", r->badvaddr, VA_32 + 0x104);

	/* kseg2 (mapped kernel segment): KX selects the vector */
	exc_arm(1);
	probe_lw(VA_KSEG2, 0);
	chk_exc("kseg2 refill with KX=1", EXC_TLBL, (u64)probe_lw_pc, 0);
	CHECK_EQ("kseg2 refill with KX=1 vector", r->vector, VEC_XTLB);
	/* EntryHi.R = 3; VPN2 bits above 31 depend on SEGBITS: not shown */
	CHECK_EQ("kseg2 refill with KX=1 EntryHi R and VPN2[31:13]",
		 r->entryhi & 0xc0000000fffffffful, 0xc0000000c0004000ul);
	write_status(st & ~(u64)ST_KX);
	exc_arm(1);
	probe_lw(VA_KSEG2, 0);
	write_status(st);
	chk_exc("kseg2 refill with KX=0", EXC_TLBL, (u64)probe_lw_pc, 0);
	CHECK_EQ("kseg2 refill with KX=0 vector", r->vector, VEC_TLB);
	CHECK_EQ("kseg2 refill with KX=0 BadVAddr", r->badvaddr, VA_KSEG2);

	/* Refill while EXL=1: general vector, EPC (and BD) not updated */
	exc_arm(1);
	exc_resume_at((u64)exl_probe_ret);
	exl_probe(VA_NOMAP, 0xffffffff80012340ul);
	chk_exc("refill with EXL=1 keeps EPC", EXC_TLBL, 0xffffffff80012340ul, 0);
	CHECK_EQ("refill with EXL=1 vector", r->vector, VEC_GENERAL);
	CHECK_EQ("refill with EXL=1 BadVAddr", r->badvaddr, VA_NOMAP);
	CHECK_TRUE("EXL cleared by eret", !(read_status() & ST_EXL));
}

static void invalid_modified(void)
{
	struct exc_rec *r = &exc_state.rec[0];

	tlb_write_indexed(4, 0, VA_INV, lo(pages[0], C3 | ENTRYLO_D | ENTRYLO_G),
			  lo(pages[1], C3 | ENTRYLO_V | ENTRYLO_G));
	exc_arm(1);
	probe_lw(VA_INV + 0x10, 0);
	chk_exc("TLB invalid load", EXC_TLBL, (u64)probe_lw_pc, 0);
	CHECK_EQ("TLB invalid load vector", r->vector, VEC_GENERAL);
	CHECK_EQ("TLB invalid load BadVAddr", r->badvaddr, VA_INV + 0x10);
	CHECK_EQ("TLB invalid load EntryHi", r->entryhi, VA_INV);
	CHECK_EQ("TLB invalid load Context.BadVPN2", r->context & 0x7ffff0,
		 ((VA_INV >> 13) & 0x7ffff) << 4);
	exc_arm(1);
	probe_sb(VA_INV + 0x11, 0);
	chk_exc("TLB invalid store", EXC_TLBS, (u64)probe_sb_pc, 0);
	CHECK_EQ("TLB invalid store vector", r->vector, VEC_GENERAL);

	/* odd page valid but clean (D=0): loads work, stores raise Mod */
	*(volatile u32 *)&pages[1][0x30] = 0x13579bdf;
	CHECK_EQ("clean page load", probe_lw(VA_INV + 0x1030, 0), 0x13579bdf);
	exc_arm(1);
	probe_sw(VA_INV + 0x1030, 0);
	chk_exc("TLB modified", EXC_MOD, (u64)probe_sw_pc, 0);
	CHECK_EQ("TLB modified vector", r->vector, VEC_GENERAL);
	CHECK_EQ("TLB modified BadVAddr", r->badvaddr, VA_INV + 0x1030);
	CHECK_EQ("TLB modified EntryHi", r->entryhi, VA_INV);
	CHECK_EQ("TLB modified memory unchanged",
		 *(volatile u32 *)&pages[1][0x30], 0x13579bdf);
	/* Partial-word accesses translate their own (unaligned) address:
	 * BadVAddr is that address, not the aligned word's. */
	exc_arm(1);
	probe_sdl(VA_INV + 0x1033, 0);
	chk_exc("TLB modified sdl", EXC_MOD, (u64)probe_sdl_pc, 0);
	CHECK_EQ("TLB modified sdl BadVAddr", r->badvaddr, VA_INV + 0x1033);
	exc_arm(1);
	probe_lwr(VA_INV + 0x13, 0);
	chk_exc("TLB invalid lwr", EXC_TLBL, (u64)probe_lwr_pc, 0);
	CHECK_EQ("TLB invalid lwr BadVAddr", r->badvaddr, VA_INV + 0x13);
}

void test_main(void)
{
	round_trips();
	translation();
	refills();
	invalid_modified();
}
