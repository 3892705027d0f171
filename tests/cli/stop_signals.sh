#!/bin/bash
# stop_signals.sh MIPSHV ENGINE: a stop asked for from outside the guest.
# SIGTERM and SIGINT stop a guest that never stops by itself: mipshv exits
# with 128 + the signal, says so in one line, and still writes its --stats
# record (stop reason "interrupted", the instructions it ran). --timeout
# does the same after that much host time: status 124, reason "timeout".
set -u
mipshv=$1 engine=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"

# A branch to itself, linked as the conformance programs are (kseg0).
printf '.set noreorder\n.section .text.start\n.globl _start\n_start:\n\tb _start\n\tnop\n' >"$work/spin.S"
mips64el-linux-gnuabi64-gcc -march=mips64r2 -mabi=64 -EL -mno-abicalls -fno-pic -msym32 -nostdlib -static \
    -Wl,--build-id=none -T "$(dirname "$0")/../guest/runtime/link.ld" -o "$work/spin.elf" "$work/spin.S" \
    || fail "could not build the spinning guest"

# record_field FILE NAME: a top-level field of the record, as `mipshv stats` prints it.
record_field() {
    "$mipshv" stats "$1" | /usr/bin/python3 -c "import json, sys; r = json.load(sys.stdin); print(r.get('$2', r['totals'].get('$2')))"
}

# stopped_by SIGNAL STATUS: SIGNAL half a second into the run.
stopped_by() {
    local sig=$1 want=$2 rec="$work/$1.rec"
    # (A script's `&` ignores SIGINT, and mipshv keeps an ignored signal ignored.)
    env --default-signal=INT "$mipshv" -kernel "$work/spin.elf" --engine "$engine" --stats "$rec" 2>"$work/err" &
    local pid=$!
    sleep 0.5
    kill -s "$sig" $pid
    # (A mipshv that ignored the signal would run on: the test's limit ends it.)
    limited tail --pid=$pid -f /dev/null
    wait $pid
    local rc=$?
    check "SIG$sig: exit status $want (got $rc)" [ $rc -eq "$want" ]
    check "SIG$sig: one line on stderr: $(head -c 200 "$work/err")" \
        [ "$(cat "$work/err")" = "mipshv: stopped by SIG$sig" ]
    check "SIG$sig: the record was written, stop reason interrupted" \
        [ "$(record_field "$rec" stop_reason)" = interrupted ]
    check "SIG$sig: the record counts the instructions run before the signal" \
        [ "$(record_field "$rec" instructions)" -gt 1000000 ]
}

stopped_by TERM 143
stopped_by INT 130

limited "$mipshv" -kernel "$work/spin.elf" --engine "$engine" --timeout 0.5 --stats "$work/timeout.rec" 2>"$work/err"
rc=$?
check "--timeout 0.5: exit status 124 (got $rc)" [ $rc -eq 124 ]
check "--timeout 0.5: one line on stderr: $(head -c 200 "$work/err")" \
    [ "$(cat "$work/err")" = "mipshv: stopped after --timeout 0.5 s of host time" ]
check "--timeout 0.5: stop reason timeout" [ "$(record_field "$work/timeout.rec" stop_reason)" = timeout ]
check "--timeout 0.5: the run lasted the timeout" \
    /usr/bin/python3 -c "import sys; sys.exit(not float('$(record_field "$work/timeout.rec" wall_seconds)') >= 0.5)"

summary
