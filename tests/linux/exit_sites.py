#!/usr/bin/python3
"""The exit-site report names kernel functions for Debian's KASLR kernel.

usage: exit_sites.py MIPSHV KERNEL INITRD SYSTEM_MAP

Two trap-mode boots with the kernel's System.map, one with KASLR (the
kernel's default) and one with nokaslr: the kernel moves itself by a random
64 KiB multiple in the first, not at all in the second. The RunRecord's
kernel_relocation must say so, and the top exit sites, their PCs that far
apart, must name the same functions at the same offsets in both (the guest
does the same work wherever its kernel lies). A System.map of another
kernel (here, the map with every address moved by 4 KiB) must name nothing.
"""
import os
import sys
import tempfile

from checks import Budget, Checks  # experiments/, on PYTHONPATH
from guest_runs import boot
from linux_guest import BOOTARGS

SCRIPT = b"poweroff -f\n"


def sites(mipshv, kernel, initrd, system_map, append, budget):
    status, log, rec = boot(mipshv, "trap", SCRIPT, kernel, initrd, timeout=budget.left(),
                            extra=["--system-map", system_map, "-append", append])
    h = rec.get("hypervisor", {})
    top = [(int(s["pc"]), s.get("symbol", ""), int(s["count"])) for s in h.get("top_sites", [])]
    return status, h.get("kernel_relocation"), top


def main():
    mipshv, kernel, initrd, system_map = sys.argv[1:5]
    budget = Budget(500)
    check = Checks()
    rc1, moved, kaslr = sites(mipshv, kernel, initrd, system_map, BOOTARGS, budget)
    rc2, unmoved, fixed = sites(mipshv, kernel, initrd, system_map, BOOTARGS + " nokaslr", budget)
    check("both boots power off with status 0", rc1 == 0 and rc2 == 0, (rc1, rc2))
    moved = int(moved) if moved is not None else None
    check("with KASLR the kernel moved by a 64 KiB multiple", moved is not None and moved > 0 and moved % 0x10000 == 0,
          moved)
    check("with nokaslr it did not move", unmoved is not None and int(unmoved) == 0, unmoved)
    check("ten top sites in each run", len(kaslr) >= 10 and len(fixed) >= 10, (len(kaslr), len(fixed)))
    named = [s for _, s, _ in kaslr[:10] if "+0x" in s]
    check("every top site of the KASLR run is named symbol+0xoffset", len(named) == 10, kaslr[:10])
    by_name = {s: pc for pc, s, _ in fixed}
    same = [s for pc, s, _ in kaslr[:10] if s in by_name and pc - by_name[s] == (moved or 0)]
    check("the two runs' top sites are the same functions and offsets, their PCs the relocation apart",
          len(same) == 10, (kaslr[:10], fixed[:10]))
    with tempfile.TemporaryDirectory() as tmp:
        other = os.path.join(tmp, "System.map")
        with open(system_map) as src, open(other, "w") as dst:
            for line in src:
                parts = line.split()
                if len(parts) == 3:
                    dst.write(f"{int(parts[0], 16) + 0x1000:016x} {parts[1]} {parts[2]}\n")
        rc3, relocation, wrong = sites(mipshv, kernel, initrd, other, BOOTARGS, budget)
    check("with another kernel's map: no relocation found, no site named",
          rc3 == 0 and relocation is None and not any(s for _, s, _ in wrong), (rc3, relocation, wrong[:3]))
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
