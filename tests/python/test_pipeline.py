"""The experiment pipeline: one run writes a RunRecord and the command that
reproduces it; records load into pandas; the Snakefile plans the sweep."""
import os
import subprocess
import sys

import pytest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
sys.path.insert(0, os.path.join(ROOT, "experiments"))

import records  # noqa: E402
import run_one  # noqa: E402


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


def test_sweep_script_describes_itself():
    out = subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "experiments", "sweep.py"), "--help"],
                         capture_output=True, text=True, check=True).stdout
    assert "--reps" in out and "--modes" in out and "--engine" in out


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
