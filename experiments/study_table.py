#!/usr/bin/python3
"""The study's main table, from a sweep's RunRecords only: per workload,
vCPU count, engine and mode, the wall time against bare metal measured on
the host (the median over executions, with a 95% bootstrap confidence
interval of the ratio of medians, resampling each side's executions) and
the modelled ratio to bare metal under each cost model profile. An
execution is one boot: where it ran a class several times (run_classes.py
--iterations), its wall time is the mean of its iterations, and the
executions are what the bootstrap resamples, Kalibera and Jones's
resampling at the level whose repetitions are independent.

And the wall time the host-calibrated model predicts ("predicted wall"):
the exit prices measured on this host (--calibration, calibrate_exits.py)
with the group's own bare-metal runs' time per instruction, which differs
tenfold between kinds of work (host_cost_model.py); validate_cost_model.py
does the same for one folder.

Writes OUT.csv (tidy: one row per group and measure) and prints the table.

usage: study_table.py --records DIR --out FILE.csv [--profiles P.json ...] [--calibration C.json]
"""
import argparse
import glob
import os

import numpy as np
import pandas as pd

import host_cost_model
import intervals
import records

HERE = os.path.dirname(os.path.abspath(__file__))


def workload_of(path):
    """The sweep's folders name the workload and vCPU count: .../WORKLOAD/smpN/MODE/REP.pb."""
    parts = os.path.normpath(path).split(os.sep)
    return (parts[-4], parts[-3]) if len(parts) >= 4 and parts[-3].startswith("smp") else ("", "")


def predicted(recs, group, calibration):
    """{run: ratio to bare metal} the host-calibrated model predicts for the group's runs."""
    import json
    import tempfile
    from mipshv import model_cost
    if not calibration:
        return {}
    runs, bare_runs = set(group["run"]), set(group[group["mode"] == "bare-metal"]["run"])
    mine = [(os.path.relpath(p), p, r) for p, r in recs if os.path.relpath(p) in runs]
    bare = [p for run, p, _ in mine if run in bare_runs]
    if not bare:
        return {}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(host_cost_model.profile(calibration, bare), f)
        f.flush()
        return {run: model_cost(r, f.name).modelled.ratio_to_bare_metal for run, _, r in mine}


def table(recs, profiles, calibration=None):
    rows = []
    runs = records.runs(recs)
    runs["workload"], runs["smp"] = zip(*(workload_of(p) for p, _ in recs))
    model = records.modelled(recs, profiles)
    model = model.merge(runs[["run", "workload", "smp", "engine"]], on="run")
    keys = ["workload", "smp", "engine"]
    for key, group in runs.groupby(keys):
        executions = group.groupby(["mode", "execution"])["wall_seconds"].agg(["mean", "size"]).reset_index()
        bare = executions[executions["mode"] == "bare-metal"]["mean"].to_numpy()
        prediction = predicted(recs, group, calibration)
        for mode in records.MODES:
            mine = executions[executions["mode"] == mode]
            if not len(mine) or not len(bare):
                continue
            point, lo, hi = intervals.ratio_of_medians(mine["mean"].to_numpy(), bare)
            base = dict(zip(keys, key), mode=mode, reps=len(mine), iterations=int(mine["size"].max()))
            rows.append({**base, "measure": "measured wall", "ratio": point, "ci_low": lo, "ci_high": hi})
            guess = [prediction[r] for r in group[group["mode"] == mode]["run"] if r in prediction]
            if guess:
                rows.append({**base, "measure": "predicted wall", "ratio": float(np.median(guess)),
                             "ci_low": float(min(guess)), "ci_high": float(max(guess))})
            m = model[(model["mode"] == mode) & np.all([model[k] == v for k, v in zip(keys, key)], axis=0)]
            for profile, ratios in m.groupby("profile")["ratio_to_bare_metal"]:
                rows.append({**base, "measure": f"modelled {profile}", "ratio": float(np.median(ratios)),
                             "ci_low": float(ratios.min()), "ci_high": float(ratios.max())})
    return pd.DataFrame(rows, columns=keys + ["mode", "reps", "iterations", "measure", "ratio", "ci_low", "ci_high"])


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--profiles", nargs="*",
                    default=sorted(glob.glob(os.path.join(HERE, "cost_models", "*.json"))))
    ap.add_argument("--calibration", default=os.path.join(HERE, "calibration", "host-calibration.json"),
                    help="the exit calibration for the predicted wall time (calibrate_exits.py)")
    args = ap.parse_args()
    t = table(records.load(args.records), args.profiles, args.calibration if os.path.exists(args.calibration) else None)
    t.to_csv(args.out, index=False)
    wide = t.assign(cell=[f"{r:.3f} [{lo:.3f}, {hi:.3f}]" if m == "measured wall" else f"{r:.3f}"
                          for r, lo, hi, m in zip(t["ratio"], t["ci_low"], t["ci_high"], t["measure"])])
    print(wide.pivot_table(index=["workload", "smp", "engine", "mode"], columns="measure", values="cell",
                           aggfunc="first").to_markdown())


if __name__ == "__main__":
    main()
