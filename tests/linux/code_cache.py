#!/usr/bin/python3
"""The translator's code cache, when full, is flushed whole and the guest
goes on as if nothing happened: Linux boots and runs a workload with an 8 MiB
code cache (several flushes) and prints the same console log, and retires
the same instructions, as with the default cache.

usage: code_cache.py MIPSHV KERNEL INITRD OUTDIR
"""
import json
import os
import subprocess
import sys

from linux_guest import options  # experiments/, on PYTHONPATH

SCRIPT = b"uname -a\ni=0;while [ $i -lt 300 ];do i=$((i+1));done;echo $i\nmd5sum /init\npoweroff -f\n"


def boot(mipshv, kernel, initrd, outdir, name, extra):
    stats = os.path.join(outdir, f"{name}.pb")
    argv = [mipshv, *options(kernel, initrd), "--engine", "jit", "--stats", stats, *extra]
    result = subprocess.run(argv, input=SCRIPT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=600)
    with open(os.path.join(outdir, f"{name}.log"), "wb") as f:
        f.write(result.stdout)
    record = json.loads(subprocess.run([mipshv, "stats", stats], capture_output=True, check=True).stdout)
    return result.returncode, result.stdout, record


def main():
    mipshv, kernel, initrd, outdir = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    rc1, log1, rec1 = boot(mipshv, kernel, initrd, outdir, "default", [])
    rc2, log2, rec2 = boot(mipshv, kernel, initrd, outdir, "small", ["--code-cache", "8M"])
    flushes = int(rec2["engine"].get("codeCacheFlushes", rec2["engine"].get("code_cache_flushes", 0)))
    checks = [
        ("both boots power off with status 0", rc1 == 0 and rc2 == 0),
        ("the workload ran", b"300\r\n" in log2),
        ("the 8 MiB cache was flushed whole several times", flushes >= 5),
        ("the default cache was never flushed", int(rec1["engine"].get("code_cache_flushes", 0)) == 0),
        ("the console logs are byte-identical", log1 == log2),
        ("the same instructions retired", rec1["totals"]["instructions"] == rec2["totals"]["instructions"]),
    ]
    print(f"code cache flushes with 8 MiB: {flushes}")
    for name, ok in checks:
        print(("ok   " if ok else "FAIL ") + name)
    failed = sum(not ok for _, ok in checks)
    print(f"{len(checks) - failed} passed, {failed} failed")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
