"""Exits by site and by kind in the patched modes (MANUAL section 6): a
hypercall is counted by its record on the exit path, and the record's kind
and site are filled in at the end. On a guest with fewer exit sites than the
record keeps, every exit must then show up at a site, and the hottest sites
are the refill handler's, once per refill."""
import json
import os
import subprocess

import pytest

from conftest import BUILD

REFILLS = 8 * 1000  # exit_kinds.c: eight refills per iteration


def record_of(tmp_path, mode):
    stats = tmp_path / f"{mode.replace(':', 'to')}.pb"
    subprocess.run([os.path.join(BUILD, "mipshv"), "--mode", mode, "-semihosting",
                    "-kernel", os.path.join(BUILD, "experiments", "calibration", "exit_kinds.elf"),
                    "-append", "refill 1000", "--stats", str(stats)],
                   check=True, capture_output=True, timeout=60)
    shown = subprocess.run([os.path.join(BUILD, "mipshv"), "stats", str(stats)],
                           check=True, capture_output=True, text=True, timeout=60)
    return json.loads(shown.stdout)


@pytest.mark.parametrize("mode", ["1:1", "1:n"])
def test_every_hypercall_is_counted_at_its_site_and_by_its_kind(tmp_path, mode):
    record = record_of(tmp_path, mode)
    totals, hypervisor = record["totals"], record["hypervisor"]
    exits = int(totals.get("exits_hypercall", 0)) + int(totals.get("exits_sensitive_trap", 0))
    assert int(totals.get("exits_hypercall", 0)) >= 2 * REFILLS  # the TLB write and the ERET, at least
    sites = [(int(s["pc"]), int(s["count"])) for s in hypervisor["top_sites"]]
    assert len(sites) < 20  # (so the top sites are all of them)
    assert len({pc for pc, _ in sites}) == len(sites)
    assert sum(count for _, count in sites) == exits
    assert [count for _, count in sites[:2]] == [REFILLS, REFILLS]
    by_kind = {k: int(n) for k, n in hypervisor["exits_by_kind"].items() if k != "mmio"}
    assert sum(by_kind.values()) == exits
    assert by_kind.get("eret", 0) >= REFILLS
    per_vcpu = {k: int(n) for k, n in record["vcpus"][0]["exits_by_kind"].items() if k != "mmio"}
    assert per_vcpu == by_kind
