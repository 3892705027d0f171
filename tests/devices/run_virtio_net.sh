#!/bin/bash
# run_virtio_net.sh MIPSHV ELF MODE OUTDIR ENGINE...
#
# Runs the bare-metal program virtio_net_misuse.elf against a virtio-net card
# on user-mode networking (libslirp) and checks the host side:
#   MODE nic      -nic user and no drive (the card in slot 0), under ENGINE
#   MODE trap     the same in a hypervisor mode (--mode trap), where the
#                 program also points buffers into the hypervisor's region
#   MODE drive    a raw drive first, then the card in the next slot (slot 1,
#                 IP5) spelled -netdev user,id=n0 -device virtio-net,netdev=n0
#   MODE twocards -nic user twice: the program drives the first card (slot 0)
#                 while a second one sits in slot 1; each card must reach its
#                 own network
#   MODE engines  nic under every ENGINE given: console logs and captured
#                 frames identical
# Every run is
#   mipshv --engine E --mode bare-metal|trap -m 128M -kernel ELF -semihosting
#          [-drive file=IMG,format=raw,if=virtio] -nic user [-nic user]|-netdev/-device
#          -append "[hvregion] [slot=N] [after=net]" --stats REC --pcap PCAP
# and must: exit with status 0 (the program passed every check; the host
# process was not killed by a signal and reported no crash), end its console
# with "<N> checks passed", log no stderr line twice (each guest-error kind
# is logged once), hold in the run record's virtio-net counters exactly what
# the program printed as "expect COUNTER VALUE" (tx_dropped_malformed,
# rx_dropped_queue_full, rx_backlog_peak, ...), with at least one malformed
# frame and one frame dropped for a full backlog, and capture in PCAP
# exactly tx_frames + rx_frames frames, the first a well-formed ARP request
# for 10.0.2.2 and the second slirp's well-formed reply from
# 52:55:0a:00:02:02.  nic, trap and drive run twice: console logs and
# captures (timestamps are machine time) must be identical.
# Logs, captures and run records stay in OUTDIR.
set -u
if [ $# -lt 5 ]; then
  echo "usage: $0 MIPSHV ELF nic|trap|drive|twocards|engines OUTDIR ENGINE..." >&2
  exit 2
fi
mipshv=$1 elf=$2 mode=$3 out=$4
shift 4
engines=("$@")
py=${PYTHON:-python3}

. "$(dirname "$0")/lib.sh"

mkdir -p "$out" || exit 2
rm -f "$out"/*.img "$out"/*.console "$out"/*.stderr "$out"/*.pb "$out"/*.json "$out"/*.pcap

# check_record JSON PCAP: the card the program drives is eth0 and filled its
# backlog and dropped a malformed frame, any other card stays idle; the
# capture (nets.read_pcap) holds every frame the card sent and delivered.
check_record() {
  "$py" - "$1" "$2" <<'EOF'
import json, sys
import nets  # experiments/ (lib.sh puts it on PYTHONPATH)
record, pcap = sys.argv[1:3]
bad = []
cards = [d for d in json.load(open(record)).get("devices", []) if d.get("kind") == "virtio-net"]
if not cards or cards[0].get("name") != "eth0":
    print("no virtio-net device eth0 in the run record")
    sys.exit(1)
card = cards[0]  # the card the program drives; any other one stays idle
for other in cards[1:]:
    if any(int(v) for v in other.get("counters", {}).values()):
        bad.append("card %s was never touched, yet has counters %s" % (other.get("name"), other.get("counters")))
counters = {k: int(v) for k, v in card.get("counters", {}).items()}
if counters.get("tx_dropped_malformed", 0) == 0:
    bad.append("tx_dropped_malformed is 0")
if counters.get("rx_dropped_queue_full", 0) == 0 or counters.get("rx_backlog_peak", 0) != 256:
    bad.append("the backlog did not fill: rx_dropped_queue_full %d, rx_backlog_peak %d"
               % (counters.get("rx_dropped_queue_full", 0), counters.get("rx_backlog_peak", 0)))

# The capture: every frame the card sent and every frame it delivered.
frames = []
try:
    header = nets.pcap_header(pcap)
    if (header["byte_order"], header["nanoseconds"]) != ("<", True):
        bad.append("capture header: %s, want little-endian with nanosecond timestamps" % header)
    records = nets.read_pcap(pcap)
except ValueError as e:
    bad.append("capture: %s" % e)
    records = []
last = 0
for i, (seconds, frame, length) in enumerate(records):
    if len(frame) != length or seconds < last:
        bad.append("record %d: captured %d of %d bytes at %.9f" % (i, len(frame), length, seconds))
    last = seconds
    frames.append(frame)
want = counters.get("tx_frames", -1) + counters.get("rx_frames", -1)
if len(frames) != want:
    bad.append("capture holds %d frames, want tx_frames + rx_frames = %d" % (len(frames), want))
if any(not 14 <= len(f) <= 1518 for f in frames):
    bad.append("a captured frame of impossible length")
guest = bytes.fromhex("525400123456")
slirp = bytes.fromhex("52550a000202")
if len(frames) >= 2:
    req, rep = frames[0], frames[1]
    want_req = (b"\xff" * 6 + guest + b"\x08\x06" + bytes.fromhex("0001080006040001") + guest
                + bytes([10, 0, 2, 15]) + b"\0" * 6 + bytes([10, 0, 2, 2]))
    if len(req) != 60 or req[:42] != want_req or req[42:] != b"\0" * 18:
        bad.append("first captured frame is not the program's ARP request: %s" % req.hex())
    want_rep = (guest + slirp + b"\x08\x06" + bytes.fromhex("0001080006040002") + slirp
                + bytes([10, 0, 2, 2]) + guest + bytes([10, 0, 2, 15]))
    if len(rep) < 42 or rep[:42] != want_rep:
        bad.append("second captured frame is not slirp's ARP reply: %s" % rep.hex())
for b in bad:
    print(b)
print("one card driven, the others idle; %d frames captured, as many as it counted" % len(frames))
sys.exit(1 if bad else 0)
EOF
}

# run_one NAME ENGINE nic|drive [MODE]
run_one() {
  local name=$1 engine=$2 kind=$3 xmode=${4:-bare-metal}
  local con=$out/$name.console err=$out/$name.stderr rec=$out/$name.pb pcap=$out/$name.pcap
  local args="" net=(-nic user) drive=()
  [ "$xmode" = bare-metal ] || args="hvregion"
  if [ "$kind" = drive ]; then
    "$py" -c "open('$out/$name.img', 'wb').write(bytes(1 << 20))" || { fail "$name: cannot create the image"; return; }
    drive=(-drive "file=$out/$name.img,format=raw,if=virtio")
    net=(-netdev user,id=n0 -device virtio-net,netdev=n0)
    args="$args slot=1"
  elif [ "$kind" = twocards ]; then
    net=(-nic user -nic user)
    args="$args after=net"
  fi
  echo "== $name: --engine $engine --mode $xmode, ${drive[*]} ${net[*]}"
  limited "$mipshv" --engine "$engine" --mode "$xmode" -m 128M -kernel "$elf" -semihosting \
    "${drive[@]}" "${net[@]}" -append "$args" --stats "$rec" --pcap "$pcap" \
    </dev/null >"$con" 2>"$err"
  check_run "$name" $? "$con" "$err"
  if read_record "$name" "$rec" "$out/$name.json" "$err"; then
    check_expected "$name" "$out/$name.json" "$con" virtio-net
    local result
    if result=$(check_record "$out/$name.json" "$pcap" 2>&1); then
      pass "$name: $result"
    else
      fail "$name: run record or capture:"
      sed 's/^/     /' <<<"$result"
    fi
  fi
}

# same NAME1 NAME2 WHAT [frames]: console logs identical, and the captures
# (or, with "frames", the captured frames without their timestamps)
same() {
  same_console "$1" "$2" "$3"
  if [ "${4:-}" = frames ]; then
    check "$3: captured frames identical" "$py" -c '
import sys, nets
a, b = ([frame for _, frame, _ in nets.read_pcap(p)] for p in sys.argv[1:3])
sys.exit(0 if a == b else 1)' "$out/$1.pcap" "$out/$2.pcap"
  else
    check "$3: captures identical" cmp -s "$out/$1.pcap" "$out/$2.pcap"
  fi
}

case $mode in
  nic | drive | twocards)
    need_one_engine
    run_one "$mode-1" "${engines[0]}" "$mode"
    run_one "$mode-2" "${engines[0]}" "$mode"
    same "$mode-1" "$mode-2" "two runs (determinism)"
    ;;
  trap)
    need_one_engine
    run_one "trap-1" "${engines[0]}" nic trap
    run_one "trap-2" "${engines[0]}" nic trap
    same "trap-1" "trap-2" "two runs (determinism)"
    ;;
  engines)
    need_engines
    for e in "${engines[@]}"; do
      run_one "nic-$e" "$e" nic
    done
    for e in "${engines[@]:1}"; do
      same "nic-${engines[0]}" "nic-$e" "${engines[0]} against $e" frames
    done
    ;;
  *)
    echo "unknown MODE $mode" >&2
    exit 2
    ;;
esac

finish
