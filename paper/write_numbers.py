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
  per mode: \\numExits<Mode>, ...; and each mode's top exit sites summed by
  kernel function: \\numSiteShare<Mode><Function>, \\numSiteTopShare<Mode>;
- the cost model's validation (experiments/validate_cost_model.py --study's
  errors.csv, in BUILD/paper/validation): the host-calibrated model's error per workload
  and mode with its interval, \\numValidation<Workload><Mode>, ...Lo, ...Hi;
- the host calibration (experiments/calibration/host-calibration.json):
  each event's host nanoseconds in bare metal and what each mode adds:
  \\numCal<Event><Mode>;
- the comparison with QEMU (experiments/vs_qemu.py's JSON record;
  experiments/reference/vs-qemu.json by default): \\numVsQemu<Workload>;
- the durability trials (experiments/disk_durability.py's JSON record, as
  linux.disk_durability.jit leaves it): \\numDurability....
- for the system paper: the -smp 4 records of linux.smp_modes.jit
  (\\numSmp...), the bare-metal record's fast-path statistics
  (\\numEngine...), the network, disk and engine tests' RunRecords, ctest's
  list of the fuzzing campaigns (\\numFuzz...), the endurance test's record,
  and the committed records of experiments/workload_classes.py,
  net_throughput.py and disk_throughput.py (\\numClass...,
  \\numNetVsQemu..., \\numDiskGuestOverHost...), each ratio with its 95%
  bootstrap interval.

usage: write_numbers.py --build DIR --study DIR [--reference DIR] [--vs-qemu FILE] [--calibration FILE]
                        --out FILE
(each record at its place in the build, BUILD/tests/linux/..., or in REFERENCE)
"""
import argparse
import csv
import json
import os
import re
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, os.path.join(ROOT, "experiments"))

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


def records_by_mode(folder, prefix, what):
    """{mode: (path, RunRecord)} of FOLDER/<prefix><mode>.pb (':' spelt 'to'), every mode's."""
    import records
    runs = {}
    for path, r in records.load(folder):
        stem = os.path.basename(path)[:-3]
        for mode in MODES:
            if stem == prefix + mode.replace(":", "to"):
                runs[mode] = (path, r)
    if set(runs) != set(MODES):
        raise SystemExit(f"numbers: {folder} lacks the {what} of {sorted(set(MODES) - set(runs))}")
    return runs


def mode_records(m, folder):
    import records
    runs = records_by_mode(folder, "modes-", "mode records")
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
        for kind in ("1:1 load", "1:1 store", "1:1 nop", "1:1 hypercall", "1:n stub", "1:n irq-restore",
                     "1:n tlb write and eret"):
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


def smp_records(m, folder):
    """The -smp 4 workload of linux.smp_modes.jit (RECORDS/smp-4-<mode>.pb):
    what the guest's SMP kernel asked of the CPS, and the exits per vCPU."""
    import records
    runs = records_by_mode(folder, "smp-4-", "-smp 4 records")
    path, r = runs["bare-metal"]
    per_vcpu = [v.counters for v in r.vcpus]
    m.add("numSmpVcpus", len(per_vcpu), path)
    m.add("numSmpPowerUps", sum(c["power_ups"] for c in per_vcpu), path + " (CPC power-ups: bring-up and hotplug)")
    m.add("numSmpPowerDowns", sum(c["power_downs"] for c in per_vcpu), path)
    m.add("numSmpLlLost", count(sum(c["ll_reservations_lost"] for c in per_vcpu)),
          path + " (LL reservations ended by a quantum)")
    gic = next(d.counters for d in r.devices if d.kind == "mips-gic")
    m.add("numSmpIpis", count(sum(v for k, v in gic.items() if k.endswith("_ipis_sent"))), path + " (GIC)")
    m.add("numSmpGuestInstructions", f"{r.totals['instructions'] / 1e9:.1f}", path + " (billions)")
    exits = {mode: sum(rr.totals[k] for k in records.EXIT_COUNTERS) for mode, (_, rr) in runs.items()}
    for mode in ("trap", "1:n", "on-demand"):
        m.add(name("SmpExits", MODES[mode]), count(exits[mode]), runs[mode][0])
    m.add("numSmpExitReductionOnDemand", f"{exits['trap'] / max(1, exits['on-demand']):.1f}",
          "smp-4 exits in trap mode over on-demand's")


def engine_paths(m, folder):
    """Where the translator leaves its fast paths, in the bare-metal boot and workload (RECORDS/modes-bare-metal.pb):
    routine calls, slow paths of native loads and stores, and why translated code returned to the run loop."""
    import records
    path = os.path.join(folder, "modes-bare-metal.pb")
    r = records.read(path)
    e, t = r.engine, r.totals
    m.add("numEngineRoutineEvery", count(round(t["instructions"] / max(1, sum(e.routine_calls.values())))),
          path + " (guest instructions per call of an instruction's routine from translated code)")
    m.add("numEngineSlowPathPercent", f"{100 * sum(e.slow_path_calls.values()) / max(1, t['loads'] + t['stores']):.2f}",
          path + " (native loads and stores that took their slow path, % of all)")
    exits = dict(e.translated_code_exits)
    for reason in ("unlinked exit", "indirect miss", "stopped", "entry check"):
        m.add(name("EngineExitShare", reason), f"{100 * exits.get(reason, 0) / max(1, sum(exits.values())):.0f}",
              path + " (% of returns from translated code to the run loop)")
    m.add("numEngineAsidFlushes", count(e.lookup_flushes["asid"]),
          path + " (address-space switches that moved epochs on)")
    m.add("numEngineTlbEntriesUnmapped", count(e.tlb_entries_unmapped), path)
    m.add("numEngineSoftTlbWholeWalks", count(t["soft_tlb_whole_walks"]), path)


def net_records(m, folder):
    """The TCP transfer of linux.network_modes.jit in each mode (NET/network-modes-<mode>.pb): the card's counters."""
    import records
    runs = {r.config.mode: (path, r) for path, r in records.load(folder)}
    for mode in ("bare-metal", "trap", "on-demand"):
        if mode not in runs:
            raise SystemExit(f"numbers: {folder} has no network record in mode {mode}")
    path, r = runs["bare-metal"]
    card = next(d.counters for d in r.devices if d.kind == "virtio-net")
    m.add("numNetRxMiB", f"{card['rx_bytes'] / 2**20:.1f}", path + " (bytes the card received)")
    m.add("numNetRxFrames", count(card["rx_frames"]), path)
    frames = card["rx_frames"] + card["tx_frames"]
    m.add("numNetFramesPerInterrupt", f"{frames / max(1, card['interrupts_raised']):.1f}",
          path + " (frames both ways per interrupt raised)")
    m.add("numNetFramesPerNotification", f"{card['tx_frames'] / max(1, card['queue_notifications']):.2f}",
          path + " (sent frames per queue notification)")
    m.add("numNetRxBacklogPeak", count(card["rx_backlog_peak"]), path)
    for mode in ("trap", "on-demand"):
        p, rr = runs[mode]
        m.add(name("NetMmioExits", MODES[mode]), count(rr.totals["exits_mmio"]), p)


def disk_records(m, folder):
    """The disk workload of linux.disk_modes.jit on the bare board (DISK/disk-modes-bare-metal.pb):
    the disk's counters."""
    import records
    path = os.path.join(folder, "disk-modes-bare-metal.pb")
    r = records.read(path)
    vda = next(d.counters for d in r.devices if d.kind == "virtio-blk")
    m.add("numDiskRequests", count(vda["requests"]), path)
    m.add("numDiskFlushes", count(vda["requests_flush"]), path)
    m.add("numDiskMiBMoved", f"{(vda['bytes_read'] + vda['bytes_written']) / 2**20:.1f}", path + " (read and written)")


def engine_records(m, folder):
    """linux.engines: the same scripted boot and workload under both engines (ENGINES/engines-<mode>-<engine>.pb)."""
    import records
    runs = {os.path.basename(p)[:-3]: (p, r) for p, r in records.load(folder)}
    for mode in ("bare-metal", "on-demand"):
        (pj, j), (pi, i) = runs[f"engines-{mode}-jit"], runs[f"engines-{mode}-interp"]
        if j.totals["instructions"] != i.totals["instructions"]:
            raise SystemExit(f"numbers: {pj} and {pi} retired different instruction counts")
        m.add(name("InterpOverJit", MODES[mode]), f"{i.wall_seconds / j.wall_seconds:.1f}",
              f"{pi} over {pj} (wall time, one run each)")
    m.add("numEnginesGuestInstructions", f"{j.totals['instructions'] / 1e9:.1f}", pj + " (billions)")


def campaigns(m, build):
    """The fuzzing campaigns make test runs, as ctest lists them (--show-only=json-v1): random programs per
    engine-fuzz and QEMU campaign (their --cases) and the libFuzzer harnesses (run.sh, their --seconds)."""
    out = subprocess.run(["ctest", "--test-dir", build, "--show-only=json-v1"], check=True,
                         capture_output=True, text=True).stdout
    tests = {t["name"]: t.get("command", []) for t in json.loads(out)["tests"]}
    source = build + " (ctest --show-only=json-v1)"

    def cases(n):
        a = tests[n]
        return int(a[a.index("--cases") + 1])
    engine = [n for n, a in tests.items() if n.startswith("fuzz.engines") and "--cases" in a]
    m.add("numFuzzEngineCases", count(sum(cases(n) for n in engine)), source + ": " + ", ".join(sorted(engine)))
    m.add("numFuzzEngineRepros", len([n for n, a in tests.items() if n.startswith("fuzz.engines") and "--load" in a]),
          source)
    m.add("numFuzzQemuCases", count(cases("differential.random")), source + ": differential.random")
    harnesses = [a for n, a in tests.items() if n.startswith("fuzz.") and a and a[0].endswith("run.sh")]
    m.add("numFuzzHarnesses", len(harnesses), source)
    m.add("numFuzzHarnessSeconds", harnesses[0][harnesses[0].index("--seconds") + 1], source)
    m.add("numIsaPrograms", len([n for n in tests if n.startswith("isa.jit.")]), source + ": isa.jit.*")


def vs_qemu_intervals(m, path):
    """95% bootstrap intervals of vs_qemu.py's ratios (QEMU's wall time over mipshv's, per workload), from its runs."""
    import intervals
    with open(path) as f:
        d = json.load(f)
    for workload in d["workloads"] + ["total"]:
        def times(peer):
            return [r["total_seconds"] if workload == "total" else r["workloads"][workload]["seconds"]
                    for r in d["runs"] if r["peer"] == peer and (workload == "total" or r["workloads"][workload]["ok"])]
        _, lo, hi = intervals.ratio_of_medians(times("qemu"), times("jit"))
        m.add(name("VsQemu", workload, "Lo"), ratio(lo), path)
        m.add(name("VsQemu", workload, "Hi"), ratio(hi), path)
    m.add("numVsQemuQemuVersion", d["qemu_version"].split("version ")[1].split()[0], path + " (QEMU's version)")


def workload_classes(m, path):
    """experiments/workload_classes.py's record: per class, QEMU's wall time over mipshv's (bare metal) and
    on-demand's over bare metal's, each the ratio of medians with its 95% bootstrap interval."""
    import intervals
    with open(path) as f:
        d = json.load(f)

    def times(peer, cls):
        return [r["classes"][cls]["seconds"] for r in d["runs"]
                if r["peer"] == peer and cls in r["classes"] and r["classes"][cls]["ok"]]

    def totals(peer):
        return [sum(r["classes"][c]["seconds"] for c in d["classes"]) for r in d["runs"]
                if r["peer"] == peer and all(c in r["classes"] and r["classes"][c]["ok"] for c in d["classes"])]
    pairs = [("ClassQemu", "qemu", "mipshv-bare-metal"), ("ClassOnDemand", "mipshv-on-demand", "mipshv-bare-metal")]
    for prefix, num, den in pairs:
        if num not in d["peers"] or den not in d["peers"]:
            continue
        for cls in d["classes"] + ["total"]:
            a, b = (totals(num), totals(den)) if cls == "total" else (times(num, cls), times(den, cls))
            point, lo, hi = intervals.ratio_of_medians(a, b)
            m.add(name(prefix, cls), ratio(point), path)
            m.add(name(prefix, cls, "Lo"), ratio(lo), path)
            m.add(name(prefix, cls, "Hi"), ratio(hi), path)
    m.add("numClassCount", len(d["classes"]), path)
    import debian_classes
    debian = [c for c in d["classes"] if c in debian_classes.CLASSES]
    m.add("numClassDebian", len(debian), path + " (classes running Debian's own programs)")
    m.add("numClassOwn", len(d["classes"]) - len(debian), path + " (busybox and static C classes)")
    m.add("numClassReps", d["reps"], path)
    m.add("numClassAgree", sum(1 for v in d["results_agree"].values() if v), path + " (classes whose results agree)")


def net_throughput(m, path):
    """experiments/net_throughput.py's record: mipshv's throughput over QEMU's (TCP both ways) and QEMU's round
    trip over mipshv's, bare metal and the hypervisor mode, ratios of medians with 95% bootstrap intervals."""
    import intervals
    with open(path) as f:
        d = json.load(f)

    def vals(peer, metric, key):
        return [r[metric][key] for r in d["runs"] if r["peer"] == peer and metric in r and r[metric]["ok"]]
    for peer in d["peers"]:
        if peer == "qemu":
            continue
        mode = MODES[peer.split("-", 1)[1]]
        for metric, key, flip in (("down", "mib_s", False), ("up", "mib_s", False), ("rtt", "ms", True)):
            a, b = vals(peer, metric, key), vals("qemu", metric, key)
            point, lo, hi = intervals.ratio_of_medians(b, a) if flip else intervals.ratio_of_medians(a, b)
            m.add(name("NetVsQemu", mode, metric), ratio(point), path)
            m.add(name("NetVsQemu", mode, metric, "Lo"), ratio(lo), path)
            m.add(name("NetVsQemu", mode, metric, "Hi"), ratio(hi), path)
    m.add("numNetVsQemuMiB", d["size_mib"], path)
    m.add("numNetVsQemuRequests", d["requests"], path)
    m.add("numNetVsQemuReps", d["reps"], path)


def disk_throughput(m, path):
    """experiments/disk_throughput.py's record: the guest's sequential write and read over the host's own, in the same
    directory (ratio of medians, 95% bootstrap interval)."""
    import intervals
    with open(path) as f:
        d = json.load(f)
    for what in ("write", "read"):
        guest = [r[f"guest_{what}_mib_s"] for r in d["runs"]]
        host = [r[f"host_{what}_mib_s"] for r in d["runs"]]
        point, lo, hi = intervals.ratio_of_medians(guest, host)
        m.add(name("DiskGuestOverHost", what), f"{point:.3f}", path)
        m.add(name("DiskGuestOverHost", what, "Lo"), f"{lo:.3f}", path)
        m.add(name("DiskGuestOverHost", what, "Hi"), f"{hi:.3f}", path)
    m.add("numDiskThroughputMiB", d["mib"], path)
    m.add("numDiskThroughputReps", d["reps"], path)


def endurance(m, path):
    """experiments/endurance.py's record (the endurance test's): cycles, failures and peak RSS growth per mode."""
    with open(path) as f:
        d = json.load(f)
    if not d.get("complete"):
        raise SystemExit(f"numbers: {path} is the record of a run still going or cut short")
    s = d["summary"]
    m.add("numEnduranceModes", len(s), path)
    m.add("numEnduranceCyclesPerMode", d["cycles_per_mode"], path)
    m.add("numEnduranceCycles", sum(v["cycles"] for v in s.values()), path)
    m.add("numEnduranceFailures", sum(v["failures"] for v in s.values()), path)
    m.add("numEnduranceSizeKiB", count(d["size_kib"]), path)
    change = [abs(v["peak_rss_growth"]["delta_kib"]) for v in s.values() if v.get("peak_rss_growth")]
    if change:
        m.add("numEnduranceRssChangeMaxKiB", count(round(max(change))),
              path + " (largest change of a mode's median peak RSS from its first cycles to its last, either way)")
    rss = [v["peak_rss_kib"]["median"] for v in s.values() if v.get("peak_rss_kib")]
    if rss:
        m.add("numEndurancePeakRssMiB", f"{max(rss) / 1024:.0f}", path + " (largest median peak RSS of a mode)")


def percent(share):
    """A share as a percentage: one decimal below 10%, none above."""
    return f"{100 * share:.1f}" if round(100 * share, 1) < 10 else f"{100 * share:.0f}"


def signed_percent(x):
    """A relative error as a signed percentage with a typeset minus ($-$3.0, +1.4)."""
    return f"{100 * x:+.1f}".replace("-", "$-$")


def exits_by_function(m, folder):
    """Where each mode's exits come from (RECORDS/modes-<mode>.pb, run with
    --system-map): its top exit sites summed by kernel function, as shares of
    the exits at sites (traps and hypercalls): \\numSiteShare<Mode><Function>
    (function NoSymbol: sites no symbol names), how much the top sites cover
    and in how many functions."""
    import records
    for mode in ("trap", "1:1", "1:n", "on-demand"):
        path = os.path.join(folder, f"modes-{mode.replace(':', 'to')}.pb")
        rows = records.exits_by_function([(path, records.read(path))])
        named = rows[(rows["function"] != "") & (rows["function"] != "(other sites)")]
        if named.empty:
            raise SystemExit(f"numbers: {path}'s exit sites have no symbols: run make system-map, then the mode test")
        top = rows[rows["function"] != "(other sites)"]
        m.add(name("SiteTopShare", MODES[mode]), percent(top["share"].sum()), path + " (top sites' share of site exits)")
        m.add(name("SiteTopFunctions", MODES[mode]), len(top), path + " (functions of the top sites)")
        shares = {}
        for function, share in zip(top["function"], top["share"]):
            key = name("SiteShare", MODES[mode], re.sub(r"[^A-Za-z0-9]", " ", function) or "NoSymbol")
            shares[key] = shares.get(key, 0.0) + share  # (two functions a macro name cannot tell apart: summed)
        for key, share in shares.items():
            m.add(key, percent(share), path + " (share of site exits)")


def validation(m, path):
    """experiments/validate_cost_model.py --study's errors.csv: the
    host-calibrated model's error in predicting each workload's median wall
    time per mode, with its 95% bootstrap interval, and a summary over the
    workloads of the hypervisor modes."""
    import statistics
    with open(path) as f:
        rows = list(csv.DictReader(f))
    for r in rows:
        base = name("Validation", r["workload"], MODES[r["mode"]])
        for suffix, column in (("", "error"), ("Lo", "ci_low"), ("Hi", "ci_high")):
            m.add(base + suffix, signed_percent(float(r[column])), path)
    hyp = [r for r in rows if r["mode"] != "bare-metal"]
    m.add("numValidationWorkloads", len({r["workload"] for r in rows}), path)
    for mode in ("trap", "1:1", "1:n", "on-demand"):
        errors = [float(r["error"]) for r in hyp if r["mode"] == mode]
        m.add(name("ValidationMedian", MODES[mode]), signed_percent(statistics.median(errors)),
              path + " (median over the workloads)")
    worst = max(hyp, key=lambda r: abs(float(r["error"])))
    m.add("numValidationWorst", signed_percent(float(worst["error"])), path + f" ({worst['workload']}, {worst['mode']})")
    m.add("numValidationWorstAbs", f"{100 * abs(float(worst['error'])):.1f}", path + " (its magnitude)")
    m.add("numValidationCells", len(hyp), path + " (workloads x hypervisor modes)")
    m.add("numValidationBelowZero", sum(float(r["ci_high"]) < 0 for r in hyp), path + " (intervals entirely below 0)")
    m.add("numValidationAboveZero", sum(float(r["ci_low"]) > 0 for r in hyp), path + " (intervals entirely above 0)")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True,
                    help="the build whose tests' records (tests/linux/...), cost-model validation "
                         "(paper/validation/errors.csv) and ctest list of fuzzing campaigns are read")
    ap.add_argument("--study", required=True, help="the study's folder (its study.csv)")
    ap.add_argument("--reference", default=os.path.join(ROOT, "experiments", "reference"),
                    help="the committed records: vs-qemu.json, workload-classes.json, net-throughput.json, "
                         "disk-throughput.json")
    ap.add_argument("--vs-qemu", help="experiments/vs_qemu.py's JSON record (default: REFERENCE/vs-qemu.json)")
    ap.add_argument("--calibration", default=os.path.join(ROOT, "experiments", "calibration", "host-calibration.json"))
    ap.add_argument("--out", required=True)
    a = ap.parse_args()
    linux = os.path.join(a.build, "tests", "linux")
    records = os.path.join(linux, "jit")
    reference = lambda name: os.path.join(a.reference, name)  # noqa: E731
    vs_qemu_record = a.vs_qemu or reference("vs-qemu.json")
    m = Macros()
    study(m, a.study)
    mode_records(m, records)
    exits_by_function(m, records)
    validation(m, os.path.join(a.build, "paper", "validation", "errors.csv"))
    calibration(m, a.calibration)
    vs_qemu(m, vs_qemu_record)
    durability(m, os.path.join(linux, "disk", "jit", "disk-durability.json"))
    smp_records(m, records)
    engine_paths(m, records)
    vs_qemu_intervals(m, vs_qemu_record)
    net_records(m, os.path.join(linux, "net"))
    disk_records(m, os.path.join(linux, "disk", "jit"))
    engine_records(m, os.path.join(linux, "engines"))
    campaigns(m, a.build)
    workload_classes(m, reference("workload-classes.json"))
    net_throughput(m, reference("net-throughput.json"))
    disk_throughput(m, reference("disk-throughput.json"))
    endurance(m, os.path.join(linux, "endurance", "endurance.json"))
    os.makedirs(os.path.dirname(os.path.abspath(a.out)), exist_ok=True)
    with open(a.out, "w") as f:
        f.write("% Written by paper/write_numbers.py from the records named on each line; do not edit.\n")
        f.write("\\RequirePackage{xspace}\\xspaceaddexceptions{]\\%\\,}\n")
        f.write("\n".join(m.lines) + "\n")
    print(f"numbers: {len(m.names)} macros in {a.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
