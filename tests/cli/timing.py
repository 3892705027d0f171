#!/usr/bin/python3
"""--timing (MANUAL.md section 7): the guest's clock follows the cost model.

exit_kinds.elf (experiments/calibration/) repeats one kind of event and
prints how far Count advanced across the events. With the in-order profile:
  - without --timing, every mode shows the guest the same clock (one tick an
    instruction): the same output everywhere;
  - with --timing, each run's output is the same under both engines and the
    same when run again;
  - bare metal's Count advances as its instructions cost at the profile's
    clock, and trap mode's by that plus each trapped mfc0's exit price: the
    difference is within one trap of what the profile says;
  - timer interrupts arrive in every mode (the "interrupt" kind waits for
    each of them);
  - bad combinations get one line and exit 1.

usage: timing.py MIPSHV EXIT_KINDS_ELF PROFILE WORKDIR
"""
import json
import os
import subprocess
import sys

from checks import Checks  # experiments/, on PYTHONPATH

MODES = ("bare-metal", "trap", "1:1", "1:n", "on-demand")
ENGINES = ("jit", "interp")
BOARD_HZ = 100_000_000  # hv/board/memory_map.h kCpuClockHz: a tick; Count ticks every other
ITERATIONS = 300  # each runs the event 8 times


def run(mipshv, elf, kind, mode, engine, *extra):
    r = subprocess.run([mipshv, "-kernel", elf, "-semihosting", "-append", f"{kind} {ITERATIONS}", "--mode", mode,
                        "--engine", engine, *extra], capture_output=True, text=True, timeout=60)
    lines = r.stdout.splitlines()
    counts = int(lines[1].split()[-1]) if r.returncode == 0 and len(lines) == 2 else None
    return r.returncode, r.stdout, counts


def main():
    mipshv, elf, profile_path, work = sys.argv[1:5]
    os.makedirs(work, exist_ok=True)
    with open(profile_path) as f:
        profile = json.load(f)
    timing = ["--cost-model", profile_path, "--timing"]
    check = Checks()

    plain = {(m, e): run(mipshv, elf, "mfc0", m, e) for m in MODES for e in ENGINES}
    check("without --timing: every mode and engine shows the same clock",
          len({out for _, out, _ in plain.values()}) == 1 and all(rc == 0 for rc, _, _ in plain.values()), plain)

    timed = {(m, e): run(mipshv, elf, "mfc0", m, e, *timing) for m in MODES for e in ENGINES}
    for m in MODES:
        check(f"--timing, {m}: exit 0, the same output under both engines",
              timed[(m, "jit")][0] == 0 and timed[(m, "jit")][1] == timed[(m, "interp")][1],
              (timed[(m, "jit")], timed[(m, "interp")]))
    again = run(mipshv, elf, "mfc0", "trap", "jit", *timing)
    check("--timing: the same output when run again", again == timed[("trap", "jit")], again)

    counts = {m: timed[(m, "jit")][2] for m in MODES}
    if None in counts.values() or plain[("bare-metal", "jit")][2] is None:
        check("every run printed how far Count advanced", False, timed)
        return check.summary()
    ticks_per_cycle = BOARD_HZ / profile["clock_hz"]
    per_count = lambda cycles: cycles * ticks_per_cycle / 2  # noqa: E731
    trap_price = per_count(profile["prices"]["exits_sensitive_trap"]["cycles"])
    plain_counts = plain[("bare-metal", "jit")][2]
    insn_price = profile["prices"]["instructions"]["cycles"] * ticks_per_cycle
    check("bare metal: Count advances as the instructions cost at the profile's clock",
          counts["bare-metal"] is not None and abs(counts["bare-metal"] - plain_counts * insn_price) <= 2,
          (counts["bare-metal"], plain_counts, insn_price))
    traps = 8 * ITERATIONS
    extra = (counts["trap"] or 0) - (counts["bare-metal"] or 0)
    check("trap: Count advances further by each trapped mfc0's price (within one trap)",
          abs(extra - traps * trap_price) <= trap_price + 1, (extra, traps * trap_price))
    check("the patching modes: dearer than bare metal, cheaper than trap",
          all(counts["bare-metal"] < counts[m] < counts["trap"] for m in ("1:1", "1:n", "on-demand")), counts)

    for m in MODES:
        for e in ENGINES:
            rc, out, _ = run(mipshv, elf, "interrupt", m, e, *timing)
            check(f"--timing, {m}, {e}: every timer interrupt arrives", rc == 0 and out.startswith("interrupt "),
                  (rc, out))

    noprice = os.path.join(work, "no-instructions.json")
    with open(noprice, "w") as f:
        json.dump({**profile, "prices": {k: v for k, v in profile["prices"].items() if k != "instructions"}}, f)
    idle = os.path.join(work, "idle-priced.json")
    with open(idle, "w") as f:
        json.dump({**profile, "prices": {**profile["prices"], "idle_waits": {"cycles": 5, "assumption": True}}}, f)
    cases = {
        "a profile pricing what instructions do not count as they run": (["--cost-model", idle, "--timing"],
                                                                          "the clock cannot follow it"),
        "--timing without a cost model": (["--timing"], "--timing needs a cost model"),
        "--timing with --clock host": (timing + ["--clock", "host"], "--timing and --clock host"),
        "a profile that does not price instructions": (["--cost-model", noprice, "--timing"],
                                                       "must price 'instructions'"),
    }
    for what, (options, message) in cases.items():
        r = subprocess.run([mipshv, "-kernel", elf, "-semihosting", *options], capture_output=True, text=True,
                           timeout=10)
        lines = r.stderr.splitlines()
        check(f"{what}: one line, exit 1", r.returncode == 1 and len(lines) == 1 and message in lines[0],
              (r.returncode, r.stderr))
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
