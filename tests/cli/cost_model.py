#!/usr/bin/python3
"""--cost-model FILE (MANUAL.md section 7): a run priced on a modelled core.

For tlb.elf (TLB writes, refills and CP0 moves: traps, hypercalls and
patched sites in the hypervisor modes), under the engine given, in every
mode, with the shipped in-order profile:
  - the guest sees nothing of it: the same console output and totals as the
    same run without the option (accounting only);
  - the traps by sensitive class (traps_*) add up to exits_sensitive_trap;
  - each kind's cycles are its count times its price, and they add up to the
    total; seconds are cycles over the profile's clock;
  - the bare-metal cycles (the guest's own events) are the same in every
    mode and equal to the bare-metal run's whole cost: the modes differ only
    in the hypervisor's events, and bare metal's ratio is 1;
  - `mipshv stats RUN --cost-model PROFILE` and the Python module's
    model_cost price a run made without the option the same way.
Profiles that are no cost model get one line and exit 1.

usage: cost_model.py MIPSHV GUEST_DIR PROFILE WORKDIR ENGINE
"""
import json
import math
import os
import subprocess
import sys

from checks import Checks  # experiments/, on PYTHONPATH
from records import record

MODES = ("bare-metal", "trap", "1:1", "1:n", "on-demand")


def run(mipshv, elf, stats, engine, mode, *extra):
    r = subprocess.run([mipshv, "-kernel", elf, "-semihosting", "--engine", engine, "--mode", mode, "--stats", stats,
                        *extra], capture_output=True, timeout=60)
    return r.returncode, r.stdout


def close(a, b):
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-9)


def main():
    mipshv, guests, profile_path, work, engine = sys.argv[1:6]
    os.makedirs(work, exist_ok=True)
    elf = os.path.join(guests, "tlb.elf")
    with open(profile_path) as f:
        profile = json.load(f)
    prices = {k: v["cycles"] for k, v in profile["prices"].items()}
    check = Checks()
    bare = {}
    for mode in MODES:
        tag = mode.replace(":", "to")
        plain_pb, priced_pb = os.path.join(work, f"{tag}.pb"), os.path.join(work, f"{tag}-priced.pb")
        rc1, out1 = run(mipshv, elf, plain_pb, engine, mode)
        rc2, out2 = run(mipshv, elf, priced_pb, engine, mode, "--cost-model", profile_path)
        plain, priced = record(mipshv, plain_pb), record(mipshv, priced_pb)
        check(f"{mode}: both runs exit 0, the same console output", rc1 == 0 and rc2 == 0 and out1 == out2,
              (rc1, rc2))
        check(f"{mode}: the same totals with and without the model", plain["totals"] == priced["totals"])
        m = priced.get("modelled", {})
        check(f"{mode}: no modelled part without --cost-model", "modelled" not in plain)
        by_kind = m.get("cycles_by_kind", {})
        totals = priced["totals"]
        check(f"{mode}: each kind costs its count times its price",
              set(by_kind) == set(prices)
              and all(close(by_kind[k], int(totals.get(k, 0)) * prices[k]) for k in prices), by_kind)
        check(f"{mode}: the kinds add up to the total; seconds = cycles / clock",
              close(sum(by_kind.values()), m.get("cycles", -1))
              and close(m.get("seconds", -1), m.get("cycles", 0) / profile["clock_hz"]), m)
        traps = {k: int(v) for k, v in totals.items() if k.startswith("traps_")}
        check(f"{mode}: the traps by sensitive class add up to the traps",
              sum(traps.values()) == int(totals.get("exits_sensitive_trap", 0)), traps)
        if mode == "trap":
            check("trap: tlb.elf's CP0 reads and writes, TLB instructions and erets each trapped",
                  all(traps.get(f"traps_{k}", 0) > 0 for k in ("cp0_read", "cp0_write", "tlb", "eret")), traps)
        bare[mode] = m.get("bare_metal_cycles")
        check(f"{mode}: the ratio to bare metal is cycles over the guest's own",
              close(m.get("ratio_to_bare_metal", -1), m.get("cycles", 0) / m.get("bare_metal_cycles", 1)), m)
        again = json.loads(subprocess.run([mipshv, "stats", plain_pb, "--cost-model", profile_path],
                                          capture_output=True, text=True).stdout or "{}")
        check(f"{mode}: `mipshv stats --cost-model` prices the plain run the same",
              again.get("modelled") == m, again.get("modelled"))
        if mode == "trap":
            import mipshv as module  # the build's Python module (PYTHONPATH)
            from google.protobuf import json_format
            from mipshv import run_record_pb2
            with open(plain_pb, "rb") as f:
                message = run_record_pb2.RunRecord.FromString(f.read())
            py = json_format.MessageToDict(module.model_cost(message, profile_path).modelled,
                                           preserving_proto_field_name=True)
            check("the Python module's model_cost prices it the same", py == m, py)
            check("trap mode costs more than bare metal", m.get("ratio_to_bare_metal", 0) > 1.5, m)
    check("the guest's own cycles are the same in every mode", len(set(bare.values())) == 1, bare)
    b = record(mipshv, os.path.join(work, "bare-metal-priced.pb"))["modelled"]
    check("bare metal: its whole cost is the guest's own, ratio 1",
          close(b["cycles"], b["bare_metal_cycles"]) and close(b["ratio_to_bare_metal"], 1.0), b)

    # Profiles that are no cost model.
    good = json.dumps(profile)
    cases = {
        "not JSON": ("{", "not a cost model"),
        "an unknown counter": (good.replace('"instructions"', '"instructons"', 1), "'instructons' is not a counter"),
        "a negative price": (json.dumps({**profile, "prices": {"exceptions": {"cycles": -1, "source": "x"}}}),
                             "'exceptions' costs -1"),
        "a price without a source": (json.dumps({**profile, "prices": {"exceptions": {"cycles": 3}}}),
                                     "no source and is not marked an assumption"),
        "instructions counted twice": (json.dumps({**profile, "prices": {**profile["prices"], "instructions_user":
                                                                         {"cycles": 1, "assumption": True}}}),
                                       "prices both 'instructions' and instructions by mode"),
        "no clock": (json.dumps({**profile, "clock_hz": 0}), "clock_hz must be a positive number"),
        "no prices": (json.dumps({**profile, "prices": {}}), "no prices"),
    }
    for what, (text, message) in cases.items():
        path = os.path.join(work, "bad.json")
        with open(path, "w") as f:
            f.write(text)
        r = subprocess.run([mipshv, "-kernel", elf, "-semihosting", "--cost-model", path], capture_output=True,
                           text=True, timeout=10)
        lines = r.stderr.splitlines()
        check(f"{what}: one line naming the profile, exit 1", r.returncode == 1 and len(lines) == 1
              and lines[0].startswith(f"mipshv: --cost-model {path}: ") and message in lines[0], (r.returncode, r.stderr))
    for path, kind in (("/dev/zero", "a character device"), (work, "a directory")):
        r = subprocess.run([mipshv, "-kernel", elf, "--cost-model", path], capture_output=True, text=True, timeout=10)
        check(f"--cost-model {path}: {kind}, one line, exit 1", r.returncode == 1 and len(r.stderr.splitlines()) == 1
              and kind in r.stderr, r.stderr)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
