"""Debian's Linux guest as the experiments and the Linux tests boot it: the
kernel and initramfs in datasets/cache (datasets/fetch_guest.py), its memory,
kernel command line and clock, and its shell's prompt. One definition, so
that every script boots the same guest. It needs nothing but the standard
library, so that scripts that drive the mipshv command line can use it
without the Python module."""
import os
import re

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
CACHE = os.path.join(ROOT, "datasets", "cache")
KERNEL = os.path.join(CACHE, "vmlinuz-mips64r2el")
INITRD = os.path.join(CACHE, "initramfs.cpio.gz")
# The kernel's symbols (datasets/fetch_system_map.py): the exit-site report
# names kernel functions with it. Passed when fetched.
SYSTEM_MAP = os.path.join(CACHE, "System.map-mips64r2el")
MEMORY = "256M"
# The kernel's defaults, KASLR included: the eager strategies follow the kernel.
BOOTARGS = "console=ttyS0"
# A fixed RTC base, so that two runs show the guest the same dates (without
# -rtc the board starts from the host's time).
RTC = "2026-01-01T00:00:00"
# busybox ash's prompt ("~ # ", "/tmp # "), possibly followed by its
# cursor-position query (ESC [6n). The mipshv module's PROMPT is the same
# pattern (tests/python/test_pipeline.py checks that they agree).
PROMPT = r"\n[^\n]*# (?:\x1b\[6n)?$"
# What must never appear on the guest's console: kernel oopses, bugs,
# warnings, panics and stalls, unhandled or reserved instructions, and disk,
# file-system and network-card errors. (A test that provokes an I/O error on
# purpose looks for it instead.)
KERNEL_TROUBLE = re.compile(r"Oops|BUG|WARNING|[Pp]anic|Unhandled|Reserved instruction|Call Trace|rcu.*stall"
                            r"|I/O error|EXT4-fs error|blk_update_request|critical medium error|virtio_blk.*fail"
                            r"|virtio_net.*fail|NETDEV WATCHDOG|transmit queue \d+ timed out")


def options(kernel=KERNEL, initrd=INITRD, memory=MEMORY, append=BOOTARGS, rtc=RTC):
    """The mipshv command-line options that boot the guest; rtc=None leaves the RTC on the host's time."""
    args = ["-kernel", kernel, "-initrd", initrd, "-m", memory, "-append", append]
    args += ["--system-map", system_map(kernel)] if system_map(kernel) else []
    return args + (["-rtc", f"base={rtc}"] if rtc else [])


def vm_options(kernel=KERNEL, initrd=INITRD, memory=MEMORY, append=BOOTARGS, rtc=RTC):
    """The same as keyword arguments of mipshv.VM."""
    symbols = {"system_map": system_map(kernel)} if system_map(kernel) else {}
    return {"kernel": kernel, "initrd": initrd, "memory": memory, "append": append, "rtc": rtc, **symbols}


def system_map(kernel):
    """SYSTEM_MAP for Debian's kernel once fetched, else None."""
    return SYSTEM_MAP if kernel == KERNEL and os.path.exists(SYSTEM_MAP) else None
