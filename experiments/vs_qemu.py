#!/usr/bin/python3
"""Speed of in-guest workloads on mipshv against QEMU's Malta board.

The same Debian initramfs (busybox-static) boots under QEMU
(`qemu-system-mips64el -M malta -cpu 5KEf -smp 1`, Debian's 5kc-malta kernel)
and under mipshv (Debian's mips64r2el kernel, `--clock virtual`, one column
per `--engine`), with the same -m and both RTCs pinned (`-rtc base=`). In
every boot the host times, from sending
a shell command over the console to seeing the next prompt:

  boot    process start to the first shell prompt
  sha256  sha256sum of a 64 MiB file in tmpfs
  gzip    gzip -9 of 16 MiB of compressible, non-trivial data in tmpfs
  fork    a shell loop running /bin/true (fork + execve) 300 times
  awk     a floating-point awk loop, s += 1/(i*i) for i = 1..100000
  total   the sum of the selected workloads

The input data (seq's numbers 1..200000 followed by the busybox binary,
repeated) is made untimed in the guest's /tmp before the timed steps; the host
builds the same bytes from the initramfs and checks every result (sha256 of
the file, gunzip of the gzip output, the loop count and /proc/stat's fork
counter, the awk sum), so a broken run cannot look fast. Reps alternate QEMU
and mipshv (QEMU first in even reps, last in odd ones); the report gives the
median per workload, min and max, and QEMU median / mipshv median (> 1: mipshv
is faster), for host wall time and, in a second table, for the emulator
process's CPU time.

usage: experiments/vs_qemu.py [--reps 3] [--engines jit,interp]
           [--workloads boot,sha256,gzip,fork,awk] [--quick] [-m 512M]
           [--timeout 900] [--out experiments/results/vs_qemu.json]
"""
import argparse
import hashlib
import math
import os
import platform
import shutil
import signal
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from emulators import (MAX_COMMAND, QEMU_KERNEL, GuestRun, cell, emulator_options, failures,  # noqa: E402
                       initramfs_file, pin_binary, print_errors, print_tables, qemu_argv, spread, version, write_json)
from linux_guest import INITRD, KERNEL as MIPSHV_KERNEL, options  # noqa: E402

WORKLOADS = ("boot", "sha256", "gzip", "fork", "awk")
SIZES = {
    "full": {"seq": 200000, "gzip_bytes": 16 << 20, "sha_bytes": 64 << 20, "forks": 300, "awk_n": 100000},
    "quick": {"seq": 20000, "gzip_bytes": 2 << 20, "sha_bytes": 8 << 20, "forks": 30, "awk_n": 10000},
}
PEER_LABEL = {"qemu": "QEMU malta", "jit": "mipshv jit", "interp": "mipshv interp"}


# --------------------------------------------------------------------------
# What the guest should print, computed on the host


def repeat(src, copies, dst):
    """Commands writing `copies` copies of file src to dst (8 per command line)."""
    out = []
    for i in range(0, copies, 8):
        n = min(8, copies - i)
        out.append("cat" + f" {src}" * n + (" >" if i == 0 else " >>") + dst)
    return out


def plan(sizes, initrd):
    """Guest commands (setup, timed, check) and the expected results."""
    busybox = initramfs_file(initrd, "bin/busybox")
    numbers = b"".join(b"%d\n" % i for i in range(1, sizes["seq"] + 1))
    block = numbers + busybox
    g, s = sizes["gzip_bytes"], sizes["sha_bytes"]
    g_copies = math.ceil(g / len(block))
    data = (block * g_copies)[:g]
    s_copies = math.ceil(s / g)
    shafile = (data * s_copies)[:s]
    awk_sum = 0.0
    for i in range(1, sizes["awk_n"] + 1):
        awk_sum += 1 / (i * i)  # exact i*i, correctly rounded division: as awk's doubles
    p = {
        "setup": [
            f"seq 1 {sizes['seq']} >/tmp/n",
            "cat /tmp/n /bin/busybox >/tmp/b",
            *repeat("/tmp/b", g_copies, "/tmp/d"), f"truncate -s {g} /tmp/d",
            "rm /tmp/n /tmp/b",
        ],
        "setup_sha": [*repeat("/tmp/d", s_copies, "/tmp/s"), f"truncate -s {s} /tmp/s"],
        "sha256": "sha256sum /tmp/s",
        "gzip": "gzip -9 </tmp/d >/tmp/d.gz;echo rc=$?",
        "gzip_check": ["gzip -dc /tmp/d.gz|sha256sum", "wc -c </tmp/d.gz", "sha256sum </tmp/d.gz"],
        "fork": f"i=0;while [ $i -lt {sizes['forks']} ];do /bin/true;i=$((i+1));done;echo n=$i",
        "fork_count": "grep processes /proc/stat",
        "awk": f"awk -v n={sizes['awk_n']} 'BEGIN{{for(i=1;i<=n;i++)s+=1/(i*i);printf \"%.12f\\n\",s}}'",
        "expect": {
            "sha256": hashlib.sha256(shafile).hexdigest(),
            "data_sha256": hashlib.sha256(data).hexdigest(),
            "fork": f"n={sizes['forks']}",
            "awk": f"{awk_sum:.12f}",
        },
    }
    for c in p["setup"] + p["setup_sha"] + p["gzip_check"] + [p[k] for k in ("sha256", "gzip", "fork", "awk")]:
        assert len(c) <= MAX_COMMAND, c
    return p


# --------------------------------------------------------------------------
# One boot of one peer, all selected workloads


def peer_argv(peer, args, stats):
    if peer == "qemu":
        return qemu_argv(args.qemu, args.memory, args.initrd)
    return [args.mipshv, *options(MIPSHV_KERNEL, args.initrd, args.memory), "--engine", peer,
            "--clock", "virtual", "--stats", stats]


def one_run(peer, rep, args, p, log_dir):
    log_path = os.path.join(log_dir, f"{peer}-rep{rep}.log")
    stats = os.path.join(log_dir, f"{peer}-rep{rep}.pb")
    g = GuestRun(peer, rep, f"  {PEER_LABEL[peer]:14} rep {rep}", peer_argv(peer, args, stats), log_path, stats,
                 args.mipshv, args.mipshv_path, args.timeout, "workloads")
    run = g.run
    wl = run["workloads"]
    expect = p["expect"]
    untimed = g.untimed

    def timed(name, command, check):
        raw, out, seconds, cpu = g.timed(name, command)
        ok, detail = check(out)
        wl[name] = {"seconds": seconds, "cpu_seconds": cpu, "ok": ok, "output": raw.strip()[-400:], "detail": detail}
        print(f"  {PEER_LABEL[peer]:14} rep {rep} {name:7} {seconds:8.2f} s  {'ok' if ok else 'FAILED: ' + detail}",
              flush=True)

    def body(guest):
        boot, boot_cpu = guest.boot_seconds, guest.boot_cpu_seconds
        machine = untimed("uname -rm")
        # Notices such as "random: crng init done" stay off the console, out of
        # the commands' echo and output; warnings and worse still show.
        untimed("dmesg -n 5")
        if "boot" in args.workloads:
            ok = machine.endswith("mips64")
            wl["boot"] = {"seconds": boot, "cpu_seconds": boot_cpu, "ok": ok, "output": machine, "detail": "" if ok else "uname -m"}
            print(f"  {PEER_LABEL[peer]:14} rep {rep} boot    {boot:8.2f} s  {machine}", flush=True)
        if {"sha256", "gzip"} & set(args.workloads):
            for c in p["setup"]:
                untimed(c)
        if "sha256" in args.workloads:
            for c in p["setup_sha"]:
                untimed(c)
            timed("sha256", p["sha256"],
                  lambda out: (out.split()[:1] == [expect["sha256"]], f"got {out!r}, want {expect['sha256']}"))
            untimed("rm /tmp/s")
        if "gzip" in args.workloads:
            timed("gzip", p["gzip"], lambda out: (out == "rc=0", f"got {out!r}"))
            unpacked, size, packed = (untimed(c) for c in p["gzip_check"])
            g = wl["gzip"]
            g["compressed_bytes"] = int(size) if size.isdigit() else size
            g["compressed_sha256"] = packed.split()[0] if packed else packed
            if unpacked.split()[:1] != [expect["data_sha256"]]:
                g["ok"] = False
                g["detail"] = f"gunzip gives sha256 {unpacked!r}, want {expect['data_sha256']}"
                print(f"  {PEER_LABEL[peer]:14} rep {rep} gzip    FAILED: {g['detail']}", flush=True)
        if "fork" in args.workloads:
            before = untimed(p["fork_count"])
            timed("fork", p["fork"], lambda out: (out == expect["fork"], f"got {out!r}, want {expect['fork']}"))
            after = untimed(p["fork_count"])
            try:
                forked = int(after.split()[-1]) - int(before.split()[-1])
            except (ValueError, IndexError):
                forked = None
            f = wl["fork"]
            f["processes_created"] = forked
            if forked is None or forked < args.sizes["forks"]:
                f["ok"] = False
                f["detail"] = f"/proc/stat counted {forked} new processes, want >= {args.sizes['forks']}"
                print(f"  {PEER_LABEL[peer]:14} rep {rep} fork    FAILED: {f['detail']}", flush=True)
        if "awk" in args.workloads:
            timed("awk", p["awk"], lambda out: (out == expect["awk"], f"got {out!r}, want {expect['awk']}"))

    g.perform(body)
    if all(w in wl and wl[w]["ok"] for w in args.workloads):
        run["total_seconds"] = sum(wl[w]["seconds"] for w in args.workloads)
        run["total_cpu_seconds"] = sum(wl[w]["cpu_seconds"] for w in args.workloads)
    return run


# --------------------------------------------------------------------------
# Summary


def summarize(runs, peers, workloads, key="seconds"):
    out = {}
    for name in list(workloads) + ["total"]:
        row = {}
        for peer in peers:
            if name == "total":
                vals = [r["total_" + key] for r in runs if r["peer"] == peer and "total_" + key in r]
            else:
                vals = [r["workloads"][name][key] for r in runs
                        if r["peer"] == peer and name in r["workloads"] and r["workloads"][name]["ok"]]
            row[peer] = spread(vals)
        for peer in peers:
            if peer != "qemu" and row.get("qemu") and row.get(peer):
                row[f"qemu_over_{peer}"] = row["qemu"]["median"] / row[peer]["median"]
        out[name] = row
    return out


def table(summary, peers, reps, unit="wall s"):
    head = ["workload"]
    for peer in peers:
        head.append(f"{PEER_LABEL[peer]} {unit}")
        if peer != "qemu" and "qemu" in peers:
            head.append(f"QEMU/{peer}")
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, row in summary.items():
        cells = [f"**{name}**" if name == "total" else name]
        for peer in peers:
            cells.append(cell(row.get(peer), reps))
            if peer != "qemu" and "qemu" in peers:
                r = row.get(f"qemu_over_{peer}")
                cells.append(f"{r:.2f}×" if r else "–")
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--engines", default="jit,interp", help="mipshv engines, comma-separated (jit, interp)")
    ap.add_argument("--workloads", default=",".join(WORKLOADS), help="comma-separated subset of " + ",".join(WORKLOADS))
    emulator_options(ap, ROOT, "small sizes, for a smoke run", "mipshv only (no ratios)")
    ap.add_argument("--initrd", default=INITRD)
    ap.add_argument("--out", default=os.path.join(HERE, "results", "vs_qemu.json"))
    args = ap.parse_args()
    # On SIGTERM, unwind so that every ConsoleSession kills its emulator.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    args.workloads = [w for w in args.workloads.split(",") if w]
    engines = [e for e in args.engines.split(",") if e]
    for w in args.workloads:
        if w not in WORKLOADS:
            ap.error(f"unknown workload {w!r}; known: {', '.join(WORKLOADS)}")
    for e in engines:
        if e not in ("jit", "interp"):
            ap.error(f"unknown engine {e!r}; known: jit, interp")
    if not args.no_qemu and not shutil.which(args.qemu):
        ap.error(f"{args.qemu} not found (install qemu-system-mips, or pass --no-qemu)")
    for f in (args.mipshv, args.initrd, MIPSHV_KERNEL, QEMU_KERNEL):
        if not os.path.exists(f):
            ap.error(f"{f} is missing (datasets/fetch_guest.py fetches the guest; cmake --build build builds mipshv)")
    args.sizes = SIZES["quick" if args.quick else "full"]
    # Others may rebuild build/mipshv during a long run: run a private copy so
    # every rep uses the same binary.
    args.mipshv_path = args.mipshv
    pinned = tempfile.mkdtemp(prefix="vs_qemu-")
    args.mipshv, mipshv_binary = pin_binary(args.mipshv, pinned)
    if mipshv_binary["version"] is None:
        ap.error(f"{args.mipshv_path} does not run (a build in progress?)")
    p = plan(args.sizes, args.initrd)
    peers = ([] if args.no_qemu else ["qemu"]) + engines
    log_dir = os.path.splitext(os.path.abspath(args.out))[0] + "-logs"
    os.makedirs(log_dir, exist_ok=True)
    print(f"vs_qemu: {', '.join(PEER_LABEL[x] for x in peers)}; workloads {', '.join(args.workloads)}; "
          f"-m {args.memory}; {'quick' if args.quick else 'full'} sizes {args.sizes}; logs in {log_dir}", flush=True)

    qemu_version = None if args.no_qemu else version([args.qemu, "--version"])
    started = time.strftime("%Y-%m-%dT%H:%M:%S%z")

    def write(runs, complete):
        """The JSON so far (rewritten after every run, so a killed run keeps its data)."""
        summary = summarize(runs, peers, args.workloads)
        cpu_summary = summarize(runs, peers, args.workloads, "cpu_seconds")
        # gzip output must be the same bytes everywhere (the same busybox binary)
        gz = sorted({r["workloads"]["gzip"].get("compressed_sha256") for r in runs
                     if "gzip" in r["workloads"] and r["workloads"]["gzip"]["ok"]})
        result = {
            "command": " ".join([sys.executable] + sys.argv),
            "date": started, "complete": complete,
            "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "kernel": platform.release()},
            "mipshv_binary": mipshv_binary, "qemu_version": qemu_version,
            "memory": args.memory, "reps": args.reps, "quick": args.quick, "sizes": args.sizes,
            "peers": peers, "workloads": args.workloads,
            "commands": {k: p[k] for k in ("setup", "setup_sha", "sha256", "gzip", "gzip_check", "fork", "awk")},
            "expected": p["expect"],
            "gzip_outputs_identical": len(gz) <= 1, "gzip_output_sha256s": gz,
            "summary": summary, "table": table(summary, peers, args.reps),
            "cpu_summary": cpu_summary, "cpu_table": table(cpu_summary, peers, args.reps, "CPU s"),
            "runs": runs,
        }
        write_json(args.out, result)
        return result

    runs = []
    try:
        for rep in range(args.reps):
            # Alternate: QEMU first in even reps, last in odd ones.
            order = peers if rep % 2 == 0 else engines + ([] if args.no_qemu else ["qemu"])
            for peer in order:
                runs.append(one_run(peer, rep, args, p, log_dir))
                write(runs, False)
    finally:
        shutil.rmtree(pinned, ignore_errors=True)
    result = write(runs, True)
    print_tables(result, "medians [min–max] of host wall seconds; QEMU/x = QEMU median / mipshv median (> 1: mipshv faster)",
                 "the same for the emulator process's CPU time (user + system, all threads), less sensitive to other load")
    failed = failures(runs, args.workloads, "workloads", PEER_LABEL.get)
    print_errors(runs, PEER_LABEL.get)
    if not result["gzip_outputs_identical"]:
        print(f"note: gzip output differs between runs: {result['gzip_output_sha256s']}")
    print(f"wrote {args.out}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
