#!/bin/bash
# stop_on_sensitive.sh MIPSHV GUEST_DIR: --stop-on-sensitive must stop the guest at its first
# sensitive instruction executed in kernel mode, report PC, disassembly and
# registers, and exit with status 2; bare-metal mode runs the same guest to 0.
set -u
mipshv=$1 guests=$2
elf=$guests/alu32.elf
out=$(mktemp)
trap 'rm -f "$out"' EXIT

"$mipshv" -kernel "$elf" -semihosting --stop-on-sensitive >/dev/null 2>"$out"
rc=$?
cat "$out"
fail=0
[ $rc -eq 2 ] || { echo "FAIL: exit status $rc, want 2"; fail=1; }
grep -q "stopped at sensitive instruction" "$out" || { echo "FAIL: no report line"; fail=1; }
grep -Eq "pc [0-9a-f]{16}: [0-9a-f]{8}  (mtc0|mfc0|dmtc0|dmfc0)" "$out" || { echo "FAIL: no PC/disassembly"; fail=1; }
grep -q " ra " "$out" || { echo "FAIL: no register dump"; fail=1; }
"$mipshv" -kernel "$elf" -semihosting --mode bare-metal >/dev/null 2>&1 || { echo "FAIL: bare-metal run"; fail=1; }
[ $fail -eq 0 ] && echo "1 passed, 0 failed" || echo "0 passed, 1 failed"
exit $fail
