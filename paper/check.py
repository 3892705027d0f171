#!/usr/bin/python3
"""Checks a paper against its data: every \\num... macro the LaTeX sources
use is one paper/write_numbers.py wrote (no number typed by hand, none missing),
and every figure is at least as new as the data it is drawn from: the study
notebook's (study_*.pdf) as the study's table, the mode notebook's exits per
mode and by kernel function as the mode test's RunRecords, its exits per
vCPU as the -smp 4 records, and the system notebook's figure of the
workload classes as their committed reference record.

usage: check.py --numbers NUMBERS_TEX --tex FILE... --study DIR --study-figures DIR
                --records DIR --mode-figures DIR [--reference DIR]
"""
import argparse
import glob
import os
import re
import sys

USED = re.compile(r"\\(num[A-Za-z]+)")
DEFINED = re.compile(r"\\newcommand\{\\(num[A-Za-z]+)\}")


def figure_ages(figures, data):
    """Problems: a figure matching `figures` older than the newest file matching `data`."""
    sources = glob.glob(data)
    if not sources:
        return [f"no data matches {data}"]
    newest = max(os.path.getmtime(p) for p in sources)
    drawn = glob.glob(figures)
    if not drawn:
        return [f"no figure matches {figures}"]
    return [f"{fig} is older than its data ({data})" for fig in drawn if os.path.getmtime(fig) < newest]


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--numbers", required=True)
    ap.add_argument("--tex", nargs="+", required=True)
    ap.add_argument("--study", required=True, help="the study's folder (its study.csv)")
    ap.add_argument("--study-figures", required=True, help="where notebooks/study.ipynb drew its figures")
    ap.add_argument("--records", required=True, help="the mode test's RunRecords (modes-*.pb)")
    ap.add_argument("--mode-figures", required=True, help="where notebooks/modes.ipynb drew its figures")
    ap.add_argument("--reference", help="the committed reference records notebooks/system.ipynb draws from "
                                        "(into --mode-figures)")
    a = ap.parse_args()
    with open(a.numbers) as f:
        defined = set(DEFINED.findall(f.read()))
    problems = []
    for tex in a.tex:
        with open(tex) as f:
            text = "\n".join(line.split("%", 1)[0] for line in f)  # (comments aside)
        for macro in sorted(set(USED.findall(text)) - defined):
            problems.append(f"{tex} uses \\{macro}, which {a.numbers} does not define")
    problems += figure_ages(os.path.join(a.study_figures, "study_*.pdf"), os.path.join(a.study, "study.csv"))
    for figure in ("exits_per_mode.pdf", "exits_by_function.pdf"):
        problems += figure_ages(os.path.join(a.mode_figures, figure), os.path.join(a.records, "modes-*.pb"))
    problems += figure_ages(os.path.join(a.mode_figures, "exits_per_vcpu.pdf"),
                            os.path.join(a.records, "smp-4-[t1o]*.pb"))  # (the -smp 4 hypervisor-mode runs it draws)
    if a.reference:
        problems += figure_ages(os.path.join(a.mode_figures, "classes_vs_qemu.pdf"),
                                os.path.join(a.reference, "workload-classes.json"))
    for p in problems:
        print("check:", p)
    print(f"check: {len(defined)} numbers defined, {len(a.tex)} sources, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
