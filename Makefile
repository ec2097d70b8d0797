# Two commands on a fresh machine: `make demo` (main job on the sample data)
# and `make test` (the whole suite).  Both create .venv when it is missing.
# Then: `make init` (the department's own params/ and empty database),
# `make lab` (JupyterLab on the project, with .venv's Python).
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test quick bench clean distclean pdf-deps init lab bytecode

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# The package's byte-code, written once: every `cchc`, worker and kernel
# process imports it instead of compiling the sources again (0,1-0,2 s each
# where PYTHONDONTWRITEBYTECODE is set, as in many containers). Quick when
# nothing changed.
bytecode: $(STAMP)
	@$(BIN)/python -m compileall -q cchc_lib

# PDF reports need Chromium and fonts with Vietnamese coverage: installed
# with apt-get when run as root, otherwise the script says what to install.
pdf-deps:
	@sh scripts/install-pdf-deps.sh

demo: $(STAMP) bytecode pdf-deps
	$(BIN)/cchc demo

# The whole suite, with the architecture's import contracts (pyproject.toml).
test: $(STAMP) bytecode pdf-deps
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# The edit-test loop: everything but kernels, Chromium, Dask and subprocesses.
quick: $(STAMP) bytecode
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP) bytecode
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

# The department's params/ and data/cchc.sqlite are never overwritten (cchc init keeps what exists).
init: $(STAMP) bytecode
	$(BIN)/cchc init

# JupyterLab on the project folder, its kernel the environment's Python (cchc_lib importable).
LAB_ARGS ?=
lab: $(STAMP) bytecode
	$(BIN)/jupyter lab --ServerApp.root_dir="$(CURDIR)" $(if $(filter 0,$(shell id -u)),--allow-root) $(LAB_ARGS)

# What the tool made and can make again: reports, the demo's invented data, caches.
# Never the department's database (data/cchc.sqlite) nor params/; never .venv (see distclean).
clean:
	rm -rf output/* data/sample.sqlite data/sample.sqlite-* data/sample_2023.csv .pytest_cache .hypothesis
	find . -path ./.venv -prune -o -name __pycache__ -type d -exec rm -rf {} +

# clean, and the environment too (the next make target reinstalls it).
distclean: clean
	rm -rf $(VENV) *.egg-info
