#!/usr/bin/python3
"""Execute a notebook headless (nbclient), as `make test` does.

usage: notebooks/execute.py NOTEBOOK [--records DIR] [--net-records DIR] [--study DIR] [--reference DIR]
       [--figures DIR] [--timeout SECONDS]

--timeout bounds the whole notebook (default 560 s, below the 600 s of its
ctest registration): each cell may take what is left of it.
"""
import argparse
import os
import time

import nbformat
from nbclient import NotebookClient


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("notebook")
    ap.add_argument("--records")
    ap.add_argument("--net-records")
    ap.add_argument("--study", help="a study's folder (study.ipynb)")
    ap.add_argument("--reference", help="the committed reference records (system.ipynb)")
    ap.add_argument("--figures")
    ap.add_argument("--timeout", type=float, default=560, help="seconds for the whole notebook (default 560)")
    args = ap.parse_args()
    end = time.monotonic() + args.timeout
    if args.records:
        os.environ["MIPSHV_RECORDS"] = os.path.abspath(args.records)
    if args.net_records:
        os.environ["MIPSHV_NET_RECORDS"] = os.path.abspath(args.net_records)
    if args.study:
        os.environ["MIPSHV_STUDY"] = os.path.abspath(args.study)
    if args.reference:
        os.environ["MIPSHV_REFERENCE"] = os.path.abspath(args.reference)
    if args.figures:
        os.environ["MIPSHV_FIGURES"] = os.path.abspath(args.figures)
    os.environ.setdefault("PYDEVD_DISABLE_FILE_VALIDATION", "1")  # quiets ipykernel's debugger notice
    nb = nbformat.read(args.notebook, as_version=4)
    NotebookClient(nb, timeout=60, timeout_func=lambda cell: max(1, end - time.monotonic()), kernel_name="python3",
                   resources={"metadata": {"path": os.path.dirname(os.path.abspath(args.notebook))}}).execute()
    print(f"executed {args.notebook}: {len(nb.cells)} cells")


if __name__ == "__main__":
    main()
