import os

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MIPSHV_BUILD", os.path.join(ROOT, "build"))


@pytest.fixture
def guest():
    """Path of a bare-metal conformance program (built with the project)."""
    return lambda name: os.path.join(BUILD, "tests", "guest", f"{name}.elf")


@pytest.fixture
def linux():
    cache = os.path.join(ROOT, "datasets", "cache")
    return {"kernel": os.path.join(cache, "vmlinuz-mips64r2el"), "initrd": os.path.join(cache, "initramfs.cpio.gz"),
            "append": "console=ttyS0", "memory": "256M", "rtc": "2026-01-01"}
