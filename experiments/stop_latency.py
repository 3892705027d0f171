#!/usr/bin/python3
"""How soon a stop asked for from outside the guest takes effect.

A bare-metal guest that spins (a branch to itself, built here with the
cross compiler) runs in the Python module; another thread asks it to stop
(VM.interrupt), or sends SIGINT to the main thread (Ctrl-C), at a random
point. The latency is host time from the ask to the moment Python has the
exception (Interrupted, KeyboardInterrupt) in hand: the engine's reaction,
the run's return and the GIL's hand-over. Per engine and kind, the median
and the largest of N stops, as JSON.

usage: PYTHONPATH=build/python experiments/stop_latency.py [--stops 50] [--out results/stop_latency.json]
"""
import argparse
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time

import mipshv

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SPIN = ".set noreorder\n.section .text.start\n.globl _start\n_start:\n\tb _start\n\tnop\n"


def spinning_guest(work):
    source, elf = os.path.join(work, "spin.S"), os.path.join(work, "spin.elf")
    with open(source, "w") as f:
        f.write(SPIN)
    subprocess.run(["mips64el-linux-gnuabi64-gcc", "-march=mips64r2", "-mabi=64", "-EL", "-mno-abicalls", "-fno-pic",
                    "-msym32", "-nostdlib", "-static", "-Wl,--build-id=none",
                    "-T", os.path.join(ROOT, "tests", "guest", "runtime", "link.ld"), "-o", elf, source], check=True)
    return elf


def latencies(vm, kind, stops):
    """Seconds from each ask to the exception, `stops` times."""
    ask = vm.interrupt if kind == "interrupt" else (
        lambda: signal.pthread_kill(threading.main_thread().ident, signal.SIGINT))
    expected = mipshv.Interrupted if kind == "interrupt" else KeyboardInterrupt
    out = []
    for _ in range(stops):
        asked = []
        timer = threading.Timer(random.uniform(0.02, 0.08), lambda: (asked.append(time.monotonic()), ask()))
        timer.start()
        try:
            vm.run_until(timeout=30)
            raise RuntimeError(f"{kind}: the guest was not stopped")
        except expected:
            out.append(time.monotonic() - asked[0])
        timer.join()
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--stops", type=int, default=50)
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    results = []
    with tempfile.TemporaryDirectory() as work:
        elf = spinning_guest(work)
        for engine in mipshv.ENGINES:
            with mipshv.VM(kernel=elf, memory="64M", engine=engine) as vm:
                for kind in ("interrupt", "sigint"):
                    lat = latencies(vm, kind, args.stops)
                    results.append({"engine": engine, "kind": kind, "stops": len(lat),
                                    "median_ms": statistics.median(lat) * 1e3, "max_ms": max(lat) * 1e3})
                    print(f"{engine:6} {kind:9} median {results[-1]['median_ms']:.3f} ms, "
                          f"max {results[-1]['max_ms']:.3f} ms ({len(lat)} stops)")
    if args.out:
        os.makedirs(os.path.dirname(os.path.abspath(args.out)), exist_ok=True)
        with open(args.out, "w") as f:
            json.dump({"host": os.uname().nodename, "results": results}, f, indent=1)


if __name__ == "__main__":
    sys.exit(main())
