#!/usr/bin/python3
"""The test case result report: one section per milestone of the project
(tests/report/milestones.tsv), each with the tests that show it (result,
duration, and what each checks, taken from the test's own script or
program), the console log of that milestone's guest and its figures; then
fuzzing, durability and endurance, the screencast's frames, if `make screencast`
made them, and every test that no milestone names. Written as HTML (index.html, with the figures
beside it) and, when weasyprint is installed, as PDF (report.pdf).

usage: report.py BUILD_DIR JUNIT_XML [--out DIR] [--check]

--check: fail (status 1) when a milestone has no passing test or names no
registered test; `make test` runs it after the tests.
"""
import argparse
import collections
import datetime
import functools
import html
import os
import re
import shutil
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.dirname(HERE))
from summary import ctest_tests, outcomes, registered_tests  # noqa: E402  (tests/summary.py: one reading of ctest's results)

ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\r")
LOG_LINES = 40  # of each end of a console log


def milestones(path):
    """[{id, month, title, tests (regex), logs, figures}] in table order."""
    rows = []
    with open(path) as f:
        for line in f:
            if not line.strip() or line.startswith("#"):
                continue
            ident, month, title, tests, logs, figures = (line.rstrip("\n").split("\t") + [""] * 6)[:6]
            rows.append({"id": ident, "month": month, "title": title, "tests": re.compile(tests),
                         "logs": [g.split("|") for g in logs.split(",") if g],
                         "figures": [p for p in figures.split(",") if p]})
    return rows


def durations(junit):
    """{test name: seconds} from ctest --output-junit."""
    import xml.etree.ElementTree as ET
    return {c.get("name"): float(c.get("time") or 0) for c in ET.parse(junit).getroot().iter("testcase")}


def commands(listing):
    """{test name: argv} as ctest would run it, from ctest_tests's list."""
    return {t["name"]: t.get("command", []) for t in listing}


def header_comment(path):
    """The opening comment or docstring of a source file, as one paragraph."""
    with open(path, errors="replace") as f:
        text = f.read(6000)
    if path.endswith(".py"):
        m = re.search(r'^(?:#![^\n]*\n)?(?:#[^\n]*\n)*\s*(?:"""|\'\'\')(.*?)(?:"""|\'\'\')', text, re.S)
        body = m.group(1) if m else ""
    elif path.endswith((".c", ".S", ".cpp", ".h")):  # (a // block as well as a /* */ one)
        m = re.match(r"\s*/\*(.*?)\*/", text, re.S)
        body = re.sub(r"^\s*\* ?", "", m.group(1), flags=re.M) if m else \
            "\n".join(l[2:].strip() for l in re.match(r"((?://[^\n]*\n)*)", text).group(1).splitlines())
    else:  # shell, Snakefile: the leading # lines after any shebang
        lines = [l for l in text.splitlines() if not l.startswith("#!")]
        taken = []
        for l in lines:
            if not l.startswith("#"):
                break
            taken.append(l.lstrip("#").strip())
        body = "\n".join(taken)
    paragraphs = re.split(r"\n\s*\n", body.strip()) if body.strip() else [""]
    text = paragraphs[0]
    if text.rstrip().endswith(":") and len(paragraphs) > 1:  # (a list follows: it is the description)
        text += " " + paragraphs[1]
    return " ".join(text.split())


def notebook_heading(path):
    """A notebook's first markdown cell, as one paragraph."""
    import json
    with open(path) as f:
        cells = [c for c in json.load(f)["cells"] if c["cell_type"] == "markdown"]
    text = re.sub(r"^#+ *(.*)$", r"\1.", "".join(cells[0]["source"]), flags=re.M) if cells else ""  # (a heading: a sentence)
    return " ".join(text.split())


def described_by(argv):
    """The file whose opening comment says what a test with this command
    checks: a guest program's source, else the first script or source of
    the repository the command names."""
    if len(argv) > 2 and argv[0].endswith("tests/fuzz/run.sh"):  # a libFuzzer harness, named last
        return os.path.join(SOURCE, "tests/fuzz", argv[-1] + ".cpp")
    if "pytest" in argv:  # the test files' folder: its CMakeLists says what they are
        return os.path.join(SOURCE, "tests/python/CMakeLists.txt")
    for a in argv:
        if a.endswith(".ipynb"):
            return a
        if os.path.isfile(os.path.join(a, "CMakeLists.txt")) and a.startswith(SOURCE + "/tests"):
            return os.path.join(a, "CMakeLists.txt")  # a project the test builds
        m = re.search(r"/tests/(?:guest|devices)/([A-Za-z0-9_]+)\.elf$", a)
        if m:
            for d in ("tests/guest/isa", "tests/guest/programs", "tests/devices"):
                for ext in (".c", ".S"):
                    p = os.path.join(SOURCE, d, m.group(1) + ext)
                    if os.path.exists(p):
                        return p
    for a in argv[1:] if argv and os.path.basename(argv[0]).startswith("python") else argv:
        for part in re.split(r"[ =]", a):
            p = part if os.path.isabs(part) else os.path.join(SOURCE, part)
            if p.startswith(SOURCE + "/") and os.path.isfile(p) and not p.endswith((".elf", ".json", ".img", ".gz")) \
                    and "/datasets/cache/" not in p and os.access(p, os.R_OK) and is_text(p):
                return p
    return None


def is_text(path):
    with open(path, "rb") as f:
        return b"\0" not in f.read(512)


@functools.lru_cache(maxsize=None)
def file_description(path):
    """A script's or program's own description, with where it comes from."""
    text = notebook_heading(path) if path.endswith(".ipynb") else header_comment(path)
    rel = os.path.relpath(path, SOURCE)
    return f"{text} ({rel})" if text else rel


def description(name, argv):
    """What test `name` checks: the opening comment of its script or program
    (one source: the test's own), or, for a program with no script, its name."""
    if name == "unit_tests":
        return "The Catch2 unit tests (tests/unit/): each of the engines' and devices' pieces on its own."
    path = described_by(argv)
    if path:
        return file_description(path)
    if argv and os.path.basename(argv[0]) == "engine_fuzz":
        return ("The engines against each other on random programs (" + " ".join(argv[1:]) +
                "): tests/fuzz_engines/README.md.")
    return " ".join(os.path.basename(a) for a in argv[:3])


def log_excerpt(build, alternatives):
    for rel in alternatives:
        path = os.path.join(build, rel)
        if os.path.exists(path):
            with open(path, errors="replace") as f:
                lines = ANSI.sub("", f.read()).splitlines()
            if len(lines) > 2 * LOG_LINES:
                lines = lines[:LOG_LINES] + [f"[... {len(lines) - 2 * LOG_LINES} lines ...]"] + lines[-LOG_LINES:]
            return rel, "\n".join(lines)
    return None, None


def git_commit():
    r = subprocess.run(["git", "-C", SOURCE, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    return r.stdout.strip() or "unknown"


STATUS_CLASS = {"passed": "pass", "failed": "fail", "skipped": "skip"}


def test_table(names, results, seconds, argv):
    """The tests as a table, one row per description: the variants of one
    script or program (engines, modes, QEMU) share it."""
    e = html.escape
    groups = collections.OrderedDict()
    for n in names:
        groups.setdefault(description(n, argv.get(n, [])), []).append(n)
    rows = ["<table><tr><th>tests (result)</th><th>seconds</th><th>what they check</th></tr>"]
    for text, members in groups.items():
        cells = "<br>".join(f'{e(n)} <span class="{STATUS_CLASS[results.get(n, "skipped")]}">'
                            f'{results.get(n, "skipped")}</span>' for n in members)
        total = sum(seconds.get(n, 0) for n in members)
        rows.append(f'<tr><td class="name">{cells}</td><td class="num">{total:.1f}</td><td>{e(text)}</td></tr>')
    return "".join(rows) + "</table>"


def mib(kib):
    return f"{kib / 1024:.1f}"


def endurance_figure(summary, runs, out):
    """Each passing cycle's peak RSS per mode (figures/endurance_peak_rss.png), in the notebooks' style."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    plt.style.use(os.path.join(SOURCE, "notebooks", "mipshv.mplstyle"))
    fig, ax = plt.subplots(figsize=(6, 2.8))
    for mode in summary:
        ok = [r for r in runs.get(mode, []) if r["ok"] and r.get("peak_rss_kib")]
        ax.plot([r["cycle"] for r in ok], [r["peak_rss_kib"] / 1024 for r in ok], marker="o", label=mode)
    ax.set_xlabel("cycle")
    ax.set_ylabel("peak RSS of mipshv (MiB)")
    ax.set_ylim(bottom=0)  # (from 0: a growth of a few per cent looks its size)
    ax.xaxis.get_major_locator().set_params(integer=True)
    ax.set_title("Peak RSS per cycle")
    ax.legend(loc="lower right")
    fig.tight_layout()
    fig.savefig(os.path.join(out, "figures", "endurance_peak_rss.png"))
    plt.close(fig)
    return "figures/endurance_peak_rss.png"


def endurance(build, out):
    """The endurance run of linux.endurance.jit (experiments/endurance.py's
    JSON record): per mode the cycles and failures, cycle time and peak RSS
    (min/median/max) and the growth check, and a figure of each cycle's peak
    RSS; one line when there is no record."""
    import json
    e = html.escape
    path = os.path.join(build, "tests/linux/endurance/endurance.json")
    rel = os.path.relpath(path, build)
    if not os.path.exists(path):
        return f"<p>Endurance: no record (<code>{e(rel)}</code>, written by linux.endurance.jit).</p>"
    with open(path) as f:
        d = json.load(f)
    summary = d["summary"]
    command = d["command"].replace(SOURCE + "/", "")
    bare = (summary.get("bare-metal", {}).get("seconds") or {}).get("median")
    parts = [f'<h3>Endurance</h3><p>From <code>{e(rel)}</code>, written by <code>{e(command)}</code>'
             f'{"" if d.get("complete") else " (interrupted: the record is incomplete)"}: {d["cycles_per_mode"]} '
             f'cycles per mode ({e(d["engine"])}), each a new mipshv process on a fresh copy of the test disk: boot '
             f'(disk mounted, address by DHCP), a shell loop of {d["loop"]} iterations, {d["size_kib"]} KiB fetched '
             "by the guest from the host over slirp, written to the disk with fsync and read back, fetched by the "
             "host from the guest's httpd, poweroff; every step checked, then the image on the host (e2fsck, the "
             "file). Peak RSS is each process's own (wait4's ru_maxrss); growth compares the median of the last "
             "cycles with the first ones'. The long run is <code>experiments/endurance.py --cycles 50</code> "
             "(all five modes; MANUAL section 9).</p>",
             "<table><tr><th>mode</th><th>cycles</th><th>failed</th><th>seconds a cycle (min/median/max)</th>"
             "<th>median / bare metal</th><th>peak RSS MiB (min/median/max)</th>"
             "<th>growth: first &rarr; last (MiB)</th><th>slope KiB/cycle</th><th>grows</th></tr>"]
    for mode, m in summary.items():
        t, rss, g = m["seconds"], m["peak_rss_kib"], m["peak_rss_growth"]
        cells = [e(mode), m["cycles"], m["failures"],
                 f'{t["min"]:.1f} / {t["median"]:.1f} / {t["max"]:.1f}' if t else "-",
                 f'{t["median"] / bare:.2f}' if t and bare else "-",
                 f'{mib(rss["min"])} / {mib(rss["median"])} / {mib(rss["max"])}' if rss else "-",
                 f'{mib(g["first_median_kib"])} &rarr; {mib(g["last_median_kib"])} ({g["delta_percent"]:+.2f}%; '
                 f'{g["window"]} cycle{"s" if g["window"] > 1 else ""} each end)' if g else "-",
                 f'{g["slope_kib_per_cycle"]:.1f}' if g else "-",
                 (f'yes (over {g["threshold_percent"]:g}%)' if g["grows"] else f'no (under {g["threshold_percent"]:g}%)')
                 if g else "-"]
        style = {1: ' class="num"', 2: ' class="num fail"' if m["failures"] else ' class="num"'}
        parts.append("<tr>" + "".join(f"<td{style.get(i, '')}>{c}</td>" for i, c in enumerate(cells)) + "</tr>")
    parts.append("</table>")
    for mode, m in summary.items():
        for f in m["failed_cycles"]:
            parts.append(f'<p class="fail">{e(mode)} cycle {f["cycle"]}: {e(f["failure"])}</p>')
    if any(m["peak_rss_kib"] for m in summary.values()):
        fig = endurance_figure(summary, d["runs"], out)
        parts.append(f'<figure><img src="{e(fig)}" alt="peak RSS per cycle"><figcaption>{e(fig)}: each passing '
                     "cycle's peak RSS per mode (drawn from this run's record)</figcaption></figure>")
    return "".join(parts)


def robustness(build, out, tests, results, argv):
    """Fuzzing, durability and endurance, from the runs' own parameters and
    records: the random programs each engine-fuzz test ran (its --cases) and
    the libFuzzer harnesses, with their results; the kill-after-fsync trials
    of linux.disk_durability.jit and the boot-to-poweroff cycles of
    linux.endurance.jit (their JSON records)."""
    import json
    e = html.escape
    rows = ["<table><tr><th>campaign</th><th>what ran</th><th>result</th></tr>"]
    for n in sorted(t for t in tests if t.startswith(("fuzz.", "differential.random"))):
        a = argv.get(n, [])
        cases = a[a.index("--cases") + 1] if "--cases" in a else None
        what = (f"{cases} random programs under QEMU and both engines" if cases and n == "differential.random" else
                f"{cases} random programs, both engines" if cases else
                "one minimized program, kept as a regression" if "--load" in a else
                f"harness {a[-1]}: its regression inputs, then libFuzzer" if a and a[0].endswith("run.sh") else
                "the harnesses built with clang, ASan and UBSan")
        r = results.get(n, "skipped")
        rows.append(f'<tr><td class="name">{e(n)}</td><td>{e(what)}</td><td class="{STATUS_CLASS[r]}">{r}</td></tr>')
    rows.append("</table>")
    path = os.path.join(build, "tests/linux/disk/jit/disk-durability.json")
    if os.path.exists(path):
        with open(path) as f:
            d = json.load(f)
        rows.append(f'<p>Durability (<code>{e(os.path.relpath(path, build))}</code>): {d["trials"]} trials, each '
                    f'SIGKILLing mipshv right after the guest fsync()ed a file (cache={e(str(d["cache"]))}, '
                    f'{e(d["mode"])}, {e(d["engine"])}): {d["lost_writes"]} lost writes, {d["missing_files"]} missing '
                    f'files, {d["inconsistent_file_systems"]} inconsistent file systems; {d["needed_journal_replay"]} '
                    "needed the journal replayed, as after a power cut.</p>")
    rows.append(endurance(build, out))
    return ('<section id="robustness"><h2>Robustness: fuzzing, durability and endurance</h2>' + "".join(rows)
            + "</section>")


def render(build, out, rows, tests, results, seconds, argv):
    """Writes index.html (and copies the figures beside it); returns
    {milestone id: Counter of outcomes}."""
    os.makedirs(os.path.join(out, "figures"), exist_ok=True)
    e = html.escape
    tally = {}
    body = []
    named = set()
    for m in rows:
        names = sorted(n for n in tests if m["tests"].fullmatch(n))
        named.update(names)
        c = collections.Counter(results.get(n, "skipped") for n in names)
        tally[m["id"]] = c
        body.append(f'<section id="{e(m["id"])}"><h2>{e(m["title"])}</h2>')
        body.append(f'<p class="meta">Milestone at month {e(m["month"])} &middot; {len(names)} tests: '
                    f'{c["passed"]} passed, {c["failed"]} failed, {c["skipped"]} skipped or not run</p>')
        body.append(test_table(names, results, seconds, argv))
        for alternatives in m["logs"]:
            rel, text = log_excerpt(build, alternatives)
            if text is not None:
                body.append(f'<h3>Console log: {e(rel)}</h3><pre>{e(text)}</pre>')
        for fig in m["figures"]:
            src = os.path.join(SOURCE, fig)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(out, "figures", os.path.basename(fig)))
                body.append(f'<figure><img src="figures/{e(os.path.basename(fig))}" alt="{e(fig)}">'
                            f'<figcaption>{e(fig)} (drawn from this run\'s records)</figcaption></figure>')
        body.append("</section>")
    body.append(robustness(build, out, tests, results, argv))
    stills = sorted(f for f in os.listdir(os.path.join(build, "screencast")) if f.endswith(".png")) \
        if os.path.isdir(os.path.join(build, "screencast")) else []
    if stills:
        body.append('<section id="screencast"><h2>Screencast of the boot (make screencast)</h2>')
        for f in stills:
            shutil.copy(os.path.join(build, "screencast", f), os.path.join(out, "figures", f))
            body.append(f'<figure><img src="figures/{e(f)}" alt="{e(f)}"><figcaption>{e(f)}</figcaption></figure>')
        body.append("</section>")
    rest = sorted(set(tests) - named)
    body.append(f'<section id="other"><h2>Tests no milestone names ({len(rest)})</h2>')
    body.append(test_table(rest, results, seconds, argv) + "</section>")

    totals = collections.Counter(results.get(n, "skipped") for n in tests)
    summary = ["<table><tr><th>milestone</th><th>month</th><th>tests</th><th>passed</th><th>failed</th>"
               "<th>skipped</th></tr>"]
    for m in rows:
        c = tally[m["id"]]
        summary.append(f'<tr><td><a href="#{e(m["id"])}">{e(m["title"])}</a></td><td class="num">{e(m["month"])}</td>'
                       f'<td class="num">{sum(c.values())}</td><td class="num pass">{c["passed"]}</td>'
                       f'<td class="num{" fail" if c["failed"] else ""}">{c["failed"]}</td>'
                       f'<td class="num">{c["skipped"]}</td></tr>')
    summary.append("</table>")
    when = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    with open(os.path.join(HERE, "report.css")) as f:
        css = f.read()
    page = f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><title>mipshv: test case result report</title>
<style>{css}</style></head><body>
<h1>mipshv: test case result report</h1>
<p class="meta">Commit {e(git_commit())} &middot; {e(when)} &middot; {len(tests)} tests:
{totals["passed"]} passed, {totals["failed"]} failed, {totals["skipped"]} skipped or not run
&middot; from <code>make test</code> (ctest's JUnit results and the logs and records the tests left)</p>
{"".join(summary)}
{"".join(body)}
</body></html>
"""
    with open(os.path.join(out, "index.html"), "w") as f:
        f.write(page)
    return tally


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("build")
    ap.add_argument("junit")
    ap.add_argument("--out", help="default: BUILD/report")
    ap.add_argument("--milestones", default=os.path.join(HERE, "milestones.tsv"))
    ap.add_argument("--check", action="store_true")
    a = ap.parse_args()
    out = a.out or os.path.join(a.build, "report")
    if not os.path.exists(a.junit):
        sys.exit(f"report: {a.junit} not found: run make test first")
    rows = milestones(a.milestones)
    listing = ctest_tests(a.build)
    tests = registered_tests(listing)
    results = outcomes(a.junit)
    tally = render(a.build, out, rows, tests, results, durations(a.junit), commands(listing))
    print(f"report: wrote {os.path.join(out, 'index.html')}")
    if shutil.which("weasyprint"):
        pdf = os.path.join(out, "report.pdf")
        r = subprocess.run(["weasyprint", "-q", os.path.join(out, "index.html"), pdf], capture_output=True, text=True)
        if r.returncode != 0:
            sys.exit(f"report: weasyprint failed: {r.stderr.strip()[:500]}")
        print(f"report: wrote {pdf}")
    else:
        print("report: weasyprint not installed (make deps): no PDF")
    problems = [f"milestone '{m['id']}' names no registered test" for m in rows if not sum(tally[m["id"]].values())]
    problems += [f"milestone '{m['id']}' has no passing test" for m in rows
                 if sum(tally[m["id"]].values()) and not tally[m["id"]]["passed"]]
    for p in problems:
        print("report:", p)
    return 1 if a.check and problems else 0


if __name__ == "__main__":
    sys.exit(main())
