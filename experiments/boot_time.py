#!/usr/bin/python3
"""Boot-to-shell time of Debian's Linux on mipshv, next to QEMU's Malta board.

mipshv boots datasets/cache/vmlinuz-mips64r2el on its virtual board; QEMU
boots Debian's 5kc-malta kernel (`-M malta -cpu 5KEf`) with the same
initramfs, both RTCs pinned (`-rtc base=`). Both are timed from process
start to the first shell prompt, in the same run, and mipshv's guest
instruction count comes from its RunRecord.
With --smp 1,2,4 mipshv boots once per vCPU count in each rep (the CPS board
for 2 and more), and the report gives each count's median against -smp 1's;
with --modes bare-metal,on-demand, once per mode and count.

usage: experiments/boot_time.py [--reps N] [--engine jit|interp] [--smp 1,2,4] [--modes M,...] [--no-qemu]
           [--out results/boot_time.json]
"""
import argparse
import json
import os
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
from console_session import ConsoleSession  # noqa: E402
from guest_runs import ENGINES, MODES  # noqa: E402
from emulators import qemu_argv  # noqa: E402
from linux_guest import INITRD, PROMPT, options  # noqa: E402
from records import record  # noqa: E402


def boot_mipshv(mipshv, initrd, engine="jit", smp=1, mode="bare-metal"):
    with tempfile.TemporaryDirectory() as tmp:
        stats = os.path.join(tmp, "run.pb")
        argv = [mipshv, *options(initrd=initrd), "--engine", engine, "--mode", mode, "--stats", stats,
                "-smp", str(smp)]
        start = time.monotonic()
        s = ConsoleSession(argv)
        try:
            s.expect(PROMPT, timeout=600)
            seconds = time.monotonic() - start
            s.send("poweroff -f\n")
            s.wait_exit(timeout=120)
        finally:
            s.close()
        instructions = int(record(mipshv, stats)["totals"]["instructions"])
    return seconds, instructions


def boot_qemu(initrd):
    argv = qemu_argv("qemu-system-mips64el", "256M", initrd)
    start = time.monotonic()
    s = ConsoleSession(argv)
    try:
        s.expect(PROMPT, timeout=600)
        return time.monotonic() - start
    finally:
        s.close()


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--mipshv", default=os.path.join(ROOT, "build", "mipshv"))
    ap.add_argument("--engine", default="jit", choices=ENGINES,
                    help="mipshv's execution engine: jit (default) or interp, the reference interpreter")
    ap.add_argument("--smp", default="1", help="comma-separated vCPU counts for mipshv (default 1)")
    ap.add_argument("--modes", default="bare-metal", help="comma-separated execution modes for mipshv (default bare-metal)")
    ap.add_argument("--no-qemu", action="store_true", help="mipshv only (e.g. to compare vCPU counts)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "boot_time.json"))
    args = ap.parse_args()
    counts = [int(n) for n in args.smp.split(",")]
    modes = args.modes.split(",")
    unknown = [m for m in modes if m not in MODES]
    if unknown:
        ap.error(f"unknown mode {unknown[0]} (valid: {', '.join(MODES)})")
    initrd = INITRD
    runs = []
    for rep in range(args.reps):
        for mode in modes:
            for n in counts:
                m_sec, m_insns = boot_mipshv(args.mipshv, initrd, args.engine, n, mode)
                runs.append({"rep": rep, "mode": mode, "smp": n, "mipshv_seconds": m_sec,
                             "mipshv_guest_instructions": m_insns})
                print(f"rep {rep}: mipshv {mode} -smp {n}: {m_sec:.2f} s ({m_insns / 1e9:.2f} G guest instructions)")
        if not args.no_qemu:
            q_sec = boot_qemu(initrd)
            runs.append({"rep": rep, "qemu_seconds": q_sec})
            print(f"rep {rep}: qemu malta {q_sec:.2f} s")

    def median(key, mode, n):
        return statistics.median(r[key] for r in runs if r.get("mode") == mode and r.get("smp") == n)

    medians = {mode: {n: median("mipshv_seconds", mode, n) for n in counts} for mode in modes}
    insns = {mode: {n: median("mipshv_guest_instructions", mode, n) for n in counts} for mode in modes}
    summary = {"engine": args.engine, "mipshv_median_seconds": medians, "mipshv_median_guest_instructions": insns,
               "command": " ".join([sys.executable] + sys.argv), "runs": runs}
    for mode in modes:
        for n in counts:
            t, first = medians[mode][n], medians[mode][counts[0]]
            print(f"median boot to shell, mipshv {mode} -smp {n}: {t:.2f} s, {insns[mode][n] / 1e9:.2f} G guest "
                  "instructions" + (f"; {t / first:.2f}x -smp {counts[0]}'s wall time" if n != counts[0] else ""))
    if not args.no_qemu:
        q = statistics.median(r["qemu_seconds"] for r in runs if "qemu_seconds" in r)
        m = medians[modes[0]][counts[0]]
        summary.update({"qemu_median_seconds": q, "qemu_over_mipshv": q / m})
        print(f"median boot to shell: qemu {q:.2f} s; mipshv {modes[0]} -smp {counts[0]} is {q / m:.2f}x QEMU's speed")
    os.makedirs(os.path.dirname(args.out), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(summary, f, indent=2)


if __name__ == "__main__":
    main()
