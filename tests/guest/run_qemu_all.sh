#!/bin/sh
# run_qemu_all.sh [-v] [build-dir] [name...]
#
# Builds every guest program (a standalone CMake build of tests/guest,
# default build dir: $TMPDIR/mipshv-guest-build) and runs each one under
# QEMU, the reference.  Reports PASS/FAIL per program with its summary line
# and run time; -v also prints the full console output of failing
# programs.  Exits 1 if any program fails.
set -u
verbose=0
if [ "${1:-}" = "-v" ]; then
	verbose=1
	shift
fi
here=$(cd "$(dirname "$0")" && pwd)
build=${1:-${TMPDIR:-/tmp}/mipshv-guest-build}
[ $# -gt 0 ] && shift

command -v qemu-system-mips64el >/dev/null 2>&1 ||
	{ echo "qemu-system-mips64el not found" >&2; exit 2; }
cmake -S "$here" -B "$build" >/dev/null || exit 2
cmake --build "$build" -j "$(nproc 2>/dev/null || echo 2)" >"$build/build.log" 2>&1 ||
	{ cat "$build/build.log"; exit 2; }
grep -E "warning|error" "$build/build.log"

pass=0
fail=0
failed=""
for elf in "$build"/*.elf; do
	name=$(basename "$elf" .elf)
	if [ $# -gt 0 ]; then
		case " $* " in *" $name "*) ;; *) continue ;; esac
	fi
	start=$(date +%s%N)
	out=$("$here/qemu_run.sh" "$elf")
	rc=$?
	ms=$(( ($(date +%s%N) - start) / 1000000 ))
	summary=$(printf '%s\n' "$out" | tail -n 1)
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		printf 'PASS %-16s %5d ms  %s\n' "$name" "$ms" "$summary"
	else
		fail=$((fail + 1))
		failed="$failed $name"
		printf 'FAIL %-16s %5d ms  exit %d\n' "$name" "$ms" "$rc"
		if [ "$verbose" -eq 1 ]; then
			printf '%s\n' "$out" | sed 's/^/    /'
		else
			printf '%s\n' "$out" | grep FAIL | sed 's/^/    /'
		fi
	fi
done
echo "$pass passed, $fail failed${failed:+:$failed}"
[ "$fail" -eq 0 ]
