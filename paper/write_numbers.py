#!/usr/bin/python3
"""Every number the papers print, as LaTeX macros written from the records
(`make paper`; the paper.numbers test): no number in the text is typed by
hand. Each macro is \\num<Name>; paper/check.py fails when a paper uses one
this did not write.

Sources (each macro's comment names its own):
- the study's tidy table (STUDY/study.csv, experiments/study_table.py): each
  workload's ratio to bare metal per mode and measure, with its 95%
  bootstrap interval: \\numStudy<Workload><Smp><Mode><Measure>, ...Lo, ...Hi;
- the mode test's RunRecords (RECORDS/modes-<mode>.pb, linux.modes.jit):
  exits, hypercalls and patched-site executions of one boot and workload
  per mode: \\numExits<Mode>, ...;
- the host calibration (experiments/calibration/host-calibration.json):
  each event's host nanoseconds in bare metal and what each mode adds:
  \\numCal<Event><Mode>;
- the comparison with QEMU (experiments/vs_qemu.py's JSON record;
  experiments/reference/vs-qemu.json by default): \\numVsQemu<Workload>;
- the durability trials (experiments/disk_durability.py's JSON record, as
  linux.disk_durability.jit leaves it): \\numDurability....

usage: write_numbers.py --study DIR --records DIR --calibration FILE
                        --vs-qemu FILE --durability FILE --out FILE
"""
import argparse
import csv
import json
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(os.path.dirname(HERE), "experiments"))

MODES = {"bare-metal": "BareMetal", "trap": "Trap", "1:1": "OneToOne", "1:n": "OneToN", "on-demand": "OnDemand"}
MEASURES = {"measured wall": "Measured", "predicted wall": "Predicted", "modelled host-calibrated": "HostCalibrated",
            "modelled mips64-in-order": "InOrder", "modelled mips64-out-of-order": "OutOfOrder"}
DIGITS = "Zero One Two Three Four Five Six Seven Eight Nine".split()


def name(*parts):
    """A macro name from words: letters only (LaTeX), each word capitalised."""
    out = ""
    for p in parts:
        for word in str(p).replace("-", " ").replace("_", " ").replace(":", " ").split():
            word = "".join(DIGITS[int(c)] if c.isdigit() else c for c in word)
            out += word[:1].upper() + word[1:]
    return "num" + out


class Macros:
    def __init__(self):
        self.lines, self.names = [], set()

    def add(self, macro, value, source):
        if macro in self.names:
            raise SystemExit(f"numbers: {macro} written twice")
        self.names.add(macro)
        self.lines.append(f"\\newcommand{{\\{macro}}}{{{value}\\xspace}}  % {source}")


def count(n):
    """An integer with thousands separated as LaTeX sets them (1{,}070{,}962)."""
    return f"{n:,}".replace(",", "{,}")


def ratio(x):
    return f"{float(x):.2f}"


def study(m, folder):
    path = os.path.join(folder, "study.csv")
    reps = {}
    with open(path) as f:
        for row in csv.DictReader(f):
            if row["engine"] != "jit" or row["measure"] not in MEASURES:
                continue
            base = name("Study", row["workload"], row["smp"], MODES[row["mode"]], MEASURES[row["measure"]])
            m.add(base, ratio(row["ratio"]), path)
            if row["ci_low"] not in ("", "nan") and row["measure"] == "measured wall":
                m.add(base + "Lo", ratio(row["ci_low"]), path)
                m.add(base + "Hi", ratio(row["ci_high"]), path)
            reps[(row["workload"], row["smp"])] = int(row["reps"])
    for (workload, smp), n in sorted(reps.items()):
        m.add(name("Study", workload, smp, "Reps"), n, path)
    m.add("numStudyWorkloads", len({w for w, _ in reps}), path)


def mode_records(m, folder):
    import records
    runs = {}
    for path, r in records.load(folder):
        stem = os.path.basename(path)[:-3]
        for mode in MODES:
            if stem == "modes-" + mode.replace(":", "to"):
                runs[mode] = (path, r)
    if set(runs) != set(MODES):
        raise SystemExit(f"numbers: {folder} lacks the mode records of {sorted(set(MODES) - set(runs))}")
    exits = {}
    for mode, (path, r) in runs.items():
        t = r.totals
        exits[mode] = sum(t[k] for k in records.EXIT_COUNTERS)
        m.add(name("Exits", MODES[mode]), count(exits[mode]), path)
        m.add(name("Traps", MODES[mode]), count(t['exits_sensitive_trap']), path)
        m.add(name("Hypercalls", MODES[mode]), count(t['exits_hypercall']), path)
        m.add(name("PatchedSiteRuns", MODES[mode]), count(t['patched_site_executions']), path)
        m.add(name("GuestInstructions", MODES[mode]), f"{t['instructions'] / 1e9:.2f}", path + " (billions)")
        m.add(name("StubInstructions", MODES[mode]), count(t['hypervisor_stub_instructions']), path)
        h = r.hypervisor
        patches = dict(h.patches)
        m.add(name("Patches", MODES[mode]), count(sum(patches.values())), path)
        for kind in ("1:1 load", "1:1 store", "1:1 nop", "1:1 hypercall", "1:n stub", "1:n irq-restore"):
            m.add(name("Patches", MODES[mode], kind.replace(":", " to ")), count(patches.get(kind, 0)),
                  path)
        m.add(name("PatchesDropped", MODES[mode]), count(h.patches_dropped), path)
        m.add(name("WordsScanned", MODES[mode]), count(h.words_scanned), path)
    engine(m, *runs["bare-metal"])
    for mode in ("1:1", "1:n", "on-demand"):
        m.add(name("ExitReduction", MODES[mode]), f"{exits['trap'] / max(1, exits[mode]):.1f}",
              "exits in trap mode over exits in " + mode)


def engine(m, path, r):
    """The translator's statistics in one bare-metal boot and workload."""
    e, instructions = r.engine, r.totals["instructions"]
    m.add("numEngineBlocksTranslated", count(e.blocks_translated), path)
    m.add("numEngineBlocksInvalidated", count(e.blocks_invalidated), path)
    m.add("numEngineHostCodeMiB", f"{e.host_code_bytes / 2**20:.0f}", path)
    m.add("numEngineBytesPerBlock", f"{e.host_code_bytes / max(1, e.blocks_translated):.0f}", path)
    m.add("numEngineTranslatePercent", f"{100 * e.translate_seconds / r.wall_seconds:.0f}", path + " (of wall time)")
    m.add("numEngineChainedLinks", count(e.chained_links), path)
    m.add("numEngineInstructionsPerDispatch", count(round(instructions / max(1, e.dispatcher_entries))),
          path + " (guest instructions per entry into translated code)")
    m.add("numEngineGuestInstructions", f"{instructions / 1e9:.1f}", path + " (billions)")


def calibration(m, path):
    with open(path) as f:
        cal = json.load(f)
    for event, by_mode in cal["table"].items():
        for mode, row in by_mode.items():
            value = row["ns_per_event"] if mode == "bare-metal" else row["extra_ns_per_event"]
            m.add(name("Cal", event, MODES[mode]), f"{value:.0f}", path)
    m.add("numCalReps", cal["reps"], path)


def vs_qemu(m, path):
    """experiments/vs_qemu.py's record: QEMU's median wall time over mipshv's (jit), per workload and in all."""
    with open(path) as f:
        d = json.load(f)
    for workload, row in d["summary"].items():
        if "qemu_over_jit" in row:
            m.add(name("VsQemu", workload), f"{row['qemu_over_jit']:.2f}", path)
    m.add("numVsQemuReps", d["reps"], path)


def durability(m, path):
    """experiments/disk_durability.py's record (linux.disk_durability.jit)."""
    with open(path) as f:
        d = json.load(f)
    m.add("numDurabilityTrials", d["trials"], path)
    m.add("numDurabilityLostWrites", d["lost_writes"], path)
    m.add("numDurabilityInconsistent", d["inconsistent_file_systems"], path)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--study", required=True)
    ap.add_argument("--records", required=True)
    ap.add_argument("--calibration", required=True)
    ap.add_argument("--vs-qemu", required=True, help="experiments/vs_qemu.py's JSON record")
    ap.add_argument("--durability", required=True, help="experiments/disk_durability.py's JSON record")
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    m = Macros()
    study(m, a.study)
    mode_records(m, a.records)
    calibration(m, a.calibration)
    vs_qemu(m, a.vs_qemu)
    durability(m, a.durability)
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("% Written by paper/write_numbers.py from the records named on each line; do not edit.\n")
        f.write("\\RequirePackage{xspace}\\xspaceaddexceptions{]\\%\\,}\n")
        f.write("\n".join(m.lines) + "\n")
    print(f"numbers: {len(m.names)} macros in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
