#!/usr/bin/python3
"""Checks a paper against its data: every \\num... macro the LaTeX sources
use is one paper/write_numbers.py wrote (no number typed by hand, none missing),
and every figure is at least as new as the data it is drawn from.

usage: check.py --numbers NUMBERS_TEX --tex FILE... [--figures GLOB --data GLOB]...
(each --figures GLOB is checked against the --data GLOB that follows it)
"""
import argparse
import glob
import os
import re
import sys

USED = re.compile(r"\\(num[A-Za-z]+)")
DEFINED = re.compile(r"\\newcommand\{\\(num[A-Za-z]+)\}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--numbers", required=True)
    ap.add_argument("--tex", nargs="+", required=True)
    ap.add_argument("--figures", action="append", default=[])
    ap.add_argument("--data", action="append", default=[])
    a = ap.parse_args()
    if len(a.figures) != len(a.data):
        sys.exit("check: each --figures needs its --data")
    with open(a.numbers) as f:
        defined = set(DEFINED.findall(f.read()))
    problems = []
    for tex in a.tex:
        with open(tex) as f:
            text = "\n".join(line.split("%", 1)[0] for line in f)  # (comments aside)
        for macro in sorted(set(USED.findall(text)) - defined):
            problems.append(f"{tex} uses \\{macro}, which {a.numbers} does not define")
    for figures, data in zip(a.figures, a.data):
        sources = glob.glob(data, recursive=True)
        if not sources:
            problems.append(f"no data matches {data}")
            continue
        newest = max(os.path.getmtime(p) for p in sources)
        drawn = glob.glob(figures)
        if not drawn:
            problems.append(f"no figure matches {figures}")
        for fig in drawn:
            if os.path.getmtime(fig) < newest:
                problems.append(f"{fig} is older than its data ({data})")
    for p in problems:
        print("check:", p)
    print(f"check: {len(defined)} numbers defined, {len(a.tex)} sources, {len(problems)} problems")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
