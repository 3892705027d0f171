# The pass/fail counting every shell test shares (sourced by tests/cli/lib.sh,
# tests/devices/lib.sh and the .sh tests of tests/linux): one "ok   ..." or
# "FAIL ..." line a check, and the summary line the Python tests print too
# (experiments/checks.py).

cases=0 failures=0

# pass DESCRIPTION... / fail DESCRIPTION...: one check that passed or failed.
pass() {
    cases=$((cases + 1))
    echo "ok   $*"
}
fail() {
    cases=$((cases + 1))
    failures=$((failures + 1))
    echo "FAIL $*"
}

# check DESCRIPTION COMMAND...: a check that passes when COMMAND succeeds.
check() {
    local what=$1
    shift
    if "$@"; then
        pass "$what"
    else
        fail "$what"
    fi
}

# deadline SECONDS: the test's time from now, below the TIMEOUT of its ctest
# registration, so that a hang is reported by the test rather than killed by
# ctest; `limited` runs the test's long commands within it. (Without a
# deadline, limited sets no limit.)
test_end=
deadline() {
    test_end=$((SECONDS + $1))
}

# limited COMMAND...: COMMAND, killed when the test's time is up (status 124,
# as timeout(1) gives; 137 if it had to be killed with SIGKILL 5 s later).
limited() {
    [ -n "$test_end" ] || { "$@"; return; }
    local left=$((test_end - SECONDS))
    if [ $left -le 0 ]; then
        echo "the test's time is up: $*"
        return 124
    fi
    timeout --kill-after=5 "$left" "$@"
}

# summary: "N passed, M failed"; the status is 0 when some checks ran and all passed.
summary() {
    echo "$((cases - failures)) passed, $failures failed"
    [ $cases -gt 0 ] && [ $failures -eq 0 ]
}
