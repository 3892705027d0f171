#!/usr/bin/python3
"""Every execution mode runs the same disk workload alike: from the same
pristine test image (snapshot=on), the guest writes random data and a copy of
the image's pattern file, syncs, drops its page cache, reads everything back
and checksums it. Each mode must give a byte-identical console log, the same
guest instruction count and the same disk counters as bare metal, and leave
the image untouched.

usage: disk_modes.py MIPSHV KERNEL INITRD OUTDIR MODE... [--engine jit|interp] [--timeout S]

Each MODE's console log and RunRecord go to OUTDIR/disk-modes-MODE.{log,pb}
(':' spelt 'to'). The reference is bare metal: when `bare-metal` is not among
the MODEs, the bare-metal files already in OUTDIR are used (ctest runs the
bare-metal entry first, as a fixture), or made when absent. The boots share
--timeout seconds (270, below ctest's 300).
"""
import os
import subprocess
import sys
import tempfile

import disks  # experiments/, on PYTHONPATH
from checks import test_setup

MODES = ("bare-metal", "trap", "1:1", "1:n", "on-demand")
# Typed ahead on the console (deterministic: the input is there from the start).
# Lines stay under the 80-column line the shell edits in.
WORKLOAD = b"""cd /mnt && sha256sum -c SHA256SUMS
dd if=/dev/urandom of=rand bs=64k count=32 2>&1
cp data/pattern.bin copy.bin && sha256sum rand copy.bin
sync; echo 3 > /proc/sys/vm/drop_caches
sha256sum rand copy.bin data/pattern.bin; ls -l rand copy.bin
cat /sys/block/vda/size /sys/block/vda/queue/write_cache
cd / && poweroff
"""


def tag(mode):
    return mode.replace(":", "to")


def boot(args, image, mode):
    log_path = os.path.join(args.outdir, f"disk-modes-{tag(mode)}.log")
    stats = os.path.join(args.outdir, f"disk-modes-{tag(mode)}.pb")
    for p in (log_path, stats):
        if os.path.exists(p):
            os.remove(p)
    argv = disks.argv(args.mipshv, disks.drive(image, snapshot="on"), args.kernel, args.initrd, mode=mode,
                      engine=args.engine, stats=stats)
    try:
        r = subprocess.run(argv, input=WORKLOAD, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                           timeout=args.budget.left())
    except subprocess.TimeoutExpired as e:
        tail = (e.output or b"")[-2000:].decode(errors="replace")
        raise TimeoutError(f"{mode}: mipshv still ran when the test's time was up; last output:\n{tail}") from None
    with open(log_path, "wb") as f:
        f.write(r.stdout)
    with open(log_path + ".status", "w") as f:
        f.write(f"{r.returncode}\n")
    return load(args, mode)


def load(args, mode):
    log_path = os.path.join(args.outdir, f"disk-modes-{tag(mode)}.log")
    with open(log_path, "rb") as f:
        log = f.read()
    with open(log_path + ".status") as f:
        status = int(f.read())
    return status, log, disks.record(args.mipshv, os.path.join(args.outdir, f"disk-modes-{tag(mode)}.pb"))


def main():
    args, args.budget, check = test_setup(__doc__, 270,
                                          extra=lambda ap: ap.add_argument("modes", nargs="+", choices=MODES))
    runs = {}
    with tempfile.TemporaryDirectory(prefix="disk-modes-") as tmp:
        image = disks.make_test_image(os.path.join(tmp, "disk.img"))
        pristine = disks.sha256_file(image)
        reference = os.path.join(args.outdir, "disk-modes-bare-metal.pb")
        if "bare-metal" not in args.modes:
            if os.path.exists(reference):
                print(f"reference: the bare-metal run in {args.outdir}")
                runs["bare-metal"] = load(args, "bare-metal")
            else:
                runs["bare-metal"] = boot(args, image, "bare-metal")
        for mode in args.modes:
            runs[mode] = boot(args, image, mode)
        check("snapshot=on: the image is unchanged after every run", disks.sha256_file(image) == pristine)

    base_status, base_log, base = runs["bare-metal"]
    text = base_log.decode(errors="replace")
    for mode in args.modes:
        status, log, rec = runs[mode]
        console = log.decode(errors="replace")
        check(f"{mode}: powers off with status 0", status == 0, status)
        check(f"{mode}: ran under the {args.engine} engine", rec["config"].get("engine") == args.engine)
        trouble = disks.KERNEL_TROUBLE.findall(console)
        check(f"{mode}: no Oops, I/O error or ext4 error on the console", not trouble, trouble)
        errors = {k: v for k, v in disks.device(rec).items() if (k.startswith("errors_") or k.startswith("malformed_"))
                  and v}
        check(f"{mode}: the device counted no errors", not errors, errors)
        mmio = int(rec["totals"].get("exits_mmio", 0))
        if mode == "bare-metal":
            sums = disks.sha256sums(text.replace("\r", ""))
            check("bare-metal: the image's own files verify",
                  all(f"{f}: OK" in text for f in disks.TEST_FILES), text[-2000:])
            check("bare-metal: the copy has the pattern's checksum",
                  sums.get("copy.bin") and sums.get("copy.bin") == sums.get("data/pattern.bin"), sums)
            check("bare-metal: the checksums after dropping the page cache are those before",
                  text.count(sums.get("rand", "-")) == 2 and text.count(sums.get("copy.bin", "-")) == 3, sums)
            check("bare-metal: writeback cache seen by the guest", "write back" in text)
            check("bare-metal: the data reached the disk and was read back",
                  disks.device(rec)["sectors_written"] >= 6144 and disks.device(rec)["sectors_read"] >= 6144,
                  disks.device(rec))
            check("bare-metal: no MMIO exits", mmio == 0, mmio)
            continue
        check(f"{mode}: console output identical to bare-metal", log == base_log,
              f"see {args.outdir}/disk-modes-*.log")
        check(f"{mode}: same guest instructions as bare-metal",
              rec["totals"]["instructions"] == base["totals"]["instructions"],
              f'{rec["totals"]["instructions"]} vs {base["totals"]["instructions"]}')
        check(f"{mode}: same disk counters as bare-metal", disks.device(rec) == disks.device(base),
              f"{disks.device(rec)} vs {disks.device(base)}")
        check(f"{mode}: the device's registers were reached through MMIO exits ({mmio})", mmio > 0, mmio)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
