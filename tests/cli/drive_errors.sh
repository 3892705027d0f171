#!/bin/bash
# drive_errors.sh MIPSHV GUEST_DIR KERNEL INITRD: every bad -drive must produce
# exactly one line on stderr starting with "mipshv:" and exit status 1 (MANUAL.md
# section 3): a missing file, a size that is not a multiple of 512, an unknown
# format, interface, cache mode or option, and an image locked by another
# mipshv (a Linux guest sitting at its shell with the image mounted).
set -u
mipshv=$1 guests=$2 kernel=$3 initrd=$4
work=$(mktemp -d)
holder=
cleanup() {
    [ -n "$holder" ] && kill -9 "$holder" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
good=$(ls "$guests"/*.elf | head -n 1)
. "$(dirname "$0")/lib.sh"
deadline 170  # ctest gives 180 s

img=$work/disk.img
truncate -s 1M "$img"
truncate -s 1000 "$work/odd.img"
v=format=raw,if=virtio

expect_error "missing image file" "nonexistent.img.*(No such file|cannot open)" \
    -kernel "$good" -drive "file=$work/nonexistent.img,$v"
expect_error "size not a multiple of 512" "multiple of 512" -kernel "$good" -drive "file=$work/odd.img,$v"
expect_error "a directory" "directory|regular file" -kernel "$good" -drive "file=$work,$v"
expect_error "a character device" "regular file" -kernel "$good" -drive "file=/dev/null,$v,readonly=on"
expect_error "unknown format" "format" -kernel "$good" -drive "file=$img,format=qcow2,if=virtio"
expect_error "unknown interface" "interface|if=" -kernel "$good" -drive "file=$img,format=raw,if=ide"
expect_error "unknown option" "unknown option" -kernel "$good" -drive "file=$img,$v,frobnicate=1"
expect_error "unknown cache mode" "cache" -kernel "$good" -drive "file=$img,$v,cache=none"
expect_error "readonly neither on nor off" "on or off" -kernel "$good" -drive "file=$img,$v,readonly=yes"
expect_error "no file=" "file" -kernel "$good" -drive "$v"
expect_error "option given twice" "twice" -kernel "$good" -drive "file=$img,$v,cache=unsafe,cache=unsafe"
expect_error "serial longer than 20 bytes" "serial|20" -kernel "$good" \
    -drive "file=$img,$v,serial=abcdefghijklmnopqrstuvwxyz"
expect_error "the same image twice, writable, in one run" "locked" -kernel "$good" \
    -drive "file=$img,$v" -drive "file=$img,$v"

# A second writer: a first mipshv boots Linux with a copy of an ext4 image,
# mounts it and sits at its shell; the image stays locked until it exits.
truncate -s 16M "$work/ext4.img"
PATH=$PATH:/usr/sbin:/sbin mke2fs -q -F -t ext4 "$work/ext4.img"
"$mipshv" -kernel "$kernel" -initrd "$initrd" -m 256M -append console=ttyS0 -serial "file:$work/holder.log" \
    -drive "file=$work/ext4.img,$v" </dev/null >/dev/null 2>"$work/holder.err" &
holder=$!
for _ in $(seq 600); do
    grep -q "mounted at /mnt" "$work/holder.log" 2>/dev/null && break
    kill -0 "$holder" 2>/dev/null || break
    sleep 0.2
done
if grep -q "mipshv initramfs: /dev/vda mounted at /mnt" "$work/holder.log" 2>/dev/null; then
    pass "the first mipshv has the image mounted"
else
    fail "the first mipshv did not mount the image:"; tail -5 "$work/holder.log" "$work/holder.err"
fi
expect_error "a second writer" "locked" -kernel "$good" -drive "file=$work/ext4.img,$v"
expect_error "a reader (readonly=on) while a writer runs" "locked" -kernel "$good" \
    -drive "file=$work/ext4.img,$v,readonly=on"
expect_error "snapshot=on while a writer runs" "locked" -kernel "$good" -drive "file=$work/ext4.img,$v,snapshot=on"
expect_error "a second writer booting Linux" "locked" -kernel "$kernel" -initrd "$initrd" -m 256M \
    -append console=ttyS0 -drive "file=$work/ext4.img,$v"
if kill -0 "$holder" 2>/dev/null; then
    pass "the first mipshv still runs"
else
    fail "the first mipshv exited early:"; cat "$work/holder.err"
fi
# Killed, the holder's lock goes with it: the image opens again (the run
# stops at --max-insns, status 3).
kill -9 "$holder" && wait "$holder" 2>/dev/null
holder=
limited "$mipshv" -kernel "$good" -drive "file=$work/ext4.img,$v" --max-insns 1000 </dev/null >/dev/null 2>"$work/err"
rc=$?
if [ $rc -eq 3 ] && ! grep -q -- "-drive" "$work/err"; then
    pass "after the first mipshv was killed, the image opens again"
else
    fail "the image stays locked after its holder was killed: exit $rc"; cat "$work/err"
fi

summary
