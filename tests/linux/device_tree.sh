#!/bin/bash
# device_tree.sh MIPSHV KERNEL OUTDIR [extra mipshv options...]: --dump-dtb
# writes the board's device tree; dtc must decompile it and find every node
# the guest relies on.
set -u
mipshv=$1 kernel=$2 out=$3
shift 3
mkdir -p "$out"
. "$(dirname "$0")/../checks.sh"
deadline 540  # ctest gives 600 s (jit) or 1200 s (interp)
limited "$mipshv" -kernel "$kernel" -m 512M -append "console=ttyS0 quiet" --dump-dtb "$out/virt.dtb" --max-insns 1 "$@" >/dev/null 2>&1
dtc -I dtb -O dts -o "$out/virt.dts" "$out/virt.dtb" 2>"$out/dtc.err" ||
    { cat "$out/dtc.err"; fail "dtc decompiles the device tree"; summary; exit 1; }
expect() {  # expect DESCRIPTION REGEX
    check "$1" grep -Eq "$2" "$out/virt.dts"
}
expect "cpu node with a clock" 'compatible = "mti,5KE"'
expect "fixed CPU clock" 'clock-frequency = <0x5f5e100>'
expect "memory: low window less the hypervisor's 1 MiB, the rest high" 'reg = <0x00 0x00 0x00 0xff00000 0x00 0x20000000 0x00 0x10000000>'
expect "CPU interrupt controller" 'mti,cpu-interrupt-controller'
expect "ns16550a UART on IP2" 'compatible = "ns16550a"'
expect "goldfish RTC" 'google,goldfish-rtc'
expect "syscon poweroff" 'syscon-poweroff'
expect "syscon reboot" 'syscon-reboot'
expect "bootargs" 'bootargs = "console=ttyS0 quiet"'
expect "stdout-path" 'stdout-path = "/serial@1fe00000"'
expect_not() {  # expect_not DESCRIPTION REGEX
    check "$1" not_in "$2" "$out/virt.dts"
}
not_in() { ! grep -Eq "$1" "$2"; }
expect_not "no virtio slot without a -drive" 'virtio,mmio'

# Two drives: two virtio-mmio nodes, in slot order, on the lines the memory map gives them.
truncate -s 1M "$out/disk-a.img" "$out/disk-b.img"
limited "$mipshv" -kernel "$kernel" -m 512M --dump-dtb "$out/virt.dtb" --max-insns 1 "$@" \
    -drive "file=$out/disk-a.img,format=raw,if=virtio" -drive "file=$out/disk-b.img,format=raw,if=virtio,readonly=on" >/dev/null 2>&1
dtc -I dtb -O dts -o "$out/virt.dts" "$out/virt.dtb" 2>"$out/dtc.err" ||
    { cat "$out/dtc.err"; fail "dtc decompiles the two-drive device tree"; }
expect "virtio-mmio slot 0 (vda) on IP4" 'virtio_mmio@1fe10000 \{'
expect "virtio-mmio slot 1 (vdb)" 'virtio_mmio@1fe11000 \{'
expect "0x200-byte register window" 'reg = <0x00 0x1fe10000 0x00 0x200>'
expect "slot 0 interrupt line 4" 'interrupts = <0x04>'
expect "slot 1 interrupt line 5" 'interrupts = <0x05>'
expect_not "no third slot" 'virtio_mmio@1fe12000'
summary
