import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
BUILD = os.environ.get("MIPSHV_BUILD", os.path.join(ROOT, "build"))
sys.path.insert(0, os.path.join(ROOT, "experiments"))

import linux_guest  # noqa: E402
from checks import Budget  # noqa: E402

# The whole session's time, below ctest's 600 s (tests/python/CMakeLists.txt): a test
# still running then is stopped with a TimeoutError, and the tests after it do not start.
SESSION_SECONDS = 560


def pytest_sessionstart(session):
    session.config.mipshv_budget = Budget(SESSION_SECONDS)


def pytest_runtest_setup(item):
    item.config.mipshv_budget.left()  # TimeoutError once the session's time is up


@pytest.fixture
def guest():
    """Path of a bare-metal conformance program (built with the project)."""
    return lambda name: os.path.join(BUILD, "tests", "guest", f"{name}.elf")


@pytest.fixture
def mipshv_cli():
    """Path of the build's mipshv command line."""
    return os.path.join(BUILD, "mipshv")


@pytest.fixture(scope="session")
def spinning_guest(tmp_path_factory):
    """A bare-metal program that never stops (a branch to itself), linked like the
    conformance programs, with the cross compiler that built them."""
    work = tmp_path_factory.mktemp("spin")
    source, elf = work / "spin.S", work / "spin.elf"
    source.write_text(".set noreorder\n.section .text.start\n.globl _start\n_start:\n\tb _start\n\tnop\n")
    subprocess.run(["mips64el-linux-gnuabi64-gcc", "-march=mips64r2", "-mabi=64", "-EL", "-mno-abicalls", "-fno-pic",
                    "-msym32", "-nostdlib", "-static", "-Wl,--build-id=none",
                    "-T", os.path.join(ROOT, "tests", "guest", "runtime", "link.ld"), "-o", str(elf), str(source)],
                   check=True)
    return elf


@pytest.fixture
def linux():
    """mipshv.VM's keyword arguments for Debian's Linux, as the experiments boot it."""
    return linux_guest.vm_options()
