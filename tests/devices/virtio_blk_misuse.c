/*
 * virtio-blk over virtio-mmio (version 2), programmed directly by a
 * bare-metal guest: the guest-visible contract of MANUAL.md section 3,
 * "Virtual disks (virtio-blk over virtio-mmio)", and the memory map above it.
 *
 * Slot 0 (physical 0x1fe10000, 512-byte window, interrupt IP4) must hold the
 * disk under test; slot 1 must be empty.  The program runs with -m 128M and
 * takes its expectations from the UHI arguments (the words of -append):
 *   ro            the disk was attached with readonly=on
 *   sectors=N     the image size in 512-byte sectors (default 2048)
 *   serial=STR    what GET_ID must return (default mipshv-vda)
 *   snapshot      the disk was attached with snapshot=on (FLUSH syncs nothing)
 *   hvregion      the run uses a hypervisor mode (--mode trap): the top
 *                 1 MiB of low RAM is the hypervisor's region, which is not
 *                 guest memory (MANUAL.md section 6), so device DMA there
 *                 must fail like DMA outside RAM
 * The image holds pat(sector, byte) (see below), except sector 200, which
 * holds a little MIPS function (CODE_SECTOR); run_virtio_blk.sh creates
 * it and afterwards compares the image file with what the good writes of
 * this program must have left (sectors 5, 100, 101 and the last one hold
 * pat ^ 0xa5 on a writable disk; nothing changes on a read-only one).
 * Every failing write targets a sector of its own in 10..40 (or sector 0
 * or the last sector), so the host-side comparison catches any write that
 * should not have reached the image.
 *
 * Sections: register window and access sizes (bus errors); the driver
 * handshake (reset, ACKNOWLEDGE, DRIVER, FEATURES_OK, DRIVER_OK), features,
 * capacity and the rest of the configuration space; good I/O (IN, OUT,
 * FLUSH, GET_ID, batches, the used-buffer interrupt on IP4, framing that
 * ignores buffer boundaries, wrong-size stores); and every row
 * of the "What the guest sees when it programs the device wrongly" table:
 * malformed requests (IOERR, chain returned), sector ranges past the end,
 * a write on a read-only disk, unknown request types (UNSUPP), QueueNotify
 * while not ready, FEATURES_OK with features that were not offered, bad
 * queue sizes and ring addresses and bad chains (DEVICE_NEEDS_RESET and a
 * configuration-change interrupt).  After each DEVICE_NEEDS_RESET case the
 * device is reset (Status = 0), re-initialised and must serve a request.
 * Then an IN over code that has already run (it must run as read, after
 * SYNCI) and, with "hvregion", DMA into the hypervisor's region.
 *
 * Every request, notify, reset and violation adds to what the device must
 * count (each misuse names how the device fails it: enum fault); at the end
 * the program prints every counter of the device and its transport as
 * "expect NAME VALUE", which run_virtio_blk.sh compares with the run record.
 *
 * Where MANUAL.md leaves a detail open the virtio 1.x specification decides:
 * the used length of a good request counts the data bytes written plus the
 * status byte, GET_ID pads the serial with NULs to 20 bytes, a queue that
 * does not exist has QueueNumMax 0, reset clears InterruptStatus.
 */
#include "check.h"
#include "cp0.h"

#define SLOT0 0xffffffffbfe10000ul /* kseg1 alias of 0x1fe10000 */
#define VIRTIO_MMIO_BASE SLOT0
#include "virtio_mmio_driver.h"

/* The board (MANUAL.md section 3); the test runs with -m 128M. */
#define RAM_END 0x08000000ul
#define SLOT1 0xffffffffbfe11000ul
#define UART_PA 0x1fe00000ul

/* Feature bits */
#define F_SEG_MAX (1ul << 2)
#define F_RO (1ul << 5)
#define F_FLUSH (1ul << 9)

/* Requests */
#define T_IN 0
#define T_OUT 1
#define T_FLUSH 4
#define T_GET_ID 8
#define ST_OK 0
#define ST_IOERR 1
#define ST_UNSUPP 2
#define ST_UNTOUCHED 0xff /* what the driver put in the status byte */

#define QN 16		/* the queue size used for normal operation */

static inline int ip4(void) { return (read_cause() & CA_IP(4)) != 0; }

/*
 * Memory shared with the device, accessed through kseg1 (uncached).
 * Offsets in dma_area: rings, request headers, status bytes, GET_ID buffer,
 * a spare readable buffer, an indirect table and four 2 KiB data buffers.
 */
static u8 dma_area[0x8000] __attribute__((aligned(4096)));
#define O_DESC 0x0000
#define O_AVAIL 0x1000
#define O_USED 0x2000
#define O_RINGS_END 0x3000
#define O_HDR 0x3000 /* 16 bytes each, 0..7 */
#define O_STATUS 0x3100 /* 1 byte each, 0..15 */
#define O_ID 0x3200
#define O_EXTRA 0x3300
#define O_INDIRECT 0x3400
#define O_DATA 0x4000 /* 0x800 each, 0..3 */

static u64 unc(u64 off) { return (u64)dma_area + 0x20000000ul + off; }
static u64 pa(u64 off) { return ((u64)dma_area & 0x1ffffffful) + off; }
static volatile u8 *p8(u64 off) { return (volatile u8 *)unc(off); }

/* The driver's view of queue 0. */
static struct {
	unsigned n;
	u64 d_off, a_off, u_off; /* ring offsets in dma_area */
	u16 avail_idx, used_seen;
	u64 features; /* negotiated */
} q;

static volatile struct vdesc *desc(unsigned i)
{
	return (volatile struct vdesc *)unc(q.d_off) + i;
}
static volatile u16 *avail(void) { return (volatile u16 *)unc(q.a_off); }
static volatile u16 *used16(void) { return (volatile u16 *)unc(q.u_off); }
static volatile u32 *used_elem(unsigned i)
{
	return (volatile u32 *)unc(q.u_off + 4) + 2 * i;
}
static u16 used_idx(void)
{
	mb();
	return used16()[1];
}

/* Expectations (UHI arguments). */
static int expect_ro, snapshot, hv_region;
static u64 expect_sectors = 2048;
static char expect_serial[21] = "mipshv-vda";

/* ---- small helpers ---- */

static int prefix(const char *s, const char *p)
{
	while (*p)
		if (*s++ != *p++)
			return 0;
	return 1;
}

static void parse_arg(const char *buf)
{
	if (streq(buf, "ro")) {
		expect_ro = 1;
	} else if (streq(buf, "snapshot")) {
		snapshot = 1;
	} else if (streq(buf, "hvregion")) {
		hv_region = 1;
	} else if (prefix(buf, "sectors=")) {
		u64 v = 0;
		for (const char *s = buf + 8; *s >= '0' && *s <= '9'; s++)
			v = v * 10 + (u64)(*s - '0');
		expect_sectors = v;
	} else if (prefix(buf, "serial=")) {
		unsigned j = 0;
		for (const char *s = buf + 7; *s && j < 20; s++)
			expect_serial[j++] = *s;
		expect_serial[j] = 0;
	}
}

static void parse_args(void) { for_each_arg(parse_arg); }

/* The image: byte j of sector s; good writes store pat ^ 0xa5. */
static u8 pat(u64 s, u32 j)
{
	return (u8)((((u32)s * 0x9e3779b1u) ^ (j * 0x85ebca77u)) >> 24);
}
#define WRITTEN 0xa5

/*
 * Sector 200 of the image holds code instead of the pattern:
 * "li v0, 0x1234; jr ra; nop", then zeros (run_virtio_blk.sh writes it).
 */
#define CODE_SECTOR 200
#define CODE_VALUE 0x1234

static volatile u8 *data(unsigned i) { return p8(O_DATA + 0x800ul * i); }

static void fill_pattern(volatile u8 *p, u64 sector, unsigned nsec, u8 x)
{
	for (u32 i = 0; i < nsec * 512u; i++)
		p[i] = pat(sector + i / 512, i % 512) ^ x;
}

/* 1 when p holds sectors [sector, sector+nsec) (xor x); else prints the
 * first difference. */
static int same_pattern(volatile u8 *p, u64 sector, unsigned nsec, u8 x)
{
	for (u32 i = 0; i < nsec * 512u; i++) {
		u8 want = pat(sector + i / 512, i % 512) ^ x;
		if (p[i] != want) {
			tprintf("  (sector %lu byte %u: got 0x%02x want 0x%02x)\n",
				sector + i / 512, i % 512, p[i], want);
			return 0;
		}
	}
	return 1;
}

static void set_hdr(unsigned k, u32 type, u64 sector)
{
	volatile u32 *h = (volatile u32 *)unc(O_HDR + 16ul * k);
	h[0] = type;
	h[1] = 0;
	*(volatile u64 *)(h + 2) = sector;
}

/* ---- what the device must count ---- */

/* The device's counters and its transport's (hv/dev/virtio/block_counters.def,
 * transport_counters.def) as this program's requests, notifies and resets
 * must make them. */
static struct {
	u64 notifications, ignored, requests, interrupts, resets, refused;
	u64 bad_queues, bad_chains, malformed;
	u64 in, out, flush, get_id, unsupported;
	u64 sectors_read, sectors_written, host_syncs, out_of_range, read_only;
} expect;

/* How the device must answer a request (MANUAL.md, "What the guest sees
 * when it programs the device wrongly"), and so count it. */
enum fault {
	SERVED,		/* OK, or UNSUPP for an unknown type: counted by type */
	BAD_CHAIN,	/* a buffer outside RAM, of zero length, or readable
			 * after a writable one: malformed_chains and
			 * malformed_requests; not counted by type */
	BAD_FRAME,	/* no device-writable status byte, or fewer than 16
			 * readable header bytes: malformed_requests only */
	BAD_LAYOUT,	/* data its type does not allow: counted by type, and
			 * malformed_requests */
	PAST_END,	/* counted by type, and errors_out_of_range */
	READ_ONLY,	/* an OUT on a read-only disk: requests_out and
			 * errors_read_only */
};

static u64 *type_counter(u32 type)
{
	switch (type) {
	case T_IN: return &expect.in;
	case T_OUT: return &expect.out;
	case T_FLUSH: return &expect.flush;
	case T_GET_ID: return &expect.get_id;
	default: return &expect.unsupported;
	}
}

/* Bytes in a chain's device-writable (D_WRITE) or device-readable (0) buffers. */
static u64 seg_bytes(const struct seg *s, unsigned ns, u16 writable)
{
	u64 n = 0;
	for (unsigned i = 0; i < ns; i++)
		if ((s[i].flags & D_WRITE) == writable)
			n += s[i].len;
	return n;
}

/* The type word of a chain's header: the start of its first readable
 * buffer (in low RAM whenever the device gets as far as the header). */
static u32 header_type(const struct seg *s, unsigned ns)
{
	for (unsigned i = 0; i < ns; i++)
		if (!(s[i].flags & D_WRITE))
			return *(volatile u32 *)(0xffffffffa0000000ul | s[i].pa);
	return ~0u;
}

/* One chain of s[] served (taken and returned) and answered as f says. */
static void count_request(const struct seg *s, unsigned ns, enum fault f)
{
	expect.requests++;
	if (f == BAD_CHAIN)
		expect.bad_chains++;
	if (f == BAD_CHAIN || f == BAD_FRAME || f == BAD_LAYOUT)
		expect.malformed++;
	if (f == BAD_CHAIN || f == BAD_FRAME)
		return;
	u32 type = header_type(s, ns);
	++*type_counter(type);
	if (f == PAST_END)
		expect.out_of_range++;
	else if (f == READ_ONLY)
		expect.read_only++;
	else if (f != SERVED)
		;
	else if (type == T_IN)
		expect.sectors_read += (seg_bytes(s, ns, D_WRITE) - 1) / 512;
	else if (type == T_OUT)
		expect.sectors_written += (seg_bytes(s, ns, 0) - 16) / 512;
	else if (type == T_FLUSH && !snapshot)
		expect.host_syncs++; /* cache=writeback: one fdatasync a flush */
}

/* QueueNotify that the device serves: `served` chains come back (each
 * counted by count_request), with one used-buffer interrupt if any did. */
static void notify(unsigned served)
{
	wr(R_QUEUE_NOTIFY, 0);
	expect.notifications++;
	if (served)
		expect.interrupts++;
}

/* QueueNotify that the device must ignore: not DRIVER_OK, no ready queue,
 * or DEVICE_NEEDS_RESET. */
static void notify_ignored(void)
{
	wr(R_QUEUE_NOTIFY, 0);
	expect.ignored++;
}

/* A broken queue: DEVICE_NEEDS_RESET and a configuration-change interrupt. */
static void queue_broken(void)
{
	expect.bad_queues++;
	expect.interrupts++;
}

static void reset_device(void)
{
	wr(R_STATUS, 0);
	expect.resets++;
}

static void print_expectations(void)
{
	print_expect("queue_notifications", expect.notifications);
	print_expect("ignored_notifications", expect.ignored);
	print_expect("requests", expect.requests);
	print_expect("interrupts_raised", expect.interrupts);
	print_expect("device_resets", expect.resets);
	print_expect("features_refused", expect.refused);
	print_expect("malformed_queues", expect.bad_queues);
	print_expect("malformed_chains", expect.bad_chains);
	print_expect("requests_in", expect.in);
	print_expect("requests_out", expect.out);
	print_expect("requests_flush", expect.flush);
	print_expect("requests_get_id", expect.get_id);
	print_expect("requests_unsupported", expect.unsupported);
	print_expect("sectors_read", expect.sectors_read);
	print_expect("sectors_written", expect.sectors_written);
	print_expect("bytes_read", expect.sectors_read * 512);
	print_expect("bytes_written", expect.sectors_written * 512);
	print_expect("host_syncs", expect.host_syncs);
	print_expect("errors_host_io", 0);
	print_expect("errors_out_of_range", expect.out_of_range);
	print_expect("errors_read_only", expect.read_only);
	print_expect("malformed_requests", expect.malformed);
}

/* ---- driver ---- */

static void ring_state_reset(unsigned n, u64 d_off, u64 a_off, u64 u_off)
{
	volatile u64 *p = (volatile u64 *)unc(O_DESC);
	for (unsigned i = 0; i < O_RINGS_END / 8; i++)
		p[i] = 0;
	q.n = n;
	q.d_off = d_off;
	q.a_off = a_off;
	q.u_off = u_off;
	q.avail_idx = q.used_seen = 0;
	mb();
}

/*
 * Reset, ACKNOWLEDGE, DRIVER, write the driver features (what we use of the
 * offered ones, plus `add`, minus `remove`) and set FEATURES_OK.  Returns 1
 * when FEATURES_OK reads back set.
 */
static int negotiate(u64 add, u64 remove)
{
	reset_device();
	wr(R_STATUS, S_ACK);
	wr(R_STATUS, S_ACK | S_DRIVER);
	u64 f = device_features() & (F_VERSION_1 | F_RO | F_FLUSH);
	q.features = (f | add) & ~remove;
	set_driver_features(q.features);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	return (rd(R_STATUS) & S_FEATURES_OK) != 0;
}

/* The whole initialisation with the rings at the given offsets. */
static int dev_init_at(unsigned n, u64 d_off, u64 a_off, u64 u_off)
{
	ring_state_reset(n, d_off, a_off, u_off);
	if (!negotiate(0, 0))
		return detail("Status after FEATURES_OK", rd(R_STATUS),
			      S_ACK | S_DRIVER | S_FEATURES_OK);
	queue_program(0, n, pa(d_off), pa(a_off), pa(u_off));
	if (rd(R_QUEUE_READY) != 1)
		return detail("QueueReady", rd(R_QUEUE_READY), 1);
	return driver_ok();
}

static int dev_init(void) { return dev_init_at(QN, O_DESC, O_AVAIL, O_USED); }

#define HDR(k) { pa(O_HDR + 16ul * (k)), 16, 0 }
#define STS(k) { pa(O_STATUS + (k)), 1, D_WRITE }
#define DIN(i, len) { pa(O_DATA + 0x800ul * (i)), (len), D_WRITE }
#define DOUT(i, len) { pa(O_DATA + 0x800ul * (i)), (len), 0 }

/* Write a chain at descriptors base, base+1, ...; returns the head. */
static u16 chain_at(unsigned base, const struct seg *s, unsigned ns)
{
	for (unsigned i = 0; i < ns; i++) {
		volatile struct vdesc *d = desc(base + i);
		d->addr = s[i].pa;
		d->len = s[i].len;
		d->flags = s[i].flags | (i + 1 < ns ? D_NEXT : 0);
		d->next = (u16)(i + 1 < ns ? base + i + 1 : 0);
	}
	return (u16)base;
}

/* Alternate between the two halves of the descriptor table. */
static u16 chain(const struct seg *s, unsigned ns)
{
	return chain_at((q.avail_idx & 1) ? q.n / 2 : 0, s, ns);
}

static void push(u16 head)
{
	avail()[2 + q.avail_idx % q.n] = head;
	mb();
	q.avail_idx++;
	avail()[1] = q.avail_idx;
	mb();
}

/*
 * After a notify: exactly one chain (head) came back with want_len, the
 * status byte (st_off >= 0) holds want_st, InterruptStatus is exactly the
 * used-buffer bit with IP4 pending until InterruptACK, the device is still
 * DRIVER_OK without DEVICE_NEEDS_RESET.
 */
static void check_done(const char *name_in, u16 head, int st_off,
		       u8 want_st, u32 want_len)
{
	char name[192];
	for (unsigned i = 0; i < sizeof(name); i++)
		if (!(name[i] = name_in[i]))
			break;
	name[sizeof(name) - 1] = 0;
	u16 before = q.used_seen;
	u16 idx = used_idx();
	CHECK_EQ(nm(name, ": used idx"), idx, (u16)(before + 1));
	if (idx != before) {
		volatile u32 *e = used_elem(before % q.n);
		CHECK_EQ(nm(name, ": used id"), e[0], head);
		CHECK_EQ(nm(name, ": used len"), e[1], want_len);
		q.used_seen = idx;
	}
	if (st_off >= 0)
		CHECK_EQ(nm(name, ": status byte"), *p8((u64)st_off), want_st);
	u32 isr = rd(R_INT_STATUS);
	CHECK_EQ(nm(name, ": InterruptStatus"), isr, ISR_USED);
	CHECK_TRUE(nm(name, ": Cause.IP4 pending"), ip4());
	wr(R_INT_ACK, isr);
	CHECK_TRUE(nm(name, ": InterruptACK clears InterruptStatus and IP4"),
		   rd(R_INT_STATUS) == 0 && !ip4());
	CHECK_EQ(nm(name, ": Status"), rd(R_STATUS), S_ALL_OK);
}

static void request(enum fault f, const char *name, const struct seg *s,
		    unsigned ns, int st_off, u8 want_st, u32 want_len)
{
	if (st_off >= 0)
		*p8((u64)st_off) = ST_UNTOUCHED;
	u16 head = chain(s, ns);
	push(head);
	notify(1);
	count_request(s, ns, f);
	check_done(name, head, st_off, want_st, want_len);
}

#define ST_OFF(k) (O_STATUS + (k))

/* A request without printed checks: 1 when it came back with status OK. */
static int quiet_request(const struct seg *s, unsigned ns, int st_off)
{
	*p8((u64)st_off) = ST_UNTOUCHED;
	u16 before = q.used_seen;
	u16 head = chain(s, ns);
	push(head);
	notify(1);
	count_request(s, ns, SERVED);
	u16 idx = used_idx();
	if (idx != (u16)(before + 1))
		return detail("used idx", idx, (u16)(before + 1));
	q.used_seen = idx;
	if (used_elem(before % q.n)[0] != head)
		return detail("used id", used_elem(before % q.n)[0], head);
	if (*p8((u64)st_off) != ST_OK)
		return detail("status byte", *p8((u64)st_off), ST_OK);
	wr(R_INT_ACK, rd(R_INT_STATUS));
	return 1;
}

/* Read sector s into data buffer 3 and compare with the image (xor x). */
static int read_back(u64 s, u8 x)
{
	fill(data(3), 0xcc, 512);
	set_hdr(7, T_IN, s);
	struct seg r[] = { HDR(7), DIN(3, 512), STS(15) };
	return quiet_request(r, 3, ST_OFF(15)) && same_pattern(data(3), s, 1, x);
}

/* What a sector must hold now: written by the good path (rw) or not. */
static u8 now(u64 s)
{
	if (expect_ro)
		return 0;
	return (s == 5 || s == 100 || s == 101 || s == expect_sectors - 1)
		       ? WRITTEN : 0;
}

/* Reset after DEVICE_NEEDS_RESET and check the device works again. */
static void recover(const char *name)
{
	reset_device();
	CHECK_EQ(nm(name, ": after reset: Status"), rd(R_STATUS), 0);
	CHECK_EQ(nm(name, ": after reset: InterruptStatus"),
		 rd(R_INT_STATUS), 0);
	CHECK_TRUE(nm(name, ": after reset: Cause.IP4 clear"), !ip4());
	wr(R_QUEUE_SEL, 0);
	CHECK_EQ(nm(name, ": after reset: QueueReady"), rd(R_QUEUE_READY), 0);
	CHECK_TRUE(nm(name, ": re-initialised, sector 0 reads back"),
		   dev_init() && read_back(0, now(0)));
}

/* ---- 1. register window and access sizes ---- */

static void registers(void)
{
	tprintf("-- register window\n");
	require_device("a device in slot 0 (lw MagicValue)");
	CHECK_EQ("DeviceID (block)", rd(R_DEVICE_ID), 2);
	exc_arm(1);
	CHECK_EQ("lwu MagicValue", probe_lwu(SLOT0 + R_MAGIC, 0), 0x74726976);
	chk_noexc("lwu MagicValue (4 bytes)");
	exc_arm(1);
	(void)probe_lw(SLOT0 + R_VENDOR_ID, 0);
	chk_noexc("lw VendorID");

	tprintf("-- wrong access sizes and unmapped space: bus errors\n");
	dbe_load("lb MagicValue", probe_lb, probe_lb_pc, SLOT0 + R_MAGIC);
	dbe_load("lbu Version", probe_lbu, probe_lbu_pc, SLOT0 + R_VERSION);
	dbe_load("lbu Status+1", probe_lbu, probe_lbu_pc, SLOT0 + R_STATUS + 1);
	dbe_load("lh DeviceID", probe_lh, probe_lh_pc, SLOT0 + R_DEVICE_ID);
	dbe_load("lhu QueueNumMax+2", probe_lhu, probe_lhu_pc,
		 SLOT0 + R_QUEUE_NUM_MAX + 2);
	dbe_load("ld MagicValue", probe_ld, probe_ld_pc, SLOT0 + R_MAGIC);
	dbe_load("ld InterruptStatus", probe_ld, probe_ld_pc,
		 SLOT0 + R_INT_STATUS);
	dbe_load("lw slot 0 + 0x200 (past the 512-byte window)", probe_lw,
		 probe_lw_pc, SLOT0 + 0x200);
	dbe_load("lw slot 1 (empty slot)", probe_lw, probe_lw_pc,
		 SLOT1 + R_MAGIC);
	/* nothing above may have disturbed the device */
	CHECK_EQ("Status after the bad reads", rd(R_STATUS) & S_NEEDS_RESET, 0);
}

/* ---- 2. handshake, features, configuration space ---- */

static void config_space(void)
{
	tprintf("-- configuration space\n");
	u64 lo = rd(R_CONFIG), hi = rd(R_CONFIG + 4);
	CHECK_EQ("capacity (two lw)", hi << 32 | lo, expect_sectors);
	u64 cap = hi << 32 | lo;
	exc_arm(1);
	CHECK_EQ("capacity (ld)", probe_ld(SLOT0 + R_CONFIG, ~0ul), cap);
	chk_noexc("ld capacity: no bus error");
	exc_arm(1);
	CHECK_EQ("capacity byte 0 (lbu)", probe_lbu(SLOT0 + R_CONFIG, ~0ul),
		 cap & 0xff);
	chk_noexc("lbu capacity: no bus error");
	exc_arm(1);
	CHECK_EQ("capacity byte 1 (lbu)",
		 probe_lbu(SLOT0 + R_CONFIG + 1, ~0ul), cap >> 8 & 0xff);
	chk_noexc("lbu capacity+1: no bus error");
	exc_arm(1);
	CHECK_EQ("capacity bytes 2-3 (lhu)",
		 probe_lhu(SLOT0 + R_CONFIG + 2, ~0ul), cap >> 16 & 0xffff);
	chk_noexc("lhu capacity+2: no bus error");
	exc_arm(1);
	CHECK_EQ("capacity high word (lwu)",
		 probe_lwu(SLOT0 + R_CONFIG + 4, ~0ul), cap >> 32);
	chk_noexc("lwu capacity+4: no bus error");
	u32 g0 = rd(R_CONFIG_GEN), g1 = rd(R_CONFIG_GEN);
	CHECK_TRUE("ConfigGeneration stable", g0 == g1);
}

static void handshake(void)
{
	tprintf("-- handshake\n");
	reset_device();
	CHECK_EQ("reset: Status", rd(R_STATUS), 0);
	CHECK_EQ("reset: InterruptStatus", rd(R_INT_STATUS), 0);
	wr(R_STATUS, S_ACK);
	CHECK_EQ("Status ACKNOWLEDGE", rd(R_STATUS), S_ACK);
	wr(R_STATUS, S_ACK | S_DRIVER);
	CHECK_EQ("Status DRIVER", rd(R_STATUS), S_ACK | S_DRIVER);

	u64 f = device_features();
	CHECK_TRUE("feature VERSION_1 offered", f & F_VERSION_1);
	CHECK_EQ("feature RO offered", !!(f & F_RO), expect_ro);
	/* A writable disk with cache=writeback has a volatile cache to flush; a read-only one has none. */
	CHECK_EQ("feature FLUSH offered (writable, cache=writeback)", !!(f & F_FLUSH), !expect_ro);
	CHECK_TRUE("feature INDIRECT_DESC not offered",
		   !(f & F_INDIRECT_DESC));
	q.features = f & (F_VERSION_1 | F_RO | F_FLUSH);
	set_driver_features(q.features);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	CHECK_EQ("Status FEATURES_OK accepted", rd(R_STATUS),
		 S_ACK | S_DRIVER | S_FEATURES_OK);

	wr(R_QUEUE_SEL, 1);
	CHECK_EQ("queue 1 (none): QueueNumMax", rd(R_QUEUE_NUM_MAX), 0);
	wr(R_QUEUE_SEL, 0);
	CHECK_EQ("queue 0: QueueNumMax", rd(R_QUEUE_NUM_MAX), QMAX);
	CHECK_EQ("queue 0: QueueReady before set-up", rd(R_QUEUE_READY), 0);
	ring_state_reset(QN, O_DESC, O_AVAIL, O_USED);
	queue_program(0, QN, pa(O_DESC), pa(O_AVAIL), pa(O_USED));
	CHECK_EQ("queue 0: QueueReady", rd(R_QUEUE_READY), 1);

	/* QueueNotify before DRIVER_OK: ignored; the request stays queued */
	fill(data(0), 0xcc, 512);
	set_hdr(0, T_IN, 0);
	*p8(ST_OFF(0)) = ST_UNTOUCHED;
	struct seg r[] = { HDR(0), DIN(0, 512), STS(0) };
	u16 head = chain(r, 3);
	push(head);
	notify_ignored();
	const char *n = "notify before DRIVER_OK";
	CHECK_EQ(nm(n, ": ignored: used idx"), used_idx(), 0);
	CHECK_EQ(nm(n, ": ignored: status byte"), *p8(ST_OFF(0)), ST_UNTOUCHED);
	CHECK_EQ(nm(n, ": ignored: InterruptStatus"), rd(R_INT_STATUS), 0);
	CHECK_TRUE(nm(n, ": ignored: data buffer untouched"),
		   same_fill(data(0), 0xcc, 512));
	CHECK_EQ(nm(n, ": Status"), rd(R_STATUS),
		 S_ACK | S_DRIVER | S_FEATURES_OK);

	wr(R_STATUS, S_ALL_OK);
	CHECK_EQ("Status DRIVER_OK", rd(R_STATUS), S_ALL_OK);
	notify(1);
	count_request(r, 3, SERVED);
	check_done("IN sector 0 (queued before DRIVER_OK, next notify)", head,
		   ST_OFF(0), ST_OK, 513);
	CHECK_TRUE("IN sector 0: data", same_pattern(data(0), 0, 1, 0));
	config_space();
}

/* ---- 3. good I/O ---- */

static void write_sector_good(const char *name, u64 s)
{
	fill_pattern(data(0), s, 1, WRITTEN);
	set_hdr(0, T_OUT, s);
	struct seg r[] = { HDR(0), DOUT(0, 512), STS(0) };
	request(expect_ro ? READ_ONLY : SERVED, name, r, 3, ST_OFF(0), expect_ro ? ST_IOERR : ST_OK, 1);
}

static void read_sector(const char *name, u64 s, u8 x)
{
	fill(data(1), 0xcc, 512);
	set_hdr(1, T_IN, s);
	struct seg r[] = { HDR(1), DIN(1, 512), STS(1) };
	request(SERVED, name, r, 3, ST_OFF(1), ST_OK, 513);
	CHECK_TRUE(nm(name, ": data"), same_pattern(data(1), s, 1, x));
}

static void good_io(void)
{
	tprintf("-- good requests (%s disk)\n", expect_ro ? "read-only" : "writable");
	u64 last = expect_sectors - 1;

	fill(data(0), 0xcc, 1024);
	set_hdr(0, T_IN, 1);
	struct seg r2[] = { HDR(0), DIN(0, 512), { pa(O_DATA + 0x800 + 512), 512, D_WRITE }, STS(0) };
	fill(data(1) + 512, 0xcc, 512);
	request(SERVED, "IN sectors 1-2 (two buffers)", r2, 4, ST_OFF(0), ST_OK, 1025);
	CHECK_TRUE("IN sectors 1-2: first buffer", same_pattern(data(0), 1, 1, 0));
	CHECK_TRUE("IN sectors 1-2: second buffer",
		   same_pattern(data(1) + 512, 2, 1, 0));

	write_sector_good(expect_ro ? "OUT sector 5 (read-only disk: IOERR)"
				    : "OUT sector 5", 5);
	read_sector("IN sector 5", 5, now(5));
	read_sector("IN sector 4 (neighbour)", 4, 0);
	read_sector("IN sector 6 (neighbour)", 6, 0);

	/* two sectors from two buffers, read back as one */
	fill_pattern(data(0), 100, 1, WRITTEN);
	fill_pattern(data(2), 101, 1, WRITTEN);
	set_hdr(0, T_OUT, 100);
	struct seg w2[] = { HDR(0), DOUT(0, 512), DOUT(2, 512), STS(0) };
	request(expect_ro ? READ_ONLY : SERVED, expect_ro ? "OUT sectors 100-101 (read-only disk: IOERR)"
			  : "OUT sectors 100-101 (two buffers)",
		w2, 4, ST_OFF(0), expect_ro ? ST_IOERR : ST_OK, 1);
	fill(data(1), 0xcc, 1024);
	set_hdr(1, T_IN, 100);
	struct seg rr[] = { HDR(1), DIN(1, 1024), STS(1) };
	request(SERVED, "IN sectors 100-101 (one buffer)", rr, 3, ST_OFF(1), ST_OK, 1025);
	CHECK_TRUE("IN sectors 100-101: data",
		   same_pattern(data(1), 100, 2, now(100)));

	write_sector_good(expect_ro ? "OUT last sector (read-only disk: IOERR)"
				    : "OUT last sector", last);
	read_sector("IN last sector", last, now(last));

	/* FLUSH */
	set_hdr(2, T_FLUSH, 0);
	struct seg fl[] = { HDR(2), STS(2) };
	/* Served OK whether negotiated or not (a read-only disk has nothing to flush). */
	request(SERVED, "FLUSH", fl, 2, ST_OFF(2), ST_OK, 1);

	/* GET_ID: the serial, NUL-padded to 20 bytes */
	fill(p8(O_ID), 0xcc, 32);
	set_hdr(3, T_GET_ID, 0);
	struct seg id[] = { HDR(3), { pa(O_ID), 20, D_WRITE }, STS(3) };
	request(SERVED, "GET_ID", id, 3, ST_OFF(3), ST_OK, 21);
	int ok = 1, pad = 0;
	for (unsigned i = 0; i < 20; i++) {
		u8 want = pad ? 0 : (u8)expect_serial[i];
		if (!expect_serial[i])
			pad = 1;
		if (p8(O_ID)[i] != want) {
			tprintf("  (GET_ID byte %u: got 0x%02x want 0x%02x)\n",
				i, p8(O_ID)[i], want);
			ok = 0;
			break;
		}
	}
	CHECK_TRUE(nm("GET_ID: ", expect_serial), ok);
	CHECK_TRUE("GET_ID: nothing written past 20 bytes",
		   same_fill(p8(O_ID) + 20, 0xcc, 12));

	/* five requests, one notify */
	tprintf("-- batch\n");
	u16 start = q.used_seen;
	for (unsigned k = 0; k < 5; k++) {
		set_hdr(k, T_IN, 20 + k);
		*p8(ST_OFF(k)) = ST_UNTOUCHED;
		fill(p8(O_DATA + 512ul * k), 0xcc, 512);
		struct seg b[] = { HDR(k), { pa(O_DATA + 512ul * k), 512, D_WRITE }, STS(k) };
		push(chain_at(3 * k, b, 3));
		count_request(b, 3, SERVED);
	}
	notify(5);
	CHECK_EQ("batch of 5 IN: used idx", used_idx(), (u16)(start + 5));
	ok = 1;
	for (unsigned k = 0; k < 5; k++) {
		volatile u32 *e = used_elem((start + k) % q.n);
		unsigned h = e[0];
		if (h % 3 || h / 3 >= 5 || e[1] != 513)
			ok = detail("used element", h, 3 * k);
		if (*p8(ST_OFF(k)) != ST_OK)
			ok = detail("status", *p8(ST_OFF(k)), ST_OK);
		if (!same_pattern(p8(O_DATA + 512ul * k), 20 + k, 1, 0))
			ok = 0;
	}
	q.used_seen = used_idx();
	CHECK_TRUE("batch of 5 IN: all returned, OK, data", ok);
	CHECK_EQ("batch: InterruptStatus", rd(R_INT_STATUS), ISR_USED);
	wr(R_INT_ACK, ISR_USED);

	/* the available index exactly the queue size ahead is legal */
	set_hdr(5, T_IN, 21);
	*p8(ST_OFF(5)) = ST_UNTOUCHED;
	fill(data(3), 0xcc, 512);
	struct seg b16[] = { HDR(5), DIN(3, 512), STS(5) };
	u16 h16 = chain_at(0, b16, 3);
	start = q.used_seen;
	for (unsigned k = 0; k < QN; k++) {
		push(h16);
		count_request(b16, 3, SERVED);
	}
	notify(QN);
	CHECK_EQ("16 requests at once (index = queue size ahead): used idx",
		 used_idx(), (u16)(start + QN));
	q.used_seen = used_idx();
	CHECK_TRUE("16 requests at once: status OK, data",
		   *p8(ST_OFF(5)) == ST_OK && same_pattern(data(3), 21, 1, 0));
	CHECK_EQ("16 requests at once: Status", rd(R_STATUS), S_ALL_OK);
	CHECK_EQ("16 requests at once: InterruptStatus", rd(R_INT_STATUS),
		 ISR_USED);
	wr(R_INT_ACK, ISR_USED);

	/*
	 * Framing is free (virtio 1.x, 2.6.4): a header split over two
	 * buffers, data and status in one buffer, header and data in one.
	 */
	tprintf("-- framing independent of buffer boundaries\n");
	set_hdr(4, T_IN, 9);
	fill(data(1), 0xcc, 1024);
	{
		struct seg s[] = { { pa(O_HDR + 64), 8, 0 }, { pa(O_HDR + 72), 8, 0 }, DIN(1, 512), STS(4) };
		request(SERVED, "IN sector 9, header split 8+8", s, 4, ST_OFF(4), ST_OK, 513);
		CHECK_TRUE("IN sector 9, header split: data",
			   same_pattern(data(1), 9, 1, 0));
	}
	fill(data(1), 0xcc, 1024);
	{
		struct seg s[] = { HDR(4), DIN(1, 513) };
		request(SERVED, "IN sector 9, data and status in one 513-byte buffer", s,
			2, O_DATA + 0x800 + 512, ST_OK, 513);
		CHECK_TRUE("IN sector 9, one buffer: data",
			   same_pattern(data(1), 9, 1, 0));
	}
	{
		volatile u8 *b = data(3);
		volatile u8 *h = p8(O_HDR);
		set_hdr(0, T_OUT, 5);
		for (unsigned i = 0; i < 16; i++)
			b[i] = h[i];
		fill_pattern(b + 16, 5, 1, WRITTEN);
		struct seg s[] = { { pa(O_DATA + 0x1800), 528, 0 }, STS(0) };
		request(expect_ro ? READ_ONLY : SERVED, expect_ro ? "OUT sector 5, header and data in one buffer "
				    "(read-only disk: IOERR)"
				  : "OUT sector 5 again, header and data in one "
				    "528-byte buffer",
			s, 2, ST_OFF(0), expect_ro ? ST_IOERR : ST_OK, 1);
		CHECK_TRUE("OUT sector 5 again: reads back", read_back(5, now(5)));
	}

	/* the used-buffer interrupt is delivered on IP4 */
	tprintf("-- interrupt\n");
	fill(data(1), 0xcc, 512);
	set_hdr(1, T_IN, 7);
	*p8(ST_OFF(1)) = ST_UNTOUCHED;
	struct seg ri[] = { HDR(1), DIN(1, 512), STS(1) };
	u16 head = chain(ri, 3);
	push(head);
	exc_arm(1);
	write_status(ST_DEFAULT | ST_IM(4) | ST_IE);
	notify(1);
	count_request(ri, 3, SERVED);
	for (volatile int i = 0;
	     i < 1000 && !*(volatile u64 *)&exc_state.count; i++)
		;
	write_status(ST_DEFAULT);
	CHECK_EQ("interrupt taken after QueueNotify", exc_state.count, 1);
	CHECK_EQ("interrupt: ExcCode", exc_state.rec[0].excode, EXC_INT);
	CHECK_EQ("interrupt: Cause.IP4 (only board line)",
		 exc_state.rec[0].cause >> 10 & 0x1f, 1u << 2);
	exc_disarm();
	check_done("IN sector 7 (interrupt)", head, ST_OFF(1), ST_OK, 513);
	CHECK_TRUE("IN sector 7: data", same_pattern(data(1), 7, 1, 0));

	/* stores of the wrong size do nothing */
	tprintf("-- wrong store sizes\n");
	fill(data(1), 0xcc, 512);
	set_hdr(1, T_IN, 8);
	*p8(ST_OFF(1)) = ST_UNTOUCHED;
	head = chain(ri, 3);
	push(head);
	dbe_store("sb QueueNotify", probe_sb, probe_sb_pc,
		  SLOT0 + R_QUEUE_NOTIFY, 0);
	dbe_store("sh QueueNotify", probe_sh, probe_sh_pc,
		  SLOT0 + R_QUEUE_NOTIFY, 0);
	dbe_store("sd QueueNotify", probe_sd, probe_sd_pc,
		  SLOT0 + R_QUEUE_NOTIFY, 0);
	CHECK_EQ("bad-size QueueNotify: request not served", used_idx(),
		 q.used_seen);
	CHECK_EQ("bad-size QueueNotify: status byte", *p8(ST_OFF(1)), ST_UNTOUCHED);
	dbe_store("sb Status", probe_sb, probe_sb_pc, SLOT0 + R_STATUS, 0);
	dbe_store("sh Status", probe_sh, probe_sh_pc, SLOT0 + R_STATUS, 0);
	dbe_store("sd Status", probe_sd, probe_sd_pc, SLOT0 + R_STATUS, 0);
	CHECK_EQ("bad-size Status writes: Status unchanged", rd(R_STATUS),
		 S_ALL_OK);
	dbe_store("sb InterruptACK", probe_sb, probe_sb_pc, SLOT0 + R_INT_ACK, 1);
	dbe_store("sd QueueDescLow", probe_sd, probe_sd_pc,
		  SLOT0 + R_QUEUE_DESC_LO, 0);
	dbe_store("sw slot 1 (empty slot)", probe_sw, probe_sw_pc,
		  SLOT1 + R_STATUS, 0);
	notify(1);
	count_request(ri, 3, SERVED);
	check_done("IN sector 8 (after the bad stores, real notify)", head,
		   ST_OFF(1), ST_OK, 513);
	CHECK_TRUE("IN sector 8: data", same_pattern(data(1), 8, 1, 0));
}

/* ---- 4. malformed requests: the request fails, the chain comes back ---- */

/* An IN whose data buffer (data(0), 0xcc) must stay untouched. */
static void bad_in(enum fault f, const char *name, const struct seg *s,
		   unsigned ns, int st_off, u8 want_st, u32 want_len)
{
	fill(data(0), 0xcc, 2048);
	request(f, name, s, ns, st_off, want_st, want_len);
	CHECK_TRUE(nm(name, ": data buffer untouched"),
		   same_fill(data(0), 0xcc, 2048));
}

/* An OUT of 0xee bytes to sector `sector`, which must keep its contents. */
static void bad_out(enum fault f, const char *name, const struct seg *s,
		    unsigned ns, u64 sector, int st_off, u8 want_st,
		    u32 want_len)
{
	request(f, name, s, ns, st_off, want_st, want_len);
	CHECK_TRUE(nm(name, ": sector unchanged (read back)"),
		   read_back(sector, now(sector)));
}

static void malformed_requests(void)
{
	tprintf("-- malformed requests (IOERR, chain returned)\n");
	fill(data(2), 0xee, 2048);

	set_hdr(0, T_IN, 3);
	{
		struct seg s[] = { { RAM_END, 16, 0 }, DIN(0, 512), STS(0) };
		bad_in(BAD_CHAIN, "IN, header outside RAM", s, 3, ST_OFF(0), ST_IOERR, 1);
	}
	{
		struct seg s[] = { { RAM_END - 8, 16, 0 }, DIN(0, 512), STS(0) };
		bad_in(BAD_CHAIN, "IN, header straddles the end of RAM", s, 3, ST_OFF(0),
		       ST_IOERR, 1);
	}
	{
		struct seg s[] = { HDR(0), { RAM_END - 256, 512, D_WRITE }, STS(0) };
		bad_in(BAD_CHAIN, "IN, data buffer straddles the end of RAM", s, 3,
		       ST_OFF(0), ST_IOERR, 1);
	}
	{
		struct seg s[] = { HDR(0), { UART_PA, 512, D_WRITE }, STS(0) };
		bad_in(BAD_CHAIN, "IN, data buffer at the UART (MMIO)", s, 3, ST_OFF(0),
		       ST_IOERR, 1);
	}
	{
		struct seg s[] = { HDR(0), { 0xfffffffffffffe00ul, 1024, D_WRITE }, STS(0) };
		bad_in(BAD_CHAIN, "IN, data buffer wraps around 2^64", s, 3, ST_OFF(0),
		       ST_IOERR, 1);
	}
	{
		struct seg s[] = { HDR(0), { 0x100000000ul, 512, D_WRITE }, STS(0) };
		bad_in(BAD_CHAIN, "IN, data buffer at 4 GiB (no RAM)", s, 3, ST_OFF(0),
		       ST_IOERR, 1);
	}
	{
		struct seg s[] = { HDR(0), DIN(0, 512), { RAM_END, 1, D_WRITE } };
		bad_in(BAD_CHAIN, "IN, status byte outside RAM (returned, len 0)", s, 3,
		       -1, 0, 0);
	}
	{
		struct seg s[] = { HDR(0), DIN(0, 0), STS(0) };
		bad_in(BAD_CHAIN, "IN, zero-length data buffer", s, 3, ST_OFF(0), ST_IOERR, 1);
	}
	{
		struct seg s[] = { { pa(O_HDR), 0, 0 }, DIN(0, 512), STS(0) };
		bad_in(BAD_CHAIN, "IN, zero-length header", s, 3, ST_OFF(0), ST_IOERR, 1);
	}
	{
		struct seg s[] = { { pa(O_HDR), 8, 0 }, DIN(0, 512), STS(0) };
		bad_in(BAD_FRAME, "IN, 8-byte header", s, 3, ST_OFF(0), ST_IOERR, 1);
	}
	{
		struct seg s[] = { { pa(O_HDR), 16, D_WRITE }, DIN(0, 512), STS(0) };
		bad_in(BAD_FRAME, "IN, header device-writable", s, 3, ST_OFF(0), ST_IOERR, 1);
		volatile u32 *h = (volatile u32 *)unc(O_HDR);
		CHECK_TRUE("IN, header device-writable: header untouched",
			   h[0] == T_IN && h[1] == 0 && h[2] == 3 && h[3] == 0);
	}
	{
		struct seg s[] = { HDR(0), DOUT(0, 512), STS(0) };
		bad_in(BAD_LAYOUT, "IN, data buffer device-readable (misdirected)", s, 3,
		       ST_OFF(0), ST_IOERR, 1);
	}
	{
		struct seg s[] = { HDR(0), DIN(0, 512), { pa(O_EXTRA), 16, 0 }, STS(0) };
		bad_in(BAD_CHAIN, "IN, device-readable buffer after a device-writable one",
		       s, 4, ST_OFF(0), ST_IOERR, 1);
	}
	{
		struct seg s[] = { HDR(0), DIN(0, 512), { pa(O_STATUS), 1, 0 } };
		bad_in(BAD_CHAIN, "IN, status descriptor device-readable (returned, len 0)",
		       s, 3, ST_OFF(0), ST_UNTOUCHED, 0);
	}
	{
		struct seg s[] = { HDR(0), DIN(0, 100), STS(0) };
		bad_in(BAD_LAYOUT, "IN, 100-byte data buffer", s, 3, ST_OFF(0), ST_IOERR, 1);
	}
	{
		struct seg s[] = { HDR(0), DIN(0, 512), DIN(1, 1), STS(0) };
		bad_in(BAD_LAYOUT, "IN, 513 data bytes in two buffers", s, 4, ST_OFF(0),
		       ST_IOERR, 1);
	}
	{
		struct seg s[] = { HDR(0) };
		bad_in(BAD_FRAME, "IN, header only: no status byte (returned, len 0)", s, 1,
		       -1, 0, 0);
	}
	{
		/* the last writable byte is the status byte: 511 data bytes */
		struct seg s[] = { HDR(0), DIN(0, 512) };
		const char *n = "IN, no separate status descriptor "
				"(511 data bytes + status)";
		fill(data(0), 0xcc, 2048);
		request(BAD_LAYOUT, n, s, 2, O_DATA + 511, ST_IOERR, 1);
		CHECK_TRUE(nm(n, ": data bytes untouched"),
			   same_fill(data(0), 0xcc, 511));
	}
	{
		struct seg s[] = { STS(0) };
		bad_in(BAD_FRAME, "a lone status byte (no header)", s, 1, ST_OFF(0),
		       ST_IOERR, 1);
	}
	{
		struct seg s[] = { HDR(0), DIN(0, 512), { RAM_END - 8, 16, D_WRITE } };
		bad_in(BAD_CHAIN, "IN, status descriptor straddles the end of RAM "
		       "(returned, len 0)", s, 3, -1, 0, 0);
	}

	/* OUTs: each to a sector of its own, which must not change */
	set_hdr(1, T_OUT, 10);
	{
		struct seg s[] = { HDR(1), { UART_PA, 512, 0 }, STS(1) };
		bad_out(BAD_CHAIN, "OUT sector 10, data buffer at the UART (MMIO)", s, 3, 10,
			ST_OFF(1), ST_IOERR, 1);
	}
	set_hdr(1, T_OUT, 11);
	{
		struct seg s[] = { HDR(1), { RAM_END - 256, 512, 0 }, STS(1) };
		bad_out(BAD_CHAIN, "OUT sector 11, data buffer straddles the end of RAM", s,
			3, 11, ST_OFF(1), ST_IOERR, 1);
	}
	set_hdr(1, T_OUT, 12);
	{
		struct seg s[] = { HDR(1), DOUT(2, 0), STS(1) };
		bad_out(BAD_CHAIN, "OUT sector 12, zero-length data buffer", s, 3, 12,
			ST_OFF(1), ST_IOERR, 1);
	}
	set_hdr(1, T_OUT, 13);
	{
		struct seg s[] = { HDR(1), { pa(O_DATA + 0x1000), 512, D_WRITE }, STS(1) };
		bad_out(BAD_LAYOUT, "OUT sector 13, data buffer device-writable (misdirected)",
			s, 3, 13, ST_OFF(1), ST_IOERR, 1);
		CHECK_TRUE("OUT sector 13 misdirected: buffer untouched",
			   same_fill(data(2), 0xee, 2048));
	}
	set_hdr(1, T_OUT, 14);
	{
		struct seg s[] = { HDR(1), DOUT(2, 1000), STS(1) };
		bad_out(BAD_LAYOUT, "OUT sector 14, 1000-byte data buffer", s, 3, 14,
			ST_OFF(1), ST_IOERR, 1);
	}
	set_hdr(1, T_OUT, 15);
	{
		struct seg s[] = { HDR(1), DOUT(2, 512), { 0xfffffffffffffff8ul, 16, 0 }, STS(1) };
		bad_out(BAD_CHAIN, "OUT sector 15, second data buffer wraps around 2^64", s,
			4, 15, ST_OFF(1), ST_IOERR, 1);
	}
	set_hdr(1, T_OUT, 16);
	{
		struct seg s[] = { HDR(1), DOUT(2, 512), { RAM_END, 1, D_WRITE } };
		bad_out(BAD_CHAIN, "OUT sector 16, status byte outside RAM (returned, len 0)",
			s, 3, 16, -1, 0, 0);
	}
	set_hdr(1, T_OUT, 17);
	{
		struct seg s[] = { HDR(1), DOUT(2, 512), { pa(O_STATUS + 1), 1, 0 } };
		bad_out(BAD_FRAME, "OUT sector 17, status descriptor device-readable "
			"(returned, len 0)", s, 3, 17, ST_OFF(1), ST_UNTOUCHED, 0);
	}
	set_hdr(1, T_OUT, 18);
	{
		struct seg s[] = { HDR(1), DOUT(2, 512), STS(1), DOUT(2, 512), STS(2) };
		bad_out(BAD_CHAIN, "OUT sector 18, device-readable buffer after a "
			"device-writable one", s, 5, 18, ST_OFF(2), ST_IOERR, 1);
	}
	set_hdr(1, T_OUT, 19);
	{
		struct seg s[] = { { pa(O_HDR + 16), 8, 0 }, { pa(O_HDR + 24), 8, 0 }, DOUT(2, 0), STS(1) };
		bad_out(BAD_CHAIN, "OUT sector 19, zero-length buffer after a split header",
			s, 4, 19, ST_OFF(1), ST_IOERR, 1);
	}
	{
		set_hdr(2, T_GET_ID, 0);
		fill(p8(O_ID), 0xcc, 32);
		struct seg s[] = { HDR(2), { pa(O_ID), 0, D_WRITE }, STS(2) };
		request(BAD_CHAIN, "GET_ID, zero-length buffer", s, 3, ST_OFF(2), ST_IOERR, 1);
		CHECK_TRUE("GET_ID, zero-length buffer: nothing written",
			   same_fill(p8(O_ID), 0xcc, 32));
	}
	{
		set_hdr(2, T_FLUSH, 0);
		struct seg s[] = { HDR(2), { 0x1fe10000ul, 1, D_WRITE } };
		request(BAD_CHAIN, "FLUSH, status byte at the virtio registers (returned, "
			"len 0)", s, 2, -1, 0, 0);
	}
}

/* ---- 5. sector ranges ---- */

static void sector_ranges(void)
{
	tprintf("-- sector ranges past the end (IOERR, nothing touched)\n");
	u64 cap = expect_sectors;
	set_hdr(0, T_IN, cap);
	{
		struct seg s[] = { HDR(0), DIN(0, 512), STS(0) };
		bad_in(PAST_END, "IN sector = capacity", s, 3, ST_OFF(0), ST_IOERR, 1);
	}
	set_hdr(0, T_IN, cap - 1);
	{
		struct seg s[] = { HDR(0), DIN(0, 1024), STS(0) };
		bad_in(PAST_END, "IN 2 sectors from the last one", s, 3, ST_OFF(0),
		       ST_IOERR, 1);
	}
	set_hdr(0, T_IN, ~0ul);
	{
		struct seg s[] = { HDR(0), DIN(0, 512), STS(0) };
		bad_in(PAST_END, "IN sector 2^64-1", s, 3, ST_OFF(0), ST_IOERR, 1);
	}
	set_hdr(0, T_IN, (1ul << 55) - 1);
	{
		struct seg s[] = { HDR(0), DIN(0, 1024), STS(0) };
		bad_in(PAST_END, "IN 2 sectors from 2^55-1 (byte range wraps)", s, 3,
		       ST_OFF(0), ST_IOERR, 1);
	}
	fill(data(2), 0xee, 2048);
	set_hdr(1, T_OUT, cap - 1);
	{
		struct seg s[] = { HDR(1), DOUT(2, 1024), STS(1) };
		bad_out(PAST_END, "OUT 2 sectors from the last one", s, 3, cap - 1,
			ST_OFF(1), ST_IOERR, 1);
	}
	set_hdr(1, T_OUT, cap);
	{
		struct seg s[] = { HDR(1), DOUT(2, 512), STS(1) };
		bad_out(PAST_END, "OUT sector = capacity (last sector unchanged)", s, 3,
			cap - 1, ST_OFF(1), ST_IOERR, 1);
	}
	set_hdr(1, T_OUT, 1ul << 55);
	{
		struct seg s[] = { HDR(1), DOUT(2, 512), STS(1) };
		bad_out(PAST_END, "OUT sector 2^55 (byte offset wraps to 0)", s, 3, 0,
			ST_OFF(1), ST_IOERR, 1);
	}
	set_hdr(1, T_OUT, (1ul << 55) - 1);
	{
		struct seg s[] = { HDR(1), DOUT(2, 1024), STS(1) };
		bad_out(PAST_END, "OUT 2 sectors from 2^55-1 (end wraps to sector 0)", s, 3,
			0, ST_OFF(1), ST_IOERR, 1);
	}
}

/* ---- 6. request types ---- */

static void request_types(void)
{
	tprintf("-- unknown request types (UNSUPP)\n");
	static const u32 types[] = { 2, 3, 5, 11, 13, 0x80000000u, 0xffffffffu };
	static const char *names[] = {
		"type 2", "type 3", "type 5", "type 11 (DISCARD, not offered)",
		"type 13 (WRITE_ZEROES, not offered)", "type 0x80000000",
		"type 0xffffffff",
	};
	for (unsigned i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		set_hdr(0, types[i], 9);
		struct seg s[] = { HDR(0), STS(0) };
		request(SERVED, names[i], s, 2, ST_OFF(0), ST_UNSUPP, 1);
	}
	fill(data(2), 0xee, 512);
	set_hdr(0, 3, 20);
	{
		struct seg s[] = { HDR(0), DOUT(2, 512), STS(0) };
		bad_out(SERVED, "type 3 with a readable 512-byte buffer (sector 20)", s,
			3, 20, ST_OFF(0), ST_UNSUPP, 1);
	}
	set_hdr(0, 5, 21);
	{
		struct seg s[] = { HDR(0), DIN(0, 512), STS(0) };
		bad_in(SERVED, "type 5 with a writable 512-byte buffer", s, 3, ST_OFF(0),
		       ST_UNSUPP, 1);
	}
}

/* ---- 7. QueueNotify while not ready ---- */

static void notify_not_ready(void)
{
	tprintf("-- QueueNotify while not ready (ignored)\n");
	const char *n = "DRIVER_OK without a ready queue, notify";
	ring_state_reset(QN, O_DESC, O_AVAIL, O_USED);
	negotiate(0, 0);
	wr(R_QUEUE_SEL, 0);
	wr(R_QUEUE_NUM, QN);
	wr(R_QUEUE_DESC_LO, (u32)pa(O_DESC));
	wr(R_QUEUE_DESC_HI, 0);
	wr(R_QUEUE_DRIVER_LO, (u32)pa(O_AVAIL));
	wr(R_QUEUE_DRIVER_HI, 0);
	wr(R_QUEUE_DEVICE_LO, (u32)pa(O_USED));
	wr(R_QUEUE_DEVICE_HI, 0);
	wr(R_STATUS, S_ALL_OK);
	set_hdr(0, T_IN, 0);
	fill(data(0), 0xcc, 512);
	*p8(ST_OFF(0)) = ST_UNTOUCHED;
	struct seg s[] = { HDR(0), DIN(0, 512), STS(0) };
	push(chain(s, 3));
	notify_ignored();
	CHECK_EQ(nm(n, ": used idx"), used_idx(), 0);
	CHECK_EQ(nm(n, ": status byte"), *p8(ST_OFF(0)), ST_UNTOUCHED);
	CHECK_TRUE(nm(n, ": data buffer untouched"), same_fill(data(0), 0xcc, 512));
	CHECK_EQ(nm(n, ": InterruptStatus"), rd(R_INT_STATUS), 0);
	CHECK_EQ(nm(n, ": Status"), rd(R_STATUS), S_ALL_OK);

	n = "notify after reset";
	reset_device();
	notify_ignored();
	CHECK_EQ(nm(n, ": used idx"), used_idx(), 0);
	CHECK_EQ(nm(n, ": status byte"), *p8(ST_OFF(0)), ST_UNTOUCHED);
	CHECK_EQ(nm(n, ": InterruptStatus"), rd(R_INT_STATUS), 0);
	CHECK_EQ(nm(n, ": Status"), rd(R_STATUS), 0);

	n = "notify with FEATURES_OK and a ready queue, before DRIVER_OK";
	ring_state_reset(QN, O_DESC, O_AVAIL, O_USED);
	negotiate(0, 0);
	queue_program(0, QN, pa(O_DESC), pa(O_AVAIL), pa(O_USED));
	*p8(ST_OFF(0)) = ST_UNTOUCHED;
	push(chain(s, 3));
	notify_ignored();
	CHECK_EQ(nm(n, ": used idx"), used_idx(), 0);
	CHECK_EQ(nm(n, ": status byte"), *p8(ST_OFF(0)), ST_UNTOUCHED);
	CHECK_EQ(nm(n, ": InterruptStatus"), rd(R_INT_STATUS), 0);
	reset_device();
	CHECK_TRUE("re-initialised after the ignored notifies, sector 0 reads back",
		   dev_init() && read_back(0, now(0)));
}

/* ---- 8. feature negotiation ---- */

static void features(void)
{
	tprintf("-- FEATURES_OK with features not offered\n");
	u64 offered;
	reset_device();
	wr(R_STATUS, S_ACK | S_DRIVER);
	offered = device_features();
	u64 high = 0;
	for (unsigned b = 33; b < 64 && !high; b++)
		if (!(offered & (1ul << b)))
			high = 1ul << b;
	u64 low = 0;
	for (unsigned b = 0; b < 32 && !low; b++)
		if (!(offered & (1ul << b)))
			low = 1ul << b;

	static const char *names[] = {
		"FEATURES_OK with INDIRECT_DESC (bit 28, not offered)",
		"FEATURES_OK with the lowest bit not offered",
		"FEATURES_OK with the lowest bit >= 33 not offered",
		"FEATURES_OK without VERSION_1",
		"FEATURES_OK with no features at all",
	};
	u64 add[] = { F_INDIRECT_DESC, low, high, 0, 0 };
	u64 remove[] = { 0, 0, 0, F_VERSION_1, ~0ul };
	for (unsigned i = 0; i < 5; i++) {
		negotiate(add[i], remove[i]);
		expect.refused++;
		CHECK_EQ(nm(names[i], ": FEATURES_OK reads back clear"),
			 rd(R_STATUS) & S_FEATURES_OK, 0);
		reset_device();
		CHECK_TRUE(nm(names[i], ": reset, re-initialised, sector 0 reads back"),
			   dev_init() && read_back(0, now(0)));
	}
}

/* ---- 9. bad queue set-up: DEVICE_NEEDS_RESET ---- */

static void needs_reset(const char *name)
{
	CHECK_TRUE(nm(name, ": Status.DEVICE_NEEDS_RESET"),
		   rd(R_STATUS) & S_NEEDS_RESET);
	CHECK_TRUE(nm(name, ": InterruptStatus configuration change"),
		   rd(R_INT_STATUS) & ISR_CONFIG);
	CHECK_TRUE(nm(name, ": Cause.IP4 pending"), ip4());
}

static void bad_queue(const char *name, u32 num, u64 dpa, u64 apa, u64 upa)
{
	ring_state_reset(QN, O_DESC, O_AVAIL, O_USED);
	if (!negotiate(0, 0))
		CHECK_TRUE(nm(name, ": FEATURES_OK"), 0);
	queue_program(0, num, dpa, apa, upa);
	queue_broken();
	CHECK_EQ(nm(name, ": QueueReady stays 0"), rd(R_QUEUE_READY), 0);
	needs_reset(name);
	recover(name);
}

static void queue_setup(void)
{
	tprintf("-- bad queue set-up (QueueReady stays 0, DEVICE_NEEDS_RESET)\n");
	u64 d = pa(O_DESC), a = pa(O_AVAIL), u = pa(O_USED);
	bad_queue("queue size 0", 0, d, a, u);
	bad_queue("queue size 3", 3, d, a, u);
	bad_queue("queue size 24 (not a power of two)", 24, d, a, u);
	bad_queue("queue size 512 (> QueueNumMax)", 2 * QMAX, d, a, u);
	bad_queue("queue size 65536 (wraps to 0 in 16 bits)", 0x10000, d, a, u);
	bad_queue("descriptor table at +8 (not 16-aligned)", QN, d + 8, a, u);
	bad_queue("available ring at +1 (not 2-aligned)", QN, d, a + 1, u);
	bad_queue("used ring at +2 (not 4-aligned)", QN, d, a, u + 2);
	bad_queue("descriptor table straddles the end of RAM", QN,
		  RAM_END - 128, a, u);
	bad_queue("descriptor table above 4 GiB", QN, 0x100000000ul, a, u);
	bad_queue("available ring outside RAM", QN, d, RAM_END + 0x1000, u);
	bad_queue("available ring straddles the end of RAM", QN, d,
		  RAM_END - 16, u);
	bad_queue("used ring at the UART (MMIO)", QN, d, a, UART_PA);
	bad_queue("used ring straddles the end of RAM", QN, d, a, RAM_END - 64);
	bad_queue("used ring wraps around 2^64", QN, d, a,
		  0xfffffffffffffff0ul);

	/* the minimal alignments are enough */
	const char *n = "rings at +16/+2/+4 (minimal alignment)";
	CHECK_TRUE(nm(n, ": accepted"),
		   dev_init_at(QN, O_DESC + 16, O_AVAIL + 2, O_USED + 4));
	set_hdr(0, T_IN, 30);
	fill(data(0), 0xcc, 512);
	struct seg s[] = { HDR(0), DIN(0, 512), STS(0) };
	request(SERVED, nm(n, ": IN sector 30"), s, 3, ST_OFF(0), ST_OK, 513);
	CHECK_TRUE(nm(n, ": data"), same_pattern(data(0), 30, 1, 0));
	/* the largest queue */
	n = "queue size 256";
	CHECK_TRUE(nm(n, ": accepted"), dev_init_at(QMAX, O_DESC, O_AVAIL, O_USED));
	request(SERVED, nm(n, ": IN sector 30"), s, 3, ST_OFF(0), ST_OK, 513);
	n = "queue size 1";
	CHECK_TRUE(nm(n, ": accepted"), dev_init_at(1, O_DESC, O_AVAIL, O_USED));
	set_hdr(0, T_FLUSH, 0);
	struct seg f[] = { { pa(O_HDR), 16, 0 } };
	/* a one-descriptor chain: no status byte, returned with len 0 */
	request(BAD_FRAME, nm(n, ": FLUSH without status (len 0)"), f, 1, -1, 0, 0);
	reset_device();
}

/* ---- 10. bad chains at notify time: DEVICE_NEEDS_RESET ---- */

/*
 * After the violation: no request of the queue is served any more, even a
 * good one pushed later, until the reset.  Data buffer 0 (0xcc) and status
 * byte 0 must stay untouched throughout.
 */
static void after_bad_chain(const char *name)
{
	queue_broken();
	needs_reset(name);
	CHECK_EQ(nm(name, ": nothing returned"), used_idx(), q.used_seen);
	CHECK_EQ(nm(name, ": status byte untouched"), *p8(ST_OFF(0)),
		 ST_UNTOUCHED);
	/* a good request afterwards is not served */
	set_hdr(3, T_IN, 0);
	fill(data(1), 0xcc, 512);
	*p8(ST_OFF(3)) = ST_UNTOUCHED;
	struct seg g[] = { HDR(3), DIN(1, 512), STS(3) };
	push(chain_at(q.n / 2 + 4, g, 3));
	notify_ignored();
	CHECK_EQ(nm(name, ": later request not served"), used_idx(),
		 q.used_seen);
	CHECK_TRUE(nm(name, ": later request untouched"),
		   *p8(ST_OFF(3)) == ST_UNTOUCHED &&
			   same_fill(data(1), 0xcc, 512));
	CHECK_TRUE(nm(name, ": data buffer untouched"),
		   same_fill(data(0), 0xcc, 512));
	recover(name);
}

static void bad_chain_prepare(u32 type, u64 sector)
{
	set_hdr(0, type, sector);
	fill(data(0), 0xcc, 512);
	fill(data(2), 0xee, 512);
	*p8(ST_OFF(0)) = ST_UNTOUCHED;
}

static void bad_chains(void)
{
	tprintf("-- bad chains (DEVICE_NEEDS_RESET, queue stopped)\n");
	struct seg in[] = { HDR(0), DIN(0, 512), STS(0) };
	struct seg out[] = { HDR(0), DOUT(2, 512), STS(0) };
	const char *n;

	CHECK_TRUE("initialised for the chain tests", dev_init());
	n = "available index 17 ahead (queue size 16)";
	bad_chain_prepare(T_OUT, 31);
	for (unsigned i = 0; i < QN; i++)
		avail()[2 + i] = chain_at(0, out, 3);
	q.avail_idx = QN + 1;
	avail()[1] = q.avail_idx;
	mb();
	notify(0);
	after_bad_chain(n);

	n = "available index 0xffff ahead";
	bad_chain_prepare(T_OUT, 32);
	for (unsigned i = 0; i < QN; i++)
		avail()[2 + i] = chain_at(0, out, 3);
	q.avail_idx = 0xffff;
	avail()[1] = q.avail_idx;
	mb();
	notify(0);
	after_bad_chain(n);

	n = "head descriptor index 16 (= queue size)";
	bad_chain_prepare(T_IN, 0);
	chain_at(0, in, 3);
	push(QN);
	notify(0);
	after_bad_chain(n);

	n = "head descriptor index 0xffff";
	bad_chain_prepare(T_IN, 0);
	push(0xffff);
	notify(0);
	after_bad_chain(n);

	n = "next index 16 (= queue size) inside a chain";
	bad_chain_prepare(T_OUT, 33);
	u16 h = chain_at(0, out, 3);
	desc(1)->next = QN;
	push(h);
	notify(0);
	after_bad_chain(n);

	n = "chain loops on its head (next = itself)";
	bad_chain_prepare(T_IN, 0);
	h = chain_at(0, in, 1);
	desc(0)->flags = D_NEXT;
	desc(0)->next = 0;
	push(h);
	notify(0);
	after_bad_chain(n);

	n = "OUT chain loops back (0 -> 1 -> 2 -> 1)";
	bad_chain_prepare(T_OUT, 34);
	h = chain_at(0, out, 3);
	desc(2)->flags = D_WRITE | D_NEXT;
	desc(2)->next = 1;
	push(h);
	notify(0);
	after_bad_chain(n);

	n = "IN chain loops through writable buffers (2 -> 3 -> 2)";
	bad_chain_prepare(T_IN, 0);
	struct seg in4[] = { HDR(0), DIN(0, 512), DIN(0, 512), DIN(0, 512), STS(0) };
	h = chain_at(1, in4, 5);
	desc(3)->next = 2;
	push(h);
	notify(0);
	after_bad_chain(n);

	n = "chain of 17 descriptors in a 16-entry queue (wraps to its head)";
	bad_chain_prepare(T_OUT, 35);
	for (unsigned i = 0; i < QN; i++) {
		volatile struct vdesc *dd = desc(i);
		dd->addr = i == 0 ? pa(O_HDR) : pa(O_DATA + 0x1000);
		dd->len = i == 0 ? 16 : 512;
		dd->flags = D_NEXT;
		dd->next = (u16)((i + 1) % QN);
	}
	push(0);
	notify(0);
	after_bad_chain(n);

	n = "indirect descriptor (not offered)";
	bad_chain_prepare(T_IN, 0);
	{
		volatile struct vdesc *t = (volatile struct vdesc *)unc(O_INDIRECT);
		for (unsigned i = 0; i < 3; i++) {
			t[i].addr = in[i].pa;
			t[i].len = in[i].len;
			t[i].flags = in[i].flags | (i < 2 ? D_NEXT : 0);
			t[i].next = (u16)(i + 1);
		}
		struct seg ind[] = { { pa(O_INDIRECT), 48, D_INDIRECT } };
		push(chain_at(0, ind, 1));
	}
	notify(0);
	after_bad_chain(n);

	n = "indirect flag on the data descriptor";
	bad_chain_prepare(T_OUT, 36);
	{
		volatile struct vdesc *t = (volatile struct vdesc *)unc(O_INDIRECT);
		t[0].addr = pa(O_DATA + 0x1000);
		t[0].len = 512;
		t[0].flags = 0;
		t[0].next = 0;
		struct seg ind[] = { HDR(0), { pa(O_INDIRECT), 16, D_INDIRECT }, STS(0) };
		push(chain_at(0, ind, 3));
	}
	notify(0);
	after_bad_chain(n);

	/* a good request, then a bad one in the same notify: the good one is
	 * served, the queue stops at the bad one */
	n = "good request then head index 16, one notify";
	bad_chain_prepare(T_IN, 0);
	set_hdr(4, T_IN, 37);
	fill(data(3), 0xcc, 512);
	*p8(ST_OFF(4)) = ST_UNTOUCHED;
	struct seg g[] = { HDR(4), DIN(3, 512), STS(4) };
	push(chain_at(0, g, 3));
	push(QN);
	notify(1);
	count_request(g, 3, SERVED);
	CHECK_EQ(nm(n, ": good one served: used idx"), used_idx(),
		 (u16)(q.used_seen + 1));
	CHECK_TRUE(nm(n, ": good one served: status OK, data"),
		   *p8(ST_OFF(4)) == ST_OK && same_pattern(data(3), 37, 1, 0));
	q.used_seen = used_idx();
	CHECK_TRUE(nm(n, ": InterruptStatus has both bits"),
		   rd(R_INT_STATUS) == (ISR_USED | ISR_CONFIG));
	after_bad_chain(n);
}

/* ---- 11. DMA over code that has run ---- */

/* One page of code: "li v0, 1; jr ra; nop", the rest zeros. */
static u32 code_page[1024] __attribute__((aligned(4096))) = {
	0x24020001, 0x03e00008, 0x00000000,
};

static u64 call_code(void)
{
	u64 (*fn)(void) = (u64 (*)(void))(void *)code_page;
	return fn();
}

static void dma_over_code(void)
{
	tprintf("-- IN over code that has run (then SYNCI)\n");
	CHECK_EQ("code before the IN returns", call_code(), 1);
	CHECK_EQ("code before the IN returns (again)", call_code(), 1);
	set_hdr(0, T_IN, CODE_SECTOR);
	struct seg s[] = { HDR(0), { (u64)code_page & 0x1ffffffful, 512, D_WRITE }, STS(0) };
	request(SERVED, "IN sector 200 over the code", s, 3, ST_OFF(0), ST_OK, 513);
	/* architecturally required before executing new code */
	__asm__ volatile("synci 0(%0)\n\tsync\n\t"
			 ".set push\n\t.set noreorder\n\t"
			 "dla $25, 1f\n\tjr.hb $25\n\tnop\n1:\n\t.set pop"
			 :: "r"(code_page) : "$25", "memory");
	CHECK_EQ("code after the IN returns the image's value", call_code(),
		 CODE_VALUE);
}

/* ---- 12. the hypervisor's region (hypervisor modes only) ---- */

#define HV_REGION (RAM_END - 0x100000ul)

static void hypervisor_region(void)
{
	tprintf("-- the hypervisor's region (top 1 MiB of low RAM) is not "
		"guest memory\n");
	dbe_load("lw from the hypervisor's region (kseg1)", probe_lw,
		 probe_lw_pc, 0xffffffffa0000000ul + HV_REGION + 0xff000);
	CHECK_TRUE("initialised", dev_init());
	fill(data(2), 0xee, 512);
	set_hdr(1, T_OUT, 38);
	{
		struct seg s[] = { HDR(1), { HV_REGION, 512, 0 }, STS(1) };
		bad_out(BAD_CHAIN, "OUT sector 38 from the hypervisor's region "
			"(communication page)", s, 3, 38, ST_OFF(1), ST_IOERR, 1);
	}
	set_hdr(0, T_IN, 39);
	{
		struct seg s[] = { HDR(0), { HV_REGION + 0xff000, 512, D_WRITE }, STS(0) };
		bad_in(BAD_CHAIN, "IN sector 39 into the hypervisor's region", s, 3,
		       ST_OFF(0), ST_IOERR, 1);
	}
	set_hdr(0, T_IN, 39);
	{
		struct seg s[] = { HDR(0), DIN(0, 512), { HV_REGION + 0xff000, 1, D_WRITE } };
		bad_in(BAD_CHAIN, "IN, status byte in the hypervisor's region (returned, "
		       "len 0)", s, 3, -1, 0, 0);
	}
	bad_queue("descriptor table in the hypervisor's region", QN,
		  HV_REGION + 0xfe000, pa(O_AVAIL), pa(O_USED));
	bad_queue("used ring in the hypervisor's region", QN, pa(O_DESC),
		  pa(O_AVAIL), HV_REGION + 0xfe000);
	bad_queue("used ring straddles the start of the hypervisor's region",
		  QN, pa(O_DESC), pa(O_AVAIL), HV_REGION - 64);
	reset_device();
}

void test_main(void)
{
	parse_args();
	tprintf("disk: %s, %lu sectors, serial %s%s\n",
		expect_ro ? "read-only" : "writable", expect_sectors,
		expect_serial, hv_region ? ", hypervisor mode" : "");
	registers();
	handshake();
	good_io();
	malformed_requests();
	sector_ranges();
	request_types();
	notify_not_ready();
	features();
	queue_setup();
	bad_chains();
	CHECK_TRUE("initialised", dev_init());
	dma_over_code();
	if (hv_region)
		hypervisor_region();
	reset_device();
	CHECK_EQ("final reset: Status", rd(R_STATUS), 0);
	print_expectations();
}
