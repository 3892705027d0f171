#!/usr/bin/python3
"""MANUAL.md says exactly which tests run under one engine only and which run
no guest at all; this checks those two tables against ctest's own list.

A test that runs a guest carries the label of every engine it runs it under
(jit, interp). One with a single engine label and no twin named after the
other engine must be a row of MANUAL's one-engine table, with that engine;
one with no engine label must match a row (a name, or a prefix ending in
'*') of its no-guest table; and every row must name a registered test.

usage: engine_coverage.py BUILD_DIR MANUAL_MD
"""
import fnmatch
import re
import sys

from summary import ctest_tests, registered_tests  # (tests/summary.py: one reading of ctest's list)

ENGINES = ("jit", "interp")
ROW = re.compile(r"^\| `([^`]+)` \|(?: ([a-z]+) \|)?")


def tests_and_engines(build):
    """{test name: the engines among its labels}."""
    return {name: [e for e in ENGINES if e in labels] for name, labels in registered_tests(ctest_tests(build)).items()}


def table(manual, name):
    """The rows between <!-- engine-coverage:NAME --> and the next <!-- /engine-coverage -->:
    {first cell: second cell or None}."""
    text = open(manual).read()
    start = text.index(f"<!-- engine-coverage:{name} -->")
    body = text[start:text.index("<!-- /engine-coverage -->", start)]
    return {m.group(1): m.group(2) for m in map(ROW.match, body.splitlines()) if m}


def twin(name, engine):
    """The same test under the other engine, as the suite names them (linux.x.jit, isa.jit.x)."""
    other = ENGINES[1 - ENGINES.index(engine)]
    renamed = re.sub(rf"(^|\.){engine}(\.|$)", rf"\g<1>{other}\g<2>", name)
    return renamed if renamed != name else None


def main():
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    tests = tests_and_engines(sys.argv[1])
    one_engine, no_guest = table(sys.argv[2], "one-engine"), table(sys.argv[2], "no-guest")
    failures = passes = 0

    def check(what, ok):
        nonlocal failures, passes
        print(("ok   " if ok else "FAIL ") + what)
        passes, failures = passes + ok, failures + (not ok)

    for name, engines in sorted(tests.items()):
        if len(engines) == 1 and twin(name, engines[0]) not in tests:
            check(f"{name} (only {engines[0]}) is in MANUAL's one-engine table with that engine",
                  one_engine.get(name) == engines[0])
        elif not engines:
            check(f"{name} (no engine label) matches MANUAL's no-guest table",
                  any(fnmatch.fnmatchcase(name, pattern) for pattern in no_guest))
    for name in one_engine:
        engines = tests.get(name, [])
        check(f"MANUAL's one-engine row {name} is a registered test with one engine",
              len(engines) == 1 and twin(name, engines[0]) not in tests)
    for pattern in no_guest:
        check(f"MANUAL's no-guest row {pattern} names a test with no engine label",
              any(fnmatch.fnmatchcase(n, pattern) and not e for n, e in tests.items()))
    print(f"{passes} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
