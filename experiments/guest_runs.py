"""Running the mipshv command line on Debian's Linux: one boot with a
scripted console workload, its console log and its RunRecord (as a dict).
The Linux mode test uses it to check the CLI; experiments go through the
Python module instead (run_one.py)."""
import os
import subprocess
import sys
import tempfile

from linux_guest import INITRD, KERNEL, ROOT, RTC, options
from records import EXIT_COUNTERS, record

# The Python module of the build in PYTHONPATH, else of build/.
sys.path.append(os.path.join(ROOT, "build", "python"))
from mipshv import ENGINES, MODES  # noqa: E402  (the execution modes and engines, in their order)


def boot(mipshv, mode, workload, kernel=KERNEL, initrd=INITRD, stats_path=None, rtc=RTC, engine="jit", extra=(),
         timeout=300):
    """Boots, feeds `workload` (bytes) to the console, returns (status, console log, RunRecord dict).
    `extra`: more mipshv options (e.g. ["-smp", "4"]); `timeout`: seconds for the whole run (a test
    passes what is left of its budget), after which TimeoutError shows the console's last output."""
    with tempfile.TemporaryDirectory() as tmp:
        stats = stats_path or os.path.join(tmp, "run.pb")
        argv = [mipshv, *options(kernel, initrd, rtc=rtc), "--mode", mode, "--engine", engine, "--stats", stats,
                *extra]
        try:
            r = subprocess.run(argv, input=workload, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               timeout=timeout)
        except subprocess.TimeoutExpired as e:
            tail = (e.output or b"")[-2000:].decode(errors="replace")
            raise TimeoutError(f"mipshv --mode {mode} --engine {engine} still ran after {timeout:.0f} s; "
                               f"last output:\n{tail}") from None
        return r.returncode, r.stdout, record(mipshv, stats)


def exits(rec):
    """All hypervisor exits of a run (a RunRecord dict)."""
    return sum(int(rec["totals"].get(k, 0)) for k in EXIT_COUNTERS)


# Fields that legitimately differ between two runs of the same thing: wall
# times, the command line (it names the stats file) and the host.
TIMING = {"wall_seconds", "hypervisor_seconds", "engine_seconds", "translate_seconds", "argv", "host"}


def without_timing(value):
    """A RunRecord dict without the fields in TIMING, at any depth."""
    if isinstance(value, dict):
        return {k: without_timing(v) for k, v in value.items() if k not in TIMING}
    if isinstance(value, list):
        return [without_timing(v) for v in value]
    return value


def differences(a, b, path=""):
    """Where two RunRecord dicts differ: ["totals.exits_hypercall: 12 != 13", ...] (empty when equal)."""
    if isinstance(a, dict) and isinstance(b, dict):
        return [d for k in sorted(set(a) | set(b), key=str)
                for d in differences(a.get(k), b.get(k), f"{path}.{k}" if path else str(k))]
    if isinstance(a, list) and isinstance(b, list) and len(a) == len(b):
        return [d for i, (x, y) in enumerate(zip(a, b)) for d in differences(x, y, f"{path}[{i}]")]
    return [] if a == b else [f"{path}: {a!r} != {b!r}"]
