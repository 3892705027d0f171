"""experiments/calibrate_exits.py on a short run: it measures every kind in
every mode, and the RunRecords say how each mode handled each event, which
must be what the hypervisor decides (MANUAL section 6)."""
import json
import os
import subprocess

from conftest import BUILD, ROOT


def test_calibration_table_names_how_each_mode_handles_each_event(tmp_path):
    subprocess.run(["/usr/bin/python3", os.path.join(ROOT, "experiments", "calibrate_exits.py"),
                    "--mipshv", os.path.join(BUILD, "mipshv"),
                    "--program", os.path.join(BUILD, "experiments", "calibration", "exit_kinds.elf"),
                    "--iterations", "500", "--reps", "1", "--results", str(tmp_path)],
                   check=True, capture_output=True, timeout=120)
    record = json.loads((tmp_path / "calibration.json").read_text())
    table = record["table"]
    rows = (tmp_path / "calibration.csv").read_text().splitlines()
    assert len(rows) == 1 + 10 * 5  # header, then (empty + 9 kinds) x 5 modes
    assert record["host"]["cpu_model"] and record["mipshv"].startswith("mipshv ")

    def per_event(kind, mode):
        """Events' mechanisms, rounded: a kind's setup (tlbwi rewrites the TLB after its
        loop) adds a few exits to the 4000 events of this short run."""
        return {m: round(v, 1) for m, v in table[kind][mode]["per_event"].items()}

    for kind in table:
        assert all(v == 0 for v in per_event(kind, "bare-metal").values()), kind
        if kind not in ("refill", "interrupt"):
            assert per_event(kind, "trap")["trap"] >= 1, kind  # every sensitive instruction traps
        for mode in ("1:1", "1:n"):
            assert per_event(kind, mode)["trap"] == 0, (kind, mode)  # patched before it first ran
    # A CP0 read without side effects becomes a load from the communication page: no exit.
    assert per_event("mfc0", "1:1")["patched site"] == 1 and per_event("mfc0", "1:1")["hypercall"] == 0
    # Trapped TLB instructions are counted as such, and a TLB write updates the shadow TLB.
    assert per_event("tlbp", "trap")["TLB trap"] == 1 and per_event("mfc0", "trap")["TLB trap"] == 0
    assert per_event("tlbwi", "trap")["shadow TLB update"] == 1 and per_event("tlbwi", "1:1")["shadow TLB update"] == 1
    # TLB probes and writes become hypercalls.
    assert per_event("tlbp", "1:1")["hypercall"] == 1 and per_event("tlbwi", "1:n")["hypercall"] == 1
    # DI/EI become stubs in 1:n, and exit in 1:1.
    assert per_event("di_ei", "1:n")["stub instruction"] > 0 and per_event("di_ei", "1:n")["hypercall"] == 0
    assert per_event("di_ei", "1:1")["hypercall"] == 2  # an event is a DI and an EI
    # A refill and an interrupt are injected in every hypervisor mode, once each.
    for mode in ("trap", "1:1", "1:n", "on-demand"):
        assert per_event("refill", mode)["exception injection"] == 1, mode
        assert per_event("interrupt", mode)["interrupt injection"] == 1, mode
