# Two commands do all set-up on a fresh machine with Python 3.11: `make run` and `make test`.
PYTHON ?= python3.11
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DATA   ?= var

.PHONY: run test test-embedded lint format bench bench-intake train clean chromium

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Installed again whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e '.[dev,bench]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/sieve up --host $(HOST) --port $(PORT) --data-dir $(DATA)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# With DATABASE_URL / REDIS_URL set the suite runs on that PostgreSQL and Redis;
# without them on a SQLite file and a private embedded redis-server.
test: lint /usr/bin/chromium
	$(BIN)/pytest

test-embedded: $(VENV)/.installed-dev /usr/bin/chromium
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest

# The browser tests drive Debian's chromium; installed only when missing (needs root).
# Never `playwright install`: it downloads its own browser, which this network does not allow.
/usr/bin/chromium:
	apt-get update && apt-get install -y chromium

chromium: /usr/bin/chromium

format: $(VENV)/.installed-dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

# The intake benchmarks load the server with wrk; installed only when missing (needs root).
/usr/bin/wrk:
	apt-get update && apt-get install -y wrk

bench: $(VENV)/.installed-dev /usr/bin/wrk
	$(BIN)/python bench/run_all.py

bench-intake: $(VENV)/.installed-dev /usr/bin/wrk
	$(BIN)/python bench/run_all.py --intake-only

train: $(VENV)/.installed
	$(BIN)/sieve model train --data ../shared/data --set-latest

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
