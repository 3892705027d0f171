#!/usr/bin/python3
"""The -drive options as the Linux guest sees them (MANUAL.md section 3).

usage: disk_options.py MIPSHV KERNEL INITRD OUTDIR CASE [--engine jit|interp] [--timeout S]

CASE `cache`: one boot with three disks, vda cache=writeback, vdb
cache=writethrough, vdc cache=unsafe. The guest sees "write back", "write
through" and "write back" in /sys/block/vdX/queue/write_cache; it writes
1 MiB to each with fsync and reads it back. Counters: writeback does one
host fdatasync per guest flush; writethrough gets no flush (no FLUSH feature)
and syncs at least once per write request; unsafe gets flushes and never
syncs. On the host each image is clean (e2fsck -fn) and holds the guest's data.

CASE `snapshot_readonly`: one boot with the same image twice, as vda
readonly=on (the initramfs mounts it read-only) and vdb snapshot=on (both
take a shared lock). The guest cannot write vda, through the file system or
the block device; on vdb it writes, deletes and reads back its own changes,
which vda does not see. The image is byte-identical afterwards.

The whole test takes at most --timeout seconds (270, below ctest's 300).
"""
import hashlib
import os
import re
import sys
import tempfile

import disks  # experiments/, on PYTHONPATH
from checks import test_setup
from console_session import ConsoleSession


def session(args, drives, tag):
    stats = os.path.join(args.outdir, f"disk-options-{tag}.pb")
    s = ConsoleSession(disks.argv(args.mipshv, drives, args.kernel, args.initrd, engine=args.engine, stats=stats),
                       os.path.join(args.outdir, f"disk-options-{tag}.log"), args.budget)
    return s, stats


def finish(args, s, stats, check, tag):
    """Powers off; checks the exit status and the console; returns the RunRecord."""
    try:
        s.send("poweroff\n")
        status = s.wait_exit(timeout=120)
    finally:
        s.close()
    console = s.log.decode(errors="replace")
    check(f"{tag}: poweroff ends mipshv with status 0", status == 0, status)
    trouble = disks.KERNEL_TROUBLE.findall(console)
    check(f"{tag}: no Oops, I/O error or ext4 error on the console", not trouble, trouble)
    return disks.record(args.mipshv, stats)


def no_errors(rec, names, check, tag):
    for name in names:
        c = disks.device(rec, name)
        errors = {k: v for k, v in c.items() if (k.startswith("errors_") or k.startswith("malformed_")) and v}
        check(f"{tag}: {name} counted no errors", not errors, errors)


def cache_case(args, tmp, check):
    modes = {"vda": "writeback", "vdb": "writethrough", "vdc": "unsafe"}
    images = {n: disks.make_test_image(os.path.join(tmp, f"{n}.img")) for n in modes}
    dirs = {"vda": "/mnt", "vdb": "/m/b", "vdc": "/m/c"}
    s, stats = session(args, [disks.drive(images[n], cache=m) for n, m in modes.items()], "cache")
    sums = {}
    try:
        s.expect(disks.MOUNTED, timeout=300)
        s.expect(disks.PROMPT, timeout=120)
        wc = disks.run(s, "cat /sys/block/vd[abc]/queue/write_cache").split("\n")
        check("cache: the guest sees write back, write through, write back",
              wc[:3] == ["write back", "write through", "write back"], wc)
        disks.run(s, "mkdir -p /m/b /m/c && mount /dev/vdb /m/b && mount /dev/vdc /m/c")
        for n, d in dirs.items():
            out = disks.run(s, f"dd if=/dev/urandom of={d}/f bs=64k count=16 conv=fsync 2>&1")
            check(f"cache: dd with fsync to {n} ({modes[n]})", "16+0 records out" in out, out)
        disks.run(s, "echo 3 > /proc/sys/vm/drop_caches")
        for n, d in dirs.items():
            sums[n] = disks.sha256sums(disks.run(s, f"sha256sum {d}/f")).get(f"{d}/f")
        disks.run(s, "umount /m/b /m/c")
    except BaseException:
        s.close()
        raise
    rec = finish(args, s, stats, check, "cache")
    no_errors(rec, modes, check, "cache")
    wb, wt, un = (disks.device(rec, n) for n in modes)
    check(f"writeback: the guest flushed ({wb['requests_flush']}) and each flush was one host sync "
          f"({wb['host_syncs']})", wb["requests_flush"] > 0 and wb["host_syncs"] == wb["requests_flush"], wb)
    check(f"writethrough: no flush reached the disk ({wt['requests_flush']})", wt["requests_flush"] == 0, wt)
    check(f"writethrough: host syncs ({wt['host_syncs']}) >= write requests ({wt['requests_out']})",
          wt["requests_out"] > 0 and wt["host_syncs"] >= wt["requests_out"], wt)
    check(f"unsafe: flushes reached the disk ({un['requests_flush']}) and none was a host sync "
          f"({un['host_syncs']})", un["requests_flush"] > 0 and un["host_syncs"] == 0, un)
    for n, image in images.items():
        status, fsck = disks.e2fsck(image)
        check(f"{modes[n]}: e2fsck -fn finds the image clean", status == 0, f"exit {status}\n{fsck}")
        data = disks.debugfs_cat(image, "/f")
        check(f"{modes[n]}: the image holds the guest's 1 MiB (sha256 as in the guest)",
              data is not None and len(data) == 1 << 20 and hashlib.sha256(data).hexdigest() == sums[n],
              f"guest {sums[n]}, image {None if data is None else hashlib.sha256(data).hexdigest()}")


def snapshot_readonly_case(args, tmp, check):
    image = disks.make_test_image(os.path.join(tmp, "disk.img"))
    pristine = disks.sha256_file(image)
    s, stats = session(args, [disks.drive(image, readonly="on"), disks.drive(image, snapshot="on")],
                       "snapshot-readonly")
    try:
        s.expect(disks.MOUNTED, timeout=300)
        s.expect(disks.PROMPT, timeout=120)
        said = re.findall(disks.MOUNTED + r"[^\r\n]*", s.log.decode(errors="replace"))
        check("readonly: the initramfs says it mounted vda read-only",
              said == ["mipshv initramfs: /dev/vda mounted at /mnt (read-only)"], said)
        mounts = disks.run(s, "grep '^/dev/vda ' /proc/mounts")
        fields = mounts.split()  # device, mount point, type, options, ...
        check("readonly: /proc/mounts has vda on /mnt, and only there, read-only",
              len(mounts.splitlines()) == 1 and fields[1:2] == ["/mnt"] and "ro" in "".join(fields[3:4]).split(","),
              mounts)
        ro = disks.run(s, "cat /sys/block/vda/ro /sys/block/vdb/ro").split("\n")
        check("readonly: /sys/block/vda/ro is 1, vdb's 0", ro[:2] == ["1", "0"], ro)
        out = disks.run(s, "touch /mnt/x; echo rc=$?")
        check("readonly: a file cannot be created", "Read-only file system" in out and "rc=1" in out, out)
        out = disks.run(s, "mount -o remount,rw /mnt; echo rc=$?")
        check("readonly: /mnt cannot be remounted read-write", "rc=0" not in out, out)
        out = disks.run(s, "dd if=/dev/zero of=/dev/vda bs=4k count=1 seek=9 2>&1")
        check("readonly: the block device refuses a write", "Operation not permitted" in out
              or "Read-only" in out or "I/O error" in out, out)
        out = disks.run(s, "cd /mnt && sha256sum -c SHA256SUMS; cd /")
        check("readonly: reading works (sha256sum -c SHA256SUMS)",
              all(f"{f}: OK" in out for f in disks.TEST_FILES), out)

        disks.run(s, "mkdir /s && mount /dev/vdb /s")
        mounts = disks.run(s, "grep vdb /proc/mounts")
        check("snapshot: vdb is mounted read-write", " rw," in mounts, mounts)
        out = disks.run(s, "dd if=/dev/urandom of=/s/rand bs=64k count=16 2>&1")
        check("snapshot: the guest writes 1 MiB", "16+0 records out" in out, out)
        disks.run(s, "rm /s/hello.txt && echo changed > /s/data/new.txt && sync")
        before = disks.sha256sums(disks.run(s, "sha256sum /s/rand"))
        disks.run(s, "echo 3 > /proc/sys/vm/drop_caches")
        after = disks.sha256sums(disks.run(s, "sha256sum /s/rand"))
        check("snapshot: the guest reads back its own writes after dropping its cache",
              before and before == after, f"{before} vs {after}")
        out = disks.run(s, "ls /s /s/data; cat /s/data/new.txt")
        check("snapshot: the guest sees its deletion and its new file",
              "hello.txt" not in out and "rand" in out and "changed" in out, out)
        out = disks.run(s, "umount /s && mount /dev/vdb /s && ls /s; cat /s/data/new.txt")
        check("snapshot: the changes survive a remount", "rand" in out and "hello.txt" not in out
              and "changed" in out, out)
        out = disks.run(s, "ls /mnt")
        check("readonly: vda (the same image) does not see vdb's changes",
              "hello.txt" in out and "rand" not in out, out)
        disks.run(s, "umount /s")
    except BaseException:
        s.close()
        raise
    rec = finish(args, s, stats, check, "snapshot_readonly")
    no_errors(rec, ("vda", "vdb"), check, "snapshot_readonly")
    ro, snap = disks.device(rec, "vda"), disks.device(rec, "vdb")
    check("readonly: no write request reached vda", ro["requests_out"] == 0 and ro["sectors_written"] == 0, ro)
    check("snapshot: writes reached vdb (into its overlay)", snap["sectors_written"] >= 2048, snap)
    check("snapshot: no host sync (nothing to make durable)", snap["host_syncs"] == 0, snap)
    check("the image is byte-identical afterwards", disks.sha256_file(image) == pristine)


def main():
    args, args.budget, check = test_setup(
        __doc__, 270, extra=lambda ap: ap.add_argument("case", choices=("cache", "snapshot_readonly")))
    with tempfile.TemporaryDirectory(prefix="disk-options-") as tmp:
        {"cache": cache_case, "snapshot_readonly": snapshot_readonly_case}[args.case](args, tmp, check)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
