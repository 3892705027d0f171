#!/usr/bin/python3
"""The console on a terminal (MANUAL.md section 2, Booting Linux): mipshv's
stdin and stdout on a pseudo-terminal (os.openpty) that is its controlling
terminal, as in an interactive shell, set beforehand to a cooked mode of its
own (distinct erase and interrupt characters), so that "restored" means
these settings and not some default.

  1. Linux boots to its shell. While it runs the terminal is raw (no
     ICANON, ECHO, ISIG, IEXTEN, ICRNL, IXON; 8-bit; VMIN 1, VTIME 0;
     output post-processing kept, ONLCR); typed input reaches the guest
     untranslated (Enter as CR) and Ctrl-A Ctrl-A sends one Ctrl-A (busybox's
     start-of-line key). SIGTERM stops the guest, and mipshv exits with
     status 143 and leaves the terminal exactly as it was.
  2. Ctrl-A x typed at the shell ends mipshv with status 0 and the line
     "mipshv: terminated (Ctrl-A x)" on stderr; the terminal is restored.
  3. Ctrl-A x typed while the guest never reads its console (a bare-metal
     program that spins in `b .`, written by the test; its UART receiver
     stays off) ends mipshv too, and the terminal is restored.
  4. A bare-metal program that copies its console input to its output
     through UHI semihosting (read, write; written by the test) gets what is
     typed, one Ctrl-A for Ctrl-A Ctrl-A, and Ctrl-A x during its read ends
     mipshv (status 0, the terminal restored).

usage: console_pty.py MIPSHV KERNEL INITRD OUTDIR [--engine jit|interp] [--timeout SECONDS]
(--timeout: the whole test's time, by default 270 s, below ctest's 300 s.)

The console logs go to OUTDIR/console-pty-N.log.
"""
import fcntl
import os
import re
import select
import signal
import struct
import subprocess
import sys
import termios
import time

from checks import test_setup  # experiments/, on PYTHONPATH
from linux_guest import PROMPT, options

IFLAG, OFLAG, CFLAG, LFLAG, ISPEED, OSPEED, CC = range(7)
TERMINATED = ["mipshv: terminated (Ctrl-A x)"]  # mipshv's stderr, line by line, after Ctrl-A x
STOPPED_BY_SIGTERM = "mipshv: stopped by SIGTERM"


class Terminal:
    """A pseudo-terminal: the test holds the master and a slave descriptor (to read the
    slave's termios); mipshv gets the slave as stdin, stdout and controlling terminal."""

    def __init__(self, budget=None):
        self.budget = budget  # checks.Budget: bounds every wait besides its own timeout
        self.master, self.slave = os.openpty()
        attrs = termios.tcgetattr(self.slave)
        attrs[IFLAG] |= termios.ICRNL | termios.IXON
        attrs[OFLAG] |= termios.OPOST | termios.ONLCR
        attrs[LFLAG] |= termios.ICANON | termios.ECHO | termios.ECHOE | termios.ISIG | termios.IEXTEN
        attrs[CC][termios.VERASE] = b"\x08"  # distinct from the defaults (DEL, Ctrl-C)
        attrs[CC][termios.VINTR] = b"\x02"
        termios.tcsetattr(self.slave, termios.TCSANOW, attrs)
        self.original = termios.tcgetattr(self.slave)
        self.log = b""
        self.cursor = 0

    def attrs(self):
        return termios.tcgetattr(self.slave)

    def start(self, argv):
        def controlling_terminal():  # runs in the child after setsid()
            fcntl.ioctl(0, termios.TIOCSCTTY, 0)
        return subprocess.Popen(argv, stdin=self.slave, stdout=self.slave, stderr=subprocess.PIPE,
                                start_new_session=True, preexec_fn=controlling_terminal)

    def read_some(self, timeout):
        ready, _, _ = select.select([self.master], [], [], max(timeout, 0))
        if ready:
            try:
                self.log += os.read(self.master, 65536)
            except OSError:
                pass

    def expect(self, pattern, timeout):
        regex = re.compile(pattern.encode())
        deadline = time.monotonic() + (self.budget.left(timeout) if self.budget else timeout)
        while True:
            m = regex.search(self.log, self.cursor)
            if m:
                self.cursor = m.end()
                return m
            if time.monotonic() >= deadline:
                raise TimeoutError(f"timed out waiting for {pattern!r}; last output:\n"
                                   + self.log[-1500:].decode(errors="replace"))
            self.read_some(deadline - time.monotonic())

    def type(self, data):
        os.write(self.master, data)

    def wait(self, proc, timeout):
        """mipshv's exit status (reading its output meanwhile); kills it after `timeout` seconds."""
        timeout = self.budget.left(timeout) if self.budget else timeout
        deadline = time.monotonic() + timeout
        while proc.poll() is None and time.monotonic() < deadline:
            self.read_some(0.05)
        self.read_some(0)
        if proc.poll() is None:
            proc.kill()
            proc.wait()
            return "still running after {:.0f} s (killed)".format(timeout)
        return proc.returncode

    def quit(self, proc):
        """Types Ctrl-A x: mipshv's exit status and its stderr, decoded."""
        self.type(b"\x01x")
        status = self.wait(proc, 10)
        return status, proc.stderr.read().decode(errors="replace")

    def close(self):
        os.close(self.master)
        os.close(self.slave)


# Two bare-metal programs, as 32-bit words at 0xffffffff80100000 (assembled with
# mips64el-linux-gnuabi64-as, .set noreorder).
SPIN = [0x1000FFFF, 0x00000000]  # b . ; nop
CAT = [  # copy the console's input to its output through UHI semihosting until read returns <= 0
    0x24190004,  # loop: li $t9, 4          UHI read(0, 0xffffffff80110000, 64)
    0x24040000,  #       li $a0, 0
    0x3C058011,  #       lui $a1, 0x8011
    0x24060040,  #       li $a2, 64
    0x7000007F,  #       sdbbp 1
    0x18400007,  #       blez $v0, done
    0x00403025,  #       move $a2, $v0       (delay slot) UHI write(1, buffer, n)
    0x24190005,  #       li $t9, 5
    0x24040001,  #       li $a0, 1
    0x3C058011,  #       lui $a1, 0x8011
    0x7000007F,  #       sdbbp 1
    0x1000FFF4,  #       b loop
    0x00000000,  #       nop
    0x24190001,  # done: li $t9, 1           UHI exit(0)
    0x24040000,  #       li $a0, 0
    0x7000007F,  #       sdbbp 1
]


def tiny_elf(path, words):
    """A minimal ELF64 little-endian MIPS64R2 executable of `words` at 0xffffffff80100000."""
    vaddr, code = 0xFFFFFFFF80100000, struct.pack(f"<{len(words)}I", *words)
    ehsize, phentsize = 64, 56
    header = b"\x7fELF" + bytes([2, 1, 1]) + bytes(9) + struct.pack(
        "<HHIQQQIHHHHHH", 2, 8, 1, vaddr, ehsize, 0, 0x80000001, ehsize, phentsize, 1, 64, 0, 0)
    segment = struct.pack("<IIQQQQQQ", 1, 5, ehsize + phentsize, vaddr, vaddr, len(code), len(code), 4)
    with open(path, "wb") as f:
        f.write(header + segment + code)


def raw_problems(attrs):
    """How `attrs` differs from the raw mode mipshv sets (cfmakeraw, output processing kept)."""
    problems = []
    for field, name, flags in ((LFLAG, "lflag", ("ICANON", "ECHO", "ECHONL", "ISIG", "IEXTEN")),
                               (IFLAG, "iflag", ("ICRNL", "INLCR", "IGNCR", "IXON", "ISTRIP", "BRKINT"))):
        problems += [f"{name} {f} set" for f in flags if attrs[field] & getattr(termios, f)]
    problems += [f"oflag {f} clear" for f in ("OPOST", "ONLCR") if not attrs[OFLAG] & getattr(termios, f)]
    if attrs[CFLAG] & termios.CSIZE != termios.CS8:
        problems.append("not 8-bit (CS8)")
    if attrs[CC][termios.VMIN] not in (1, b"\x01") or attrs[CC][termios.VTIME] not in (0, b"\x00"):
        problems.append(f"VMIN {attrs[CC][termios.VMIN]!r} VTIME {attrs[CC][termios.VTIME]!r}")
    return problems


def main():
    args, budget, check = test_setup(__doc__, 270)
    boot = 120  # seconds to the shell, at most
    linux = [args.mipshv, *options(args.kernel, args.initrd), "--engine", args.engine]

    def session(n, argv, body):
        """Runs `body(term, proc)` on a fresh terminal; returns its result, or None after a timeout."""
        term = Terminal(budget)
        proc = term.start(argv)
        start = time.monotonic()
        try:
            return body(term, proc)
        except TimeoutError as e:
            check(f"run {n}: reaches the point of the test", False, e)
            return None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            print(f"run {n} took {time.monotonic() - start:.1f} s", flush=True)
            with open(os.path.join(args.outdir, f"console-pty-{n}.log"), "wb") as f:
                f.write(term.log)
            term.close()

    def restored(n, term, when=""):
        """The check that the terminal's settings are the original ones (`when`: after what)."""
        after = term.attrs()
        check(f"run {n}: {when}the terminal's settings are the original ones", after == term.original,
              f"now {after}, was {term.original}")

    def bare_metal(n, name, words, flags, settle, waiting, body):
        """Run n: the bare-metal program `words`, written to OUTDIR/`name`, under mipshv with `flags`;
        `settle` seconds after its start mipshv still runs and the terminal is raw (the program
        `waiting`); then `body(term, proc)`."""
        program = os.path.join(args.outdir, name)
        tiny_elf(program, words)

        def run(term, proc):
            time.sleep(settle)
            problems = raw_problems(term.attrs())
            check(f"run {n}: the terminal is raw while the program {waiting}", proc.poll() is None and not problems,
                  (proc.poll(), problems))
            body(term, proc)

        session(n, [args.mipshv, "-kernel", program, *flags, "--engine", args.engine], run)

    # 1. Raw mode while the guest runs; input; restored after SIGTERM.
    def raw_then_sigterm(term, proc):
        term.expect(PROMPT, boot)
        problems = raw_problems(term.attrs())
        check("run 1: the terminal is raw while the guest runs", not problems, problems)
        term.type(b"echo $((6*7))\r")
        term.expect(r"\n42\r+(?=\n)", 10)
        term.expect(PROMPT, 10)
        check("run 1: a typed line (Enter as CR) reaches the shell and runs", True)
        # "echo b", Ctrl-A (busybox: start of line) and then "echo a;": the shell runs "echo a;echo b".
        term.type(b"echo b\x01\x01echo a;\r")
        m = term.expect(r"\n(\w)\r+\n(\w)\r+(?=\n)", 10)
        check("run 1: Ctrl-A Ctrl-A sends one Ctrl-A to the guest", m.groups() == (b"a", b"b"), m.groups())
        term.expect(PROMPT, 10)
        proc.send_signal(signal.SIGTERM)
        status = term.wait(proc, 10)
        err = proc.stderr.read().decode(errors="replace")
        check("run 1: SIGTERM stops the guest and mipshv exits with 128 + SIGTERM, saying so",
              status == 128 + signal.SIGTERM and err.strip().splitlines() == [STOPPED_BY_SIGTERM], (status, err))
        restored(1, term, "after SIGTERM ")

    session(1, linux, raw_then_sigterm)

    # 2. Ctrl-A x at the shell.
    def quit_at_shell(term, proc):
        term.expect(PROMPT, boot)
        problems = raw_problems(term.attrs())
        check("run 2: the terminal is raw while the guest runs", not problems, problems)
        status, err = term.quit(proc)
        check("run 2: Ctrl-A x ends mipshv with status 0", status == 0, status)
        check("run 2: stderr says 'mipshv: terminated (Ctrl-A x)'", err.strip().splitlines() == TERMINATED, repr(err))
        restored(2, term, "after Ctrl-A x ")

    session(2, linux, quit_at_shell)

    # 3. Ctrl-A x while the guest never opens its console.
    def quit_while_not_read(term, proc):
        status, err = term.quit(proc)
        check("run 3: Ctrl-A x ends mipshv with status 0 though the guest never reads its console",
              status == 0 and err.strip().splitlines() == TERMINATED, (status, err))
        restored(3, term)

    bare_metal(3, "spin.elf", SPIN, [], 1, "spins", quit_while_not_read)

    # 4. A bare-metal program reading its console through UHI semihosting.
    def semihosting_input(term, proc):
        term.type(b"hello")
        term.expect(r"hello", 10)
        check("run 4: typed input reaches the program's UHI read (it writes it back)", True)
        term.type(b"\x01\x01z")
        term.expect(r"z", 10)
        check("run 4: Ctrl-A Ctrl-A sends one Ctrl-A to it", term.log.endswith(b"hello\x01z"), term.log[-12:])
        status, err = term.quit(proc)
        check("run 4: Ctrl-A x during its UHI read ends mipshv with status 0",
              status == 0 and err.strip().splitlines() == TERMINATED, (status, err))
        check("run 4: no Ctrl-A or x reached the program", not term.log.endswith(b"x"), term.log[-12:])
        restored(4, term)

    bare_metal(4, "cat.elf", CAT, ["-semihosting"], 0.5, "waits in a UHI read", semihosting_input)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
