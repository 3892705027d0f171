"""The Linux guest on the network: the mipshv command line with a user-mode
(slirp) card, bringing eth0 up from the console, small host-side servers
(HTTP, UDP echo), free host ports, the guest's UDP tool, and a pure-Python
reader of the --pcap capture (Ethernet, IPv4, TCP, UDP, DHCP).

Used by tests/linux/network*.py and experiments/net_throughput.py.
slirp's network: 10.0.2.0/24, the host 10.0.2.2 (its 127.0.0.1), DNS
10.0.2.3, the guest 10.0.2.15 (DHCP).
"""
import hashlib
import http.server
import os
import re
import shutil
import socket
import socketserver
import struct
import subprocess
import threading
import time

# PROMPT, KERNEL_TROUBLE (what must never appear on the console of a network
# run) and record also serve the network scripts as nets.PROMPT etc.
from linux_guest import BOOTARGS, INITRD, KERNEL, KERNEL_TROUBLE, MEMORY, PROMPT, ROOT, options  # noqa: F401
from records import record  # noqa: F401

UDPTOOL_SOURCE = os.path.join(ROOT, "tests", "linux", "udptool.c")
CROSS_CC = "mips64el-linux-gnuabi64-gcc"

GUEST_IP, HOST_IP, GUEST_NET = "10.0.2.15", "10.0.2.2", "10.0.2.0/24"
# What the initramfs's /init prints once DHCP configured eth0.
INIT_DHCP = re.compile(r"mipshv initramfs: eth0 (\S+) via (\S+)")
KERNEL_LINE = re.compile(r"\[\s*\d+\.\d+\] [^\n]*\n?")
# The shell edits in an 80-column line: a longer command wraps in its echo.
MAX_COMMAND = 72


def argv(mipshv, nic, kernel=KERNEL, initrd=INITRD, mode="bare-metal", engine="jit", stats=None, pcap=None,
         memory=MEMORY, append=BOOTARGS + " quiet", extra=()):
    """The mipshv command line booting Linux with one `-nic` (e.g. "user,hostfwd=tcp::8080-:80")."""
    args = [mipshv, *options(kernel, initrd, memory, append, rtc=None), "--mode", mode, "--engine", engine, "-nic", nic]
    if pcap:
        args += ["--pcap", pcap]
    if stats:
        args += ["--stats", stats]
    return args + list(extra)


def run(session, command, timeout=120):
    """Send a shell command, wait for its echo and the next prompt; its output without
    kernel console lines. (Works for commands that print nothing.)"""
    if len(command) > MAX_COMMAND:
        raise ValueError(f"command longer than {MAX_COMMAND} characters wraps on the console: {command!r}")
    session.send(command + "\n")
    session.expect(re.escape(command) + r"\r?(?=\n)", timeout)
    return KERNEL_LINE.sub("", session.expect(PROMPT, timeout).replace("\r", "")).strip()


def bring_up_eth0(session, timeout=60, allow_manual=False):
    """eth0 with an address by DHCP: what /init did at boot, else `udhcpc` now. Returns how:
    "init" or "udhcpc". Without a lease it raises RuntimeError, unless `allow_manual` (for
    experiments, which record the answer in their results; tests never pass it): then the
    address is configured by hand, and the answer is "manual"."""
    if "inet " in run(session, "ip -4 addr show eth0 2>&1"):
        return "init"
    run(session, "modprobe virtio_net")
    run(session, "ip link set eth0 up")
    # Debian's busybox looks for /etc/udhcpc/default.script; the initramfs may
    # have its hook in /usr/share/udhcpc/ only.
    run(session, "h=/etc/udhcpc/default.script")
    run(session, "[ -x $h ] || h=/usr/share/udhcpc/default.script")
    out = run(session, "udhcpc -i eth0 -n -q -t 5 -T 2 -s $h 2>&1", timeout)
    if "inet " in run(session, "ip -4 addr show eth0 2>&1"):
        return "udhcpc"
    if not allow_manual:
        raise RuntimeError(f"eth0 got no address by DHCP, neither from /init nor from udhcpc ({out[-300:]!r})")
    print(f"nets: udhcpc did not configure eth0 ({out[-300:]!r}); configuring it by hand", flush=True)
    run(session, f"ip addr add {GUEST_IP}/24 dev eth0")
    run(session, f"ip route add default via {HOST_IP}")
    return "manual"


def free_port(kind="tcp"):
    """A host port on 127.0.0.1 that is free now (for a hostfwd)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM if kind == "tcp" else socket.SOCK_DGRAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def random_file(size, seed):
    """Fast deterministic incompressible data: os.urandom would differ per run."""
    import random
    return random.Random(seed).randbytes(size)


class HttpServer:
    """An HTTP/1.0 server on 127.0.0.1 (ephemeral port) serving `files` ({"/name": bytes}) from a thread.
    `requests` lists (path, status, bytes sent)."""

    def __init__(self, files):
        self.files = dict(files)
        self.requests = []
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_GET(self):
                data = outer.files.get(self.path.split("?")[0])
                if data is None:
                    self.send_error(404)
                    outer.requests.append((self.path, 404, 0))
                    return
                self.send_response(200)
                self.send_header("Content-Type", "application/octet-stream")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                sent = 0
                try:
                    view = memoryview(data)
                    while sent < len(data):
                        self.wfile.write(view[sent:sent + (1 << 20)])
                        sent = min(len(data), sent + (1 << 20))
                finally:
                    outer.requests.append((self.path, 200, sent))

            def log_message(self, *args):
                pass

        class Server(socketserver.ThreadingMixIn, http.server.HTTPServer):
            daemon_threads = True

        self.server = Server(("127.0.0.1", 0), Handler)
        self.port = self.server.server_address[1]
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


class UdpEcho:
    """A UDP echo server on 127.0.0.1 (ephemeral port) in a thread; counts datagrams and bytes."""

    def __init__(self):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
        self.sock.bind(("127.0.0.1", 0))
        self.sock.settimeout(0.2)
        self.port = self.sock.getsockname()[1]
        self.datagrams = self.bytes = 0
        self.running = True
        self.thread = threading.Thread(target=self._serve, daemon=True)
        self.thread.start()

    def _serve(self):
        while self.running:
            try:
                data, peer = self.sock.recvfrom(65536)
            except socket.timeout:
                continue
            except OSError:
                return
            self.datagrams += 1
            self.bytes += len(data)
            self.sock.sendto(data, peer)

    def close(self):
        self.running = False
        self.thread.join()
        self.sock.close()


def http_get(port, path, timeout=60, retries=20, budget=None):
    """GET http://127.0.0.1:PORT/PATH (through a hostfwd): (body, seconds). Retries a refused
    or reset connection (the guest's server may not listen yet). `budget` (checks.Budget)
    bounds all the attempts together."""
    import http.client
    last = None
    for _ in range(retries):
        start = time.monotonic()
        try:
            c = http.client.HTTPConnection("127.0.0.1", port, timeout=budget.left(timeout) if budget else timeout)
            c.request("GET", path)
            r = c.getresponse()
            body = r.read()
            c.close()
            if r.status == 200:
                return body, time.monotonic() - start
            last = f"HTTP {r.status}"
        except (OSError, http.client.HTTPException) as e:
            last = repr(e)
        time.sleep(0.5)
    raise RuntimeError(f"GET 127.0.0.1:{port}{path} failed: {last}")


def build_udptool(outdir):
    """Compile tests/linux/udptool.c for the guest (static); its path, or None without the cross compiler."""
    cc = shutil.which(CROSS_CC)
    if cc is None:
        return None
    out = os.path.join(outdir, "udptool")
    subprocess.run([cc, "-Os", "-static", "-s", "-o", out, UDPTOOL_SOURCE], check=True)
    return out


def card(rec, name="eth0"):
    """One network card's counters from a RunRecord dict, as ints (KeyError when absent)."""
    for d in rec.get("devices", []):
        if d.get("name") == name:
            if d.get("kind") != "virtio-net":
                raise KeyError(f"device {name} is a {d.get('kind')}, not virtio-net")
            return {k: int(v) for k, v in d.get("counters", {}).items()}
    raise KeyError(f"no device {name} in the run record")


def card_errors(counters):
    """The error counters of a card that are not zero."""
    return {k: v for k, v in counters.items()
            if v and (k.startswith("rx_dropped") or k.startswith("tx_dropped") or k.startswith("malformed")
                      or k in ("slirp_errors", "features_refused"))}


# --------------------------------------------------------------------------
# The capture (--pcap): libpcap, Ethernet


def pcap_header(path):
    """The global header of a classic libpcap file: {"byte_order": "<" or ">", "nanoseconds": bool,
    "version": (major, minor), "snaplen": int, "linktype": int}."""
    with open(path, "rb") as f:
        return _pcap_header(f.read(24), path)


def _pcap_header(data, path):
    if len(data) < 24:
        raise ValueError(f"{path}: {len(data)} bytes, no pcap header")
    magic = data[:4]
    if magic in (b"\xd4\xc3\xb2\xa1", b"\x4d\x3c\xb2\xa1"):
        end = "<"
    elif magic in (b"\xa1\xb2\xc3\xd4", b"\xa1\xb2\x3c\x4d"):
        end = ">"
    else:
        raise ValueError(f"{path}: not a pcap file (magic {magic.hex()})")
    major, minor, _, _, snaplen, linktype = struct.unpack(end + "HHiIII", data[4:24])
    return {"byte_order": end, "nanoseconds": magic in (b"\x4d\x3c\xb2\xa1", b"\xa1\xb2\x3c\x4d"),
            "version": (major, minor), "snaplen": snaplen, "linktype": linktype}


def read_pcap(path):
    """[(seconds, frame bytes, original length)] from a classic libpcap (2.4) file with Ethernet
    link type; ValueError for anything else, a timestamp fraction out of range or a truncated record."""
    with open(path, "rb") as f:
        data = f.read()
    h = _pcap_header(data, path)
    if h["version"] != (2, 4):
        raise ValueError(f"{path}: pcap version {h['version'][0]}.{h['version'][1]}, not 2.4")
    if h["linktype"] != 1:
        raise ValueError(f"{path}: link type {h['linktype']}, not Ethernet (1)")
    unit = 1e9 if h["nanoseconds"] else 1e6
    frames, pos = [], 24
    while pos + 16 <= len(data):
        sec, frac, incl, orig = struct.unpack(h["byte_order"] + "IIII", data[pos:pos + 16])
        if frac >= unit:
            raise ValueError(f"{path}: record {len(frames)}: timestamp fraction {frac} out of range")
        pos += 16
        frames.append((sec + frac / unit, data[pos:pos + incl], orig))
        pos += incl
    if pos != len(data):
        raise ValueError(f"{path}: truncated record at offset {pos}")
    return frames


DHCP_TYPES = {1: "DISCOVER", 2: "OFFER", 3: "REQUEST", 4: "DECLINE", 5: "ACK", 6: "NAK", 7: "RELEASE", 8: "INFORM"}


def decode(frame):
    """A dict for an Ethernet frame: eth (src, dst, type), and for IPv4 ip (src, dst, proto),
    tcp (sport, dport, flags, payload length) or udp (sport, dport, payload), dhcp (type name)."""
    if len(frame) < 14:
        return {"bad": "short Ethernet frame"}
    d = {"eth_dst": frame[0:6].hex(":"), "eth_src": frame[6:12].hex(":"),
         "eth_type": struct.unpack(">H", frame[12:14])[0]}
    if d["eth_type"] == 0x0806:
        d["arp"] = True
        return d
    if d["eth_type"] != 0x0800:
        return d
    ip = frame[14:]
    if len(ip) < 20 or ip[0] >> 4 != 4:
        d["bad"] = "bad IPv4 header"
        return d
    ihl = (ip[0] & 15) * 4
    total = struct.unpack(">H", ip[2:4])[0]
    d.update(ip_src=socket.inet_ntoa(ip[12:16]), ip_dst=socket.inet_ntoa(ip[16:20]), proto=ip[9])
    body = ip[ihl:total]
    if ip[9] == 6 and len(body) >= 20:
        sport, dport, seq, ack, off_flags = struct.unpack(">HHIIH", body[:14])
        off = (off_flags >> 12) * 4
        d["tcp"] = {"sport": sport, "dport": dport, "flags": off_flags & 0x3f, "len": len(body) - off}
    elif ip[9] == 17 and len(body) >= 8:
        sport, dport, ulen = struct.unpack(">HHH", body[:6])
        payload = body[8:ulen]
        d["udp"] = {"sport": sport, "dport": dport, "payload": payload}
        if {sport, dport} <= {67, 68} and len(payload) >= 240 and payload[236:240] == b"\x63\x82\x53\x63":
            opts, i = payload[240:], 0
            while i < len(opts) and opts[i] != 255:
                if opts[i] == 0:
                    i += 1
                    continue
                if i + 1 >= len(opts):
                    break
                code, n = opts[i], opts[i + 1]
                if code == 53 and n >= 1:
                    d["dhcp"] = DHCP_TYPES.get(opts[i + 2], str(opts[i + 2]))
                if code == 3 and n >= 4:
                    d["dhcp_router"] = socket.inet_ntoa(opts[i + 2:i + 6])
                i += 2 + n
            d["dhcp_yiaddr"] = socket.inet_ntoa(payload[16:20])
    return d


def summarize_pcap(path):
    """What the tests look for in a capture: DHCP message types in order, TCP SYNs
    (src, dst, dport), TCP payload bytes per (src, dst, port pair), UDP datagrams."""
    frames = read_pcap(path)
    s = {"frames": len(frames), "bytes": sum(len(f) for _, f, _ in frames), "truncated": 0, "bad": 0,
         "dhcp": [], "dhcp_offers": [], "syns": [], "tcp_payload": {}, "udp": {}, "arp": 0, "other": 0}
    for _, frame, orig in frames:
        if orig != len(frame):
            s["truncated"] += 1
        d = decode(frame)
        if "bad" in d:
            s["bad"] += 1
        elif d.get("arp"):
            s["arp"] += 1
        elif "tcp" in d:
            t = d["tcp"]
            if t["flags"] & 0x02 and not t["flags"] & 0x10:  # SYN without ACK
                s["syns"].append((d["ip_src"], d["ip_dst"], t["dport"]))
            key = f'{d["ip_src"]}:{t["sport"]}>{d["ip_dst"]}:{t["dport"]}'
            s["tcp_payload"][key] = s["tcp_payload"].get(key, 0) + t["len"]
        elif "udp" in d:
            u = d["udp"]
            if "dhcp" in d:
                s["dhcp"].append(d["dhcp"])
                if d["dhcp"] in ("OFFER", "ACK"):
                    s["dhcp_offers"].append((d["dhcp"], d["dhcp_yiaddr"], d.get("dhcp_router")))
            key = f'{d["ip_src"]}:{u["sport"]}>{d["ip_dst"]}:{u["dport"]}'
            s["udp"][key] = s["udp"].get(key, 0) + 1
        else:
            s["other"] += 1
    return s


def tcp_bytes(summary, src=None, dst=None, dport=None, sport=None):
    """TCP payload bytes in the capture matching the given ends."""
    total = 0
    for key, n in summary["tcp_payload"].items():
        a, b = key.split(">")
        sa, sp = a.rsplit(":", 1)
        da, dp = b.rsplit(":", 1)
        if (src is None or sa == src) and (dst is None or da == dst) and (dport is None or int(dp) == dport) \
                and (sport is None or int(sp) == sport):
            total += n
    return total
