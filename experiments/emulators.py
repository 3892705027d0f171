"""What the scripts that time guest work under QEMU and mipshv share
(vs_qemu.py, workload_classes.py, net_throughput.py): QEMU's Malta command
line and its initramfs with the 5kc-malta kernel's modules, extra files
appended to an initramfs, a private copy of the mipshv binary, shell
commands over the console, CPU time of the emulator process, medians with
ranges, tool versions, the options, outputs and closing report they have in
common, and one boot of one peer from its start to its
record (GuestRun). Standard library only (plus datasets/fetch_guest.py
for the cpio writer and the module tree)."""
import gzip
import hashlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import time

from linux_guest import CACHE, KERNEL_TROUBLE, PROMPT, ROOT, RTC

sys.path.insert(0, os.path.join(ROOT, "datasets"))

QEMU_KERNEL = os.path.join(CACHE, "vmlinuz-5kc-malta")
MALTA_PKG = os.path.join(CACHE, "pkgs")
KERNEL_LINE = re.compile(r"\[\s*\d+\.\d+\] [^\n]*\n?")
# The shell edits in an 80-column line: longer commands wrap in the echo that
# run_command waits for. The prompt is "~ # ".
MAX_COMMAND = 75
CROSS_CC = "mips64el-linux-gnuabi64-gcc"


def qemu_argv(qemu, memory, initrd, append="console=ttyS0", extra=()):
    """QEMU's Malta board (5KEf, one CPU) booting Debian's 5kc-malta kernel, its RTC
    pinned to linux_guest.RTC as mipshv's is (runs compared must see the same date)."""
    return [qemu, "-M", "malta", "-cpu", "5KEf", "-smp", "1", "-m", memory, "-nographic", "-no-reboot",
            "-kernel", QEMU_KERNEL, "-initrd", initrd, "-append", append, "-rtc", f"base={RTC}", *extra]


# --------------------------------------------------------------------------
# Initramfs images


def initramfs_file(path, name):
    """The bytes of one regular file in a gzip'd newc cpio archive."""
    data = gzip.decompress(open(path, "rb").read())
    pos = 0
    while data[pos:pos + 6] == b"070701":
        fields = [int(data[pos + 6 + 8 * i:pos + 14 + 8 * i], 16) for i in range(13)]
        size, namesize = fields[6], fields[11]
        name_start = pos + 110
        entry = data[name_start:name_start + namesize - 1].decode()
        body = (name_start + namesize + 3) & ~3
        if entry == "TRAILER!!!":
            break
        if entry.lstrip("./") == name:
            return data[body:body + size]
        pos = (body + size + 3) & ~3
    raise SystemExit(f"{name} is not in {path}")


def qemu_initramfs(tmp):
    """An initramfs like datasets/cache/initramfs.cpio.gz (same busybox, /init and
    scripts from fetch_guest.py) with the 5kc-malta kernel's modules plus virtio_pci.
    Returns (path, kernel release, module paths)."""
    import fetch_guest
    pkgs = [d for d in sorted(os.listdir(MALTA_PKG)) if d.startswith("linux-image-") and d.endswith("-5kc-malta")]
    if not pkgs:
        raise SystemExit(f"no 5kc-malta package under {MALTA_PKG} (run datasets/fetch_guest.py)")
    tree = os.path.join(MALTA_PKG, pkgs[-1])
    release = os.listdir(os.path.join(tree, "lib", "modules"))[0]
    saved = fetch_guest.INITRAMFS_MODULES
    fetch_guest.INITRAMFS_MODULES = list(saved) + ["virtio_pci"]
    try:
        image, info = fetch_guest.build_initramfs(os.path.join(CACHE, "busybox"),
                                                  fetch_guest.ModuleTree(os.path.join(tree, "lib", "modules", release)),
                                                  release)
    finally:
        fetch_guest.INITRAMFS_MODULES = saved
    path = os.path.join(tmp, "initramfs-5kc-malta.cpio.gz")
    with open(path, "wb") as f:
        f.write(image)
    return path, release, info["modules"]


def with_files(base, files, out, archives=()):
    """`base` (a gzip'd newc cpio) followed by the gzip'd cpio files `archives` and a
    gzip'd cpio holding `files` ({path: (bytes or str, permissions)}); Linux unpacks
    them all, each over the ones before."""
    import fetch_guest
    c = fetch_guest.Cpio()
    for path, (data, perm) in sorted(files.items()):
        c.file(path, data, perm)
    with open(out, "wb") as f:
        for path in (base, *archives):
            with open(path, "rb") as archive:
                f.write(archive.read())
        f.write(fetch_guest.gzip_bytes(c.archive()))
    return out


def build_programs(sources, cache_dir, flags=("-O2", "-ffp-contract=off", "-Wall")):
    """Each C file in `sources` built twice: for the guest (CROSS_CC, -static) and for
    the host (gcc), into cache_dir/<hash of sources and flags>/. Returns
    {name: (guest binary path, host binary path)}; the headers beside the sources count
    in the hash."""
    src_dir = os.path.dirname(sources[0])
    h = hashlib.sha256(" ".join(flags).encode())
    for f in sorted(os.listdir(src_dir)):
        if f.endswith((".c", ".h")):
            h.update(f.encode() + b"\0" + open(os.path.join(src_dir, f), "rb").read())
    out = os.path.join(cache_dir, h.hexdigest()[:16])
    os.makedirs(out, exist_ok=True)
    built = {}
    for src in sources:
        name = os.path.splitext(os.path.basename(src))[0]
        guest, host = os.path.join(out, name + ".mips64el"), os.path.join(out, name + ".host")
        for cc, dst, extra in ((CROSS_CC, guest, ["-static"]), ("gcc", host, [])):
            if not os.path.exists(dst):
                tmp = f"{dst}.{os.getpid()}.tmp"  # (runs in parallel may build the same program)
                subprocess.run([cc, *flags, *extra, "-o", tmp, src, "-lm"], check=True)
                os.replace(tmp, dst)
        built[name] = (guest, host)
    return built


def emulator_options(ap, root, quick_help, no_qemu_help):
    """The command-line options both peers' scripts take, in their --help order."""
    ap.add_argument("--quick", action="store_true", help=quick_help)
    ap.add_argument("-m", "--memory", default="512M", help="guest RAM for both (default 512M)")
    ap.add_argument("--timeout", type=float, default=900, help="seconds allowed for the boot and for each command")
    ap.add_argument("--no-qemu", action="store_true", help=no_qemu_help)
    ap.add_argument("--mipshv", default=os.path.join(root, "build", "mipshv"))
    ap.add_argument("--qemu", default="qemu-system-mips64el")


# --------------------------------------------------------------------------
# The emulator process


def pin_binary(path, tmp):
    """A private copy of the mipshv binary (others may rebuild build/ during a long run,
    and every rep must run the same one) and what identifies it."""
    pinned = shutil.copy2(path, os.path.join(tmp, "mipshv"))
    info = {"path": path, "sha256": hashlib.sha256(open(pinned, "rb").read()).hexdigest(),
            "mtime": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(os.stat(pinned).st_mtime)),
            "version": version([pinned, "--version"])}
    return pinned, info


def cpu_seconds(pid):
    """User + system CPU time of a process (all its threads) so far."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def version(argv):
    try:
        return subprocess.run(argv, capture_output=True, text=True, timeout=30).stdout.splitlines()[0]
    except (OSError, IndexError, subprocess.SubprocessError):
        return None


# --------------------------------------------------------------------------
# The guest's shell


def run_command(s, command, timeout):
    """Send a command and wait for its echo and the next prompt; return its output.
    (Like ConsoleSession.run, but the echo's newline is left for the prompt
    pattern, so commands that print nothing work too.)"""
    s.send(command + "\n")
    s.expect(re.escape(command) + r"\r?(?=\n)", timeout)
    return s.expect(PROMPT, timeout).replace("\r", "")


def without_kernel_lines(out):
    """Command output without console lines from the kernel ("[   83.675226] random: crng init done")."""
    return KERNEL_LINE.sub("", out).strip()


# --------------------------------------------------------------------------
# One boot of one peer


class GuestRun:
    """One boot of one peer (QEMU or mipshv) on a console, and `run`, its record
    as the scripts' JSON keeps it: peer, rep, argv (mipshv's pinned copy shown by
    its own path), console_log, loadavg_before, `results` (an empty dict for the
    script's timings), untimed and errors; perform() adds the rest. `who` starts
    every line printed about the run."""

    def __init__(self, peer, rep, who, argv, log_path, stats, mipshv, mipshv_path, timeout, results):
        if os.path.exists(stats):
            os.unlink(stats)
        self.peer, self.who, self.argv, self.log_path, self.stats = peer, who, argv, log_path, stats
        self.mipshv, self.timeout = mipshv, timeout
        self.run = {"peer": peer, "rep": rep, "argv": [mipshv_path if a == mipshv else a for a in argv],
                    "console_log": os.path.relpath(log_path, ROOT), "loadavg_before": os.getloadavg(),
                    results: {}, "untimed": {}, "errors": []}
        self.where = "boot"  # what the guest was doing, for an error's message
        self.session = None
        self.boot_seconds = self.boot_cpu_seconds = None

    def untimed(self, command):
        """Run a command, keeping its time and output under run["untimed"]; its output without kernel lines."""
        self.where = "untimed: " + command
        t0 = time.monotonic()
        raw = run_command(self.session, command, self.timeout)
        self.run["untimed"][command] = {"seconds": round(time.monotonic() - t0, 3), "output": raw.strip()[-400:]}
        return without_kernel_lines(raw)

    def timed(self, name, command):
        """Run the command of workload `name`: (its raw output, the output without kernel
        lines, host wall seconds, the emulator's CPU seconds)."""
        self.where = name
        pid = self.session.proc.pid
        cpu0, t0 = cpu_seconds(pid), time.monotonic()
        raw = run_command(self.session, command, self.timeout)
        seconds, cpu = time.monotonic() - t0, cpu_seconds(pid) - cpu0
        return raw, without_kernel_lines(raw), seconds, cpu

    def perform(self, body, cleanup=None):
        """Start the emulator, wait for the first prompt (boot_seconds from the start,
        boot_cpu_seconds), call body(self), then `poweroff -f` and wait for the exit
        (60 s; 20 for QEMU, whose Malta may not power off and is then killed). A
        TimeoutError or EOFError goes into run["errors"] with where it happened and
        is printed with the console's last output. The session is closed in any case,
        host_seconds and loadavg_after recorded and cleanup() called; then the console
        log's kernel trouble and, for mipshv, the RunRecord's guest instructions."""
        from console_session import ConsoleSession
        from records import record
        run, who, qemu = self.run, self.who, self.peer == "qemu"
        start = time.monotonic()
        s = self.session = ConsoleSession(self.argv, self.log_path)
        try:
            s.expect(PROMPT, timeout=self.timeout)
            self.boot_seconds, self.boot_cpu_seconds = time.monotonic() - start, cpu_seconds(s.proc.pid)
            body(self)
            self.where = "poweroff"
            s.send("poweroff -f\n")
            try:
                run["exit_status"] = s.wait_exit(timeout=60 if not qemu else 20)
            except TimeoutError:
                run["exit_status"] = None
                if not qemu:  # QEMU's Malta may not power off; it is killed below
                    run["errors"].append("did not exit within 60 s of poweroff -f")
        except (TimeoutError, EOFError) as e:
            msg = str(e)
            run["errors"].append(f"at {self.where}: {msg.splitlines()[0]}")
            print(f"{who} ERROR at {self.where}: {msg.splitlines()[0]}", flush=True)
            print("    last console output: " + "\n    ".join(msg.splitlines()[-8:]), flush=True)
        finally:
            s.close()
            run["host_seconds"] = time.monotonic() - start
            run["loadavg_after"] = os.getloadavg()
            if cleanup:
                cleanup()
        bad = sorted(set(KERNEL_TROUBLE.findall(s.log.decode(errors="replace"))))
        run["kernel_log_problems"] = bad
        if bad:
            print(f"{who} console log has {bad}", flush=True)
        if not qemu and os.path.exists(self.stats):
            try:
                run["guest_instructions"] = int(record(self.mipshv, self.stats)["totals"]["instructions"])
            except (subprocess.CalledProcessError, ValueError, KeyError):
                pass
        return run


# --------------------------------------------------------------------------
# Summaries


def spread(values):
    """Median, min, max and count of a list of numbers (None for none)."""
    if not values:
        return None
    return {"median": statistics.median(values), "min": min(values), "max": max(values), "n": len(values)}


def cell(st, reps, digits=2):
    """A table cell: "median [min–max]", with (n=...) when reps are missing."""
    if not st:
        return "failed"
    n = "" if st["n"] == reps else f" (n={st['n']})"
    return f"{st['median']:.{digits}f} [{st['min']:.{digits}f}–{st['max']:.{digits}f}]{n}"


# --------------------------------------------------------------------------
# Outputs and the closing report


def write_json(path, result):
    """`result` to path as indented JSON, through a temporary file (a reader never sees half of it)."""
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    with open(path + ".tmp", "w") as f:
        json.dump(result, f, indent=2)
    os.replace(path + ".tmp", path)


def print_tables(result, wall_note, cpu_note):
    """The wall-time and CPU-time tables, each under a blank line and followed by its note."""
    for text in (result["table"], wall_note, result["cpu_table"], cpu_note):
        print()
        print(text)


def failures(runs, names, key, label):
    """(peer, rep, name) of every selected workload (run[key][name]) that failed or is
    missing, and a line listing them if there are any."""
    failed = [(r["peer"], r["rep"], n) for r in runs for n in names if n not in r[key] or not r[key][n]["ok"]]
    if failed:
        print("failed or missing: " + ", ".join(f"{label(a)} rep {b} {c}" for a, b, c in failed))
    return failed


def print_errors(runs, label):
    """A line for every error a run recorded, with its console log."""
    for r in runs:
        for e in r["errors"]:
            print(f"{label(r['peer'])} rep {r['rep']}: {e} (console log {r['console_log']})")
