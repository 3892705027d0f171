#!/usr/bin/python3
"""Endurance: many cycles of boot, a CPU + disk + network workload, and poweroff, in each execution mode.

A cycle boots Debian's Linux (256M, virtual clock, a fixed RTC) with a fresh
copy of the test disk image as a virtio disk (/mnt) and a `-nic user` card
with a hostfwd to the guest's port 80, and checks at every step:

  - boot: /dev/vda mounted at /mnt, eth0 got 10.0.2.15 via 10.0.2.2 by DHCP,
    the shell prompt;
  - CPU: a shell arithmetic loop (`--loop` iterations) prints the sum the
    host computed;
  - network in: the guest's wget fetches this cycle's file (`--size` KiB of
    deterministic random data, seeded by the cycle number) from an HTTP
    server on the host's 127.0.0.1, reached as 10.0.2.2; `md5sum` of the copy
    must be the host's;
  - disk: `dd ... conv=fsync` writes it to /mnt, the guest drops its page
    cache and `sha256sum` reads it back from the disk: the host's checksum;
  - network out: the guest's busybox httpd serves /mnt (a job of the shell,
    stopped with `kill $!`); the host fetches the file through the hostfwd
    and compares bytes;
  - `poweroff`: mipshv must exit with status 0; the console must be free of
    kernel trouble (Oops, BUG, WARNING, panic, I/O errors, ...); the RunRecord
    must show no disk or card errors; on the host the image must be clean
    (`e2fsck -fn`) and hold the file (debugfs, sha256).

Every step has a timeout bounded by `--timeout` per cycle, so a hung cycle is
diagnosed (diagnose(): CPU share, host backtrace, whether the guest answers a
typed line), killed and counted as a failure. `--budget` bounds the whole run
(its ctest registration, linux.endurance.jit, passes one below ctest's
TIMEOUT): a cycle is cut short early enough to be diagnosed within it, and
a cycle that would start after that is not run and counts as failed. A
cycle that raises (a bug, a host failure outside its checks) is a failed
cycle too, so the exit status is 1 whenever a planned cycle did not pass.

The mipshv process's peak RSS is its own rusage (wait4's ru_maxrss, KiB);
VmRSS is also sampled after boot and before poweroff. Per mode: failures,
cycle times and RSS min/median/max, and the growth check: median peak RSS
of the last 5 cycles against the first 5, and a least-squares slope in KiB
per cycle. Each cycle is a new mipshv process on a new image, so the cycles
are independent; the data, the RTC and (by default) the guest's clock are
fixed, so a cycle's work is the same in every run.

usage: experiments/endurance.py [--cycles 50] [--modes bare-metal,trap,1:1,1:n,on-demand] [--engine jit]
       [--smp 1[,4]] [--jobs 1] [--size 2048] [--loop 5000] [--timeout 900] [--budget SECONDS]
       [--mipshv build/mipshv] [--out experiments/results/endurance.json] [--logs DIR] [--keep-logs]
"""
import argparse
import datetime
import hashlib
import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import traceback

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from console_session import ConsoleSession  # noqa: E402
import disks  # noqa: E402
import linux_guest  # noqa: E402
import nets  # noqa: E402

MODES = ("bare-metal", "trap", "1:1", "1:n", "on-demand")
GROWTH_WINDOW = 5          # cycles compared at each end
GROWTH_THRESHOLD = 0.02    # growth is flagged when the last cycles' median exceeds the first's by more than 2%
# Disk counters that must stay 0.
DISK_ERRORS = ("errors_host_io", "errors_out_of_range", "errors_read_only", "malformed_requests")
# Seconds a cut-short cycle may still need within --budget: diagnose() (5 s of CPU share, gdb up to 120 s,
# the probe up to 30 s), the kill and the reap.
WIND_DOWN = 200


def loop_sum(n):
    """What the guest's `s=0;for i in $(seq n);do s=$(((s+i*i)%99991));done;echo $s` prints."""
    s = 0
    for i in range(1, n + 1):
        s = (s + i * i) % 99991
    return s


def proc_status(pid):
    """VmRSS and VmHWM (KiB) of a live process, or {} when it is gone."""
    out = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("VmRSS:", "VmHWM:")):
                    out[line.split(":")[0]] = int(line.split()[1])
    except OSError:
        pass
    return out


def reap(session, timeout):
    """Wait up to `timeout` seconds for mipshv to exit, draining the console meanwhile; its exit
    status and peak RSS (KiB, wait4's ru_maxrss), or None when it is still running."""
    proc = session.proc
    end = time.monotonic() + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid == proc.pid:
            proc.returncode = os.waitstatus_to_exitcode(status)
            while session._read_some(0):
                pass
            return proc.returncode, usage.ru_maxrss
        if time.monotonic() >= end:
            return None
        if session._read_some(0.1) is None:  # EOF: the process is exiting
            time.sleep(0.02)


def running(pid):
    """Whether the child `pid` has not exited yet (without reaping it)."""
    try:
        return os.waitid(os.P_PID, pid, os.WEXITED | os.WNOHANG | os.WNOWAIT) is None
    except ChildProcessError:
        return False


def diagnose(session, seconds=5, probe_timeout=30):
    """What a cycle that timed out was doing, before it is killed: the share of a CPU mipshv used over
    `seconds`, its threads' host backtraces (gdb, when installed), and whether the guest still answers:
    the kernel echoes a typed line even while the shell is busy, and a free shell runs it."""
    pid, d = session.proc.pid, {}

    def cpu_seconds():
        with open(f"/proc/{pid}/stat") as f:
            fields = f.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    try:
        c0 = cpu_seconds()
        time.sleep(seconds)
        d["cpu_share"] = round((cpu_seconds() - c0) / seconds, 3)
        d["host_load"] = os.getloadavg()[0]
    except OSError:
        return d
    if shutil.which("gdb"):
        try:
            bt = subprocess.run(["gdb", "-p", str(pid), "-batch", "-ex", "thread apply all bt"],
                                capture_output=True, text=True, timeout=120)
            d["host_backtrace"] = bt.stdout[-8000:]
        except subprocess.TimeoutExpired:
            d["host_backtrace"] = "gdb timed out"
    mark = len(session.log)
    try:
        session.send("\necho PROBE-$((6*7))\n")
        session.expect("PROBE-42", probe_timeout)
        d["shell_answers_probe"] = True
    except (TimeoutError, EOFError, OSError):
        d["shell_answers_probe"] = False
    d["kernel_echoed_probe"] = b"echo PROBE-" in session.log[mark:]
    d["console_after_probe"] = session.log[mark:].decode(errors="replace")[-1000:]
    return d


class Failure(Exception):
    pass


def cycle(args, mode, smp, n, template, tmp):
    """One cycle; a dict of what it measured, "ok" and, when not ok, "failure" (the first thing that went wrong)."""
    seed = args.seed * 1_000_003 + n
    data = nets.random_file(args.size << 10, seed=seed)
    want_md5, want_sha = hashlib.md5(data).hexdigest(), hashlib.sha256(data).hexdigest()
    want_loop = loop_sum(args.loop)
    tag = f"{mode.replace(':', 'to')}-smp{smp}-{n:03d}"
    image = os.path.join(tmp, f"{tag}.img")
    stats = os.path.join(tmp, f"{tag}.pb")
    shutil.copyfile(template, image)
    http = nets.HttpServer({"/d.bin": data})
    fwd = nets.free_port("tcp")
    extra = ["-drive", disks.drive(image), "-nic", f"user,hostfwd=tcp::{fwd}-:80", "--stats", stats]
    if smp > 1:
        extra += ["-smp", str(smp)]
    # The guest as every experiment boots it (256M, console=ttyS0, the fixed RTC of linux_guest.RTC).
    argv = [args.mipshv, *linux_guest.options(args.kernel, args.initrd), "--mode", mode, "--engine", args.engine] + extra
    r = {"cycle": n, "mode": mode, "smp": smp, "seed": seed, "ok": False, "steps": {}}
    start = time.monotonic()
    deadline, limit = start + args.timeout, f"cycle timeout ({args.timeout:g} s)"
    if args.budget_end is not None and args.budget_end - WIND_DOWN < deadline:
        deadline, limit = args.budget_end - WIND_DOWN, f"the run's --budget ({args.budget:g} s)"
    s = ConsoleSession(argv)
    step_start = start

    def left(cap):
        rest = deadline - time.monotonic()
        if rest <= 0:
            raise Failure(f"{limit} exceeded")
        return min(cap, rest)

    def step(name):
        nonlocal step_start
        now = time.monotonic()
        r["steps"][name] = round(now - step_start, 3)
        step_start = now

    def run(command, cap=300):
        return nets.run(s, command, left(cap))

    def need(what, ok, detail):
        if not ok:
            raise Failure(f"{what}: {detail}")

    try:
        try:
            boot = s.expect(disks.MOUNTED, left(600))
            boot += s.expect(nets.PROMPT, left(300))
            m = nets.INIT_DHCP.search(boot)
            need("DHCP at boot", m and m.groups() == (nets.GUEST_IP, nets.HOST_IP),
                 m.group(0) if m else "no 'mipshv initramfs: eth0 ...' line")
            r["rss_after_boot_kib"] = proc_status(s.proc.pid).get("VmRSS")
            step("boot")
            run("dmesg -n 1")
            out = run(f"s=0;for i in $(seq {args.loop});do s=$(((s+i*i)%99991));done;echo $s")
            need("shell loop", out.strip() == str(want_loop), f"printed {out!r}, want {want_loop}")
            step("cpu_loop")
            out = run(f"wget -q -O /tmp/d.bin http://{nets.HOST_IP}:{http.port}/d.bin; echo rc=$?")
            need("wget from the host", out.endswith("rc=0"), out[-300:])
            out = run("md5sum /tmp/d.bin")
            need("md5sum of the downloaded file", out.split()[:1] == [want_md5], f"{out!r}, want {want_md5}")
            step("net_in_md5")
            out = run("dd if=/tmp/d.bin of=/mnt/e.bin bs=64k conv=fsync 2>/dev/null; echo rc=$?")
            need("dd conv=fsync to /mnt", out.endswith("rc=0"), out[-300:])
            run("rm /tmp/d.bin; sync; echo 3 > /proc/sys/vm/drop_caches")
            out = run("sha256sum /mnt/e.bin")
            need("sha256sum of the file read back from the disk", out.split()[:1] == [want_sha],
                 f"{out!r}, want {want_sha}")
            step("disk")
            # httpd in the foreground as a job of the shell, stopped with `kill $!`: a daemon stopped with
            # `kill $(pidof httpd); cd /` leaves busybox's shell (PID 1) now and then without its prompt
            # until a line is typed, under QEMU's Malta as under mipshv (the guest's race, not the board's).
            run("httpd -f -p 80 -h /mnt &")
            body, _ = nets.http_get(fwd, "/e.bin", timeout=left(300))
            need("host's GET of the guest's file through the hostfwd", hashlib.sha256(body).hexdigest() == want_sha,
                 f"{len(body)} bytes, sha256 {hashlib.sha256(body).hexdigest()}")
            run("kill $!; wait")
            step("net_out")
            r["rss_before_poweroff_kib"] = proc_status(s.proc.pid).get("VmRSS")
            s.send("poweroff\n")
            reaped = reap(s, left(120))
            if reaped is None:
                raise Failure("mipshv did not exit within 120 s of poweroff")
            r["exit_status"], r["peak_rss_kib"] = reaped
            step("poweroff")
            need("exit status after poweroff", r["exit_status"] == 0, r["exit_status"])
        except (Failure, TimeoutError, EOFError, RuntimeError, OSError) as e:
            r["failure"] = f"{type(e).__name__}: {e}" if not isinstance(e, Failure) else str(e)
            if running(s.proc.pid):
                r["hang"] = diagnose(s)
        finally:
            if s.proc.returncode is None:  # not reaped yet: kill it if it runs, and count a failed cycle's RSS too
                if running(s.proc.pid):
                    r["killed"] = True
                # (os.kill, not Popen.kill: that one reaps an exited process first, and its rusage with it)
                os.kill(s.proc.pid, signal.SIGKILL)
                r["exit_status"], r["peak_rss_kib"] = reap(s, 60) or (None, None)
            s.proc.stdin.close()
            s.proc.stdout.close()
            http.close()
        r["seconds"] = round(time.monotonic() - start, 3)
        console = s.log.decode(errors="replace")
        if "failure" not in r:
            trouble = sorted(set(linux_guest.KERNEL_TROUBLE.findall(console)))
            if trouble:
                r["failure"] = f"kernel trouble on the console: {trouble}"
        if "failure" not in r:
            try:
                rec = disks.record(args.mipshv, stats)
                disk, card = disks.device(rec, "vda"), nets.card(rec)
                r["instructions"] = int(rec["totals"].get("instructions", 0))
                r["host_syncs"] = disk.get("host_syncs", 0)
                r["net_rx_bytes"], r["net_tx_bytes"] = card.get("rx_bytes", 0), card.get("tx_bytes", 0)
                bad = {k: disk[k] for k in DISK_ERRORS if disk.get(k)} | nets.card_errors(card)
                if bad:
                    r["failure"] = f"error counters in the RunRecord: {bad}"
                elif r["host_syncs"] == 0:
                    r["failure"] = "the guest's fsync reached no fdatasync (host_syncs 0)"
            except Exception as e:  # noqa: BLE001 (a missing or unreadable record is this cycle's failure)
                r["failure"] = f"RunRecord: {type(e).__name__}: {e}"
        if "failure" not in r:
            status, fsck = disks.e2fsck(image)
            got = disks.debugfs_cat(image, "/e.bin")
            if status != 0:
                r["failure"] = f"e2fsck -fn after poweroff: status {status}: {fsck[-500:]}"
            elif got is None or hashlib.sha256(got).hexdigest() != want_sha:
                r["failure"] = f"/e.bin in the image: {'missing' if got is None else f'{len(got)} bytes, other sha256'}"
        r["ok"] = "failure" not in r
        if args.logs and (not r["ok"] or args.keep_logs):
            os.makedirs(args.logs, exist_ok=True)
            path = os.path.join(args.logs, f"{tag}.log")
            with open(path, "wb") as f:
                f.write(s.log)
            r["console_log"] = path
        if not r["ok"]:
            r["command"] = " ".join(argv)
            r["console_tail"] = console[-3000:]
    finally:
        for p in (image, stats):
            if os.path.exists(p):
                os.remove(p)
    return r


def hang_summary(r):
    """One line about a timed-out cycle's diagnosis (empty when there is none)."""
    h = r.get("hang")
    if not h:
        return ""
    return (f" [hung: mipshv used {h.get('cpu_share')} of a CPU (host load {h.get('host_load')}); kernel echoed a typed line: "
            f"{h.get('kernel_echoed_probe')}; shell answered it: {h.get('shell_answers_probe')}]")


def spread(values):
    values = [v for v in values if v is not None]
    if not values:
        return None
    return {"min": min(values), "median": statistics.median(values), "max": max(values)}


def growth(peaks):
    """First GROWTH_WINDOW cycles' median peak RSS against the last ones', and the slope over all cycles."""
    peaks = [p for p in peaks if p is not None]
    if len(peaks) < 2:
        return None
    w = min(GROWTH_WINDOW, len(peaks) // 2)
    first, last = statistics.median(peaks[:w]), statistics.median(peaks[-w:])
    xs = range(len(peaks))
    mx, my = statistics.mean(xs), statistics.mean(peaks)
    slope = sum((x - mx) * (y - my) for x, y in zip(xs, peaks)) / sum((x - mx) ** 2 for x in xs)
    return {"window": w, "first_median_kib": first, "last_median_kib": last, "delta_kib": last - first,
            "delta_percent": round(100 * (last - first) / first, 3), "slope_kib_per_cycle": round(slope, 3),
            "threshold_percent": 100 * GROWTH_THRESHOLD, "grows": last - first > GROWTH_THRESHOLD * first}


def summarize(runs):
    failed = [r for r in runs if not r["ok"]]
    in_cycle = [r["rss_before_poweroff_kib"] - r["rss_after_boot_kib"] for r in runs
                if r.get("rss_before_poweroff_kib") and r.get("rss_after_boot_kib")]
    return {
        "cycles": len(runs), "failures": len(failed),
        "failed_cycles": [{"cycle": r["cycle"], "failure": r["failure"][:300] + hang_summary(r)} for r in failed],
        "seconds": spread([r["seconds"] for r in runs if not r.get("not_run")]),
        "peak_rss_kib": spread([r.get("peak_rss_kib") for r in runs if r["ok"]]),
        "rss_after_boot_kib": spread([r.get("rss_after_boot_kib") for r in runs if r["ok"]]),
        "rss_workload_delta_kib": spread(in_cycle),
        "peak_rss_growth": growth([r.get("peak_rss_kib") for r in runs if r["ok"]]),
        "instructions": spread([r.get("instructions") for r in runs if r["ok"]]),
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cycles", type=int, default=50, help="cycles per mode (default 50)")
    ap.add_argument("--modes", default=",".join(MODES), help="comma-separated execution modes (default all five)")
    ap.add_argument("--engine", default="jit", choices=("jit", "interp"))
    ap.add_argument("--smp", default="1", help="vCPU counts, comma-separated: '1,4' runs every mode with each")
    ap.add_argument("--jobs", type=int, default=1, help="modes run at once, each in its own thread (default 1)")
    ap.add_argument("--size", type=int, default=2048, help="KiB moved through network and disk per cycle")
    ap.add_argument("--loop", type=int, default=5000, help="iterations of the guest's shell loop")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per cycle before it is killed and failed")
    ap.add_argument("--budget", type=float, help="seconds for the whole run (default: no limit)")
    ap.add_argument("--seed", type=int, default=1, help="seeds the per-cycle data")
    ap.add_argument("--mipshv", default=disks.MIPSHV)
    ap.add_argument("--kernel", default=disks.KERNEL)
    ap.add_argument("--initrd", default=disks.INITRD)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "endurance.json"))
    ap.add_argument("--logs", help="console logs of failed cycles go here (default: OUT without .json, plus -logs)")
    ap.add_argument("--keep-logs", action="store_true", help="keep every cycle's console log, not only failures'")
    ap.add_argument("--stop-on-failure", action="store_true", help="stop a mode at its first failed cycle")
    args = ap.parse_args()
    modes = [m for m in args.modes.split(",") if m]
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode {m!r}; modes: {', '.join(MODES)}")
    smps = [int(x) for x in args.smp.split(",") if x]
    args.logs = args.logs or os.path.splitext(os.path.abspath(args.out))[0] + "-logs"
    if args.budget is not None and args.budget <= WIND_DOWN:
        ap.error(f"--budget must leave more than the {WIND_DOWN} s a cut-short cycle may need to wind down")
    args.budget_end = time.monotonic() + args.budget if args.budget else None
    for p in (args.mipshv, args.kernel, args.initrd):
        if not os.path.exists(p):
            ap.error(f"{p} does not exist")
    configs = [(m, n) for n in smps for m in modes]
    key = lambda m, n: m if smps == [1] else f"{m} smp{n}"  # noqa: E731
    results = {key(m, n): [] for m, n in configs}
    lock = threading.Lock()
    started = time.monotonic()
    meta = {
        "command": " ".join([sys.executable] + sys.argv), "mipshv": os.path.abspath(args.mipshv),
        "engine": args.engine, "cycles_per_mode": args.cycles, "size_kib": args.size, "loop": args.loop,
        "timeout_seconds": args.timeout, "budget_seconds": args.budget, "seed": args.seed, "jobs": args.jobs, "smp": smps,
        "started": datetime.datetime.now().isoformat(timespec="seconds"),
    }

    def write(complete):
        with lock:
            doc = dict(meta, complete=complete, wall_seconds=round(time.monotonic() - started, 1),
                       summary={k: summarize(v) for k, v in results.items()}, runs=results)
            os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
            with open(args.out + ".tmp", "w") as f:
                json.dump(doc, f, indent=1)
            os.replace(args.out + ".tmp", args.out)
            return doc

    with tempfile.TemporaryDirectory(prefix="endurance-") as tmp:
        template = disks.make_test_image(os.path.join(tmp, "template.img"))

        def campaign(mode, smp):
            k = key(mode, smp)
            for n in range(args.cycles):
                failed = {"cycle": n, "mode": mode, "smp": smp, "ok": False, "steps": {}, "seconds": 0.0}
                begun = time.monotonic()
                if args.budget_end is not None and begun >= args.budget_end - WIND_DOWN:
                    r = dict(failed, not_run=True, failure=f"not run: the run's --budget ({args.budget:g} s) is spent")
                else:
                    try:
                        r = cycle(args, mode, smp, n, template, tmp)
                    except Exception as e:  # noqa: BLE001 (counted as a failed cycle, not lost with this thread)
                        r = dict(failed, seconds=round(time.monotonic() - begun, 3),
                                 failure=f"the cycle raised {type(e).__name__}: {e}", traceback=traceback.format_exc())
                with lock:
                    results[k].append(r)
                rss = r.get("peak_rss_kib")
                print(f"{k} cycle {n}: {'ok' if r['ok'] else 'FAIL'} in {r['seconds']:.1f} s, peak RSS "
                      f"{rss / 1024 if rss else float('nan'):.1f} MiB"
                      + ("" if r["ok"] else f": {r['failure'][:300]}") + hang_summary(r), flush=True)
                write(False)
                if not r["ok"] and args.stop_on_failure:
                    return

        pending = list(configs)
        threads = []
        while pending or threads:
            threads = [t for t in threads if t.is_alive()]
            while pending and len(threads) < max(1, args.jobs):
                t = threading.Thread(target=campaign, args=pending.pop(0))
                t.start()
                threads.append(t)
            time.sleep(0.5)
    doc = write(True)

    print(f"\n{args.cycles} cycles per mode, engine {args.engine}, {args.size} KiB each way, "
          f"wall {doc['wall_seconds']:.0f} s")
    print(f"{'mode':<16} {'cycles':>6} {'fail':>4} {'s/cycle (med)':>13} {'peak RSS MiB min/med/max':>26} "
          f"{'first5->last5 MiB':>18} {'slope KiB/cyc':>13} grows")
    for k, s in doc["summary"].items():
        rss, g = s["peak_rss_kib"], s["peak_rss_growth"]
        rss_txt = "-" if not rss else f"{rss['min'] / 1024:.1f}/{rss['median'] / 1024:.1f}/{rss['max'] / 1024:.1f}"
        g_txt = "-" if not g else f"{g['first_median_kib'] / 1024:.1f}->{g['last_median_kib'] / 1024:.1f}"
        print(f"{k:<16} {s['cycles']:>6} {s['failures']:>4} {s['seconds']['median'] if s['seconds'] else 0:>13.1f} "
              f"{rss_txt:>26} {g_txt:>18} {g['slope_kib_per_cycle'] if g else 0:>13.1f} "
              f"{('yes' if g['grows'] else 'no') if g else '-'}")
        for f in s["failed_cycles"]:
            print(f"    cycle {f['cycle']}: {f['failure']}")
    total = sum(s["failures"] for s in doc["summary"].values())
    print(f"{total} failed cycles; wrote {args.out}")
    return 1 if total else 0


if __name__ == "__main__":
    sys.exit(main())
