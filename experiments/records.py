"""Loading RunRecords into pandas: one row per run, and long tables of exits
by instruction kind, of the top exit sites, of exits per vCPU and of device
counters."""
import glob
import os
import sys

import pandas as pd

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(os.path.dirname(HERE), "build", "python"))  # unless PYTHONPATH names a build
from mipshv import MODES, run_record_pb2  # noqa: E402

from guest_runs import EXIT_COUNTERS as EXITS  # noqa: E402


def load(folder):
    """Every *.pb RunRecord below `folder`, as (path, message) pairs."""
    records = []
    for path in sorted(glob.glob(os.path.join(folder, "**", "*.pb"), recursive=True)):
        with open(path, "rb") as f:
            records.append((path, run_record_pb2.RunRecord.FromString(f.read())))
    if not records:
        raise FileNotFoundError(f"no RunRecords (*.pb) under {folder}")
    return records


def vcpus(record):
    """How many vCPUs the run had (records from before -smp say 0)."""
    return max(1, record.config.smp)


def with_vcpus(records, keep):
    """The records whose vCPU count satisfies keep(n), e.g. lambda n: n == 1."""
    return [(path, r) for path, r in records if keep(vcpus(r))]


def runs(records):
    rows = []
    for path, r in records:
        t = r.totals
        rows.append({
            "run": os.path.relpath(path), "mode": r.config.mode, "engine": r.config.engine, "vcpus": vcpus(r),
            "instructions": t["instructions"], "exits": sum(t[k] for k in EXITS),
            "traps": t["exits_sensitive_trap"], "hypercalls": t["exits_hypercall"],
            "exception_exits": t["exits_exception_injection"] + t["exits_interrupt_injection"],
            "mmio_exits": t["exits_mmio"],
            "wall_seconds": r.wall_seconds, "hypervisor_seconds": r.hypervisor.hypervisor_seconds,
        })
    return pd.DataFrame(rows)


def exits_by_kind(records):
    rows = [{"mode": r.config.mode, "kind": kind, "exits": n}
            for _, r in records for kind, n in r.hypervisor.exits_by_kind.items()]
    return pd.DataFrame(rows, columns=["mode", "kind", "exits"])


def vcpu_exits(records):
    """One row per vCPU of each run: mode, vcpus, cpu, exits (all kinds), traps, hypercalls."""
    rows = [{"mode": r.config.mode, "vcpus": vcpus(r), "cpu": v.cpu, "exits": sum(v.counters[k] for k in EXITS),
             "traps": v.counters["exits_sensitive_trap"], "hypercalls": v.counters["exits_hypercall"]}
            for _, r in records for v in r.vcpus]
    return pd.DataFrame(rows, columns=["mode", "vcpus", "cpu", "exits", "traps", "hypercalls"])


def top_sites(records):
    rows = [{"mode": r.config.mode, "pc": f"{s.pc:#018x}", "symbol": s.symbol, "exits": s.count}
            for _, r in records for s in r.hypervisor.top_sites]
    return pd.DataFrame(rows, columns=["mode", "pc", "symbol", "exits"])


def devices(records):
    """One row per device counter: mode, device (vda, eth0, ...), kind, counter, value."""
    rows = [{"mode": r.config.mode, "device": d.name, "kind": d.kind, "counter": name, "value": value}
            for _, r in records for d in r.devices for name, value in d.counters.items()]
    return pd.DataFrame(rows, columns=["mode", "device", "kind", "counter", "value"])


def comparison(frame):
    """Medians per mode, with exits cut against trap and wall time against bare metal."""
    table = frame.groupby("mode").median(numeric_only=True)
    table = table.reindex([m for m in MODES if m in table.index])
    if "trap" in table.index:
        table["exits_cut_vs_trap"] = 1 - table["exits"] / table.loc["trap", "exits"]
    if "bare-metal" in table.index:
        table["wall_vs_bare_metal"] = table["wall_seconds"] / table.loc["bare-metal", "wall_seconds"]
    return table


if __name__ == "__main__":
    # usage: experiments/records.py [RESULTS_DIR]  (default experiments/results/sweep)
    import pandas
    pandas.set_option("display.width", 200)
    folder = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "results", "sweep")
    print(comparison(runs(load(folder))).to_string(float_format=lambda v: f"{v:.3f}"))
