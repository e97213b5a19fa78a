# tickflow's front door. `make run` and `make test` work on a fresh machine: both install
# what is missing first (scripts/bootstrap). See CONTRIBUTING.md for the rest.
.DEFAULT_GOAL := help
SHELL := /bin/bash
FUZZ_SECONDS ?= 60
BIN := build/release/tickflow

.PHONY: help bootstrap configure build test test-fast asan-test tsan-test fuzz fuzz-smoke bench chaos run screenshot format clean

help:
	@echo "make run        install what is missing, build, run the whole pipeline (Ctrl-C stops)"
	@echo "make test       install, build, run the whole test suite (ctest)"
	@echo "make build      release binary at $(BIN)"
	@echo "make test-fast  unit tests only (seconds)"
	@echo "make asan-test  unit + integration tests under AddressSanitizer + UBSan"
	@echo "make tsan-test  the bus, HTTP/WebSocket server and service tests under ThreadSanitizer"
	@echo "make fuzz       each libFuzzer target for FUZZ_SECONDS (default 60)"
	@echo "make bench      benchmarks (bench/), report in build/bench/report.md"
	@echo "make chaos      the pipeline under faults for CHAOS_SECONDS (600) at CHAOS_RATE (1000/s), audited; build/chaos/report.md"
	@echo "make screenshot the dashboard's browser tests; PNGs in build/artifacts/"

bootstrap:
	@scripts/bootstrap

build/release/build.ninja: CMakeLists.txt CMakePresets.json
	cmake --preset release >/dev/null

build: bootstrap build/release/build.ninja
	cmake --build --preset release

test: build
	ctest --preset release --output-on-failure

# The dashboard in headless chromium against tickflow run: writes build/artifacts/dashboard.png
# and dashboard-detail.png.
screenshot: build
	ctest --preset release -R dashboard.e2e --output-on-failure
	@ls -1 build/artifacts/*.png

test-fast: build
	ctest --preset release -L unit

asan-test: bootstrap
	cmake --preset asan >/dev/null
	cmake --build --preset asan
	ctest --preset asan --output-on-failure

# Not in CI (it would pass 30 minutes there): the threaded parts under ThreadSanitizer.
tsan-test: bootstrap
	cmake --preset tsan >/dev/null
	cmake --build --preset tsan
	ctest --preset tsan

fuzz: bootstrap
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz --target fuzzers
	scripts/fuzz $(FUZZ_SECONDS)

fuzz-smoke: bootstrap
	cmake --preset fuzz >/dev/null
	cmake --build --preset fuzz --target fuzzers
	scripts/fuzz 20

bench: build
	scripts/bench

# The long chaos run (the short one is in make test): every service killed and restarted,
# the broker and the SMTP server stopped, ingest flooded, a stuck dashboard client, notify's
# disk full; then the audit. Needs root for the tmpfs it fills (without: that fault is skipped, said so).
chaos: build
	/usr/bin/python3 tests/chaos/chaos.py --tickflow $(BIN) --seconds $${CHAOS_SECONDS:-600} --rate $${CHAOS_RATE:-1000} --out build/chaos

# The whole pipeline in one process: simulated market -> ingest on :5000 -> process ->
# signal -> notify (alarms as e-mails in var/mail/new) + aggregate. Ctrl-C stops it.
# RATE=records/s (default 50).
run: build
	$(BIN) run --rate $${RATE:-50} --data-dir var

format:
	git ls-files '*.cpp' '*.hpp' | xargs clang-format -i

clean:
	rm -rf build
