#!/bin/bash
# Runs fuzz harnesses built by tests/fuzz/project: for each one, first every
# committed regression input once (regressions/<harness>/), then libFuzzer
# for SECONDS on the committed seeds (corpus/<harness>/) plus the
# regressions. New interesting inputs go to WORK/<harness>/, never into the
# committed corpus; crash, leak and timeout inputs to WORK/<harness>-crash-*.
# The last line per harness is "fuzz.<harness>: N executions in S s, ...".
#
#   run.sh --build DIR --work DIR [--seconds S] [--jobs J] [--fresh] HARNESS...
#
# --fresh empties WORK/<harness>/ first (the ctest smoke runs); without it a
# campaign continues from what earlier ones found. --jobs runs J harnesses at
# a time. Exit status 1 when any harness found something or did not run.
set -u
here=$(cd "$(dirname "$0")" && pwd)
build= work= seconds=60 jobs=1 fresh=0
harnesses=()
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$2; shift 2 ;;
        --work) work=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --jobs) jobs=$2; shift 2 ;;
        --fresh) fresh=1; shift ;;
        -*) echo "run.sh: unknown option $1" >&2; exit 2 ;;
        *) harnesses+=("$1"); shift ;;
    esac
done
if [ -z "$build" ] || [ -z "$work" ] || [ ${#harnesses[@]} -eq 0 ]; then
    echo "usage: run.sh --build DIR --work DIR [--seconds S] [--jobs J] [--fresh] HARNESS..." >&2
    exit 2
fi
mkdir -p "$work"
work=$(cd "$work" && pwd)

# Sanitizer reports abort with a stack; leaks are checked (LeakSanitizer).
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run_one() {
    local name=$1 bin=$build/fuzz_$1 log=$work/$1.log
    local seeds=$here/corpus/$1 regressions=$here/regressions/$1
    if [ ! -x "$bin" ]; then
        echo "fuzz.$name: no harness binary $bin (build tests/fuzz/project first)"
        return 1
    fi
    [ "$fresh" = 1 ] && rm -rf "${work:?}/$name"
    mkdir -p "$work/$name"
    : > "$log"

    # 1. Every regression input, once each: a bug found before must stay fixed.
    local replayed=0
    if [ -d "$regressions" ] && [ -n "$(ls -A "$regressions")" ]; then
        replayed=$(ls -A "$regressions" | wc -l)
        if ! "$bin" "$regressions"/* >> "$log" 2>&1; then
            tail -n 60 "$log"
            echo "fuzz.$name: FAILED: a regression input of $regressions crashes again (log: $log)"
            return 1
        fi
    fi

    # 2. Fuzzing from the seeds (and the regressions as seeds too). The
    # devices log every guest error and bus error of every input on stderr
    # (gigabytes in a long campaign), so the target's stderr is closed
    # (-close_fd_mask=2); libFuzzer's own output and sanitizer reports
    # still reach the log, and a finding is replayed below with its messages.
    local dict=()
    case "$name" in options|device_tree) dict=(-dict="$here/options.dict") ;; esac
    local dirs=("$work/$name" "$seeds")
    [ -d "$regressions" ] && dirs+=("$regressions")
    local start=$SECONDS status=0
    "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=20000 -print_final_stats=1 \
        -close_fd_mask=2 -artifact_prefix="$work/$name-" "${dict[@]}" "${dirs[@]}" >> "$log" 2>&1 || status=$?
    local runs cov
    runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
    cov=$(grep -o 'cov: [0-9]*' "$log" | tail -n 1)
    if [ "$status" != 0 ]; then
        tail -n 60 "$log"
        local finding
        finding=$(ls -t "$work/$name"-* 2>/dev/null | head -n 1)
        if [ -n "$finding" ]; then
            echo "--- $finding replayed with the harness's own messages:"
            "$bin" "$finding" 2>&1 | grep -v '^INFO:' | tail -n 40
        fi
        echo "fuzz.$name: FAILED after ${runs:-?} executions: the input is ${finding:-in $work} (log: $log)"
        return 1
    fi
    echo "fuzz.$name: ${runs:-0} executions in $((SECONDS - start)) s ($cov; $(ls "$work/$name" | wc -l) new inputs in $work/$name; $replayed regressions replayed)"
}

failed=0
if [ "$jobs" -le 1 ]; then
    for name in "${harnesses[@]}"; do run_one "$name" || failed=1; done
else
    # J at a time; each harness's lines come out together when it ends.
    running=0
    for name in "${harnesses[@]}"; do
        ( run_one "$name" > "$work/$name.summary" 2>&1 ) &
        running=$((running + 1))
        if [ "$running" -ge "$jobs" ]; then wait -n; running=$((running - 1)); fi
    done
    wait
    for name in "${harnesses[@]}"; do
        cat "$work/$name.summary"
        grep -q "^fuzz.$name: [0-9]* executions" "$work/$name.summary" || failed=1
    done
fi
exit $failed
