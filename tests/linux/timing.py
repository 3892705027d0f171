#!/usr/bin/python3
"""--timing with Debian's Linux: the guest's clock is the modelled core's.

usage: timing.py MIPSHV KERNEL INITRD PROFILE

Bare metal and trap mode boot under --timing with a cost model. The kernel
must boot cleanly (its check that the Count/Compare interrupt works, which
reads Count and Cause around the deadline, must pass in trap mode, where
each of those reads is an exit that moves the clock a long way), calibrate
its delay loop to the modelled core's speed (BogoMIPS near the profile's
clock over its CPI, not the 100 MIPS of one tick an instruction), keep
time across `sleep 1`, and in trap mode reach its shell later in guest
time than on bare metal: the exits cost the guest time, as on hardware.
"""
import json
import re
import sys

from checks import Budget, Checks  # experiments/, on PYTHONPATH
from guest_runs import boot
from linux_guest import KERNEL_TROUBLE

SCRIPT = b"cat /proc/uptime; sleep 1; cat /proc/uptime; poweroff -f\n"


def main():
    mipshv, kernel, initrd, profile_path = sys.argv[1:5]
    with open(profile_path) as f:
        profile = json.load(f)
    mips = profile["clock_hz"] / profile["prices"]["instructions"]["cycles"] / 1e6
    budget = Budget(400)
    check = Checks()
    uptime = {}
    for mode in ("bare-metal", "trap"):
        status, log, rec = boot(mipshv, mode, SCRIPT, kernel, initrd, timeout=budget.left(),
                                extra=["--cost-model", profile_path, "--timing"])
        text = log.decode(errors="replace")
        check(f"{mode}: powers off with status 0, no kernel trouble",
              status == 0 and not KERNEL_TROUBLE.search(text), (status, text[-1500:]))
        check(f"{mode}: the record says the clock followed the model", rec.get("config", {}).get("timing") is True)
        bogomips = re.search(r"Calibrating delay loop\.\.\. ([0-9.]+) BogoMIPS", text)
        check(f"{mode}: the delay loop runs at the modelled core's speed (BogoMIPS within 10% of {mips:.0f})",
              bogomips is not None and abs(float(bogomips.group(1)) - mips) <= 0.1 * mips,
              bogomips and bogomips.group(0))
        times = [float(m.group(1)) for m in re.finditer(r"^([0-9]+\.[0-9]+) [0-9]+\.[0-9]+\r?$", text, re.M)]
        check(f"{mode}: sleep 1 takes a second of guest time", len(times) == 2 and 0.9 <= times[1] - times[0] <= 1.5,
              times)
        uptime[mode] = times[0] if times else None
    check("trap mode reaches its shell later in guest time than bare metal (its exits cost time)",
          None not in uptime.values() and uptime["trap"] > 1.1 * uptime["bare-metal"], uptime)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
