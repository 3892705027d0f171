#!/usr/bin/python3
"""The host-calibrated cost model: what each counted event costs mipshv on
this host, as a cost model profile (hv/stats/run_record.proto's
CostModelProfile, one "cycle" = one host nanosecond), so that the model's
prediction can be checked against measured wall time (validate_cost_model.py).

- The hypervisor's events (trap, hypercall, exception and interrupt
  injection, patched site, stub instruction): a non-negative least-squares
  fit of the calibration table (calibrate_exits.py: per kind of exit and
  mode, the host ns a mode adds per event, and how many of each mechanism
  one event took) to ns per mechanism.
- The guest's own work: ns per guest instruction of bare-metal runs of the
  workload (their RunRecords: wall seconds over instructions, the median),
  since the engine's speed depends on the code it runs.

usage: host_cost_model.py --calibration CALIBRATION.json --bare-metal RECORD.pb... [--out PROFILE.json]
"""
import argparse
import json
import os
import statistics
import sys

import numpy as np
from scipy.optimize import nnls

from calibrate_exits import MECHANISMS  # calibration mechanism -> counter
import records


def fit(table):
    """({counter: ns per event}, rows used, RMS residual ns) from the calibration table."""
    names = list(MECHANISMS)
    rows, y = [], []
    for kind, by_mode in table.items():
        for mode, cell in by_mode.items():
            if mode == "bare-metal":
                continue
            rows.append([cell["per_event"].get(n, 0.0) for n in names])
            y.append(cell["extra_ns_per_event"])
    a, b = np.array(rows), np.array(y)
    x, _ = nnls(a, b)
    residual = float(np.sqrt(np.mean((a @ x - b) ** 2)))
    used = [n for n, col in zip(names, a.T) if col.any()]
    return {MECHANISMS[n]: float(v) for n, v in zip(names, x) if n in used}, len(rows), residual


def made_by(record_path):
    """", made by COMMAND" from the record's .cmd file (run_one.py writes one), or ""."""
    try:
        with open(record_path + ".cmd") as f:
            return ", made by " + f.read().strip()
    except OSError:
        return ""


def profile(calibration_path, bare_metal_paths):
    with open(calibration_path) as f:
        cal = json.load(f)
    prices, n_rows, residual = fit(cal["table"])
    bare = [records.read(p) for p in bare_metal_paths]
    if any(r.config.mode != "bare-metal" for r in bare):
        raise SystemExit("host_cost_model: --bare-metal takes bare-metal runs only")
    ns_per_insn = statistics.median(r.wall_seconds * 1e9 / int(r.totals["instructions"]) for r in bare)
    where = os.path.basename(calibration_path)
    out = {
        "name": "host-calibrated",
        "core": f"mipshv's {cal['engine']} engine on {cal['host']['cpu_model']} ({cal['mipshv']})",
        "clock_hz": 1e9,
        "description": "Host nanoseconds per event (a cycle here is a nanosecond): what the model must predict is "
                       "mipshv's own wall time. Hypervisor events from the calibration table, the guest's "
                       "instructions from a bare-metal run of the workload.",
        "prices": {
            "instructions": {"cycles": ns_per_insn,
                             "source": f"the median over {len(bare)} bare-metal runs ({bare[0].config.engine}) of wall "
                                       f"time over guest instructions{made_by(bare_metal_paths[0])}"},
        },
    }
    for counter, ns in sorted(prices.items()):
        out["prices"][counter] = {"cycles": ns, "source": f"{where} ({cal['command']}): non-negative least squares "
                                                          f"over {n_rows} kinds x modes, RMS residual {residual:.1f} ns"}
    return out


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--calibration", required=True, help="calibrate_exits.py's calibration.json")
    ap.add_argument("--bare-metal", required=True, nargs="+", help="bare-metal RunRecords of the workload")
    ap.add_argument("--out", help="the profile (default: standard output)")
    args = ap.parse_args()
    text = json.dumps(profile(args.calibration, args.bare_metal), indent=2) + "\n"
    if args.out:
        with open(args.out, "w") as f:
            f.write(text)
    else:
        sys.stdout.write(text)


if __name__ == "__main__":
    main()
