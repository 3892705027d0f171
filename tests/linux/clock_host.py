#!/usr/bin/python3
"""`--clock host` against the default virtual clock (MANUAL.md section 5).

Two boots with the RTC pinned (-rtc base=2026-01-01T00:00:00) and the same
console input, all of it written at once and then closed: marker lines B, A
and C, each with the guest's uptime and date, around an idle period (`sleep
6`) and a busy one (a loop of shell builtins reading /proc/uptime until 3 to
4 more seconds have gone by: no WAIT, so guest time moves only as the engine
runs). The test notes the host's monotonic time when each line arrives.

  --clock host: the guest's time is the host's. The guest's sleep takes
    6 s of host time, the guest's uptime and date advance across the sleep
    and across the busy loop by what the host's clock did, and its date is
    the pinned base plus the host time since mipshv started.
  --clock virtual (the default): with its console input closed, the guest's
    idle time does not wait for the host: the guest still sees its 6 s go by
    (uptime and date), but the host sees B and A less than 3 s apart.

usage: clock_host.py MIPSHV KERNEL INITRD OUTDIR [--engine jit|interp] [--timeout SECONDS]
(--timeout: the whole test's time, by default 270 s under the jit engine and
570 s under interp, below ctest's 300 s and 600 s.)

The console logs go to OUTDIR/clock-{host,virtual}.log.
"""
import calendar
import os
import re
import sys
import time

from checks import test_setup  # experiments/, on PYTHONPATH
from console_session import ConsoleSession
from linux_guest import KERNEL_TROUBLE, RTC, options

SLEEP = 6
MARK = "echo {}$((1+1)) $(cat /proc/uptime) $(date +%s)\n"
SCRIPT = (MARK.format("B") + f"sleep {SLEEP}\n" + MARK.format("A")
          + "read u x </proc/uptime; e=$((${u%.*}+4))\n"
          + "while [ ${u%.*} -lt $e ]; do read u x </proc/uptime; done\n"
          + MARK.format("C") + "poweroff -f\n")
# The markers as printed (their echo shows "B$((1+1))"): marker, uptime, idle time, date +%s.
LINE = r"{}2 (\d+\.\d+) \d+\.\d+ (\d+)\r?\n"
BASE = calendar.timegm(time.strptime(RTC, "%Y-%m-%dT%H:%M:%S"))


def boot(args, clock, budget):
    """One boot: {"B": (host s since start, uptime, date), "A": ..., "C": ..., "status": exit status,
    "log": console}."""
    argv = [args.mipshv, *options(args.kernel, args.initrd), "--engine", args.engine, "--clock", clock]
    print("argv:", " ".join(argv), flush=True)
    start = time.monotonic()
    s = ConsoleSession(argv, os.path.join(args.outdir, f"clock-{clock}.log"), budget)
    result = {}
    try:
        s.send(SCRIPT)
        s.proc.stdin.close()  # end of input: a virtual-clock guest's idle time no longer waits for the host
        for marker, timeout in (("B", 240 if args.engine == "interp" else 120), ("A", 3 * SLEEP), ("C", 60)):
            s.expect(LINE.format(marker), timeout)
            host = time.monotonic() - start
            uptime, date = re.findall(LINE.format(marker).encode(), s.log)[-1]
            result[marker] = (host, float(uptime), int(date))
            print(f"  {marker}: host {host:.2f} s after start, guest uptime {float(uptime):.2f} s, "
                  f"date base+{int(date) - BASE} s", flush=True)
        result["status"] = s.wait_exit(30)
    finally:
        s.close()
    result["log"] = s.log.decode(errors="replace")
    return result


def main():
    args, budget, check = test_setup(__doc__, 270, 570)

    for clock in ("host", "virtual"):
        try:
            r = boot(args, clock, budget)
        except (TimeoutError, EOFError) as e:
            check(f"--clock {clock}: the guest prints its marker lines and powers off", False, e)
            continue
        (hb, ub, db), (ha, ua, da), (hc, uc, _) = r["B"], r["A"], r["C"]
        host_dt, uptime_dt, date_dt = ha - hb, ua - ub, da - db
        check(f"--clock {clock}: powers off with status 0", r["status"] == 0, r["status"])
        check(f"--clock {clock}: the busy loop ran 3 to 5 s of guest time ({uc - ua:.2f} s)",
              3 <= uc - ua < 5, uc - ua)
        check(f"--clock {clock}: no kernel trouble on the console", not KERNEL_TROUBLE.findall(r["log"]),
              KERNEL_TROUBLE.findall(r["log"]))
        check(f"--clock {clock}: the guest's uptime advances by its sleep {SLEEP} s ({uptime_dt:.2f} s)",
              SLEEP <= uptime_dt < SLEEP + 3, uptime_dt)
        check(f"--clock {clock}: so does its date ({date_dt} s)", SLEEP <= date_dt <= SLEEP + 3, date_dt)
        if clock == "host":
            # The host waited for the guest's sleep, and the guest's clock kept
            # pace with the host's (both ends of the interval are a marker line
            # on its way to this process: 1 s covers a loaded machine).
            check(f"--clock host: the guest's sleep took host time ({host_dt:.2f} s between the marker lines)",
                  host_dt >= SLEEP - 0.5, host_dt)
            check(f"--clock host: guest uptime advanced as the host's clock ({uptime_dt:.2f} s against "
                  f"{host_dt:.2f} s)", abs(uptime_dt - host_dt) <= 1.0, uptime_dt - host_dt)
            check(f"--clock host: guest uptime kept pace with the host's clock in the busy loop ({uc - ua:.2f} s "
                  f"against {hc - ha:.2f} s)", 3 <= uc - ua and abs((uc - ua) - (hc - ha)) <= 1.0,
                  (uc - ua) - (hc - ha))
            # The RTC reads base + host time since mipshv started; the kernel
            # read it (whole seconds) at boot and counted on from there.
            for marker in ("B", "A", "C"):
                h, _, d = r[marker]
                check(f"--clock host: date at {marker} is the base plus the host time since start "
                      f"(base+{d - BASE} s, {h:.2f} s since start)", h - 2.5 <= d - BASE <= h + 0.5, d - BASE - h)
        else:
            check(f"--clock virtual: the guest's sleep took no host time ({host_dt:.2f} s between the marker lines)",
                  host_dt < SLEEP / 2, host_dt)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
