# The two commands a newcomer needs: `make run` and `make test`. Both build .venv from the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-from-lock
CHROMIUM ?= /usr/bin/chromium
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test test-postgres probe lint seed backup restore lock system-deps screenshots benchmark clean help taguette-check

help:
	@echo "make run    install, migrate, load the seed corpus and serve on http://$(HOST):$(PORT)/"
	@echo "make test   install and run the whole test suite (browser tests included)"
	@echo "make lint   ruff and mypy"
	@echo "make test-postgres  the whole test suite on a PostgreSQL server started for it"
	@echo "make probe          schemathesis against the served API, on SQLite and PostgreSQL"
	@echo "make taguette-check our codebooks read by Taguette, and Taguette's by us"
	@echo "make benchmark      every benchmark of benchmarks/README.md at 500,000 tags (long; a quiet machine)"
	@echo "make backup         back up the database (DATABASE_URL) into backups/"
	@echo "make restore FILE=… replace an empty database with a backup (FORCE=1: any database)"

$(STAMP): requirements.lock
	$(PYTHON) -m venv $(VENV)
	# The lock names every package, so pip installs exactly those and resolves nothing itself
	# (resolving again let an extra such as lxml[html_clean] reach past the pinned release).
	$(BIN)/python -m pip install --quiet --require-hashes --no-deps -r requirements.lock
	$(BIN)/python -m pip check
	@touch $(STAMP)

# The local demo: anyone on this machine may read and export without signing in; changes need
# an account (the first run prints the admin's one-time password).
run: $(STAMP)
	$(BIN)/python -m app.cli seed
	$(BIN)/python -m app.cli first-admin
	READ_WITHOUT_LOGIN=true $(BIN)/python -m app.cli serve --host $(HOST) --port $(PORT)

seed: $(STAMP)
	$(BIN)/python -m app.cli seed

# The browser tests drive the system's Chromium and the PostgreSQL tests start a private
# server from the system's binaries; install them where we may (Debian, as root).
system-deps:
	@missing=""; \
	[ -x "$(CHROMIUM)" ] || missing="$$missing chromium"; \
	ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || command -v initdb >/dev/null || missing="$$missing postgresql"; \
	if [ -n "$$missing" ]; then \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing$$missing for the tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	  else \
	    echo "The tests need:$$missing (Debian: sudo apt-get install$$missing)."; exit 1; \
	  fi; \
	fi

# Two workers (pytest-xdist) on the two cores; the API probe runs on its own (make probe).
TEST_WORKERS ?= auto
PYTEST := $(BIN)/python -m pytest -n $(TEST_WORKERS) -m "not probe"

test: $(STAMP) system-deps
	$(PYTEST)

# The same suite on PostgreSQL: a private server (Debian's binaries) is started for the run and
# stopped after it, also when a test fails; every test gets its own database.
test-postgres: $(STAMP) system-deps
	ARGMAP_TEST_DATABASE=postgresql $(BIN)/python -m tests.postgres $(PYTEST)

# Schemathesis against a served app, on SQLite then on PostgreSQL (some 500s only one shows).
probe: $(STAMP) system-deps
	$(BIN)/python -m pytest -m probe
	ARGMAP_TEST_DATABASE=postgresql $(BIN)/python -m tests.postgres $(BIN)/python -m pytest -m probe

# SQLite: the online backup API (safe while the app runs); PostgreSQL: pg_dump, custom format.
backup: $(STAMP)
	$(BIN)/python -m app.cli backup

restore: $(STAMP)
	@[ -n "$(FILE)" ] || { echo "usage: make restore FILE=backups/argmap-….db [FORCE=1]"; exit 2; }
	$(BIN)/python -m app.cli restore $(if $(FORCE),--force) "$(FILE)"

# Refresh the README's screenshot from the browser test.
screenshots: $(STAMP) system-deps
	ARGMAP_SCREENSHOTS=1 $(BIN)/python -m pytest tests/browser -q

# Every benchmark of benchmarks/README.md, one after the other, on SQLite and PostgreSQL: the
# server under wrk beside a bare app, export and import, every page at 500,000 tags, and the
# graph page's cold load. The scripts install wrk and start PostgreSQL themselves.
benchmark: $(STAMP) system-deps
	$(BIN)/python benchmarks/server_bench.py --databases sqlite,postgresql --heavy-runs 3
	$(BIN)/python benchmarks/map_views.py --scale 1 --databases sqlite,postgresql --runs 5
	$(BIN)/python benchmarks/page_load.py --runs 7 --path /graph

# Our codebooks against Taguette's own code (tests/interop/test_taguette.py). Taguette pins
# SQLAlchemy 1.4, so it gets a virtual environment of its own, installed from a hashed lock.
TAGUETTE_VENV := .taguette-venv
TAGUETTE_STAMP := $(TAGUETTE_VENV)/.installed-from-lock

$(TAGUETTE_STAMP): tests/interop/taguette-requirements.lock
	$(PYTHON) -m venv $(TAGUETTE_VENV)
	$(TAGUETTE_VENV)/bin/python -m pip install --quiet --require-hashes --no-deps -r tests/interop/taguette-requirements.lock
	$(TAGUETTE_VENV)/bin/python -m pip check
	@touch $(TAGUETTE_STAMP)

taguette-check: $(STAMP) $(TAGUETTE_STAMP)
	TAGUETTE_PYTHON=$(abspath $(TAGUETTE_VENV))/bin/python $(BIN)/python -m pytest -q tests/interop/test_taguette.py

lint: $(STAMP)
	$(BIN)/ruff check app tests migrations benchmarks
	$(BIN)/ruff format --check app tests migrations benchmarks
	$(BIN)/mypy app tests migrations benchmarks

# Re-pin every dependency (with hashes) after a change to pyproject.toml.
lock:
	$(PYTHON) -m venv /tmp/argmap-lock-venv
	/tmp/argmap-lock-venv/bin/python -m pip install --quiet uv
	/tmp/argmap-lock-venv/bin/uv pip compile pyproject.toml --extra dev --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --no-header --quiet -o requirements.lock
	/tmp/argmap-lock-venv/bin/uv pip compile tests/interop/taguette-requirements.in --generate-hashes \
	  --python-version 3.11 --python-platform x86_64-unknown-linux-gnu --no-header --quiet \
	  -o tests/interop/taguette-requirements.lock

clean:
	rm -rf $(VENV) $(TAGUETTE_VENV) .pytest_cache .mypy_cache .ruff_cache
