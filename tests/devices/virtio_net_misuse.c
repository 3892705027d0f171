/*
 * virtio-net over virtio-mmio (version 2), programmed directly by a
 * bare-metal guest against user-mode networking (-nic user, libslirp).
 *
 * Without a drive the card sits in slot 0 (physical 0x1fe10000, 512-byte
 * window, interrupt IP4); with drives it takes the next slot, which the
 * UHI argument slot=N names (slot N at 0x1fe10000 + N * 0x1000, interrupt
 * IP(4 + N mod 3), the slots before it holding virtio-blk devices).  The
 * slot after it must be empty, or, with the argument after=net, hold a
 * second card (which the program leaves alone).  Queue 0 receives, queue 1 transmits; every
 * frame carries the 12-byte virtio_net_hdr (VERSION_1) in guest memory.
 * The program runs with -m 128M; the UHI argument "hvregion" says the run
 * uses a hypervisor mode (--mode trap), where the top 1 MiB of low RAM is
 * not guest memory.
 *
 * slirp answers an ARP request for 10.0.2.2 (or the DNS address 10.0.2.3)
 * with a reply from 52:55:0a:00:02:02 (..:03), so transmitting one makes
 * the network send exactly one frame to the guest.  Every malformed frame
 * below carries such a request: had the card sent any of it, a reply would
 * come back.
 *
 * Sections: the register window and the configuration space (MAC, status
 * LINK_UP); the handshake; the good path (an ARP request for 10.0.2.2 gets
 * a well-formed reply, batches, the interrupt); transmitted frames of
 * impossible length, in device-writable buffers or with broken chains
 * (dropped: returned with used length 0, nothing on the network, the card
 * goes on); receive buffers too small, device-readable or outside RAM (the
 * frame is dropped, the buffer returned with length 0); broken queues on
 * either side (DEVICE_NEEDS_RESET with a configuration-change interrupt,
 * then a reset recovers); a guest that never refills its receive queue
 * while 300 replies arrive (256 wait, the rest are dropped), then refills
 * and receives the 256 in order.  At the end it prints the counters the
 * run record must hold ("expect NAME VALUE"); run_virtio_net.sh compares
 * them with `mipshv stats`.
 */
#include "check.h"
#include "cp0.h"

#define SLOT(n) (0xffffffffbfe10000ul + 0x1000ul * (n)) /* kseg1 alias of 0x1fe10000 + n * 0x1000 */
/* The card's slot (the UHI argument slot=N: the drives come first) and
 * its interrupt line IP(4 + N mod 3). */
static unsigned slot;
#define CARD SLOT(slot)
#define VIRTIO_MMIO_BASE CARD
#include "virtio_mmio_driver.h"

/* The board; the test runs with -m 128M. */
#define RAM_END 0x08000000ul
#define UART_PA 0x1fe00000ul
#define HV_REGION (RAM_END - 0x100000ul)

#define F_CSUM (1ul << 0)
#define F_MAC (1ul << 5)
#define F_MRG_RXBUF (1ul << 15)
#define F_STATUS (1ul << 16)

#define RXQ 0
#define TXQ 1
#define QN 16		/* both queues */
#define HDR_LEN 12	/* virtio_net_hdr with VERSION_1 */
#define RXBUF_LEN 0x800
#define ARP_LEN 60	/* the ARP request, padded to the Ethernet minimum */

/* The card's interrupt line is pending (IP4 in slot 0). */
static inline int ip4(void) { return (read_cause() & CA_IP(4 + slot % 3)) != 0; }
/* Any other device interrupt line (IP2..IP6) pending. */
static inline int other_ip(void)
{
	u64 mask = 0;
	for (unsigned n = 2; n <= 6; n++)
		if (n != 4 + slot % 3)
			mask |= CA_IP(n);
	return (read_cause() & mask) != 0;
}

/*
 * Memory shared with the device, accessed through kseg1 (uncached).
 */
static u8 dma_area[0x20000] __attribute__((aligned(4096)));
#define O_RX_DESC 0x00000
#define O_RX_AVAIL 0x01000
#define O_RX_USED 0x02000
#define O_TX_DESC 0x03000
#define O_TX_AVAIL 0x04000
#define O_TX_USED 0x05000
#define O_INDIRECT 0x06000
#define O_SPARE 0x06800   /* 0x800 bytes that must never be written */
#define O_TXBUF 0x08000   /* 64 KiB */
#define O_RXBUF 0x18000   /* QN buffers of RXBUF_LEN */

static u64 unc(u64 off) { return (u64)dma_area + 0x20000000ul + off; }
static u64 pa(u64 off) { return ((u64)dma_area & 0x1ffffffful) + off; }
static volatile u8 *p8(u64 off) { return (volatile u8 *)unc(off); }
static volatile u8 *rxbuf(unsigned k) { return p8(O_RXBUF + (u64)RXBUF_LEN * k); }

static struct queue {
	u64 d_off, a_off, u_off;
	u16 avail_idx, used_seen;
} qs[2] = {
	{ O_RX_DESC, O_RX_AVAIL, O_RX_USED, 0, 0 },
	{ O_TX_DESC, O_TX_AVAIL, O_TX_USED, 0, 0 },
};

static volatile struct vdesc *desc(unsigned q, unsigned i)
{
	return (volatile struct vdesc *)unc(qs[q].d_off) + i;
}
static volatile u16 *avail(unsigned q) { return (volatile u16 *)unc(qs[q].a_off); }
static volatile u32 *used_elem(unsigned q, unsigned i)
{
	return (volatile u32 *)unc(qs[q].u_off + 4) + 2 * (i % QN);
}
static u16 used_idx(unsigned q)
{
	mb();
	return ((volatile u16 *)unc(qs[q].u_off))[1];
}

static int hv_region;
static int card_after; /* "after=net": a second card in the next slot (else it is empty) */

/* What the run record must show at the end (run_virtio_net.sh checks). */
static struct {
	u64 tx_frames, tx_bytes, tx_malformed;
	u64 rx_frames, rx_bytes, rx_too_small, rx_queue_full;
	u64 malformed_chains, malformed_queues, resets;
} expect;

static const u8 guest_mac[6] = { 0x52, 0x54, 0x00, 0x12, 0x34, 0x56 };
static const u8 guest_ip[4] = { 10, 0, 2, 15 };
static const u8 host_ip[4] = { 10, 0, 2, 2 };
static const u8 dns_ip[4] = { 10, 0, 2, 3 };

static void parse_arg(const char *buf)
{
	if (streq(buf, "hvregion"))
		hv_region = 1;
	else if (streq(buf, "after=net"))
		card_after = 1;
	else if (buf[0] == 's' && buf[1] == 'l' && buf[2] == 'o' && buf[3] == 't' && buf[4] == '=')
		slot = (unsigned)(buf[5] - '0');
}

static void parse_args(void) { for_each_arg(parse_arg); }

static int same_bytes(volatile u8 *p, const u8 *want, u32 len)
{
	for (u32 i = 0; i < len; i++)
		if (p[i] != want[i])
			return 0;
	return 1;
}

/* ---- driver ---- */

static void reset(void)
{
	wr(R_STATUS, 0);
	expect.resets++;
}

static int negotiate(u64 features)
{
	reset();
	wr(R_STATUS, S_ACK);
	wr(R_STATUS, S_ACK | S_DRIVER);
	set_driver_features(features);
	wr(R_STATUS, S_ACK | S_DRIVER | S_FEATURES_OK);
	return (rd(R_STATUS) & S_FEATURES_OK) != 0;
}

static void rings_clear(void)
{
	volatile u64 *p = (volatile u64 *)unc(0);
	for (unsigned i = 0; i < O_INDIRECT / 8; i++)
		p[i] = 0;
	for (unsigned q = 0; q < 2; q++)
		qs[q].avail_idx = qs[q].used_seen = 0;
	mb();
}

static void queue_program_std(unsigned q)
{
	queue_program(q, QN, pa(qs[q].d_off), pa(qs[q].a_off), pa(qs[q].u_off));
}

/* Reset and the whole initialisation; no receive buffers posted. */
static int dev_init(void)
{
	rings_clear();
	if (!negotiate(F_VERSION_1 | F_MAC | F_STATUS))
		return detail("Status after FEATURES_OK", rd(R_STATUS),
			      S_ACK | S_DRIVER | S_FEATURES_OK);
	for (unsigned q = 0; q < 2; q++) {
		queue_program_std(q);
		if (rd(R_QUEUE_READY) != 1)
			return detail("QueueReady", rd(R_QUEUE_READY), 1);
	}
	return driver_ok();
}

static void push(unsigned q, u16 head)
{
	avail(q)[2 + qs[q].avail_idx % QN] = head;
	mb();
	qs[q].avail_idx++;
	avail(q)[1] = qs[q].avail_idx;
	mb();
}

static void notify(unsigned q) { wr(R_QUEUE_NOTIFY, q); }

static void ack_all(void) { wr(R_INT_ACK, rd(R_INT_STATUS)); }

/* Receive buffer k (0..QN-1) as descriptor k, filled with 0xcc, made available. */
static void rx_post(unsigned k)
{
	fill(rxbuf(k), 0xcc, RXBUF_LEN);
	volatile struct vdesc *d = desc(RXQ, k);
	d->addr = pa(O_RXBUF + (u64)RXBUF_LEN * k);
	d->len = RXBUF_LEN;
	d->flags = D_WRITE;
	d->next = 0;
	push(RXQ, (u16)k);
}

/* Spins about `polls` network polls' worth of guest time (the machine
 * services slirp every 200000 instructions) or until the receive queue's
 * used index reaches (or passes) `target`; returns the used index. */
static u16 wait_rx(u16 target, unsigned polls)
{
	u16 idx = used_idx(RXQ);
	for (unsigned i = 0; i < polls * 40000u && (s16)(idx - target) < 0; i++)
		idx = used_idx(RXQ);
	return idx;
}

/* An ARP request from the guest for `ip`, after a zero header, at off. */
static void put_arp_request(u64 off, const u8 *ip)
{
	volatile u8 *p = p8(off);
	fill(p, 0, HDR_LEN + ARP_LEN);
	p += HDR_LEN;
	for (unsigned i = 0; i < 6; i++) {
		p[i] = 0xff;
		p[6 + i] = guest_mac[i];
		p[22 + i] = guest_mac[i];
	}
	p[12] = 0x08, p[13] = 0x06;	/* ARP */
	p[14] = 0, p[15] = 1;		/* Ethernet */
	p[16] = 0x08, p[17] = 0x00;	/* IPv4 */
	p[18] = 6, p[19] = 4;
	p[20] = 0, p[21] = 1;		/* request */
	for (unsigned i = 0; i < 4; i++) {
		p[28 + i] = guest_ip[i];
		p[38 + i] = ip[i];
	}
	mb();
}

/* Whether receive buffer k holds a well-formed ARP reply for `ip` in
 * `len` used bytes; prints what is wrong otherwise. */
static int is_arp_reply(unsigned k, u32 len, const u8 *ip)
{
	static const u8 want_hdr[HDR_LEN] = { 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0 };
	u8 mac[6] = { 0x52, 0x55, ip[0], ip[1], ip[2], ip[3] };
	volatile u8 *h = rxbuf(k), *f = h + HDR_LEN;
	if (len < HDR_LEN + 42 || len > HDR_LEN + 1518)
		return detail("used len", len, HDR_LEN + 42);
	if (!same_bytes(h, want_hdr, HDR_LEN))
		return detail("virtio_net_hdr num_buffers", h[10] | h[11] << 8, 1);
	if (!same_bytes(f, guest_mac, 6))
		return detail("Ethernet destination byte 5", f[5], guest_mac[5]);
	if (!same_bytes(f + 6, mac, 6))
		return detail("Ethernet source byte 5", f[11], mac[5]);
	if (f[12] != 0x08 || f[13] != 0x06)
		return detail("EtherType", (u32)f[12] << 8 | f[13], 0x806);
	if (f[14] != 0 || f[15] != 1 || f[16] != 8 || f[17] != 0 || f[18] != 6 || f[19] != 4)
		return detail("ARP hardware/protocol", f[15], 1);
	if (f[20] != 0 || f[21] != 2)
		return detail("ARP opcode", (u32)f[20] << 8 | f[21], 2);
	if (!same_bytes(f + 22, mac, 6) || !same_bytes(f + 28, ip, 4))
		return detail("ARP sender", f[31], ip[3]);
	if (!same_bytes(f + 32, guest_mac, 6) || !same_bytes(f + 38, guest_ip, 4))
		return detail("ARP target", f[41], guest_ip[3]);
	if (f[len - HDR_LEN] != 0xcc)
		return detail("byte after the frame", f[len - HDR_LEN], 0xcc);
	return 1;
}

/* A transmit chain at descriptors 0, 1, ... (the card serves it during the notify). */
static u16 tx_chain(const struct seg *s, unsigned ns)
{
	for (unsigned i = 0; i < ns; i++) {
		volatile struct vdesc *d = desc(TXQ, i);
		d->addr = s[i].pa;
		d->len = s[i].len;
		d->flags = s[i].flags | (i + 1 < ns ? D_NEXT : 0);
		d->next = (u16)(i + 1 < ns ? i + 1 : 0);
	}
	return 0;
}

/*
 * After a transmit notify: the chain came back with used length 0, the
 * InterruptStatus is the used-buffer bit with the card's line pending (then acknowledged),
 * the card is still DRIVER_OK.
 */
static void tx_done(const char *name, u16 head)
{
	u16 idx = used_idx(TXQ), before = qs[TXQ].used_seen;
	CHECK_EQ(nm(name, ": transmit used idx"), idx, (u16)(before + 1));
	if (idx != before) {
		CHECK_EQ(nm(name, ": used id"), used_elem(TXQ, before)[0], head);
		CHECK_EQ(nm(name, ": used len"), used_elem(TXQ, before)[1], 0);
		qs[TXQ].used_seen = idx;
	}
	CHECK_TRUE(nm(name, ": InterruptStatus used buffer, the card's line pending, no other"),
		   (rd(R_INT_STATUS) & ISR_USED) && ip4() && !other_ip());
	ack_all();
	CHECK_TRUE(nm(name, ": InterruptACK clears the card's line"), rd(R_INT_STATUS) == 0 && !ip4());
	CHECK_EQ(nm(name, ": Status"), rd(R_STATUS), S_ALL_OK);
}

/* Transmits an ARP request for `ip` from the TX buffer; the caller checks the reply. */
static void send_arp(const char *name, const u8 *ip)
{
	put_arp_request(O_TXBUF, ip);
	struct seg s[] = { { pa(O_TXBUF), HDR_LEN + ARP_LEN, 0 } };
	u16 head = tx_chain(s, 1);
	push(TXQ, head);
	notify(TXQ);
	tx_done(name, head);
	expect.tx_frames++;
	expect.tx_bytes += ARP_LEN;
}

/* Transmits an ARP request for 10.0.2.2 and checks only that it came back
 * (the receive side may break meanwhile: nothing else is checked or acknowledged). */
static void send_arp_raw(const char *name)
{
	put_arp_request(O_TXBUF, host_ip);
	struct seg s[] = { { pa(O_TXBUF), HDR_LEN + ARP_LEN, 0 } };
	u16 before = qs[TXQ].used_seen;
	push(TXQ, tx_chain(s, 1));
	notify(TXQ);
	CHECK_EQ(nm(name, ": transmit used idx"), used_idx(TXQ), (u16)(before + 1));
	CHECK_EQ(nm(name, ": used len"), used_elem(TXQ, before)[1], 0);
	qs[TXQ].used_seen = used_idx(TXQ);
	expect.tx_frames++;
	expect.tx_bytes += ARP_LEN;
}

/* Waits for the next receive chain; checks it is an ARP reply for `ip` in
 * buffer k.  (slirp answers ARP at once, so the reply usually arrives
 * during the transmit notify, whose check acknowledged the interrupt.) */
static void expect_reply(const char *name, unsigned k, const u8 *ip)
{
	u16 before = qs[RXQ].used_seen;
	u16 idx = wait_rx((u16)(before + 1), 20);
	CHECK_TRUE(nm(name, ": reply: the receive buffer came back"), idx != before);
	if (idx == before)
		return;
	u32 id = used_elem(RXQ, before)[0], len = used_elem(RXQ, before)[1];
	CHECK_EQ(nm(name, ": reply: used id"), id, k);
	CHECK_TRUE(nm(name, ": reply: a well-formed ARP reply from slirp"),
		   is_arp_reply(k, len, ip));
	ack_all();
	qs[RXQ].used_seen = (u16)(before + 1);
	expect.rx_frames++;
	expect.rx_bytes += len - HDR_LEN;
}

/* An ARP round trip with receive buffer k (posted here). */
static void arp_round_trip(const char *name, unsigned k, const u8 *ip)
{
	rx_post(k);
	notify(RXQ);
	send_arp(name, ip);
	expect_reply(name, k, ip);
}

/* ---- 1. register window and configuration space ---- */

static void registers(void)
{
	tprintf("-- register window and configuration space\n");
	require_device("a device in the card's slot (lw MagicValue)");
	CHECK_EQ("DeviceID (network)", rd(R_DEVICE_ID), 1);
	for (unsigned n = 0; n < slot; n++)
		CHECK_EQ("DeviceID of a slot before the card's (block: the drives come first)",
			 *(volatile u32 *)(SLOT(n) + R_DEVICE_ID), 2);
	if (card_after)
		CHECK_EQ("DeviceID of the slot after the card's (a second card)",
			 *(volatile u32 *)(SLOT(slot + 1) + R_DEVICE_ID), 1);
	else
		dbe_load("lw the slot after the card's (empty)", probe_lw, probe_lw_pc,
			 SLOT(slot + 1) + R_MAGIC);
	dbe_load("lb MagicValue", probe_lb, probe_lb_pc, CARD + R_MAGIC);

	CHECK_EQ("device features: MAC, STATUS, VERSION_1", device_features(),
		 F_MAC | F_STATUS | F_VERSION_1);
	wr(R_QUEUE_SEL, RXQ);
	CHECK_EQ("queue 0 (receive): QueueNumMax", rd(R_QUEUE_NUM_MAX), QMAX);
	wr(R_QUEUE_SEL, TXQ);
	CHECK_EQ("queue 1 (transmit): QueueNumMax", rd(R_QUEUE_NUM_MAX), QMAX);
	wr(R_QUEUE_SEL, 2);
	CHECK_EQ("queue 2 (no control queue): QueueNumMax", rd(R_QUEUE_NUM_MAX), 0);

	for (unsigned i = 0; i < 6; i++) {
		static const char *names[6] = { "config mac[0] (lbu)", "config mac[1] (lbu)",
			"config mac[2] (lbu)", "config mac[3] (lbu)", "config mac[4] (lbu)",
			"config mac[5] (lbu)" };
		exc_arm(1);
		CHECK_EQ(names[i], probe_lbu(CARD + R_CONFIG + i, ~0ul), guest_mac[i]);
		chk_noexc(nm(names[i], ": no bus error"));
	}
	exc_arm(1);
	CHECK_EQ("config status (lhu): VIRTIO_NET_S_LINK_UP", probe_lhu(CARD + R_CONFIG + 6, ~0ul), 1);
	chk_noexc("lhu status: no bus error");
	CHECK_EQ("config mac[0..3] (lw)", rd(R_CONFIG), 0x12005452);
	CHECK_EQ("config mac[4..5], status (lw)", rd(R_CONFIG + 4), 0x00015634);
	CHECK_EQ("config past the status (lw +8)", rd(R_CONFIG + 8), 0);
	wr(R_CONFIG, 0xffffffff);
	CHECK_EQ("config is read-only", rd(R_CONFIG), 0x12005452);
}

/* ---- 2. handshake and the good path ---- */

static void handshake(void)
{
	tprintf("-- handshake\n");
	const char *n;
	n = "FEATURES_OK without VERSION_1";
	CHECK_EQ(nm(n, ": refused"), negotiate(F_MAC | F_STATUS), 0);
	n = "FEATURES_OK with CSUM (not offered)";
	CHECK_EQ(nm(n, ": refused"), negotiate(F_VERSION_1 | F_CSUM), 0);
	n = "FEATURES_OK with MRG_RXBUF (not offered)";
	CHECK_EQ(nm(n, ": refused"), negotiate(F_VERSION_1 | F_MRG_RXBUF), 0);
	n = "FEATURES_OK with INDIRECT_DESC (not offered)";
	CHECK_EQ(nm(n, ": refused"), negotiate(F_VERSION_1 | F_INDIRECT_DESC), 0);
	CHECK_TRUE("initialised (VERSION_1, MAC, STATUS)", dev_init());

	/* A frame the network sends before any receive buffer waits. */
	send_arp("ARP request before any receive buffer", host_ip);
	CHECK_EQ("no receive buffer: nothing delivered", wait_rx(1, 3), 0);
	rx_post(0);
	notify(RXQ);
	CHECK_TRUE("the receive notify delivers it: InterruptStatus used buffer, the card's IP line",
		   rd(R_INT_STATUS) == ISR_USED && ip4());
	expect_reply("the waiting reply, delivered at the receive notify", 0, host_ip);
	CHECK_TRUE("InterruptACK clears the card's line", rd(R_INT_STATUS) == 0 && !ip4());
}

static void good_path(void)
{
	tprintf("-- good path: ARP for 10.0.2.2 and 10.0.2.3\n");
	arp_round_trip("ARP request for 10.0.2.2", 1, host_ip);
	arp_round_trip("ARP request for 10.0.2.3 (DNS)", 2, dns_ip);

	/* the header and the frame in separate descriptors, the header in two */
	put_arp_request(O_TXBUF, host_ip);
	{
		struct seg s[] = { { pa(O_TXBUF), 4, 0 }, { pa(O_TXBUF + 4), 8, 0 },
				   { pa(O_TXBUF + 12), 20, 0 }, { pa(O_TXBUF + 32), ARP_LEN - 20, 0 } };
		rx_post(3);
		notify(RXQ);
		u16 h = tx_chain(s, NSEG(s));
		push(TXQ, h);
		notify(TXQ);
		tx_done("ARP request in four descriptors", h);
		expect.tx_frames++;
		expect.tx_bytes += ARP_LEN;
		expect_reply("ARP request in four descriptors", 3, host_ip);
	}

	/* two requests in one notify: both sent, both replies after the batch */
	rx_post(4);
	rx_post(5);
	notify(RXQ);
	put_arp_request(O_TXBUF, host_ip);
	put_arp_request(O_TXBUF + 0x100, dns_ip);
	{
		volatile struct vdesc *d = desc(TXQ, 0);
		d[0].addr = pa(O_TXBUF), d[0].len = HDR_LEN + ARP_LEN, d[0].flags = 0, d[0].next = 0;
		d[1].addr = pa(O_TXBUF + 0x100), d[1].len = HDR_LEN + ARP_LEN, d[1].flags = 0, d[1].next = 0;
		push(TXQ, 0);
		push(TXQ, 1);
		notify(TXQ);
		const char *n = "two ARP requests in one notify";
		u16 before = qs[TXQ].used_seen;
		CHECK_EQ(nm(n, ": transmit used idx"), used_idx(TXQ), (u16)(before + 2));
		CHECK_TRUE(nm(n, ": both returned with len 0"),
			   used_elem(TXQ, before)[1] == 0 && used_elem(TXQ, before + 1)[1] == 0);
		qs[TXQ].used_seen = used_idx(TXQ);
		expect.tx_frames += 2;
		expect.tx_bytes += 2 * ARP_LEN;
		expect_reply(nm(n, " (first)"), 4, host_ip);
		expect_reply(nm(n, " (second)"), 5, dns_ip);
	}
}

/* ---- 3. transmitted frames the card must drop ---- */

/*
 * The chain comes back with used length 0 and the card goes on; nothing
 * reaches the network: no reply arrives in the posted receive buffer, and
 * the spare buffer stays untouched.
 */
static void bad_tx(const char *name, const struct seg *s, unsigned ns, int chain_fault)
{
	unsigned k = 6;
	rx_post(k);
	notify(RXQ);
	fill(p8(O_SPARE), 0xee, 0x800);
	u16 h = tx_chain(s, ns);
	push(TXQ, h);
	notify(TXQ);
	tx_done(name, h);
	expect.tx_malformed++;
	expect.malformed_chains += chain_fault;
	CHECK_EQ(nm(name, ": dropped: no reply from the network"),
		 wait_rx((u16)(qs[RXQ].used_seen + 1), 3), qs[RXQ].used_seen);
	CHECK_TRUE(nm(name, ": spare buffer untouched"), same_fill(p8(O_SPARE), 0xee, 0x800));
	/* the reply to a good request lands in the buffer the bad one left */
	send_arp(nm(name, ": then a good ARP request"), host_ip);
	expect_reply(nm(name, ": then a good ARP request"), k, host_ip);
}

/* The TX buffer: an ARP request for 10.0.2.2 after a header, then zeros. */
static void tx_buffer_arp(void)
{
	volatile u64 *p = (volatile u64 *)unc(O_TXBUF);
	for (unsigned i = 0; i < 0x10000 / 8; i++)
		p[i] = 0;
	put_arp_request(O_TXBUF, host_ip);
}

static void malformed_tx(void)
{
	tprintf("-- transmitted frames of impossible length or in bad buffers: dropped\n");
	CHECK_TRUE("initialised", dev_init());
	tx_buffer_arp();
	u64 b = pa(O_TXBUF), spare = pa(O_SPARE);
	struct {
		const char *name;
		u64 len;
	} lengths[] = {
		{ "1 byte", 1 },
		{ "11 bytes (less than the header)", 11 },
		{ "the header alone (12 bytes)", 12 },
		{ "header + 13 bytes (less than an Ethernet header)", HDR_LEN + 13 },
		{ "header + 1519 bytes (one more than 1518)", HDR_LEN + 1519 },
		{ "header + 9000 bytes (a jumbo frame)", HDR_LEN + 9000 },
		{ "64 KiB", 0x10000 },
	};
	for (unsigned i = 0; i < NSEG(lengths); i++) {
		tx_buffer_arp();
		struct seg s[] = { { b, (u32)lengths[i].len, 0 } };
		bad_tx(lengths[i].name, s, 1, 0);
	}
	{
		tx_buffer_arp();
		struct seg s[16];
		for (unsigned i = 0; i < 16; i++)
			s[i] = (struct seg){ b + 0x1000ul * i, 0x1000, 0 };
		bad_tx("64 KiB in 16 descriptors", s, 16, 0);
	}
	{
		tx_buffer_arp();
		struct seg s[] = { { b, HDR_LEN + ARP_LEN, D_WRITE } };
		bad_tx("the frame in a device-writable buffer", s, 1, 0);
	}
	{
		tx_buffer_arp();
		struct seg s[] = { { b, HDR_LEN + ARP_LEN, 0 }, { spare, 64, D_WRITE } };
		bad_tx("the frame, then a device-writable buffer", s, 2, 0);
	}
	{
		tx_buffer_arp();
		struct seg s[] = { { b, HDR_LEN, 0 }, { b + HDR_LEN, ARP_LEN, D_WRITE } };
		bad_tx("header readable, frame device-writable", s, 2, 0);
	}
	/* broken chains: the request fails, the queue goes on */
	struct {
		const char *name;
		u64 addr;
		u32 len;
	} outside[] = {
		{ "frame outside RAM", RAM_END, ARP_LEN },
		{ "frame straddles the end of RAM", RAM_END - 30, ARP_LEN },
		{ "frame above 4 GiB", 0x100000000ul, ARP_LEN },
		{ "frame at the UART (MMIO)", UART_PA, ARP_LEN },
		{ "frame wraps around 2^64", 0xffffffffffffffc0ul, 0x80 },
		{ "frame of 4 GiB - 1 bytes", b + HDR_LEN, 0xffffffffu },
	};
	for (unsigned i = 0; i < NSEG(outside); i++) {
		tx_buffer_arp();
		struct seg s[] = { { b, HDR_LEN, 0 }, { outside[i].addr, outside[i].len, 0 } };
		bad_tx(outside[i].name, s, 2, 1);
	}
	{
		tx_buffer_arp();
		struct seg s[] = { { b, 0, 0 } };
		bad_tx("a zero-length buffer (0 bytes)", s, 1, 1);
	}
	{
		tx_buffer_arp();
		struct seg s[] = { { b, HDR_LEN + ARP_LEN, 0 }, { spare, 0, 0 } };
		bad_tx("the frame, then a zero-length buffer", s, 2, 1);
	}
	{
		tx_buffer_arp();
		struct seg s[] = { { spare, 16, D_WRITE }, { b, HDR_LEN + ARP_LEN, 0 } };
		bad_tx("device-writable, then the frame readable", s, 2, 1);
	}
	if (hv_region) {
		tx_buffer_arp();
		struct seg s[] = { { b, HDR_LEN, 0 }, { HV_REGION, ARP_LEN, 0 } };
		bad_tx("frame in the hypervisor's region", s, 2, 1);
		struct seg s2[] = { { HV_REGION + 0xff000, HDR_LEN + ARP_LEN, 0 } };
		bad_tx("header and frame in the hypervisor's region", s2, 1, 1);
	}
	/* the smallest and the largest frames are sent (nobody answers them) */
	{
		const char *n = "a 14-byte frame (the minimum)";
		fill(p8(O_TXBUF), 0, HDR_LEN + 1518);
		for (unsigned i = 0; i < 6; i++)
			p8(O_TXBUF + HDR_LEN)[i] = 0xff, p8(O_TXBUF + HDR_LEN + 6)[i] = guest_mac[i];
		p8(O_TXBUF + HDR_LEN + 12)[0] = 0x88, p8(O_TXBUF + HDR_LEN + 13)[0] = 0xb5;
		struct seg s[] = { { b, HDR_LEN + 14, 0 } };
		push(TXQ, tx_chain(s, 1));
		notify(TXQ);
		tx_done(n, 0);
		n = "a 1518-byte frame (the maximum)";
		s[0].len = HDR_LEN + 1518;
		push(TXQ, tx_chain(s, 1));
		notify(TXQ);
		tx_done(n, 0);
		expect.tx_frames += 2;
		expect.tx_bytes += 14 + 1518;
	}
	arp_round_trip("after the dropped frames: ARP request", 7, host_ip);
}

/* ---- 4. receive buffers the card cannot use ---- */

static void bad_rx(const char *name, const struct seg *s, unsigned ns, int chain_fault, int spare_check)
{
	/* the bad chain at descriptors 8.., then a good buffer 9.. behind it */
	for (unsigned i = 0; i < ns; i++) {
		volatile struct vdesc *d = desc(RXQ, 8 + i);
		d->addr = s[i].pa;
		d->len = s[i].len;
		d->flags = s[i].flags | (i + 1 < ns ? D_NEXT : 0);
		d->next = (u16)(i + 1 < ns ? 8 + i + 1 : 0);
	}
	fill(p8(O_SPARE), 0xee, 0x800);
	push(RXQ, 8);
	rx_post(15);
	notify(RXQ);
	CHECK_EQ(nm(name, ": nothing delivered yet"), used_idx(RXQ), qs[RXQ].used_seen);
	send_arp(nm(name, ": ARP request"), host_ip);
	u16 before = qs[RXQ].used_seen;
	u16 idx = wait_rx((u16)(before + 1), 20);
	CHECK_EQ(nm(name, ": the buffer comes back"), idx, (u16)(before + 1));
	if (idx != before) {
		CHECK_EQ(nm(name, ": used id"), used_elem(RXQ, before)[0], 8);
		CHECK_EQ(nm(name, ": used len 0 (frame dropped)"), used_elem(RXQ, before)[1], 0);
		qs[RXQ].used_seen = idx;
	}
	if (spare_check)
		CHECK_TRUE(nm(name, ": buffer untouched"), same_fill(p8(O_SPARE), 0xee, 0x800));
	ack_all();
	CHECK_EQ(nm(name, ": Status"), rd(R_STATUS), S_ALL_OK);
	expect.rx_too_small++;
	expect.malformed_chains += chain_fault;
	/* the next frame goes to the good buffer */
	send_arp(nm(name, ": next ARP request"), host_ip);
	expect_reply(nm(name, ": next ARP request"), 15, host_ip);
}

static void malformed_rx(void)
{
	tprintf("-- receive buffers too small, device-readable or outside RAM: frame dropped\n");
	CHECK_TRUE("initialised", dev_init());
	u64 spare = pa(O_SPARE);
	{
		struct seg s[] = { { spare, HDR_LEN + 41, D_WRITE } };
		bad_rx("receive buffer of 53 bytes (header + 41: one short of an ARP reply)", s, 1, 0, 1);
	}
	{
		struct seg s[] = { { spare, HDR_LEN, D_WRITE } };
		bad_rx("receive buffer of 12 bytes (the header alone)", s, 1, 0, 1);
	}
	{
		struct seg s[] = { { spare, 1, D_WRITE } };
		bad_rx("receive buffer of 1 byte", s, 1, 0, 1);
	}
	{
		struct seg s[] = { { spare, 0x800, 0 } };
		bad_rx("receive buffer device-readable", s, 1, 0, 1);
	}
	{
		struct seg s[] = { { spare, 16, 0 }, { spare + 0x100, 0x700, D_WRITE } };
		bad_rx("receive chain: readable, then writable", s, 2, 0, 1);
	}
	{
		struct seg s[] = { { RAM_END - 16, 0x800, D_WRITE } };
		bad_rx("receive buffer straddles the end of RAM", s, 1, 1, 0);
	}
	{
		struct seg s[] = { { UART_PA, 0x800, D_WRITE } };
		bad_rx("receive buffer at the UART (MMIO)", s, 1, 1, 0);
	}
	{
		struct seg s[] = { { spare, 0, D_WRITE } };
		bad_rx("receive buffer of 0 bytes", s, 1, 1, 1);
	}
	{
		struct seg s[] = { { spare, 0x400, D_WRITE }, { spare + 0x400, 0x400, 0 } };
		bad_rx("receive chain: writable, then readable", s, 2, 1, 1);
	}
	if (hv_region) {
		struct seg s[] = { { HV_REGION + 0xff000, 0x800, D_WRITE } };
		bad_rx("receive buffer in the hypervisor's region", s, 1, 1, 0);
	}
}

/* ---- 5. broken queues: DEVICE_NEEDS_RESET ---- */

static void needs_reset(const char *name)
{
	CHECK_TRUE(nm(name, ": Status.DEVICE_NEEDS_RESET"), rd(R_STATUS) & S_NEEDS_RESET);
	CHECK_TRUE(nm(name, ": InterruptStatus configuration change"), rd(R_INT_STATUS) & ISR_CONFIG);
	CHECK_TRUE(nm(name, ": the card's IP line pending"), ip4());
	expect.malformed_queues++;
}

/* After DEVICE_NEEDS_RESET: notifications are ignored until a reset, which recovers. */
static void recover(const char *name)
{
	u16 tx_before = used_idx(TXQ);
	put_arp_request(O_TXBUF + 0x200, host_ip);
	desc(TXQ, 12)->addr = pa(O_TXBUF + 0x200);
	desc(TXQ, 12)->len = HDR_LEN + ARP_LEN;
	desc(TXQ, 12)->flags = 0;
	push(TXQ, 12);
	notify(TXQ);
	CHECK_EQ(nm(name, ": a good frame afterwards is not served"), used_idx(TXQ), tx_before);
	reset();
	CHECK_EQ(nm(name, ": after reset: Status"), rd(R_STATUS), 0);
	CHECK_EQ(nm(name, ": after reset: InterruptStatus"), rd(R_INT_STATUS), 0);
	CHECK_TRUE(nm(name, ": after reset: the card's IP line clear"), !ip4());
	CHECK_TRUE(nm(name, ": re-initialised"), dev_init());
	arp_round_trip(nm(name, ": ARP round trip after the reset"), 0, host_ip);
}

static void bad_queue(const char *name, unsigned q, u32 num, u64 dpa, u64 apa, u64 upa)
{
	rings_clear();
	if (!negotiate(F_VERSION_1 | F_MAC | F_STATUS))
		CHECK_TRUE(nm(name, ": FEATURES_OK"), 0);
	queue_program_std(1 - q);
	queue_program(q, num, dpa, apa, upa);
	CHECK_EQ(nm(name, ": QueueReady stays 0"), rd(R_QUEUE_READY), 0);
	needs_reset(name);
	reset();
	CHECK_TRUE(nm(name, ": re-initialised"), dev_init());
	arp_round_trip(nm(name, ": ARP round trip after the reset"), 0, host_ip);
}

/* Prepare a transmit queue violation: a fresh card, receive buffer 1 posted. */
static void tx_fault_prepare(void)
{
	dev_init();
	rx_post(1);
	notify(RXQ);
	tx_buffer_arp();
}

static void tx_fault_done(const char *name)
{
	notify(TXQ);
	CHECK_EQ(nm(name, ": nothing returned"), used_idx(TXQ), qs[TXQ].used_seen);
	needs_reset(name);
	recover(name);
}

static void broken_queues(void)
{
	tprintf("-- broken queues: DEVICE_NEEDS_RESET and a configuration-change interrupt\n");
	u64 rd_ = pa(O_RX_DESC), ra = pa(O_RX_AVAIL), ru = pa(O_RX_USED);
	u64 td = pa(O_TX_DESC), ta = pa(O_TX_AVAIL), tu = pa(O_TX_USED);
	bad_queue("receive queue size 0", RXQ, 0, rd_, ra, ru);
	bad_queue("transmit queue size 3", TXQ, 3, td, ta, tu);
	bad_queue("transmit queue size 512", TXQ, 512, td, ta, tu);
	bad_queue("receive descriptors at +8 (misaligned)", RXQ, QN, rd_ + 8, ra, ru);
	bad_queue("transmit used ring outside RAM", TXQ, QN, td, ta, RAM_END);
	bad_queue("receive used ring at the UART", RXQ, QN, rd_, ra, UART_PA);
	if (hv_region)
		bad_queue("transmit descriptors in the hypervisor's region", TXQ, QN,
			  HV_REGION + 0xfe000, ta, tu);

	const char *n;
	u64 b = pa(O_TXBUF);

	n = "transmit chain loops on its head";
	tx_fault_prepare();
	desc(TXQ, 0)->addr = b, desc(TXQ, 0)->len = HDR_LEN + ARP_LEN;
	desc(TXQ, 0)->flags = D_NEXT, desc(TXQ, 0)->next = 0;
	push(TXQ, 0);
	tx_fault_done(n);

	n = "transmit chain loops (0 -> 1 -> 0)";
	tx_fault_prepare();
	desc(TXQ, 0)->addr = b, desc(TXQ, 0)->len = HDR_LEN, desc(TXQ, 0)->flags = D_NEXT, desc(TXQ, 0)->next = 1;
	desc(TXQ, 1)->addr = b + HDR_LEN, desc(TXQ, 1)->len = ARP_LEN, desc(TXQ, 1)->flags = D_NEXT, desc(TXQ, 1)->next = 0;
	push(TXQ, 0);
	tx_fault_done(n);

	n = "transmit chain of 17 descriptors in a 16-entry queue";
	tx_fault_prepare();
	for (unsigned i = 0; i < QN; i++) {
		desc(TXQ, i)->addr = b + 4 * i, desc(TXQ, i)->len = 4;
		desc(TXQ, i)->flags = D_NEXT, desc(TXQ, i)->next = (u16)((i + 1) % QN);
	}
	push(TXQ, 0);
	tx_fault_done(n);

	n = "transmit indirect descriptor (not offered)";
	tx_fault_prepare();
	{
		volatile struct vdesc *t = (volatile struct vdesc *)unc(O_INDIRECT);
		t[0].addr = b, t[0].len = HDR_LEN + ARP_LEN, t[0].flags = 0, t[0].next = 0;
		desc(TXQ, 0)->addr = pa(O_INDIRECT), desc(TXQ, 0)->len = 16;
		desc(TXQ, 0)->flags = D_INDIRECT, desc(TXQ, 0)->next = 0;
	}
	push(TXQ, 0);
	tx_fault_done(n);

	n = "transmit indirect flag on the frame descriptor";
	tx_fault_prepare();
	{
		volatile struct vdesc *t = (volatile struct vdesc *)unc(O_INDIRECT);
		t[0].addr = b + HDR_LEN, t[0].len = ARP_LEN, t[0].flags = 0, t[0].next = 0;
		desc(TXQ, 0)->addr = b, desc(TXQ, 0)->len = HDR_LEN, desc(TXQ, 0)->flags = D_NEXT, desc(TXQ, 0)->next = 1;
		desc(TXQ, 1)->addr = pa(O_INDIRECT), desc(TXQ, 1)->len = 16;
		desc(TXQ, 1)->flags = D_INDIRECT, desc(TXQ, 1)->next = 0;
	}
	push(TXQ, 0);
	tx_fault_done(n);

	n = "transmit head index 16 (= queue size)";
	tx_fault_prepare();
	push(TXQ, QN);
	tx_fault_done(n);

	n = "transmit next index 0xffff";
	tx_fault_prepare();
	desc(TXQ, 0)->addr = b, desc(TXQ, 0)->len = HDR_LEN, desc(TXQ, 0)->flags = D_NEXT, desc(TXQ, 0)->next = 0xffff;
	push(TXQ, 0);
	tx_fault_done(n);

	n = "transmit available index 17 ahead";
	tx_fault_prepare();
	for (unsigned i = 0; i < QN; i++)
		avail(TXQ)[2 + i] = 0;
	desc(TXQ, 0)->addr = b, desc(TXQ, 0)->len = HDR_LEN + ARP_LEN, desc(TXQ, 0)->flags = 0;
	qs[TXQ].avail_idx = QN + 1;
	avail(TXQ)[1] = qs[TXQ].avail_idx;
	mb();
	tx_fault_done(n);

	/* a good frame, then a bad head, in one notify: the good one is sent
	 * and returned, then the queue breaks; its reply waits in the backlog
	 * and goes with the reset */
	n = "good ARP request then head index 16, one notify";
	tx_fault_prepare();
	desc(TXQ, 0)->addr = b, desc(TXQ, 0)->len = HDR_LEN + ARP_LEN, desc(TXQ, 0)->flags = 0;
	push(TXQ, 0);
	push(TXQ, QN);
	notify(TXQ);
	CHECK_EQ(nm(n, ": the good one returned"), used_idx(TXQ), (u16)(qs[TXQ].used_seen + 1));
	CHECK_EQ(nm(n, ": with used len 0"), used_elem(TXQ, qs[TXQ].used_seen)[1], 0);
	qs[TXQ].used_seen = used_idx(TXQ);
	CHECK_EQ(nm(n, ": InterruptStatus has both bits"), rd(R_INT_STATUS), ISR_USED | ISR_CONFIG);
	CHECK_EQ(nm(n, ": its reply is not delivered (device needs reset)"), wait_rx(1, 3), 0);
	expect.tx_frames++;
	expect.tx_bytes += ARP_LEN;
	needs_reset(n);
	recover(n);

	/* the receive side: the violation shows when a frame arrives */
	n = "receive indirect descriptor (not offered)";
	dev_init();
	{
		volatile struct vdesc *t = (volatile struct vdesc *)unc(O_INDIRECT);
		t[0].addr = pa(O_RXBUF), t[0].len = RXBUF_LEN, t[0].flags = D_WRITE, t[0].next = 0;
		desc(RXQ, 0)->addr = pa(O_INDIRECT), desc(RXQ, 0)->len = 16;
		desc(RXQ, 0)->flags = D_INDIRECT, desc(RXQ, 0)->next = 0;
		fill(rxbuf(0), 0xcc, RXBUF_LEN);
		push(RXQ, 0);
		notify(RXQ);
		CHECK_EQ(nm(n, ": no frame waiting: nothing happens"), rd(R_STATUS), S_ALL_OK);
		send_arp_raw(nm(n, ": ARP request"));
		CHECK_EQ(nm(n, ": nothing returned"), used_idx(RXQ), 0);
		CHECK_TRUE(nm(n, ": buffer untouched"), same_fill(rxbuf(0), 0xcc, RXBUF_LEN));
		needs_reset(n);
		recover(n);
	}

	n = "receive chain loops through two buffers";
	dev_init();
	desc(RXQ, 0)->addr = pa(O_RXBUF), desc(RXQ, 0)->len = 0x400, desc(RXQ, 0)->flags = D_WRITE | D_NEXT, desc(RXQ, 0)->next = 1;
	desc(RXQ, 1)->addr = pa(O_RXBUF + 0x400), desc(RXQ, 1)->len = 0x400, desc(RXQ, 1)->flags = D_WRITE | D_NEXT, desc(RXQ, 1)->next = 0;
	fill(rxbuf(0), 0xcc, RXBUF_LEN);
	push(RXQ, 0);
	notify(RXQ);
	send_arp_raw(nm(n, ": ARP request"));
	CHECK_EQ(nm(n, ": nothing returned"), used_idx(RXQ), 0);
	CHECK_TRUE(nm(n, ": buffer untouched"), same_fill(rxbuf(0), 0xcc, RXBUF_LEN));
	needs_reset(n);
	recover(n);

	n = "receive available index 0x8000 ahead";
	dev_init();
	send_arp(nm(n, ": ARP request (waits: no buffer)"), host_ip);
	qs[RXQ].avail_idx = 0x8000;
	avail(RXQ)[1] = qs[RXQ].avail_idx;
	mb();
	notify(RXQ);
	CHECK_EQ(nm(n, ": nothing returned"), used_idx(RXQ), 0);
	needs_reset(n);
	recover(n);
}

/* ---- 6. a guest that does not refill its receive queue ---- */

#define FLOOD 300
#define BACKLOG 256

static void no_refill(void)
{
	tprintf("-- %u ARP requests, no receive buffer: %u replies wait, %u are dropped\n",
		FLOOD, BACKLOG, FLOOD - BACKLOG);
	CHECK_TRUE("initialised", dev_init());
	put_arp_request(O_TXBUF, host_ip);
	struct seg s[] = { { pa(O_TXBUF), HDR_LEN + ARP_LEN, 0 } };
	unsigned sent = 0, returned = 0;
	for (unsigned i = 0; i < FLOOD; i++) {
		u16 before = used_idx(TXQ);
		push(TXQ, tx_chain(s, 1));
		notify(TXQ);
		u16 after = used_idx(TXQ);
		sent++;
		if (after == (u16)(before + 1) && used_elem(TXQ, before)[1] == 0)
			returned++;
		ack_all();
	}
	qs[TXQ].used_seen = used_idx(TXQ);
	CHECK_EQ("every request returned with len 0", returned, FLOOD);
	CHECK_EQ("Status (the card goes on)", rd(R_STATUS), S_ALL_OK);
	expect.tx_frames += sent;
	expect.tx_bytes += (u64)sent * ARP_LEN;
	expect.rx_queue_full += FLOOD - BACKLOG;
	CHECK_EQ("nothing delivered without buffers", wait_rx(1, 5), 0);
	notify(RXQ);
	CHECK_EQ("an empty receive notify delivers nothing", used_idx(RXQ), 0);

	/* refill: 16 buffers at a time, each notify delivers 16 waiting replies */
	unsigned good = 0, rounds_ok = 0;
	for (unsigned round = 0; round < BACKLOG / QN; round++) {
		u16 before = qs[RXQ].used_seen;
		for (unsigned k = 0; k < QN; k++)
			rx_post(k);
		notify(RXQ);
		u16 idx = used_idx(RXQ);
		if (idx == (u16)(before + QN))
			rounds_ok++;
		else
			detail("receive used idx after a refill", idx, (u16)(before + QN));
		for (u16 i = before; i != idx; i++) {
			u32 id = used_elem(RXQ, i)[0], len = used_elem(RXQ, i)[1];
			if (id < QN && is_arp_reply(id, len, host_ip))
				good++;
			expect.rx_frames++;
			expect.rx_bytes += len - HDR_LEN;
		}
		qs[RXQ].used_seen = idx;
		ack_all();
	}
	CHECK_EQ("each refill of 16 buffers delivered 16 frames at its notify", rounds_ok, BACKLOG / QN);
	CHECK_EQ("waiting frames delivered, each a well-formed ARP reply", good, BACKLOG);
	/* the backlog is empty now */
	u16 idx = qs[RXQ].used_seen;
	for (unsigned k = 0; k < QN; k++)
		rx_post(k);
	notify(RXQ);
	CHECK_EQ("after the backlog: a refill delivers nothing", wait_rx((u16)(idx + 1), 5), idx);
	CHECK_EQ("Status", rd(R_STATUS), S_ALL_OK);
	/* and the card goes on: the next request gets its reply in buffer 0 */
	send_arp("after the flood: ARP request", host_ip);
	expect_reply("after the flood: ARP request", 0, host_ip);
}

/* ---- the run record ---- */

void test_main(void)
{
	parse_args();
	tprintf("virtio-net in slot %u, user-mode networking%s\n", slot,
		hv_region ? ", hypervisor mode" : "");
	registers();
	handshake();
	good_path();
	malformed_tx();
	malformed_rx();
	broken_queues();
	no_refill();
	reset();
	CHECK_EQ("final reset: Status", rd(R_STATUS), 0);
	CHECK_TRUE("final reset: the card's IP line clear", !ip4());

	print_expect("tx_frames", expect.tx_frames);
	print_expect("tx_bytes", expect.tx_bytes);
	print_expect("tx_dropped_malformed", expect.tx_malformed);
	print_expect("rx_frames", expect.rx_frames);
	print_expect("rx_bytes", expect.rx_bytes);
	print_expect("rx_dropped_buffer_too_small", expect.rx_too_small);
	print_expect("rx_dropped_queue_full", expect.rx_queue_full);
	print_expect("rx_backlog_peak", BACKLOG);
	print_expect("malformed_chains", expect.malformed_chains);
	print_expect("malformed_queues", expect.malformed_queues);
	print_expect("device_resets", expect.resets);
	print_expect("slirp_errors", 0);
	test_finish();
}
