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

The unit of resampling is the execution (one boot): where a boot ran a
workload class several times (run_classes.py --iterations, records
REP-IT.pb), its iterations are averaged first, as the study's table does,
since they are not independent of each other.

Writes OUT/host-calibrated.json, OUT/validation.csv (a row per run) and
OUT/errors.csv (per mode: the medians over executions, the error of the
predicted median and its 95% bootstrap confidence interval, resampling the
mode's executions with their predictions), and prints errors.csv as a table.
With --study, does so for every single-vCPU workload of a study
(STUDY/WORKLOAD/smp1) into OUT/WORKLOAD/, and OUT/errors.csv has them all
(write_numbers.py reads it for the paper).

usage: validate_cost_model.py (--records DIR | --study DIR) --calibration CALIBRATION.json --out DIR
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

ERROR_COLUMNS = ["workload", "mode", "runs", "executions", "measured_seconds", "predicted_seconds",
                 "error", "ci_low", "ci_high"]


def write_csv(path, rows, columns):
    with open(path, "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=columns)
        w.writeheader()
        w.writerows(rows)


def validate(folder, calibration, out, workload):
    """Prices every run of `folder`; writes out/host-calibrated.json and
    out/validation.csv; returns the errors per mode (ERROR_COLUMNS rows)."""
    import mipshv
    os.makedirs(out, exist_ok=True)
    runs = records.load(folder)
    bare = [path for path, r in runs if r.config.mode == "bare-metal"]
    if not bare:
        sys.exit(f"validate_cost_model: no bare-metal records in {folder}: the instruction price comes from them")
    profile_path = os.path.join(out, "host-calibrated.json")
    with open(profile_path, "w") as f:
        json.dump(host_cost_model.profile(calibration, bare), f, indent=2)
        f.write("\n")
    rows = []
    for path, r in runs:
        m = mipshv.model_cost(r, profile_path).modelled
        rows.append({"run": os.path.relpath(path), "mode": r.config.mode, "engine": r.config.engine,
                     "measured_seconds": r.wall_seconds, "predicted_seconds": m.seconds,
                     "predicted_ratio_to_bare_metal": m.ratio_to_bare_metal})
    write_csv(os.path.join(out, "validation.csv"), rows, list(rows[0]))
    errors = []
    for mode in records.MODES:
        executions = {}
        for x in rows:
            if x["mode"] == mode:
                executions.setdefault(records.execution_of(x["run"])[0], []).append(x)
        if not executions:
            continue
        meas = [statistics.mean(x["measured_seconds"] for x in e) for e in executions.values()]
        pred = [statistics.mean(x["predicted_seconds"] for x in e) for e in executions.values()]
        ratio, lo, hi = intervals.ratio_of_medians(pred, meas, paired=True)  # (an execution's prediction with its measure)
        errors.append({"workload": workload, "mode": mode, "runs": sum(len(e) for e in executions.values()),
                       "executions": len(executions), "measured_seconds": statistics.median(meas),
                       "predicted_seconds": statistics.median(pred), "error": ratio - 1, "ci_low": lo - 1,
                       "ci_high": hi - 1})
    write_csv(os.path.join(out, "errors.csv"), errors, ERROR_COLUMNS)
    return errors


def study_workloads(study):
    """{workload: folder} of a study's single-vCPU workloads that have bare-metal runs."""
    folders = sorted(glob.glob(os.path.join(study, "*", "smp1")))
    return {os.path.basename(os.path.dirname(f)): f for f in folders
            if glob.glob(os.path.join(f, "bare-metal", "*.pb"))}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    which = ap.add_mutually_exclusive_group(required=True)
    which.add_argument("--records", help="a folder of RunRecords (*.pb), every mode, one workload")
    which.add_argument("--study", help="a study's folder (STUDY/WORKLOAD/smpN/MODE/*.pb): each WORKLOAD/smp1")
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.records:
        errors = validate(args.records, args.calibration, args.out, os.path.normpath(args.records))
    else:
        workloads = study_workloads(args.study)
        if not workloads:
            sys.exit(f"validate_cost_model: no WORKLOAD/smp1 folder with bare-metal records in {args.study}")
        errors = [e for w, folder in workloads.items()
                  for e in validate(folder, args.calibration, os.path.join(args.out, w), w)]
        write_csv(os.path.join(args.out, "errors.csv"), errors, ERROR_COLUMNS)
    print("| workload | mode | runs | executions | measured s (median) | predicted s (median) | error | 95% CI |")
    print("|---|---|---|---|---|---|---|---|")
    for e in errors:
        print(f"| {e['workload']} | {e['mode']} | {e['runs']} | {e['executions']} | {e['measured_seconds']:.3f} | "
              f"{e['predicted_seconds']:.3f} | {e['error']:+.1%} | [{e['ci_low']:+.1%}, {e['ci_high']:+.1%}] |")
    print(f"wrote {os.path.join(args.out, 'errors.csv')}")


if __name__ == "__main__":
    main()
