# Two commands for a fresh machine: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test install lint migrate seed messages bench load bench-scales clean backup restore screenshots

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

# The PDFs (contract papers, entry permits, settlements, generated forms) embed a CJK font,
# REGISTRY_PDF_FONT (Debian's fonts-wqy-microhei by default): installed here when it is
# missing and this runs as root with apt-get; otherwise a warning says how (and
# `manage.py check` repeats it). Without it, the tests that make PDFs fail.
PDF_FONT := /usr/share/fonts/truetype/wqy/wqy-microhei.ttc
install: $(STAMP)
	@mkdir -p var/static var/documents
	@font="$${REGISTRY_PDF_FONT:-$(PDF_FONT)}"; \
	if [ ! -f "$$font" ]; then \
	  if [ "$$font" = "$(PDF_FONT)" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing the CJK font the PDFs embed (Debian: fonts-wqy-microhei)"; \
	    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq fonts-wqy-microhei >/dev/null) \
	      || echo "warning: could not install fonts-wqy-microhei" >&2; \
	  fi; \
	  [ -f "$$font" ] || echo "warning: the CJK font for PDFs is missing ($$font): install" \
	    "fonts-wqy-microhei, or set REGISTRY_PDF_FONT; PDFs cannot be made without it" >&2; \
	fi
	$(PY) manage.py compile_catalogues

migrate: install
	$(PY) manage.py migrate --noinput

seed: migrate
	$(PY) manage.py seed_demo

# The web server, a Celery worker and the beat scheduler on the embedded defaults;
# Ctrl-C stops all three.
run: seed
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C stops the server, worker and scheduler)"
	@trap 'kill 0' INT TERM EXIT; export REGISTRY_SITE_URL=$${REGISTRY_SITE_URL:-http://$(HOST):$(PORT)}; \
	$(VENV)/bin/celery -A config worker --loglevel=INFO --pool=solo --concurrency=1 & \
	$(VENV)/bin/celery -A config beat --loglevel=INFO & \
	$(PY) manage.py runserver $(HOST):$(PORT) --noreload

# The suite runs on every core (pytest-xdist): each worker has its own test database
# (test_<name>_gw0, …, or its own in-memory SQLite), browser and S3 server; a module's tests
# stay on one worker (loadscope), so module fixtures are built once and the real-broker tests
# of one module never race each other; they are handed out in collection order, which puts
# the tests marked heavy first (tests/conftest.py). TEST_WORKERS=0 runs it in one process.
TEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) --dist loadscope --no-loadscope-reorder $(PYTEST_ARGS); status=$$?; \
	if [ $$status -eq 5 ]; then echo "pytest collected no tests: failing" >&2; exit 1; fi; \
	exit $$status

# The README's gallery: each role's main page at a desktop's and a phone's size, taken by the
# browser journeys (tests/browser/test_roles.py, which also run axe and the width check on
# every page) and copied into docs/screenshots/. Look at each before committing them.
screenshots: install
	rm -f var/screenshots/role-*.png
	$(PY) -m pytest tests/browser/test_roles.py -q -p no:cacheprovider
	mkdir -p docs/screenshots
	cp var/screenshots/role-*.png docs/screenshots/

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
# It exits non-zero only when a probe fails to run (or the load gets an error answer),
# never on a timing: BENCH_ARGS=--fail-on-target for that. The last probe is `load`:
# gunicorn, a Celery worker and beat on a copy of the bench database, driven over HTTP
# by an open-loop client (LOAD_SECONDS of the mix at 60 searches/s, then the saturation
# steps); `make load` runs it alone. `make bench-scales SCALES="0.1 1 3"` prints how search
# and the sweep grow with the data (a database per scale).
SCALE ?= 1
LOAD_SECONDS ?= 30
SCALES ?= 0.01 0.1
bench: install
	$(PY) -m bench --scale $(SCALE) --load-seconds $(LOAD_SECONDS) $(BENCH_ARGS)

load: install
	$(PY) -m bench --scale $(SCALE) --only load --load-seconds $(LOAD_SECONDS) $(BENCH_ARGS)

bench-scales: install
	$(PY) -m bench --scales $(SCALES)

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
