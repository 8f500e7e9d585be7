# ddhcpd: build, test, demo and package. Every target runs as root on Debian 12.
SHELL := /bin/bash
NODE ?= node
NODE_INCLUDE ?= $(firstword $(wildcard /usr/include/node $(HOME)/.cache/node-gyp/$(shell node -p process.versions.node)/include/node))
CC ?= cc
TESTS_FAST := $(shell find test/unit test/wire test/property test/sim test/package -name '*.test.ts' 2>/dev/null | sort)
TESTS_NETNS := $(shell find test/netns -name '*.test.ts' 2>/dev/null | sort)

.PHONY: all build deps test test-fast test-netns typecheck demo sim sim-scale sim-ttl sim-safety bench bench-ttl dist ipk clean

all: build

# Debian packages and npm ci, only what is missing (scripts/setup.sh).
deps:
	@bash scripts/setup.sh

build: deps dist/ddhcpd_native.node
	$(NODE) scripts/build.mjs

# Linked beside and renamed: running daemons have the old file mapped (see scripts/build.mjs).
dist/ddhcpd_native.node: src/io/native/ddhcpd_native.c
	@mkdir -p dist
	$(CC) -O2 -Wall -Wextra -shared -fPIC -I$(NODE_INCLUDE) -o $@.tmp $< && mv -f $@.tmp $@

typecheck: deps
	npx tsc --noEmit -p .

test-fast: deps dist/ddhcpd_native.node
	$(NODE) --import tsx --test --test-concurrency=2 $(TESTS_FAST)

test-netns: build
	$(NODE) --import tsx --test --test-concurrency=1 $(TESTS_NETNS)

# Everything CI runs: types, codecs, core, simulation, fuzzing, packaging, real clients in namespaces.
# Namespace tests run one at a time after the rest: they time real clients.
test: typecheck build
	$(NODE) --import tsx --test --test-concurrency=2 $(TESTS_FAST)
	$(NODE) --import tsx --test --test-concurrency=1 $(TESTS_NETNS)

demo: build
	bash scripts/demo.sh

# The simulator runs bundled, as the daemon does: under tsx every call across modules
# goes through a getter and is not inlined (400 nodes for 10 virtual minutes: 6.0-6.4 s
# of CPU under tsx, 5.3-5.5 s bundled).
# A larger young generation: every multicast allocates its message, which lives until
# the last receiver took it (1000 nodes for an hour: 61-65 s of CPU against 64-71 s).
SIM_BUNDLE = npx esbuild --bundle --platform=node --format=esm --target=node20 --log-level=warning
SIM_NODE = $(NODE) --max-semi-space-size=32

sim: deps
	$(SIM_BUNDLE) src/sim/main.ts --outfile=build/sim.mjs
	$(SIM_NODE) build/sim.mjs $(SIM_ARGS)

# The scale table of bench/RESULTS.md: 10, 100 and 1000 nodes for a virtual hour.
sim-scale: deps
	$(SIM_BUNDLE) bench/sim-scale.ts --outfile=build/sim-scale.mjs
	$(SIM_NODE) build/sim-scale.mjs $(SIM_ARGS)

# The time-to-lease table of bench/RESULTS.md: cold start, crowds, steady arrivals, a flood
# and a mass reboot on the virtual clock, for C's timers and the package's.
sim-ttl: deps
	$(SIM_BUNDLE) bench/sim-time-to-lease.ts --outfile=build/sim-ttl.mjs
	$(SIM_NODE) build/sim-ttl.mjs $(SIM_ARGS)

# The claim-safety scenarios of test/sim/claim-safety.test.ts over many seeds (default 20).
sim-safety: deps
	$(SIM_BUNDLE) bench/sim-safety-sweep.ts --outfile=build/sim-safety.mjs
	$(SIM_NODE) build/sim-safety.mjs $(SIM_ARGS)

bench: build
	bash scripts/setup.sh --bench
	bash bench/run.sh

# Time to lease alone (also a part of `make bench`): cold start, crowds, steady
# arrivals, flood; with DDHCPD_C_BINARY the C ddhcpd too. BENCH_QUICK=1: smoke run.
bench-ttl: build
	bash scripts/setup.sh --bench
	$(NODE) --import tsx bench/time-to-lease.ts

dist: build
	bash scripts/make-dist.sh

ipk: build
	bash scripts/make-ipk.sh $(if $(ARCH),--arch $(ARCH))

clean:
	rm -rf dist build
