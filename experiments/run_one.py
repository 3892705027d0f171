#!/usr/bin/python3
"""Boot Debian's Linux once in one execution mode, run a workload on its
console and write the run's RunRecord (binary Protobuf) plus the command
that reproduces it. The RunRecord names the engine (config.engine).

usage: experiments/run_one.py --mode on-demand [--engine jit|interp] --workload boot [--smp N] --out results/x.pb
"""
import argparse
import os
import shlex
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
# The Python module of the build in PYTHONPATH, else of build/.
sys.path.append(os.path.join(ROOT, "build", "python"))
import mipshv  # noqa: E402

from linux_guest import PROMPT, vm_options  # noqa: E402
from workloads import WORKLOADS  # noqa: E402


def run(mode, workload, out, engine="jit", smp=1, cost_model=None, timing=False):
    """One boot; returns the RunRecord message (also written to `out`)."""
    with mipshv.VM(mode=mode, engine=engine, smp=smp, cost_model=cost_model, timing=timing, **vm_options()) as vm:
        vm.expect(PROMPT, timeout=600)
        for command in WORKLOADS[workload][:-1]:
            vm.run(command, timeout=600)
        vm.send(WORKLOADS[workload][-1] + "\n")
        if vm.run_until(timeout=600) != "halt":
            raise RuntimeError(f"{mode} ({engine}): the guest did not power off")
        record = vm.counters()
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    with open(out, "wb") as f:
        f.write(record.SerializeToString())
    model = (["--cost-model", str(cost_model)] if cost_model else []) + (["--timing"] if timing else [])
    with open(out + ".cmd", "w") as f:
        f.write(shlex.join([sys.executable, os.path.join(HERE, "run_one.py"), "--mode", mode,
                            "--engine", engine, "--workload", workload, "--smp", str(smp), *model,
                            "--out", out]) + "\n")
    return record


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mode", required=True, choices=mipshv.MODES)
    ap.add_argument("--engine", default="jit", choices=mipshv.ENGINES,
                    help="execution engine: jit (default) or interp, the reference interpreter")
    ap.add_argument("--workload", default="boot", choices=sorted(WORKLOADS))
    ap.add_argument("--smp", type=int, default=1, help="vCPUs (default 1)")
    ap.add_argument("--cost-model", help="a profile (experiments/cost_models/): the record is priced by it")
    ap.add_argument("--timing", action="store_true", help="the guest's clock follows the cost model's time")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    if args.timing and not args.cost_model:
        ap.error("--timing needs --cost-model")
    run(args.mode, args.workload, args.out, args.engine, args.smp, args.cost_model, args.timing)


if __name__ == "__main__":
    main()
