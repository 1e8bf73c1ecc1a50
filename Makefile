# Two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint migrate seed messages bench clean backup restore

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)
	@mkdir -p var/static var/documents
	$(PY) manage.py compile_catalogues

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The web server, a Celery worker and the beat scheduler on the embedded defaults;
# Ctrl-C stops all three.
run: seed
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops the server, worker and scheduler)"
	@trap 'kill 0' INT TERM EXIT; \
	$(VENV)/bin/celery -A config worker --loglevel=INFO --pool=solo --concurrency=1 & \
	$(VENV)/bin/celery -A config beat --loglevel=INFO & \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

test: install
	$(PY) -m pytest $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	exit $$status

# ruff, then the layers contract (docs/architecture.md): which app may import which.
lint: install
	$(VENV)/bin/ruff check .
	PYTHONPATH=. $(VENV)/bin/lint-imports

# Refresh each app's zh-hans catalogue after changing user-facing text (needs GNU gettext).
APPS := registry documents workflows
messages: install
	for app in $(APPS); do mkdir -p $$app/locale; \
	  (cd $$app && ../$(PY) ../manage.py makemessages --locale zh_Hans --no-obsolete) || exit 1; done

# Benchmarks at real scale on PostgreSQL (DATABASE_URL; SQLite is refused): loads the data
# on first use (generate_load), then prints a table and one JSON line per metric and writes
# var/bench.json. SCALE=0.01 runs the same at 1% for a quick check.
SCALE ?= 1
bench: install
	$(PY) -m bench --scale $(SCALE)

# Back up the database (pg_dump, or SQLite's online backup) and the document store (local or
# S3) with a SHA-256 manifest: `make backup [DIR=path]` (default var/backups/<timestamp>).
# `make restore DIR=path` loads it into the configured (empty) database and store, then
# checks every document against its recorded hash (exit 1 on any difference).
backup: install
	$(PY) scripts/backup.py backup $(DIR)

restore: install
	@test -n "$(DIR)" || { echo "usage: make restore DIR=var/backups/<timestamp>" >&2; exit 2; }
	$(PY) scripts/backup.py restore $(DIR)

clean:
	rm -rf $(VENV) var/static
