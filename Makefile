# The two commands: `make run` and `make test`. See README.md.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
SERVICES_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/portal
SERVICES_REDIS_URL ?= redis://127.0.0.1:6379/0
DEV := DJANGO_SETTINGS_MODULE=portal.settings.dev

.PHONY: run setup migrate demo serve test test-services test-all e2e-setup e2e lint format messages bench bench-smoke bench-tools run-prod smoke-prod clean

$(VENV)/.installed: requirements.txt requirements-dev.txt
	$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Python 3.11 or newer is needed"'
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $@

setup: $(VENV)/.installed

migrate: setup
	$(DEV) $(PY) manage.py migrate --noinput

# The search index is derived: rebuilding it also covers a data folder made before search existed.
demo: migrate
	$(DEV) $(PY) manage.py load_demo
	$(DEV) $(PY) manage.py load_participation_demo
	$(DEV) $(PY) manage.py load_payments_demo
	$(DEV) $(PY) manage.py load_labour_demo
	$(DEV) $(PY) manage.py search_reindex

# With the portal, the demo's identity provider (national-ID sign-in to L2, clearly labelled as a demonstration)
# on 127.0.0.1:$(DEMO_IDP_PORT); both stop together.
DEMO_IDP_PORT ?= 8001
serve: setup
	@echo "Serving on http://$(HOST):$(PORT)/  (Ctrl-C to stop)"
	$(DEV) NATIONAL_ID_DEMO=1 NATIONAL_ID_DEMO_PORT=$(DEMO_IDP_PORT) $(PY) manage.py demo_identity_provider \
		--portal http://$(HOST):$(PORT) --portal http://localhost:$(PORT) & idp=$$!; \
	trap 'kill $$idp 2>/dev/null' EXIT INT TERM; \
	$(DEV) NATIONAL_ID_DEMO=1 NATIONAL_ID_DEMO_PORT=$(DEMO_IDP_PORT) \
		$(VENV)/bin/uvicorn portal.asgi:application --host $(HOST) --port $(PORT) --lifespan off

## Set everything up (virtual environment, database, demo content) and serve the portal.
run: demo serve

## The test suite on the embedded default (SQLite, in-memory channel layer, local cache).
test: setup
	$(PY) -m pytest

## The same suite on PostgreSQL and Redis.
test-services: setup
	DATABASE_URL=$(SERVICES_DATABASE_URL) REDIS_URL=$(SERVICES_REDIS_URL) $(PY) -m pytest --create-db

test-all: test test-services

## Debian's Chromium for the browser tests (tests/e2e/), installed when missing; Playwright's own browser
## downloads are never used. `make test` skips the browser tests on a machine without it.
E2E_CHROMIUM ?= /usr/bin/chromium
e2e-setup: setup
	@if [ -x "$(E2E_CHROMIUM)" ]; then echo "Chromium: $(E2E_CHROMIUM)"; \
	else DEBIAN_FRONTEND=noninteractive apt-get install -y chromium || \
		{ DEBIAN_FRONTEND=noninteractive apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y chromium; }; fi

## The browser tests alone: axe-core on every public page in both languages and themes, keyboard journeys,
## screenshots in test-artifacts/screenshots/ (docs/accessibility.md). A missing browser fails instead of skipping.
e2e: e2e-setup
	E2E_REQUIRED=1 E2E_CHROMIUM=$(E2E_CHROMIUM) $(PY) -m pytest tests/e2e

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(DEV) $(PY) manage.py makemigrations --check --dry-run

format: setup
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

## The production layout on loopback (deploy/run-prod.sh, docs/operations.md): nginx with a self-signed certificate
## on https://127.0.0.1:$(PROD_PORT_BASE)+1, Varnish, two application instances (gunicorn + uvicorn each), the
## task worker and the scheduler, on PostgreSQL and Redis, with production settings; nginx and Varnish are
## installed from Debian's packages when missing. Ctrl-C stops everything.
PROD_DATABASE_URL ?= $(SERVICES_DATABASE_URL)_prod
PROD_REDIS_URL ?= redis://127.0.0.1:6379/5
PROD_PORT_BASE ?= 8400
PROD := PROD_DATABASE_URL=$(PROD_DATABASE_URL) PROD_REDIS_URL=$(PROD_REDIS_URL) PROD_PORT_BASE=$(PROD_PORT_BASE)
run-prod: setup
	$(PROD) deploy/run-prod.sh

## The smoke test through the production layout (CI): start it, run deploy/smoke.py, stop it.
smoke-prod: setup
	$(PROD) PROD_DEMO=catalogue PORTAL_WEB_WORKERS=2 deploy/run-prod.sh start
	$(PROD) bash -c 'eval "$$(deploy/run-prod.sh env)" && $(PY) deploy/smoke.py'; status=$$?; \
		$(PROD) deploy/run-prod.sh stop; exit $$status

## wrk (Debian's package) for bench/site_bench.py, installed when missing.
bench-tools:
	@command -v wrk >/dev/null || DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk || \
		{ DEBIAN_FRONTEND=noninteractive apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; }

## Benchmarks on PostgreSQL (SERVICES_DATABASE_URL) and Redis: every bench/*_bench.py in turn (each says what
## it measures; docs/search.md, docs/participation.md, docs/notifications.md give the figures). Each writes its
## figures to bench/results.json and prints the errors its clients met; the target fails if any bench failed.
bench: setup bench-tools
	failed=""; for bench in bench/*_bench.py; do \
		echo "== $$bench"; \
		DATABASE_URL=$(SERVICES_DATABASE_URL) REDIS_URL=$(SERVICES_REDIS_URL) $(PY) $$bench || failed="$$failed $$bench"; \
	done; \
	if [ -n "$$failed" ]; then echo "FAILED:$$failed"; exit 1; fi

## Every bench for seconds with a few clients (BENCH_SMOKE=1; CI runs it): a change that breaks a bench fails at
## once. The figures (bench/results-smoke.json) mean nothing; the errors do.
bench-smoke:
	BENCH_SMOKE=1 $(MAKE) bench

## Regenerate and compile the message catalogues after changing translatable strings.
messages: setup
	$(DEV) $(PY) manage.py makemessages -l ar -l en --ignore='.venv*' --ignore=data --ignore=tests --no-location
	$(DEV) $(PY) manage.py compilemessages --ignore='.venv*'

clean:
	rm -rf $(VENV) data
