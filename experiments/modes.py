#!/usr/bin/python3
"""Hypervisor exits and wall time of a Linux boot to the shell in every
execution mode, next to bare metal.

Each run boots Debian's kernel, runs a one-line workload and powers off;
its RunRecord is kept in the results folder with the command that
reproduces the whole sweep.

usage: experiments/modes.py [--reps N] [--out experiments/results/modes]
"""
import argparse
import json
import os
import statistics
import sys

from guest_runs import MODES, ROOT, boot, exits

WORKLOAD = b"uname -a\npoweroff -f\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--mipshv", default=os.path.join(ROOT, "build", "mipshv"))
    ap.add_argument("--out", default=os.path.join(ROOT, "experiments", "results", "modes"))
    args = ap.parse_args()
    os.makedirs(args.out, exist_ok=True)
    rows = {}
    for mode in MODES:
        runs = []
        for rep in range(args.reps):
            path = os.path.join(args.out, f"{mode.replace(':', 'to')}-{rep}.pb")
            status, _, record = boot(args.mipshv, mode, WORKLOAD, stats_path=path)
            if status != 0:
                sys.exit(f"{mode}: mipshv exited with status {status}")
            runs.append(record)
        r0 = runs[0]
        t, h = r0["totals"], r0.get("hypervisor", {})
        rows[mode] = {
            "exits": exits(r0),
            "traps": int(t.get("exits_sensitive_trap", 0)),
            "hypercalls": int(t.get("exits_hypercall", 0)),
            "exception_exits": int(t.get("exits_exception_injection", 0)) + int(t.get("exits_interrupt_injection", 0)),
            "guest_instructions": int(t["instructions"]),
            "wall_seconds": statistics.median(r["wall_seconds"] for r in runs),
            "hypervisor_seconds": statistics.median(r.get("hypervisor", {}).get("hypervisor_seconds", 0.0) for r in runs),
            "patches": h.get("patches", {}),
        }
    base, trap = rows["bare-metal"]["wall_seconds"], rows["trap"]["exits"]
    print(f"{'mode':11} {'exits':>9} {'cut':>8} {'traps':>9} {'hypercalls':>10} {'exc+irq':>8} "
          f"{'wall s':>7} {'vs bare':>7} {'hyp s':>6}")
    for mode, r in rows.items():
        vs_trap = f"{100 * (1 - r['exits'] / trap):.1f}%" if mode != "bare-metal" else "-"
        print(f"{mode:11} {r['exits']:9} {vs_trap:>8} {r['traps']:9} {r['hypercalls']:10} {r['exception_exits']:8} "
              f"{r['wall_seconds']:7.2f} {r['wall_seconds'] / base:6.2f}x {r['hypervisor_seconds']:6.3f}")
    with open(os.path.join(args.out, "summary.json"), "w") as f:
        json.dump({"command": " ".join([sys.executable] + sys.argv), "modes": rows}, f, indent=2)


if __name__ == "__main__":
    main()
