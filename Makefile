# One entry point for people and CI. Every target sets up what it needs first:
# a Python venv in .venv (pinned in pyproject.toml) and anvil from npm (pinned in package-lock.json).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(CURDIR)/$(VENV)/bin
# ape-foundry starts `anvil` from PATH: the npm package ships the binary.
export PATH := $(CURDIR)/node_modules/.bin:$(BIN):$(PATH)
# Hypothesis profile: "ci" (bounded) unless the caller asks for "thorough".
export SSI_HYPOTHESIS_PROFILE ?= ci

PY_STAMP := $(VENV)/.installed
NODE_STAMP := node_modules/.installed
# The browser tests (tests/web) drive the system's Chromium through Playwright (pip, pyproject.toml);
# Playwright's own browser download cannot work offline, so the browser comes from the package manager.
CHROMIUM ?= /usr/bin/chromium
export SSI_CHROMIUM := $(CHROMIUM)

.PHONY: setup browser demo test gas bench bench-arb node serve clean fuzz fuzz-planted operators demo-operators bench-operators bench-operators-interval rehearse-base

setup: $(PY_STAMP) $(NODE_STAMP) browser

$(PY_STAMP): pyproject.toml
	@echo "==> Python environment ($(VENV))"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install -q --disable-pip-version-check --upgrade pip
	@$(BIN)/python -m pip install -q --disable-pip-version-check -e '.[dev]'
	@touch $@

$(NODE_STAMP): package.json package-lock.json
	@echo "==> anvil (npm @foundry-rs/anvil)"
	@npm install --no-audit --no-fund --loglevel=error
	@anvil --version | head -n1
	@touch $@

browser:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "==> chromium (apt-get, for the browser tests)"; \
		apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null \
			&& test -x "$(CHROMIUM)" \
			|| { echo "error: apt-get could not install chromium at $(CHROMIUM)" >&2; exit 1; }; \
	else \
		echo "error: $(CHROMIUM) not found: the browser tests (tests/web) need Chromium from the system's" \
			"package manager; as root run \`apt-get install -y chromium\` (or pass CHROMIUM=/path/to/chromium)" >&2; \
		exit 1; \
	fi

demo: setup
	@$(BIN)/ape run demo

# The whole suite, in two shards side by side (tools/test.sh): one closing line "N passed, N failed".
test: setup
	@tools/test.sh

gas: setup
	@$(BIN)/ape run gas

bench: setup
	@$(BIN)/python -m ssi.bench

bench-arb: setup
	@$(BIN)/ape run arb bench

# Stateful fuzzing on titanoboa: SSI_FUZZ_STEPS steps (default 10,000); last line:
# "N steps, X steps/s, K invariants". fuzz-planted shows each planted bug is caught.
export SSI_FUZZ_STEPS ?= 10000
fuzz: setup
	@nice $(BIN)/python -m ssi.fuzz

fuzz-planted: setup
	@nice $(BIN)/python -m ssi.fuzz.planted --steps $(SSI_FUZZ_STEPS)

# The proof-of-reserves page of the network Ape connects to (deployments/<network>.json), on :8000.
serve: setup
	@$(BIN)/ape run serve

# A persistent local chain for the role commands in separate processes; in another shell:
#   export APE_FOUNDRY_HOST=http://127.0.0.1:8545 PATH=$$PWD/node_modules/.bin:$$PWD/.venv/bin:$$PATH
node: setup
	@anvil --port 8545 --accounts 12

# The desk's operators as Silverback bots (PMM, custodian, keeper, arbitrage) against `make node`, one
# process each, log lines prefixed by role; Ctrl-C stops them. Deploy first (`ape run deploy`); the
# arbitrage bot waits for its pool (`ape run arb pool`).
OPERATORS ?= pmm custodian keeper arbitrage
operators: setup
	@export APE_FOUNDRY_HOST=$${APE_FOUNDRY_HOST:-http://127.0.0.1:8545} \
	  SILVERBACK_NETWORK_CHOICE=$${SILVERBACK_NETWORK_CHOICE:-ethereum:local:foundry}; \
	trap 'kill $$(jobs -p) 2>/dev/null' INT TERM EXIT; \
	for role in $(OPERATORS); do \
	  (silverback run $$role 2>&1 | sed -u "s/^/[$$role] /") & \
	done; wait

# A mint and a redemption after only the WLP's request, a rebalance after only the compiler's announce.
demo-operators: setup
	@$(BIN)/ape run operators demo

# Request to settlement over 20 mints with the operators running: median and maximum, blocks and seconds.
bench-operators: setup
	@$(BIN)/ape run operators bench --requests 20

# The same at Base's pace: a block every 2 s (anvil interval mining), 5 mints (about 3 min).
bench-operators-interval: setup
	@$(BIN)/ape run operators bench --requests 5 --block-time 2

# docs/networks.md, "Rehearsal on anvil with Base's chain id": an anvil of its own that reports Base's chain
# id (8453) on a free port, then tools/rehearse-base.sh against it: the deploy, the PMM, custodian and keeper
# as three Silverback processes, a WLP's mint and redemption; prints the request-to-settlement/fill seconds.
rehearse-base: setup
	@port=$$($(BIN)/python -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'); \
	setsid anvil --port $$port --accounts 12 --chain-id 8453 >/dev/null 2>&1 & node=$$!; \
	trap 'kill -- -$$node 2>/dev/null' EXIT; \
	APE_FOUNDRY_HOST=http://127.0.0.1:$$port tools/rehearse-base.sh

clean:
	rm -rf $(VENV) node_modules .build .cache
