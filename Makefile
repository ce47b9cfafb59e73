# PLP Portal. The two commands: `make demo` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000

DEMO_DEBS := python3-venv ca-certificates libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-liberation
TEST_DEBS := $(DEMO_DEBS) chromium libatomic1 poppler-utils docker-compose
TEST_ENV := DATABASE_URL=$${DATABASE_URL:-postgres://postgres@127.0.0.1:5432/plp_portal} \
	REDIS_URL=$${TEST_REDIS_URL:-redis://127.0.0.1:6379/15} \
	DJANGO_ALLOW_ASYNC_UNSAFE=true PLP_REQUIRE_STAFF_MFA=true PLP_HTTPS=false PLP_MANIFEST_STATIC=false \
	PLP_APP_DB_ROLE=plp_app
DEMO_ENV := PLP_DEMO=1 DEBUG=1 DATABASE_URL=sqlite:///var/demo.sqlite3 PORT=$(PORT)

comma := ,

.PHONY: demo test setup assets services check-deploy bench clean

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $@

node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

static/build/app.css: node_modules/.installed static_src/app.scss static_src/build.mjs
	npm run --silent build

assets: static/build/app.css

setup: $(VENV)/.installed assets

demo:
	@scripts/ensure-debian-packages.sh $(DEMO_DEBS)
	@$(MAKE) --no-print-directory setup
	@mkdir -p var
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput -v0
	$(DEMO_ENV) $(BIN)/python manage.py createcachetable
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo
	@echo "Serving the demo at http://127.0.0.1:$(PORT)/ (Ctrl+C stops it)"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:$(PORT) --noreload

services:
	@scripts/ensure-services.sh

test:
	@scripts/ensure-debian-packages.sh $(TEST_DEBS)
	@$(MAKE) --no-print-directory setup
	@scripts/ensure-services.sh
	$(TEST_ENV) $(BIN)/pytest -n 2 -p no:cacheprovider $(PYTEST_ARGS)

# Benchmarks on county-scale data (seeded once into the plp_bench_<preset> database, or
# BENCH_DB=…; BENCH_PRESET=small for a quick run, BENCH_ARGS="--n 100" for more requests).
# BENCH_COMPARE=small,medium: the growth check instead — seeds each preset's database once,
# measures every page on both in one run (alternating) and fails when a page's median grows
# more than 20 % (BENCH_ARGS="--growth-limit 1.3", "--port 8790"…). Results: var/bench/*.json.
BENCH_PRESET ?= county
BENCH_DB ?= plp_bench_$(BENCH_PRESET)
BENCH_COMPARE ?=
BENCH_DB_FORMAT ?= plp_bench_{preset}
BENCH_ENV := DATABASE_URL=$${BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/$(BENCH_DB)} \
	REDIS_URL=$${REDIS_URL:-redis://127.0.0.1:6379/9} PLP_HTTPS=false
BENCH_CHECK_SEEDED := "from plp_portal.organisations.models import Organisation as O; raise SystemExit(0 if O.objects.filter(is_generated=True).exists() else 1)"
bench:
	@scripts/ensure-debian-packages.sh $(DEMO_DEBS)
	@$(MAKE) --no-print-directory setup
	@scripts/ensure-services.sh
	@set -e; for preset in $(if $(strip $(BENCH_COMPARE)),$(subst $(comma), ,$(BENCH_COMPARE)),$(BENCH_PRESET)); do \
	  db=$(if $(strip $(BENCH_COMPARE)),$$(echo '$(BENCH_DB_FORMAT)' | sed "s/{preset}/$$preset/"),$(BENCH_DB)); \
	  url=postgres://postgres@127.0.0.1:5432/$$db; \
	  createdb -h 127.0.0.1 -U postgres $$db 2>/dev/null || true; \
	  DATABASE_URL=$$url $(BIN)/python manage.py migrate --noinput -v0; \
	  DATABASE_URL=$$url $(BIN)/python manage.py createcachetable; \
	  DATABASE_URL=$$url $(BIN)/python manage.py shell -c $(BENCH_CHECK_SEEDED) \
	    || time DATABASE_URL=$$url $(BIN)/python manage.py seed_county --preset $$preset; \
	done
ifeq ($(strip $(BENCH_COMPARE)),)
	$(BENCH_ENV) $(BIN)/python manage.py bench $(BENCH_ARGS)
else
	$(BENCH_ENV) $(BIN)/python manage.py bench --compare-presets $(BENCH_COMPARE) --db-format '$(BENCH_DB_FORMAT)' $(BENCH_ARGS)
endif

# `manage.py check --deploy` with production environment variables.
check-deploy: setup
	DEBUG=0 SECRET_KEY=$$(head -c 48 /dev/urandom | base64) ALLOWED_HOSTS=plp.example.org \
	  DATABASE_URL=postgres://postgres@127.0.0.1:5432/plp_portal \
	  $(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) node_modules static/build var/staticfiles
