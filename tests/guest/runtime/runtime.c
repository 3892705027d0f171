/* Run-time initialisation, user-mode mapping, freestanding libc bits. */
#include "check.h"
#include "cp0.h"

/*
 * Give every TLB entry a distinct EntryHi in kseg0 (which is never
 * translated) and clear the EntryLo halves, so no entry matches a mapped
 * address and tlbwi/tlbwr can never create duplicate matches.
 */
static void tlb_init(void)
{
	unsigned n = tlb_entries();
	for (unsigned i = 0; i < n; i++)
		tlb_write_indexed(i, 0, EBASE_ADDR + ((u64)i << 13), 0, 0);
	DMTC0(10, 0, 0);
}

void runtime_init(void) { tlb_init(); }

/*
 * Map the .user section (8 KiB = one even/odd pair of 4 KiB pages) at
 * USER_BASE with TLB entry 0, global, cacheable, writable; Wired=1 so that
 * tlbwr never replaces it.
 */
void user_map(void)
{
	u64 pfn = kseg0_to_phys(__user_start) >> 12;
	u64 flags = ENTRYLO_C(3) | ENTRYLO_D | ENTRYLO_V | ENTRYLO_G;
	tlb_write_indexed(0, 0, USER_BASE, (pfn << 6) | flags,
			  ((pfn + 1) << 6) | flags);
	MTC0(6, 0, 1); /* Wired */
	DMTC0(10, 0, 0);
}

void *memcpy(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;
	while (n--)
		*dp++ = *sp++;
	return d;
}

void *memmove(void *d, const void *s, size_t n)
{
	u8 *dp = d;
	const u8 *sp = s;
	if (dp < sp)
		while (n--)
			*dp++ = *sp++;
	else
		while (n--)
			dp[n] = sp[n];
	return d;
}

void *memset(void *d, int c, size_t n)
{
	u8 *dp = d;
	while (n--)
		*dp++ = (u8)c;
	return d;
}

int memcmp(const void *a, const void *b, size_t n)
{
	const u8 *x = a, *y = b;
	for (; n; n--, x++, y++)
		if (*x != *y)
			return *x - *y;
	return 0;
}
