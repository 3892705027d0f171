"""The checks of the Linux tests: one "ok   NAME" or "FAIL NAME: detail" line
each, and the summary line "N passed, M failed" (the shell tests print the
same lines: tests/checks.sh), a test's time budget, and the start of a test
script that boots Linux (test_setup). Standard library only."""
import argparse
import math
import os
import signal
import threading
import time


class Checks:
    """check = Checks(); check(name, ok, detail); ...; sys.exit(check.summary())."""

    def __init__(self):
        self.results = []

    def __call__(self, name, ok, detail=""):
        """Records and prints one check; returns `ok`."""
        self.results.append(bool(ok))
        print(("ok   " if ok else "FAIL ") + name + ("" if ok else f": {detail}"), flush=True)
        return ok

    def summary(self):
        """Prints the summary line; the exit status: 0 when some checks ran and none failed."""
        failed = self.results.count(False)
        print(f"{len(self.results) - failed} passed, {failed} failed", flush=True)
        return 1 if failed or not self.results else 0


class Budget:
    """A test's time, kept below the TIMEOUT of its ctest registration so that a
    hang ends in the test's own diagnostics (the waits' TimeoutError with the
    console's last output, the checks so far) rather than in ctest's kill.
    Every wait takes left(its own limit): what is left, at most that limit.
    A wait that cannot take a limit is cut by SIGALRM, HARD_STOP seconds after
    the budget's end (a TimeoutError raised in the main thread)."""

    HARD_STOP = 15

    def __init__(self, seconds):
        self.seconds = seconds
        self.end = time.monotonic() + seconds
        if threading.current_thread() is threading.main_thread():
            signal.signal(signal.SIGALRM, self._hard_stop)
            signal.alarm(math.ceil(seconds) + self.HARD_STOP)

    def _hard_stop(self, signum, frame):
        raise TimeoutError(f"the test's {self.seconds:g} s are up, and {self.HARD_STOP} s more")

    def left(self, limit=None):
        """Seconds left (at most `limit`); TimeoutError once none are."""
        left = self.end - time.monotonic()
        if left <= 0:
            raise TimeoutError(f"the test's {self.seconds:g} s are up")
        return left if limit is None else min(limit, left)


def test_setup(doc, jit_seconds, interp_seconds=None, extra=None, argv=None):
    """The start of a test script run as SCRIPT MIPSHV KERNEL INITRD OUTDIR ...
    [--engine ENGINE] [--timeout SECONDS]: parses the command line (`argv`, by
    default sys.argv[1:]), starts the test's Budget and makes OUTDIR.

    `doc` is the script's docstring (its first line describes the script in
    --help); `extra(parser)`, when given, adds the script's own arguments (its
    positional ones come after OUTDIR). --engine is jit by default; --timeout,
    the whole test's seconds, is by default `jit_seconds`, or `interp_seconds`
    (when given) under any engine other than jit.
    Returns (args, budget, check): the parsed arguments, the Budget, a Checks."""
    ap = argparse.ArgumentParser(description=doc.splitlines()[0])
    for name in ("mipshv", "kernel", "initrd", "outdir"):
        ap.add_argument(name)
    if extra:
        extra(ap)
    ap.add_argument("--engine", default="jit")
    default = f"default {jit_seconds:g}" + ("" if interp_seconds is None else f", interp {interp_seconds:g}")
    ap.add_argument("--timeout", type=float, help=f"the whole test's time in seconds ({default})")
    args = ap.parse_args(argv)
    seconds = args.timeout
    if seconds is None:
        seconds = jit_seconds if args.engine == "jit" or interp_seconds is None else interp_seconds
    budget = Budget(seconds)
    os.makedirs(args.outdir, exist_ok=True)
    return args, budget, Checks()
