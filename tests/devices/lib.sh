# Shell functions the device test scripts (run_virtio_*.sh) share; sourced
# after they set mipshv (the binary), mode, out (OUTDIR), engines (array)
# and py (Python 3). The counting (pass, fail, check, summary) is
# tests/checks.sh's.

. "$(dirname "${BASH_SOURCE[0]}")/../checks.sh"
deadline 110  # ctest gives every device test 120 s; the scripts run mipshv through `limited`
# experiments/ on Python's path: nets.read_pcap, the one pcap reader.
export PYTHONPATH
PYTHONPATH=$(cd "$(dirname "${BASH_SOURCE[0]}")/../../experiments" && pwd)${PYTHONPATH:+:$PYTHONPATH}

# need_one_engine / need_engines: MODE takes one ENGINE, or two or more.
need_one_engine() {
  [ ${#engines[@]} -eq 1 ] || { echo "MODE $mode takes one ENGINE" >&2; exit 2; }
}
need_engines() {
  [ ${#engines[@]} -ge 2 ] || { echo "MODE engines takes two ENGINEs or more" >&2; exit 2; }
}

# check_run NAME RC CONSOLE STDERR: what every run of mipshv must show: exit
# status 0 (no signal, no crash report on stderr), a console that ends with
# "<N> checks passed" (its FAIL lines are shown), no stderr line twice.
check_run() {
  local name=$1 rc=$2 con=$3 err=$4
  if [ "$rc" -eq 124 ]; then
    fail "$name: mipshv still ran when the test's time was up (its console: $con)"
  elif [ "$rc" -ge 128 ]; then
    fail "$name: mipshv killed by signal $((rc - 128)) (host crash)"
  elif [ "$rc" -ne 0 ]; then
    fail "$name: exit status $rc, want 0"
  else
    pass "$name: exit status 0"
  fi
  if grep -Eq "Assertion .*failed|terminate called|Sanitizer|runtime error:|Segmentation fault|core dumped|Aborted" "$err"; then
    fail "$name: crash report on stderr"
  else
    pass "$name: no crash report on stderr"
  fi
  grep "^FAIL" "$con" | head -100 | sed 's/^/   console: /'
  local last
  last=$(tail -n 1 "$con")
  if [[ "$last" =~ ^[0-9]+\ checks\ passed$ ]]; then
    pass "$name: console ends with '$last'"
  else
    fail "$name: console does not end with '<N> checks passed' (last line: $last)"
  fi
  if [ -s "$err" ]; then
    echo "   stderr:"
    sed 's/^/     /' "$err"
  fi
  local dup
  dup=$(sort "$err" | uniq -d)
  if [ -z "$dup" ]; then
    pass "$name: no stderr line logged twice"
  else
    fail "$name: stderr lines logged more than once: $dup"
  fi
}

# read_record NAME REC JSON STDERR: `mipshv stats REC` into JSON (its
# errors appended to STDERR); fails and returns 1 when there is no readable
# run record.
read_record() {
  if [ -s "$2" ] && limited "$mipshv" stats "$2" >"$3" 2>>"$4"; then
    return 0
  fi
  fail "$1: no readable run record ($2)"
  return 1
}

# check_expected NAME JSON CONSOLE KIND [all]: the counters of the first
# device of KIND (virtio-blk, virtio-net) in the run record JSON are what
# the program printed on CONSOLE as "expect COUNTER VALUE" lines, each one;
# with "all", every counter of the device must have such a line.
check_expected() {
  local name=$1 result
  if result=$("$py" - "$2" "$3" "$4" "${5:-}" 2>&1 <<'EOF'
import json, sys
record, console, kind, every = sys.argv[1:5]
devices = [d for d in json.load(open(record)).get("devices", []) if d.get("kind") == kind]
if not devices:
    sys.exit("no %s device in the run record" % kind)
counters = {k: int(v) for k, v in devices[0].get("counters", {}).items()}
print("%s: %s" % (devices[0].get("name"), " ".join("%s=%d" % kv for kv in sorted(counters.items()))))
expect = {}
for line in open(console, errors="replace"):
    w = line.split()
    if len(w) == 3 and w[0] == "expect":
        expect[w[1]] = int(w[2])
bad = [] if expect else ["no 'expect COUNTER VALUE' lines on the console"]
for counter, value in sorted(expect.items()):
    if counter not in counters:
        bad.append("counter %s missing from the run record" % counter)
    elif counters[counter] != value:
        bad.append("counter %s = %d, the program expects %d" % (counter, counters[counter], value))
if every:
    bad += ["counter %s = %d, and the program expects nothing of it" % kv
            for kv in sorted(counters.items()) if kv[0] not in expect]
print("\n".join(bad) or "%d counters as the program expects" % len(expect))
sys.exit(1 if bad else 0)
EOF
  ); then
    echo "   ${result%%$'\n'*}"
    pass "$name: ${result##*$'\n'}"
  else
    fail "$name: the run record's counters are not what the program expects:"
    sed 's/^/     /' <<<"$result"
  fi
}

# same_console NAME1 NAME2 WHAT: the console logs of two runs identical.
same_console() {
  if cmp -s "$out/$1.console" "$out/$2.console"; then
    pass "$3: console logs identical"
  else
    fail "$3: console logs differ ($(diff "$out/$1.console" "$out/$2.console" | head -5 | tr '\n' ' '))"
  fi
}

# finish: the summary line and the exit status.
finish() {
  summary && exit 0
  echo "logs in $out"
  exit 1
}
