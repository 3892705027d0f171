#!/usr/bin/python3
"""Every execution mode boots Debian's Linux to the shell and runs the same
workload with byte-identical console output; counters of a deterministic
run repeat exactly; the counters show what each strategy does.

usage: modes.py MIPSHV KERNEL INITRD OUTDIR [ENGINE]   (ENGINE: jit, the default, or interp)

The six boots share 540 s under the jit engine and 1140 s under interp,
below ctest's 600 s and 1200 s.
"""
import os
import sys

from checks import Budget, Checks  # experiments/, on PYTHONPATH
from guest_runs import MODES, boot as boot_guest, differences, exits, without_timing

WORKLOAD = (b"uname -a\nls /bin | wc -l\nmd5sum /init\necho $((123456789 * 987654321))\n"
            b"i=0;s=0;while [ $i -lt 3000 ];do s=$((s+i*i));i=$((i+1));done;echo $s\n"
            b"cat /proc/interrupts\npoweroff -f\n")


def boot(mipshv, kernel, initrd, mode, outdir, tag, engine, budget):
    status, log, record = boot_guest(mipshv, mode, WORKLOAD, kernel, initrd, f"{outdir}/modes-{tag}.pb",
                                     engine=engine, timeout=budget.left())
    with open(f"{outdir}/modes-{tag}.log", "wb") as f:
        f.write(log)
    return status, log, record


def main():
    mipshv, kernel, initrd, outdir, *rest = sys.argv[1:]
    engine = rest[0] if rest else "jit"
    os.makedirs(outdir, exist_ok=True)
    budget = Budget(540 if engine == "jit" else 1140)
    runs = {m: boot(mipshv, kernel, initrd, m, outdir, m.replace(":", "to"), engine, budget) for m in MODES}
    check = Checks()
    check(f"every run used the {engine} engine",
          all(r["config"].get("engine") == engine and r["engine"]["name"] == engine for _, _, r in runs.values()),
          {m: r["config"].get("engine") for m, (_, _, r) in runs.items()})
    base_rc, base_log, base = runs["bare-metal"]
    check("bare-metal boots and powers off", base_rc == 0 and b"\n8995500500\r\n" in base_log,
          base_log[-500:])
    for m in MODES[1:]:
        rc, log, record = runs[m]
        check(f"{m}: powers off with status 0", rc == 0, rc)
        check(f"{m}: console output identical to bare-metal", log == base_log,
              f"see {outdir}/modes-*.log")
        check(f"{m}: same guest instructions as bare-metal",
              record["totals"]["instructions"] == base["totals"]["instructions"])
    rc, log, again = boot(mipshv, kernel, initrd, "on-demand", outdir, "on-demand-again", engine, budget)
    a, b = without_timing(again), without_timing(runs["on-demand"][2])
    check("on-demand twice: identical counters", a == b, differences(a, b)[:20])

    trap, od = exits(runs["trap"][2]), exits(runs["on-demand"][2])
    check("trap mode: every sensitive instruction exits", int(runs["trap"][2]["totals"]["exits_sensitive_trap"]) > 0)
    check(f"on-demand exits far fewer than trap ({od} vs {trap})", od * 5 < trap)
    # The default command line has KASLR on: the kernel unpacks itself, then
    # copies itself to a random address; the eager strategies must follow
    # it, page by page as its code first runs, so that no sensitive
    # instruction ever traps.
    for m, most in (("1:1", 0.6), ("1:n", 0.1)):
        record = runs[m][2]
        n = exits(record)
        check(f"{m}: far fewer exits than trap ({n} vs {trap})", n < most * trap)
        hyp = record["hypervisor"]
        scans, patches = int(hyp.get("eager_scans", 0)), sum(int(v) for v in hyp.get("patches", {}).values())
        check(f"{m}: the scans followed the kernel's code ({scans} page scans, {patches} patches)",
              scans >= 100 and patches >= 1000)
        check(f"{m}: no sensitive instruction trapped: each was patched before it first ran",
              int(record["totals"].get("exits_sensitive_trap", 0)) == 0, record["totals"].get("exits_sensitive_trap"))
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
