#!/usr/bin/python3
"""Every execution mode moves the same TCP transfer: the guest brings eth0 up
(DHCP), fetches a random file from an HTTP server the test runs on
127.0.0.1, and prints its sha256. In each MODE the checksum must be the host
file's, the card's counters present and plausible with no errors, and in the
hypervisor modes (all but bare-metal) the card's registers must have been
reached through MMIO exits.

usage: network_modes.py MIPSHV KERNEL INITRD OUTDIR MODE... [--engine jit|interp] [--size MiB]

Each MODE's console log and RunRecord go to OUTDIR/network-modes-MODE.{log,pb}
(':' spelt 'to').
"""
import argparse
import os
import sys
import time

import disks  # experiments/, on PYTHONPATH
import nets
from console_session import ConsoleSession

MODES = ("bare-metal", "trap", "1:1", "1:n", "on-demand")


def boot(args, mode, http, size):
    base = os.path.join(args.outdir, f"network-modes-{mode.replace(':', 'to')}")
    stats = base + ".pb"
    if os.path.exists(stats):
        os.remove(stats)
    argv = nets.argv(args.mipshv, "user", args.kernel, args.initrd, mode=mode, engine=args.engine, stats=stats)
    s = ConsoleSession(argv, base + ".log")
    start = time.monotonic()
    result = {"mode": mode}
    try:
        s.expect(nets.PROMPT, 300)
        nets.run(s, "dmesg -n 1")
        result["eth0_by"] = nets.bring_up_eth0(s)
        t0 = time.monotonic()
        out = nets.run(s, f"wget -q -O /tmp/h.bin http://{nets.HOST_IP}:{http.port}/host.bin; echo rc=$?", 300)
        result["wget_seconds"] = time.monotonic() - t0
        result["wget"] = out
        result["sha256"] = (nets.run(s, "sha256sum /tmp/h.bin").split() or [None])[0]
        s.send("poweroff\n")
        result["status"] = s.wait_exit(120)
    finally:
        s.close()
    result["seconds"] = time.monotonic() - start
    result["console"] = s.log.decode(errors="replace")
    result["record"] = nets.record(args.mipshv, stats)
    print(f"{mode}: {result['seconds']:.1f} s (wget {result['wget_seconds']:.1f} s, "
          f"{size / result['wget_seconds'] / 2**20:.2f} MiB/s), eth0 by {result['eth0_by']}", flush=True)
    return result


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("mipshv")
    ap.add_argument("kernel")
    ap.add_argument("initrd")
    ap.add_argument("outdir")
    ap.add_argument("modes", nargs="+", choices=MODES)
    ap.add_argument("--engine", default="jit")
    ap.add_argument("--size", type=int, default=8, help="MiB fetched by the guest (default 8)")
    args = ap.parse_args()
    os.makedirs(args.outdir, exist_ok=True)
    check = disks.Checks()
    size = args.size << 20
    data = nets.random_file(size, seed=2)  # the same bytes in every run and every mode
    want = nets.sha256(data)
    http = nets.HttpServer({"/host.bin": data})
    runs = []
    try:
        for mode in args.modes:
            runs.append(boot(args, mode, http, size))
    finally:
        http.close()
    for r in runs:
        mode, rec = r["mode"], r["record"]
        check(f"{mode}: powers off with status 0", r["status"] == 0, r["status"])
        check(f"{mode}: ran in that mode under the {args.engine} engine",
              rec["config"].get("mode") == mode and rec["config"].get("engine") == args.engine, rec["config"])
        trouble = nets.KERNEL_TROUBLE.findall(r["console"])
        check(f"{mode}: no Oops, warning or network trouble on the console", not trouble, trouble)
        check(f"{mode}: wget exits 0", r["wget"].endswith("rc=0"), r["wget"])
        check(f"{mode}: the guest's copy has the host file's sha256", r["sha256"] == want, f"{r['sha256']} vs {want}")
        try:
            c = nets.card(rec)
        except KeyError as e:
            check(f"{mode}: eth0's counters in the RunRecord", False, e)
            continue
        check(f"{mode}: counters present", all(k in c for k in ("rx_frames", "rx_bytes", "tx_frames", "tx_bytes",
                                                               "queue_notifications", "interrupts_raised")), sorted(c))
        check(f"{mode}: rx_bytes >= the file, frames both ways",
              c.get("rx_bytes", 0) >= size and c.get("tx_frames", 0) > 0 and c.get("rx_frames", 0) > 0, c)
        check(f"{mode}: no drops, malformed chains or slirp errors", not nets.card_errors(c), nets.card_errors(c))
        mmio = int(rec["totals"].get("exits_mmio", 0))
        if mode == "bare-metal":
            check("bare-metal: no MMIO exits", mmio == 0, mmio)
        else:
            check(f"{mode}: the card's registers were reached through MMIO exits ({mmio})", mmio > 0, mmio)
    sums = {r["mode"]: r["sha256"] for r in runs}
    check("identical checksums in every mode", len(set(sums.values())) == 1, sums)
    return check.summary()


if __name__ == "__main__":
    sys.exit(main())
