"""The mipshv Python module: VM lifecycle, console, counters, errors."""
import hashlib
import os
import re
import signal
import subprocess
import threading
import time

import pytest

import mipshv
import nets  # experiments/ (conftest.py puts it on the path): the one pcap reader
from mipshv import run_record_pb2

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def test_version_matches_the_build(mipshv_cli):
    # The project's version, which CMake passes to the build as MIPSHV_VERSION.
    with open(os.path.join(ROOT, "CMakeLists.txt")) as f:
        version = re.search(r"project\(mipshv VERSION ([0-9.]+)", f.read()).group(1)
    assert mipshv.__version__ == version
    cli = subprocess.run([mipshv_cli, "--version"], capture_output=True, text=True, check=True).stdout
    assert cli == f"mipshv {version}\n"


def test_bare_metal_program_runs_alike_in_every_mode(guest):
    outputs, traps = {}, {}
    for mode in mipshv.MODES:
        with mipshv.VM(kernel=guest("alu32"), semihosting=True, memory="128M", mode=mode) as vm:
            assert vm.run_until(timeout=30) == "halt"
            assert vm.exit_code == 0
            outputs[mode] = vm.output
            traps[mode] = vm.counters().totals["exits_sensitive_trap"]
    assert "checks passed" in outputs["bare-metal"]
    assert all(out == outputs["bare-metal"] for out in outputs.values())
    assert traps["bare-metal"] == 0 and traps["trap"] > 0
    assert all(traps[m] <= traps["trap"] for m in ("1:1", "1:n", "on-demand"))


def _engine_run(guest, name, mode, engine):
    with mipshv.VM(kernel=guest(name), semihosting=True, memory="128M", mode=mode, engine=engine) as vm:
        assert vm.run_until(timeout=60) == "halt"
        return vm.output, vm.exit_code, vm.counters()


@pytest.mark.parametrize("name,mode", [("tlb", "on-demand"), ("selfmod", "trap"), ("usermode", "1:n"),
                                       ("fpu_arith", "bare-metal"), ("interp", "1:1")])
def test_both_engines_run_a_guest_alike(guest, name, mode):
    runs = {engine: _engine_run(guest, name, mode, engine) for engine in mipshv.ENGINES}
    (jit_out, jit_rc, jit), (interp_out, interp_rc, interp) = runs["jit"], runs["interp"]
    assert jit_rc == 0 and "checks passed" in jit_out
    assert interp_out == jit_out and interp_rc == jit_rc
    for engine, (_, _, record) in runs.items():
        assert record.config.engine == engine and record.engine.name == engine
        argv = list(record.config.argv)
        assert argv[argv.index("--engine") + 1] == engine
    assert dict(interp.totals) == dict(jit.totals) and interp.totals["instructions"] > 0
    assert [dict(v.counters) for v in interp.vcpus] == [dict(v.counters) for v in jit.vcpus]
    assert dict(interp.hypervisor.exits_by_kind) == dict(jit.hypervisor.exits_by_kind)
    assert dict(interp.hypervisor.patches) == dict(jit.hypervisor.patches)
    assert interp.stop_reason == jit.stop_reason


def test_the_default_engine_is_jit(guest):
    with mipshv.VM(kernel=guest("alu32"), semihosting=True, memory="64M") as vm:
        vm.run_until(timeout=30)
        assert vm.counters().config.engine == "jit"
    assert mipshv.ENGINES[0] == "jit"


def test_counters_are_a_run_record_and_a_dict(guest):
    with mipshv.VM(kernel=guest("tlb"), semihosting=True, memory="128M", mode="on-demand") as vm:
        vm.run_until(timeout=30)
        record = vm.counters()
        assert isinstance(record, run_record_pb2.RunRecord)
        assert record.config.mode == "on-demand"
        assert record.hypervisor.patches  # on-demand patched the sites that trapped
        as_dict = vm.counters_dict()
        assert as_dict["config"]["mode"] == "on-demand"
        assert int(as_dict["totals"]["instructions"]) == record.totals["instructions"] > 0
        with open(guest("tlb"), "rb") as f:
            kernel_sha256 = hashlib.sha256(f.read()).hexdigest()
        assert as_dict["artifacts"][0]["role"] == "kernel"
        assert as_dict["artifacts"][0]["sha256"] == record.artifacts[0].sha256 == kernel_sha256


def test_bad_arguments_raise_clear_errors(guest, tmp_path):
    with pytest.raises(mipshv.Error, match="cannot open"):
        mipshv.VM(kernel=tmp_path / "missing.elf")
    bogus = tmp_path / "bogus.elf"
    bogus.write_bytes(b"not an elf" * 10)
    with pytest.raises(mipshv.Error, match="not an ELF"):
        mipshv.VM(kernel=bogus)
    with pytest.raises(mipshv.Error, match="unknown mode"):
        mipshv.VM(kernel=guest("alu32"), mode="warp")
    with pytest.raises(mipshv.Error, match="unknown engine 'bogus'"):
        mipshv.VM(kernel=guest("alu32"), engine="bogus")
    with pytest.raises(mipshv.Error, match="bad size"):
        mipshv.VM(kernel=guest("alu32"), memory="lots")
    with pytest.raises(mipshv.Error, match="from 1 to 8"):
        mipshv.VM(kernel=guest("alu32"), smp=9)
    with pytest.raises(mipshv.Error, match="100 to 10000000"):
        mipshv.VM(kernel=guest("alu32"), mode="bare-metal", smp=2, quantum=5)


@pytest.mark.parametrize("mode", ["bare-metal", "trap", "on-demand"])
def test_smp_board_runs_a_program_on_its_boot_cpu(guest, mode):
    # The other vCPUs stay in reset until the guest starts them (CM, CPC).
    with mipshv.VM(kernel=guest("alu32"), semihosting=True, memory="64M", mode=mode, smp=3,
                   quantum=1000) as vm:
        assert vm.run_until(timeout=60) == "halt" and vm.exit_code == 0
        record = vm.counters()
    assert record.config.smp == 3 and record.config.quantum == 1000 and record.config.mode == mode
    assert [v.cpu for v in record.vcpus] == [0, 1, 2]
    assert record.vcpus[0].counters["instructions_kernel"] > 0
    assert all(sum(v.counters.values()) == 0 and not v.exits_by_kind for v in record.vcpus[1:])
    if mode == "trap":  # the program's sensitive instructions exit on vCPU 0, and are counted there by kind
        exits = record.vcpus[0].counters["exits_sensitive_trap"]
        assert exits > 0 and sum(n for k, n in record.vcpus[0].exits_by_kind.items() if k != "mmio") == exits


def test_context_manager_tears_the_vm_down(guest):
    with mipshv.VM(kernel=guest("alu32"), semihosting=True, memory="64M") as vm:
        pass
    with pytest.raises(mipshv.Error, match="stopped"):
        vm.counters()


def test_expect_reports_a_stopped_guest(guest):
    with mipshv.VM(kernel=guest("alu32"), semihosting=True, memory="64M") as vm:
        with pytest.raises(mipshv.GuestStopped):
            vm.expect("this never appears", timeout=30)


def _timed(call, limit=30):
    """Runs `call` in a daemon thread, so that one that never returns fails the test instead
    of stalling it; returns (what it raised or None, seconds it took)."""
    result = {}

    def target():
        start = time.monotonic()
        try:
            call()
        except Exception as e:  # noqa: BLE001  (handed to the caller)
            result["raised"] = e
        result["seconds"] = time.monotonic() - start
    worker = threading.Thread(target=target, daemon=True)
    worker.start()
    worker.join(limit)
    assert not worker.is_alive(), f"still running after {limit} s"
    return result.get("raised"), result["seconds"]


def test_run_until_and_expect_time_out_on_a_guest_that_never_stops(spinning_guest):
    with mipshv.VM(kernel=spinning_guest, memory="64M") as vm:
        for wait in (lambda: vm.run_until(timeout=1), lambda: vm.expect("never printed", timeout=1)):
            raised, seconds = _timed(wait)
            assert isinstance(raised, TimeoutError), raised
            assert 1 <= seconds < 10  # the timeout, plus at most a few slices of guest instructions
        # The guest is still there, running: a condition can still come true.
        assert vm.stop_reason is None
        start = vm.instructions
        assert vm.run_until(lambda v: v.instructions > start, timeout=10) is None


@pytest.mark.parametrize("engine", mipshv.ENGINES)
def test_interrupt_from_another_thread_stops_the_guest_and_it_runs_on(spinning_guest, engine):
    with mipshv.VM(kernel=spinning_guest, memory="64M", engine=engine) as vm:
        asker = threading.Timer(0.3, vm.interrupt)
        asker.start()
        with pytest.raises(mipshv.Interrupted):
            vm.run_until(timeout=60)  # (not interrupted: TimeoutError after a minute)
        asker.join()
        assert vm.stop_reason is None
        start = vm.instructions
        assert vm.run_until(lambda v: v.instructions > start + 10_000_000, timeout=30) is None
        # Asked for between runs, the stop ends the next run before it runs anything.
        vm.interrupt()
        at = vm.instructions
        with pytest.raises(mipshv.Interrupted):
            vm.expect("never printed", timeout=60)
        assert vm.instructions == at
        assert vm.run_until(lambda v: v.instructions > at, timeout=30) is None


def test_ctrl_c_during_a_run_raises_keyboard_interrupt_and_the_vm_runs_on(spinning_guest):
    with mipshv.VM(kernel=spinning_guest, memory="64M") as vm:
        ctrl_c = threading.Timer(0.3, signal.pthread_kill, (threading.main_thread().ident, signal.SIGINT))
        ctrl_c.start()
        with pytest.raises(KeyboardInterrupt):
            vm.run_until(timeout=60)  # (the run not stopped: TimeoutError after a minute)
        ctrl_c.join()
        assert vm.stop_reason is None
        # Python's own handler is back once the run is over.
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
        start = vm.instructions
        assert vm.run_until(lambda v: v.instructions > start + 10_000_000, timeout=30) is None


def test_interrupt_wakes_a_linux_guest_that_waits_on_the_host(linux):
    """With a network card an idle guest waits on host time (here `sleep 2`): the
    interrupt ends that wait, and the guest then goes on to the end of its command."""
    with mipshv.VM(mode="on-demand", nics=["user"], **linux) as vm:
        vm.expect(mipshv.PROMPT, timeout=120)
        vm.send("sleep 2; echo slept\n")
        vm.expect(r"echo slept\r?\n", timeout=30)
        asker = threading.Timer(0.3, vm.interrupt)
        asker.start()
        with pytest.raises(mipshv.Interrupted):
            vm.expect("slept", timeout=60)
        asker.join()
        assert "slept" not in vm.output[vm._cursor:]
        vm.expect("slept", timeout=60)
        assert vm.run("echo $((6 * 7))") == "42"


def _run_alone(kernel, mode):
    with mipshv.VM(kernel=kernel, semihosting=True, memory="64M", mode=mode) as vm:
        assert vm.run_until(timeout=30) == "halt"
        return vm.output, dict(vm.counters().totals)


def test_two_vms_in_one_process_do_not_interfere(guest):
    alone_a, alone_b = _run_alone(guest("alu32"), "trap"), _run_alone(guest("count_bits"), "bare-metal")
    a = mipshv.VM(kernel=guest("alu32"), semihosting=True, memory="64M", mode="trap")
    b = mipshv.VM(kernel=guest("count_bits"), semihosting=True, memory="64M", mode="bare-metal")
    for _ in range(50):  # interleave their execution
        if a.stop_reason is None:
            a._step()
        if b.stop_reason is None:
            b._step()
    assert a.run_until(timeout=30) == "halt" and b.run_until(timeout=30) == "halt"
    # Each printed and counted exactly what it does alone.
    assert a.output == alone_a[0] and "addu 0x7fffffff+1 = 0xffffffff80000000" in a.output
    assert b.output == alone_b[0] and "checks passed" in b.output
    assert dict(a.counters().totals) == alone_a[1] and dict(b.counters().totals) == alone_b[1]
    assert a.counters().totals["exits_sensitive_trap"] > 0
    assert b.counters().totals["exits_sensitive_trap"] == 0


def test_the_gil_is_released_while_the_guest_runs(spinning_guest):
    """Another Python thread runs during one long Machine.run call, not only between calls."""
    vm = mipshv.VM(kernel=spinning_guest, memory="64M")
    budget = 300_000_000  # a fraction of a second or more of guest instructions, in one call
    ticks = 0
    worker = threading.Thread(target=vm._live().run, args=(budget,))
    worker.start()
    while worker.is_alive():
        ticks += 1  # only possible while the other thread does not hold the GIL
        time.sleep(0.001)
    worker.join()
    assert vm.instructions >= budget
    assert ticks >= 20
    vm.stop()


def test_linux_console_session(linux):
    with mipshv.VM(mode="on-demand", **linux) as vm:
        vm.expect(mipshv.PROMPT, timeout=120)
        assert "mips64" in vm.run("uname -m")
        assert vm.run("echo $((6 * 7))") == "42"
        assert vm.run("cd /tmp") == ""  # a command that prints nothing returns at the prompt
        record = vm.counters()
        assert record.totals["exits_hypercall"] > 0
        vm.send("poweroff -f\n")
        assert vm.run_until(timeout=60) == "halt"
        assert vm.exit_code == 0


def test_linux_with_a_disk_and_a_network_card(linux, tmp_path):
    """The VM takes -drive and -nic as the command line spells them; the guest mounts the
    disk, gets its address by DHCP, and the RunRecord holds both devices' counters; the
    --pcap capture holds the DHCP exchange and every frame the card counted."""
    image = os.path.join(ROOT, "datasets", "cache", "test-disk.img")
    pcap = tmp_path / "net.pcap"
    with mipshv.VM(mode="trap", drives=[f"file={image},format=raw,if=virtio,snapshot=on"], nics=["user"],
                   pcap=pcap, **linux) as vm:
        vm.expect(mipshv.PROMPT, timeout=120)
        assert "/dev/vda mounted at /mnt" in vm.output
        assert "eth0 10.0.2.15 via 10.0.2.2" in vm.output
        assert vm.run("cat /mnt/hello.txt") == "hello from the mipshv test disk"
        # With a card the guest's idle time passes on the host (packets arrive in host time),
        # so a command is back as soon as its prompt is, and `sleep 1` lasts about a second,
        # not however many idle periods one slice of instructions would wait through.
        started = time.monotonic()
        assert vm.run("true") == ""
        assert time.monotonic() - started < 5
        started = time.monotonic()
        vm.run("sleep 1")
        assert 0.9 < time.monotonic() - started < 5
        devices = {d.name: d for d in vm.counters().devices}
        assert devices["vda"].kind == "virtio-blk" and devices["vda"].counters["requests_in"] > 0
        assert devices["eth0"].kind == "virtio-net" and devices["eth0"].counters["rx_frames"] >= 2  # DHCP offer, ack
        assert vm.counters().totals["exits_mmio"] > 0
        vm.send("poweroff\n")
        assert vm.run_until(timeout=60) == "halt"
        card = {d.name: d for d in vm.counters().devices}["eth0"].counters
    capture = nets.summarize_pcap(pcap)
    assert capture["frames"] == card["rx_frames"] + card["tx_frames"] > 0
    assert capture["truncated"] == capture["bad"] == 0
    # /init's udhcpc: DISCOVER, OFFER, REQUEST, ACK (a message may be repeated), and slirp's
    # offers and acks give 10.0.2.15 with the router 10.0.2.2
    assert list(dict.fromkeys(capture["dhcp"])) == ["DISCOVER", "OFFER", "REQUEST", "ACK"]
    assert {kind for kind, _, _ in capture["dhcp_offers"]} == {"OFFER", "ACK"}
    assert all(offer[1:] == (nets.GUEST_IP, nets.HOST_IP) for offer in capture["dhcp_offers"])
