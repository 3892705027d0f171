#!/usr/bin/python3
"""Fetch real, dynamically linked Debian programs for the guest, as a cpio to append to an initramfs.

Run with Debian's Python:  /usr/bin/python3 datasets/fetch_programs.py [--cache DIR]

The workload classes that run Debian's own programs (a database engine, script
interpreters, a compressor with big tables) need them with their shared
libraries and the dynamic loader, not busybox applets. This script takes the
programs' packages and everything they depend on (Depends and Pre-Depends,
recursively) from Debian's mips64el archive, with fetch_guest.py's private
apt state, extracts them with dpkg-deb into one tree and writes

  <cache>/programs.cpio.gz   the tree as a gzip'd newc cpio, deterministic
                             (without /usr/share, /etc and gconv modules;
                             /sbin, /usr/bin and /usr/sbin merged into /bin,
                             where a program replaces a busybox applet of the
                             same name), to append to an initramfs: Linux
                             unpacks it over the first archive
  <cache>/programs.json      the recipe (programs, paths left out and merged),
                             the packages and versions it holds

The archive's current versions are taken (Debian's point releases replace
them); programs.json records which ones a run used. With the .debs already in
the cache and the same package list, the network is not used.
"""
import argparse
import json
import os
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import fetch_guest  # noqa: E402
from fetch_guest import Apt, Fatal, deb_name, log, sha256_file  # noqa: E402

# The programs; their libraries and the loader come in as dependencies.
PROGRAMS = ("sqlite3", "perl-base", "lua5.4", "python3.11-minimal", "xz-utils", "gawk")
# Paths left out of the archive: documentation, configuration the programs
# do not need, and 20 MB of character-set converters.
LEFT_OUT = ("usr/share", "etc", "usr/lib/mips64el-linux-gnuabi64/gconv")
# The busybox initramfs has /sbin, /usr/bin and /usr/sbin as links to /bin:
# an entry for one of them as a directory would replace the link (and hide
# busybox's applets), so what the packages put there goes to /bin.
MERGED_INTO_BIN = ("sbin", "usr/bin", "usr/sbin")


def in_initramfs(rel):
    """Where a path of the packages' tree goes in the initramfs."""
    for d in MERGED_INTO_BIN:
        if rel.startswith(d + "/"):
            return "bin/" + rel[len(d) + 1:]
    return rel


def closure(apt, roots):
    """The real packages `roots` need: Depends and Pre-Depends, recursively."""
    p = apt._run("apt-cache", ["depends", "--recurse", "--no-recommends", "--no-suggests", "--no-conflicts",
                               "--no-breaks", "--no-replaces", "--no-enhances", *roots])
    names = {line.strip() for line in p.stdout.splitlines() if line and not line.startswith((" ", "<"))}
    return sorted(names)


def left_out(rel):
    return any(rel == p or rel.startswith(p + "/") for p in LEFT_OUT)


def archive(tree):
    """The tree as a gzip'd newc cpio (sorted, mtime 0, uid 0): the same tree gives the same bytes."""
    c = fetch_guest.Cpio()
    for d, dirs, files in os.walk(tree):
        dirs[:] = sorted(x for x in dirs if not left_out(os.path.relpath(os.path.join(d, x), tree)))
        for name in sorted(dirs + files):
            path = os.path.join(d, name)
            rel = os.path.relpath(path, tree)
            if os.path.islink(path):
                c.symlink(in_initramfs(rel), os.readlink(path))
            elif os.path.isfile(path):
                with open(path, "rb") as f:
                    c.file(in_initramfs(rel), f.read(), os.stat(path).st_mode & 0o777)
    return fetch_guest.gzip_bytes(c.archive())


def fetch(cache):
    """Makes <cache>/programs.cpio.gz and programs.json unless they were made by this recipe
    already; returns the cpio's path and {package: version}."""
    out, info_path = os.path.join(cache, "programs.cpio.gz"), os.path.join(cache, "programs.json")
    recipe = {"programs": list(PROGRAMS), "left_out": list(LEFT_OUT), "merged_into_bin": list(MERGED_INTO_BIN)}
    if os.path.exists(out) and os.path.exists(info_path):
        with open(info_path) as f:
            info = json.load(f)
        if info.get("recipe") == recipe and info.get("cpio_sha256") == sha256_file(out):
            return out, info["packages"]
    apt = Apt(cache)
    apt.update()
    debs_dir = os.path.join(cache, "debs")
    os.makedirs(debs_dir, exist_ok=True)
    tree = os.path.join(cache, "programs-tree")
    shutil.rmtree(tree, ignore_errors=True)
    os.makedirs(tree)
    versions = {}
    for pkg in closure(apt, PROGRAMS):
        version = apt.candidate(pkg)
        deb = os.path.join(debs_dir, deb_name(pkg, version))
        if not os.path.exists(deb) or sha256_file(deb) != apt.archive_sha256(pkg, version):
            deb = apt.download(pkg, version, debs_dir)
        subprocess.run(["dpkg-deb", "-x", deb, tree], check=True)
        versions[pkg] = version
    log(f"archiving {len(versions)} packages")
    data = archive(tree)
    fetch_guest.write_atomic(out, data)
    info = {"recipe": recipe, "packages": versions, "cpio_sha256": fetch_guest.sha256_bytes(data)}
    fetch_guest.write_atomic(info_path, (json.dumps(info, indent=2) + "\n").encode())
    return out, versions


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cache", default=fetch_guest.DEFAULT_CACHE, help="cache directory (default datasets/cache)")
    args = ap.parse_args()
    try:
        print(fetch(os.path.abspath(args.cache))[0])
    except (Fatal, subprocess.CalledProcessError, OSError) as e:
        sys.exit(f"fetch_programs: {e}")


if __name__ == "__main__":
    main()
