#!/bin/bash
# disk_host_errors.sh MIPSHV KERNEL INITRD OUTDIR: a host I/O error reaches
# the guest as an I/O error and the run goes on. The host error is real:
# mipshv runs under a file-size limit (prlimit --fsize), so the kernel fails
# its pwrite past 512 MiB of the (sparse) image with EFBIG, as it would
# with ENOSPC. (The limit must stay above the code cache's memfd.)
set -u
mipshv=$1 kernel=$2 initrd=$3 out=$4
mkdir -p "$out"
img=$out/host-errors.img
rm -f "$img" && truncate -s 1G "$img"  # sparse: costs no space
. "$(dirname "$0")/../checks.sh"
deadline 270  # ctest gives 300 s
# Block 163840 (640 MiB) lies past the limit; block 1 (4 KiB) does not.
script='dd if=/dev/zero of=/dev/vda bs=4096 seek=163840 count=1 oflag=direct; echo "far write rc=$?"
dd if=/dev/zero of=/dev/vda bs=4096 seek=1 count=1 oflag=direct; echo "near write rc=$?"
echo still-running
poweroff -f
'
printf '%s' "$script" | limited prlimit --fsize=$((512 << 20)) -- "$mipshv" -kernel "$kernel" -initrd "$initrd" -m 512M \
    -append "console=ttyS0 quiet" -drive "file=$img,format=raw,if=virtio" --stats "$out/host-errors.stats" \
    >"$out/host-errors.log" 2>&1
rc=$?
check "mipshv exits 0 (the guest powered off)" [ $rc -eq 0 ]
check "the write past the limit fails in the guest" grep -Eq '^far write rc=[1-9]' "$out/host-errors.log"
check "the write below the limit succeeds" grep -q '^near write rc=0' "$out/host-errors.log"
check "the guest keeps running after the error" grep -q '^still-running' "$out/host-errors.log"
json=$(limited "$mipshv" stats "$out/host-errors.stats")
check "the device counts host I/O errors" /usr/bin/python3 -c '
import json, sys
c = json.loads(sys.argv[1])["devices"][0]["counters"]
sys.exit(0 if int(c.get("errors_host_io", 0)) >= 1 and int(c.get("requests_out", 0)) >= 2 else 1)' "$json"
summary
