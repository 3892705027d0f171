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
        python3-ipykernel snakemake e2fsprogs clang libclang-rt-14-dev \
        python3-scipy slurm-wlm munge weasyprint asciinema python3-pyte python3-pil
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

# The screencast records the demo's machine; without the demo's port
# forward, so that a host whose port 8080 is taken can record it too.
comma := ,
SCREENCAST_ARGS := $(subst $(comma)hostfwd=tcp::8080-:80,,$(DEMO_ARGS))

.PHONY: deps build guest system-map test demo bench paper clean fuzz fuzz-qemu sanitize report screencast
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

# The guest kernel's symbols (System.map), for the exit-site report and its
# test: the kernel's -dbg package (640 MB) is downloaded once, the map taken
# out and the package deleted (datasets/fetch_system_map.py).
system-map: guest
	/usr/bin/python3 datasets/fetch_system_map.py

# After ctest, tests/summary.py prints the tests run by label and fails when
# a label has fewer tests than tests/labels.tsv asks or any test was skipped.
# After the tests: the screencast, and the test case result report
# (build/report/: HTML and PDF), which fails when a milestone has no passing test.
test: deps build guest system-map
	@ctest --test-dir $(BUILD) --output-on-failure -j2 --output-junit test-results.xml; \
	ctest_status=$$?; \
	/usr/bin/python3 tests/summary.py $(BUILD) $(BUILD)/test-results.xml; summary_status=$$?; \
	/usr/bin/python3 tests/report/screencast.py record $(BUILD)/screencast -- $(BUILD)/mipshv $(SCREENCAST_ARGS) >/dev/null; \
	screencast_status=$$?; \
	/usr/bin/python3 tests/report/report.py $(BUILD) $(BUILD)/test-results.xml --check; report_status=$$?; \
	[ $$ctest_status -eq 0 ] && [ $$summary_status -eq 0 ] && [ $$screencast_status -eq 0 ] && [ $$report_status -eq 0 ] \
	    || { echo "make test: FAILED (see the output above)"; exit 1; }

# The test case result report of the last `make test` (tests/report/report.py):
# build/report/index.html and report.pdf, a section per milestone.
report: deps
	/usr/bin/python3 tests/report/report.py $(BUILD) $(BUILD)/test-results.xml

# The demo's boot recorded with asciinema (build/screencast/boot.cast) and its
# still frames (PNG), which the report shows (tests/report/screencast.py).
screencast: deps build guest
	/usr/bin/python3 tests/report/screencast.py record $(BUILD)/screencast -- $(BUILD)/mipshv $(SCREENCAST_ARGS)

# Hardening: everything built with AddressSanitizer and UBSan (MIPSHV_SANITIZE,
# CMakeLists.txt) in its own build directory, then the unit, ISA and
# differential tests and one Linux boot (jit) run on it. Any report (a memory
# error, a leak at exit, undefined behaviour) ends the process with a non-zero
# status and fails its test. Python tests are left out: the module, loaded
# into /usr/bin/python3, would need libasan preloaded. (MANUAL.md section 8.)
SANITIZE_BUILD := build-sanitize
SANITIZE_ENV := ASAN_OPTIONS=halt_on_error=1:detect_leaks=1:detect_stack_use_after_return=1:check_initialization_order=1:strict_init_order=1 \
                UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1
sanitize: deps guest
	cmake -S . -B $(SANITIZE_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
	    -DPython3_EXECUTABLE=/usr/bin/python3 -DMIPSHV_SANITIZE=ON
	cmake --build $(SANITIZE_BUILD)
	@$(SANITIZE_ENV) ctest --test-dir $(SANITIZE_BUILD) --output-on-failure -j2 -L '^(unit|isa|differential)$$' \
	    && $(SANITIZE_ENV) ctest --test-dir $(SANITIZE_BUILD) --output-on-failure -R '^linux\.boot_shell\.jit$$' \
	    && echo "make sanitize: all tests passed" \
	    || { echo "make sanitize: FAILED (see the output above)"; exit 1; }

# Boots Linux to a busybox shell on this terminal, with the demo disk at /mnt
# and a network card (host port 8080 to the guest's port 80);
# `poweroff` (which unmounts it cleanly) or Ctrl-A x ends it.
demo: deps build guest
	$(BUILD)/mipshv $(DEMO_ARGS)

# The papers (paper/README.md): paper/patching.pdf, on code patching for
# MIPS64, and paper/system.pdf, on the whole system. Their numbers are macros
# paper/write_numbers.py writes from the records (the Linux mode test's
# RunRecords, the study's tidy table STUDY, the host calibration, the cost
# model's validation on STUDY's records, the QEMU comparison VS_QEMU, the
# durability trials; for the system paper also the network, disk, engine and
# endurance tests' records, ctest's list of fuzzing campaigns and the records
# in REFERENCE), their figures the notebooks draw from the same records;
# paper/check.py fails on a macro the text uses and the data did not give,
# or a figure older than its data. STUDY defaults to the small sweep `make
# test` runs; `make paper STUDY=experiments/results/study` uses a full study.
STUDY ?= $(BUILD)/tests/study
VS_QEMU ?= experiments/reference/vs-qemu.json
# The system paper's other committed records (experiments/reference/, each with
# its command, host and binary): workload classes, network and disk throughput.
REFERENCE ?= experiments/reference
PAPERS := patching system
paper: deps
	@missing=$$(for pkg in latexmk texlive-latex-base texlive-latex-recommended texlive-latex-extra texlive-publishers; do \
	    dpkg-query -W -f='$${db:Status-Status}\n' $$pkg 2>/dev/null | grep -qx installed || echo $$pkg; done); \
	if [ -n "$$missing" ]; then $(SUDO) apt-get update && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y $$missing; fi
	@ls $(BUILD)/tests/linux/jit/modes-trap.pb $(STUDY)/study.csv >/dev/null 2>&1 || { echo "make paper: no records yet; run make test first"; exit 1; }
	PYTHONPATH=$(BUILD)/python /usr/bin/python3 notebooks/execute.py notebooks/modes.ipynb --records $(BUILD)/tests/linux/jit \
	    --net-records $(BUILD)/tests/linux/net --figures paper/figures
	PYTHONPATH=$(BUILD)/python /usr/bin/python3 notebooks/execute.py notebooks/study.ipynb --study $(STUDY) --figures paper/figures
	PYTHONPATH=$(BUILD)/python /usr/bin/python3 notebooks/execute.py notebooks/system.ipynb --reference $(REFERENCE) --figures paper/figures
	PYTHONPATH=$(BUILD)/python /usr/bin/python3 experiments/validate_cost_model.py --study $(STUDY) \
	    --calibration experiments/calibration/host-calibration.json --out $(BUILD)/paper/validation >/dev/null
	PYTHONPATH=$(BUILD)/python /usr/bin/python3 paper/write_numbers.py --build $(BUILD) --study $(STUDY) \
	    --reference $(REFERENCE) --vs-qemu $(VS_QEMU) --out paper/generated/numbers.tex
	/usr/bin/python3 paper/check.py --numbers paper/generated/numbers.tex --tex $(PAPERS:%=paper/%.tex) \
	    --study $(STUDY) --study-figures paper/figures --records $(BUILD)/tests/linux/jit --mode-figures paper/figures \
	    --reference $(REFERENCE)
	cd paper && latexmk -pdf -interaction=nonstopmode -halt-on-error $(PAPERS:%=%.tex)

# Coverage-guided fuzzing of every input the host parses (tests/fuzz/README.md):
# the harnesses built with clang (libFuzzer, AddressSanitizer, UBSan) in the
# same build directory the fuzz.build test uses, then each run for
# FUZZ_SECONDS from the committed seeds; new inputs go to $(FUZZ_BUILD)/work,
# crashes too. `make test` runs each for 5 seconds.
FUZZ_BUILD := $(BUILD)/tests/fuzz/clang
FUZZ_SECONDS ?= 60
FUZZ_JOBS ?= 1
FUZZ_HARNESSES ?= $(basename $(notdir $(wildcard tests/fuzz/*.cpp)))
fuzz: deps
	cmake -S tests/fuzz/project -B $(FUZZ_BUILD) -G Ninja
	cmake --build $(FUZZ_BUILD)
	tests/fuzz/run.sh --build $(FUZZ_BUILD) --work $(FUZZ_BUILD)/work --seconds $(FUZZ_SECONDS) --jobs $(FUZZ_JOBS) $(FUZZ_HARNESSES)

# A random differential campaign against QEMU (tests/fuzz_engines/README.md,
# "Against QEMU"): FUZZ_QEMU_CASES programs of engine_fuzz's QEMU-comparable
# subset (seed FUZZ_QEMU_SEED), 100 per ELF, FUZZ_QEMU_JOBS ELFs at a time,
# each run under QEMU and under mipshv with both engines and compared case by
# case; every mismatch is kept with its ELF, the outputs and a reproducer.
FUZZ_QEMU_CASES ?= 3000
FUZZ_QEMU_JOBS ?= 2
FUZZ_QEMU_SEED ?= 1
fuzz-qemu: deps build
	/usr/bin/python3 tests/fuzz_engines/qemu_campaign.py --engine-fuzz $(BUILD)/tests/fuzz_engines/engine_fuzz \
	    --mipshv $(BUILD)/mipshv --cases $(FUZZ_QEMU_CASES) --jobs $(FUZZ_QEMU_JOBS) --seed $(FUZZ_QEMU_SEED)

bench: build
	$(BUILD)/experiments/bench/mipshv_bench

clean:
	rm -rf $(BUILD) $(SANITIZE_BUILD)
