# Two commands do all set-up on a fresh machine with Python 3.11, 3.12 or 3.13:
# `make run` and `make test`. The newest supported python3.x on PATH is used, or PYTHON=...
SUPPORTED := 3.13 3.12 3.11
PYTHON ?= $(shell for v in $(SUPPORTED); do \
	  p=$$(command -v python$$v 2>/dev/null) && $$p -c 'import venv, ensurepip' >/dev/null 2>&1 \
	  && { echo $$p; break; }; done)
VENV   ?= .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
DATA   ?= var

.PHONY: run test test-embedded lint format bench bench-intake train clean chromium prometheus

# A venv that is half made (no .created mark), whose interpreter no longer runs or is not a
# supported version is made again, rather than left to break every later command.
ifneq ($(wildcard $(VENV)),)
ifneq ($(shell test -f $(VENV)/.created && $(BIN)/python -c 'import sys; print("ok" if (3, 11) <= sys.version_info[:2] <= (3, 13) else "")' 2>/dev/null),ok)
$(info make: $(VENV) is unusable (half made, or its Python is gone or unsupported); making it again)
$(shell rm -rf $(VENV))
endif
endif

# A failed or interrupted set-up removes what it made: no half-made venv is left behind.
$(VENV)/.created:
	@if [ -z "$(PYTHON)" ]; then \
	  echo "make: Sieve needs Python 3.11, 3.12 or 3.13, and none of python3.13, python3.12, python3.11 on PATH runs." >&2; \
	  echo "      Install one (Debian/Ubuntu: apt-get install python3-venv) or name it: make run PYTHON=/path/to/python3.x" >&2; \
	  exit 1; fi
	@$(PYTHON) -c 'import sys; ok = (3, 11) <= sys.version_info[:2] <= (3, 13); \
	  ok or print("make: %s is Python %d.%d; Sieve supports 3.11, 3.12 and 3.13" % ((sys.executable,) + sys.version_info[:2]), file=sys.stderr); \
	  sys.exit(not ok)'
	@echo "make: creating $(VENV) with $$($(PYTHON) -c 'import sys; print(sys.executable, sys.version.split()[0])')"
	@trap 'rm -rf $(VENV)' INT TERM; \
	  ( $(PYTHON) -m venv $(VENV) && $(BIN)/pip install --quiet --upgrade pip && touch $@ ) \
	  || { rm -rf $(VENV); echo "make: could not create $(VENV); nothing was left behind" >&2; exit 1; }

# Installed again whenever pyproject.toml changes.
$(VENV)/.installed: pyproject.toml | $(VENV)/.created
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(VENV)/.created
	$(BIN)/pip install --quiet -e '.[dev,bench,compat-tests]'
	touch $@ $(VENV)/.installed

run: $(VENV)/.installed
	$(BIN)/sieve up --host $(HOST) --port $(PORT) --data-dir $(DATA)

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# With DATABASE_URL / REDIS_URL set the suite runs on that PostgreSQL and Redis;
# without them on a SQLite file and a private embedded redis-server.
test: lint /usr/bin/chromium /usr/bin/promtool
	$(BIN)/pytest

test-embedded: $(VENV)/.installed-dev /usr/bin/chromium /usr/bin/promtool
	env -u DATABASE_URL -u REDIS_URL $(BIN)/pytest

# The browser tests drive Debian's chromium; installed only when missing (needs root).
# Never `playwright install`: it downloads its own browser, which this network does not allow.
/usr/bin/chromium:
	apt-get update && apt-get install -y chromium

chromium: /usr/bin/chromium

# The monitoring tests run a real Prometheus and check the shipped rules with promtool (Debian's
# prometheus package holds both); installed only when missing (needs root), never started here.
/usr/bin/promtool:
	apt-get update && apt-get install -y --no-install-recommends prometheus

prometheus: /usr/bin/promtool

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
	rm -rf $(VENV) .venv-* build *.egg-info .pytest_cache .ruff_cache
