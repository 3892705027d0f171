#!/usr/bin/python3
"""Writes the fuzz harnesses' seed corpora (tests/fuzz/corpus/<harness>/).

The seeds are committed; this script records how they were made and makes
them again (./make_seeds.py, from any directory). Each seed is a small,
valid input that reaches deep into its harness: a real guest ELF, real
command lines, a driver that brings a virtio device up and sends requests,
register sequences as the Linux drivers write them, RunRecords as mipshv
writes them. The fuzzer mutates from there.

Needs mips64el-linux-gnuabi64-gcc, protoc and python3-protobuf (all in the
Makefile's DEPS).
"""
import os
import shutil
import struct
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CORPUS = os.path.join(HERE, "corpus")


def write(harness, name, data):
    folder = os.path.join(CORPUS, harness)
    os.makedirs(folder, exist_ok=True)
    if isinstance(data, str):
        data = data.encode()
    assert len(data) < 20 * 1024, f"{harness}/{name} is {len(data)} bytes: seeds stay under 20 KiB"
    with open(os.path.join(folder, name), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- ELF loader
GUEST_CC = "mips64el-linux-gnuabi64-gcc"
GUEST_FLAGS = ["-march=mips64r2", "-mabi=64", "-EL", "-mno-abicalls", "-fno-pic", "-G0", "-msym32",
               "-Wa,-mno-fix-loongson3-llsc", "-mhard-float", "-O2", "-ffreestanding", "-fno-builtin",
               "-fno-asynchronous-unwind-tables", "-fno-stack-protector", "-nostdlib", "-static",
               "-Wl,-e,_start", "-Wl,--build-id=none", "-Wl,-N"]  # -N: no page padding in the file

# Two functions (symbols to look up) and a UHI exit; a second PT_LOAD with .bss.
TINY_S = r"""
    .set noreorder
    .text
    .globl _start
    .ent _start
_start:
    jal exit_zero
    nop
    .end _start
    .globl exit_zero
    .ent exit_zero
    .type exit_zero, @function
exit_zero:
    li $4, 0
    li $25, 1
    sdbbp 1
    .end exit_zero
    .size exit_zero, .-exit_zero
    .data
counter: .dword 7
    .bss
scratch: .space 4096
"""
TWO_SEGMENTS_LD = """
ENTRY(_start)
PHDRS { text PT_LOAD; data PT_LOAD; }
SECTIONS {
  . = 0xffffffff80100000;
  .text : { *(.text) } :text
  . = 0xffffffff80200000;
  .data : AT(0x300000) { *(.data) } :data
  .bss : { *(.bss) } :data
  /DISCARD/ : { *(.MIPS.options) *(.gnu.attributes) *(.pdr) *(.note*) }
}
"""


def elf_seeds():
    runtime = os.path.join(ROOT, "tests", "guest", "runtime")
    with tempfile.TemporaryDirectory() as tmp:
        def build(out, sources, extra):
            path = os.path.join(tmp, out)
            subprocess.run([GUEST_CC, *GUEST_FLAGS, *extra, "-o", path, *sources], check=True)
            subprocess.run(["mips64el-linux-gnuabi64-strip", "--strip-debug", "-R", ".MIPS.options",
                            "-R", ".gnu.attributes", path], check=True)
            with open(path, "rb") as f:
                return f.read()

        tiny = os.path.join(tmp, "tiny.S")
        with open(tiny, "w") as f:
            f.write(TINY_S)
        ld = os.path.join(tmp, "two.ld")
        with open(ld, "w") as f:
            f.write(TWO_SEGMENTS_LD)
        write("elf_loader", "two_segments.elf", build("two.elf", [tiny], ["-T", ld]))
        stripped = build("stripped.elf", [tiny], ["-T", ld, "-s"])
        write("elf_loader", "stripped.elf", stripped)
        # A conformance program of tests/guest with its runtime, as the tests run it.
        sources = sorted(os.path.join(runtime, n) for n in os.listdir(runtime) if n.endswith((".c", ".S")))
        write("elf_loader", "alu32.elf",
              build("alu32.elf", sources + [os.path.join(ROOT, "tests", "guest", "isa", "alu32.S")],
                    ["-T", os.path.join(runtime, "link.ld"), "-I" + runtime]))


# ------------------------------------------------- options and device tree
COMMAND_LINES = {
    "bare_metal": ["-kernel", "test.elf", "-semihosting", "--engine", "interp", "--max-insns", "1000000"],
    "linux": ["-kernel", "vmlinuz", "-initrd", "4194304", "-m", "512M", "-append", "console=ttyS0 quiet",
              "-drive", "file=disk.img,format=raw,if=virtio", "-nic", "user,hostfwd=tcp::8080-:80"],
    "smp_modes": ["--kernel", "vmlinuz", "-smp", "cpus=4", "--quantum", "5000", "--mode", "on-demand",
                  "-m", "1G", "-rtc", "base=2024-01-02T03:04:05", "--clock", "host", "--code-cache", "64M"],
    "devices": ["-kernel", "k", "-drive", "file=a.img,format=raw,if=virtio,readonly=on,serial=disk0",
                "-drive", "file=b,,c.img,format=raw,if=virtio,snapshot=on,cache=unsafe",
                "-netdev", "user,id=n0,restrict=on,hostfwd=udp:127.0.0.1:5353-10.0.2.15:53",
                "-device", "virtio-net,netdev=n0,mac=52:54:00:aa:bb:cc", "--pcap", "out.pcap",
                "-M", "virt", "-nographic", "-serial", "null", "--stats", "run.pb", "--dump-dtb", "out.dtb"],
    "trap": ["-kernel", "k", "--mode", "trap", "-m", "4M", "--system-map", "System.map", "--trace", "t.txt",
             "-rtc", "base=utc", "-smp", "2"],
    "help": ["--help", "--version"],
}


def option_seeds():
    for name, args in COMMAND_LINES.items():
        blob = b"\0".join(a.encode() for a in args)
        write("options", name, blob)
        write("device_tree", name, blob)
    write("device_tree", "big_append", b"\0".join([b"-kernel", b"k", b"-append", b"x=" + b"y" * 3000, b"-smp", b"8"]))


# ------------------------------------------------------------------ virtio
# Operation codes of tests/fuzz/virtio.cpp.
REG_WRITE, REG_READ, RAM_WRITE, BRING_UP, POST_CHAIN, NOTIFY, RECEIVE, CONFIG_READ = range(8)
WRITE_FLAG = 2


def bring_up(where, size_log2):
    return struct.pack("<BHB", BRING_UP, where, size_log2)


def ram_write(addr, data):
    return struct.pack("<BHB", RAM_WRITE, addr, len(data) - 1) + data


def chain(queue, first, buffers):
    out = struct.pack("<BBBB", POST_CHAIN, queue, len(buffers) - 1, first)
    for addr, length, flags in buffers:
        out += struct.pack("<HHB", addr, length, flags)
    return out


def block_request(first, kind, sector, data_len, data_writable, header=0x1000, data=0x4000, status=0x5000):
    ops = ram_write(header, struct.pack("<IIQ", kind, 0, sector))
    buffers = [(header, 16, 0)]
    if data_len:
        buffers.append((data, data_len, WRITE_FLAG if data_writable else 0))
    buffers.append((status, 1, WRITE_FLAG))
    return ops + chain(0, first, buffers)


def virtio_seeds():
    # Block (config byte: bit 0 clear; bits 1-2 the disk mode): read, write, flush, get-id, unsupported.
    up = bring_up(0x0000, 3)
    reads = block_request(0, 0, 1, 1024, True)
    write_ops = ram_write(0x4000, bytes(range(256))) + block_request(3, 1, 2, 512, False)
    flush = block_request(5, 4, 0, 0, False)
    get_id = block_request(0, 8, 0, 20, True)
    unsupported = block_request(2, 77, 0, 0, False)
    config = bytes([CONFIG_READ, 3, 0, CONFIG_READ, 2, 2])
    # The disk has 64 sectors: the last one written, the last two read.
    last = block_request(6, 1, 63, 512, False) + block_request(1, 0, 62, 1024, True)
    for mode in range(4):
        write("virtio", f"block_mode{mode}",
              bytes([mode << 1]) + up + reads + write_ops + flush + get_id + unsupported + last + config)
    # A request past the end of the 64-sector disk, a queue in the high window.
    write("virtio", "block_high_ring", bytes([0]) + bring_up(0x8100, 4) + block_request(1, 0, 63, 1024, True, 0x9000, 0xa000, 0xb000))
    # Registers one by one: reset, status, queue select and size, ready, notify.
    regs = b"".join(struct.pack("<BBI", REG_WRITE, off // 4, v) for off, v in
                    [(0x70, 0), (0x70, 1), (0x70, 3), (0x24, 1), (0x20, 1), (0x70, 11), (0x30, 0), (0x38, 8),
                     (0x80, 0x200), (0x90, 0x300), (0xa0, 0x400), (0x44, 1), (0x70, 15), (0x50, 0), (0x64, 3)])
    write("virtio", "block_registers", bytes([0]) + regs + bytes([REG_READ, 0x60 // 4, REG_READ, 0x70 // 4]))
    # Net (config byte 1, loopback 9): transmit a frame, post receive buffers, receive frames.
    frame = bytes(12) + bytes.fromhex("ffffffffffff525400123456 0806".replace(" ", "")) + bytes(28)
    tx = ram_write(0x6000, frame) + chain(1, 0, [(0x6000, len(frame), 0)])
    rx = chain(0, 0, [(0x7000, 12, WRITE_FLAG), (0x7100, 1514, WRITE_FLAG)]) + \
         chain(0, 2, [(0x1000, 1600, WRITE_FLAG)])
    received = struct.pack("<BBH", RECEIVE, 0, 60) + bytes(range(60))
    for name, config in [("net", 1), ("net_loopback", 9)]:
        write("virtio", name, bytes([config]) + bring_up(0x0000, 3) + rx + tx + received + bytes([NOTIFY, 0, CONFIG_READ, 0]))


# -------------------------------------------------------------------- mmio
# Operation codes and targets of tests/fuzz/mmio.cpp.
READ, WRITE, TIME_PASSES, CONSOLE_INPUT, GIC_INPUT, CORE_STOPPED = range(6)
UART, RTC, SYSCON, CM, GIC, CPC, VIRTIO_DISK, VIRTIO_NIC = range(8)


def access(op, target, offset, size_log2=2, vcpu=0, value=None):
    # Offset mode 1 (raw % window): 0x40000000 is a multiple of every window.
    out = struct.pack("<BBIB", op, target, 0x40000000 | offset, size_log2 | (vcpu << 2))
    if op == WRITE:
        out += struct.pack("<Q", value)
    return out


def rd(target, offset, size_log2=2, vcpu=0):
    return access(READ, target, offset, size_log2, vcpu)


def wr(target, offset, value, size_log2=2, vcpu=0):
    return access(WRITE, target, offset, size_log2, vcpu, value)


def mmio_seeds():
    uart = b"".join([wr(UART, 3, 0x80, 0), wr(UART, 0, 1, 0), wr(UART, 1, 0, 0), wr(UART, 3, 3, 0),
                     wr(UART, 2, 7, 0), wr(UART, 1, 3, 0), wr(UART, 0, ord("A"), 0), rd(UART, 5, 0),
                     rd(UART, 2, 0), bytes([CONSOLE_INPUT, ord("x")]), rd(UART, 0, 0), wr(UART, 7, 0x55, 0)])
    write("mmio", "uart", bytes([0]) + uart)
    rtc = b"".join([rd(RTC, 0), rd(RTC, 4), wr(RTC, 0xc, 0), wr(RTC, 8, 5000), wr(RTC, 0x10, 1),
                    struct.pack("<BI", TIME_PASSES, 10000), rd(RTC, 0x18), wr(RTC, 0x1c, 1), wr(RTC, 4, 1), wr(RTC, 0, 2)])
    write("mmio", "rtc_syscon", bytes([0]) + rtc + wr(SYSCON, 0, 0x7777) + wr(SYSCON, 0, 0x5555) + rd(SYSCON, 0))
    cps = b"".join([rd(CM, 0x000), rd(CM, 0x008), rd(CM, 0x030), rd(CM, 0x080), rd(CM, 0x088), rd(CM, 0x0d0),
                    wr(CM, 0x4018, 1 << 16), wr(CM, 0x4020, 0x80001000), wr(CM, 0x4030, 1 << 30),
                    wr(CM, 0x4000, 0), rd(CM, 0x2028, vcpu=1), wr(CM, 0x2008, 0xff, vcpu=1),
                    rd(CPC, 0x2008), wr(CPC, 0x2010, 1 << 16), wr(CPC, 0x4000, 3), rd(CPC, 0x4008),
                    wr(CPC, 0x2000, 2, vcpu=1), bytes([CORE_STOPPED, 2]), wr(CPC, 0x4000, 4)])
    write("mmio", "cm_cpc", bytes([3]) + cps)
    gic = b"".join([rd(GIC, 0x000), wr(GIC, 0x100, 0xffffffff), wr(GIC, 0x180, 0xffff0000), wr(GIC, 0x184, 0xffffffff),
                    wr(GIC, 0x500 + 4 * 3, 0x80000000), wr(GIC, 0x2000 + 0x20 * 3, 2), wr(GIC, 0x380, 1 << 3),
                    bytes([GIC_INPUT, 0x83]), rd(GIC, 0x480), bytes([GIC_INPUT, 3]),
                    wr(GIC, 0x500 + 4 * 60, 0x80000001), wr(GIC, 0x2000 + 0x20 * 60, 1), wr(GIC, 0x384, 1 << 28),
                    wr(GIC, 0x280, 0x80000000 | 60), wr(GIC, 0x280, 60, vcpu=1), rd(GIC, 0x010), rd(GIC, 0x014),
                    wr(GIC, 0x8080, 1), rd(GIC, 0xc088), wr(GIC, 0x80a0, 1234), wr(GIC, 0x0000, 1 << 28),
                    struct.pack("<BI", TIME_PASSES, 99), rd(GIC, 0x10010)])
    write("mmio", "gic", bytes([1]) + gic)
    virtio = b"".join([rd(VIRTIO_DISK, 0), rd(VIRTIO_DISK, 8), wr(VIRTIO_DISK, 0x70, 1), wr(VIRTIO_DISK, 0x14, 1),
                       rd(VIRTIO_DISK, 0x10), rd(VIRTIO_DISK, 0x100, 3), rd(VIRTIO_DISK, 0x104, 0),
                       wr(VIRTIO_NIC, 0x30, 1), rd(VIRTIO_NIC, 0x34), rd(VIRTIO_NIC, 0x100, 1), wr(VIRTIO_NIC, 0x50, 1),
                       wr(VIRTIO_DISK, 0x101, 1, 3), rd(UART, 1, 2)])
    write("mmio", "virtio_registers", bytes([0]) + virtio)


# --------------------------------------------------------------- RunRecord
def run_record_seeds():
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(["protoc", f"--python_out={tmp}", "-I", ROOT, os.path.join(ROOT, "hv/stats/run_record.proto")],
                       check=True)
        sys.path.insert(0, tmp)
        from hv.stats import run_record_pb2 as pb

        r = pb.RunRecord(mipshv_version="0.1.0", stop_reason="halt", exit_code=0, wall_seconds=1.5)
        r.config.argv.extend(["mipshv", "-kernel", "test.elf", "--stats", "run.pb"])
        r.totals["instructions"] = 123456
        r.totals["exceptions"] = 7
        v = r.vcpus.add()
        v.counters["instructions"] = 123456
        write("run_record", "bare_metal.pb", r.SerializeToString())

        r.stop_reason = "quit"
        r.hypervisor.exits_by_kind["mtc0 Status"] = 42
        r.hypervisor.patches["1:1 load"] = 3
        d = r.devices.add(name="vda", kind="virtio-blk", path="disk.img")
        d.counters["requests_in"] = 9
        a = r.artifacts.add()
        a.CopyFrom(pb.Artifact())
        write("run_record", "hypervisor.pb", r.SerializeToString())
        write("run_record", "empty.pb", b"")
        sys.path.remove(tmp)
        shutil.rmtree(os.path.join(tmp, "hv"), ignore_errors=True)


def main():
    if os.path.isdir(CORPUS):
        shutil.rmtree(CORPUS)
    elf_seeds()
    option_seeds()
    virtio_seeds()
    mmio_seeds()
    run_record_seeds()
    for harness in sorted(os.listdir(CORPUS)):
        files = os.listdir(os.path.join(CORPUS, harness))
        print(f"{harness}: {len(files)} seeds")


if __name__ == "__main__":
    main()
