#!/usr/bin/python3
"""Fetch the System.map of the guest kernel, for naming exit sites.

Run with Debian's Python:  /usr/bin/python3 datasets/fetch_system_map.py [--cache DIR]

The boot/System.map-* in Debian's linux-image packages is a placeholder; the
real one is the first file of the kernel's -dbg package
(linux-image-<abi>-mips64r2el-dbg, about 640 MB), at the version
datasets/guest-manifest.json pins for the kernel. It is downloaded with the
private apt state of fetch_guest.py (the archive's signed index vouches for
the .deb), only usr/lib/debug/boot/System.map-<release> is taken out, and the
.deb is deleted. The manifest's "system_map" entry pins the .deb's and the
map's sha256: the first fetch writes it (or --update-manifest), later ones
check it. When the cache already holds the pinned map, the network is not used.

Output: <cache>/System.map-mips64r2el, for `mipshv --system-map`. The symbols
are the kernel's link addresses; mipshv finds how far KASLR moved the kernel
at run time (MANUAL.md, "Exit sites").
"""

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import fetch_guest  # noqa: E402  (its apt state, archive and checks)
from fetch_guest import Fatal, check_sha, sha256_bytes, sha256_file, write_atomic  # noqa: E402

OUTPUT = f"System.map-{fetch_guest.KERNEL_FLAVOUR}"


def log(msg):
    print(f"fetch_system_map: {msg}", flush=True)


def kernel_package(manifest):
    abi = manifest["kernel_abi"]
    name = f"linux-image-{abi}-{fetch_guest.KERNEL_FLAVOUR}"
    for p in manifest["packages"]:
        if p["name"] == name:
            return abi, name, p["version"]
    raise Fatal(f"the manifest pins no {name}")


def map_from_deb(deb, member):
    """The bytes of `member` in the .deb's data, read no further than that file."""
    fs = subprocess.Popen(["dpkg-deb", "--fsys-tarfile", deb], stdout=subprocess.PIPE)
    try:
        out = subprocess.run(["tar", "-xO", "--occurrence=1", member], stdin=fs.stdout,
                             capture_output=True, check=False)
    finally:
        fs.stdout.close()
        fs.kill()
        fs.wait()
    if out.returncode != 0 or not out.stdout:
        raise Fatal(f"{os.path.basename(deb)} has no {member}")
    return out.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--cache", default=fetch_guest.DEFAULT_CACHE)
    ap.add_argument("--manifest", default=fetch_guest.DEFAULT_MANIFEST)
    ap.add_argument("--update-manifest", action="store_true", help="pin what the archive has now")
    args = ap.parse_args()
    cache = os.path.abspath(args.cache)
    with open(args.manifest) as f:
        manifest = json.load(f)
    abi, kernel, version = kernel_package(manifest)
    package, release = kernel + "-dbg", f"{abi}-{fetch_guest.KERNEL_FLAVOUR}"
    member = f"./usr/lib/debug/boot/System.map-{release}"
    pin = manifest.get("system_map")
    pinned = isinstance(pin, dict) and not args.update_manifest
    if pinned and (pin.get("package"), pin.get("version")) != (package, version):
        raise Fatal(f"the manifest's system_map pins {pin.get('package')}={pin.get('version')}, "
                    f"not the kernel's {package}={version}: re-run with --update-manifest")
    out = os.path.join(cache, OUTPUT)
    if pinned and os.path.exists(out) and sha256_file(out) == pin["sha256"]:
        log(f"{OUTPUT}: cached, sha256 verified")
        return

    apt = fetch_guest.Apt(cache)
    apt.update()
    if not apt.has_version(package, version):
        raise Fatal(f"{package}={version} is not in the archive any more")
    deb_sha = pin["deb_sha256"] if pinned else apt.archive_sha256(package, version)
    tmp = tempfile.mkdtemp(prefix=".system-map-", dir=cache)
    try:
        deb = apt.download(package, version, tmp)
        check_sha(os.path.basename(deb), deb_sha, sha256_file(deb))
        data = map_from_deb(deb, member)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    if pinned:
        check_sha(OUTPUT, pin["sha256"], sha256_bytes(data))
    if b" T start_kernel\n" not in data or b" __kaslr_offset\n" not in data:
        raise Fatal(f"{member} of {package}={version} lacks start_kernel or __kaslr_offset")
    write_atomic(out, data)
    log(f"{OUTPUT}: {len(data)} bytes from {package}={version}")
    if not pinned:
        manifest["system_map"] = {"file": OUTPUT, "package": package, "version": version, "deb_sha256": deb_sha,
                                  "path": member[2:], "sha256": sha256_bytes(data), "size": len(data)}
        manifest.pop("system_map_note", None)
        write_atomic(args.manifest, (json.dumps(manifest, indent=2) + "\n").encode())
        log(f"pinned in {args.manifest}")


if __name__ == "__main__":
    try:
        main()
    except (Fatal, OSError, subprocess.SubprocessError) as e:
        sys.exit(f"fetch_system_map: {e}")
