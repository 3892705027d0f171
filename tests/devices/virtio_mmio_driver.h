/*
 * What the device test programs share of a virtio-mmio (version 2) driver:
 * the register window, status, interrupt, feature and descriptor
 * definitions, register access, feature negotiation and queue programming,
 * bus-error probes and the small helpers their checks use.
 *
 * The including program defines VIRTIO_MMIO_BASE, the kseg1 address of the
 * device's register window (an expression; it may name a variable declared
 * before the include).
 */
#ifndef VIRTIO_MMIO_DRIVER_H
#define VIRTIO_MMIO_DRIVER_H

#include "check.h"
#include "cp0.h"

#ifndef VIRTIO_MMIO_BASE
#error "define VIRTIO_MMIO_BASE before including virtio_mmio_driver.h"
#endif

#define EXC_DBE 7

/* virtio-mmio version 2 registers */
#define R_MAGIC 0x000
#define R_VERSION 0x004
#define R_DEVICE_ID 0x008
#define R_VENDOR_ID 0x00c
#define R_DEV_FEATURES 0x010
#define R_DEV_FEATURES_SEL 0x014
#define R_DRV_FEATURES 0x020
#define R_DRV_FEATURES_SEL 0x024
#define R_QUEUE_SEL 0x030
#define R_QUEUE_NUM_MAX 0x034
#define R_QUEUE_NUM 0x038
#define R_QUEUE_READY 0x044
#define R_QUEUE_NOTIFY 0x050
#define R_INT_STATUS 0x060
#define R_INT_ACK 0x064
#define R_STATUS 0x070
#define R_QUEUE_DESC_LO 0x080
#define R_QUEUE_DESC_HI 0x084
#define R_QUEUE_DRIVER_LO 0x090
#define R_QUEUE_DRIVER_HI 0x094
#define R_QUEUE_DEVICE_LO 0x0a0
#define R_QUEUE_DEVICE_HI 0x0a4
#define R_CONFIG_GEN 0x0fc
#define R_CONFIG 0x100

/* Device status */
#define S_ACK 0x01
#define S_DRIVER 0x02
#define S_DRIVER_OK 0x04
#define S_FEATURES_OK 0x08
#define S_NEEDS_RESET 0x40
#define S_ALL_OK (S_ACK | S_DRIVER | S_FEATURES_OK | S_DRIVER_OK)

/* InterruptStatus */
#define ISR_USED 1
#define ISR_CONFIG 2

/* Feature bits every device type shares */
#define F_INDIRECT_DESC (1ul << 28)
#define F_VERSION_1 (1ul << 32)

/* Descriptor flags */
#define D_NEXT 1
#define D_WRITE 2
#define D_INDIRECT 4

#define QMAX 256	/* MANUAL: queues of up to 256 entries */

static inline u32 rd(unsigned off)
{
	return *(volatile u32 *)(VIRTIO_MMIO_BASE + off);
}
static inline void wr(unsigned off, u32 v)
{
	*(volatile u32 *)(VIRTIO_MMIO_BASE + off) = v;
}
static inline void mb(void) { __asm__ volatile("sync" ::: "memory"); }

struct vdesc {
	u64 addr;
	u32 len;
	u16 flags, next;
};

/* One buffer of a chain the program builds. */
struct seg {
	u64 pa;
	u32 len;
	u16 flags;
};
#define NSEG(a) (sizeof(a) / sizeof((a)[0]))

/* ---- small helpers ---- */

/* a followed by b, in one of four rotating buffers (check names). */
static inline const char *nm(const char *a, const char *b)
{
	static char buf[4][192];
	static unsigned k;
	char *p = buf[k++ & 3], *d = p;
	while (*a && d < p + 190)
		*d++ = *a++;
	while (*b && d < p + 190)
		*d++ = *b++;
	*d = 0;
	return p;
}

static inline int streq(const char *a, const char *b)
{
	while (*a && *a == *b)
		a++, b++;
	return *a == *b;
}

static inline void fill(volatile u8 *p, u8 v, u32 len)
{
	for (u32 i = 0; i < len; i++)
		p[i] = v;
}

static inline int same_fill(volatile u8 *p, u8 v, u32 len)
{
	for (u32 i = 0; i < len; i++)
		if (p[i] != v) {
			tprintf("  (byte %u: got 0x%02x want 0x%02x)\n", i, p[i], v);
			return 0;
		}
	return 1;
}

static inline int detail(const char *what, u64 got, u64 want)
{
	tprintf("  (%s: got 0x%lx want 0x%lx)\n", what, got, want);
	return 0;
}

/* A counter the device must show in the run record: "expect NAME VALUE",
 * which run_virtio_*.sh compares with it. */
static inline void print_expect(const char *name, u64 v)
{
	tprintf("expect %s %lu\n", name, v);
}

/* The last step of initialisation: DRIVER_OK reads back, and no interrupt
 * is pending. 1, or 0 after printing what differed. */
static inline int driver_ok(void)
{
	wr(R_STATUS, S_ALL_OK);
	if (rd(R_STATUS) != S_ALL_OK)
		return detail("Status after DRIVER_OK", rd(R_STATUS), S_ALL_OK);
	if (rd(R_INT_STATUS) != 0)
		return detail("InterruptStatus", rd(R_INT_STATUS), 0);
	return 1;
}

/* Each UHI argument (the words of -append; up to 63 characters) to fn. */
static inline void for_each_arg(void (*fn)(const char *arg))
{
	char buf[64];
	long argc = uhi_call(UHI_ARGC, 0, 0, 0);
	for (long i = 1; i < argc; i++) {
		long len = uhi_call(UHI_ARGNLEN, i, 0, 0);
		if (len <= 0 || len >= (long)sizeof(buf))
			continue;
		if (uhi_call(UHI_ARGN, i, (long)buf, 0) != 0)
			continue;
		buf[len] = 0;
		fn(buf);
	}
}

/* ---- driver ---- */

/* Ends the program with the failed check `what` unless a device answers a
 * load from the register window; then MagicValue and Version. */
static inline void require_device(const char *what)
{
	exc_arm(1);
	(void)probe_lw(VIRTIO_MMIO_BASE + R_MAGIC, 0);
	if (exc_state.count) {
		chk_noexc(what);
		test_finish();
	}
	exc_disarm();
	CHECK_EQ("MagicValue", rd(R_MAGIC), 0x74726976);
	CHECK_EQ("Version", rd(R_VERSION), 2);
}


static inline u64 device_features(void)
{
	wr(R_DEV_FEATURES_SEL, 1);
	u64 hi = rd(R_DEV_FEATURES);
	wr(R_DEV_FEATURES_SEL, 0);
	return hi << 32 | rd(R_DEV_FEATURES);
}

static inline void set_driver_features(u64 f)
{
	wr(R_DRV_FEATURES_SEL, 0);
	wr(R_DRV_FEATURES, (u32)f);
	wr(R_DRV_FEATURES_SEL, 1);
	wr(R_DRV_FEATURES, (u32)(f >> 32));
}

/* Select queue q, set its size and ring addresses and make it ready. */
static inline void queue_program(unsigned q, u32 num, u64 dpa, u64 apa, u64 upa)
{
	mb();
	wr(R_QUEUE_SEL, q);
	wr(R_QUEUE_NUM, num);
	wr(R_QUEUE_DESC_LO, (u32)dpa);
	wr(R_QUEUE_DESC_HI, (u32)(dpa >> 32));
	wr(R_QUEUE_DRIVER_LO, (u32)apa);
	wr(R_QUEUE_DRIVER_HI, (u32)(apa >> 32));
	wr(R_QUEUE_DEVICE_LO, (u32)upa);
	wr(R_QUEUE_DEVICE_HI, (u32)(upa >> 32));
	wr(R_QUEUE_READY, 1);
}

/* ---- bus errors ---- */

/* A load (probe, whose faulting instruction is at pc) from addr must take
 * a data bus error. */
static inline void dbe_load(const char *name, u64 (*probe)(u64, u64), char *pc,
			    u64 addr)
{
	exc_arm(1);
	probe(addr, 0);
	chk_exc(name, EXC_DBE, (u64)pc, 0);
}

/* Likewise a store of val. */
static inline void dbe_store(const char *name, void (*probe)(u64, u64), char *pc,
			     u64 addr, u64 val)
{
	exc_arm(1);
	probe(addr, val);
	chk_exc(name, EXC_DBE, (u64)pc, 0);
}

#endif
