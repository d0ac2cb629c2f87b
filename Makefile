# 同心 Tongxin — the two commands: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
export TONGXIN_DEMO_PASSWORD ?= Tongxin2024demo

.PHONY: demo install test test-sqlite test-postgres system-packages serve seed bench bench-quick drills drill-restore clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -e ".[dev]"
	touch $(BIN)/activate

install: $(BIN)/activate

## make demo: install, migrate, load the demo street, print the logins, serve on 127.0.0.1:8000
demo: install
	$(PY) manage.py migrate --noinput -v0
	$(PY) manage.py seed_demo --scale street
	@$(PY) manage.py demo_logins
	$(PY) manage.py runserver 127.0.0.1:8000

system-packages:
	@bash scripts/ensure_system_packages.sh

## make test: the whole suite on SQLite, then again on PostgreSQL
test: install system-packages test-sqlite test-postgres

test-sqlite: install
	@echo "== SQLite =="
	env -u DATABASE_URL $(BIN)/pytest

test-postgres: install
	@echo "== PostgreSQL =="
	bash scripts/with_postgres.sh $(BIN)/pytest

## make bench: load 科尔沁区 (about a million residents) into a throwaway PostgreSQL and measure
## the seed time, subtree counts, people search, the coverage summary and gap list (also right after
## bursts of check-ins), the import of a 100,000-row roster (time, peak memory, a re-import that adds
## nothing), then QR check-ins through gunicorn driven by wrk, against
## a bare Django view and pgbench, then the points-store race (200 residents, 50 simultaneous
## redemptions each, exactly 200 must succeed, nothing below zero, no 5xx) and its requests per
## second, the reports; prints a table, writes bench/results/latest.json. Fails when a check of
## correctness fails (lost or extra rows, 5xx, not exactly 200 redemptions); a speed target missed
## is marked NO in the table
bench: install system-packages
	DJANGO_SETTINGS_MODULE=config.settings.local bash scripts/with_postgres.sh $(PY) bench/run.py

## make bench-quick: the same on the demo street alone (about 20,000 residents; the roster import
## is still of 100,000 rows), in about eight minutes
bench-quick: install system-packages
	DJANGO_SETTINGS_MODULE=config.settings.local bash scripts/with_postgres.sh $(PY) bench/run.py --scale street

## make drills: on a throwaway PostgreSQL cluster of its own (fsync on) with the tiny demo street:
## races, bad rosters, intruders, crashes under load, the API fuzzed, backup and restore. Each
## prints "DRILL name: PASS|FAIL figures"; the command fails if any drill failed
drills: install system-packages
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) drills/run.py

## make drill-restore: the backup drill alone (pg_dump, restore into a new cluster, compare)
drill-restore: install system-packages
	DJANGO_SETTINGS_MODULE=config.settings.local $(PY) drills/run.py --only backup

clean:
	rm -rf $(VENV) var/tongxin.sqlite3*
