#!/usr/bin/python3
"""Where translated code spends its time, per guest block.

Run mipshv with MIPSHV_PERF_MAP=1 (the translator then writes
/tmp/perf-PID.map, a line per translated block), record it with
`perf record -p PID -o perf.data`, then:

  experiments/perf_blocks.py perf.data [--map /tmp/perf-PID.map] [--top 30] [--time START,STOP]

prints the share of all samples in translated code and the blocks with the
most samples, by guest address, MMU mode (0 user, 1 supervisor, 2 kernel,
3 kernel with ERL) and instruction count. perf cannot name code in a shared
memory mapping itself; this script reads the map the translator wrote.
"""
import argparse
import bisect
import collections
import glob
import os
import re
import subprocess
import sys


def load_map(path):
    blocks = []
    with open(path) as f:
        for line in f:
            parts = line.split()
            if len(parts) == 3:
                blocks.append((int(parts[0], 16), int(parts[1], 16), parts[2]))
    blocks.sort()
    return blocks


CODE_CACHE_MMAP = re.compile(r"PERF_RECORD_MMAP2? [^\[]*\[(0x[0-9a-f]+)\(.*mipshv-code-cache")


def perf_script(data, *options):
    r = subprocess.run(["perf", "script", "-i", data, *options], capture_output=True, text=True)
    if r.returncode != 0:
        last = (r.stderr.strip().splitlines() or ["(no message)"])[-1]
        sys.exit("perf_blocks: perf script failed: " + last)
    return r.stdout


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("perf_data")
    ap.add_argument("--map", help="the translator's map (default: the newest /tmp/perf-*.map)")
    ap.add_argument("--top", type=int, default=30)
    ap.add_argument("--time", help="only samples in this window, as perf script --time takes it (START,STOP in "
                                   "seconds, or percentages such as 80%%-100%%)")
    args = ap.parse_args()
    map_path = args.map or max(glob.glob("/tmp/perf-*.map"), key=os.path.getmtime, default=None)
    if not map_path:
        sys.exit("perf_blocks: no /tmp/perf-*.map (run mipshv with MIPSHV_PERF_MAP=1)")
    blocks = load_map(map_path)
    starts = [b[0] for b in blocks]
    window = ["--time", args.time] if args.time else []
    # -G: only each sample's own address (a recording made with -g has call chains too)
    r = perf_script(args.perf_data, "-G", "--show-mmap-events", "-F", "ip,dso", *window)
    # perf prints an address in a file-backed mapping as an offset into it:
    # the code cache's base comes from its mmap event
    bases = [int(m, 16) for m in CODE_CACHE_MMAP.findall(r)]
    counts, total, translated = collections.Counter(), 0, 0
    for line in r.splitlines():
        parts = line.split()
        if len(parts) < 2 or "PERF_RECORD" in line:
            continue
        total += 1
        if "mipshv-code-cache" not in line:
            continue
        translated += 1
        ip = int(parts[0], 16)
        if bases and ip < bases[-1]:
            ip += bases[-1]
        k = bisect.bisect_right(starts, ip) - 1
        name = blocks[k][2] if k >= 0 and ip < blocks[k][0] + blocks[k][1] else "(runtime or unmapped)"
        counts[name] += 1
    if not total:
        sys.exit("perf_blocks: no samples")
    print(f"{total} samples, {100 * translated / total:.1f}% in translated code (map {map_path})")
    for name, n in counts.most_common(args.top):
        print(f"{100 * n / total:6.2f}%  {name}")


if __name__ == "__main__":
    main()
