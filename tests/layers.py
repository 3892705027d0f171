#!/usr/bin/python3
"""The layers of hv/ (MANUAL section 1, Layers): what each folder may include.

Each folder of hv/ has a layer; a file may include headers of its own
folder and of folders in lower layers. The include arrows that still point
up are listed below, each until it is removed: a new upward arrow, or a
folder without a layer, fails this test, and so does a listed arrow that no
longer exists (take it off the list). The build does not enforce the layers
yet (one library for all of hv/, issue 24 item 6); this keeps them from
getting worse meanwhile.

usage: tests/layers.py HV_DIR
"""
import os
import re
import sys

# Bottom to top: the developers' guide's order (isa, cpu, engine, board,
# dev, vmm, cli), with the folders it does not name where their users put them.
LAYERS = {
    "common": 0,
    "isa": 1, "stats": 1, "loader": 1,
    "cpu": 2,
    "engine": 3,
    "board": 4, "block": 4, "net": 4,
    "dev": 5,
    "vmm": 6,
    "cli": 7,
}
# (from, to): the upward arrows of today, with what causes them.
KNOWN_UPWARD = {
    ("cpu", "board"): "instruction routines reach memory through the Bus (item 1's memory port)",
    ("cpu", "engine"): "the MMU tells the engine of mapping changes (Status, ASID, a replaced TLB entry)",
    ("cpu", "dev"): "SDBBP calls semihosting (the semihosting port)",
    ("engine", "board"): "the block cache, the decisions and the run loop read guest code through the Bus",
    ("engine", "vmm"): "the decisions ask the Hypervisor; the jit knows the communication page's layout",
    ("board", "dev"): "Machine assembles the devices (item 2: Machine only assembles the board)",
    ("board", "vmm"): "Machine makes the Hypervisor",
    ("board", "cli"): "Machine and the board layout take the command line's Options",
}
INCLUDE = re.compile(r'\s*#\s*include\s+"hv/(\w+)/')


def arrows(hv):
    """{(from, to): [files]} for every include from one folder of hv/ into another."""
    found = {}
    for folder, _, files in os.walk(hv):
        for name in sorted(files):
            if not name.endswith((".h", ".cpp")):
                continue
            path = os.path.join(folder, name)
            source = os.path.relpath(path, hv).split(os.sep)[0]
            with open(path, errors="replace") as f:
                for line in f:
                    m = INCLUDE.match(line)
                    if m and m.group(1) != source:
                        found.setdefault((source, m.group(1)), []).append(os.path.relpath(path, hv))
    return found


def main():
    hv = sys.argv[1]
    problems = []
    folders = sorted(d for d in os.listdir(hv) if os.path.isdir(os.path.join(hv, d)))
    problems += [f"hv/{d}: a folder without a layer (give it one in tests/layers.py)" for d in folders if d not in LAYERS]
    found = arrows(hv)
    upward = {pair: files for pair, files in found.items()
              if pair[0] in LAYERS and pair[1] in LAYERS and LAYERS[pair[1]] > LAYERS[pair[0]]}
    for pair, files in sorted(upward.items()):
        if pair not in KNOWN_UPWARD:
            problems.append(f"new upward include {pair[0]} -> {pair[1]}: {', '.join(sorted(set(files)))}")
        else:
            print(f"ok   known upward include {pair[0]} -> {pair[1]} ({len(files)}): {KNOWN_UPWARD[pair]}")
    problems += [f"{a} -> {b} no longer exists: take it off KNOWN_UPWARD" for a, b in sorted(KNOWN_UPWARD)
                 if (a, b) not in upward]
    for p in problems:
        print("FAIL", p)
    print(f"{len(found)} include arrows between folders, {len(upward)} upward; {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
