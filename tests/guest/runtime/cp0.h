/* CP0 / CP1 access from C.  mfc0 sign-extends 32-bit registers. */
#ifndef GUEST_CP0_H
#define GUEST_CP0_H
#include "types.h"
#include "mips.h"

#define MFC0(reg, sel) ({ u64 v_; \
	__asm__ volatile("mfc0 %0, $" #reg ", " #sel : "=r"(v_)); v_; })
#define DMFC0(reg, sel) ({ u64 v_; \
	__asm__ volatile("dmfc0 %0, $" #reg ", " #sel : "=r"(v_)); v_; })
#define MTC0(reg, sel, val) \
	__asm__ volatile("mtc0 %0, $" #reg ", " #sel "\n\tehb" \
			 :: "r"((u64)(val)) : "memory")
#define DMTC0(reg, sel, val) \
	__asm__ volatile("dmtc0 %0, $" #reg ", " #sel "\n\tehb" \
			 :: "r"((u64)(val)) : "memory")

#define CP0_INDEX 0
#define CP0_RANDOM 1
#define CP0_ENTRYLO0 2
#define CP0_ENTRYLO1 3
#define CP0_CONTEXT 4
#define CP0_PAGEMASK 5
#define CP0_WIRED 6
#define CP0_HWRENA 7
#define CP0_BADVADDR 8
#define CP0_COUNT 9
#define CP0_ENTRYHI 10
#define CP0_COMPARE 11
#define CP0_STATUS 12
#define CP0_CAUSE 13
#define CP0_EPC 14
#define CP0_CONFIG 16
#define CP0_XCONTEXT 20

static inline u64 read_status(void) { return MFC0(12, 0); }
static inline void write_status(u64 v) { MTC0(12, 0, v); }
static inline u64 read_cause(void) { return MFC0(13, 0); }
static inline void write_cause(u64 v) { MTC0(13, 0, v); }
static inline u64 read_count(void) { return MFC0(9, 0) & 0xffffffffu; }
static inline void write_compare(u64 v) { MTC0(11, 0, v); }
static inline u64 read_compare(void) { return MFC0(11, 0) & 0xffffffffu; }
static inline u64 read_config1(void) { return MFC0(16, 1); }
static inline u64 read_config3(void) { return MFC0(16, 3); }

static inline u32 read_fcsr(void)
{
	u64 v;
	__asm__ volatile("cfc1 %0, $31" : "=r"(v));
	return (u32)v;
}
static inline void write_fcsr(u32 v)
{
	__asm__ volatile("ctc1 %0, $31" :: "r"((u64)v) : "memory");
}

/* Convert a kseg0 address to a physical address. */
static inline u64 kseg0_to_phys(const void *p) { return (u64)p & 0x1fffffffu; }

/* Number of TLB entries (Config1.MMUSize + 1).  Never printed. */
static inline unsigned tlb_entries(void)
{
	return (unsigned)((read_config1() >> 25) & 63) + 1;
}

/* Write TLB entry `index` (PageMask, EntryHi, EntryLo0/1 as given). */
static inline void tlb_write_indexed(unsigned index, u64 pagemask, u64 hi,
				     u64 lo0, u64 lo1)
{
	MTC0(0, 0, index);
	MTC0(5, 0, pagemask);
	DMTC0(10, 0, hi);
	DMTC0(2, 0, lo0);
	DMTC0(3, 0, lo1);
	__asm__ volatile("tlbwi\n\tehb" ::: "memory");
}
#endif
