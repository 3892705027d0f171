#!/bin/bash
# net_errors.sh MIPSHV GUEST_DIR: every bad -netdev, -nic or -device must
# produce exactly one line on stderr starting with "mipshv:" and exit status 1
# (MANUAL.md section 3): an unknown backend, device or option, a malformed
# hostfwd, MAC address or restrict value, a missing or unknown netdev id, a
# netdev twice or unused, two cards on one netdev, and a hostfwd whose host
# port is already taken (held by a Python process, TCP and UDP).
set -u
mipshv=$1 guests=$2
work=$(mktemp -d)
holder=
cleanup() {
    [ -n "$holder" ] && kill "$holder" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT
good=$(ls "$guests"/*.elf | head -n 1)
. "$(dirname "$0")/lib.sh"
expect_error_prefix=(-kernel "$good" --max-insns 100000)

dev="-device virtio-net,netdev=n0"
# -nic
expect_error "-nic without an argument" "needs an argument" -nic
expect_error "-nic with an empty spec" "backend" -nic ""
expect_error "-nic with an unknown backend" "unknown network backend" -nic tap
expect_error "-nic with an unknown option" "unknown option" -nic user,frobnicate=1
expect_error "-nic restrict neither on nor off" "on or off" -nic user,restrict=maybe
expect_error "-nic with a malformed MAC" "hexadecimal|MAC|mac" -nic user,mac=zz:00:00:00:00:00
expect_error "-nic with a short MAC" "hexadecimal|MAC|mac" -nic user,mac=52:54:00:12:34
expect_error "-nic with a multicast MAC" "multicast" -nic user,mac=01:00:5e:00:00:01
# hostfwd
expect_error "hostfwd with an unknown protocol" "tcp or udp" -nic user,hostfwd=sctp::8080-:80
expect_error "hostfwd without the host address field" "expected" -nic user,hostfwd=tcp:8080-:80
expect_error "hostfwd without a guest part" "expected" -nic user,hostfwd=tcp::8080
expect_error "hostfwd with a host port that is not a number" "not a port" -nic user,hostfwd=tcp::abc-:80
expect_error "hostfwd with a guest port above 65535" "not a port" -nic user,hostfwd=tcp::8080-:99999
expect_error "hostfwd with guest port 0" "not a port" -nic user,hostfwd=udp::8080-:0
expect_error "hostfwd with a bad host address" "IPv4" -nic user,hostfwd=tcp:1.2.3.4.5:8080-:80
expect_error "hostfwd with a bad guest address" "IPv4" -nic user,hostfwd=tcp::8080-10.0.2:80
# -netdev and -device
expect_error "-netdev without id=" "id=" -netdev user
expect_error "-netdev with an unknown backend" "unknown network backend" -netdev tap,id=n0 $dev
expect_error "-netdev with an unknown option" "unknown option" -netdev user,id=n0,frobnicate=1 $dev
expect_error "-netdev that no card uses" "no card" -netdev user,id=n0
expect_error "two -netdev with the same id" "same id" -netdev user,id=n0 -netdev user,id=n0 $dev
expect_error "-device naming an unknown netdev id" "no -netdev" -netdev user,id=n0 $dev \
    -device virtio-net,netdev=n1
expect_error "-device without netdev=" "netdev" -device virtio-net
expect_error "-device of an unknown kind" "unknown device" -netdev user,id=n0 -device e1000,netdev=n0
expect_error "-device with an unknown option" "unknown option" -netdev user,id=n0 $dev,frobnicate=1
expect_error "-device with a malformed MAC" "hexadecimal|MAC|mac" -netdev user,id=n0 $dev,mac=52:54:00:12:34:5g
expect_error "two cards on one netdev" "already has a card" -netdev user,id=n0 $dev $dev

# A hostfwd whose host port is taken: a Python process holds a TCP and a UDP
# port on 127.0.0.1 (and prints them) until it is killed.
/usr/bin/python3 -c '
import socket, sys, time
t = socket.socket(); t.bind(("127.0.0.1", 0)); t.listen(1)
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(("127.0.0.1", 0))
print(t.getsockname()[1], u.getsockname()[1], flush=True)
time.sleep(300)
' >"$work/ports" &
holder=$!
for _ in $(seq 100); do
    [ -s "$work/ports" ] && break
    sleep 0.1
done
read -r tport uport <"$work/ports"
expect_error "tcp hostfwd on a host port in use (-nic)" "$tport.*in use|in use.*$tport" \
    -nic "user,hostfwd=tcp::$tport-:80"
expect_error "udp hostfwd on a host port in use (-netdev)" "$uport.*in use|in use.*$uport" \
    -netdev "user,id=n0,hostfwd=udp:127.0.0.1:$uport-:7000" $dev
expect_error "the same host port forwarded twice" "in use" \
    -nic "user,hostfwd=tcp::$((tport ^ 1))-:80,hostfwd=tcp::$((tport ^ 1))-:81"
kill "$holder" && wait "$holder" 2>/dev/null
holder=
# Once free, the port forwards: the run starts and stops at --max-insns (status 3).
limited "$mipshv" -kernel "$good" --max-insns 1000 -nic "user,hostfwd=tcp::$tport-:80,hostfwd=udp::$uport-:7000" \
    </dev/null >/dev/null 2>"$work/err"
rc=$?
if [ $rc -eq 3 ] && ! grep -q "in use" "$work/err"; then
    pass "the freed ports forward (exit 3 at --max-insns)"
else
    fail "the freed ports do not forward: exit $rc"; cat "$work/err"
fi

summary
