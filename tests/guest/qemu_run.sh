#!/bin/sh
# qemu_run.sh <elf>: run a guest program under QEMU (the reference).
# The guest's UHI console output (QEMU writes it to stderr) is printed on
# stdout; the exit status is the guest's UHI exit code (124 on timeout).
# QEMU_TIMEOUT (seconds, default 30) bounds the run.
# The UHI argument "--qemu-reference" lets the few checks on which QEMU is
# known to deviate from the architecture accept QEMU's behaviour (see
# QEMU_DIFFERENCES.md); it never changes what a program prints.
[ $# -eq 1 ] || { echo "usage: $0 <elf>" >&2; exit 2; }
exec 3>&1
timeout "${QEMU_TIMEOUT:-30}" qemu-system-mips64el -M malta -cpu MIPS64R2-generic \
    -semihosting-config "enable=on,target=native,arg=$(basename "$1"),arg=--qemu-reference" \
    -nographic -kernel "$1" 2>&3 >/dev/null
