"""Drive a guest's serial console through mipshv's stdin/stdout, expect-style.

Used by the Linux boot tests: start mipshv, wait for patterns in the console
output, send commands, and keep the whole console log for the artifact.
"""
import os
import re
import select
import subprocess
import time

from linux_guest import PROMPT


class ConsoleSession:
    def __init__(self, argv, log_path=None, budget=None):
        """`budget` (checks.Budget, optional) bounds every wait of the session besides its own timeout."""
        self.proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                     stderr=subprocess.STDOUT, bufsize=0)
        self.log = b""
        self.cursor = 0  # start of the output not yet matched by expect()
        self.log_path = log_path
        self.budget = budget

    def _limit(self, timeout):
        """`timeout`, cut to what is left of the budget; the TimeoutError of a spent budget
        carries the console's last output."""
        if self.budget is None:
            return timeout
        try:
            return self.budget.left(timeout)
        except TimeoutError as e:
            raise TimeoutError(f"{e}; last output:\n" + self.log[-2000:].decode(errors="replace")) from None

    def _read_some(self, timeout):
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            return False
        chunk = os.read(self.proc.stdout.fileno(), 65536)
        if not chunk:
            return None  # EOF: mipshv exited
        self.log += chunk
        return True

    def expect(self, pattern, timeout=60):
        """Wait until `pattern` (a regex) appears; return the text before it."""
        regex = re.compile(pattern.encode() if isinstance(pattern, str) else pattern)
        asked, timeout = timeout, self._limit(timeout)
        deadline = time.monotonic() + timeout
        while True:
            m = regex.search(self.log, self.cursor)
            if m:
                before = self.log[self.cursor:m.start()].decode(errors="replace")
                self.cursor = m.end()
                return before
            left = deadline - time.monotonic()
            if left <= 0:
                cut = " (what was left of the test's time)" if timeout < asked else ""
                raise TimeoutError(f"timed out after {timeout:.0f} s{cut} waiting for {pattern!r}; last output:\n"
                                   + self.log[-2000:].decode(errors="replace"))
            if self._read_some(left) is None:
                raise EOFError(f"mipshv exited (status {self.proc.wait()}) while waiting for {pattern!r}; "
                               "last output:\n" + self.log[-2000:].decode(errors="replace"))

    def send(self, text):
        self.proc.stdin.write(text.encode())
        self.proc.stdin.flush()

    def run(self, command, prompt=PROMPT, timeout=60):
        """Run a shell command and return its output (without echo and prompt)."""
        self.send(command + "\n")
        # The echo, but not its line end: the prompt pattern starts at a
        # newline, and for a command that prints nothing that line end is
        # the only newline before the prompt.
        self.expect(re.escape(command) + r"(?=\r?\n)", timeout)
        out = self.expect(prompt, timeout).replace("\r", "")
        return out[1:] if out.startswith("\n") else out

    def wait_exit(self, timeout=60):
        deadline = time.monotonic() + self._limit(timeout)
        while self.proc.poll() is None and time.monotonic() < deadline:
            self._read_some(0.1)
        while self._read_some(0):
            pass
        if self.proc.poll() is None:
            self.proc.kill()
            raise TimeoutError("mipshv did not exit")
        return self.proc.returncode

    def close(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.log_path:
            with open(self.log_path, "wb") as f:
                f.write(self.log)
