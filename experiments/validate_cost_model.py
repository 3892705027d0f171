#!/usr/bin/python3
"""Does the host-calibrated cost model predict mipshv's wall time per mode?

Takes RunRecords of one workload in every mode (run_one.py; several reps per
mode) and the exit calibration (calibrate_exits.py), builds the
host-calibrated profile (host_cost_model.py: exits from the calibration,
ns per guest instruction from the bare-metal records), prices every record
with it and compares the predicted seconds with the measured wall seconds.
Bare metal's prediction matches by construction (its runs set the
instruction price); the other modes test the model: their guest work is the
same, so what they add must be what the exit prices say.

Writes OUT/host-calibrated.json, OUT/validation.csv (a row per run) and
prints per mode the medians, the error of the predicted median and its
95% bootstrap confidence interval (scipy, resampling the runs of the mode).

usage: validate_cost_model.py --records DIR --calibration CALIBRATION.json --out DIR
"""
import argparse
import csv
import glob
import json
import os
import statistics
import sys

import host_cost_model
import intervals
import records


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", required=True, help="a folder of RunRecords (*.pb), every mode, one workload")
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import mipshv
    os.makedirs(args.out, exist_ok=True)
    runs = records.load(args.records)
    bare = [path for path, r in runs if r.config.mode == "bare-metal"]
    if not bare:
        sys.exit("validate_cost_model: no bare-metal records: the instruction price comes from them")
    profile_path = os.path.join(args.out, "host-calibrated.json")
    with open(profile_path, "w") as f:
        json.dump(host_cost_model.profile(args.calibration, bare), f, indent=2)
        f.write("\n")
    rows = []
    for path, r in runs:
        m = mipshv.model_cost(r, profile_path).modelled
        rows.append({"run": os.path.relpath(path), "mode": r.config.mode, "engine": r.config.engine,
                     "measured_seconds": r.wall_seconds, "predicted_seconds": m.seconds,
                     "predicted_ratio_to_bare_metal": m.ratio_to_bare_metal})
    with open(os.path.join(args.out, "validation.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=list(rows[0]))
        w.writeheader()
        w.writerows(rows)
    print("| mode | runs | measured s (median) | predicted s (median) | error | 95% CI |")
    print("|---|---|---|---|---|---|")
    for mode in records.MODES:
        mine = [x for x in rows if x["mode"] == mode]
        if not mine:
            continue
        meas = [x["measured_seconds"] for x in mine]
        pred = [x["predicted_seconds"] for x in mine]
        ratio, lo, hi = intervals.ratio_of_medians(pred, meas, paired=True)  # (a run's prediction with its measure)
        print(f"| {mode} | {len(mine)} | {statistics.median(meas):.3f} | {statistics.median(pred):.3f} | "
              f"{ratio - 1:+.1%} | [{lo - 1:+.1%}, {hi - 1:+.1%}] |")
    print(f"wrote {profile_path} and {os.path.join(args.out, 'validation.csv')}")


if __name__ == "__main__":
    main()
