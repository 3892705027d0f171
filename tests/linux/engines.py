#!/usr/bin/python3
"""The two execution engines run Linux alike: the same boot with the same
scripted console input, once under the translator (--engine jit) and once
under the reference interpreter (--engine interp), prints byte-identical
console logs and counts the same guest-visible events (the RunRecord's
totals and per-vCPU counters, the hypervisor's exits by kind, patches and
exit sites), in bare-metal mode and in hypervisor modes. Wall times, the
command line and the engine's own record legitimately differ.

usage: engines.py MIPSHV KERNEL INITRD OUTDIR [MODE...]   (default: bare-metal on-demand)

The boots share 1140 s, below ctest's 1200 s.
"""
import os
import sys

from checks import Budget, Checks  # experiments/, on PYTHONPATH
from guest_runs import ENGINES, boot, differences

# Pinned RTC (guest_runs.boot) and input piped on stdin: a deterministic run.
# The workload mixes the kernel (fork/exec, page faults, pipes, TLB refills),
# integer and FPU user code (awk's doubles), and busybox applets.
WORKLOAD = (b"uname -a\nls /bin | wc -l\nmd5sum /init\ngzip -c /init | md5sum\n"
            b"awk 'BEGIN{s=0;for(i=1;i<=3000;i++)s+=1/i;printf \"%.12f\\n\",s}'\n"
            b"seq 1 2000 | sort -rn | head -n 3\n"
            b"i=0;s=0;while [ $i -lt 2000 ];do s=$((s+i*i));i=$((i+1));done;echo sum=$s\n"
            b"cat /proc/interrupts\npoweroff -f\n")
SUM = b"sum=2664667000"
HARMONIC = b"8.583749889959"  # H(3000) in doubles, as awk prints it
# Wall-time fields, per run.
TIMING = {"hypervisor_seconds", "engine_seconds"}


def first_difference(a, b):
    """The first byte offset where two logs differ, and both sides around it."""
    at = next((i for i, (x, y) in enumerate(zip(a, b)) if x != y), min(len(a), len(b)))
    return f"first difference at byte {at} (lengths {len(a)}, {len(b)}):\n" \
           f"  jit:    {a[max(0, at - 120):at + 120]!r}\n  interp: {b[max(0, at - 120):at + 120]!r}"


def guest_visible(record):
    """The parts of a RunRecord that depend only on what the guest did."""
    hv = {k: v for k, v in record.get("hypervisor", {}).items() if k not in TIMING}
    return {"totals": record.get("totals", {}), "vcpus": record.get("vcpus", []), "hypervisor": hv,
            "stop_reason": record.get("stop_reason"), "exit_code": record.get("exit_code", 0)}


def main():
    mipshv, kernel, initrd, outdir, *modes = sys.argv[1:]
    modes = modes or ["bare-metal", "on-demand"]
    os.makedirs(outdir, exist_ok=True)
    budget = Budget(1140)
    check = Checks()
    for mode in modes:
        tag = mode.replace(":", "to")
        runs = {}
        for engine in ENGINES:
            stem = f"{outdir}/engines-{tag}-{engine}"
            rc, log, record = boot(mipshv, mode, WORKLOAD, kernel, initrd, f"{stem}.pb", engine=engine,
                                   timeout=budget.left())
            with open(f"{stem}.log", "wb") as f:
                f.write(log)
            runs[engine] = rc, log, record
            check(f"{mode}/{engine}: powers off with status 0 after the workload",
                  rc == 0 and SUM in log and HARMONIC in log, f"status {rc}; see {stem}.log")
            check(f"{mode}/{engine}: the RunRecord names its engine",
                  record["config"].get("engine") == engine and record.get("engine", {}).get("name") == engine,
                  f"config.engine {record['config'].get('engine')!r}, "
                  f"engine.name {record.get('engine', {}).get('name')!r}")
        (_, jit_log, jit), (_, interp_log, interp) = runs["jit"], runs["interp"]
        check(f"{mode}: console logs byte-identical (jit vs interp)", jit_log == interp_log,
              f"{outdir}/engines-{tag}-*.log; " + first_difference(jit_log, interp_log))
        a, b = guest_visible(jit), guest_visible(interp)
        ha, hb = a["hypervisor"], b["hypervisor"]
        others = lambda h: {k: v for k, v in h.items() if k not in ("exits_by_kind", "patches")}  # noqa: E731
        for what, path, x, y in (
                ("totals", "totals", a["totals"], b["totals"]),
                ("per-vCPU counters", "vcpus", a["vcpus"], b["vcpus"]),
                ("hypervisor exits by kind", "hypervisor.exits_by_kind",
                 ha.get("exits_by_kind", {}), hb.get("exits_by_kind", {})),
                ("hypervisor patches", "hypervisor.patches", ha.get("patches", {}), hb.get("patches", {})),
                ("rest of the hypervisor record (scans, drops, exit sites)", "hypervisor", others(ha), others(hb)),
                ("stop reason and exit code", "", {k: a[k] for k in ("stop_reason", "exit_code")},
                 {k: b[k] for k in ("stop_reason", "exit_code")})):
            diff = differences(x, y, path)
            check(f"{mode}: {what} identical (jit vs interp)", not diff,
                  f"{len(diff)} differ (jit != interp): " + "; ".join(diff[:20]))
        if mode != "bare-metal":
            check(f"{mode}: the hypervisor ran (exits recorded)", bool(a["hypervisor"].get("exits_by_kind")))
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
