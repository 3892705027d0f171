# Shell functions the command-line tests share; sourced after they set
# mipshv (the binary) and work (a scratch directory).

cases=0 failures=0
# Words put before the ARGS of every expect_error (e.g. a kernel to run).
expect_error_prefix=()

# expect_error DESCRIPTION PATTERN ARGS...: mipshv ARGS must exit with status
# 1 and print exactly one line on stderr, "mipshv: ..." matching PATTERN.
expect_error() {
    local what=$1 pattern=$2
    shift 2
    cases=$((cases + 1))
    "$mipshv" "${expect_error_prefix[@]}" "$@" >"$work/out" 2>"$work/err" </dev/null
    local rc=$? lines
    lines=$(wc -l <"$work/err")
    if [ $rc -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -Eq "^mipshv: .*($pattern)" "$work/err"; then
        echo "FAIL $what: exit $rc, stderr:"; cat "$work/err"
        failures=$((failures + 1))
    else
        echo "ok   $what: $(cat "$work/err")"
    fi
}

# check DESCRIPTION COMMAND...: a case that passes when COMMAND succeeds.
check() {
    local what=$1
    shift
    cases=$((cases + 1))
    if "$@"; then
        echo "ok   $what"
    else
        echo "FAIL $what"
        failures=$((failures + 1))
    fi
}

# summary: how many cases ran and passed; the status is 0 when some ran and all passed.
summary() {
    echo "$((cases - failures)) passed, $failures failed"
    [ $cases -gt 0 ] && [ $failures -eq 0 ]
}
