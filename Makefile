# UsbPassd: the two commands that matter are `make demo` and `make test` (see README.md).
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
DOTNET ?= dotnet
CONFIG ?= Debug
BUILD := build
BIN := $(BUILD)/artifacts/bin
CONFIG_DIR := $(shell echo $(CONFIG) | tr A-Z a-z)
USBPASSCTL := $(DOTNET) $(BIN)/UsbPassd.Cli/$(CONFIG_DIR)/usbpassctl.dll
TESTING := $(DOTNET) $(BIN)/UsbPassd.Testing/$(CONFIG_DIR)/UsbPassd.Testing.dll

# Debian packages the build, the tests and the demo use (installed by `make deps`, which CI runs; gcc links the
# NativeAOT executables; python3-placement and python3-keystone are the real OpenStack Placement and Keystone the
# integration tests start (the packages, not their system services);
# tests/lab/build-assets.sh installs the lab's own if they are missing).
DEB_PACKAGES := gcc usb.ids xz-utils sqlite3 inotify-tools python3 qemu-system-x86 qemu-utils libvirt-daemon-system libvirt-clients busybox-static cpio kmod socat rpm help2man lintian rpmlint e2fsprogs python3-placement python3-keystone

.PHONY: all build publish bench-fleet bench-commit bench-hostile bench-daemon bench-rpc bench-start bench-hook bench-hook-lab bench-attach-lab lab test test-unit test-integration test-lab test-lab-platform lab-smoke demo corpus-demo bench deps packages clean bench-placement

all: build

build:
	$(DOTNET) build UsbPassd.sln -c $(CONFIG) -v quiet -nologo

## The lab host's kernel and initramfs (cached under build/lab; a second run takes a second).
lab:
	tests/lab/build-assets.sh

## Tests, pure -> real -> lab (tests/run-tests prints one closing "N passed, N failed" line).
## The lab tier installs the .deb of `make packages` into a systemd lab host, so test builds it.
## The two-host lab's platform facts (plain libvirt migrations, 8 min) run in test-lab-platform, not here.
test: build lab packages
	TEST_FILTER='Tier!=platform&Tier!=chaos' tests/run-tests $(CONFIG) tests/UsbPassd.Tests.Unit tests/UsbPassd.Tests.Integration tests/UsbPassd.Tests.Lab

test-unit: build
	tests/run-tests $(CONFIG) tests/UsbPassd.Tests.Unit

test-integration: build
	tests/run-tests $(CONFIG) tests/UsbPassd.Tests.Integration

test-lab: build lab publish
	tests/run-tests $(CONFIG) tests/UsbPassd.Tests.Lab

## libvirt's and QEMU's own behaviour across a live migration in the two-host lab (what usbpassd's
## migration handling relies on: a USB hostdev arrives detached until detached and attached again).
test-lab-platform: build lab publish
	TEST_FILTER='Tier=platform' tests/run-tests $(CONFIG) tests/UsbPassd.Tests.Lab

## The lab's raw timings (boot, hotplug, udev, libvirt attach), measured by tests/lab/smoke.sh.
lab-smoke: lab
	tests/lab/smoke.sh

## Boots the lab and shows UsbPassd on real USB devices.
demo: build lab publish
	$(TESTING) lab-demo $(BUILD)/publish/usbpassctl/usbpassctl $(BUILD)/publish/usbpassd/usbpassd

## Discovery over the corpus's recorded hosts (no lab needed).
corpus-demo: build
	tests/demo/corpus-demo "$(USBPASSCTL)" "$(TESTING)"

## Benchmarks (BenchmarkDotNet, Release); readable results in build/benchmarks/results/*.md,
## then the daemon's figures (event -> commit latency, burst, RSS, start -> READY) on the shipped build.
bench: publish
	mkdir -p $(BUILD)/benchmarks
	$(DOTNET) build tests/UsbPassd.Benchmarks -c Release -v quiet -nologo
	$(DOTNET) $(BIN)/UsbPassd.Benchmarks/release/UsbPassd.Benchmarks.dll --filter '*'
	@cat $(BUILD)/benchmarks/results/*-report-github.md
	$(DOTNET) $(BIN)/UsbPassd.Benchmarks/release/UsbPassd.Benchmarks.dll daemon $(CURDIR)/$(BUILD)/publish/usbpassd/usbpassd | tee $(BUILD)/benchmarks/daemon-figures.txt
	$(DOTNET) $(BIN)/UsbPassd.Benchmarks/release/UsbPassd.Benchmarks.dll rpc $(CURDIR)/$(BUILD)/publish/usbpassd/usbpassd | tee $(BUILD)/benchmarks/rpc-figures.txt

## Issue 15's fleet scale against a real Placement (Debian's python3-placement, SQLite, noauth2): 1,000 hosts × 10
## corpus devices synced by 1,000 PlacementSync agents, then 1,000 placements by 20 concurrent reference schedulers for
## 600 matching devices, checked from Placement's own allocations. Smaller: FLEET_HOSTS=20 FLEET_MATCHING=12 FLEET_PLACEMENTS=20
## (the rest: tests/UsbPassd.Benchmarks/FleetFigures.cs; docs/placement.md, "Fleet scale").
bench-fleet:
	mkdir -p $(BUILD)/benchmarks
	$(DOTNET) build tests/UsbPassd.Benchmarks -c Release -v quiet -nologo
	$(DOTNET) $(BIN)/UsbPassd.Benchmarks/release/UsbPassd.Benchmarks.dll fleet | tee $(BUILD)/benchmarks/fleet-figures.txt

## Issue 14's per-commit figures, counted (no timing): registry statements (SQLite's own trace) and managed
## allocations per uevent commit, with the feed's subscribers as usbpassd attaches them, in this process.
bench-commit:
	mkdir -p $(BUILD)/benchmarks
	$(DOTNET) build tests/UsbPassd.Benchmarks -c Release -v quiet -nologo
	$(DOTNET) $(BIN)/UsbPassd.Benchmarks/release/UsbPassd.Benchmarks.dll commit | tee $(BUILD)/benchmarks/commit-figures.txt

## Issue 15's sync figures on the shipped daemon and a real Placement (python3-placement): device change → Placement
## updated (p50/p99 against one raw inventory PUT + 5 ms), and Placement down 60 s (PLACEMENT_DOWN_SECONDS=N for a
## quick run) while 100 devices change: the catch-up time once it answers again, and nothing lost.
bench-placement: publish
	mkdir -p $(BUILD)/benchmarks
	$(DOTNET) build tests/UsbPassd.Benchmarks -c Release -v quiet -nologo
	$(DOTNET) $(BIN)/UsbPassd.Benchmarks/release/UsbPassd.Benchmarks.dll placement | tee $(BUILD)/benchmarks/placement-figures.txt

## The socket's latency and throughput with 1,000 devices against an echo server's floor, on the shipped daemon
## (and, with BEFORE=path/to/usbpassd[.dll], an older build in the same run, with AFTER ÷ BEFORE).
bench-rpc: publish
	mkdir -p $(BUILD)/benchmarks
	$(DOTNET) build tests/UsbPassd.Benchmarks -c Release -v quiet -nologo
	$(DOTNET) $(BIN)/UsbPassd.Benchmarks/release/UsbPassd.Benchmarks.dll rpc $${BEFORE:-} $(CURDIR)/$(BUILD)/publish/usbpassd/usbpassd | tee $(BUILD)/benchmarks/rpc-figures.txt

## A hostile read-only client against the shipped daemon (and, with BEFORE=path/to/usbpassd[.dll], an older build
## in the same run): memory under a batch flood, root's latency while another uid holds connections, wrong answers.
bench-hostile: publish
	$(DOTNET) build tests/UsbPassd.Benchmarks -c Release -v quiet -nologo
	mkdir -p $(BUILD)/benchmarks
	$(DOTNET) $(BIN)/UsbPassd.Benchmarks/release/UsbPassd.Benchmarks.dll hostile $${BEFORE:-} $(CURDIR)/$(BUILD)/publish/usbpassd/usbpassd | tee $(BUILD)/benchmarks/hostile-figures.txt

## The event pipeline's latency, then the shipped daemon's start -> READY, idle RSS and a 10,000-event burst (and,
## with BEFORE=path/to/usbpassd[.dll], an older build's alternately in the same run, with AFTER ÷ BEFORE).
bench-daemon: publish
	mkdir -p $(BUILD)/benchmarks
	$(DOTNET) build tests/UsbPassd.Benchmarks -c Release -v quiet -nologo
	$(DOTNET) $(BIN)/UsbPassd.Benchmarks/release/UsbPassd.Benchmarks.dll daemon $${BEFORE:-} $(CURDIR)/$(BUILD)/publish/usbpassd/usbpassd | tee $(BUILD)/benchmarks/daemon-figures.txt

## Start-up of the shipped binaries as ratios to NativeAOT yardsticks built and run in the same loop (tests/reference):
## usbpassd start → READY=1 vs a Generic Host with AddSystemd(), `usbpassctl list` vs a hello world (50 devices).
bench-start: publish
	$(DOTNET) publish tests/reference/minimal-host -c Release -r linux-x64 -o $(BUILD)/publish/reference/minimal-host -v quiet -nologo
	$(DOTNET) publish tests/reference/hello -c Release -r linux-x64 -o $(BUILD)/publish/reference/hello -v quiet -nologo
	$(DOTNET) build tests/UsbPassd.Benchmarks -c Release -v quiet -nologo
	mkdir -p $(BUILD)/benchmarks
	$(DOTNET) $(BIN)/UsbPassd.Benchmarks/release/UsbPassd.Benchmarks.dll start $(BUILD)/publish/usbpassd/usbpassd $(BUILD)/publish/usbpassctl/usbpassctl \
		$(BUILD)/publish/reference/minimal-host/minimal-host $(BUILD)/publish/reference/hello/hello | tee $(BUILD)/benchmarks/start-figures.txt

## usbpassd and usbpassctl as shipped: NativeAOT executables (no .NET runtime, no JIT; linked by gcc),
## zero trim/AOT warnings (warnings are errors). Symbols in *.dbg beside them, not packaged.
publish:
	$(DOTNET) publish daemon/UsbPassd.Daemon -c Release -r linux-x64 -p:PublishAot=true -o $(BUILD)/publish/usbpassd -v quiet -nologo
	$(DOTNET) publish cli/UsbPassd.Cli -c Release -r linux-x64 -p:PublishAot=true -o $(BUILD)/publish/usbpassctl -v quiet -nologo

## usbpassd_<version>_amd64.deb and usbpassd-<version>-1.x86_64.rpm in build/packages (packaging/README.md).
packages: publish
	packaging/build-packages.sh $${VERSION:-$$(sed -n 's:.*<Version>\(.*\)</Version>.*:\1:p' Directory.Build.props)} $(BUILD)/packages

deps:
	@missing=$$(for p in $(DEB_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  case " $$missing " in *" cockpit-ws "*) systemctl disable --now cockpit.socket >/dev/null 2>&1 || true;; esac; \
	fi

clean:
	rm -rf $(BUILD)

## The libvirt hook's round trip where libvirt runs it: 200 VM starts with the hook, 200 with /bin/true,
## with this machine's libvirtd (bench-hook) and inside the lab host (bench-hook-lab, TCG: slow).
bench-hook: build publish
	mkdir -p $(BUILD)/benchmarks
	tests/packaging/hook-bench-local.sh 200 | tee $(BUILD)/benchmarks/hook-figures.txt

## Attach vs raw virsh and replug → re-attached in the lab, with the shipped daemon (as every lab test).
bench-attach-lab: build lab publish
	$(DOTNET) test tests/UsbPassd.Tests.Lab -c $(CONFIG) --no-build --nologo \
		--filter "FullyQualifiedName~AttachLabTests.Attach_to_a_running|FullyQualifiedName~AttachLabTests.Unplugged_while" \
		--logger "console;verbosity=detailed" | grep -E '^ *lab: |Passed|Failed'

bench-hook-lab: build lab publish
	mkdir -p $(BUILD)/benchmarks
	tests/lab/hook-bench.sh 200 | tee $(BUILD)/benchmarks/hook-lab-figures.txt

## Coverage-guided fuzzing of the parsers (afl++ + SharpFuzz; tests/fuzz/README.md): each target for
## FUZZ_SECONDS, one at a time, niced (usb-ids three times as long). The default, 300 s (45 minutes for the seven),
## passes 1,000,000 executions on every target on this 2-core machine: the slowest, usb-ids, ran 1,750-2,900
## exec/s for its 900 s, the others 6,000-12,500 (tests/fuzz/README.md, "Campaigns"). The committed seeds,
## corpora and regressions are replayed in `make test` (tests/UsbPassd.Tests.Unit/Fuzz); fuzz-smoke is a short
## real afl-fuzz run of every target (the build, the instrumentation, the harness and the script work).
DEB_PACKAGES += afl++
FUZZ_SECONDS ?= 300
.PHONY: fuzz fuzz-smoke
fuzz:
	FUZZ_SECONDS=$(FUZZ_SECONDS) tests/fuzz/run.sh

fuzz-smoke:
	FUZZ_SECONDS=10 tests/fuzz/run.sh

## Crash points (issue 17): 200 random (operation, crash point) pairs against the real daemon, this machine's
## libvirtd and a real registry, then CRASH_PLACEMENT_PAIRS (60) in the Placement sync against a real Placement
## on loopback (make test runs a few); CRASH_SCOPE=local|placement runs one of the two, CRASH_SEED=N reruns
## one run. The summary (pairs, points hit / defined, wall time) is build/crash-points.txt.
CRASH_SCOPE ?= all
CRASH_FILTER_local := FullyQualifiedName~Reliability.CrashPointTests
CRASH_FILTER_placement := FullyQualifiedName~Reliability.CrashPlacementPointTests
CRASH_FILTER_all := $(CRASH_FILTER_local)|$(CRASH_FILTER_placement)
.PHONY: crash-points
crash-points: build
	mkdir -p $(BUILD) && rm -f $(BUILD)/crash-points.txt
	CRASH_PAIRS=$${CRASH_PAIRS:-200} CRASH_PLACEMENT_PAIRS=$${CRASH_PLACEMENT_PAIRS:-60} CRASH_REPORT=$(CURDIR)/$(BUILD)/crash-points.txt TEST_FILTER='$(CRASH_FILTER_$(CRASH_SCOPE))' \
		tests/run-tests $(CONFIG) tests/UsbPassd.Tests.Integration
	cat $(BUILD)/crash-points.txt

## Issue 17's races at full size: RACE_CALLS (10,000) racing reserve/attach/swap/release calls from many clients on
## the real daemon and this machine's libvirtd (make test runs a small count); figures in build/races/race-figures.txt.
.PHONY: races
races: build
	mkdir -p $(BUILD)/races
	RACE_CALLS=$${RACE_CALLS:-10000} RACE_FIGURES=$(CURDIR)/$(BUILD)/races/race-figures.txt \
		TEST_FILTER='FullyQualifiedName~Reliability.RaceTests' tests/run-tests $(CONFIG) tests/UsbPassd.Tests.Integration; \
		status=$$?; cat $(BUILD)/races/race-figures.txt 2>/dev/null; exit $$status

## Issue 17's long chaos cases (tests/UsbPassd.Tests.Lab/ChaosLabTests.cs, trait Tier=chaos): libvirtd restarted
## 50 times in the lab host during attach/detach loops (about 18 minutes). The short chaos cases run in make test.
.PHONY: chaos
chaos: build lab publish
	TEST_OUTPUT_DIR=$(CURDIR)/$(BUILD)/chaos TEST_FILTER='Tier=chaos' tests/run-tests $(CONFIG) tests/UsbPassd.Tests.Lab; \
		status=$$?; cat $(BUILD)/chaos/*.txt 2>/dev/null; exit $$status

## The Cockpit page (cockpit/, docs/cockpit.md): npm ci from the lockfile, then esbuild bundles it into
## build/cockpit/usbpassd (manifest, index.html, one .js, one .css). Its browser test (Chromium, cockpit-ws)
## runs in the integration tier; bench-cockpit measures 1,000 devices.
DEB_PACKAGES += cockpit-ws cockpit-bridge cockpit-system chromium
.PHONY: cockpit bench-cockpit
cockpit/node_modules/.package-lock.json: cockpit/package-lock.json cockpit/package.json
	cd cockpit && npm ci --no-audit --no-fund --loglevel=error
cockpit: cockpit/node_modules/.package-lock.json
	cd cockpit && node build.mjs ../$(BUILD)/cockpit/usbpassd
packages: cockpit
test test-integration: cockpit
bench-cockpit: build cockpit
	mkdir -p $(BUILD)/benchmarks
	COCKPIT_BENCH=1 TEST_FILTER='FullyQualifiedName~UsbPassd.Tests.Integration.Cockpit.CockpitBench' tests/run-tests $(CONFIG) tests/UsbPassd.Tests.Integration
	cat $(BUILD)/benchmarks/cockpit-figures.txt
