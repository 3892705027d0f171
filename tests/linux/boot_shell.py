#!/usr/bin/python3
"""Boot Debian's mips64r2el kernel with the initramfs to a shell, run a small
workload, power off, and check the console log.

The RTC is pinned (-rtc base=, linux_guest.RTC) and time is virtual, so the
guest's date must be the base plus the virtual time the run has had: at
least the kernel's uptime (read just before), at most the run's whole
virtual time (the RunRecord's virtual_ticks at the board's 100 MHz clock,
read after poweroff). That holds for the kernel's clock (date +%s) and the
RTC itself (/sys/class/rtc/rtc0/since_epoch); the host's clock cannot pass.

usage: boot_shell.py MIPSHV KERNEL INITRD LOG [--timeout SECONDS] [extra mipshv options...]
(--timeout: the whole test's time, by default 540 s under the jit engine and
1140 s under interp, below ctest's 600 s and 1200 s.)
"""
import calendar
import os
import re
import sys
import tempfile
import time

from checks import Budget, Checks  # experiments/, on PYTHONPATH
from console_session import ConsoleSession
from linux_guest import KERNEL_TROUBLE, PROMPT, RTC, options
from records import record

CLOCK_HZ = 100_000_000  # the board's CPU clock (device tree clock-frequency): one virtual tick a cycle


def main():
    mipshv, kernel, initrd, log_path, *extra = sys.argv[1:]
    engine = extra[extra.index("--engine") + 1] if "--engine" in extra[:-1] else "jit"
    if extra[:1] == ["--timeout"]:
        budget, extra = Budget(float(extra[1])), extra[2:]
    else:
        budget = Budget(540 if engine == "jit" else 1140)
    check = Checks()
    base = calendar.timegm(time.strptime(RTC, "%Y-%m-%dT%H:%M:%S"))
    with tempfile.TemporaryDirectory(prefix="boot-shell-") as tmp:
        stats = os.path.join(tmp, "run.pb")  # not beside the log: the notebook reads every record there
        s = ConsoleSession([mipshv, *options(kernel, initrd), "--stats", stats, *extra], log_path, budget)
        try:
            s.expect(r"mipshv initramfs: ", timeout=120)
            s.expect(PROMPT, timeout=120)
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
            clock = s.run("cat /proc/uptime; date +%s; cat /sys/class/rtc/rtc0/since_epoch").split()
            s.send("poweroff -f\n")
            status = s.wait_exit(timeout=60)
            check("poweroff ends mipshv with status 0", status == 0, f"exit status {status}")
        finally:
            s.close()
        run_seconds = int(record(mipshv, stats)["totals"]["virtual_ticks"]) / CLOCK_HZ
    try:
        uptime, date, rtc = float(clock[0]), int(clock[2]), int(clock[3])
    except (IndexError, ValueError):
        uptime = date = rtc = None
    print(f"guest: uptime {uptime} s, date {date}, RTC {rtc}; base {base} ({RTC}); the run's virtual time "
          f"{run_seconds:.2f} s", flush=True)
    for what, value in (("date +%s", date), ("the RTC (since_epoch)", rtc)):
        check(f"{what} is the pinned base {RTC} plus the guest's virtual time "
              f"(from its uptime to the run's {run_seconds:.1f} s)",
              value is not None and base + int(uptime) - 1 <= value <= base + run_seconds,
              f"{clock}: {time.strftime('%Y-%m-%d %H:%M:%S', time.gmtime(value)) if value else 'unreadable'}")
    log = s.log.decode(errors="replace")
    bad = KERNEL_TROUBLE.findall(log)
    check("kernel log free of Oops/BUG/WARNING/panic/Unhandled/Reserved instruction and device errors", not bad, bad)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
