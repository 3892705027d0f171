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

import debian_classes
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


DEBIAN = ("sqlite", "perl", "python", "lua", "xz", "gawk")
MODES = ("bare-metal", "1:n", "on-demand")


def host_result(interpreter, script, argument, tmp_path):
    """What the host's own interpreter prints for a guest script (None without it)."""
    if not shutil.which(interpreter):
        return None
    path = tmp_path / script
    path.write_text(debian_classes.SCRIPTS[script])
    return subprocess.run([interpreter, str(path), str(argument)], capture_output=True, text=True, check=True,
                          timeout=60).stdout.strip()


def test_debian_programs_give_the_same_results_in_every_mode(tmp_path, request):
    """Debian's own dynamically linked programs (sqlite3, perl, python3.11, lua5.4,
    xz, gawk; datasets/fetch_programs.py) run on mipshv, and each prints the same
    result under bare metal and two patched modes; perl's and python's match the
    host's interpreters running the same scripts."""
    out = tmp_path / "debian.json"
    timeout = request.config.mipshv_budget.left(300)
    r = subprocess.run([sys.executable, SCRIPT, "--quick", "--reps", "1", "--no-qemu", "--classes", ",".join(DEBIAN),
                        "--modes", ",".join(MODES), "--mipshv", os.path.join(BUILD, "mipshv"), "--out", str(out)],
                       capture_output=True, text=True, timeout=timeout)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    result = json.loads(out.read_text())
    assert result["complete"] and result["peers"] == [f"mipshv-{m}" for m in MODES]
    assert result["debian_packages"]["sqlite3"] and result["debian_packages"]["libc6"]
    for c in DEBIAN:
        lines = {run["classes"][c]["result"] for run in result["runs"]}
        assert all(run["classes"][c]["ok"] for run in result["runs"]), c
        assert len(lines) == 1 and result["results_agree"][c], (c, lines)
    quick = debian_classes.SIZES["quick"]
    by_class = {c: result["runs"][0]["classes"][c]["result"] for c in DEBIAN}
    for c, interpreter, script, n in (("perl", "perl", "perl.pl", quick["perl_keys"]),
                                      ("python", "/usr/bin/python3", "python.py", quick["python_items"])):
        want = host_result(interpreter, script, n, tmp_path)
        assert want is None or by_class[c] == want, (c, by_class[c], want)
