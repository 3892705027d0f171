#!/usr/bin/python3
"""Is what the guest fsync()ed in the image when mipshv is killed?

Each trial boots Debian's Linux on a fresh copy of the test image (virtio
disk at /mnt, cache=writeback unless --cache says otherwise). The guest
writes a file of random data with fsync (`dd ... conv=fsync`; the size and
the data differ per trial), prints its sha256 and then a marker line; the
host SIGKILLs mipshv the moment the marker reaches the console. The host
then replays the ext4 journal as the next mount would (`e2fsck -E
journal_only`), checks the file system (`e2fsck -fn`) and reads the file out
of the image with debugfs: a trial loses its write when the file is missing,
short or has another checksum. With --busy the guest also rewrites another
file in a loop in the background, so the kill lands while other writes and
journal commits are in flight. --no-fsync is the control: the same write
without fsync sits in the guest's page cache when the kill comes, and is
expected to be lost.

A SIGKILL ends the process, not the host: what mipshv handed to the host
kernel (pwrite) survives in the host's page cache. So this checks that a
write request completes to the guest only once its data reached the image
file, and that the guest's fsync waits for it; it says nothing about power
loss (that flushes become fdatasync is what the counters checked by
tests/linux/disk_options.py show).

usage: experiments/disk_durability.py [--trials 100] [--cache writeback] [--busy] [--no-fsync] [--seed 1]
       [--timeout SECONDS] [--out experiments/results/disk_durability.json]

--timeout bounds the whole run (its ctest registration passes one below
ctest's TIMEOUT); by default the trials take as long as they take.
"""
import argparse
import hashlib
import json
import os
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
from checks import Budget  # noqa: E402
from console_session import ConsoleSession  # noqa: E402
import disks  # noqa: E402
import linux_guest  # noqa: E402

MARKER = "DURABLE-42"
# The shell prints the marker only when it evaluates $((40+2)): the echo of the
# typed line does not contain it.
MARKER_CMD = "echo DURABLE-$((40+2))"


def needs_recovery(image):
    r = subprocess.run([disks.tool("dumpe2fs"), "-h", image], capture_output=True, text=True)
    features = next((l for l in r.stdout.splitlines() if l.startswith("Filesystem features:")), "")
    return "needs_recovery" in features


def trial(args, template, tmp, n, rng):
    image = os.path.join(tmp, f"trial-{n}.img")
    shutil.copyfile(template, image)
    blocks = rng.randint(16, 2048)  # 64 KiB to 8 MiB, 4 KiB blocks
    skip = rng.randint(1, 4096)  # bytes of the guest's random stream thrown away first: other data each trial
    argv = [args.mipshv, *linux_guest.options(args.kernel, args.initrd, rtc=None), "-serial", "stdio",
            "--mode", args.mode, "--engine", args.engine, "-drive", disks.drive(image, cache=args.cache)]
    log_path = os.path.join(args.logs, f"trial-{n}.log") if args.logs else None
    result = {"trial": n, "bytes": blocks * 4096}
    start = time.monotonic()
    s = ConsoleSession(argv, log_path, args.budget)
    try:
        s.expect(disks.MOUNTED, timeout=300)
        s.expect(disks.PROMPT, timeout=120)
        s.send(f"cd /mnt; head -c {skip} /dev/urandom >/dev/null\n")
        if args.busy:
            s.send("(while :; do dd if=/dev/zero of=bg bs=64k count=32 2>/dev/null; done) &\n")
            s.send("sleep 1\n")
        fsync = "" if args.no_fsync else " conv=fsync"
        s.send(f"dd if=/dev/urandom of=t bs=4k count={blocks}{fsync} 2>/dev/null; sha256sum t\n")
        s.send(MARKER_CMD + "\n")
        s.expect(MARKER, timeout=300)
        marker_at = time.monotonic()
        s.proc.kill()  # SIGKILL, at once
        s.proc.wait()
        result["kill_seconds_after_marker"] = time.monotonic() - marker_at
        result["seconds_to_marker"] = marker_at - start
        result["exit_status"] = s.proc.returncode
    finally:
        s.close()
    log = s.log.decode(errors="replace")
    sums = re.findall(r"^([0-9a-f]{64})  t\r?$", log, re.M)
    result["guest_sha256"] = sums[-1] if sums else None
    result["needed_recovery"] = needs_recovery(image)
    replay = subprocess.run([disks.tool("e2fsck"), "-E", "journal_only", "-y", image], capture_output=True, text=True)
    result["replay_status"] = replay.returncode
    result["fsck_status"], fsck = disks.e2fsck(image)
    data = disks.debugfs_cat(image, "/t")
    result["present"] = data is not None
    result["image_bytes"] = None if data is None else len(data)
    result["image_sha256"] = None if data is None else hashlib.sha256(data).hexdigest()
    result["lost"] = not (data is not None and len(data) == blocks * 4096
                          and result["image_sha256"] == result["guest_sha256"])
    if result["fsck_status"] != 0:
        result["fsck_output"] = fsck[-2000:]
    os.remove(image)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--trials", type=int, default=100)
    ap.add_argument("--cache", default="writeback", choices=("writeback", "writethrough", "unsafe"))
    ap.add_argument("--busy", action="store_true", help="rewrite another file in the background meanwhile")
    ap.add_argument("--no-fsync", action="store_true", help="the control: write without fsync (writes may be lost)")
    ap.add_argument("--seed", type=int, default=1, help="seeds the per-trial sizes and data offsets")
    ap.add_argument("--mode", default="bare-metal")
    ap.add_argument("--engine", default="jit")
    ap.add_argument("--mipshv", default=disks.MIPSHV)
    ap.add_argument("--kernel", default=disks.KERNEL)
    ap.add_argument("--initrd", default=disks.INITRD)
    ap.add_argument("--logs", help="keep each trial's console log in this directory")
    ap.add_argument("--out", default=os.path.join(HERE, "results", "disk_durability.json"))
    ap.add_argument("--timeout", type=float, help="seconds for the whole run (default: no limit)")
    args = ap.parse_args()
    args.budget = Budget(args.timeout) if args.timeout else None
    if args.logs:
        os.makedirs(args.logs, exist_ok=True)
    rng = random.Random(args.seed)
    results = []
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="disk-durability-") as tmp:
        template = disks.make_test_image(os.path.join(tmp, "template.img"))
        for n in range(args.trials):
            r = trial(args, template, tmp, n, rng)
            results.append(r)
            print(f"trial {n}: {r['bytes'] >> 10} KiB, marker after {r['seconds_to_marker']:.1f} s, "
                  f"killed {1000 * r['kill_seconds_after_marker']:.1f} ms later, "
                  f"journal replay {'needed' if r['needed_recovery'] else 'not needed'}, "
                  f"e2fsck {r['fsck_status']}, {'LOST' if r['lost'] else 'intact'}", flush=True)
    lost = sum(r["lost"] for r in results)
    summary = {
        "trials": len(results), "lost_writes": lost, "missing_files": sum(not r["present"] for r in results),
        "inconsistent_file_systems": sum(r["fsck_status"] != 0 for r in results),
        "needed_journal_replay": sum(r["needed_recovery"] for r in results),
        "not_killed": sum(r["exit_status"] != -9 for r in results),
        "cache": args.cache, "busy": args.busy, "fsync": not args.no_fsync, "mode": args.mode, "engine": args.engine,
        "seed": args.seed,
        "wall_seconds": time.monotonic() - started,
        "command": " ".join([sys.executable] + sys.argv), "runs": results,
    }
    os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
    with open(args.out, "w") as f:
        json.dump(summary, f, indent=1)
    print(f"{summary['trials']} trials (cache={args.cache}{', busy' if args.busy else ''}"
          f"{', no fsync' if args.no_fsync else ''}): "
          f"{lost} lost writes ({summary['missing_files']} files missing), "
          f"{summary['inconsistent_file_systems']} inconsistent file systems after journal replay, "
          f"{summary['needed_journal_replay']} needed a journal replay; wrote {args.out}")
    if args.no_fsync:  # the control: losses are expected, only a broken file system is a failure
        return 1 if summary["inconsistent_file_systems"] or summary["not_killed"] else 0
    return 1 if lost or summary["inconsistent_file_systems"] or summary["not_killed"] else 0


if __name__ == "__main__":
    sys.exit(main())
