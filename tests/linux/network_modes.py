#!/usr/bin/python3
"""Every execution mode moves the same TCP transfer: the guest's eth0 gets
its address by DHCP (from /init at boot, else udhcpc), the guest fetches a
random file from an HTTP server the test runs on 127.0.0.1, and prints its
sha256. In each MODE eth0 must have got its lease, the checksum must be the
host file's, the card's counters present and plausible with no errors, and
in the hypervisor modes (all but bare-metal) the card's registers must have
been reached through MMIO exits.

usage: network_modes.py MIPSHV KERNEL INITRD OUTDIR MODE... [--engine jit|interp] [--size MiB] [--timeout S]

Each MODE's console log and RunRecord go to OUTDIR/network-modes-MODE.{log,pb}
(':' spelt 'to'). The boots share --timeout seconds (270, below ctest's 300).
"""
import os
import sys
import time

import nets  # experiments/, on PYTHONPATH
from checks import test_setup
from console_session import ConsoleSession

MODES = ("bare-metal", "trap", "1:1", "1:n", "on-demand")


def boot(args, mode, http, size, budget):
    base = os.path.join(args.outdir, f"network-modes-{mode.replace(':', 'to')}")
    stats = base + ".pb"
    if os.path.exists(stats):
        os.remove(stats)
    argv = nets.argv(args.mipshv, "user", args.kernel, args.initrd, mode=mode, engine=args.engine, stats=stats)
    s = ConsoleSession(argv, base + ".log", budget)
    start = time.monotonic()
    result = {"mode": mode, "wget": "", "wget_seconds": 0, "sha256": None}
    try:
        s.expect(nets.PROMPT, 300)
        nets.run(s, "dmesg -n 1")
        try:
            result["eth0_by"] = nets.bring_up_eth0(s)
        except RuntimeError as e:  # no DHCP lease: nothing more to try in this mode
            result["eth0_by"] = None
            result["dhcp_error"] = str(e)
        t0 = time.monotonic()
        if result["eth0_by"]:
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
    wget = f"wget {result['wget_seconds']:.1f} s, {size / result['wget_seconds'] / 2**20:.2f} MiB/s" \
        if result["wget_seconds"] else "no wget"
    print(f"{mode}: {result['seconds']:.1f} s ({wget}), eth0 by {result['eth0_by'] or 'nothing'}", flush=True)
    return result


def main():
    def extra(ap):
        ap.add_argument("modes", nargs="+", choices=MODES)
        ap.add_argument("--size", type=int, default=8, help="MiB fetched by the guest (default 8)")

    args, budget, check = test_setup(__doc__, 270, extra=extra)
    size = args.size << 20
    data = nets.random_file(size, seed=2)  # the same bytes in every run and every mode
    want = nets.sha256(data)
    http = nets.HttpServer({"/host.bin": data})
    runs = []
    try:
        for mode in args.modes:
            runs.append(boot(args, mode, http, size, budget))
    finally:
        http.close()
    for r in runs:
        mode, rec = r["mode"], r["record"]
        check(f"{mode}: powers off with status 0", r["status"] == 0, r["status"])
        check(f"{mode}: ran in that mode under the {args.engine} engine",
              rec["config"].get("mode") == mode and rec["config"].get("engine") == args.engine, rec["config"])
        trouble = nets.KERNEL_TROUBLE.findall(r["console"])
        check(f"{mode}: no Oops, warning or network trouble on the console", not trouble, trouble)
        check(f"{mode}: eth0 got its address by DHCP" + (f" (from {r['eth0_by']})" if r["eth0_by"] else ""),
              r["eth0_by"] in ("init", "udhcpc"), r.get("dhcp_error"))
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
