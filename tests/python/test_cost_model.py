"""The cost model's analysis scripts (experiments/host_cost_model.py,
cost_sensitivity.py, validate_cost_model.py) on records of tlb.elf, a
bare-metal program whose TLB and CP0 work exits in every hypervisor mode."""
import csv
import json
import os
import subprocess
import sys

import mipshv
import pytest
from conftest import BUILD, ROOT

import cost_sensitivity
import host_cost_model
import records

MODES = ("bare-metal", "trap", "1:1", "1:n", "on-demand")
IN_ORDER = os.path.join(ROOT, "experiments", "cost_models", "mips64-in-order.json")
CALIBRATION = os.path.join(ROOT, "experiments", "calibration", "host-calibration.json")


@pytest.fixture(scope="module")
def tlb_records(tmp_path_factory):
    """Two runs of tlb.elf in each mode."""
    folder = tmp_path_factory.mktemp("records")
    for rep in range(2):
        for mode in MODES:
            subprocess.run([os.path.join(BUILD, "mipshv"), "-kernel", os.path.join(BUILD, "tests", "guest", "tlb.elf"),
                            "-semihosting", "--mode", mode, "--stats", str(folder / f"{mode.replace(':', 'to')}-{rep}.pb")],
                           check=True, capture_output=True, timeout=60)
    return folder


def test_host_fit_recovers_the_prices_a_table_was_made_with():
    prices = {"trap": 30.0, "hypercall": 12.0, "exception injection": 400.0, "interrupt injection": 300.0,
              "patched site": 0.5, "stub instruction": 2.0, "TLB trap": 15.0, "shadow TLB update": 9.0}
    rows = {"a": [1, 0, 0, 0, 0, 0, 0, 0], "b": [0, 1, 0, 0, 1, 0, 0, 0], "c": [15, 0, 1, 0, 0, 0, 0, 0],
            "d": [0, 7, 1, 0, 8, 22, 0, 1], "e": [0, 2, 0, 1, 1, 32, 0, 0], "f": [0, 0, 0, 0, 1, 16, 0, 0],
            "g": [3, 0, 0, 1, 0, 0, 0, 0], "h": [1, 0, 0, 0, 0, 0, 1, 0], "i": [1, 0, 0, 0, 0, 0, 1, 1],
            "j": [0, 1, 0, 0, 0, 0, 0, 1]}
    table = {kind: {"bare-metal": {"per_event": {}, "extra_ns_per_event": 0.0},
                    "trap": {"per_event": dict(zip(prices, row)),
                             "extra_ns_per_event": sum(c * p for c, p in zip(row, prices.values()))}}
             for kind, row in rows.items()}
    fitted, n, residual = host_cost_model.fit(table)
    assert n == len(rows) and residual < 1e-6
    for name, counter in host_cost_model.MECHANISMS.items():
        assert fitted[counter] == pytest.approx(prices[name], abs=1e-6)


def test_sensitivity_crossings_are_where_the_modes_cost_the_same(tlb_records, tmp_path):
    out = tmp_path / "sens"
    subprocess.run([sys.executable, os.path.join(ROOT, "experiments", "cost_sensitivity.py"), "--records",
                    str(tlb_records), "--profile", IN_ORDER, "--out", str(out)], check=True, capture_output=True,
                   timeout=300)
    rows = list(csv.DictReader(open(out / "sensitivity.csv")))
    assert {r["mode"] for r in rows} == set(MODES) and len(rows) % len(MODES) == 0
    assert all(float(r["ratio_to_bare_metal"]) == 1.0 for r in rows if r["mode"] == "bare-metal")
    crossings = list(csv.DictReader(open(out / "crossovers.csv")))
    assert crossings and (out / "sensitivity.png").stat().st_size > 0
    runs = records.load(str(tlb_records))
    profile = json.load(open(IN_ORDER))
    for c in crossings:
        # Priced again at the crossing (every exit kind at that many cycles), the two modes cost the same.
        for kind in cost_sensitivity.exit_kinds(profile):
            profile["prices"][kind] = {"cycles": float(c["exit_cycles"]), "assumption": True, "source": "test"}
        path = tmp_path / "at.json"
        path.write_text(json.dumps(profile))
        ratio = {r.config.mode: mipshv.model_cost(r, str(path)).modelled.ratio_to_bare_metal for _, r in runs}
        assert ratio[c["mode_a"]] == pytest.approx(ratio[c["mode_b"]], rel=1e-3), c


def test_validation_prices_every_run_and_bare_metal_sets_the_instruction_price(tlb_records, tmp_path):
    out = tmp_path / "val"
    r = subprocess.run([sys.executable, os.path.join(ROOT, "experiments", "validate_cost_model.py"), "--records",
                        str(tlb_records), "--calibration", CALIBRATION, "--out", str(out)], check=True,
                       capture_output=True, text=True, timeout=300)
    rows = list(csv.DictReader(open(out / "validation.csv")))
    assert len(rows) == 2 * len(MODES)
    profile = json.load(open(out / "host-calibrated.json"))
    assert profile["clock_hz"] == 1e9 and profile["prices"]["exits_sensitive_trap"]["cycles"] > 0
    assert "| bare-metal | 2 |" in r.stdout and "| trap | 2 |" in r.stdout
    bare = sorted(float(x["predicted_seconds"]) / float(x["measured_seconds"]) for x in rows if x["mode"] == "bare-metal")
    assert bare[0] <= 1.0 <= bare[-1]  # the median of wall over instructions prices bare metal


def test_every_shipped_profile_loads_and_cites_each_price(tlb_records):
    folder = os.path.join(ROOT, "experiments", "cost_models")
    profiles = sorted(p for p in os.listdir(folder) if p.endswith(".json"))
    assert {"mips64-in-order.json", "mips64-out-of-order.json", "host-calibrated.json"} <= set(profiles)
    _, trap = next((p, r) for p, r in records.load(str(tlb_records)) if r.config.mode == "trap")
    for name in profiles:
        m = mipshv.model_cost(trap, os.path.join(folder, name)).modelled
        assert m.cycles > m.bare_metal_cycles > 0, name
        for kind, price in json.load(open(os.path.join(folder, name)))["prices"].items():
            assert price.get("source"), (name, kind)  # assumptions say why, measurements where from


def test_dimensioning_asks_for_more_runs_when_runs_vary_more():
    import dimension_reps
    steady, _ = dimension_reps.reps_needed([10.0, 10.01, 9.99, 10.0], 0.02)
    assert steady == dimension_reps.MIN_REPS  # never fewer than the study's 10
    walls = [10.0, 11.0, 9.0, 10.5, 9.5]  # CV 7.9%
    n, cv = dimension_reps.reps_needed(walls, 0.02)
    assert cv == pytest.approx(0.0790569, rel=1e-4)
    assert n == 121  # (2.776 * 0.0791 / 0.02)^2 = 120.5, rounded up
    assert dimension_reps.reps_needed(walls, 0.04)[0] == 31  # a quarter as many for twice the width


def test_dimensioning_splits_variance_between_executions_and_iterations():
    import dimension_reps
    # Executions whose means differ (10, 12, 14) and whose iterations spread by +-1 around them.
    pilot = [[9.0, 10.0, 11.0], [11.0, 12.0, 13.0], [13.0, 14.0, 15.0]]
    mean, between, within = dimension_reps.variance_components(pilot)
    assert (mean, within) == (12.0, 1.0)
    assert between == pytest.approx(4.0 - 1.0 / 3)  # the execution means' variance less the iterations' share
    # Dearer executions buy more iterations each; iterations buy nothing once executions agree.
    cheap = dimension_reps.optimal_iterations(between, within, execution_cost=1.0, iteration_cost=1.0)
    dear = dimension_reps.optimal_iterations(between, 4 * within, execution_cost=4.0, iteration_cost=1.0)
    assert (cheap, dear) == (1, 3)  # sqrt(1 / 3.67) = 0.52 and sqrt(16 / 3.67) = 2.09, rounded up
    assert dimension_reps.optimal_iterations(0.0, within, 1.0, 1.0) == dimension_reps.MAX_ITERATIONS
    # +-2% of 12 with a pilot of 3 executions: a variance of the mean of (0.24 / 4.303)^2.
    target = dimension_reps.target_variance(mean, 0.02, 3)
    assert target == pytest.approx((0.24 / 4.3027) ** 2, rel=1e-4)
    # With the between-execution variance dominant, more iterations barely cut the executions needed,
    # and no number of iterations lets the floor of executions do.
    few = dimension_reps.executions_needed(between, within, 1, target)
    many = dimension_reps.executions_needed(between, within, 10, target)
    assert few > many > dimension_reps.MIN_REPS
    assert many > 0.8 * few
    assert dimension_reps.iterations_at_floor(between, within, target) is None
    # With only the iterations' variance, iterations replace executions: the floor of executions
    # reaches the target with enough of them, and with no fewer.
    i = dimension_reps.iterations_at_floor(0.0, 0.09, target)
    assert dimension_reps.executions_needed(0.0, 0.09, i, target) == dimension_reps.MIN_REPS
    assert dimension_reps.executions_needed(0.0, 0.09, i - 1, target) > dimension_reps.MIN_REPS


def test_a_class_iteration_belongs_to_its_boot():
    import records
    assert records.execution_of("s/pipes/smp1/trap/3-2.pb") == (os.path.join("s", "pipes", "smp1", "trap", "3"), 2)
    assert records.execution_of("s/boot/smp1/trap/3.pb") == (os.path.join("s", "boot", "smp1", "trap", "3"), 0)


def test_validation_of_a_study_resamples_boots_and_writes_every_workloads_errors(tlb_records, tmp_path):
    # A study's layout, STUDY/WORKLOAD/smp1/MODE/: "once" holds each mode's two
    # runs as two iterations of one boot (0-0.pb, 0-1.pb), "twice" as two boots.
    study = tmp_path / "study"
    for path, r in records.load(str(tlb_records)):
        tag, rep = os.path.basename(path)[:-3].rsplit("-", 1)
        for workload, stem in (("once", f"0-{rep}"), ("twice", rep)):
            folder = study / workload / "smp1" / tag
            folder.mkdir(parents=True, exist_ok=True)
            os.symlink(path, folder / f"{stem}.pb")
    out = tmp_path / "val"
    subprocess.run([sys.executable, os.path.join(ROOT, "experiments", "validate_cost_model.py"), "--study", str(study),
                    "--calibration", CALIBRATION, "--out", str(out)], check=True, capture_output=True, timeout=300)
    rows = list(csv.DictReader(open(out / "errors.csv")))
    assert sorted((r["workload"], r["mode"]) for r in rows) == sorted((w, m) for w in ("once", "twice") for m in MODES)
    for r in rows:
        assert int(r["runs"]) == 2 and int(r["executions"]) == (1 if r["workload"] == "once" else 2), r
        error = float(r["error"])
        assert error == pytest.approx(float(r["predicted_seconds"]) / float(r["measured_seconds"]) - 1)
        if r["workload"] == "twice":
            assert float(r["ci_low"]) <= error <= float(r["ci_high"]), r
    assert (out / "once" / "validation.csv").exists() and (out / "twice" / "host-calibrated.json").exists()
