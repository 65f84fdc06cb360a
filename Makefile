# Shebao — the two entry points: `make demo` (SQLite demo) and `make test` (whole suite).
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: demo test install lint check-deploy bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## demo: install, migrate a SQLite database, load demo data, make the demo signing CA (var/signing), serve on http://127.0.0.1:$(PORT)
demo: $(STAMP)
	mkdir -p var
	env -u DATABASE_URL $(PY) manage.py migrate --noinput
	env -u DATABASE_URL $(PY) manage.py seed_demo
	env -u DATABASE_URL $(PY) manage.py signing_setup
	@echo "Shebao is running at http://127.0.0.1:$(PORT)/  (Ctrl-C to stop)"
	env -u DATABASE_URL $(PY) manage.py runserver 127.0.0.1:$(PORT)

## test: lint, system checks and the whole suite (PostgreSQL when DATABASE_URL is set)
test: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py check
	$(PY) manage.py makemigrations --check --dry-run
	SHEBAO_SECRET_KEY=ci-check-only-$$(date +%s)-not-a-real-secret-but-long-enough-for-django \
		SHEBAO_AUDIT_KEY=ci-check-only-audit-key-not-a-real-secret SHEBAO_PUBLIC_BASE_URL=https://shebao.example.gov.cn \
		SHEBAO_SIGNING_REQUIRED=false SHEBAO_SIGNING_DIR=$$(mktemp -d) \
		DJANGO_SETTINGS_MODULE=shebao.settings.production $(PY) manage.py check --deploy --fail-level WARNING
	$(VENV)/bin/pytest -q

lint: $(STAMP)
	$(VENV)/bin/ruff check . && $(VENV)/bin/ruff format --check .

clean:
	rm -rf var $(VENV)
