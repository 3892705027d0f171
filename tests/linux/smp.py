#!/usr/bin/python3
"""Debian's Linux on several vCPUs (the CPS board: CM, GIC, CPC).

-smp 2 boots to the shell; -smp 4 boots, runs one job pinned to each CPU
(checksums of distinct data, compared with the host's), takes CPU 1 offline
and online again and runs a job on it, and shows timer interrupts and IPIs
on every CPU; a second -smp 4 run of the same script is byte-identical,
counters included.

With `modes`, the same -smp 4 workload runs in bare metal and in every
hypervisor mode instead: each mode's console log is byte-identical to bare
metal's, each vCPU retires the same instructions, and each vCPU's exits are
counted on it, by kind.

usage: smp.py MIPSHV KERNEL INITRD OUTDIR [ENGINE [modes]]   (ENGINE: jit, the default, or interp)

The boots share 540 s under the jit engine and 1140 s under interp, below
ctest's 600 s and 1200 s.
"""
import hashlib
import os
import re
import sys

from checks import Budget, Checks  # experiments/, on PYTHONPATH
from guest_runs import MODES, boot, differences, exits, without_timing
from linux_guest import KERNEL_TROUBLE

SEQ_COUNT = 40000  # numbers each pinned job checksums: `seq CPU CPUS LAST`


def seq_md5(first, step, last):
    return hashlib.md5("".join(f"{n}\n" for n in range(first, last + 1, step)).encode()).hexdigest()


def workload(cpus):
    last = SEQ_COUNT * cpus
    jobs = "".join(f"taskset -c {c} sh -c 'seq {c} {cpus} {last}|md5sum>/tmp/s{c}' &\n" for c in range(cpus))
    return (b"nproc\ngrep -c ^processor /proc/cpuinfo\n" + jobs.encode() + b"wait\ncat /tmp/s*\n"
            b"echo 0 >/sys/devices/system/cpu/cpu1/online\ncat /sys/devices/system/cpu/online\n"
            b"echo 1 >/sys/devices/system/cpu/cpu1/online\ncat /sys/devices/system/cpu/online\n"
            + f"taskset -c 1 sh -c 'seq 1 {cpus} {last}|md5sum'\n".encode() +
            b"cat /proc/interrupts\npoweroff -f\n")


# Kernel messages that must not appear besides linux_guest.KERNEL_TROUBLE (oopses, warnings,
# RCU stalls, ...): SMP limited or failed.
SMP_TROUBLE = re.compile(r"Using only one core|failed to (?:boot|start)")


def check_boot(check, tag, log, cpus):
    check(f"{tag}: reaches the shell and reports {cpus} CPUs (nproc)", re.search(rb"# nproc\r?\n%d\r?\n" % cpus, log))
    check(f"{tag}: /proc/cpuinfo lists {cpus} processors", re.search(rb"/proc/cpuinfo\r?\n%d\r?\n" % cpus, log))
    check(f"{tag}: the kernel brought up {cpus} CPUs", b"smp: Brought up 1 node, %d CPUs" % cpus in log)
    text = log.decode(errors="replace")
    trouble = KERNEL_TROUBLE.findall(text)
    check(f"{tag}: no Oops, BUG, WARNING, RCU stall or other kernel trouble in the kernel log", not trouble, trouble)
    trouble = SMP_TROUBLE.findall(text)
    check(f"{tag}: no CPU left out or failing to start", not trouble, trouble)


def check_checksums(check, tag, log, cpus):
    for c in range(cpus):
        want = seq_md5(c, cpus, SEQ_COUNT * cpus)
        check(f"{tag}: the job pinned to CPU {c} checksummed its data right", want.encode() in log, want)


def per_vcpu(record, key):
    """{vCPU number: record["vcpus"][n][key]} (proto3 leaves out a 0 cpu number)."""
    return {int(v.get("cpu", 0)): v.get(key, {}) for v in record["vcpus"]}


def check_modes(check, run, cpus):
    """Every hypervisor mode runs the -smp workload as bare metal does, with exits counted per vCPU."""
    base_log, base = run(cpus, "4-bare-metal", "bare-metal")
    check_boot(check, "bare metal -smp 4", base_log, cpus)
    check_checksums(check, "bare metal -smp 4", base_log, cpus)
    base_insns = {c: int(v.get("instructions_user", 0)) + int(v.get("instructions_kernel", 0))
                  for c, v in per_vcpu(base, "counters").items()}
    total_exits = {}
    for mode in MODES:
        if mode == "bare-metal":
            continue
        log, record = run(cpus, "4-" + mode.replace(":", "to"), mode)
        tag = f"{mode} -smp 4"
        check(f"{tag}: the console log is byte-identical to bare metal's", log == base_log,
              f"first difference at byte {next((k for k, (a, b) in enumerate(zip(log, base_log)) if a != b), min(len(log), len(base_log)))}")
        counters, kinds = per_vcpu(record, "counters"), per_vcpu(record, "exits_by_kind")
        insns = {c: int(v.get("instructions_user", 0)) + int(v.get("instructions_kernel", 0)) for c, v in counters.items()}
        check(f"{tag}: every vCPU retired the same instructions as on bare metal", insns == base_insns, (insns, base_insns))
        for c in range(cpus):
            made = int(counters[c].get("exits_sensitive_trap", 0)) + int(counters[c].get("exits_hypercall", 0))
            by_kind = sum(int(n) for k, n in kinds[c].items() if k != "mmio")
            check(f"{tag}: vCPU {c} made exits, and its exits by kind add up to them", made > 0 and by_kind == made,
                  (made, by_kind))
        summed = {}
        for c in range(cpus):
            for k, n in kinds[c].items():
                summed[k] = summed.get(k, 0) + int(n)
        whole = {k: int(n) for k, n in record["hypervisor"]["exits_by_kind"].items()}
        check(f"{tag}: the vCPUs' exits by kind sum to the run's", summed == whole, differences(summed, whole)[:5])
        total_exits[mode] = exits(record)
    # KASLR on: the eager strategies patch the relocated kernel on every vCPU's behalf.
    check("-smp 4: 1:1 makes far fewer exits than trap", total_exits["1:1"] < 0.6 * total_exits["trap"], total_exits)
    check("-smp 4: 1:n makes far fewer exits than trap", total_exits["1:n"] < 0.2 * total_exits["trap"], total_exits)


def main():
    mipshv, kernel, initrd, outdir, *rest = sys.argv[1:]
    engine = rest[0] if rest else "jit"
    os.makedirs(outdir, exist_ok=True)
    budget = Budget(540 if engine == "jit" else 1140)
    check = Checks()

    def run(cpus, tag, mode="bare-metal"):
        rc, log, record = boot(mipshv, mode, workload(cpus), kernel, initrd, f"{outdir}/smp-{tag}.pb",
                               engine=engine, extra=["-smp", str(cpus)], timeout=budget.left())
        with open(f"{outdir}/smp-{tag}.log", "wb") as f:
            f.write(log)
        check(f"{tag}: powers off with status 0", rc == 0, rc)
        return log, record

    if rest[1:] == ["modes"]:
        check_modes(check, run, 4)
        return check.summary()

    log2, _ = run(2, "2")
    check_boot(check, "-smp 2", log2, 2)

    cpus = 4
    log4, record4 = run(cpus, "4")
    check_boot(check, "-smp 4", log4, cpus)
    check_checksums(check, "-smp 4", log4, cpus)
    check("-smp 4: CPU 1 went offline", b"\n0,2-3\r\n" in log4)
    check("-smp 4: CPU 1 came back online", b"\n0-3\r\n" in log4)
    check("-smp 4: a job pinned to CPU 1 runs after hotplug",
          log4.count(seq_md5(1, cpus, SEQ_COUNT * cpus).encode()) == 2)
    rows = {m.group(2).strip(): [int(x) for x in m.group(1).split()]
            for m in re.finditer(rb"^\s*\w+:((?:\s+\d+){%d})\s+(.*?)\r?$" % cpus, log4, re.M)}
    timer = rows.get(b"MIPS   7  timer", [])
    check("-smp 4: timer interrupts on every CPU", len(timer) == cpus and all(timer), timer)
    ipis = [sum(row[c] for name, row in rows.items() if b"IPI" in name) for c in range(cpus)]
    check("-smp 4: IPIs received on every CPU", all(ipis), ipis)
    v = per_vcpu(record4, "counters")
    check("-smp 4: a RunRecord entry per vCPU", sorted(v) == list(range(cpus)), sorted(v))
    check("-smp 4: CPU 1 was started twice (bring-up, online) and powered down once",
          v.get(1, {}).get("power_ups") == "2" and v.get(1, {}).get("power_downs") == "1", v.get(1))
    gic = next((d["counters"] for d in record4.get("devices", []) if d["name"] == "gic"), {})
    check("-smp 4: the GIC counted IPIs sent and received by every vCPU",
          all(int(gic.get(f"cpu{c}_ipis_{way}", 0)) > 0 for c in range(cpus) for way in ("sent", "received")), gic)
    check("-smp 4: the GIC counted the console's interrupts", int(gic.get("delivered_uart", 0)) > 0, gic)
    check("-smp 4: every vCPU retired instructions", all(int(v[c].get("instructions_user", 0)) +
                                                         int(v[c].get("instructions_kernel", 0)) > 0 for c in v))

    again_log, again = run(cpus, "4-again")
    check("-smp 4 twice: byte-identical console logs", again_log == log4)
    diff = differences(without_timing(record4), without_timing(again))
    check("-smp 4 twice: identical counters", not diff, diff[:10])
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
