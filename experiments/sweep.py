#!/usr/bin/python3
"""Every execution mode, N times: one RunRecord per run in a results folder,
with the command that reproduces each run and the sweep.

usage: experiments/sweep.py [--modes trap on-demand ...] [--engine jit|interp] [--reps 3] [--workload boot] [--out DIR]
For a cluster, the same runs are the Snakefile's rules (snakemake --executor ...).
"""
import argparse
import json
import os
import sys

from tqdm import tqdm

import run_one
from run_one import mipshv
from workloads import WORKLOADS


def record_path(out, mode, rep):
    return os.path.join(out, mode.replace(":", "to"), f"{rep}.pb")


def default_out(engine):
    """experiments/results/sweep for the default engine, sweep-ENGINE for another."""
    return os.path.join(run_one.ROOT, "experiments", "results", "sweep" if engine == "jit" else f"sweep-{engine}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--modes", nargs="+", default=list(mipshv.MODES), choices=mipshv.MODES)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--engine", default="jit", choices=mipshv.ENGINES,
                    help="execution engine: jit (default) or interp, the reference interpreter")
    ap.add_argument("--workload", default="boot", choices=sorted(WORKLOADS))
    ap.add_argument("--out", help="results folder (default: experiments/results/sweep, or sweep-ENGINE "
                                  "for an engine other than jit)")
    args = ap.parse_args()
    args.out = args.out or default_out(args.engine)
    # Modes alternate within each round, so that a drift of the host's speed
    # during the sweep weighs on every mode alike rather than on the last ones.
    runs = [(m, r) for r in range(args.reps) for m in args.modes]
    for mode, rep in tqdm(runs, desc=f"runs ({args.engine})", unit="boot"):
        run_one.run(mode, args.workload, record_path(args.out, mode, rep), args.engine)
    with open(os.path.join(args.out, "sweep.json"), "w") as f:
        json.dump({"command": " ".join([sys.executable] + sys.argv), "modes": args.modes, "reps": args.reps,
                   "workload": args.workload, "engine": args.engine}, f, indent=2)


if __name__ == "__main__":
    main()
