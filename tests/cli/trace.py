#!/usr/bin/python3
"""What `--trace FILE` writes (MANUAL.md section 2): one line per executed
instruction, `PC: WORD  DISASSEMBLY`, under the engine given (the translator
runs the interpreter's path while tracing).

For alu32.elf (straight-line checks, no exceptions):
  - the run with --trace prints the same console output and retires the
    same instructions as one without;
  - every line is well formed; the first is the ELF's entry point, and the
    first 14 follow crt0 instruction by instruction (into its .bss loop);
  - each traced word is the ELF's word at that PC; each line's disassembly
    agrees with binutils' objdump (mnemonic and operands, objdump's `li`
    alias and coprocessor register names aside);
  - control flow: each PC follows the one before (PC + 4, or after a
    branch's delay slot the branch's target or fall-through);
  - as many lines as instructions retired (the RunRecord's totals);
  - with --max-insns 1000 the trace is the first 1000 (1001 when the
    budget ends between a branch and its delay slot) lines of the full one.
For traps.elf: a trapping instruction is traced but not retired: lines =
instructions + exceptions, and each trap is followed by the exception
vector (EBase + 0x180).

usage: trace.py MIPSHV GUEST_DIR WORKDIR ENGINE
(The whole test stays within 100 s, below ctest's 120 s.)

The traces and records stay in WORKDIR.
"""
import os
import re
import shutil
import struct
import subprocess
import sys

from checks import Budget, Checks  # experiments/, on PYTHONPATH
from records import record

LINE = re.compile(r"([0-9a-f]{16}): ([0-9a-f]{8})  (\S.*)")
OBJDUMP = "mips64el-linux-gnuabi64-objdump"
# crt0.S's first instructions: clear Cause, EBase = 0x80000000, hazard barrier,
# then the loop that zeroes .bss (entry + 0x20 to + 0x30, closed by a `b`).
CRT0 = ["mtc0 $zero, $13, 0", "lui $t0, 0x8000", "mtc0 $t0, $15, 1", "ehb", "lui $t0, 0x8010"]
VECTOR = 0xFFFFFFFF80000180  # EBase (crt0: 0x80000000) + 0x180
# objdump's names of registers that the trace gives as numbers ($13, 31):
# operands of these instructions are compared for their general registers only.
COPROCESSOR_MOVES = {"mtc0", "mfc0", "dmtc0", "dmfc0", "ctc1", "cfc1", "mthc0", "mfhc0"}
DELAY_SLOT_BRANCHES = re.compile(r"^(b|bal|beq|bne|bgez|bgtz|blez|bltz|bgezal|bltzal|beqz|bnez|bc1[ft]|j|jal)l?$")
INDIRECT_JUMPS = {"jr", "jalr", "jr.hb", "jalr.hb"}


def elf(path):
    """(entry, {vaddr: 32-bit word}) of an ELF64 little-endian executable's PT_LOAD segments."""
    data = open(path, "rb").read()
    entry, phoff = struct.unpack_from("<QQ", data, 0x18)
    phentsize, phnum = struct.unpack_from("<HH", data, 0x36)
    words = {}
    for k in range(phnum):
        p_type, _, p_offset, p_vaddr, _, p_filesz = struct.unpack_from("<IIQQQQ", data, phoff + k * phentsize)
        if p_type == 1:
            for off in range(0, p_filesz - 3, 4):
                words[p_vaddr + off] = struct.unpack_from("<I", data, p_offset + off)[0]
    return entry, words


def objdump(path):
    """{pc: (mnemonic, operand text)} from objdump -d."""
    out = subprocess.run([OBJDUMP, "-d", "--no-show-raw-insn", path], capture_output=True, text=True,
                         check=True).stdout
    insns = {}
    for line in out.splitlines():
        m = re.match(r"\s*([0-9a-f]+):\s+(\S+)\s*(.*)", line)
        if m:
            insns[int(m.group(1), 16)] = (m.group(2), m.group(3))
    return insns


def operands(text, hex_addresses=False):
    """Operands compared: registers without '$', numbers as ints, offset(base) as (int, base)."""
    text = re.sub(r"<[^>]*>", "", text).replace("$", "").strip()
    result = []
    for t in (x.strip() for x in text.split(",")) if text else ():
        m = re.fullmatch(r"(-?(?:0x[0-9a-f]+|\d+))?\((\w+)\)", t)
        if m:
            result.append((int(m.group(1) or "0", 0), m.group(2)))
        elif re.fullmatch(r"-?(?:0x[0-9a-f]+|\d+)", t) and not (hex_addresses and re.fullmatch(r"[0-9a-f]{16}", t)):
            result.append(int(t, 0))
        elif hex_addresses and re.fullmatch(r"[0-9a-f]{8,16}", t):
            result.append(int(t, 16))
        else:
            result.append(t)
    return result


def same_disassembly(traced, reference):
    """Whether the trace's disassembly says what objdump's does."""
    mnemonic, _, ops = traced.partition(" ")
    ref_mnemonic, ref_ops = reference
    mine, theirs = operands(ops), operands(ref_ops, hex_addresses=True)
    if ref_mnemonic == "li" and mnemonic in ("addiu", "daddiu", "ori") and mine[1:2] == ["zero"]:
        ref_mnemonic, theirs = mnemonic, theirs[:1] + ["zero"] + theirs[1:]  # objdump's alias
    if mnemonic != ref_mnemonic:
        return False
    if mnemonic in COPROCESSOR_MOVES:
        return mine[:1] == theirs[:1]  # the general register
    # 16-bit immediates: Capstone prints some unsigned (0xffff), objdump signed (-1).
    norm = lambda v: v & 0xFFFF if isinstance(v, int) and -0x8000 <= v <= 0xFFFF else v  # noqa: E731
    return [norm(v) for v in mine] == [norm(v) for v in theirs]


def parse_trace(path):
    """[(pc, word, disassembly)] and the lines that did not parse."""
    lines, bad = [], []
    with open(path) as f:
        for text in f:
            m = LINE.fullmatch(text.rstrip("\n"))
            if m:
                lines.append((int(m.group(1), 16), int(m.group(2), 16), m.group(3)))
            else:
                bad.append(text)
    return lines, bad


def flow_errors(lines, reference):
    """Consecutive PCs that do not follow: not PC + 4, and not a branch's target or fall-through
    after its delay slot (targets from objdump; any target for an indirect jump)."""
    errors = []
    for k in range(1, len(lines) - 1):
        pc, nxt = lines[k][0], lines[k + 1][0]
        prev_pc, prev_word, prev_text = lines[k - 1]
        prev_mnemonic = prev_text.split()[0]
        if prev_mnemonic in INDIRECT_JUMPS and pc == prev_pc + 4:
            continue  # after a jr/jalr's delay slot: anywhere
        if DELAY_SLOT_BRANCHES.match(reference.get(prev_pc, ("?",))[0]) and pc == prev_pc + 4:
            target = [v for v in operands(reference[prev_pc][1], hex_addresses=True) if isinstance(v, int)]
            if nxt in target[-1:] or nxt == prev_pc + 8:
                continue
            errors.append((k, hex(prev_pc), hex(pc), hex(nxt)))
            continue
        mnemonic = lines[k][2].split()[0]
        if nxt == pc + 4 or mnemonic in INDIRECT_JUMPS or DELAY_SLOT_BRANCHES.match(reference.get(pc, ("?",))[0]) \
                or mnemonic == "eret":
            continue
        errors.append((k, hex(pc), hex(nxt)))
    return errors


def run(mipshv, engine, elf_path, work, name, extra=(), budget=None):
    """mipshv --engine ENGINE -kernel ELF -semihosting EXTRA --stats: (status, console output, record)."""
    stats = os.path.join(work, name + ".pb")
    argv = [mipshv, "--engine", engine, "-kernel", elf_path, "-semihosting", "--stats", stats, *extra]
    r = subprocess.run(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                       timeout=budget.left(20) if budget else 20)
    return r.returncode, r.stdout, record(mipshv, stats)


def main():
    mipshv, guests, work, engine = sys.argv[1:5]
    shutil.rmtree(work, ignore_errors=True)
    os.makedirs(work)
    check = Checks()
    budget = Budget(100)
    program = os.path.join(guests, "alu32.elf")
    entry, words = elf(program)
    reference = objdump(program)

    # alu32 without and with --trace.
    plain_status, plain_out, plain_rec = run(mipshv, engine, program, work, "plain", budget=budget)
    trace_path = os.path.join(work, "alu32.trace")
    status, out, rec = run(mipshv, engine, program, work, "traced", ["--trace", trace_path], budget=budget)
    insns = int(rec["totals"]["instructions"])
    check("alu32 runs to its exit 0 with and without --trace", status == 0 and plain_status == 0,
          (plain_status, status))
    check("--trace changes neither the console output nor the instructions retired",
          out == plain_out and insns == int(plain_rec["totals"]["instructions"]),
          (insns, plain_rec["totals"]["instructions"]))
    check(f"the record names the engine ({engine})", rec["config"]["engine"] == engine, rec["config"])
    lines, bad = parse_trace(trace_path)
    check(f"every line is 'PC: WORD  DISASSEMBLY' ({len(lines)} lines)", lines and not bad, bad[:3])
    check(f"as many lines as instructions retired ({insns})", len(lines) == insns, f"{len(lines)} lines")
    check(f"the first line is the ELF's entry point {entry:#x}", lines and lines[0][0] == entry, lines[:1])
    check("the first 13 lines are crt0's first 13 instructions in order, the 14th its loop's branch target",
          [pc for pc, _, _ in lines[:14]] == [entry + 4 * k for k in range(13)] + [entry + 0x20]
          and [text for _, _, text in lines[:len(CRT0)]] == CRT0,
          [f"{pc:x}: {text}" for pc, _, text in lines[:14]])
    wrong_words = [(hex(pc), f"{w:08x}", f"{words.get(pc, 0):08x}") for pc, w, _ in lines if words.get(pc) != w]
    check("every traced word is the ELF's word at that PC", not wrong_words, wrong_words[:5])
    unique = {pc: text for pc, _, text in lines}
    disagree = [(hex(pc), text, reference.get(pc)) for pc, text in sorted(unique.items())
                if pc not in reference or not same_disassembly(text, reference[pc])]
    check(f"the disassembly agrees with objdump's at all {len(unique)} PCs", not disagree, disagree[:5])
    errors = flow_errors(lines, reference)
    check("each PC follows from the one before (PC + 4, a branch's target or fall-through)", not errors, errors[:5])

    # An exact stop: the trace of --max-insns 1000 is the start of the full one.
    short_path = os.path.join(work, "alu32-1000.trace")
    status, _, rec = run(mipshv, engine, program, work, "short", ["--trace", short_path, "--max-insns", "1000"],
                         budget=budget)
    short, bad = parse_trace(short_path)
    check("--max-insns 1000 --trace: status 3, 1000 lines (1001 ending in a delay slot), the first of the full trace",
          status == 3 and not bad and len(short) in (1000, 1001) and len(short) == int(rec["totals"]["instructions"])
          and short == lines[:len(short)], (status, len(short), rec["totals"].get("instructions")))

    # Exceptions: a trapping instruction is traced, not retired, and the vector follows it.
    program = os.path.join(guests, "traps.elf")
    trace_path = os.path.join(work, "traps.trace")
    status, _, rec = run(mipshv, engine, program, work, "traps", ["--trace", trace_path], budget=budget)
    lines, bad = parse_trace(trace_path)
    insns, exceptions = int(rec["totals"]["instructions"]), int(rec["vcpus"][0]["counters"]["exceptions"])
    to_vector = sum(1 for k in range(len(lines) - 1) if lines[k + 1][0] == VECTOR and lines[k][0] != VECTOR - 4)
    check(f"traps: status 0, {exceptions} traps taken", status == 0 and not bad and exceptions > 0,
          (status, bad[:3], exceptions))
    check(f"traps: lines = instructions + exceptions ({len(lines)} = {insns} + {exceptions})",
          len(lines) == insns + exceptions, len(lines) - insns)
    check(f"traps: each trap's line is followed by the vector {VECTOR:#x} ({to_vector})", to_vector == exceptions,
          to_vector)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
