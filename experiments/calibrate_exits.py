#!/usr/bin/python3
"""The host cost of each kind of exit, in every execution mode: a calibration
table from bare-metal microbenchmarks (experiments/calibration/exit_kinds.c).

Each kind (a CP0 read, a CP0 write, a Status write, DI/EI, TLBP, TLBWI, a
syscall round trip, a TLB refill, a timer interrupt) runs ITERATIONS x 8
times (an interrupt: once per iteration) in kernel mode, under each mode,
REPS times in an interleaved order. The host CPU time of the run (user +
system, less sensitive to a busy machine than wall time), less that of the
same loop with NOPs ("empty") in the same mode, divided by the events, is
what one event costs in that mode; less the same in bare metal, what the
mode adds. The RunRecord says how each mode handled the event (trap,
hypercall, patched site, stub instructions), per event.

Writes RESULTS/calibration.csv (one row per run) and RESULTS/calibration.json
(the table: per kind and mode the median ns per event, the mode's extra ns
and the mechanism; with the host, the build and the command), which later
experiments read; --markdown prints the table for MANUAL.

usage: calibrate_exits.py [--mipshv build/mipshv] [--program ELF] [--iterations N]
                          [--reps R] [--modes ...] [--kinds ...] [--results DIR] [--markdown]
"""
import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

import records

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
MODES = ("bare-metal", "trap", "1:1", "1:n", "on-demand")
KINDS = ("mfc0", "mtc0", "mtc0_status", "di_ei", "tlbp", "tlbwi", "syscall", "refill", "interrupt")
# exit_kinds.c runs an event 8 times per iteration (an interrupt once).
EVENTS_PER_ITERATION = {"interrupt": 1}
# What a mode did with the events, per event, from the RunRecord's totals.
MECHANISMS = {"trap": "exits_sensitive_trap", "hypercall": "exits_hypercall",
              "exception injection": "exits_exception_injection",
              "interrupt injection": "exits_interrupt_injection", "patched site": "patched_site_executions",
              "stub instruction": "hypervisor_stub_instructions",
              # What some exits do beyond the exit itself: a trapped TLB instruction is emulated against
              # the guest's TLB copy, and a TLB write updates the shadow TLB (and drops what depended on
              # the entry it replaced), whether it trapped or was a hypercall.
              "TLB trap": "traps_tlb", "shadow TLB update": "shadow_tlb_flushes"}


def run_once(mipshv, program, kind, mode, iterations, engine):
    """(cpu seconds, wall seconds, RunRecord dict) of one run."""
    with tempfile.TemporaryDirectory(prefix="calibrate-") as tmp:
        stats = os.path.join(tmp, "run.pb")
        argv = [mipshv, "--engine", engine, "--mode", mode, "-kernel", program, "-semihosting",
                "-append", f"{kind} {iterations}", "--stats", stats]
        start = time.monotonic()
        proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
        out = proc.stdout.read().decode()
        if os.waitstatus_to_exitcode(status) != 0 or out.splitlines()[:1] != [f"{kind} {iterations}"]:
            raise RuntimeError(f"{' '.join(argv)}: status {status}, output {out!r} {proc.stderr.read()!r}")
        return usage.ru_utime + usage.ru_stime, wall, records.record(mipshv, stats)


def measure(args):
    """One row per run (kind, mode, rep, seconds and the mechanism counters), and the host as a RunRecord names it."""
    rows, host = [], {}
    for rep in range(args.reps):
        for kind in ("empty",) + tuple(args.kinds):
            for mode in args.modes:
                cpu, wall, record = run_once(args.mipshv, args.program, kind, mode, args.iterations, args.engine)
                totals, host = record["totals"], record.get("host", {})
                row = {"kind": kind, "mode": mode, "rep": rep, "engine": args.engine, "iterations": args.iterations,
                       "cpu_seconds": cpu, "wall_seconds": wall, "instructions": int(totals["instructions"])}
                row.update({name: int(totals.get(counter, 0)) for name, counter in MECHANISMS.items()})
                rows.append(row)
                print(f"rep {rep} {kind:12} {mode:10} cpu {cpu:7.3f} s  wall {wall:7.3f} s", flush=True)
    return rows, host


def table(rows, modes, kinds):
    """{kind: {mode: {ns_per_event, extra_ns_per_event, mechanism per event}}} from medians."""
    def median_cpu(kind, mode):
        return statistics.median(r["cpu_seconds"] for r in rows if r["kind"] == kind and r["mode"] == mode)

    def one(kind, mode):
        return next(r for r in rows if r["kind"] == kind and r["mode"] == mode)

    result = {}
    for kind in kinds:
        events = EVENTS_PER_ITERATION.get(kind, 8) * rows[0]["iterations"]
        per_mode = {}
        for mode in modes:
            ns = (median_cpu(kind, mode) - median_cpu("empty", mode)) / events * 1e9
            here, empty = one(kind, mode), one("empty", mode)
            per_mode[mode] = {"ns_per_event": ns,
                              "per_event": {m: (here[m] - empty[m]) / events for m in MECHANISMS}}
        base = per_mode.get("bare-metal", {}).get("ns_per_event", 0.0)
        for entry in per_mode.values():
            entry["extra_ns_per_event"] = entry["ns_per_event"] - base
        result[kind] = per_mode
    return result


def mechanism(entry):
    """How the mode handled one event, e.g. "trap", "hypercall", "patched site + 3 stub instructions"."""
    parts = []
    for name, per_event in entry["per_event"].items():
        if per_event >= 0.5:
            parts.append(name if name != "stub instruction" else f"{per_event:.0f} stub instructions")
    return " + ".join(parts) or "none"


def markdown(result, modes):
    lines = ["| Event | " + " | ".join(modes) + " |", "| --- |" + " --- |" * len(modes)]
    for kind, per_mode in result.items():
        cells = []
        for mode in modes:
            e = per_mode[mode]
            cells.append(f"{e['ns_per_event']:.0f} ns" if mode == "bare-metal" else
                         f"{e['extra_ns_per_event']:+.0f} ns ({mechanism(e)})")
        lines.append(f"| `{kind}` | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mipshv", default=os.path.join(ROOT, "build", "mipshv"))
    ap.add_argument("--program", default=os.path.join(ROOT, "build", "experiments", "calibration", "exit_kinds.elf"))
    ap.add_argument("--engine", default="jit")
    ap.add_argument("--iterations", type=int, default=200_000, help="loop iterations, 8 events each (default 200000)")
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--modes", nargs="+", default=list(MODES), choices=MODES)
    ap.add_argument("--kinds", nargs="+", default=list(KINDS), choices=KINDS)
    ap.add_argument("--results", default=os.path.join(HERE, "results"))
    ap.add_argument("--markdown", action="store_true", help="print the table as Markdown")
    args = ap.parse_args()
    if "bare-metal" not in args.modes:
        ap.error("--modes must include bare-metal, the reference")
    rows, host = measure(args)
    result = table(rows, args.modes, args.kinds)
    os.makedirs(args.results, exist_ok=True)
    with open(os.path.join(args.results, "calibration.csv"), "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    version = subprocess.run([args.mipshv, "--version"], capture_output=True, text=True).stdout.strip()
    record = {"what": "host CPU ns per event, median of reps, less the empty loop; extra = less bare metal",
              "events_per_iteration": {k: EVENTS_PER_ITERATION.get(k, 8) for k in args.kinds},
              "command": " ".join([sys.executable] + sys.argv), "mipshv": version, "engine": args.engine,
              "host": host,
              "iterations": args.iterations, "reps": args.reps,
              "table": result}
    with open(os.path.join(args.results, "calibration.json"), "w") as f:
        json.dump(record, f, indent=1)
    print(markdown(result, args.modes) if args.markdown else json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
