#!/usr/bin/python3
"""Two boots with the same kernel, initrd, options and scripted console input
must print byte-identical console logs (deterministic virtual time).

usage: determinism.py MIPSHV KERNEL INITRD OUTDIR [extra mipshv options...]

The two boots share 540 s under the jit engine and 1140 s under --engine
interp, below ctest's 600 s and 1200 s.
"""
import os
import sys

from checks import Budget, Checks  # experiments/, on PYTHONPATH
from guest_runs import boot as boot_guest

SCRIPT = b"uname -a\ncat /proc/interrupts\ni=0;while [ $i -lt 300 ];do i=$((i+1));done;echo $i\npoweroff -f\n"


def boot(mipshv, kernel, initrd, log_path, engine, extra, budget):
    status, log, _ = boot_guest(mipshv, "bare-metal", SCRIPT, kernel, initrd, engine=engine, extra=extra,
                                timeout=budget.left())
    with open(log_path, "wb") as f:
        f.write(log)
    return status, log


def main():
    mipshv, kernel, initrd, outdir, *extra = sys.argv[1:]
    os.makedirs(outdir, exist_ok=True)
    engine = "jit"
    if "--engine" in extra[:-1]:
        at = extra.index("--engine")
        engine, extra = extra[at + 1], extra[:at] + extra[at + 2:]
    budget = Budget(540 if engine == "jit" else 1140)
    rc1, log1 = boot(mipshv, kernel, initrd, f"{outdir}/determinism-1.log", engine, extra, budget)
    rc2, log2 = boot(mipshv, kernel, initrd, f"{outdir}/determinism-2.log", engine, extra, budget)
    check = Checks()
    check("both boots power off with status 0", rc1 == 0 and rc2 == 0, (rc1, rc2))
    check("the workload ran", b"\n300\r\n" in log1, log1[-300:])
    first = next((i for i, (a, b) in enumerate(zip(log1, log2)) if a != b), min(len(log1), len(log2)))
    check("the two console logs are byte-identical", log1 == log2,
          f"first difference at byte {first}:\n{log1[max(0, first - 200):first + 200]!r}\n"
          f"{log2[max(0, first - 200):first + 200]!r}")
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
