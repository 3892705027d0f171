"""experiments/records.py's tables that the paper's numbers and figures share."""
from mipshv import run_record_pb2

import records


def test_exits_by_function_sums_a_functions_sites_and_keeps_the_rest_apart():
    r = run_record_pb2.RunRecord()
    r.config.mode = "1:n"
    r.totals["exits_sensitive_trap"], r.totals["exits_hypercall"] = 10, 90
    r.totals["exits_mmio"] = 1000  # (no site: not part of the shares)
    for pc, symbol, count in ((0x10, "__update_tlb+0xdc", 40), (0x14, "__update_tlb+0xf8", 30),
                              (0x20, "restore_partial+0x68", 15), (0x30, "", 5)):
        site = r.hypervisor.top_sites.add()
        site.pc, site.symbol, site.count = pc, symbol, count
    table = records.exits_by_function([("run.pb", r)]).set_index("function")
    assert dict(table["exits"]) == {"__update_tlb": 70, "restore_partial": 15, "": 5, "(other sites)": 10}
    assert table.loc["__update_tlb", "share"] == 0.7 and abs(table["share"].sum() - 1) < 1e-12
    assert set(table["mode"]) == {"1:n"}
