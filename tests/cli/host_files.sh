#!/bin/bash
# host_files.sh MIPSHV GUEST_DIR: host files of every type given where mipshv
# loads a file whole (-kernel, -initrd, --system-map, `mipshv stats`): each
# gets exactly one "mipshv: OPTION PATH: ..." line and exit 1 within a second;
# none is read forever (/dev/zero, a FIFO) or crashes mipshv (a directory).
set -u
real_mipshv=$1 guests=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
chmod 755 "$work"
good=$(ls "$guests"/*.elf | head -n 1)
[ -n "$good" ] || { echo "FAIL: no guest program in $guests"; exit 1; }
. "$(dirname "$0")/lib.sh"

# A hang shows as exit 124 from timeout, which expect_error counts as a failure.
mipshv=$work/mipshv-at-most-5s
printf '#!/bin/sh\nexec ${AS_NOBODY:+setpriv --reuid=65534 --regid=65534 --clear-groups} timeout 5 %q "$@"\n' "$real_mipshv" >"$mipshv"
chmod 755 "$mipshv"

mkfifo "$work/fifo"
mkdir "$work/dir"
ln -s "$work/nowhere" "$work/dangling"
: >"$work/empty"
truncate -s 300M "$work/big.initrd"  # more than the guest's 128 MiB
truncate -s 3G "$work/big.elf"       # more than any kernel file mipshv reads
printf 'secret' >"$work/unreadable" && chmod 000 "$work/unreadable"

# expect_quick_error DESCRIPTION PATTERN ARGS...: expect_error, and within a second.
expect_quick_error() {
    local start=$(date +%s%N)
    expect_error "$@"
    local ms=$((($(date +%s%N) - start) / 1000000))
    check "$1: answered in $ms ms (under 1000)" test "$ms" -lt 1000
}

for option in -kernel -initrd; do
    [ "$option" = -kernel ] && expect_error_prefix=() || expect_error_prefix=(-kernel "$good")
    expect_quick_error "$option /dev/zero" "$option /dev/zero: a character device" $option /dev/zero
    expect_quick_error "$option /dev/urandom" "$option /dev/urandom: a character device" $option /dev/urandom
    expect_quick_error "$option FIFO" "$option $work/fifo: a FIFO" $option "$work/fifo"
    expect_quick_error "$option directory" "$option $work/dir: a directory" $option "$work/dir"
    expect_quick_error "$option dangling link" "$option $work/dangling: a symbolic link to a file that does not exist" \
        $option "$work/dangling"
    expect_quick_error "$option missing file" "$option $work/missing: cannot open: No such file" $option "$work/missing"
    expect_quick_error "$option I/O error" "$option /proc/self/mem: cannot read: Input/output error" $option /proc/self/mem
    AS_NOBODY=1 expect_quick_error "$option unreadable" "$option $work/unreadable: cannot open: Permission denied" \
        $option "$work/unreadable"
done
expect_error_prefix=(-kernel "$good")
expect_quick_error "-initrd empty" "-initrd $work/empty: the file is empty" -initrd "$work/empty"
expect_quick_error "-initrd larger than low RAM" "-initrd $work/big.initrd: 300 MiB, more than the low RAM the guest has \\(128 MiB\\)" \
    -initrd "$work/big.initrd"
expect_error_prefix=()
expect_quick_error "-kernel too large" "-kernel $work/big.elf: 3 GiB, more than the limit \\(2 GiB\\)" -kernel "$work/big.elf"
expect_quick_error "--system-map FIFO" "--system-map $work/fifo: a FIFO" -kernel "$good" --mode trap --system-map "$work/fifo"
expect_quick_error "--system-map /dev/zero" "--system-map /dev/zero: a character device" \
    -kernel "$good" --mode trap --system-map /dev/zero
for file in /dev/zero "$work/fifo" "$work/dir" "$work/dangling"; do
    expect_quick_error "stats $file" "stats $file: " stats "$file"
done

summary
