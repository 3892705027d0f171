#!/usr/bin/python3
"""Boot Debian's mips64r2el kernel with the initramfs to a shell, run a small
workload, power off, and check the console log.

usage: boot_shell.py MIPSHV KERNEL INITRD LOG [extra mipshv options...]
"""
import re
import sys
import time

from console_session import ConsoleSession  # experiments/, on PYTHONPATH
from linux_guest import PROMPT, options

FORBIDDEN = re.compile(r"Oops|BUG|WARNING|[Pp]anic|Unhandled|Reserved instruction")


def main():
    mipshv, kernel, initrd, log_path, *extra = sys.argv[1:]
    # No -rtc: the guest's date must come from the host's clock.
    argv = [mipshv, *options(kernel, initrd, rtc=None), *extra]
    checks = []

    def check(name, ok, detail=""):
        checks.append(ok)
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"))

    s = ConsoleSession(argv, log_path)
    try:
        s.expect(r"mipshv initramfs: ", timeout=120)
        s.expect(PROMPT, timeout=60)
        uname = s.run("uname -a")
        check("uname reports a mips64 Linux", "mips64 GNU/Linux" in uname and "Linux" in uname, uname)
        cpuinfo = s.run("cat /proc/cpuinfo")
        check("cpuinfo names the 5KE core and its FPU", "MIPS 5KE" in cpuinfo and "fpu" in cpuinfo, cpuinfo)
        interrupts = s.run("cat /proc/interrupts")
        check("the timer interrupt fires", re.search(r"^\s*7:\s+[1-9]\d*\s+MIPS\s+7\s+timer", interrupts, re.M)
              is not None, interrupts)
        check("the UART has its interrupt line", "ttyS0" in interrupts, interrupts)
        # Commands stay under the 80-column line the shell edits in, so its echo does not wrap.
        loop = s.run("i=0;s=0;while [ $i -lt 2000 ];do s=$((s+i*i));i=$((i+1));done;echo sum=$s")
        check("shell arithmetic loop", "sum=2664667000" in loop, loop)
        year = s.run("date +%Y").strip()
        check("date's year comes from the RTC (host clock)", year == time.strftime("%Y", time.gmtime()), year)
        s.send("poweroff -f\n")
        status = s.wait_exit(timeout=60)
        check("poweroff ends mipshv with status 0", status == 0, f"exit status {status}")
    finally:
        s.close()
    log = s.log.decode(errors="replace")
    bad = FORBIDDEN.findall(log)
    check("kernel log free of Oops/BUG/WARNING/panic/Unhandled/Reserved instruction", not bad, bad)
    print(f"{sum(checks)} passed, {len(checks) - sum(checks)} failed")
    return 0 if all(checks) else 1


if __name__ == "__main__":
    sys.exit(main())
