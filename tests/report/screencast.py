#!/usr/bin/python3
"""The screencast of the demo's boot: `make screencast` records, with
asciinema, Debian's Linux booting on mipshv (the same machine as `make
demo`) to the shell, a few commands typed at it, and poweroff, into
BUILD/screencast/boot.cast; then renders still frames of it (the kernel's
banners, the shell, the commands, the poweroff) as PNGs beside it, which
the test report shows.

usage: screencast.py record OUT_DIR -- MIPSHV ARGS...
       screencast.py drive -- MIPSHV ARGS...   (what asciinema runs)
       screencast.py stills CAST OUT_DIR
"""
import json
import os
import re
import select
import shlex
import subprocess
import sys
import time

COLS, ROWS = 100, 30
PROMPT = re.compile(rb"\n[^\n]*# (?:\x1b\[6n)?$")
# What is typed at the shell once it is up (the demo guest: disk at /mnt, DHCP on eth0).
COMMANDS = ["uname -a", "cat /proc/cpuinfo | head -n 8", "ip -4 addr show eth0", "df -h /mnt", "poweroff"]
# Still frames: the first moment the console shows each of these, then the last.
STILLS = [("banners", rb"Linux version[\s\S]*Kernel command line"), ("devices", rb"virtio_blk|Freeing unused kernel"),
          ("shell", PROMPT.pattern), ("commands", rb"df -h /mnt[\s\S]*# ")]


def drive(argv, boot_timeout=300, command_timeout=60):
    """Runs mipshv, relays its console to this process's stdout (the
    recording's terminal) and types COMMANDS at the shell."""
    proc = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, bufsize=0)
    seen = b""

    def wait_for(pattern, timeout):
        nonlocal seen
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            ready, _, _ = select.select([proc.stdout], [], [], 0.5)
            if ready:
                chunk = os.read(proc.stdout.fileno(), 65536)
                if not chunk:
                    return False
                os.write(1, chunk)
                seen += chunk
                if pattern.search(seen):
                    seen = b""
                    return True
        return False

    if not wait_for(PROMPT, boot_timeout):
        proc.kill()
        sys.exit("screencast: the guest did not reach its shell")
    for command in COMMANDS:
        time.sleep(0.8)
        for ch in command + "\n":  # typed, so the recording shows it being typed
            proc.stdin.write(ch.encode())
            time.sleep(0.04)
        if command == "poweroff":
            break
        if not wait_for(PROMPT, command_timeout):
            proc.kill()
            sys.exit(f"screencast: no prompt after {command!r}")
    wait_for(re.compile(rb"reboot: |System halted|Power down"), command_timeout)
    try:
        proc.wait(command_timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        sys.exit("screencast: mipshv did not exit after poweroff")
    if proc.returncode != 0:
        sys.exit(f"screencast: mipshv exited with status {proc.returncode}")


def render(screen, path):
    from PIL import Image, ImageDraw, ImageFont
    font = ImageFont.truetype("/usr/share/fonts/truetype/dejavu/DejaVuSansMono.ttf", 14)
    cw, ch = font.getlength("M"), 18
    image = Image.new("RGB", (int(COLS * cw) + 17, ROWS * ch + 16), (24, 24, 24))
    draw = ImageDraw.Draw(image)
    for y, line in enumerate(screen.display):
        draw.text((8, 8 + y * ch), line, font=font, fill=(220, 220, 220))
    image.save(path)


def stills(cast, out):
    """PNGs of the recording at the first moment each of STILLS shows, and at its end."""
    import pyte
    screen = pyte.Screen(COLS, ROWS)
    stream = pyte.Stream(screen)
    with open(cast) as f:
        header = json.loads(f.readline())
        events = [json.loads(line) for line in f if line.strip()]
    if header.get("width") != COLS:
        screen.resize(header.get("height", ROWS), header.get("width", COLS))
    pending = list(STILLS)
    text = b""
    written = []
    for _, kind, data in events:
        if kind != "o":
            continue
        for piece in re.split(r"(?<=\n)", data):  # line by line: a still shows the line that matched
            stream.feed(piece)
            text += piece.encode(errors="replace")
            while pending and re.search(pending[0][1], text):
                name = f"{len(written) + 1:02d}-{pending[0][0]}.png"
                render(screen, os.path.join(out, name))
                written.append(name)
                pending.pop(0)
                text = b""
    name = f"{len(written) + 1:02d}-poweroff.png"
    render(screen, os.path.join(out, name))
    written.append(name)
    missing = [p[0] for p in pending]
    if missing:
        sys.exit(f"screencast: the recording never showed {', '.join(missing)}")
    return written


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    verb = sys.argv[1]
    if verb == "stills" and len(sys.argv) == 4:
        for name in stills(sys.argv[2], sys.argv[3]):
            print(f"screencast: wrote {os.path.join(sys.argv[3], name)}")
        return 0
    if "--" not in sys.argv:
        sys.exit(__doc__)
    argv = sys.argv[sys.argv.index("--") + 1:]
    if verb == "drive":
        drive(argv)
        return 0
    if verb == "record" and sys.argv.index("--") == 3:
        out = sys.argv[2]
        os.makedirs(out, exist_ok=True)
        for old in os.listdir(out):
            if old.endswith(".png"):
                os.remove(os.path.join(out, old))
        cast = os.path.join(out, "boot.cast")
        inner = shlex.join(["/usr/bin/python3", os.path.abspath(__file__), "drive", "--", *argv])  # (asciinema runs it in a shell)
        r = subprocess.run(["asciinema", "rec", "-q", "--overwrite", "--cols", str(COLS), "--rows", str(ROWS),
                            "-i", "2", "-t", "mipshv: Debian's Linux booting on the virtual board", "-c", inner, cast],
                           stdin=subprocess.DEVNULL)
        if r.returncode != 0 or not os.path.exists(cast):
            sys.exit("screencast: asciinema failed")
        print(f"screencast: wrote {cast}")
        for name in stills(cast, out):
            print(f"screencast: wrote {os.path.join(out, name)}")
        return 0
    sys.exit(__doc__)


if __name__ == "__main__":
    sys.exit(main())
