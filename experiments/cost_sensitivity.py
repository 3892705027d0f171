#!/usr/bin/python3
"""How the modes' modelled cost depends on the price of an exit.

No one has published what a hypervisor exit costs on a MIPS64 core, so the
study sweeps it: every exit kind (trap, hypercall, exception, interrupt and
MMIO exits) is priced at E cycles, E from 100 to 5,000, the rest of the
profile unchanged, and each mode's records are priced again (the Python
module's model_cost, the same pricing as --cost-model). Where two modes'
curves cross, one stops paying for what it trades: 1:n's stub instructions
against 1:1's hypercalls, on-demand's first traps against 1:1's eager
patching. A mode's cost is linear in E (its own cycles plus E times its
exits), so each crossing is found exactly from the two lines.

Writes OUT/sensitivity.csv (mode, exit_cycles, ratio_to_bare_metal: the
median over the mode's records), OUT/crossovers.csv and OUT/sensitivity.png.

usage: cost_sensitivity.py --records DIR --profile PROFILE.json --out DIR
"""
import argparse
import csv
import json
import os
import statistics
import tempfile

import numpy as np

import records

SWEEP = np.unique(np.round(np.geomspace(100, 5000, 40)))


def exit_kinds(profile):
    """The exits the profile prices: the counters named exits_* (hv/stats/counters.def)."""
    return [k for k in profile["prices"] if k.startswith("exits_")]


def priced(mipshv, runs, profile, exit_cycles):
    """{mode: median ratio to bare metal} with every exit kind at exit_cycles."""
    p = json.loads(json.dumps(profile))
    for kind in exit_kinds(profile):
        p["prices"][kind] = {"cycles": float(exit_cycles), "assumption": True, "source": "the sweep"}
    with tempfile.NamedTemporaryFile("w", suffix=".json") as f:
        json.dump(p, f)
        f.flush()
        by_mode = {}
        for _, r in runs:
            by_mode.setdefault(r.config.mode, []).append(mipshv.model_cost(r, f.name).modelled.ratio_to_bare_metal)
    return {m: statistics.median(v) for m, v in by_mode.items()}


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--records", required=True)
    ap.add_argument("--profile", required=True)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    import mipshv
    os.makedirs(args.out, exist_ok=True)
    with open(args.profile) as f:
        profile = json.load(f)
    runs = records.load(args.records)
    curves = {e: priced(mipshv, runs, profile, e) for e in SWEEP}
    modes = [m for m in records.MODES if m in curves[SWEEP[0]]]
    with open(os.path.join(args.out, "sensitivity.csv"), "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["profile", "mode", "exit_cycles", "ratio_to_bare_metal"])
        for e in SWEEP:
            for m in modes:
                w.writerow([profile["name"], m, int(e), f"{curves[e][m]:.6f}"])
    # Each mode's line through two points of the sweep; crossings of every pair.
    lo, hi = SWEEP[0], SWEEP[-1]
    line = {m: ((curves[hi][m] - curves[lo][m]) / (hi - lo), curves[lo][m]) for m in modes}
    rows = []
    for i, a in enumerate(modes):
        for b in modes[i + 1:]:
            (sa, ia), (sb, ib) = line[a], line[b]
            e = lo + (ib - ia) / (sa - sb) if sa != sb else float("nan")
            if sa != sb and 0 < e < 1e6:
                cheaper = a if sa < sb else b  # above the crossing, the one with fewer exits
                rows.append({"profile": profile["name"], "mode_a": a, "mode_b": b, "exit_cycles": round(e, 1),
                             "cheaper_above": cheaper})
    with open(os.path.join(args.out, "crossovers.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=["profile", "mode_a", "mode_b", "exit_cycles", "cheaper_above"])
        w.writeheader()
        w.writerows(rows)
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    fig, ax = plt.subplots(figsize=(6, 3.5))
    for m in modes:
        ax.plot(SWEEP, [curves[e][m] for e in SWEEP], label=m)
    ax.set_xscale("log")
    ax.set_xlabel("cycles per exit")
    ax.set_ylabel("modelled cost / bare metal")
    ax.set_title(f"Sensitivity to the exit price ({profile['name']})")
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(args.out, "sensitivity.png"), dpi=150)
    for r in rows:
        print(f"{r['mode_a']} and {r['mode_b']} cross at {r['exit_cycles']} cycles per exit; "
              f"above it {r['cheaper_above']} is cheaper")
    print(f"wrote {args.out}/sensitivity.csv, crossovers.csv, sensitivity.png")


if __name__ == "__main__":
    main()
