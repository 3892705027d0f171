#!/usr/bin/python3
"""The translator's code cache, when full, is flushed whole and the guest
goes on as if nothing happened: Linux boots and runs a workload with an 8 MiB
code cache (several flushes) and prints the same console log, and retires
the same instructions, as with the default cache.

usage: code_cache.py MIPSHV KERNEL INITRD OUTDIR

The two boots share 540 s, below ctest's 600 s.
"""
import os
import sys

from checks import Budget, Checks  # experiments/, on PYTHONPATH
from guest_runs import boot as boot_guest

SCRIPT = b"uname -a\ni=0;while [ $i -lt 300 ];do i=$((i+1));done;echo $i\nmd5sum /init\npoweroff -f\n"


def boot(mipshv, kernel, initrd, outdir, name, extra, budget):
    status, log, record = boot_guest(mipshv, "bare-metal", SCRIPT, kernel, initrd, os.path.join(outdir, f"{name}.pb"),
                                     engine="jit", extra=extra, timeout=budget.left())
    with open(os.path.join(outdir, f"{name}.log"), "wb") as f:
        f.write(log)
    return status, log, record


def main():
    mipshv, kernel, initrd, outdir = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    budget = Budget(540)
    rc1, log1, rec1 = boot(mipshv, kernel, initrd, outdir, "default", [], budget)
    rc2, log2, rec2 = boot(mipshv, kernel, initrd, outdir, "small", ["--code-cache", "8M"], budget)
    flushes = int(rec2["engine"].get("codeCacheFlushes", rec2["engine"].get("code_cache_flushes", 0)))
    print(f"code cache flushes with 8 MiB: {flushes}")
    check = Checks()
    check("both boots power off with status 0", rc1 == 0 and rc2 == 0, (rc1, rc2))
    check("the workload ran", b"300\r\n" in log2, log2[-300:])
    check("the 8 MiB cache was flushed whole several times", flushes >= 5, flushes)
    check("the default cache was never flushed", int(rec1["engine"].get("code_cache_flushes", 0)) == 0,
          rec1["engine"])
    check("the console logs are byte-identical", log1 == log2)
    # Lookup flushes by cause: the ASID and Status ones follow the guest
    # alone (its context switches), so both boots make the same number.
    lf1, lf2 = rec1["engine"].get("lookup_flushes", {}), rec2["engine"].get("lookup_flushes", {})
    print(f"lookup flushes: {lf1}")
    check("the guest's context switches flushed the lookups (asid)", int(lf1.get("asid", 0)) > 0, lf1)
    check("the same ASID and Status flushes in both boots",
          all(lf1.get(k) == lf2.get(k) for k in ("asid", "status")), (lf1, lf2))
    check("the same instructions retired", rec1["totals"]["instructions"] == rec2["totals"]["instructions"],
          (rec1["totals"]["instructions"], rec2["totals"]["instructions"]))
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
