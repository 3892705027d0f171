"""The checks of the Linux tests: one "ok   NAME" or "FAIL NAME: detail" line
each, and the summary line "N passed, M failed" (the shell tests print the
same lines: tests/checks.sh), and a test's time budget. Standard library only."""
import math
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
