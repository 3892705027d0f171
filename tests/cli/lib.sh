# Shell functions the command-line tests share; sourced after they set
# mipshv (the binary) and work (a scratch directory). The counting (pass,
# fail, check, summary) is tests/checks.sh's.

. "$(dirname "${BASH_SOURCE[0]}")/../checks.sh"
# Every cli test has a ctest TIMEOUT of 60 s or more: expect_error's runs end
# within 50 s of the start, unless a test gives itself a later deadline.
deadline 50

# Words put before the ARGS of every expect_error (e.g. a kernel to run).
expect_error_prefix=()

# expect_error DESCRIPTION PATTERN ARGS...: mipshv ARGS must exit with status
# 1 and print exactly one line on stderr, "mipshv: ..." matching PATTERN
# (within the test's deadline: a run that hangs fails with status 124).
expect_error() {
    local what=$1 pattern=$2
    shift 2
    limited "$mipshv" "${expect_error_prefix[@]}" "$@" >"$work/out" 2>"$work/err" </dev/null
    local rc=$? lines
    lines=$(wc -l <"$work/err")
    if [ $rc -ne 1 ] || [ "$lines" -ne 1 ] || ! grep -Eq "^mipshv: .*($pattern)" "$work/err"; then
        fail "$what: exit $rc, stderr:"; cat "$work/err"
    else
        pass "$what: $(cat "$work/err")"
    fi
}
