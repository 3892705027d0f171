#!/bin/sh
# run_differential.sh <mipshv> <elf> [engine]
#
# Runs a guest program under QEMU (the reference, see qemu_run.sh) and
# under mipshv (with --engine <engine> when given: jit or interp; mipshv's
# default otherwise), and compares the exit status and the console output
# (QEMU's UHI output vs mipshv's stdout+stderr).  Prints a unified diff on
# mismatch.  Exits 0 when both agree, 1 when they differ or QEMU, the
# reference, is not installed (a missing peer fails, it is not a skip).
set -u
if [ $# -lt 2 ] || [ $# -gt 3 ]; then
	echo "usage: $0 <mipshv> <elf> [engine]" >&2
	exit 2
fi
mipshv=$1
elf=$2
engine=${3:-}
name=$(basename "$elf" .elf)
# "mipshv" or "mipshv-jit", "mipshv-interp": names the side in messages.
side=mipshv${engine:+-$engine}
here=$(cd "$(dirname "$0")" && pwd)

if ! command -v qemu-system-mips64el >/dev/null 2>&1; then
	echo "FAIL: qemu-system-mips64el, the reference, not found: install it with make deps"
	exit 1
fi

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

QEMU_TIMEOUT=30 "$here/qemu_run.sh" "$elf" >"$tmp/qemu.out"
qrc=$?
timeout "${MIPSHV_TIMEOUT:-60}" "$mipshv" ${engine:+--engine "$engine"} -kernel "$elf" -semihosting \
	>"$tmp/mipshv.out" 2>&1 </dev/null
mrc=$?

status=0
if ! cmp -s "$tmp/qemu.out" "$tmp/mipshv.out"; then
	echo "FAIL: $name: console output differs (qemu vs $side)"
	diff -u --label "qemu/$name" --label "$side/$name" \
		"$tmp/qemu.out" "$tmp/mipshv.out"
	status=1
fi
if [ "$qrc" -ne "$mrc" ]; then
	echo "FAIL: $name: exit status differs: qemu $qrc, $side $mrc"
	status=1
fi
if [ "$status" -eq 0 ]; then
	echo "PASS: $name: qemu and $side: exit status $qrc and $(wc -l <"$tmp/qemu.out") output lines identical"
fi
exit $status
