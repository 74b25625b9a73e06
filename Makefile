# Every target sets up the virtual environment first, so each is one command on a fresh machine.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup browser test lint benchmark clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	# CPU torch first: a bare `torch` requirement would pull a multi-GB CUDA build
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e ".[dev,ray,atlas]"
	touch $(STAMP)

setup: $(STAMP)

# the report test loads its page in a headless browser (Debian's chromium)
browser:
	scripts/install_browser.sh

test: $(STAMP) browser
	$(BIN)/ruff check src tests benchmarks scripts
	$(BIN)/pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks scripts

benchmark: $(STAMP)
	$(BIN)/wormgnn benchmark --profile quick --out runs/quick

clean:
	rm -rf $(VENV) runs .pytest_cache .ruff_cache
