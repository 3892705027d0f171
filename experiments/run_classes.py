#!/usr/bin/python3
"""The workload classes (workload_classes.py) as the study runs them: one boot
of Debian's Linux in one mode, then each class in turn, each with a RunRecord
of its own. A class's record holds what that class alone did: its counters
(the totals, each vCPU's, the exits by kind) are the differences of the
machine's from just before the class's command to just after, and its wall
time is the host's time for that command (sent on the console until the
next prompt). The study prices and compares them like whole runs
(study_table.py), so a class's ratio to bare metal is not diluted by the
boot. The rest of the record (the engine's and the devices' statistics, the
hypervisor's seconds and top sites) is the whole run's up to the class's end.

Every class's output is checked as workload_classes.py checks it (against
the host's build of the same program, or the host's hash of the same bytes);
a wrong result fails the run and writes no record.

With --iterations N the boot runs the classes N times over (all of them,
then all again), each time with a record of its own: Kalibera and Jones's
two levels of repetition, boots and iterations within a boot
(dimension_reps.py chooses how many of each). --out then names {it}.

usage: experiments/run_classes.py --mode trap [--engine jit] [--smp 1] [--classes randmem,pipes]
           [--sizes quick|study|full] [--iterations N] --out 'results/study/{cls}/smp1/trap/0-{it}.pb'
"""
import argparse
import os
import shlex
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.append(os.path.join(ROOT, "build", "python"))  # unless PYTHONPATH names a build
import mipshv  # noqa: E402

import disks  # noqa: E402
import workload_classes as wc  # noqa: E402
from emulators import with_files, without_kernel_lines  # noqa: E402
from linux_guest import INITRD, PROMPT, vm_options  # noqa: E402

# The classes of workload_classes.py that need nothing but this project and
# the guest (Debian's own programs come from their own packages: not here).
CLASSES = ("randmem", "compress", "mmap", "forkbig", "pipes", "procfs", "urandom", "float", "integer", "shell",
           "sort", "disk", "net")

# (plan() writes every class's command, Debian's programs' too: their sizes
# come along.) The study's: full-size working sets, fewer passes over them.
SIZES = {name: wc.SIZES[name] | wc.debian_classes.SIZES[name] for name in ("quick", "full")}
SIZES["study"] = SIZES["full"] | {"text": 2 << 20, "randmem_updates": 4 << 20, "mmap_rounds": 1000}


def interval(before, after, seconds):
    """A RunRecord of what happened between two snapshots of one run: `after`,
    with every counter (totals, each vCPU's, exits by kind) less its value in
    `before`, and `seconds` as its wall time."""
    r = type(after)()
    r.CopyFrom(after)
    for name, value in before.totals.items():
        r.totals[name] = r.totals[name] - value
    for mine, theirs in zip(r.vcpus, before.vcpus):
        for name, value in theirs.counters.items():
            mine.counters[name] = mine.counters[name] - value
        for name, value in theirs.exits_by_kind.items():
            mine.exits_by_kind[name] = mine.exits_by_kind[name] - value
    if before.HasField("hypervisor"):
        for name, value in before.hypervisor.exits_by_kind.items():
            r.hypervisor.exits_by_kind[name] = r.hypervisor.exits_by_kind[name] - value
    r.wall_seconds = seconds
    r.stop_reason = "interval"
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", required=True, choices=mipshv.MODES)
    ap.add_argument("--engine", default="jit", choices=mipshv.ENGINES)
    ap.add_argument("--smp", type=int, default=1)
    ap.add_argument("--classes", default=",".join(CLASSES), help="comma-separated, of " + ",".join(CLASSES))
    ap.add_argument("--sizes", default="study", choices=sorted(SIZES),
                    help="quick (tiny), study (the default: a few seconds a class) or full (workload_classes.py's)")
    ap.add_argument("--memory", default="512M")
    ap.add_argument("--timeout", type=float, default=900, help="seconds for any one step")
    ap.add_argument("--iterations", type=int, default=1, help="times each class runs in the boot (default 1)")
    ap.add_argument("--out", required=True,
                    help="where each class's record goes, with {cls} for its name (and {it} for the iteration)")
    args = ap.parse_args()
    classes = [c for c in args.classes.split(",") if c]
    for c in classes:
        if c not in CLASSES:
            ap.error(f"unknown class {c!r}; known: {', '.join(CLASSES)}")
    if "{cls}" not in args.out:
        ap.error("--out must name {cls}")
    if args.iterations < 1:
        ap.error("--iterations must be 1 or more")
    if args.iterations > 1 and "{it}" not in args.out:
        ap.error("--out must name {it} when --iterations is more than 1")
    args.sizes = SIZES[args.sizes]
    with tempfile.TemporaryDirectory(prefix="run_classes-") as tmp:
        programs, files = wc.guest_files()
        initrd = with_files(INITRD, files, os.path.join(tmp, "initramfs.cpio.gz"))
        http = None
        if "net" in classes:
            http, args.net_sha256 = wc.net_server(args.sizes)
        try:
            plan, _ = wc.plan(args.sizes, programs, http.port if http else 0)
            options = {**vm_options(), "initrd": initrd, "memory": args.memory}
            if "disk" in classes:
                options["drives"] = [disks.drive(disks.make_ext4(os.path.join(tmp, "disk.img"),
                                                                 args.sizes["disk_image"]))]
            if "net" in classes:
                options["nics"] = ["user"]
            with mipshv.VM(mode=args.mode, engine=args.engine, smp=args.smp, **options) as vm:
                vm.expect(PROMPT, timeout=args.timeout)
                vm.run("dmesg -n 1", timeout=args.timeout)
                devices = [d for d in ("disk", "net") if d in classes]
                if devices:
                    got = vm.run("/wc/devices.sh " + " ".join(devices), timeout=args.timeout)
                    if wc.devices_missing(devices, got):
                        sys.exit(f"run_classes: devices: {got!r}")
                if wc.TEXT_CLASSES & set(classes):
                    vm.run(f"/wc/gen {args.sizes['text']} >/tmp/t", timeout=args.timeout)
                for it, name in ((it, name) for it in range(args.iterations) for name in classes):
                    command, expected = plan[name]
                    before = vm.counters()
                    start = time.monotonic()
                    out = vm.run(command, timeout=args.timeout)
                    seconds = time.monotonic() - start
                    after = vm.counters()
                    ok, _, detail = wc.check(name, without_kernel_lines(out), expected, args)
                    if not ok:
                        sys.exit(f"run_classes: {name} in {args.mode}: {detail}")
                    path = args.out.replace("{cls}", name).replace("{it}", str(it))
                    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
                    with open(path, "wb") as f:
                        f.write(interval(before, after, seconds).SerializeToString())
                    with open(path + ".cmd", "w") as f:
                        f.write(shlex.join([sys.executable, *sys.argv]) + "\n")
                    print(f"run_classes: {args.mode} {name} #{it} {seconds:.2f} s", flush=True)
                vm.send("poweroff -f\n")
                vm.run_until(timeout=args.timeout)
        finally:
            if http:
                http.close()


if __name__ == "__main__":
    main()
