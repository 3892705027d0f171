#!/usr/bin/python3
"""Build the ext4 disk images the guest mounts at /mnt (virtio-blk).

Run with Debian's Python:
  /usr/bin/python3 datasets/make_disk.py                 # datasets/cache/test-disk.img
  /usr/bin/python3 datasets/make_disk.py --out PATH --size 64M
  /usr/bin/python3 datasets/make_disk.py --demo          # datasets/cache/demo-disk.img, once

The test disk is rebuilt on every run and is byte-identical each time (same
script, same e2fsprogs): fixed UUID and directory hash seed, the file system
clock pinned (E2FSPROGS_FAKE_TIME, SOURCE_DATE_EPOCH), a private mke2fs.conf,
and every inode's owner and times set to fixed values after `mke2fs -d`.
It holds
  /hello.txt         "hello from the mipshv test disk\\n"
  /data/pattern.bin  1 MiB from a fixed generator (SHA-256 in counter mode)
  /SHA256SUMS        the sha256 of each file above, for
                     `cd /mnt && sha256sum -c SHA256SUMS` in the guest

--demo makes the demo disk (`make demo` attaches it) only when the file does
not exist yet: it keeps the user's files across runs and is never
overwritten. It holds a README.txt.

Needs mke2fs and debugfs (Debian package e2fsprogs).
"""

import argparse
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
DEFAULT_CACHE = os.path.join(HERE, "cache")
TEST_DISK = os.path.join(DEFAULT_CACHE, "test-disk.img")
DEMO_DISK = os.path.join(DEFAULT_CACHE, "demo-disk.img")

EPOCH = 1704067200  # 2024-01-01T00:00:00Z: every time stamp in the image

# Fixed identities, so the images are reproducible.
TEST_UUID = "6d697073-6876-4000-8000-746573740001"
TEST_HASH_SEED = "6d697073-6876-4000-8000-746573740002"
DEMO_UUID = "6d697073-6876-4000-8000-64656d6f0001"
DEMO_HASH_SEED = "6d697073-6876-4000-8000-64656d6f0002"

# Our own mke2fs.conf: the result does not depend on the host's
# /etc/mke2fs.conf. These are Debian 12's ext4 defaults.
MKE2FS_CONF = """\
[defaults]
	base_features = sparse_super,large_file,filetype,resize_inode,dir_index,ext_attr
	default_mntopts = acl,user_xattr
	enable_periodic_fsck = 0
	blocksize = 4096
	inode_size = 256
	inode_ratio = 16384

[fs_types]
	ext4 = {
		features = has_journal,extent,huge_file,flex_bg,metadata_csum,64bit,dir_nlink,extra_isize
	}
"""

HELLO = "hello from the mipshv test disk\n"
PATTERN_SIZE = 1 << 20
PATTERN_SEED = b"mipshv test disk pattern"

DEMO_README = """\
This is the mipshv demo disk: datasets/cache/demo-disk.img on the host,
attached by `make demo` as a virtio disk and mounted at /mnt.

Files you write under /mnt stay there: leave with `poweroff`, run
`make demo` again, and they are still here. To start over, delete
datasets/cache/demo-disk.img; `make demo` makes a fresh one.
"""


class Fatal(Exception):
    """A one-line error for the user."""


def log(msg):
    print(f"make_disk: {msg}", flush=True)


def parse_size(text):
    """Bytes from 64M, 1G, 512K or a plain byte count."""
    t = text.strip().upper()
    if t.endswith("B"):
        t = t[:-1]
    mult = 1
    for suffix, m in (("K", 1 << 10), ("M", 1 << 20), ("G", 1 << 30)):
        if t.endswith(suffix):
            t, mult = t[:-1], m
            break
    if not t.isdigit():
        raise Fatal(f"bad --size {text!r} (want e.g. 64M)")
    size = int(t) * mult
    if size < 8 << 20 or size > 64 << 30:
        raise Fatal(f"--size {text} is out of range (8M to 64G)")
    if size % 4096:
        raise Fatal(f"--size {text} is not a multiple of 4K")
    return size


def tool(name):
    """Path of an e2fsprogs tool (it lives in /sbin, often not on a user's PATH)."""
    path = shutil.which(name, path=os.pathsep.join(
        [os.environ.get("PATH", ""), "/usr/sbin", "/sbin"]))
    if path is None:
        raise Fatal(f"{name} not found: install e2fsprogs "
                    "(apt-get install e2fsprogs, or `make deps`)")
    return path


def pattern(size):
    """size bytes: SHA-256 of seed + 8-byte little-endian block number."""
    out = bytearray()
    i = 0
    while len(out) < size:
        out += hashlib.sha256(PATTERN_SEED + i.to_bytes(8, "little")).digest()
        i += 1
    return bytes(out[:size])


def test_files():
    """{path in image: bytes}, SHA256SUMS last."""
    files = {
        "hello.txt": HELLO.encode(),
        "data/pattern.bin": pattern(PATTERN_SIZE),
    }
    sums = "".join(f"{hashlib.sha256(d).hexdigest()}  {p}\n"
                   for p, d in sorted(files.items()))
    files["SHA256SUMS"] = sums.encode()
    return files


def demo_files():
    return {"README.txt": DEMO_README.encode()}


def run(cmd, env, stdin=None):
    p = subprocess.run(cmd, env=env, input=stdin, stdout=subprocess.PIPE,
                       stderr=subprocess.PIPE, text=True)
    if p.returncode != 0:
        lines = [l for l in (p.stderr + p.stdout).splitlines() if l.strip()]
        raise Fatal(f"{os.path.basename(cmd[0])} failed (status "
                    f"{p.returncode}): {lines[-1] if lines else 'no output'}")
    return p


def build(out, size, files, uuid, hash_seed, label, overwrite=True):
    """Write the image to out (atomically, through a temporary file); without
    overwrite, an out that appeared meanwhile is kept."""
    mke2fs, debugfs = tool("mke2fs"), tool("debugfs")
    outdir = os.path.dirname(os.path.abspath(out))
    os.makedirs(outdir, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".make_disk-", dir=outdir) as tmp:
        src = os.path.join(tmp, "root")
        os.mkdir(src)
        # Directories and files with fixed modes and times.
        paths = []
        for rel, data in files.items():
            parts = rel.split("/")
            for k in range(1, len(parts)):
                d = "/".join(parts[:k])
                if d not in paths:
                    os.mkdir(os.path.join(src, d))
                    paths.append(d)
            with open(os.path.join(src, rel), "wb") as f:
                f.write(data)
            paths.append(rel)
        for rel in paths:
            p = os.path.join(src, rel)
            os.chmod(p, 0o755 if os.path.isdir(p) else 0o644)
        for rel in sorted(paths, reverse=True) + [""]:
            os.utime(os.path.join(src, rel), (EPOCH, EPOCH))
        os.chmod(src, 0o755)

        conf = os.path.join(tmp, "mke2fs.conf")
        with open(conf, "w") as f:
            f.write(MKE2FS_CONF)
        env = dict(os.environ, MKE2FS_CONFIG=conf, E2FSPROGS_FAKE_TIME=str(EPOCH),
                   SOURCE_DATE_EPOCH=str(EPOCH), LC_ALL="C", TZ="UTC")
        env.pop("MKE2FS_DEVICE_SECTSIZE", None)
        env.pop("MKE2FS_DEVICE_PHYS_SECTSIZE", None)

        img = os.path.join(tmp, "disk.img")
        with open(img, "wb") as f:
            f.truncate(size)
        run([mke2fs, "-q", "-F", "-t", "ext4", "-b", "4096", "-I", "256",
             "-i", "16384", "-m", "0", "-L", label, "-U", uuid,
             "-E", f"hash_seed={hash_seed},root_owner=0:0,"
                   "lazy_itable_init=0,lazy_journal_init=0,nodiscard",
             "-d", src, img, str(size // 4096)], env)

        # mke2fs -d copies each file's owner and ctime (and the atime, which
        # reading the tree may have changed) from the host: pin them.
        cmds = []
        for rel in [""] + sorted(paths) + ["lost+found"]:
            for field, value in (("uid", 0), ("gid", 0), ("atime", f"@{EPOCH}"),
                                 ("mtime", f"@{EPOCH}"), ("ctime", f"@{EPOCH}"),
                                 ("crtime", f"@{EPOCH}")):
                cmds.append(f"set_inode_field /{rel} {field} {value}")
        p = run([debugfs, "-w", "-f", "-", img], env, "\n".join(cmds) + "\n")
        errors = [l for l in p.stderr.splitlines()
                  if l.strip() and not l.startswith("debugfs ")]
        if errors:
            raise Fatal(f"debugfs: {errors[0]}")
        if overwrite:
            os.replace(img, out)
        else:
            try:
                os.link(img, out)
            except FileExistsError:
                log(f"{out} appeared meanwhile: kept")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", help="image to write (default "
                    "datasets/cache/test-disk.img; with --demo "
                    "datasets/cache/demo-disk.img)")
    ap.add_argument("--size", default="64M",
                    help="image size, e.g. 64M (default), 1G")
    ap.add_argument("--demo", action="store_true",
                    help="make the demo disk, only if it does not exist")
    args = ap.parse_args()
    size = parse_size(args.size)

    if args.demo:
        out = args.out or DEMO_DISK
        if os.path.exists(out):
            log(f"{out} exists: kept (it holds the demo's files)")
            return
        build(out, size, demo_files(), DEMO_UUID, DEMO_HASH_SEED, "mipshv-demo",
              overwrite=False)
    else:
        out = args.out or TEST_DISK
        build(out, size, test_files(), TEST_UUID, TEST_HASH_SEED, "mipshv-test")
    h = hashlib.sha256()
    with open(out, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    log(f"wrote {out} ({size >> 20} MiB, sha256 {h.hexdigest()[:16]}...)")


if __name__ == "__main__":
    signal.signal(signal.SIGPIPE, signal.SIG_DFL)
    try:
        main()
    except Fatal as e:
        print(f"make_disk: error: {e}", file=sys.stderr)
        sys.exit(1)
    except OSError as e:
        where = f": {e.filename}" if e.filename else ""
        print(f"make_disk: error: {e.strerror or e}{where}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
