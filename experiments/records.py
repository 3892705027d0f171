"""Loading RunRecords: one as a dict through the command line (record, for
the scripts that drive mipshv; standard library only), and many into pandas
(one row per run, and long tables of exits by instruction kind, of the top
exit sites, of exits per vCPU and of device counters; these need pandas and
the Python module, imported when first used)."""
import glob
import json
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.append(os.path.join(os.path.dirname(HERE), "build", "python"))  # unless PYTHONPATH names a build

# The RunRecord totals that count hypervisor exits (guest_runs.exits sums them).
EXIT_COUNTERS = ("exits_sensitive_trap", "exits_hypercall", "exits_exception_injection", "exits_interrupt_injection")


def record(mipshv, stats_path):
    """A RunRecord file as a dict, as `mipshv stats` prints it."""
    return json.loads(subprocess.run([mipshv, "stats", stats_path], capture_output=True, check=True).stdout)


def __getattr__(name):
    """records.MODES: the Python module's execution modes, in their order (imported on first use)."""
    if name == "MODES":
        from mipshv import MODES
        return MODES
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def read(path):
    """One RunRecord file, as a message."""
    from mipshv import run_record_pb2
    with open(path, "rb") as f:
        return run_record_pb2.RunRecord.FromString(f.read())


def load(folder):
    """Every *.pb RunRecord below `folder`, as (path, message) pairs."""
    records = [(path, read(path)) for path in sorted(glob.glob(os.path.join(folder, "**", "*.pb"), recursive=True))]
    if not records:
        raise FileNotFoundError(f"no RunRecords (*.pb) under {folder}")
    return records


def vcpus(record):
    """How many vCPUs the run had (records from before -smp say 0)."""
    return max(1, record.config.smp)


def with_vcpus(records, keep):
    """The records whose vCPU count satisfies keep(n), e.g. lambda n: n == 1."""
    return [(path, r) for path, r in records if keep(vcpus(r))]


def execution_of(path):
    """(execution, iteration) of a record: the records of one boot's classes
    are REP-IT.pb, an iteration each (run_classes.py --iterations); any other
    record is an execution of its own, iteration 0."""
    folder, name = os.path.split(os.path.relpath(path))
    stem = name[:-len(".pb")] if name.endswith(".pb") else name
    rep, dash, iteration = stem.rpartition("-")
    if dash and rep and iteration.isdigit():
        return os.path.join(folder, rep), int(iteration)
    return os.path.join(folder, stem), 0


def runs(records):
    import pandas as pd
    rows = []
    for path, r in records:
        t = r.totals
        execution, iteration = execution_of(path)
        rows.append({
            "run": os.path.relpath(path), "execution": execution, "iteration": iteration,
            "mode": r.config.mode, "engine": r.config.engine, "vcpus": vcpus(r),
            "instructions": t["instructions"], "exits": sum(t[k] for k in EXIT_COUNTERS),
            "traps": t["exits_sensitive_trap"], "hypercalls": t["exits_hypercall"],
            "exception_exits": t["exits_exception_injection"] + t["exits_interrupt_injection"],
            "mmio_exits": t["exits_mmio"],
            "wall_seconds": r.wall_seconds, "hypervisor_seconds": r.hypervisor.hypervisor_seconds,
        })
    return pd.DataFrame(rows)


def exits_by_kind(records):
    import pandas as pd
    rows = [{"mode": r.config.mode, "kind": kind, "exits": n}
            for _, r in records for kind, n in r.hypervisor.exits_by_kind.items()]
    return pd.DataFrame(rows, columns=["mode", "kind", "exits"])


def vcpu_exits(records):
    """One row per vCPU of each run: mode, vcpus, cpu, exits (all kinds), traps, hypercalls."""
    import pandas as pd
    rows = [{"mode": r.config.mode, "vcpus": vcpus(r), "cpu": v.cpu, "exits": sum(v.counters[k] for k in EXIT_COUNTERS),
             "traps": v.counters["exits_sensitive_trap"], "hypercalls": v.counters["exits_hypercall"]}
            for _, r in records for v in r.vcpus]
    return pd.DataFrame(rows, columns=["mode", "vcpus", "cpu", "exits", "traps", "hypercalls"])


def modelled(records, profiles):
    """Each record priced by each cost model profile (a path; the Python
    module's model_cost): one row per run and profile, with the modelled
    ratio to bare metal and the cycles of the hypervisor's events."""
    import pandas as pd
    from mipshv import model_cost
    rows = []
    for path in profiles:
        for run, r in records:
            m = model_cost(r, path).modelled
            rows.append({"run": os.path.relpath(run), "mode": r.config.mode, "profile": m.profile,
                         "ratio_to_bare_metal": m.ratio_to_bare_metal, "cycles": m.cycles,
                         "hypervisor_cycles": m.cycles - m.bare_metal_cycles})
    return pd.DataFrame(rows, columns=["run", "mode", "profile", "ratio_to_bare_metal", "cycles", "hypervisor_cycles"])


def top_sites(records):
    import pandas as pd
    rows = [{"mode": r.config.mode, "pc": f"{s.pc:#018x}", "symbol": s.symbol, "exits": s.count}
            for _, r in records for s in r.hypervisor.top_sites]
    return pd.DataFrame(rows, columns=["mode", "pc", "symbol", "exits"])


def function_of(symbol):
    """The kernel function of a site's symbol ("kmem_cache_alloc+0x134" -> "kmem_cache_alloc"; "" if unnamed)."""
    return symbol.split("+0x", 1)[0]


def site_exits(record):
    """The exits the sites count: traps and hypercalls (injections and MMIO have no site)."""
    return record.totals["exits_sensitive_trap"] + record.totals["exits_hypercall"]


def exits_by_function(records):
    """Each run's top exit sites (the hypervisor keeps the 20 most frequent)
    summed by kernel function: one row per run and function (function "":
    sites no symbol names; run with --system-map), its exits and their share
    of the run's site exits (site_exits), and a row "(other sites)" for the
    exits at sites outside the top ones."""
    import pandas as pd
    rows = []
    for path, r in records:
        total, by_function = site_exits(r), {}
        for s in r.hypervisor.top_sites:
            by_function[function_of(s.symbol)] = by_function.get(function_of(s.symbol), 0) + s.count
        by_function["(other sites)"] = total - sum(by_function.values())
        rows += [{"run": os.path.relpath(path), "mode": r.config.mode, "function": f, "exits": n,
                  "share": n / total if total else 0.0} for f, n in by_function.items()]
    return pd.DataFrame(rows, columns=["run", "mode", "function", "exits", "share"])


def devices(records):
    """One row per device counter: mode, device (vda, eth0, ...), kind, counter, value."""
    import pandas as pd
    rows = [{"mode": r.config.mode, "device": d.name, "kind": d.kind, "counter": name, "value": value}
            for _, r in records for d in r.devices for name, value in d.counters.items()]
    return pd.DataFrame(rows, columns=["mode", "device", "kind", "counter", "value"])


def comparison(frame):
    """Medians per mode, with exits cut against trap and wall time against bare metal."""
    from mipshv import MODES
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
