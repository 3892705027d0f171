#!/usr/bin/python3
"""How many repetitions the study needs: a dimensioning run, after Kalibera
and Jones (ISMM 2013), at both levels the study has: executions (a boot)
and, for the workload classes, iterations within an execution
(run_classes.py --iterations).

From a pilot sweep's RunRecords (at least 3 executions per group of
workload, vCPU count, engine and mode):
- A group with one iteration per execution: its coefficient of variation of
  wall time c gives the executions n = (t * c / r)^2 that make the 95%
  confidence interval of its mean at most +-r of the mean, t Student's
  97.5% point for the pilot's executions.
- A group with several: the variance of its iterations within an execution
  (s2^2, the mean of each execution's) and that between executions
  (s1^2 = the variance of the execution means less s2^2 / iterations) say
  what an iteration buys: the variance of the mean of n executions of i
  iterations is (s1^2 + s2^2 / i) / n, which must be at most
  V = (r * mean / t)^2.
  Every group runs at least MIN_REPS executions (the study asks for 10).
  Where MIN_REPS executions reach V with few enough iterations, the group
  asks for those iterations. Otherwise it asks for Kalibera and Jones's
  optimum, sqrt(c1 * s2^2 / (c2 * s1^2)) iterations, c1 the cost of an
  execution without its iterations (the pilot's boot in that mode, or
  --execution-seconds) and c2 an iteration's (all classes' in that mode,
  which one boot runs together), and the executions that reach V with them.
  The study's iterations are the most any group asks for (at most
  MAX_ITERATIONS), and each group's executions follow from them.

Writes OUT.json ({"reps": N, "iterations": I, "groups": [...]}) and prints the groups.

usage: dimension_reps.py --records DIR --out FILE.json [--precision 0.02] [--execution-seconds S]
"""
import argparse
import json
import math
import os

import numpy as np
from scipy import stats

import records

MIN_REPS = 10
MAX_ITERATIONS = 10


def reps_needed(walls, precision):
    """Runs for a 95% CI of the mean within +-precision of it, from the pilot's wall times."""
    walls = np.asarray(walls, dtype=float)
    c = float(np.std(walls, ddof=1) / np.mean(walls))
    t = float(stats.t.ppf(0.975, len(walls) - 1))
    return max(MIN_REPS, math.ceil((t * c / precision) ** 2)), c


def variance_components(executions):
    """(mean, between-execution variance s1^2, within-execution variance s2^2)
    of a pilot given as one list of iteration wall times per execution."""
    executions = [np.asarray(e, dtype=float) for e in executions]
    iterations = min(len(e) for e in executions)
    within = float(np.mean([np.var(e, ddof=1) for e in executions]))
    means = np.array([e.mean() for e in executions])
    between = max(0.0, float(np.var(means, ddof=1)) - within / iterations)
    return float(means.mean()), between, within


def target_variance(mean, precision, pilot_executions):
    """The variance of the mean that makes its 95% CI +-precision of it."""
    return (precision * mean / float(stats.t.ppf(0.975, pilot_executions - 1))) ** 2


def iterations_at_floor(between, within, target):
    """The fewest iterations with which MIN_REPS executions reach the target variance, or None."""
    room = MIN_REPS * target - between
    if room <= 0:
        return None
    return max(1, math.ceil(within / room))


def optimal_iterations(between, within, execution_cost, iteration_cost):
    """Kalibera and Jones's iterations per execution for the least cost at a given precision."""
    if between <= 0:
        return MAX_ITERATIONS  # executions add nothing an iteration does not
    return max(1, min(MAX_ITERATIONS, math.ceil(math.sqrt(execution_cost * within / (iteration_cost * between)))))


def executions_needed(between, within, iterations, target):
    """Executions of `iterations` iterations each for the target variance of the mean."""
    return max(MIN_REPS, math.ceil((between + within / iterations) / target))


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--precision", type=float, default=0.02, help="CI half-width over the mean (default 0.02)")
    ap.add_argument("--execution-seconds", type=float,
                    help="an execution's cost without its iterations (default: the pilot's boot in that mode)")
    args = ap.parse_args()
    runs = records.runs(records.load(args.records))
    runs["group"] = [os.path.dirname(os.path.dirname(r)) for r in runs["run"]]
    runs["workload"] = [os.path.basename(os.path.dirname(g)) for g in runs["group"]]
    one_level, two_level = [], []
    for (group, mode), g in runs.groupby(["group", "mode"]):
        per_execution = [e["wall_seconds"].to_numpy() for _, e in g.groupby("execution")]
        if len(per_execution) < 3:
            raise SystemExit(f"dimension_reps: {group} {mode}: {len(per_execution)} executions; the pilot needs 3 or more")
        entry = {"group": group, "mode": mode, "pilot_runs": len(per_execution)}
        if min(len(e) for e in per_execution) < 2:
            entry["reps"], entry["cv"] = reps_needed([e.mean() for e in per_execution], args.precision)
            entry["iterations"] = 1
            one_level.append(entry)
        else:
            entry["mean"], entry["between"], entry["within"] = variance_components(per_execution)
            entry["pilot_iterations"] = min(len(e) for e in per_execution)
            two_level.append(entry)
    if two_level:
        # An iteration of a class costs all the classes' iterations of its boot: they repeat together.
        iteration_cost = {mode: sum(e["mean"] for e in two_level if e["mode"] == mode) for mode in runs["mode"].unique()}
        boots = runs[runs["workload"] == "boot"].groupby("mode")["wall_seconds"].median()
        for e in two_level:
            target = target_variance(e["mean"], args.precision, e["pilot_runs"])
            asked = iterations_at_floor(e["between"], e["within"], target)
            if asked is None:
                cost = args.execution_seconds or boots.get(e["mode"])
                if cost is None:
                    raise SystemExit(f"dimension_reps: no boot runs in {e['mode']} for an execution's cost; "
                                     "give --execution-seconds")
                asked = optimal_iterations(e["between"], e["within"], cost, iteration_cost[e["mode"]])
            e["asked_iterations"] = min(MAX_ITERATIONS, asked)
        iterations = max(e["asked_iterations"] for e in two_level)
        for e in two_level:
            e["iterations"] = iterations
            e["reps"] = executions_needed(e["between"], e["within"], iterations,
                                          target_variance(e["mean"], args.precision, e["pilot_runs"]))
            e["cv"] = math.sqrt(e["between"] + e["within"]) / e["mean"]
    groups = one_level + two_level
    for e in groups:
        level = (f", between {math.sqrt(e['between']) / e['mean']:.1%} within {math.sqrt(e['within']) / e['mean']:.1%}"
                 f" (asks {e['asked_iterations']} iterations)" if "between" in e else "")
        print(f"{os.path.relpath(e['group'], args.records)} {e['mode']}: {e['pilot_runs']} pilot executions, "
              f"CV {e['cv']:.1%}{level}: "
              f"{e['reps']} executions x {e['iterations']} for +-{args.precision:.0%}")
    out = {"precision": args.precision, "reps": max(e["reps"] for e in groups),
           "iterations": max(e["iterations"] for e in groups), "groups": groups}
    with open(args.out, "w") as f:
        json.dump(out, f, indent=2)
    print(f"reps={out['reps']} iterations={out['iterations']} (wrote {args.out})")


if __name__ == "__main__":
    main()
