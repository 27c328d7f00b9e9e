# `make run` and `make test` do the whole set-up on a fresh clone: only Python 3.11 is needed.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
WORKERS ?= $(shell nproc)
SERVE_PORT ?= 8080
# pytest processes: most tests wait on a browser or a server, so three share two cores well (`make test TEST_WORKERS=0`: one process)
TEST_WORKERS ?= 3

.PHONY: run serve test bench lint format clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

# One person on their own machine: loopback only, nobody else on the network can open it.
run: $(VENV)/.runtime
	$(BIN)/streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT) --browser.gatherUsageStats false

# A class: WORKERS Streamlit processes (default one per core) on loopback behind nginx on
# SERVE_PORT, every interface (deploy/serve.sh; installs Debian's nginx if missing). Ctrl-C stops all.
serve: $(VENV)/.runtime
	WORKERS=$(WORKERS) PORT=$(SERVE_PORT) PY=$(BIN)/python bash deploy/serve.sh

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n $(TEST_WORKERS) --dist loadfile

bench: $(VENV)/.dev
	$(BIN)/python -m bench

lint: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache
