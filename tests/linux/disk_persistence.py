#!/usr/bin/python3
"""What the guest writes to its virtio disk is there on the next boot and in
the image file on the host.

Boot 1 (a fresh copy of the test image at /mnt) checks the image's own files
(sha256sum -c SHA256SUMS), writes 4 MiB from /dev/urandom, a small text file
in a new directory and the guest's sha256sum of both, syncs and powers off.
Boot 2 of the same image reads them back and gets the same checksums. Then, on the host, the
file system is clean (e2fsck -fn exits 0) and debugfs reads the same bytes
out of the image.

usage: disk_persistence.py MIPSHV KERNEL INITRD OUTDIR [--engine jit|interp] [--timeout S]

The whole test takes at most --timeout seconds: by default 270 under the jit
engine and 840 under interp, below ctest's 300 and 900.
"""
import hashlib
import os
import sys
import tempfile

import disks  # experiments/, on PYTHONPATH
from checks import test_setup
from console_session import ConsoleSession

NOTE = "written by boot 1"  # commands stay under the 80-column line the shell edits in


def boot(args, image, tag, commands, check, budget):
    """Boots with `image` at /mnt, runs `commands` (name: shell command), powers off.
    Returns ({name: output}, console log, device counters)."""
    stats = os.path.join(args.outdir, f"disk-persistence-{tag}.pb")
    log = os.path.join(args.outdir, f"disk-persistence-{tag}.log")
    s = ConsoleSession(disks.argv(args.mipshv, disks.drive(image), args.kernel, args.initrd, engine=args.engine,
                                  stats=stats), log, budget)
    outputs = {}
    try:
        s.expect(disks.MOUNTED, timeout=300)
        s.expect(disks.PROMPT, timeout=120)
        for name, command in commands:
            outputs[name] = disks.run(s, command)
        s.send("poweroff\n")
        status = s.wait_exit(timeout=120)
    finally:
        s.close()
    console = s.log.decode(errors="replace")
    check(f"{tag}: poweroff ends mipshv with status 0", status == 0, status)
    trouble = disks.KERNEL_TROUBLE.findall(console)
    check(f"{tag}: no Oops, I/O error or ext4 error on the console", not trouble, trouble)
    check(f"{tag}: the disk was unmounted at poweroff", "EXT4-fs (vda): unmounting filesystem" in console,
          console[-500:])
    counters = disks.device(disks.record(args.mipshv, stats))
    errors = {k: v for k, v in counters.items() if (k.startswith("errors_") or k.startswith("malformed_")) and v}
    check(f"{tag}: the device counted no errors", not errors, errors)
    return outputs, console, counters


def main():
    args, budget, check = test_setup(__doc__, 270, 840)
    with tempfile.TemporaryDirectory(prefix="disk-persistence-") as tmp:
        image = disks.make_test_image(os.path.join(tmp, "disk.img"))
        pristine = disks.sha256_file(image)

        out1, _, c1 = boot(args, image, "boot1", [
            ("premade", "cd /mnt && sha256sum -c SHA256SUMS; cd /"),
            ("dd", "dd if=/dev/urandom of=/mnt/rand bs=1M count=4 2>&1"),
            ("note", f"mkdir /mnt/dir && echo '{NOTE}' > /mnt/dir/note.txt"),
            ("sums", "sha256sum /mnt/rand /mnt/dir/note.txt | tee /mnt/SUMS1"),
            ("sync", "sync"),
        ], check, budget)
        for f in disks.TEST_FILES:
            check(f"boot1: the image's own {f} verifies", f"{f}: OK" in out1["premade"], out1["premade"])
        check("boot1: dd wrote 4 MiB", "4+0 records out" in out1["dd"], out1["dd"])
        sums1 = disks.sha256sums(out1["sums"])
        check("boot1: the guest computed both checksums", set(sums1) == {"/mnt/rand", "/mnt/dir/note.txt"},
              out1["sums"])
        check("boot1: the note's checksum is right",
              sums1.get("/mnt/dir/note.txt") == hashlib.sha256((NOTE + "\n").encode()).hexdigest())
        check("boot1: at least 4 MiB reached the disk", c1.get("sectors_written", 0) >= 8192, c1)
        check("boot1: the guest flushed, and each flush was an fdatasync (cache=writeback)",
              c1.get("requests_flush", 0) > 0 and c1.get("host_syncs") == c1.get("requests_flush"), c1)
        check("the image file changed", disks.sha256_file(image) != pristine)

        out2, _, c2 = boot(args, image, "boot2", [
            ("ls", "ls /mnt /mnt/dir"),
            ("sums", "sha256sum /mnt/rand /mnt/dir/note.txt"),
            ("check1", "sha256sum -c /mnt/SUMS1"),
            ("premade", "cd /mnt && sha256sum -c SHA256SUMS; cd /"),
            ("note", "cat /mnt/dir/note.txt"),
        ], check, budget)
        sums2 = disks.sha256sums(out2["sums"])
        check("boot2: the same checksums as boot 1", sums2 == sums1 and sums2, f"{sums1} vs {sums2}")
        check("boot2: sha256sum -c of boot 1's list passes",
              "/mnt/rand: OK" in out2["check1"] and "/mnt/dir/note.txt: OK" in out2["check1"], out2["check1"])
        check("boot2: the note reads back", out2["note"].strip() == NOTE, out2["note"])
        for f in disks.TEST_FILES:
            check(f"boot2: the image's own {f} still verifies", f"{f}: OK" in out2["premade"], out2["premade"])
        check("boot2: the 4 MiB file was read from the disk", c2.get("sectors_read", 0) >= 8192, c2)

        status, fsck = disks.e2fsck(image)
        check("host: e2fsck -fn finds the file system clean (exit 0)", status == 0, f"exit {status}\n{fsck}")
        rand = disks.debugfs_cat(image, "/rand")
        check("host: debugfs reads /rand, 4 MiB", rand is not None and len(rand) == 4 << 20,
              None if rand is None else len(rand))
        check("host: /rand's sha256 in the image matches the guest's",
              rand is not None and hashlib.sha256(rand).hexdigest() == sums1.get("/mnt/rand"))
        note = disks.debugfs_cat(image, "/dir/note.txt")
        check("host: debugfs reads /dir/note.txt", note == (NOTE + "\n").encode(), note)
        premade = disks.debugfs_cat(image, "/SHA256SUMS")
        check("host: /SHA256SUMS untouched", premade is not None and all(
            disks.sha256sums(premade.decode()).get(f) == hashlib.sha256(disks.debugfs_cat(image, "/" + f)).hexdigest()
            for f in disks.TEST_FILES), premade)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
