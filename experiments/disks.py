"""Virtio disks for the Linux guest: fresh ext4 test images, the -drive
command line, and looking inside an image from the host (e2fsck, debugfs).

The test image is datasets/make_disk.py's: an ext4 file system with
/hello.txt, /data/pattern.bin and /SHA256SUMS, rebuilt byte-identical every
time; the guest's initramfs mounts /dev/vda at /mnt. Used by the disk tests
in tests/linux/ and by experiments/disk_*.py.
"""
import hashlib
import os
import re
import shutil
import subprocess

# KERNEL, INITRD, PROMPT, KERNEL_TROUBLE (what must never appear on the console
# of a disk run), Checks and record also serve the disk scripts as disks.KERNEL etc.
from checks import Checks  # noqa: F401
from linux_guest import CACHE, INITRD, KERNEL, KERNEL_TROUBLE, MEMORY, PROMPT, ROOT, RTC, options  # noqa: F401
from records import record  # noqa: F401

MIPSHV = os.path.join(ROOT, "build", "mipshv")
MAKE_DISK = os.path.join(ROOT, "datasets", "make_disk.py")
CACHED_TEST_DISK = os.path.join(CACHE, "test-disk.img")

# The prompt (linux_guest.PROMPT), also right after a command's echo when the command printed nothing.
RUN_PROMPT = r"(?m)^[^\n]*# (?:\x1b\[6n)?\Z"
MOUNTED = r"mipshv initramfs: /dev/vda mounted at /mnt"
# The test image's files that its /SHA256SUMS lists.
TEST_FILES = ("hello.txt", "data/pattern.bin")


def tool(name):
    """Path of an e2fsprogs tool: it lives in /sbin, often not on a user's PATH."""
    path = shutil.which(name, path=os.pathsep.join([os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if path is None:
        raise RuntimeError(f"{name} not found: install e2fsprogs")
    return path


def make_test_image(path, size=None):
    """A pristine test image at `path`: built by datasets/make_disk.py (byte-identical
    to datasets/cache/test-disk.img), or copied from the cache when the script is absent.
    `size` (e.g. "256M") asks the script for a bigger file system with the same files."""
    if os.path.exists(MAKE_DISK):
        argv = ["/usr/bin/python3", MAKE_DISK, "--out", path] + (["--size", size] if size else [])
        subprocess.run(argv, check=True, stdout=subprocess.DEVNULL)
    elif size is None and os.path.exists(CACHED_TEST_DISK):
        shutil.copyfile(CACHED_TEST_DISK, path)
    else:
        raise RuntimeError(f"no test image: neither {MAKE_DISK} nor {CACHED_TEST_DISK} exists")
    return path


def make_ext4(path, size):
    """An empty ext4 image of `size` ("256M") at `path`, made with mke2fs."""
    with open(path, "wb") as f:  # an existing file: mke2fs says nothing about creating it
        f.truncate(parse_size(size))
    subprocess.run([tool("mke2fs"), "-q", "-F", "-t", "ext4", "-m", "0", "-E", "nodiscard", path], check=True)
    return path


def parse_size(text):
    """Bytes from "256M", "1G", "512K" or a plain number."""
    units = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30}
    return int(text[:-1]) * units[text[-1].upper()] if text[-1].upper() in units else int(text)


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def e2fsck(image):
    """`e2fsck -fn IMAGE`: (exit status, output). 0 means a clean, consistent file system."""
    r = subprocess.run([tool("e2fsck"), "-fn", image], stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    return r.returncode, r.stdout.decode(errors="replace")


def debugfs_cat(image, path):
    """The bytes of `path` inside the ext4 image (debugfs -R 'cat PATH'), or None when it does not exist."""
    r = subprocess.run([tool("debugfs"), "-R", f"stat {path}", image], capture_output=True)
    if r.returncode != 0 or b"File not found" in r.stderr or not r.stdout:
        return None
    r = subprocess.run([tool("debugfs"), "-R", f"cat {path}", image], capture_output=True)
    return r.stdout if r.returncode == 0 else None


def drive(image, **options):
    """The -drive argument for `image`: drive(img, cache="writethrough", snapshot="on")."""
    return ",".join([f"file={image}", "format=raw", "if=virtio"] + [f"{k}={v}" for k, v in options.items()])


def argv(mipshv, drives, kernel=KERNEL, initrd=INITRD, mode="bare-metal", engine="jit", stats=None,
         memory=MEMORY, rtc=RTC, extra=()):
    """The mipshv command line booting Linux with `drives` (-drive arguments, see drive())."""
    args = [mipshv, *options(kernel, initrd, memory, rtc=rtc), "--mode", mode, "--engine", engine]
    for d in ([drives] if isinstance(drives, str) else drives):
        args += ["-drive", d]
    if stats:
        args += ["--stats", stats]
    return args + list(extra)


def device(rec, name="vda"):
    """One disk's counters from a RunRecord dict, as ints."""
    for d in rec.get("devices", []):
        if d.get("name") == name:
            return {k: int(v) for k, v in d.get("counters", {}).items()}
    raise KeyError(f"no device {name} in the run record")


def sha256sums(text):
    """{path: digest} from `sha256sum` output."""
    return {m.group(2): m.group(1) for m in re.finditer(r"^([0-9a-f]{64})  (\S+)\s*$", text, re.M)}


def run(session, command, timeout=120):
    """ConsoleSession.run that also works for commands that print nothing."""
    return session.run(command, prompt=RUN_PROMPT, timeout=timeout)

