# Front door: `make demo` and `make test` work on a fresh Debian 12 machine.
# CMake does the real build; this file only installs packages and runs things.

BUILD := build
# The first python3 on PATH may be a pyenv interpreter without Debian's
# pybind11/protobuf/pytest packages, so always configure with the system one.
CMAKE_FLAGS := -G Ninja -DCMAKE_BUILD_TYPE=Release -DPython3_EXECUTABLE=/usr/bin/python3

DEPS := build-essential cmake ninja-build pkg-config catch2 libbenchmark-dev libfdt-dev libxbyak-dev \
        libprotobuf-dev protobuf-compiler pybind11-dev python3-pybind11 python3-dev \
        python3-protobuf python3-pytest python3-scapy libcapstone-dev gcc-mips64el-linux-gnuabi64 \
        qemu-system-mips device-tree-compiler libssl-dev libslirp-dev libglib2.0-dev \
        python3-tqdm python3-pandas python3-matplotlib python3-nbclient python3-nbformat \
        python3-ipykernel snakemake e2fsprogs
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)

# The guest: Debian's mips64r2el kernel and an initramfs with busybox,
# fetched from the Debian archive and verified against datasets/guest-manifest.json;
# and its ext4 disks (datasets/make_disk.py): test-disk.img, rebuilt byte-identical
# every time, and demo-disk.img, made once and then kept (the demo's files persist).
# The demo guest also has a network card (user-mode networking, DHCP at boot)
# with the host's 127.0.0.1:8080 forwarded to its port 80 (MANUAL.md section 3).
GUEST := datasets/cache
DEMO_ARGS := -kernel $(GUEST)/vmlinuz-mips64r2el -initrd $(GUEST)/initramfs.cpio.gz -m 512M -append "console=ttyS0" \
             -drive file=$(GUEST)/demo-disk.img,format=raw,if=virtio \
             -nic user,hostfwd=tcp::8080-:80

.PHONY: deps build guest test demo bench paper clean
.DEFAULT_GOAL := build
# Prerequisites run left to right: deps, then build, then the recipe.
.NOTPARALLEL:

deps:
	@missing=$$(for pkg in $(DEPS); do \
	    dpkg-query -W -f='$${db:Status-Status}\n' $$pkg 2>/dev/null | grep -qx installed || echo $$pkg; \
	done); \
	if [ -n "$$missing" ]; then \
	    echo "Installing:" $$missing; \
	    $(SUDO) apt-get update && \
	    $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; \
	fi

build:
	cmake -S . -B $(BUILD) $(CMAKE_FLAGS)
	cmake --build $(BUILD)

guest:
	/usr/bin/python3 datasets/fetch_guest.py
	/usr/bin/python3 datasets/make_disk.py
	/usr/bin/python3 datasets/make_disk.py --demo

test: deps build guest
	@ctest --test-dir $(BUILD) --output-on-failure -j2 \
	    && echo "make test: all tests passed" \
	    || { echo "make test: FAILED (see the output above)"; exit 1; }

# Boots Linux to a busybox shell on this terminal, with the demo disk at /mnt
# and a network card (host port 8080 to the guest's port 80);
# `poweroff` (which unmounts it cleanly) or Ctrl-A x ends it.
demo: deps build guest
	$(BUILD)/mipshv $(DEMO_ARGS)

# The paper, with the figures `make test` wrote (notebooks/modes.ipynb).
paper: deps
	@missing=$$(for pkg in latexmk texlive-latex-base texlive-latex-recommended; do \
	    dpkg-query -W -f='$${db:Status-Status}\n' $$pkg 2>/dev/null | grep -qx installed || echo $$pkg; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi
	@ls paper/figures/*.pdf >/dev/null 2>&1 || { echo "make paper: no figures yet; run make test first"; exit 1; }
	cd paper && latexmk -pdf -interaction=nonstopmode paper.tex

bench: build
	$(BUILD)/experiments/bench/mipshv_bench

clean:
	rm -rf $(BUILD)
