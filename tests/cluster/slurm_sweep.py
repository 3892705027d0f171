#!/usr/bin/python3
"""The study's workflow on a cluster engine: experiments/Snakefile run through
Snakemake's own SLURM executor (the profile experiments/slurm/) on a
one-node SLURM brought up for the test (one_node_slurm.sh: Debian's
slurm-wlm and munge, configured and started in a temporary directory,
stopped after), and the same sweep run locally. Both must give the same
results: every RunRecord equal but for wall times and the host, and the
same rows in runs.csv but for those, and the same modelled ratios in
study.csv (not the measured ones, nor the host-calibrated prediction made
from the measured bare-metal times). The SLURM controller must have run every job.

usage: slurm_sweep.py MIPSHV WORKDIR
"""
import csv
import glob
import os
import shutil
import subprocess
import sys

from checks import Budget, Checks  # experiments/, on PYTHONPATH
from guest_runs import TIMING, differences, without_timing
from records import record

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
SWEEP = ["reps=1", "workload=boot"]
# The columns that differ between the two: times, and the paths of the records.
TIMED_COLUMNS = {"run", "execution", "wall_seconds", "hypervisor_seconds", "engine_seconds", "translate_seconds"}


def snakemake(out, budget, *extra):
    return subprocess.run(["snakemake", "-s", os.path.join(ROOT, "experiments", "Snakefile"), "--nolock", *extra,
                           "--config", *SWEEP, f"out={out}"], cwd=ROOT, capture_output=True, text=True,
                          timeout=budget.left())


def rows(path):
    with open(path) as f:
        return sorted(tuple(sorted((k, v) for k, v in r.items() if k not in TIMED_COLUMNS)) for r in csv.DictReader(f))


def main():
    mipshv, work = sys.argv[1:3]
    budget = Budget(280)
    check = Checks()
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    cluster = os.path.join(work, "slurm")
    env_before = dict(os.environ)
    up = subprocess.run([os.path.join(HERE, "one_node_slurm.sh"), "start", cluster], capture_output=True, text=True,
                        timeout=60)
    try:
        check("a one-node SLURM comes up", up.returncode == 0, up.stdout + up.stderr)
        if up.returncode != 0:
            for log in glob.glob(os.path.join(cluster, "log", "*.log")):
                print(log, open(log).read()[-1500:])
            return check.summary()
        os.environ.update(SLURM_CONF=os.path.join(cluster, "slurm.conf"), USER=os.environ.get("USER", "root"))
        local = snakemake(os.path.join(work, "local"), budget, "-j", "2")
        check("the sweep runs locally", local.returncode == 0, local.stderr[-1500:])
        slurm = snakemake(os.path.join(work, "through-slurm"), budget, "--profile",
                          os.path.join(ROOT, "experiments", "slurm"))
        check("the same sweep runs through SLURM", slurm.returncode == 0, slurm.stderr[-1500:])
        submitted = slurm.stderr.count("has been submitted with SLURM jobid")
        ctl = open(os.path.join(cluster, "log", "slurmctld.log")).read()
        check("every job of it went through the controller (5 runs, the summary, the study table)",
              submitted == 7 and ctl.count("sched: Allocate JobId=") >= 7, (submitted, ctl[-800:]))
        a = sorted(glob.glob(os.path.join(work, "local", "**", "*.pb"), recursive=True))
        b = sorted(glob.glob(os.path.join(work, "through-slurm", "**", "*.pb"), recursive=True))
        check("both wrote a RunRecord per mode", len(a) == len(b) == 5, (a, b))
        for pa, pb in zip(a, b):
            diff = differences(without_timing(record(mipshv, pa)), without_timing(record(mipshv, pb)))
            check(f"{os.path.relpath(pa, work)}: the same record either way", not diff, diff[:5])
        check("runs.csv: the same rows but for times",
              rows(os.path.join(work, "local", "runs.csv")) == rows(os.path.join(work, "through-slurm", "runs.csv")))
        # (Not the measured wall times, nor what the host-calibrated model predicts from them.)
        timed = {("measure", "measured wall"), ("measure", "predicted wall")}
        modelled = [[r for r in rows(os.path.join(work, side, "study.csv")) if not timed & set(r)]
                    for side in ("local", "through-slurm")]
        check("study.csv: the same modelled ratios", modelled[0] == modelled[1] and len(modelled[0]) == 15, modelled)
    finally:
        subprocess.run([os.path.join(HERE, "one_node_slurm.sh"), "stop", cluster], timeout=30)
        os.environ.clear()
        os.environ.update(env_before)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
