# Entry points. Install steps live in tools/setup.sh: idempotent, stamped on the hash of their
# inputs, so a warm `make test` only runs the checks.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
PY := .venv/bin/python

.PHONY: demo test lint golden bench setup setup-core jvm-test

setup-core:
	tools/setup.sh venv-core

setup:
	tools/setup.sh system venv-test oracle node jars

demo: setup-core
	.venv/bin/bindgen demo

lint: setup
	.venv/bin/ruff check .
	.venv/bin/mypy bindgen

# Runs every check even when an earlier one fails, then fails if any did. pytest's exit 5 (no
# tests collected) is a failure here, as every other non-zero exit.
test: setup
	@status=0; \
	.venv/bin/ruff check . || { echo "make test: ruff check failed"; status=1; }; \
	.venv/bin/mypy bindgen || { echo "make test: mypy failed"; status=1; }; \
	$(PY) -m pytest || { rc=$$?; echo "make test: pytest failed (exit $$rc)"; status=1; }; \
	exit $$status

golden: setup
	$(PY) -m tools.golden

bench: setup
	@shopt -s nullglob; scripts=(bench/[!_]*.py); \
	if (( $${#scripts[@]} == 0 )); then echo "bench: no bench/*.py scripts"; fi; \
	status=0; for script in "$${scripts[@]}"; do echo "== $$script"; \
	  $(PY) "$$script" || { echo "make bench: $$script failed"; status=1; }; done; exit $$status

# Generated wrappers run on the JVM (Robolectric + Support Library + a real TFLite interpreter) and
# must equal `bindgen run`; see tests/toolchain/jvm.py and tests/toolchain/java/pom.xml.
jvm-test: setup
	$(PY) -m tests.toolchain.jvm
	$(PY) -m tests.toolchain.jvm_inputs
