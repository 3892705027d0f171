#!/usr/bin/python3
"""Sequential throughput of the virtio disk seen from the guest, next to the
host's own on the same file system.

Each repetition makes a fresh 256 MiB ext4 image (mke2fs) in a temporary
directory (under --dir), boots Debian's Linux with it at /mnt and times, on
the HOST's wall clock between console markers the guest prints before and
after each dd (the guest's own clock is virtual and says nothing here):
  write: dd if=/dev/zero of=/mnt/big bs=1M count=128 conv=fsync
  read:  echo 3 > /proc/sys/vm/drop_caches; dd if=/mnt/big of=/dev/null bs=1M
Before the guest reads, the image's pages are dropped from the host's page
cache too (posix_fadvise DONTNEED), so both sides read from the host's disk.
In the same repetition the host writes 128 MiB to a file in the same
directory (1 MiB writes, then fdatasync) and reads it back after
posix_fadvise(DONTNEED). Reported: MiB/s of each, their ratio (guest/host),
medians over --reps.

usage: experiments/disk_throughput.py [--reps 3] [--mib 128] [--cache writeback] [--dir DIR]
       [--mode bare-metal] [--engine jit] [--out experiments/results/disk_throughput.json]
"""
import argparse
import hashlib
import json
import os
import platform
import statistics
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from console_session import ConsoleSession  # noqa: E402
import disks  # noqa: E402

CHUNK = 1 << 20


def drop_host_cache(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)


def host_throughput(directory, mib):
    """(write MiB/s with fdatasync, read MiB/s after DONTNEED) of a file in `directory`."""
    path = os.path.join(directory, "host.bin")
    block = bytes(CHUNK)  # zeros, like the guest's /dev/zero
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        start = time.monotonic()
        for _ in range(mib):
            os.write(fd, block)
        os.fdatasync(fd)
        write = mib / (time.monotonic() - start)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
    finally:
        os.close(fd)
    fd = os.open(path, os.O_RDONLY)
    try:
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        start = time.monotonic()
        total = 0
        while True:
            n = len(os.read(fd, CHUNK))
            if n == 0:
                break
            total += n
        read = total / CHUNK / (time.monotonic() - start)
    finally:
        os.close(fd)
    os.remove(path)
    return write, read


def timed(s, tag, command, timeout):
    """Runs `command` between two markers; host seconds from the first marker to the second, and its output."""
    n = timed.count = getattr(timed, "count", 0) + 1
    # $((n+0)): the typed line's echo does not contain the marker, only the shell's output does.
    s.send(f"echo {tag}-BEGIN-$(({n}+0)); {command} 2>&1; echo {tag}-END-$(({n}+0))\n")
    s.expect(rf"{tag}-BEGIN-{n}\r?\n", timeout)
    start = time.monotonic()
    out = s.expect(rf"{tag}-END-{n}\r?\n", timeout)
    return time.monotonic() - start, out.replace("\r", "").strip()


def guest_throughput(args, directory, rep):
    image = disks.make_ext4(os.path.join(directory, "disk.img"), "256M")
    stats = os.path.join(directory, "run.pb")
    argv = disks.argv(args.mipshv, disks.drive(image, cache=args.cache), args.kernel, args.initrd, mode=args.mode,
                      engine=args.engine, stats=stats)
    log = os.path.join(args.logs, f"rep-{rep}.log") if args.logs else None
    s = ConsoleSession(argv, log)
    try:
        s.expect(disks.MOUNTED, timeout=300)
        s.expect(disks.PROMPT, timeout=120)
        write_s, write_out = timed(s, "W", f"dd if=/dev/zero of=/mnt/big bs=1M count={args.mib} conv=fsync", 1800)
        timed(s, "D", "sync; echo 3 > /proc/sys/vm/drop_caches", 300)
        drop_host_cache(image)
        read_s, read_out = timed(s, "R", "dd if=/mnt/big of=/dev/null bs=1M", 1800)
        s.send("poweroff\n")
        status = s.wait_exit(timeout=300)
    finally:
        s.close()
    counters = disks.device(disks.record(args.mipshv, stats))
    ok = (status == 0 and f"{args.mib}+0 records out" in write_out and f"{args.mib}+0 records in" in read_out
          and counters["sectors_written"] >= args.mib * 2048 and counters["sectors_read"] >= args.mib * 2048)
    if not ok:
        raise RuntimeError(f"rep {rep}: the guest's dd did not do what was asked (exit {status}):\n"
                           f"{write_out}\n{read_out}\n{counters}")
    os.remove(image)
    return {"write_seconds": write_s, "read_seconds": read_s, "write_mib_s": args.mib / write_s,
            "read_mib_s": args.mib / read_s, "guest_dd_write": write_out.splitlines()[-1],
            "guest_dd_read": read_out.splitlines()[-1], "device": counters}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--mib", type=int, default=128, help="size of the file written and read (MiB, at most 200)")
    ap.add_argument("--cache", default="writeback", choices=("writeback", "writethrough", "unsafe"))
    ap.add_argument("--dir", default=None, help="where the image and the host's file go (default: the temp dir)")
    ap.add_argument("--mode", default="bare-metal")
    ap.add_argument("--engine", default="jit")
    ap.add_argument("--mipshv", default=disks.MIPSHV)
    ap.add_argument("--kernel", default=disks.KERNEL)
    ap.add_argument("--initrd", default=disks.INITRD)
    ap.add_argument("--logs", help="keep each repetition's console log in this directory")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "disk_throughput.json"))
    args = ap.parse_args()
    if args.logs:
        os.makedirs(args.logs, exist_ok=True)
    runs = []
    for rep in range(args.reps):
        with tempfile.TemporaryDirectory(prefix="disk-throughput-", dir=args.dir) as tmp:
            g = guest_throughput(args, tmp, rep)
            hw, hr = host_throughput(tmp, args.mib)
        run = {"rep": rep, "guest_write_mib_s": g["write_mib_s"], "guest_read_mib_s": g["read_mib_s"],
               "host_write_mib_s": hw, "host_read_mib_s": hr, "guest": g}
        runs.append(run)
        print(f"rep {rep}: write guest {g['write_mib_s']:.1f} MiB/s, host {hw:.1f} MiB/s; "
              f"read guest {g['read_mib_s']:.1f} MiB/s, host {hr:.1f} MiB/s", flush=True)
    med = {k: statistics.median(r[k] for r in runs)
           for k in ("guest_write_mib_s", "guest_read_mib_s", "host_write_mib_s", "host_read_mib_s")}
    summary = {**{f"median_{k}": v for k, v in med.items()},
               "write_ratio_guest_over_host": med["guest_write_mib_s"] / med["host_write_mib_s"],
               "read_ratio_guest_over_host": med["guest_read_mib_s"] / med["host_read_mib_s"],
               "mib": args.mib, "reps": args.reps, "cache": args.cache, "mode": args.mode, "engine": args.engine,
               "directory": os.path.abspath(args.dir or tempfile.gettempdir()), "host": platform.node(),
               "command": " ".join([sys.executable] + sys.argv),
               # which binary measured it (the record is committed as a reference; write_numbers reads it)
               "mipshv_binary": {"path": os.path.abspath(args.mipshv),
                                 "sha256": hashlib.sha256(open(args.mipshv, "rb").read()).hexdigest()},
               "cpus": os.cpu_count(), "kernel": platform.release(), "runs": runs}
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(summary, f, indent=1)
    print(f"median of {args.reps} ({args.mib} MiB, cache={args.cache}, {args.mode}, {args.engine}):")
    print(f"  write: guest {med['guest_write_mib_s']:8.1f} MiB/s   host {med['host_write_mib_s']:8.1f} MiB/s   "
          f"guest/host {summary['write_ratio_guest_over_host']:.3f}")
    print(f"  read:  guest {med['guest_read_mib_s']:8.1f} MiB/s   host {med['host_read_mib_s']:8.1f} MiB/s   "
          f"guest/host {summary['read_ratio_guest_over_host']:.3f}")
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
