#!/usr/bin/python3
"""Workload classes: one in-guest program per kind of guest work, QEMU against mipshv.

Each boot (QEMU's Malta: `-M malta -cpu 5KEf -smp 1`, Debian's 5kc-malta
kernel, an initramfs with that kernel's modules; mipshv: Debian's mips64r2el
kernel, --engine jit, --clock virtual, -rtc base= pinned, once per --modes
mode) runs the selected classes in turn. The host times each class on its own
clock, from sending the command over the console to seeing the next prompt,
and checks every result against the host's (the same C program compiled for
the host, Python's hashes of the same bytes) or, where the two kernels must
differ, against the peer's own other reps.

  randmem   C: read-modify-write of xorshift-chosen words of a 64 MiB array
  compress  busybox bzip2 -9 (900 KB blocks, ~8 MB of tables) of generated text
  mmap      C: mmap 1 MiB, a write per page, munmap, 2000 times
  forkbig   C: a 64 MiB heap touched, then fork + wait 100 times (children
            write to 64 pages each)
  pipes     C: ping-pong of a counter over two pipes, 20000 round trips
  procfs    busybox find over /sys and /proc/sys, cat /proc/*/stat and status,
            5 times
  urandom   dd of 16 MiB from /dev/urandom through md5sum
  float     C: the five-body simulation, 500 000 steps
  integer   busybox sha256sum of the generated text, 4 times over
  shell     an ash arithmetic loop, 20000 iterations
  sort      busybox sort of the generated text's lines, sha256 of the output
  disk      the generated text x4 written to the virtio disk (ext4, fsync),
            the guest's page cache dropped, read back through sha256sum
  net       the guest's wget of 32 MiB of random data from an HTTP server on
            the host, through the virtio card (slirp), into sha256sum
  sqlite, perl, python, lua, xz, gawk
            Debian's own programs, dynamically linked, with big heaps
            (debian_classes.py)

The generated text (the C program gen: words and numbers from a xorshift
stream, compressible about 3:1) is made untimed in the guest's /tmp; the host
builds the same bytes with its own build of gen. Reps alternate the order of
the peers. The report gives medians with min and max per class and peer, QEMU
median / mipshv median (> 1: mipshv is faster) and, with several --modes,
each mode's median over bare metal's.

usage: experiments/workload_classes.py [--reps 5] [--classes all] [--modes bare-metal]
           [--quick] [--no-qemu] [-m 512M] [--timeout 900] [--out experiments/results/workload_classes.json]
"""
import argparse
import csv
import hashlib
import os
import platform
import shutil
import signal
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
import debian_classes  # noqa: E402
import disks  # noqa: E402
import nets  # noqa: E402
from emulators import (MAX_COMMAND, GuestRun, build_programs, cell, emulator_options, failures,  # noqa: E402
                       pin_binary, print_errors, print_tables, qemu_argv, qemu_initramfs, spread, version, with_files,
                       write_json)
from linux_guest import INITRD, KERNEL as MIPSHV_KERNEL, RTC, options  # noqa: E402

PROGRAMS_DIR = os.path.join(HERE, "guest_programs")
PROGRAMS = ("gen", "randmem", "mmapchurn", "forkbig", "pingpong", "nbody")
MODES = ("bare-metal", "trap", "1:1", "1:n", "on-demand")
CLASSES = ("randmem", "compress", "mmap", "forkbig", "pipes", "procfs", "urandom", "float", "integer", "shell",
           "sort", "disk", "net") + debian_classes.CLASSES
TEXT_CLASSES = {"compress", "integer", "sort", "disk"} | debian_classes.TEXT_CLASSES
SIZES = {
    "full": {"text": 8 << 20, "randmem_mib": 64, "randmem_updates": 16 << 20, "mmap_rounds": 2000, "mmap_kib": 1024,
             "fork_mib": 64, "forks": 100, "pipe_rounds": 20000, "procfs_walks": 5, "urandom_blocks": 256,
             "nbody_steps": 500000, "sha_copies": 4, "shell_n": 20000, "disk_copies": 4, "net_bytes": 32 << 20,
             "disk_image": "256M"},
    "quick": {"text": 256 << 10, "randmem_mib": 4, "randmem_updates": 100000, "mmap_rounds": 50, "mmap_kib": 256,
              "fork_mib": 8, "forks": 5, "pipe_rounds": 500, "procfs_walks": 1, "urandom_blocks": 16,
              "nbody_steps": 10000, "sha_copies": 1, "shell_n": 500, "disk_copies": 1, "net_bytes": 1 << 20,
              "disk_image": "64M"},
}

# Guest scripts, in /wc of the initramfs with the programs: commands short
# enough for the console's line, and written once for both peers.
SCRIPTS = {
    # The disk and the card: QEMU's Malta has them on PCI (virtio_pci), and
    # its initramfs /init loads nothing for them; mipshv's are up already.
    "devices.sh": """#!/bin/sh
want_disk=0; want_net=0
for a in "$@"; do [ "$a" = disk ] && want_disk=1; [ "$a" = net ] && want_net=1; done
modprobe -q virtio_pci 2>/dev/null
if [ $want_disk = 1 ]; then
    modprobe -q virtio_blk; modprobe -q ext4
    t=0; while [ ! -b /dev/vda ] && [ $t -lt 50 ]; do usleep 100000; t=$((t+1)); done
    grep -qs ' /mnt ' /proc/mounts || mount -t ext4 /dev/vda /mnt
    grep -qs ' /mnt ' /proc/mounts && echo disk=mounted || echo disk=missing
fi
if [ $want_net = 1 ]; then
    modprobe -q virtio_net
    t=0; while [ ! -e /sys/class/net/eth0 ] && [ $t -lt 50 ]; do usleep 100000; t=$((t+1)); done
    if ! ip -4 addr show dev eth0 2>/dev/null | grep -q inet; then
        ip link set lo up; ip link set eth0 up
        t=0; while [ "$(cat /sys/class/net/eth0/operstate)" != up ] && [ $t -lt 30 ]; do usleep 100000; t=$((t+1)); done
        timeout 20 udhcpc -i eth0 -t 5 -T 1 -n -q >/dev/null 2>&1
    fi
    echo net=$(ip -4 addr show dev eth0 | awk '$1 == "inet" { sub("/.*", "", $2); print $2; exit }')
fi
""",
    "compress.sh": """#!/bin/sh
bzip2 -9 </tmp/t >/tmp/t.bz2; echo rc=$?
""",
    "procfs.sh": """#!/bin/sh
# $1 walks of sysfs and /proc/sys (names only) and of every process's stat and status files
i=0
while [ $i -lt $1 ]; do
    f=$(find /sys /proc/sys 2>/dev/null | wc -l)
    p=$(cat /proc/[0-9]*/stat /proc/[0-9]*/status 2>/dev/null | wc -l)
    i=$((i+1))
done
echo walks=$i names=$f
[ $p -gt 0 ] && echo procs=yes
""",
    "urandom.sh": """#!/bin/sh
dd if=/dev/urandom bs=65536 count=$1 iflag=fullblock 2>/tmp/dd.err | md5sum
cat /tmp/dd.err
""",
    "integer.sh": """#!/bin/sh
i=0
while [ $i -lt $1 ]; do sha256sum /tmp/t; i=$((i+1)); done
""",
    "shell.sh": """#!/bin/sh
i=0; s=0
while [ $i -lt $1 ]; do s=$(((s*31+i)%1000003)); i=$((i+1)); done
echo shell=$s
""",
    "sort.sh": """#!/bin/sh
sort /tmp/t | sha256sum
""",
    "disk.sh": """#!/bin/sh
# $1 copies of /tmp/t written to the disk and fsync'ed, the page cache dropped, read back
i=0
while [ $i -lt $1 ]; do cat /tmp/t; i=$((i+1)); done | dd of=/mnt/f bs=65536 conv=fsync 2>/dev/null
echo 3 >/proc/sys/vm/drop_caches
sha256sum /mnt/f
rm /mnt/f; sync
""",
    "net.sh": """#!/bin/sh
wget -q -O - "http://$1/data" | sha256sum
""",
}


def label(peer):
    return "QEMU malta" if peer == "qemu" else "mipshv " + peer.split("-", 1)[1]


# --------------------------------------------------------------------------
# What the guest runs, and what it must print


def host_output(binary, *argv):
    return subprocess.run([binary, *map(str, argv)], capture_output=True, check=True, timeout=600).stdout


def plan(sizes, programs, net_port):
    """{class: (timed command, expected output or None)}, and the untimed text's sha256."""
    z = sizes
    host = {name: paths[1] for name, paths in programs.items()}
    text = host_output(host["gen"], z["text"])
    sha = hashlib.sha256
    shell = 0
    for i in range(z["shell_n"]):
        shell = (shell * 31 + i) % 1000003

    def c(name, *argv):  # a C program: the host's build prints the expected line
        return (f"/wc/{name} " + " ".join(map(str, argv)), host_output(host[name], *argv).decode().strip())

    lines = [line.rstrip(b"\n") + b"\n" for line in text.splitlines()]  # sort ends the last line too
    p = {
        "randmem": c("randmem", z["randmem_mib"], z["randmem_updates"]),
        "compress": ("/wc/compress.sh", "rc=0"),
        "mmap": c("mmapchurn", z["mmap_rounds"], z["mmap_kib"]),
        "forkbig": c("forkbig", z["fork_mib"], z["forks"]),
        "pipes": c("pingpong", z["pipe_rounds"]),
        "procfs": (f"/wc/procfs.sh {z['procfs_walks']}", None),
        "urandom": (f"/wc/urandom.sh {z['urandom_blocks']}", None),
        "float": c("nbody", z["nbody_steps"]),
        "integer": (f"/wc/integer.sh {z['sha_copies']}", "\n".join([f"{sha(text).hexdigest()}  /tmp/t"] * z["sha_copies"])),
        "shell": (f"/wc/shell.sh {z['shell_n']}", f"shell={shell}"),
        "sort": ("/wc/sort.sh", f"{sha(b''.join(sorted(lines))).hexdigest()}  -"),
        "disk": (f"/wc/disk.sh {z['disk_copies']}", f"{sha(text * z['disk_copies']).hexdigest()}  /mnt/f"),
        "net": (f"/wc/net.sh {nets.HOST_IP}:{net_port}", None),
    }
    p.update({name: (command, None) for name, command in debian_classes.commands(z).items()})
    for command, _ in p.values():
        assert len(command) <= MAX_COMMAND, command
    return p, text


def guest_files():
    """The classes' C programs (built for the guest and the host: build_programs) and the
    initramfs files that carry them and the scripts into /wc: (programs, files)."""
    programs = build_programs([os.path.join(PROGRAMS_DIR, n + ".c") for n in PROGRAMS],
                              os.path.join(HERE, "results", "guest-programs"))
    files = {f"wc/{n}": (open(paths[0], "rb").read(), 0o755) for n, paths in programs.items()}
    files.update({f"wc/{n}": (text, 0o755) for n, text in (SCRIPTS | debian_classes.SCRIPTS).items()})
    return programs, files


def net_server(sizes):
    """The host's HTTP server the net class downloads /data from, and the sha256 of /data."""
    payload = nets.random_file(sizes["net_bytes"], 21)
    return nets.HttpServer({"/data": payload}), nets.sha256(payload)


def devices_missing(devices, got):
    """Whether devices.sh's output `got` lacks a device of `devices` (the disk mounted, eth0's address)."""
    return ("disk" in devices and "disk=mounted" not in got) or ("net" in devices and "net=10.0.2.15" not in got)


def check(name, out, expected, args):
    """(ok, the result line(s) that must agree between peers or None, detail)."""
    z = args.sizes
    if expected is not None:
        return out == expected, out, "" if out == expected else f"got {out[-300:]!r}, want {expected[-300:]!r}"
    if name == "procfs":
        # The two kernels and boards differ: sysfs must be walked, /proc read.
        ok = out.startswith(f"walks={z['procfs_walks']} names=") and out.endswith("procs=yes")
        try:
            ok = ok and int(out.split("names=")[1].split()[0]) >= 1000
        except (IndexError, ValueError):
            ok = False
        return ok, None, "" if ok else f"got {out!r}"
    if name == "urandom":
        # The data differs from run to run: an md5 line and all the blocks read
        # (iflag=fullblock), "N+0 records out" (and the byte count, when dd prints it).
        lines = out.splitlines()
        n = z["urandom_blocks"]
        want = f"{n}+0 records out"
        ok = (len(lines) >= 3 and lines[0].endswith("  -") and len(lines[0].split()[0]) == 32 and want in lines
              and all(f"{n * 65536} bytes" in line for line in lines if " bytes" in line))
        return ok, want if ok else None, "" if ok else f"got {out!r}, want an md5 and {want}"
    if name == "net":
        ok = out == f"{args.net_sha256}  -"
        return ok, out, "" if ok else f"got {out!r}, want {args.net_sha256}"
    return debian_classes.check(name, out)


# --------------------------------------------------------------------------
# One boot of one peer, all selected classes


def peer_argv(peer, args, stats, image, port):
    if peer == "qemu":
        extra = []
        if image:
            extra += ["-drive", f"file={image},format=raw,if=none,id=d0", "-device", "virtio-blk-pci,drive=d0"]
        if port:
            extra += ["-netdev", "user,id=n0", "-device", "virtio-net-pci,netdev=n0"]
        return qemu_argv(args.qemu, args.memory, args.qemu_initrd, extra=extra)
    mode = peer.split("-", 1)[1]
    argv = [args.mipshv, *options(MIPSHV_KERNEL, args.mipshv_initrd, args.memory, rtc=RTC), "--engine", args.engine,
            "--mode", mode, "--clock", "virtual", "--stats", stats]
    if image:
        argv += ["-drive", disks.drive(image)]
    if port:
        argv += ["-nic", "user"]
    return argv


def one_run(peer, rep, args, p, log_dir):
    base = os.path.join(log_dir, f"{peer.replace(':', '_')}-rep{rep}")
    stats, log_path = base + ".pb", base + ".log"
    image = None
    if "disk" in args.classes:
        image = disks.make_ext4(os.path.join(args.tmp, "disk.img"), args.sizes["disk_image"])
    argv = peer_argv(peer, args, stats, image, args.http.port if args.http else None)
    g = GuestRun(peer, rep, f"  {label(peer):18} rep {rep}", argv, log_path, stats,
                 args.mipshv, args.mipshv_path, args.timeout, "classes")
    run = g.run
    untimed = g.untimed

    def body(guest):
        run["boot_seconds"] = guest.boot_seconds
        untimed("dmesg -n 1")
        run["machine"] = untimed("uname -rm")
        devices = [d for d in ("disk", "net") if d in args.classes]
        if devices:
            got = untimed("/wc/devices.sh " + " ".join(devices))
            run["devices"] = got
            if devices_missing(devices, got):
                run["errors"].append(f"devices: {got!r}")
        if TEXT_CLASSES & set(args.classes):
            untimed(f"/wc/gen {args.sizes['text']} >/tmp/t")
            run["text_sha256"] = untimed("sha256sum /tmp/t").split()[:1]
        for name in args.classes:
            command, expected = p[name]
            raw, out, seconds, cpu = guest.timed(name, command)
            ok, result, detail = check(name, out, expected, args)
            entry = {"seconds": seconds, "cpu_seconds": cpu, "ok": ok, "result": result, "output": raw.strip()[-400:],
                     "detail": detail}
            if name == "compress" and ok:
                unpacked = untimed("bzip2 -dc /tmp/t.bz2|sha256sum").split()[:1]
                entry["compressed_sha256"] = (untimed("sha256sum </tmp/t.bz2").split() or [""])[0]
                entry["result"] = entry["compressed_sha256"]
                if unpacked != [hashlib.sha256(args.text).hexdigest()]:
                    entry.update(ok=False, detail=f"bzip2 -dc gives sha256 {unpacked}, want the text's")
                untimed("rm /tmp/t.bz2")
            run["classes"][name] = entry
            print(f"  {label(peer):18} rep {rep} {name:9} {seconds:8.2f} s  {'ok' if entry['ok'] else 'FAILED: ' + entry['detail']}",
                  flush=True)

    return g.perform(body, cleanup=(lambda: os.unlink(image)) if image else None)


# --------------------------------------------------------------------------
# Results


CSV_COLUMNS = ("class", "peer", "emulator", "mode", "engine", "rep", "seconds", "cpu_seconds", "ok", "agrees", "result")


def agreement(runs, classes):
    """Per class: does every passing run's result agree (the same result line under
    every peer and rep; classes without one, per peer across reps)?"""
    out = {}
    for name in classes:
        results = {}
        for r in runs:
            e = r["classes"].get(name)
            if e and e["ok"]:
                key = "all" if e["result"] is not None else r["peer"]
                results.setdefault(key, set()).add(e["result"] if e["result"] is not None else e["output"].split("names=")[-1])
        out[name] = all(len(v) == 1 for v in results.values())
    return out


def rows(runs, args, agrees):
    for r in runs:
        for name, e in r["classes"].items():
            qemu = r["peer"] == "qemu"
            yield {"class": name, "peer": r["peer"], "emulator": "qemu" if qemu else "mipshv",
                   "mode": "" if qemu else r["peer"].split("-", 1)[1], "engine": "tcg" if qemu else args.engine,
                   "rep": r["rep"], "seconds": f"{e['seconds']:.4f}", "cpu_seconds": f"{e['cpu_seconds']:.2f}",
                   "ok": int(e["ok"]), "agrees": int(agrees.get(name, False)), "result": (e["result"] or "")[:100]}


def summarize(runs, peers, classes, key="seconds"):
    out = {}
    for name in list(classes) + ["total"]:
        row = {}
        for peer in peers:
            mine = [r for r in runs if r["peer"] == peer]
            if name == "total":
                vals = [sum(r["classes"][c][key] for c in classes) for r in mine
                        if all(c in r["classes"] and r["classes"][c]["ok"] for c in classes)]
            else:
                vals = [r["classes"][name][key] for r in mine if name in r["classes"] and r["classes"][name]["ok"]]
            row[peer] = spread(vals)
        for peer in peers:
            if peer != "qemu" and row.get("qemu") and row.get(peer):
                row[f"qemu_over_{peer}"] = row["qemu"]["median"] / row[peer]["median"]
            if peer not in ("qemu", "mipshv-bare-metal") and row.get("mipshv-bare-metal") and row.get(peer):
                row[f"{peer}_over_bare_metal"] = row[peer]["median"] / row["mipshv-bare-metal"]["median"]
        out[name] = row
    return out


def table(summary, peers, reps, unit="wall s"):
    mipshv = [p for p in peers if p != "qemu"]
    head = ["class"] + [f"{label(p)} {unit}" for p in peers]
    if "qemu" in peers:
        head += [f"QEMU/{p.split('-', 1)[1]}" for p in mipshv]
    vs_bare = [p for p in mipshv if p != "mipshv-bare-metal"] if "mipshv-bare-metal" in peers else []
    head += [f"{p.split('-', 1)[1]}/bare" for p in vs_bare]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    for name, row in summary.items():
        cells = [f"**{name}**" if name == "total" else name] + [cell(row.get(p), reps) for p in peers]
        if "qemu" in peers:
            cells += [f"{row[f'qemu_over_{p}']:.2f}×" if f"qemu_over_{p}" in row else "–" for p in mipshv]
        cells += [f"{row[f'{p}_over_bare_metal']:.2f}×" if f"{p}_over_bare_metal" in row else "–" for p in vs_bare]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=5)
    ap.add_argument("--classes", default="all", help="comma-separated subset of " + ",".join(CLASSES))
    ap.add_argument("--modes", default="bare-metal", help="mipshv modes, comma-separated (all: " + ",".join(MODES) + ")")
    ap.add_argument("--engine", default="jit", choices=("jit", "interp"))
    emulator_options(ap, ROOT, "tiny sizes, to exercise the pipeline", "mipshv only (no QEMU ratios)")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "workload_classes.json"))
    args = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # unwind, so every emulator is killed
    args.classes = list(CLASSES) if args.classes == "all" else [c for c in args.classes.split(",") if c]
    modes = list(MODES) if args.modes == "all" else [m for m in args.modes.split(",") if m]
    for c in args.classes:
        if c not in CLASSES:
            ap.error(f"unknown class {c!r}; known: {', '.join(CLASSES)}")
    for m in modes:
        if m not in MODES:
            ap.error(f"unknown mode {m!r}; known: {', '.join(MODES)}")
    if not args.no_qemu and not shutil.which(args.qemu):
        ap.error(f"{args.qemu} not found (install qemu-system-mips, or pass --no-qemu)")
    args.sizes = SIZES["quick" if args.quick else "full"] | debian_classes.SIZES["quick" if args.quick else "full"]
    peers = ([] if args.no_qemu else ["qemu"]) + [f"mipshv-{m}" for m in modes]
    log_dir = os.path.splitext(os.path.abspath(args.out))[0] + "-logs"
    os.makedirs(log_dir, exist_ok=True)

    args.tmp = tempfile.mkdtemp(prefix="workload_classes-")
    args.http = None
    args.debian_packages = None
    try:
        args.mipshv_path = args.mipshv
        args.mipshv, mipshv_binary = pin_binary(args.mipshv, args.tmp)
        if mipshv_binary["version"] is None:
            ap.error(f"{args.mipshv_path} does not run (a build in progress?)")
        programs, files = guest_files()
        archives = []
        if set(debian_classes.CLASSES) & set(args.classes):
            import fetch_programs  # (datasets/, on the path through emulators)
            try:
                cpio, args.debian_packages = fetch_programs.fetch(os.path.join(ROOT, "datasets", "cache"))
            except (fetch_programs.Fatal, subprocess.CalledProcessError) as e:
                sys.exit(f"workload_classes: Debian's programs: {e}")
            archives.append(cpio)
        args.mipshv_initrd = with_files(INITRD, files, os.path.join(args.tmp, "initramfs-mipshv.cpio.gz"), archives)
        qemu_modules = None
        if not args.no_qemu:
            malta, _, qemu_modules = qemu_initramfs(args.tmp)
            args.qemu_initrd = with_files(malta, files, os.path.join(args.tmp, "initramfs-qemu.cpio.gz"), archives)
        if "net" in args.classes:
            args.http, args.net_sha256 = net_server(args.sizes)
        p, args.text = plan(args.sizes, programs, args.http.port if args.http else 0)
        print(f"workload_classes: {', '.join(label(x) for x in peers)}; classes {', '.join(args.classes)}; "
              f"-m {args.memory}; {'quick' if args.quick else 'full'} sizes; {args.reps} reps; logs in {log_dir}",
              flush=True)
        qemu_version = None if args.no_qemu else version([args.qemu, "--version"])
        started = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        t_start = time.monotonic()

        def write(runs, complete):
            """The JSON and CSV so far (rewritten after every boot: a killed run keeps its data)."""
            agrees = agreement(runs, args.classes)
            summary = summarize(runs, peers, args.classes)
            cpu_summary = summarize(runs, peers, args.classes, "cpu_seconds")
            result = {
                "command": " ".join([sys.executable] + sys.argv), "date": started, "complete": complete,
                "elapsed_seconds": time.monotonic() - t_start,
                "host": {"machine": platform.machine(), "cpus": os.cpu_count(), "kernel": platform.release()},
                "mipshv_binary": mipshv_binary, "qemu_version": qemu_version, "qemu_initramfs_modules": qemu_modules,
                "memory": args.memory, "reps": args.reps, "quick": args.quick, "sizes": args.sizes, "rtc": RTC,
                "engine": args.engine, "modes": modes, "peers": peers, "classes": args.classes,
                "commands": {c: p[c][0] for c in args.classes}, "expected": {c: p[c][1] for c in args.classes},
                "scripts": SCRIPTS | debian_classes.SCRIPTS,
                "debian_packages": args.debian_packages, "text_sha256": hashlib.sha256(args.text).hexdigest(),
                "results_agree": agrees,
                "summary": summary, "table": table(summary, peers, args.reps),
                "cpu_summary": cpu_summary, "cpu_table": table(cpu_summary, peers, args.reps, "CPU s"),
                "runs": runs,
            }
            write_json(args.out, result)
            csv_path = os.path.splitext(args.out)[0] + ".csv"
            with open(csv_path + ".tmp", "w", newline="") as f:
                w = csv.DictWriter(f, fieldnames=CSV_COLUMNS)
                w.writeheader()
                w.writerows(rows(runs, args, agrees))
            os.replace(csv_path + ".tmp", csv_path)
            return result

        runs = []
        for rep in range(args.reps):
            for peer in (peers if rep % 2 == 0 else peers[::-1]):  # alternate the order
                runs.append(one_run(peer, rep, args, p, log_dir))
                write(runs, False)
        result = write(runs, True)
    finally:
        if args.http:
            args.http.close()
        shutil.rmtree(args.tmp, ignore_errors=True)
    print_tables(result, "medians [min–max] of host wall seconds; QEMU/x = QEMU median / mipshv median (> 1: mipshv faster); "
                 "mode/bare = the mode's median / bare metal's",
                 "the same for the emulator process's CPU time (user + system, all threads)")
    failed = failures(runs, args.classes, "classes", label)
    disagree = [c for c, ok in result["results_agree"].items() if not ok]
    if disagree:
        print("results differ between runs: " + ", ".join(disagree))
    print_errors(runs, label)
    print(f"wrote {args.out} and {os.path.splitext(args.out)[0]}.csv ({result['elapsed_seconds']:.0f} s)")
    return 1 if failed or disagree or any(r["errors"] for r in runs) else 0


if __name__ == "__main__":
    sys.exit(main())
