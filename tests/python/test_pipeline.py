"""The experiment pipeline: one run writes a RunRecord and the command that
reproduces it; a sweep writes one per mode and repetition; records load into
pandas; the Snakefile plans the sweep."""
import json
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "experiments"))

import linux_guest  # noqa: E402
import records  # noqa: E402
import run_one  # noqa: E402
from run_one import mipshv  # noqa: E402


def test_one_run_writes_its_record_and_command(tmp_path):
    out = tmp_path / "on-demand" / "0.pb"
    record = run_one.run("on-demand", "boot", str(out))
    assert out.exists() and (tmp_path / "on-demand" / "0.pb.cmd").exists()
    assert "--mode on-demand --engine jit" in (tmp_path / "on-demand" / "0.pb.cmd").read_text()
    assert record.config.mode == "on-demand" and record.config.engine == "jit"
    frame = records.runs(records.load(str(tmp_path)))
    assert list(frame["mode"]) == ["on-demand"] and list(frame["engine"]) == ["jit"]
    assert frame["exits"][0] > 0 and frame["instructions"][0] > 1_000_000_000
    assert not records.exits_by_kind(records.load(str(tmp_path))).empty


def test_loading_an_empty_folder_says_so(tmp_path):
    with pytest.raises(FileNotFoundError, match="no RunRecords"):
        records.load(str(tmp_path))


def test_sweep_writes_a_record_per_mode_and_repetition(tmp_path):
    # The smallest real sweep: two modes, one boot each, the shortest workload.
    out = tmp_path / "sweep"
    modes = ["bare-metal", "on-demand"]
    sweep = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "experiments", "sweep.py"), "--modes", *modes,
                            "--reps", "1", "--workload", "boot", "--out", str(out)],
                           capture_output=True, text=True, timeout=300)
    assert sweep.returncode == 0, sweep.stderr
    plan = json.loads((out / "sweep.json").read_text())
    assert (plan["modes"], plan["reps"], plan["workload"], plan["engine"]) == (modes, 1, "boot", "jit")
    for mode in modes:
        assert f"--mode {mode} --engine jit --workload boot" in (out / mode / "0.pb.cmd").read_text()
    frame = records.runs(records.load(str(out))).set_index("mode")
    assert sorted(frame.index) == sorted(modes) and set(frame["engine"]) == {"jit"}
    assert frame["exits"]["bare-metal"] == 0 < frame["exits"]["on-demand"]
    # Every mode shows the guest the same machine: the same instructions, to the one.
    assert frame["instructions"]["bare-metal"] == frame["instructions"]["on-demand"] > 1_000_000_000


def test_the_module_and_the_experiments_await_the_same_prompt():
    # Two definitions that cannot share a file: the installed module's and experiments/'.
    assert mipshv.PROMPT == linux_guest.PROMPT


def test_snakemake_plans_one_run_per_mode_and_repetition(tmp_path):
    plan = subprocess.run(["snakemake", "-n", "-s", os.path.join(ROOT, "experiments", "Snakefile"),
                           "--config", "reps=2", f"out={tmp_path}"],
                          cwd=ROOT, capture_output=True, text=True)
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.count("rule run:") == 10


def test_snakemake_passes_the_engine_to_each_run(tmp_path):
    plan = subprocess.run(["snakemake", "-n", "-p", "-s", os.path.join(ROOT, "experiments", "Snakefile"),
                           "--config", "reps=1", "engine=interp", f"out={tmp_path}"],
                          cwd=ROOT, capture_output=True, text=True)
    assert plan.returncode == 0, plan.stderr
    assert plan.stdout.count("--engine interp") == 5
