#!/usr/bin/python3
"""The guest's network card on slirp, in one boot (MANUAL.md section 3):

  - eth0 gets 10.0.2.15/24 and a default route via 10.0.2.2 by DHCP (from
    /init at boot, else udhcpc from the test; without a lease the test fails);
  - TCP guest to host: the guest fetches a random file from an HTTP server the
    test runs on 127.0.0.1, sha256 compared;
  - TCP host to guest: a tcp hostfwd to the guest's busybox httpd on port 80
    serves a file the guest made from /dev/urandom; the test fetches it and
    compares with the sha256 the guest printed;
  - UDP guest to host: the guest's udptool (tests/linux/udptool.c, built with
    the MIPS cross compiler and fetched over HTTP; busybox's nc has no UDP)
    pings a UDP echo server on 127.0.0.1;
  - UDP host to guest: a udp hostfwd to udptool echoing in the guest;
  - the --pcap capture holds the DHCP exchange and the TCP connections;
  - the card's counters in the RunRecord are present and plausible.

usage: network.py MIPSHV KERNEL INITRD OUTDIR [--engine jit|interp] [--mode MODE] [--size MiB] [--timeout S]

The console log, capture and RunRecord go to OUTDIR/network.{log,pcap,pb}.
The whole test takes at most --timeout seconds (270, below ctest's 300).
"""
import os
import shutil
import socket
import sys
import tempfile
import time

import nets  # experiments/, on PYTHONPATH
from checks import test_setup
from console_session import ConsoleSession

GUEST_UDP_PORT = 7000


def main():
    def extra(ap):
        ap.add_argument("--mode", default="bare-metal")
        ap.add_argument("--size", type=int, default=4, help="MiB in each TCP direction (default 4)")

    args, budget, check = test_setup(__doc__, 270, extra=extra)
    log_path, pcap, stats = (os.path.join(args.outdir, f"network.{x}") for x in ("log", "pcap", "pb"))
    for p in (pcap, stats):
        if os.path.exists(p):
            os.remove(p)
    size = args.size << 20
    host_file = nets.random_file(size, seed=1)
    tmp = tempfile.mkdtemp(prefix="network-")
    udptool = nets.build_udptool(tmp)
    files = {"/host.bin": host_file}
    if udptool:
        files["/udptool"] = open(udptool, "rb").read()
    http = nets.HttpServer(files)
    echo = nets.UdpEcho()
    tcp_fwd, udp_fwd = nets.free_port("tcp"), nets.free_port("udp")
    nic = f"user,hostfwd=tcp::{tcp_fwd}-:80,hostfwd=udp::{udp_fwd}-:{GUEST_UDP_PORT}"
    argv = nets.argv(args.mipshv, nic, args.kernel, args.initrd, mode=args.mode, engine=args.engine,
                     stats=stats, pcap=pcap)
    print("argv:", " ".join(argv), flush=True)
    s = ConsoleSession(argv, log_path, budget)
    run = lambda c, t=120: nets.run(s, c, t)  # noqa: E731
    guest_sum = None
    udp_host_ok = None
    start = time.monotonic()
    try:
        boot_log = s.expect(nets.PROMPT, 180)
        print(f"shell after {time.monotonic() - start:.1f} s", flush=True)
        run("dmesg -n 1")
        m = nets.INIT_DHCP.search(boot_log)
        try:
            how = nets.bring_up_eth0(s)
        except RuntimeError as e:  # no lease: nothing else can work
            check("eth0 got its address by DHCP (from /init or udhcpc)", False, e)
            return check.summary()
        print(f"eth0 configured by DHCP from {how}" + (f" ({m.group(0)})" if m else ""), flush=True)
        if how == "init":
            check("/init reports eth0 10.0.2.15 via 10.0.2.2",
                  m and m.groups() == (nets.GUEST_IP, nets.HOST_IP), m and m.group(0))
        addr = run("ip -4 addr show eth0")
        route = run("ip route")
        check("eth0 has 10.0.2.15/24", f"inet {nets.GUEST_IP}/24" in addr, addr)
        check("default route via 10.0.2.2 on eth0",
              any(l.split()[:5] == ["default", "via", nets.HOST_IP, "dev", "eth0"] for l in route.splitlines()),
              route)

        # TCP, guest to host (the guest downloads).
        t0 = time.monotonic()
        out = run(f"wget -q -O /tmp/h.bin http://{nets.HOST_IP}:{http.port}/host.bin; echo rc=$?", 300)
        seconds = time.monotonic() - t0
        check("guest wget from the host's HTTP server exits 0", out.endswith("rc=0"), out)
        out = run("sha256sum /tmp/h.bin; rm /tmp/h.bin")
        check(f"guest's copy of the host file ({args.size} MiB) has its sha256 ({size / seconds / 2**20:.2f} MiB/s)",
              out.split()[:1] == [nets.sha256(host_file)], f"{out!r}, want {nets.sha256(host_file)}")

        # TCP, host to guest (the host downloads from the guest's httpd).
        run("mkdir -p /tmp/www")
        run(f"dd if=/dev/urandom of=/tmp/www/g.bin bs=64k count={size >> 16} 2>/dev/null")
        out = run("sha256sum /tmp/www/g.bin")
        guest_sum = out.split()[0] if out.split() else None
        run("httpd -p 80 -h /tmp/www; echo rc=$?")
        body, seconds = nets.http_get(tcp_fwd, "/g.bin", timeout=120, budget=budget)
        check(f"host fetched the guest's file through hostfwd tcp::{tcp_fwd}-:80 "
              f"({len(body)} bytes, {len(body) / seconds / 2**20:.2f} MiB/s)", len(body) == size, len(body))
        check("it has the sha256 the guest printed", guest_sum and nets.sha256(body) == guest_sum,
              f"{nets.sha256(body)} vs {out!r}")

        # UDP, both ways.
        if udptool:
            out = run(f"wget -q -O /tmp/udptool http://{nets.HOST_IP}:{http.port}/udptool; echo rc=$?")
            run("chmod +x /tmp/udptool")
            check("guest fetched udptool", out.endswith("rc=0"), out)
            out = run(f"/tmp/udptool ping {nets.HOST_IP} {echo.port} 40; echo rc=$?")
            check(f"UDP guest to host: 40 datagrams echoed by 127.0.0.1:{echo.port}",
                  "udptool: 40/40 echoed" in out and out.endswith("rc=0"), out)
            check("the host's echo server saw them", echo.datagrams >= 40, echo.datagrams)
            run(f"/tmp/udptool echo {GUEST_UDP_PORT} > /tmp/echo.log 2>&1 &")
            udp_host_ok = udp_to_guest(udp_fwd, budget)
            check(f"UDP host to guest: datagrams through hostfwd udp::{udp_fwd}-:{GUEST_UDP_PORT} echoed",
                  udp_host_ok == (20, 20), udp_host_ok)
        else:
            print(f"SKIP UDP: {nets.CROSS_CC} not found (needed to build the guest's udptool)", flush=True)
        run("e=/sys/class/net/eth0")
        guest_view = run("cat $e/operstate $e/carrier $e/statistics/[rt]x_bytes").split()
        print("guest's view of eth0 (operstate carrier rx_bytes tx_bytes):", guest_view, flush=True)
        check("the guest sees eth0's link up (operstate up, carrier 1)", guest_view[:2] == ["up", "1"], guest_view)
        s.send("poweroff\n")
        status = s.wait_exit(120)
    finally:
        s.close()
        http.close()
        echo.close()
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"run took {time.monotonic() - start:.1f} s", flush=True)
    check("powers off with status 0", status == 0, status)
    console = s.log.decode(errors="replace")
    trouble = nets.KERNEL_TROUBLE.findall(console)
    check("no Oops, warning or network trouble on the console", not trouble, trouble)
    served = [r for r in http.requests if r[0] == "/host.bin"]
    check("the host's HTTP server served the whole file once", served == [("/host.bin", 200, size)], served)

    # The card's counters.
    rec = nets.record(args.mipshv, stats)
    c = nets.card(rec)
    print("eth0 counters:", c, flush=True)
    for k in ("rx_frames", "rx_bytes", "tx_frames", "tx_bytes", "queue_notifications", "interrupts_raised",
              "slirp_errors", "tx_dropped_malformed"):
        check(f"counter {k} present", k in c, sorted(c))
    check("rx_bytes >= the payload the guest fetched", c.get("rx_bytes", 0) >= size, c.get("rx_bytes"))
    check("tx_bytes >= the payload the guest served", c.get("tx_bytes", 0) >= size, c.get("tx_bytes"))
    check("frames both ways, notifications and interrupts counted",
          all(c.get(k, 0) > 0 for k in ("rx_frames", "tx_frames", "queue_notifications", "interrupts_raised")), c)
    check("bytes per frame plausible (<= 1514 + virtio header)",
          c.get("rx_bytes", 0) <= 1526 * c.get("rx_frames", 1) and c.get("tx_bytes", 0) <= 1526 * c.get("tx_frames", 1)
          and c.get("rx_bytes", 0) >= 42 * c.get("rx_frames", 0), c)
    try:
        guest_rx, guest_tx = int(guest_view[2]), int(guest_view[3])
    except (IndexError, ValueError):
        guest_rx = guest_tx = None
    check("the card's byte counters cover the guest's own (/sys/class/net/eth0/statistics)",
          guest_rx is not None and c.get("rx_bytes", 0) >= guest_rx and c.get("tx_bytes", 0) >= guest_tx,
          f"card {c.get('rx_bytes')}/{c.get('tx_bytes')}, guest {guest_rx}/{guest_tx}")
    check("no drops, malformed chains or slirp errors", not nets.card_errors(c), nets.card_errors(c))

    # The capture.
    cap = nets.summarize_pcap(pcap)
    print(f"capture: {cap['frames']} frames, {cap['bytes']} bytes, DHCP {cap['dhcp']}, SYNs {cap['syns'][:6]}...",
          flush=True)
    check("capture: no truncated or undecodable frames", cap["truncated"] == 0 and cap["bad"] == 0, cap)
    check("capture: as many frames as the card counted",
          cap["frames"] == c.get("rx_frames", -1) + c.get("tx_frames", -1),
          f'{cap["frames"]} vs {c.get("rx_frames")} + {c.get("tx_frames")}')
    dhcp = [t for i, t in enumerate(cap["dhcp"]) if t not in cap["dhcp"][:i]]
    check("capture: DHCP DISCOVER, OFFER, REQUEST, ACK in that order",
          dhcp[:4] == ["DISCOVER", "OFFER", "REQUEST", "ACK"], cap["dhcp"])
    check("capture: the offer and ack give 10.0.2.15, router 10.0.2.2",
          cap["dhcp_offers"] and all(o[1:] == (nets.GUEST_IP, nets.HOST_IP) for o in cap["dhcp_offers"]),
          cap["dhcp_offers"])
    check(f"capture: the guest's SYN to 10.0.2.2:{http.port}",
          (nets.GUEST_IP, nets.HOST_IP, http.port) in cap["syns"], cap["syns"])
    check("capture: a SYN to the guest's port 80 (the hostfwd)",
          any(d == nets.GUEST_IP and p == 80 for _, d, p in cap["syns"]), cap["syns"])
    down = nets.tcp_bytes(cap, src=nets.HOST_IP, dst=nets.GUEST_IP, sport=http.port)
    up = nets.tcp_bytes(cap, src=nets.GUEST_IP, sport=80)
    check("capture: TCP payload host->guest >= the file", down >= size, down)
    check("capture: TCP payload guest:80->host >= the guest's file", up >= size, up)
    check_with_scapy(check, pcap, cap, http.port)
    if udptool:
        check(f"capture: UDP to 10.0.2.2:{echo.port} and from the guest's port {GUEST_UDP_PORT}",
              any(k.endswith(f">{nets.HOST_IP}:{echo.port}") for k in cap["udp"])
              and any(k.startswith(f"{nets.GUEST_IP}:{GUEST_UDP_PORT}>") for k in cap["udp"]), cap["udp"])
    return check.summary()


def check_with_scapy(check, pcap, cap, http_port):
    """The same capture as an independent reader (scapy, Debian's python3-scapy) sees it."""
    try:
        from scapy.all import DHCP, IP, TCP, rdpcap
    except ImportError:
        check("scapy reads the capture (install python3-scapy: make deps)", False)
        return
    packets = rdpcap(pcap)
    check("scapy: as many frames as our reader", len(packets) == cap["frames"], (len(packets), cap["frames"]))
    types = [dict(o for o in p[DHCP].options if isinstance(o, tuple) and len(o) == 2).get("message-type")
             for p in packets if DHCP in p]
    check("scapy: DHCP discover (1), offer (2), request (3), ack (5)", [1, 2, 3, 5] == list(dict.fromkeys(types))[:4],
          types)
    syns = {(p[IP].src, p[IP].dst, p[TCP].dport) for p in packets if TCP in p and (p[TCP].flags & 0x12) == 0x02}
    check("scapy: the guest's SYN to the host's server and the host's SYN to the guest's port 80",
          (nets.GUEST_IP, nets.HOST_IP, http_port) in syns and any(d == nets.GUEST_IP and port == 80 for _, d, port in syns),
          sorted(syns)[:6])


def udp_to_guest(port, budget, count=20):
    """Send `count` datagrams to 127.0.0.1:PORT (the udp hostfwd) one at a time, each echoed;
    (sent, echoed intact). Waits up to 20 s for the guest's echo server to answer the first,
    then up to 5 s for each echo (within the test's budget)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as sock:
        sock.settimeout(0.5)
        deadline = time.monotonic() + budget.left(20)
        while True:  # the first datagram, repeated until the server in the guest is up
            sock.sendto(b"hello", ("127.0.0.1", port))
            try:
                if sock.recvfrom(65536)[0] == b"hello":
                    break
            except socket.timeout:
                if time.monotonic() > deadline:
                    return (0, 0)
        good = 0
        for i in range(count):
            sock.settimeout(budget.left(5))
            msg = bytes((i * 13 + k) & 255 for k in range(1 + i * 70))
            sock.sendto(msg, ("127.0.0.1", port))
            try:
                good += sock.recvfrom(65536)[0] == msg
            except socket.timeout:
                pass
        return (count, good)


if __name__ == "__main__":
    sys.exit(main())
