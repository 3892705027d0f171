#!/usr/bin/python3
"""A random differential campaign against QEMU (README.md, "Against QEMU").

    tests/fuzz_engines/qemu_campaign.py [--cases N] [--seed S] [--first K]
        [--case K] [--jobs J] [--batch B] [--out DIR]
        [--engine-fuzz BIN] [--mipshv BIN]

engine_fuzz --write-elf writes B cases of its QEMU-comparable subset as one
bare-metal ELF; each ELF runs under qemu-system-mips64el (the reference,
tests/guest/qemu_run.sh) and under mipshv with each engine (jit, interp).
Every case dumps its architectural state through UHI semihosting (a
"case<K>" line, then GPRs, HI/LO, FPRs, FCSR and checksums of the memory the
program writes); the dumps are compared case by case. A mismatching case is
written again as an ELF of its own and kept in DIR/seed<S>-case<K>/ with
the three outputs and the command that reproduces it. The last line is
"fuzz-qemu: N passed, M failed"; the exit status is 1 when a case failed.
"""
import argparse
import concurrent.futures
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))
QEMU_RUN = os.path.join(ROOT, "tests", "guest", "qemu_run.sh")
ENGINES = ("jit", "interp")


def run(cmd, timeout, env=None):
    """stdout of cmd (bytes) and a short status: 'ok', 'exit N', 'timeout'."""
    try:
        p = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, stdin=subprocess.DEVNULL,
                           timeout=timeout, env=env)
    except subprocess.TimeoutExpired as e:
        return e.stdout or b"", "timeout"
    return p.stdout, "ok" if p.returncode == 0 else "exit %d" % p.returncode


def split_cases(out):
    """{case number: its dump text} from one program's output."""
    cases, cur, lines = {}, None, []
    for line in out.decode("latin-1").splitlines(keepends=True):
        if line.startswith("case") and len(line.rstrip("\n")) == 20:
            if cur is not None:
                cases[cur] = "".join(lines)
            cur, lines = int(line[4:20], 16), [line]
        elif cur is not None:
            lines.append(line)
    if cur is not None:
        cases[cur] = "".join(lines)
    return cases


def first_difference(a, b):
    al, bl = a.splitlines(), b.splitlines()
    for x, y in zip(al, bl):
        if x != y:
            return "%s: qemu %s, mipshv %s" % (x[:4].strip(), x[4:], y[4:])
    return "dump of %d lines vs %d" % (len(al), len(bl))


def write_elf(args, path, first, count):
    cmd = [args.engine_fuzz, "--seed", str(args.seed), "--first", str(first), "--cases", str(count), "--write-elf", path]
    subprocess.run(cmd, check=True)


def run_all(args, elf):
    """Outputs of QEMU and of mipshv under each engine, with their status."""
    env = dict(os.environ, QEMU_TIMEOUT=str(args.timeout))
    res = {"qemu": run([QEMU_RUN, elf], args.timeout + 5, env)}
    for e in ENGINES:
        res[e] = run([args.mipshv, "--engine", e, "-kernel", elf, "-semihosting"], args.timeout)
    return res


def compare(ks, res):
    """[(k, None or reason)] for cases ks."""
    dumps = {side: split_cases(out) for side, (out, _) in res.items()}
    verdicts = []
    for k in ks:
        q = dumps["qemu"].get(k)
        reason = None
        if q is None:
            reason = "no dump from qemu (%s)" % res["qemu"][1]
        else:
            for e in ENGINES:
                m = dumps[e].get(k)
                if m is None:
                    reason = "no dump from mipshv-%s (%s)" % (e, res[e][1])
                elif m != q:
                    reason = "mipshv-%s: %s" % (e, first_difference(q, m))
                if reason:
                    break
        verdicts.append((k, reason))
    return verdicts


def keep(args, k, reason, batch_elf, batch_res):
    """The case as an ELF of its own, the outputs, a reproducer."""
    d = os.path.join(args.out, "seed%d-case%d" % (args.seed, k))
    os.makedirs(d, exist_ok=True)
    elf = os.path.join(d, "case.elf")
    write_elf(args, elf, k, 1)
    res = run_all(args, elf)
    alone = compare([k], res)[0][1]
    for side, (out, status) in res.items():
        with open(os.path.join(d, side + ".out"), "wb") as f:
            f.write(out)
    if alone is None:
        # Only in its batch (state left by an earlier case): keep that too.
        shutil.copy(batch_elf, os.path.join(d, "batch.elf"))
        for side, (out, status) in batch_res.items():
            with open(os.path.join(d, "batch-" + side + ".out"), "wb") as f:
                f.write(out)
    repro = ("tests/fuzz_engines/qemu_campaign.py --engine-fuzz %s --mipshv %s --seed %d --case %d"
             % (args.engine_fuzz, args.mipshv, args.seed, k))
    with open(os.path.join(d, "README"), "w") as f:
        f.write("seed %d case %d: %s\n" % (args.seed, k, reason))
        f.write("alone: %s\n" % (alone or "passes alone; batch.elf and batch-*.out fail"))
        f.write("reproduce: %s\n" % repro)
        f.write("by hand: tests/guest/qemu_run.sh case.elf; %s --engine jit -kernel case.elf -semihosting\n"
                % args.mipshv)
        f.write("program: %s --seed %d --case %d --qemu-subset --dump\n" % (args.engine_fuzz, args.seed, k))
    return d, repro


def batch(args, first, count, tmp):
    elf = os.path.join(tmp, "batch-%d.elf" % first)
    write_elf(args, elf, first, count)
    res = run_all(args, elf)
    verdicts = compare(range(first, first + count), res)
    kept = []
    for k, reason in verdicts:
        if reason:
            kept.append((k, reason) + keep(args, k, reason, elf, res))
    os.unlink(elf)
    return verdicts, kept


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--cases", type=int, default=3000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--first", type=int, default=0)
    ap.add_argument("--case", type=int, help="only this case (a reproducer)")
    ap.add_argument("--jobs", type=int, default=1)
    ap.add_argument("--batch", type=int, default=100, help="cases per ELF (1..256)")
    ap.add_argument("--timeout", type=int, default=60, help="seconds per program run")
    ap.add_argument("--out", default=None, help="where mismatches are kept (default: a new directory in $TMPDIR)")
    ap.add_argument("--engine-fuzz", default=os.path.join(ROOT, "build", "tests", "fuzz_engines", "engine_fuzz"))
    ap.add_argument("--mipshv", default=os.path.join(ROOT, "build", "mipshv"))
    args = ap.parse_args()
    if args.case is not None:
        args.first, args.cases, args.batch = args.case, 1, 1
    args.engine_fuzz = os.path.abspath(args.engine_fuzz)
    args.mipshv = os.path.abspath(args.mipshv)
    for what, path in (("engine_fuzz", args.engine_fuzz), ("mipshv", args.mipshv)):
        if not os.access(path, os.X_OK):
            print("fuzz-qemu: %s not found at %s (build it, or pass --%s)" % (what, path, what.replace("_", "-")))
            print("fuzz-qemu: 0 passed, %d failed" % args.cases)
            return 2
    if shutil.which("qemu-system-mips64el") is None:
        print("fuzz-qemu: qemu-system-mips64el, the reference, not found: install it with make deps")
        print("fuzz-qemu: 0 passed, %d failed" % args.cases)
        return 1
    args.batch = max(1, min(args.batch, 256))
    args.out = os.path.abspath(args.out or tempfile.mkdtemp(prefix="fuzz-qemu.", dir=os.environ.get("TMPDIR")))
    os.makedirs(args.out, exist_ok=True)
    start = time.monotonic()
    passed = failed = 0
    with tempfile.TemporaryDirectory(prefix="fuzz-qemu-batch.") as tmp:
        with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
            futures = []
            for first in range(args.first, args.first + args.cases, args.batch):
                n = min(args.batch, args.first + args.cases - first)
                futures.append(pool.submit(batch, args, first, n, tmp))
            for fut in futures:
                verdicts, kept = fut.result()
                for k, reason in verdicts:
                    if reason:
                        failed += 1
                    else:
                        passed += 1
                for k, reason, d, repro in kept:
                    print("fuzz-qemu: MISMATCH seed=%d case=%d: %s" % (args.seed, k, reason))
                    print("  kept in %s; reproduce: %s" % (d, repro))
                sys.stdout.flush()
    secs = time.monotonic() - start
    total = passed + failed
    print("fuzz-qemu: seed %d, cases %d..%d, %d per ELF, %.1f s, %.1f cases/s; mismatches kept in %s"
          % (args.seed, args.first, args.first + args.cases - 1, args.batch, secs, total / secs if secs else 0, args.out))
    if failed == 0 and args.case is None:
        shutil.rmtree(args.out, ignore_errors=True)
    print("fuzz-qemu: %d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
