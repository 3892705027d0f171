#!/usr/bin/python3
"""`-nic user,restrict=on,hostfwd=...` (MANUAL.md section 3), in one boot:

  - DHCP still works: /init's lease gives eth0 10.0.2.15/24, without a router
    ("(no default route)"), and the capture holds the DHCP exchange, its
    offer naming no router;
  - the guest cannot reach outside: its TCP connection to an HTTP server
    the test runs on the host's 127.0.0.1 (the guest's 10.0.2.2) fails, the
    server sees no request, and the capture shows the guest's SYN with no
    byte coming back; a UDP datagram to a host echo server gets no answer;
  - forwards from the host still work: the test fetches a page from the
    guest's busybox httpd through the tcp hostfwd;
  - mipshv powers off with status 0 and its card counted no errors.

usage: net_restrict.py MIPSHV KERNEL INITRD OUTDIR [--engine jit|interp] [--timeout SECONDS]
(--timeout: the whole test's time, by default 270 s, below ctest's 300 s.)

The console log, capture and RunRecord go to OUTDIR/net-restrict.{log,pcap,pb}.
"""
import os
import re
import sys
import time

import nets  # experiments/, on PYTHONPATH
from checks import test_setup
from console_session import ConsoleSession
from linux_guest import KERNEL_TROUBLE
from records import record

# /init's line for a lease without a router (datasets/fetch_guest.py).
INIT_NO_ROUTE = re.compile(r"mipshv initramfs: eth0 (\S+) \(no default route\)")
SECRET = b"the host's file, which a restricted guest must not get\n"


def main():
    args, budget, check = test_setup(__doc__, 270)
    log_path, pcap, stats = (os.path.join(args.outdir, f"net-restrict.{x}") for x in ("log", "pcap", "pb"))
    for p in (pcap, stats):
        if os.path.exists(p):
            os.remove(p)
    http = nets.HttpServer({"/secret": SECRET})
    echo = nets.UdpEcho()
    fwd = nets.free_port("tcp")
    argv = nets.argv(args.mipshv, f"user,restrict=on,hostfwd=tcp::{fwd}-:80", args.kernel, args.initrd,
                     engine=args.engine, stats=stats, pcap=pcap)
    print("argv:", " ".join(argv), flush=True)
    s = ConsoleSession(argv, log_path, budget)
    run = lambda c, t=60: nets.run(s, c, t)  # noqa: E731
    token = f"guest page {os.getpid()}"
    status = body = None
    start = time.monotonic()
    try:
        boot_log = s.expect(nets.PROMPT, 120)
        print(f"shell after {time.monotonic() - start:.1f} s", flush=True)
        run("dmesg -n 1")
        m = INIT_NO_ROUTE.search(boot_log)
        check("/init: eth0 10.0.2.15 by DHCP, no default route",
              m is not None and m.group(1) == nets.GUEST_IP,
              [l for l in boot_log.splitlines() if "mipshv initramfs: eth0" in l])
        addr = run("ip -4 addr show eth0")
        check("eth0 has 10.0.2.15/24", f"inet {nets.GUEST_IP}/24" in addr, addr)
        route = run("ip route")
        check("no default route", "default" not in route, route)

        # Outward: TCP and UDP to the host (10.0.2.2 is the host's 127.0.0.1).
        # (Debian's busybox wget crashes on -T; `timeout` bounds the waits.)
        wget = run(f"timeout 20 wget -q -O - http://{nets.HOST_IP}:{http.port}/secret 2>&1; echo rc=$?")
        print(f"guest's wget: {wget!r}", flush=True)
        check(f"the guest's wget of http://10.0.2.2:{http.port}/ is refused",
              "Connection refused" in wget and wget.endswith("rc=1"), wget)
        check("it got none of the host's file", SECRET.decode().strip() not in wget, wget)
        # busybox nc has no UDP; nslookup sends its query to the echo server as a datagram.
        udp = run(f"timeout 20 nslookup mipshv.test {nets.HOST_IP}:{echo.port} 2>&1; echo rc=$?")
        print(f"guest's UDP query: {udp!r}", flush=True)
        check(f"the guest's UDP query to 10.0.2.2:{echo.port} gets no answer",
              "no servers could be reached" in udp and not udp.endswith("rc=0"), udp)

        # Inward: the host reaches the guest's httpd through the forward.
        run("mkdir -p /tmp/www")
        run(f"echo '{token}' > /tmp/www/index.html")
        run("httpd -p 80 -h /tmp/www; echo rc=$?")
        try:
            body, _ = nets.http_get(fwd, "/index.html", timeout=30, retries=10, budget=budget)
        except (RuntimeError, TimeoutError) as e:
            body = repr(e).encode()
        check(f"the host fetched the guest's page through hostfwd tcp::{fwd}-:80",
              body == (token + "\n").encode(), body)
        s.send("poweroff\n")
        status = s.wait_exit(60)
    finally:
        s.close()
        http.close()
        echo.close()
    print(f"run took {time.monotonic() - start:.1f} s", flush=True)
    check("the host's HTTP server saw no request", http.requests == [], http.requests)
    check("the host's UDP echo server saw no datagram", echo.datagrams == 0, echo.datagrams)
    check("powers off with status 0", status == 0, status)
    console = s.log.decode(errors="replace")
    trouble = KERNEL_TROUBLE.findall(console)
    check("no Oops, warning or network trouble on the console", not trouble, trouble)

    c = nets.card(record(args.mipshv, stats))
    check("the card counted no drops, malformed chains or slirp errors", not nets.card_errors(c), nets.card_errors(c))
    cap = nets.summarize_pcap(pcap)
    print(f"capture: {cap['frames']} frames, DHCP {cap['dhcp']}, offers {cap['dhcp_offers']}, "
          f"SYNs {cap['syns']}, TCP {cap['tcp_payload']}, UDP {cap['udp']}", flush=True)
    dhcp = [t for i, t in enumerate(cap["dhcp"]) if t not in cap["dhcp"][:i]]
    check("capture: DHCP DISCOVER, OFFER, REQUEST, ACK in that order",
          dhcp[:4] == ["DISCOVER", "OFFER", "REQUEST", "ACK"], cap["dhcp"])
    check("capture: the offer and ack give 10.0.2.15 and no router",
          cap["dhcp_offers"] and all(o[1:] == (nets.GUEST_IP, None) for o in cap["dhcp_offers"]), cap["dhcp_offers"])
    check(f"capture: the guest sent its SYN to 10.0.2.2:{http.port}",
          (nets.GUEST_IP, nets.HOST_IP, http.port) in cap["syns"], cap["syns"])
    back = nets.tcp_bytes(cap, src=nets.HOST_IP, dst=nets.GUEST_IP, sport=http.port)
    check(f"capture: no TCP payload came back from 10.0.2.2:{http.port}", back == 0, back)
    check(f"capture: the guest's datagram to 10.0.2.2:{echo.port} went out, none came back",
          any(k.endswith(f">{nets.HOST_IP}:{echo.port}") for k in cap["udp"])
          and not any(k.startswith(f"{nets.HOST_IP}:{echo.port}>") for k in cap["udp"]), cap["udp"])
    served = nets.tcp_bytes(cap, src=nets.GUEST_IP, sport=80)
    check("capture: the guest's httpd answered the forwarded connection", served > 0, served)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
