# Two commands on a fresh machine: `make demo` (main job on the sample data)
# and `make test` (the whole suite).  Both create .venv when it is missing.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: demo test quick bench clean pdf-deps

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	touch $(STAMP)

# PDF reports need Chromium and fonts with Vietnamese coverage: installed
# with apt-get when run as root, otherwise the script says what to install.
pdf-deps:
	@sh scripts/install-pdf-deps.sh

demo: $(STAMP) pdf-deps
	$(BIN)/cchc demo

# The whole suite, with the architecture's import contracts (pyproject.toml).
test: $(STAMP) pdf-deps
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q

# The edit-test loop: everything but kernels, Chromium, Dask and subprocesses.
quick: $(STAMP)
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -q -m "not slow"

bench: $(STAMP)
	for b in bench/bench_*.py; do $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) output/* data/*.sqlite*
