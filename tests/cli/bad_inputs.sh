#!/bin/bash
# bad_inputs.sh MIPSHV GUEST_DIR: every malformed input must produce exactly
# one line on stderr starting with "mipshv:", exit status 1, and no crash.
set -u
mipshv=$1 guests=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
good=$(ls "$guests"/*.elf | head -n 1)
[ -n "$good" ] || { echo "FAIL: no guest program in $guests"; exit 1; }
. "$(dirname "$0")/lib.sh"

printf 'not an elf at all' >"$work/garbage.elf"
head -c 40 "$good" >"$work/truncated.elf"
# The cross compiler built the guest programs, so it is here; if it cannot
# make this input, the 32-bit case below fails rather than being left out.
mips64el-linux-gnuabi64-gcc -mabi=32 -march=mips32r2 -nostdlib -static -o "$work/elf32.elf" -x c - <<<'void __start(void){for(;;);}' \
    || echo "could not build the 32-bit ELF input"
# Linked into the top MiB of a 16 MiB guest's low RAM, where the board
# keeps the device tree and the hypervisor's region.
mips64el-linux-gnuabi64-gcc -march=mips64r2 -nostdlib -static -Wl,-Ttext-segment=0xffffffff80f00000 \
    -o "$work/high.elf" -x c - <<<'void __start(void){for(;;);}' || echo "could not build the high-linked ELF input"
truncate -s 8M "$work/big.initrd"  # more than 4 MiB of RAM can hold
# Same image, byte 5 (EI_DATA) flipped to big-endian.
cp "$good" "$work/bigendian.elf" && printf '\x02' | dd of="$work/bigendian.elf" bs=1 seek=5 conv=notrunc status=none

expect_error "missing kernel option" "kernel" -semihosting
expect_error "missing file" "nonexistent" -kernel "$work/nonexistent.elf"
expect_error "not an ELF" "magic|ELF" -kernel "$work/garbage.elf"
expect_error "truncated ELF" "short|truncated|bounds" -kernel "$work/truncated.elf"
expect_error "32-bit ELF" "32-bit" -kernel "$work/elf32.elf"
expect_error "big-endian ELF" "endian" -kernel "$work/bigendian.elf"
expect_error "host ELF" "MIPS" -kernel /bin/true
expect_error "unknown option" "unknown option" -kernel "$good" -frobnicate
expect_error "bad memory size" "size|-m" -kernel "$good" -m 12Q
expect_error "memory too small for the board" "too small" -kernel "$good" -m 1M
expect_error "memory too small for the image" "-initrd .*big.initrd: 8 MiB, more than the low RAM the guest has" -kernel "$good" -m 4M -initrd "$work/big.initrd"
expect_error "kernel over the board's reserved RAM" "overlaps the device tree and hypervisor region" -kernel "$work/high.elf" -m 16M
expect_error "command line longer than the kernel's" "-append: 5000 bytes" -kernel "$good" -append "$(printf '%5000s' x)"
expect_error "unknown mode" "mode" -kernel "$good" --mode warp
expect_error "unknown machine" "machine" -kernel "$good" -M nosuchboard
expect_error "unknown engine" "engine" -kernel "$good" --engine bogus
expect_error "zero --timeout" "--timeout: expected seconds" -kernel "$good" --timeout 0
expect_error "--timeout not a number" "--timeout: expected seconds" -kernel "$good" --timeout soon

summary
