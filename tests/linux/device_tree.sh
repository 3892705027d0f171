#!/bin/bash
# device_tree.sh MIPSHV KERNEL OUTDIR [extra mipshv options...]: --dump-dtb
# writes the board's device tree; dtc must decompile it and find every node
# the guest relies on.
set -u
mipshv=$1 kernel=$2 out=$3
shift 3
mkdir -p "$out"
"$mipshv" -kernel "$kernel" -m 512M -append "console=ttyS0 quiet" --dump-dtb "$out/virt.dtb" --max-insns 1 "$@" >/dev/null 2>&1
dtc -I dtb -O dts -o "$out/virt.dts" "$out/virt.dtb" 2>"$out/dtc.err" || { cat "$out/dtc.err"; echo "0 passed, 1 failed"; exit 1; }
pass=0 fail=0
expect() {  # expect DESCRIPTION REGEX
    if grep -Eq "$2" "$out/virt.dts"; then pass=$((pass + 1)); echo "ok   $1"; else fail=$((fail + 1)); echo "FAIL $1"; fi
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
    if grep -Eq "$2" "$out/virt.dts"; then fail=$((fail + 1)); echo "FAIL $1"; else pass=$((pass + 1)); echo "ok   $1"; fi
}
expect_not "no virtio slot without a -drive" 'virtio,mmio'

# Two drives: two virtio-mmio nodes, in slot order, on the lines the memory map gives them.
truncate -s 1M "$out/disk-a.img" "$out/disk-b.img"
"$mipshv" -kernel "$kernel" -m 512M --dump-dtb "$out/virt.dtb" --max-insns 1 "$@" \
    -drive "file=$out/disk-a.img,format=raw,if=virtio" -drive "file=$out/disk-b.img,format=raw,if=virtio,readonly=on" >/dev/null 2>&1
dtc -I dtb -O dts -o "$out/virt.dts" "$out/virt.dtb" 2>"$out/dtc.err" || { cat "$out/dtc.err"; fail=$((fail + 1)); }
expect "virtio-mmio slot 0 (vda) on IP4" 'virtio_mmio@1fe10000 \{'
expect "virtio-mmio slot 1 (vdb)" 'virtio_mmio@1fe11000 \{'
expect "0x200-byte register window" 'reg = <0x00 0x1fe10000 0x00 0x200>'
expect "slot 0 interrupt line 4" 'interrupts = <0x04>'
expect "slot 1 interrupt line 5" 'interrupts = <0x05>'
expect_not "no third slot" 'virtio_mmio@1fe12000'
echo "$pass passed, $fail failed"
[ $fail -eq 0 ]
