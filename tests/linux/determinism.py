#!/usr/bin/python3
"""Two boots with the same kernel, initrd, options and scripted console input
must print byte-identical console logs (deterministic virtual time).

usage: determinism.py MIPSHV KERNEL INITRD OUTDIR [extra mipshv options...]
"""
import os
import subprocess
import sys

from linux_guest import options  # experiments/, on PYTHONPATH

SCRIPT = b"uname -a\ncat /proc/interrupts\ni=0;while [ $i -lt 300 ];do i=$((i+1));done;echo $i\npoweroff -f\n"


def boot(mipshv, kernel, initrd, log_path, extra):
    argv = [mipshv, *options(kernel, initrd), *extra]
    result = subprocess.run(argv, input=SCRIPT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300)
    with open(log_path, "wb") as f:
        f.write(result.stdout)
    return result.returncode, result.stdout


def main():
    mipshv, kernel, initrd, outdir, *extra = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    rc1, log1 = boot(mipshv, kernel, initrd, f"{outdir}/determinism-1.log", extra)
    rc2, log2 = boot(mipshv, kernel, initrd, f"{outdir}/determinism-2.log", extra)
    checks = [
        ("both boots power off with status 0", rc1 == 0 and rc2 == 0),
        ("the workload ran", b"\n300\r\n" in log1),
        ("the two console logs are byte-identical", log1 == log2),
    ]
    for name, ok in checks:
        print(("ok   " if ok else "FAIL ") + name)
    if log1 != log2:
        first = next((i for i, (a, b) in enumerate(zip(log1, log2)) if a != b), min(len(log1), len(log2)))
        print(f"first difference at byte {first}:\n{log1[max(0, first - 200):first + 200]!r}\n{log2[max(0, first - 200):first + 200]!r}")
    failed = sum(not ok for _, ok in checks)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
