"""experiments/workload_classes.py end to end, tiny: three classes under QEMU's
Malta and mipshv (jit, bare metal), one rep; every result checked and agreeing
between the peers, and the CSV's columns."""
import csv
import json
import os
import shutil
import subprocess
import sys

import pytest

from conftest import BUILD, ROOT

SCRIPT = os.path.join(ROOT, "experiments", "workload_classes.py")
CLASSES = ("pipes", "float", "sort")


@pytest.mark.skipif(shutil.which("qemu-system-mips64el") is None, reason="needs qemu-system-mips64el")
def test_quick_classes_agree(tmp_path, request):
    out = tmp_path / "wc.json"
    timeout = request.config.mipshv_budget.left(240)
    r = subprocess.run([sys.executable, SCRIPT, "--quick", "--reps", "1", "--classes", ",".join(CLASSES),
                        "--mipshv", os.path.join(BUILD, "mipshv"), "--out", str(out)],
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["complete"] and result["peers"] == ["qemu", "mipshv-bare-metal"]
    assert all(result["results_agree"][c] for c in CLASSES)
    with open(tmp_path / "wc.csv") as f:
        reader = csv.DictReader(f)
        assert tuple(reader.fieldnames) == ("class", "peer", "emulator", "mode", "engine", "rep", "seconds",
                                            "cpu_seconds", "ok", "agrees", "result")
        rows = list(reader)
    assert sorted((row["class"], row["emulator"]) for row in rows) == sorted(
        (c, e) for c in CLASSES for e in ("qemu", "mipshv"))
    assert all(row["ok"] == "1" and row["agrees"] == "1" and float(row["seconds"]) > 0 for row in rows)
    for c in CLASSES:  # the same result line under both peers
        assert len({row["result"] for row in rows if row["class"] == c}) == 1
