#!/bin/bash
# stop_on_sensitive.sh MIPSHV GUEST_DIR [ENGINE]: under ENGINE (default jit), --stop-on-sensitive must stop the guest at its first
# sensitive instruction executed in kernel mode, report PC, disassembly and
# registers (n64 names), and exit with status 2; bare-metal mode runs the same guest to 0.
set -u
mipshv=$1 guests=$2 engine=${3:-jit}
elf=$guests/alu32.elf
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
. "$(dirname "$0")/lib.sh"

limited "$mipshv" --engine "$engine" -kernel "$elf" -semihosting --stop-on-sensitive >/dev/null 2>"$work/report"
rc=$?
cat "$work/report"
check "exit status 2 (got $rc)" [ $rc -eq 2 ]
check "a report line" grep -q "stopped at sensitive instruction" "$work/report"
check "PC and disassembly of the CP0 move" \
    grep -Eq "pc [0-9a-f]{16}: [0-9a-f]{8}  (mtc0|mfc0|dmtc0|dmfc0)" "$work/report"
# The register dump: 32 GPRs, four to a line, in order, by their n64 names.
n64="zero at v0 v1 a0 a1 a2 a3 a4 a5 a6 a7 t0 t1 t2 t3 s0 s1 s2 s3 s4 s5 s6 s7 t8 t9 k0 k1 gp sp s8 ra"
dumped=$(grep -E '^(  [a-z0-9]+ +[0-9a-f]{16}){4}$' "$work/report" | tr -s ' ' '\n' | grep -vE '^([0-9a-f]{16})?$' |
    tr '\n' ' ')
check "the 32 GPRs by their n64 names" [ "$dumped" = "$n64 " ]
limited "$mipshv" --engine "$engine" -kernel "$elf" -semihosting --mode bare-metal >/dev/null 2>&1
rc=$?
check "bare-metal mode runs the guest to exit status 0 (got $rc)" [ $rc -eq 0 ]

summary
