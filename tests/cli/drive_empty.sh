#!/bin/bash
# drive_empty.sh MIPSHV GUEST_DIR: an empty (0-byte) -drive image is refused
# (MANUAL.md section 3): one line on stderr, "mipshv: -drive file=PATH: the
# image is empty", status 1, before the guest runs, whatever the drive's
# options and wherever it stands among the drives; the file is left as it
# was (still empty, not locked). A one-sector image next to it is accepted.
# (Every run ends within lib.sh's deadline, below ctest's 60 s.)
set -u
mipshv=$1 guests=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
good=$guests/alu32.elf
. "$(dirname "$0")/lib.sh"

empty=$work/empty.img
: >"$empty"
truncate -s 512 "$work/one-sector.img"
v=format=raw,if=virtio
expect_error_prefix=(-kernel "$good" -semihosting --engine jit)
named="-drive file=$empty: the image is empty"

expect_error "an empty image" "$named" -drive "file=$empty,$v"
expect_error "an empty image, readonly=on" "$named" -drive "file=$empty,$v,readonly=on"
expect_error "an empty image, snapshot=on" "$named" -drive "file=$empty,$v,snapshot=on"
expect_error "an empty image, cache=unsafe" "$named" -drive "file=$empty,$v,cache=unsafe"
expect_error "an empty image after a good one" "$named" -drive "file=$work/one-sector.img,$v" -drive "file=$empty,$v"
ln -s "$empty" "$work/link.img"
expect_error "an empty image through a symlink" "-drive file=$work/link.img: the image is empty" \
    -drive "file=$work/link.img,$v"

# Refused before anything runs: no guest output, and at once.
start=$(date +%s%N)
limited "$mipshv" "${expect_error_prefix[@]}" -drive "file=$empty,$v" >"$work/out" 2>/dev/null </dev/null
ms=$((($(date +%s%N) - start) / 1000000))
check "refused before the guest runs (no console output) and within a second (${ms} ms)" \
    test ! -s "$work/out" -a "$ms" -lt 1000
check "the image is left empty" test ! -s "$empty" -a -f "$empty"
check "and not locked (flock -n gets it)" flock -n "$empty" true

# The control: the same run with a one-sector image goes through.
limited "$mipshv" "${expect_error_prefix[@]}" -drive "file=$work/one-sector.img,$v" >"$work/out" 2>"$work/err" \
    </dev/null
rc=$?
check "a one-sector image is accepted: the program runs to its exit 0 (status $rc)" \
    test $rc -eq 0 -a ! -s "$work/err"
check "  and its output is the program's" grep -q "checks passed" "$work/out"
summary
