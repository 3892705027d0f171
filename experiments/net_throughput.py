#!/usr/bin/python3
"""TCP throughput and request round trips of the guest's network, mipshv against QEMU.

Both emulators use user-mode networking (slirp) with a tcp hostfwd to the
guest's port 80:

  QEMU      qemu-system-mips64el -M malta -cpu 5KEf -smp 1, Debian's 5kc-malta
            kernel, -netdev user -device virtio-net-pci; its initramfs is built
            in a temporary directory with datasets/fetch_guest.py's functions
            from the already extracted 5kc-malta package (virtio_pci and
            virtio_net of that kernel), with the same busybox and /init
  mipshv    Debian's mips64r2el kernel, -nic user (virtio-net over
            virtio-mmio), --engine jit, --mode bare-metal and one hypervisor
            mode (--hv-mode, default on-demand)

In every boot, after eth0 is up (DHCP; failing that, configured by hand:
each run's "eth0_by" in the results says which), the host measures on its
own clock:

  down     host to guest: the guest's busybox wget fetches SIZE MiB of random
           data from an HTTP server the experiment runs on 127.0.0.1, into
           tmpfs (time from sending the command to the next prompt)
  up       guest to host: the host fetches SIZE MiB of random data (made by the
           guest, untimed) from the guest's busybox httpd through the hostfwd
  rtt      100 sequential tiny HTTP GETs (16 bytes, a new TCP connection each)
           from the host to the guest's httpd; the median per request

Both payloads are checked by sha256 (untimed). Reps alternate the order of
the peers; the report gives medians of --reps runs in MiB/s and ms and the
ratios mipshv / QEMU (> 1 for MiB/s, < 1 for ms: mipshv is better).

usage: experiments/net_throughput.py [--reps 3] [--size 64] [--requests 100]
           [--hv-mode on-demand] [--no-qemu] [--out experiments/results/net_throughput.json]
"""
import argparse
import hashlib
import http.client
import json
import os
import platform
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(ROOT, "datasets"))
import nets  # noqa: E402
from console_session import ConsoleSession  # noqa: E402
from emulators import qemu_initramfs  # noqa: E402

CACHE = os.path.join(ROOT, "datasets", "cache")
QEMU_KERNEL = os.path.join(CACHE, "vmlinuz-5kc-malta")


def peer_argv(peer, args, port, stats):
    fwd = f"hostfwd=tcp:127.0.0.1:{port}-:80"
    if peer == "qemu":
        return [args.qemu, "-M", "malta", "-cpu", "5KEf", "-smp", "1", "-m", args.memory, "-nographic",
                "-no-reboot", "-kernel", QEMU_KERNEL, "-initrd", args.qemu_initrd, "-append", "console=ttyS0 quiet",
                "-netdev", f"user,id=n0,{fwd}", "-device", "virtio-net-pci,netdev=n0"]
    mode = peer.split("-", 1)[1]
    return nets.argv(args.mipshv, f"user,{fwd}", mode=mode, engine="jit", stats=stats, memory=args.memory)


def get(port, path, timeout):
    c = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    c.request("GET", path)
    r = c.getresponse()
    body = r.read()
    c.close()
    if r.status != 200:
        raise RuntimeError(f"GET {path}: HTTP {r.status}")
    return body


def one_run(peer, rep, args, http, data, log_dir):
    base = os.path.join(log_dir, f"{peer}-rep{rep}")
    stats = base + ".pb"
    if os.path.exists(stats):
        os.unlink(stats)
    port = nets.free_port()
    argv = peer_argv(peer, args, port, stats)
    size = len(data)
    run = {"peer": peer, "rep": rep, "argv": [args.mipshv_path if a == args.mipshv else a for a in argv],
           "console_log": os.path.relpath(base + ".log", ROOT), "errors": []}
    s = ConsoleSession(argv, base + ".log")
    sh = lambda c, t=args.timeout: nets.run(s, c, t)  # noqa: E731
    where = "boot"
    start = time.monotonic()
    try:
        s.expect(nets.PROMPT, args.timeout)
        run["boot_seconds"] = time.monotonic() - start
        sh("dmesg -n 1")
        where = "eth0"
        if peer == "qemu":
            sh("modprobe virtio_pci")
        run["eth0_by"] = nets.bring_up_eth0(s, allow_manual=True)  # "init", "udhcpc" or "manual", in the results
        addr = sh("ip -4 addr show eth0")
        if f"inet {nets.GUEST_IP}/" not in addr:
            raise RuntimeError(f"eth0 has no {nets.GUEST_IP}: {addr!r}")
        # down: the guest fetches from the host
        where = "down"
        t0 = time.monotonic()
        out = sh(f"wget -q -O /tmp/d.bin http://{nets.HOST_IP}:{http.port}/data; echo rc=$?")
        seconds = time.monotonic() - t0
        got = (sh("sha256sum /tmp/d.bin; rm /tmp/d.bin").split() or [""])[0]
        ok = out.endswith("rc=0") and got == nets.sha256(data)
        run["down"] = {"seconds": seconds, "mib_s": size / seconds / 2**20, "ok": ok, "detail": f"{out!r} {got}"}
        print(f"  {peer:22} rep {rep} down {run['down']['mib_s']:7.2f} MiB/s {'ok' if ok else 'FAILED'}", flush=True)
        # up: the host fetches from the guest
        where = "up"
        sh("mkdir -p /tmp/www; echo 0123456789abcde > /tmp/www/t")
        sh(f"dd if=/dev/urandom of=/tmp/www/u.bin bs=1M count={size >> 20} 2>/dev/null")
        want = (sh("sha256sum /tmp/www/u.bin").split() or [""])[0]
        sh("httpd -p 80 -h /tmp/www")
        nets.http_get(port, "/t", timeout=60)  # the server is up
        t0 = time.monotonic()
        body = get(port, "/u.bin", args.timeout)
        seconds = time.monotonic() - t0
        ok = len(body) == size and nets.sha256(body) == want
        run["up"] = {"seconds": seconds, "mib_s": size / seconds / 2**20, "ok": ok,
                     "detail": f"{len(body)} bytes, sha256 {nets.sha256(body)} vs {want}"}
        print(f"  {peer:22} rep {rep} up   {run['up']['mib_s']:7.2f} MiB/s {'ok' if ok else 'FAILED'}", flush=True)
        # rtt: sequential tiny GETs
        where = "rtt"
        times = []
        for _ in range(args.requests):
            t0 = time.monotonic()
            body = get(port, "/t", 60)
            times.append(time.monotonic() - t0)
            if body != b"0123456789abcde\n":
                raise RuntimeError(f"GET /t returned {body!r}")
        run["rtt"] = {"ms": statistics.median(times) * 1e3, "mean_ms": statistics.mean(times) * 1e3,
                      "min_ms": min(times) * 1e3, "max_ms": max(times) * 1e3, "requests": len(times), "ok": True}
        print(f"  {peer:22} rep {rep} rtt  {run['rtt']['ms']:7.2f} ms (mean {run['rtt']['mean_ms']:.2f}, "
              f"max {run['rtt']['max_ms']:.2f})", flush=True)
        where = "poweroff"
        s.send("poweroff -f\n")
        try:
            run["exit_status"] = s.wait_exit(timeout=60 if peer != "qemu" else 10)
        except TimeoutError:
            run["exit_status"] = None  # QEMU's Malta may not power off; it is killed
    except (TimeoutError, EOFError, RuntimeError, OSError, http.client.HTTPException) as e:
        msg = str(e)
        run["errors"].append(f"at {where}: {msg.splitlines()[0] if msg else repr(e)}")
        print(f"  {peer:22} rep {rep} ERROR at {where}: {msg[-1500:]}", flush=True)
    finally:
        s.close()
        run["host_seconds"] = time.monotonic() - start
    if peer != "qemu" and os.path.exists(stats):
        try:
            rec = nets.record(args.mipshv, stats)
            run["card"] = nets.card(rec)
            run["exits_mmio"] = int(rec["totals"].get("exits_mmio", 0))
        except (subprocess.CalledProcessError, KeyError, ValueError) as e:
            run["errors"].append(f"RunRecord: {e}")
    return run


def summarize(runs, peers):
    out = {}
    for metric, key in (("down", "mib_s"), ("up", "mib_s"), ("rtt", "ms")):
        row = {}
        for peer in peers:
            vals = [r[metric][key] for r in runs if r["peer"] == peer and metric in r and r[metric]["ok"]]
            row[peer] = {"median": statistics.median(vals), "min": min(vals), "max": max(vals), "n": len(vals)} \
                if vals else None
        for peer in peers:
            if peer != "qemu" and row.get("qemu") and row.get(peer):
                row[f"{peer}_over_qemu"] = row[peer]["median"] / row["qemu"]["median"]
        out[metric] = row
    return out


def table(summary, peers, size):
    labels = {"down": f"TCP host→guest, {size} MiB (MiB/s)", "up": f"TCP guest→host, {size} MiB (MiB/s)",
              "rtt": "tiny HTTP GET round trip (ms)"}
    head = "| | " + " | ".join(peers) + " | " + " | ".join(f"{p} / qemu" for p in peers if p != "qemu") + " |"
    lines = [head, "|" + " --- |" * (1 + len(peers) + len([p for p in peers if p != "qemu"]))]
    for metric, row in summary.items():
        cells = []
        for p in peers:
            st = row.get(p)
            cells.append("—" if not st else f"{st['median']:.2f} [{st['min']:.2f}–{st['max']:.2f}]")
        for p in peers:
            if p != "qemu":
                r = row.get(f"{p}_over_qemu")
                cells.append("—" if r is None else f"{r:.2f}")
        lines.append(f"| {labels[metric]} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--size", type=int, default=64, help="MiB per transfer (default 64)")
    ap.add_argument("--requests", type=int, default=100, help="tiny GETs for the round trip (default 100)")
    ap.add_argument("--hv-mode", default="on-demand", help="mipshv's hypervisor mode next to bare-metal")
    ap.add_argument("-m", "--memory", default="512M")
    ap.add_argument("--timeout", type=float, default=600, help="seconds for the boot and for each step")
    ap.add_argument("--no-qemu", action="store_true")
    ap.add_argument("--mipshv", default=os.path.join(ROOT, "build", "mipshv"))
    ap.add_argument("--qemu", default="qemu-system-mips64el")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "net_throughput.json"))
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if not args.no_qemu and not shutil.which(args.qemu):
        ap.error(f"{args.qemu} not found (install qemu-system-mips, or pass --no-qemu)")
    tmp = tempfile.mkdtemp(prefix="net_throughput-")
    args.mipshv_path = args.mipshv
    args.mipshv = shutil.copy2(args.mipshv, os.path.join(tmp, "mipshv"))  # the same binary in every rep
    mipshv_sha256 = hashlib.sha256(open(args.mipshv, "rb").read()).hexdigest()
    peers = ([] if args.no_qemu else ["qemu"]) + ["mipshv-bare-metal", f"mipshv-{args.hv_mode}"]
    qemu_modules = None
    if not args.no_qemu:
        args.qemu_initrd, release, qemu_modules = qemu_initramfs(tmp)
        print(f"net_throughput: QEMU initramfs for {release} with {len(qemu_modules)} modules", flush=True)
    data = nets.random_file(args.size << 20, seed=64)
    http = nets.HttpServer({"/data": data})
    log_dir = os.path.splitext(os.path.abspath(args.out))[0] + "-logs"
    os.makedirs(log_dir, exist_ok=True)
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
    print(f"net_throughput: {', '.join(peers)}; {args.size} MiB each way, {args.requests} GETs; "
          f"{args.reps} reps; logs in {log_dir}", flush=True)

    def write(runs, complete):
        summary = summarize(runs, peers)
        result = {
            "command": " ".join([sys.executable] + sys.argv), "date": started, "complete": complete,
            "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "kernel": platform.release()},
            "mipshv_binary": {"path": args.mipshv_path, "sha256": mipshv_sha256},
            "qemu_version": None if args.no_qemu else subprocess.run(
                [args.qemu, "--version"], capture_output=True, text=True).stdout.splitlines()[0],
            "qemu_initramfs_modules": qemu_modules,
            "memory": args.memory, "reps": args.reps, "size_mib": args.size, "requests": args.requests,
            "peers": peers, "summary": summary, "table": table(summary, peers, args.size),
            # how each run's eth0 got its address: "init" or "udhcpc" (DHCP), "manual" (by hand)
            "eth0_by": {p: [r.get("eth0_by") for r in runs if r["peer"] == p] for p in peers}, "runs": runs,
        }
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out + ".tmp", "w") as f:
            json.dump(result, f, indent=2)
        os.replace(args.out + ".tmp", args.out)
        return result

    runs = []
    try:
        for rep in range(args.reps):
            order = peers if rep % 2 == 0 else list(reversed(peers))
            for peer in order:
                runs.append(one_run(peer, rep, args, http, data, log_dir))
                write(runs, False)
    finally:
        http.close()
        shutil.rmtree(tmp, ignore_errors=True)
    result = write(runs, True)
    print()
    print(result["table"])
    print()
    print("medians [min–max] of the host clock; x / qemu = mipshv median / QEMU median "
          "(> 1 for MiB/s and < 1 for ms: mipshv is better)")
    bad = [f"{r['peer']} rep {r['rep']}: {e}" for r in runs for e in r["errors"]]
    bad += [f"{r['peer']} rep {r['rep']}: {m} check failed ({r[m]['detail']})" for r in runs
            for m in ("down", "up") if m in r and not r[m]["ok"]]
    for b in bad:
        print(b)
    print(f"wrote {args.out}")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
