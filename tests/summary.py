#!/usr/bin/python3
"""What `make test` ran, by label, from ctest's own list of tests and its
JUnit results; fails (status 1) when a label has fewer tests than
tests/labels.tsv asks, when a test carries a label that file does not list,
or when any test failed, was skipped or did not run.

usage: summary.py BUILD_DIR JUNIT_XML [LABELS_TSV]
"""
import collections
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

HERE = os.path.dirname(os.path.abspath(__file__))
MAX_LISTED = 30  # problems printed one a line; the rest counted


def ctest_tests(build):
    """ctest's own list of the registered tests (--show-only=json-v1): each
    with its name, command and properties."""
    out = subprocess.run(["ctest", "--test-dir", build, "--show-only=json-v1"], check=True,
                         capture_output=True, text=True).stdout
    return json.loads(out)["tests"]


def registered_tests(listing):
    """{test name: [labels]} from ctest_tests's list."""
    tests = {}
    for t in listing:
        labels = [p["value"] for p in t.get("properties", []) if p["name"] == "LABELS"]
        tests[t["name"]] = labels[0] if labels else []
    return tests


def outcomes(junit):
    """{test name: "passed" | "failed" | "skipped"} from ctest --output-junit."""
    result = {}
    for case in ET.parse(junit).getroot().iter("testcase"):
        status = case.get("status")
        if case.find("failure") is not None or status == "fail":
            result[case.get("name")] = "failed"
        elif status == "run":
            result[case.get("name")] = "passed"
        else:  # notrun, disabled, skipped (a missing REQUIRED_FILES, SKIP_RETURN_CODE)
            result[case.get("name")] = "skipped"
    return result


def floors(path):
    """{label: at_least} from labels.tsv."""
    result = {}
    with open(path) as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                label, at_least, _what = line.rstrip("\n").split("\t", 2)
                result[label] = int(at_least)
    return result


def main():
    if len(sys.argv) not in (3, 4):
        sys.exit(__doc__)
    build, junit = sys.argv[1], sys.argv[2]
    labels_tsv = sys.argv[3] if len(sys.argv) == 4 else os.path.join(HERE, "labels.tsv")
    tests, results, wanted = registered_tests(ctest_tests(build)), outcomes(junit), floors(labels_tsv)
    problems = []
    by_label = collections.defaultdict(collections.Counter)
    for name, labels in sorted(tests.items()):
        outcome = results.get(name, "skipped")
        for label in labels or ["(no label)"]:
            by_label[label][outcome] += 1
            if label not in wanted:
                problems.append(f"test {name} has label '{label}', which tests/labels.tsv does not list")
        if outcome != "passed":
            problems.append(f"{name}: {outcome}")
    print(f"\n{'label':<14}{'tests':>7}{'passed':>8}{'failed':>8}{'skipped':>9}{'at least':>10}")
    for label in sorted(set(wanted) | set(by_label)):
        c = by_label[label]
        total = sum(c.values())
        print(f"{label:<14}{total:>7}{c['passed']:>8}{c['failed']:>8}{c['skipped']:>9}{wanted.get(label, '-'):>10}")
        if label in wanted and c["passed"] < wanted[label]:
            problems.append(f"label '{label}': {c['passed']} tests passed, tests/labels.tsv asks for at least {wanted[label]}")
    for p in problems[:MAX_LISTED]:
        print("make test:", p)
    if len(problems) > MAX_LISTED:
        print(f"make test: ... and {len(problems) - MAX_LISTED} more")
    counts = collections.Counter(results.get(name, "skipped") for name in tests)
    print(f"tests: {counts['passed']} passed, {counts['failed']} failed, {counts['skipped']} skipped")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
