# Shell functions the device test scripts (run_virtio_*.sh) share; sourced
# after they set mipshv (the binary), mode, out (OUTDIR) and engines (array).

fails=0
fail() { echo "FAIL: $*"; fails=$((fails + 1)); }

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
  if [ "$rc" -ge 128 ]; then
    fail "$name: mipshv killed by signal $((rc - 128)) (host crash)"
  elif [ "$rc" -ne 0 ]; then
    fail "$name: exit status $rc, want 0"
  fi
  if grep -Eq "Assertion .*failed|terminate called|Sanitizer|runtime error:|Segmentation fault|core dumped|Aborted" "$err"; then
    fail "$name: crash report on stderr"
  fi
  grep "^FAIL" "$con" | head -100
  local last
  last=$(tail -n 1 "$con")
  echo "   console: $last"
  if ! [[ "$last" =~ ^[0-9]+\ checks\ passed$ ]]; then
    fail "$name: console does not end with '<N> checks passed' (last line: $last)"
  fi
  if [ -s "$err" ]; then
    echo "   stderr:"
    sed 's/^/     /' "$err"
  fi
  local dup
  dup=$(sort "$err" | uniq -d)
  [ -z "$dup" ] || fail "$name: stderr lines logged more than once: $dup"
}

# read_record NAME REC JSON STDERR: `mipshv stats REC` into JSON (its
# errors appended to STDERR); fails and returns 1 when there is no readable
# run record.
read_record() {
  if [ -s "$2" ] && "$mipshv" stats "$2" >"$3" 2>>"$4"; then
    return 0
  fi
  fail "$1: no readable run record ($2)"
  return 1
}

# same_console NAME1 NAME2 WHAT: the console logs of two runs identical.
same_console() {
  cmp -s "$out/$1.console" "$out/$2.console" ||
    fail "$3: console logs differ ($(diff "$out/$1.console" "$out/$2.console" | head -5 | tr '\n' ' '))"
}

# finish: the summary line and the exit status.
finish() {
  if [ $fails -eq 0 ]; then
    echo "all checks passed ($mode)"
    exit 0
  fi
  echo "$fails check(s) failed ($mode); logs in $out"
  exit 1
}
