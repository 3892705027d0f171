#!/bin/bash
# run_virtio_blk.sh MIPSHV ELF MODE OUTDIR ENGINE...
#
# Runs the bare-metal program virtio_blk_misuse.elf against a virtio-blk disk
# (MANUAL.md section 3, "Virtual disks") and checks the host side:
#   MODE rw       a writable 1 MiB image, under ENGINE
#   MODE ro       the same image attached with readonly=on,serial=..., under ENGINE
#   MODE snapshot the same image attached with snapshot=on, under ENGINE: the
#                 guest sees a writable disk, the image file never changes
#   MODE trap     rw in a hypervisor mode (--mode trap) under ENGINE, where the
#                 program also checks that DMA into the hypervisor's region
#                 (top 1 MiB of low RAM, not guest memory) fails
#   MODE engines  rw under every ENGINE given; console logs and images identical
# Every run is
#   mipshv --engine E --mode bare-metal -m 128M -kernel ELF -semihosting
#          -drive file=IMG,format=raw,if=virtio[,readonly=on,serial=S|,snapshot=on]
#          -append "sectors=N [ro serial=S|snapshot] [hvregion]" --stats REC
# (--mode trap instead of bare-metal for MODE trap), and must: exit with
# status 0 (not killed by a signal, no crash report on stderr), end its
# console with "<N> checks passed", log no stderr line twice (each violation
# kind is logged once), hold in the run record's virtio-blk counters exactly
# what the program printed as "expect COUNTER VALUE", for every counter of
# the device and its transport (requests by type, sectors, host syncs,
# errors, malformed requests, chains and queues, notifications, interrupts,
# resets), with malformed requests, chains and queues among them, and
# leave the image file equal (cmp) to the expected bytes: the
# original with sectors 5, 100, 101 and the last one rewritten by the
# program's good writes (pat ^ 0xa5), or, read-only or snapshot, the
# original.  rw, ro, snapshot and trap run twice, each time on a fresh copy
# of the image: the console logs and the images must be identical.
# Logs, images and run records stay in OUTDIR.
set -u
if [ $# -lt 5 ]; then
  echo "usage: $0 MIPSHV ELF rw|ro|snapshot|trap|engines OUTDIR ENGINE..." >&2
  exit 2
fi
mipshv=$1 elf=$2 mode=$3 out=$4
shift 4
engines=("$@")
py=${PYTHON:-python3}
SECTORS=2048
RO_SERIAL=mipshv-serial-0020ch   # 20 bytes: GET_ID returns it without a NUL

. "$(dirname "$0")/lib.sh"

mkdir -p "$out" || exit 2
rm -f "$out"/*.img "$out"/*.console "$out"/*.stderr "$out"/*.pb "$out"/*.json

# The image: byte j of sector s is pat(s, j), except sector 200, which holds
# the function "li v0, 0x1234; jr ra; nop" (then zeros) that the program
# reads over code it has run; the program's good writes store pat ^ 0xa5
# (tests/devices/virtio_blk_misuse.c).
"$py" - "$out" $SECTORS <<'EOF' || { fail "cannot create the images"; finish; }
import sys
out, n = sys.argv[1], int(sys.argv[2])
def sector(s, x):
    a = (s * 0x9e3779b1) & 0xffffffff
    return bytes(((((a ^ (j * 0x85ebca77)) & 0xffffffff) >> 24) ^ x) for j in range(512))
code = bytes.fromhex("34120224" "0800e003" "00000000").ljust(512, b"\0")
written = {5, 100, 101, n - 1}
def image(x):
    return b"".join(code if s == 200 else sector(s, x if s in written else 0) for s in range(n))
with open(out + "/orig.img", "wb") as f:
    f.write(image(0))
with open(out + "/expect-rw.img", "wb") as f:
    f.write(image(0xa5))
EOF

# Which sectors of image $1 differ from image $2.
differing_sectors() {
  "$py" - "$1" "$2" <<'EOF'
import sys
a, b = open(sys.argv[1], "rb").read(), open(sys.argv[2], "rb").read()
if len(a) != len(b):
    print("size %d, want %d" % (len(a), len(b)))
d = [s for s in range(min(len(a), len(b)) // 512) if a[s*512:(s+1)*512] != b[s*512:(s+1)*512]]
print("sectors " + " ".join(map(str, d[:40])) + (" ..." if len(d) > 40 else ""))
EOF
}

# misused CONSOLE: the program expects violations of every kind to be counted.
misused() {
  grep -Eq '^expect malformed_requests [1-9]' "$1" && grep -Eq '^expect malformed_chains [1-9]' "$1" &&
    grep -Eq '^expect malformed_queues [1-9]' "$1"
}

# run_one NAME ENGINE rw|ro|snapshot [MODE]: one run on a fresh copy of the image,
# in execution mode MODE (default bare-metal).
run_one() {
  local name=$1 engine=$2 disk=$3 xmode=${4:-bare-metal}
  local img=$out/$name.img con=$out/$name.console err=$out/$name.stderr rec=$out/$name.pb
  local opts="" args="sectors=$SECTORS"
  if [ "$disk" = ro ]; then
    opts=",readonly=on,serial=$RO_SERIAL"
    args="ro $args serial=$RO_SERIAL"
  elif [ "$disk" = snapshot ]; then
    opts=",snapshot=on"
    args="$args snapshot"
  fi
  [ "$xmode" = bare-metal ] || args="$args hvregion"
  cp "$out/orig.img" "$img"
  echo "== $name: --engine $engine --mode $xmode, $disk disk"
  limited "$mipshv" --engine "$engine" --mode "$xmode" -m 128M -kernel "$elf" -semihosting \
    -drive "file=$img,format=raw,if=virtio$opts" -append "$args" --stats "$rec" \
    </dev/null >"$con" 2>"$err"
  check_run "$name" $? "$con" "$err"

  # every counter as the program expects, violations among them
  if read_record "$name" "$rec" "$out/$name.json" "$err"; then
    check_expected "$name" "$out/$name.json" "$con" virtio-blk all
  fi
  check "$name: the program expects malformed requests, chains and queues" misused "$con"

  # the image file
  local expect=$out/expect-rw.img
  [ "$disk" = rw ] || expect=$out/orig.img
  if cmp -s "$img" "$expect"; then
    pass "$name: image as expected ($disk: $(basename "$expect"))"
  else
    fail "$name: image differs from the expected bytes: $(differing_sectors "$img" "$expect")"
  fi
}

# same NAME1 NAME2 WHAT: console logs and images of two runs identical
same() {
  same_console "$1" "$2" "$3"
  if cmp -s "$out/$1.img" "$out/$2.img"; then
    pass "$3: images identical"
  else
    fail "$3: images differ: $(differing_sectors "$out/$1.img" "$out/$2.img")"
  fi
}

case $mode in
  rw | ro | snapshot)
    need_one_engine
    run_one "$mode-1" "${engines[0]}" "$mode"
    run_one "$mode-2" "${engines[0]}" "$mode"
    same "$mode-1" "$mode-2" "two runs on the same image (determinism)"
    ;;
  trap)
    need_one_engine
    run_one "trap-1" "${engines[0]}" rw trap
    run_one "trap-2" "${engines[0]}" rw trap
    same "trap-1" "trap-2" "two runs on the same image (determinism)"
    ;;
  engines)
    need_engines
    for e in "${engines[@]}"; do
      run_one "rw-$e" "$e" rw
    done
    for e in "${engines[@]:1}"; do
      same "rw-${engines[0]}" "rw-$e" "${engines[0]} against $e"
    done
    ;;
  *)
    echo "unknown MODE $mode" >&2
    exit 2
    ;;
esac

finish
