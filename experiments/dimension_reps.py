#!/usr/bin/python3
"""How many repetitions the study needs: a dimensioning run, after Kalibera
and Jones (ISMM 2013), for the one level of repetition the study has (a
boot is a process; nothing repeats inside it).

From a pilot sweep's RunRecords (at least 3 runs per group of workload,
vCPU count, engine and mode), each group's coefficient of variation of
wall time c gives the runs n that make the 95% confidence interval of its
mean at most +-r of the mean: n = (t * c / r)^2, t Student's 97.5% point
for the pilot's runs. The study then runs max(n, 10) per group (at least
10, as the study asks).

Writes OUT.json ({"reps": N, "groups": [...]}) and prints the groups.

usage: dimension_reps.py --records DIR --out FILE.json [--precision 0.02]
"""
import argparse
import json
import math
import os

import numpy as np
from scipy import stats

import records

MIN_REPS = 10


def reps_needed(walls, precision):
    """Runs for a 95% CI of the mean within +-precision of it, from the pilot's wall times."""
    walls = np.asarray(walls, dtype=float)
    c = float(np.std(walls, ddof=1) / np.mean(walls))
    t = float(stats.t.ppf(0.975, len(walls) - 1))
    return max(MIN_REPS, math.ceil((t * c / precision) ** 2)), c


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--precision", type=float, default=0.02, help="CI half-width over the mean (default 0.02)")
    args = ap.parse_args()
    runs = records.runs(records.load(args.records))
    runs["group"] = [os.path.dirname(os.path.dirname(r)) for r in runs["run"]]
    groups = []
    for (group, mode), g in runs.groupby(["group", "mode"]):
        if len(g) < 3:
            raise SystemExit(f"dimension_reps: {group} {mode}: {len(g)} runs; the pilot needs 3 or more")
        n, c = reps_needed(g["wall_seconds"], args.precision)
        groups.append({"group": group, "mode": mode, "pilot_runs": len(g), "cv": c, "reps": n})
        print(f"{group} {mode}: {len(g)} pilot runs, CV {c:.1%}, {n} runs for +-{args.precision:.0%}")
    out = {"precision": args.precision, "reps": max(g["reps"] for g in groups), "groups": groups}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
    print(f"reps={out['reps']} (wrote {args.out})")


if __name__ == "__main__":
    main()
