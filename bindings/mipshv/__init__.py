"""mipshv from Python: boot guests, drive their console, collect counters.

    import mipshv
    with mipshv.VM(kernel="datasets/cache/vmlinuz-mips64r2el",
                   initrd="datasets/cache/initramfs.cpio.gz",
                   append="console=ttyS0", mode="on-demand",
                   engine="jit") as vm:     # or "interp", the reference interpreter
        vm.expect(mipshv.PROMPT)        # the shell's prompt
        print(vm.run("uname -a"))
        record = vm.counters()          # a RunRecord protobuf message
        totals = vm.counters_dict()["totals"]

The guest runs only inside expect(), run() and run_until(), in slices of
guest instructions, with the GIL released; its virtual time is independent
of how fast Python reacts, so scripted sessions are deterministic.
vm.interrupt() (any thread) or Ctrl-C stops a run in progress at the guest's
next block (Interrupted, KeyboardInterrupt); the VM stays usable.
"""
import re
import time

from google.protobuf import json_format

from . import run_record_pb2
from ._core import MODES, Error, Machine, __version__
from ._core import model_cost as _model_cost

# The execution engines (`--engine`): the block translator (the default) and
# the reference interpreter. The machine core validates the name.
ENGINES = ("jit", "interp")
# busybox ash's prompt, possibly followed by its cursor-position query. The
# experiments' scripts, which run without this package, have it as
# experiments/linux_guest.py's PROMPT; tests/python checks that the two agree.
PROMPT = r"\n[^\n]*# (?:\x1b\[6n)?$"
_SLICE = 5_000_000  # guest instructions between looks at the console


def model_cost(record, profile):
    """The RunRecord `record` (a message) priced by the cost model `profile` (a
    file, experiments/cost_models/): a copy with its `modelled` part set, as
    `--cost-model` and `mipshv stats FILE --cost-model PROFILE` set it."""
    return run_record_pb2.RunRecord.FromString(_model_cost(record.SerializeToString(), str(profile)))


class GuestStopped(Exception):
    """The guest stopped (powered off, halted, exited) while a pattern was awaited."""


class Interrupted(Exception):
    """VM.interrupt() stopped the guest (from another thread) during expect(), run() or
    run_until(). The VM stays usable: the next call goes on where the guest stopped."""


class VM:
    """One virtual machine. Keyword names follow the command-line options."""

    def __init__(self, kernel, initrd=None, append=None, memory="512M", smp=1, mode="on-demand",
                 machine="virt", rtc=None, clock="virtual", semihosting=False, system_map=None, engine="jit",
                 drives=(), netdevs=(), devices=(), nics=(), pcap=None, quantum=None, cost_model=None,
                 timing=False):
        argv = ["mipshv", "-kernel", str(kernel), "-m", str(memory), "-smp", str(smp), "--mode", mode,
                "--engine", engine, "-M", machine, "--clock", clock]
        if quantum is not None:
            argv += ["--quantum", str(quantum)]
        if initrd is not None:
            argv += ["-initrd", str(initrd)]
        if append is not None:
            argv += ["-append", append]
        if rtc is not None:
            argv += ["-rtc", f"base={rtc}"]
        if semihosting:
            argv.append("-semihosting")
        if system_map is not None:
            argv += ["--system-map", str(system_map)]
        if cost_model is not None:
            argv += ["--cost-model", str(cost_model)]
        if timing:  # the guest's clock follows the cost model's time
            argv.append("--timing")
        # Each as the option of that name takes it: drives=["file=disk.img,format=raw,if=virtio"],
        # nics=["user,hostfwd=tcp::8080-:80"], netdevs=["user,id=n0"] with devices=["virtio-net,netdev=n0"].
        for option, values in (("-drive", drives), ("-netdev", netdevs), ("-device", devices), ("-nic", nics)):
            for value in [values] if isinstance(values, str) else values:
                argv += [option, str(value)]
        if pcap is not None:
            argv += ["--pcap", str(pcap)]
        self._machine = Machine(argv)
        self._started = time.monotonic()
        self._cursor = 0
        self.stop_reason = None

    # -- console -----------------------------------------------------------
    @property
    def output(self):
        """Everything the guest printed so far."""
        return self._live().output(0).decode(errors="replace")

    def send(self, text):
        self._live().send(text)

    def expect(self, pattern, timeout=60.0):
        """Run the guest until `pattern` (a regex) appears after the previous match; return the match."""
        regex = re.compile(pattern)
        deadline = time.monotonic() + timeout
        while True:
            match = regex.search(self.output, self._cursor)
            if match:
                self._cursor = match.end()
                return match
            if self.stop_reason is not None:
                raise GuestStopped(f"guest stopped ({self.stop_reason}) while waiting for {pattern!r}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout} s waiting for {pattern!r}; last output:\n"
                                   + self.output[-500:])
            self._step()

    def run(self, command, timeout=60.0, prompt=PROMPT):
        """Run a shell command; return its output without the echo and the prompt."""
        self.send(command + "\n")
        # The echo, but not its line end: the prompt pattern starts at a newline,
        # and for a command that prints nothing that is the only one before it.
        self.expect(re.escape(command) + r"(?=\r?\n)", timeout)
        start = self._cursor
        match = self.expect(prompt, timeout)
        out = self.output[start:match.start()].replace("\r", "")
        return out[1:] if out.startswith("\n") else out

    def run_until(self, condition=None, timeout=60.0):
        """Run until condition(vm) is true, or (without a condition) until the guest stops.
        Returns the stop reason, or None if the condition became true first; raises
        TimeoutError when neither happened within `timeout` seconds (the guest stays usable)."""
        deadline = time.monotonic() + timeout
        while self.stop_reason is None and not (condition and condition(self)):
            if time.monotonic() > deadline:
                raise TimeoutError(f"timed out after {timeout} s")
            self._step()
        return self.stop_reason

    def interrupt(self):
        """Stop the guest at its next block, from any thread: the expect(), run() or
        run_until() in progress raises Interrupted. When none is, the next one does at
        once. Ctrl-C does the same on the main thread, raising KeyboardInterrupt."""
        self._live().interrupt()

    # -- results -------------------------------------------------------------
    @property
    def exit_code(self):
        return self._live().exit_code()

    @property
    def instructions(self):
        """Guest instructions retired so far, by all vCPUs together."""
        return self._live().instructions()

    def counters(self):
        """The run's RunRecord (hv/stats/run_record.proto) as a protobuf message."""
        wall = time.monotonic() - self._started
        return run_record_pb2.RunRecord.FromString(self._live().record(wall))

    def counters_dict(self):
        """The same RunRecord as a plain dict (protobuf's JSON mapping, field names as in the .proto)."""
        return json_format.MessageToDict(self.counters(), preserving_proto_field_name=True)

    # -- lifetime --------------------------------------------------------------
    def stop(self):
        """Tear the machine down; the VM cannot be used afterwards."""
        self._machine = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.stop()
        return False

    def _live(self):
        if self._machine is None:
            raise Error("mipshv: this VM was stopped")
        return self._machine

    def _step(self):
        reason = self._live().run(_SLICE)  # (Ctrl-C: KeyboardInterrupt from here)
        if reason == "interrupted":
            raise Interrupted("mipshv: the guest was interrupted (VM.interrupt)")
        if reason not in ("budget", "none", "idle"):  # (idle: it waited on the host; it goes on)
            self.stop_reason = reason
