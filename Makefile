# The README's commands. Each target installs what it needs into .venv first.
#   make run   - the embedded service: SQLite, local media, gunicorn + a Celery worker
#   make test  - the whole test suite (SQLite unless DATABASE_URL says otherwise)

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint format schema check migrate ci clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.runtime: requirements.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(VENV)/bin/python
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.runtime

migrate: $(VENV)/.runtime
	$(MANAGE) migrate --noinput
	$(MANAGE) collectstatic --noinput --verbosity 0

run: migrate
	$(MANAGE) import_pets petshop/sample_data/pets.csv --if-empty
	PATH="$(CURDIR)/$(BIN):$$PATH" $(BIN)/honcho start --procfile Procfile

test: $(VENV)/.dev
	$(BIN)/pytest $(PYTEST_ARGS)

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(VENV)/.dev
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

schema: $(VENV)/.dev
	$(MANAGE) spectacular --validate --fail-on-warn --file $(VENV)/openapi.json

check: $(VENV)/.dev
	$(MANAGE) makemigrations --check --dry-run
	DJANGO_SETTINGS_MODULE=config.settings.production DJANGO_SECRET_KEY=check-deploy-dummy-secret-key-0123456789-abcdefghijklmnopqrstuvwxyz \
		$(MANAGE) check --deploy --fail-level WARNING

ci:
	bash .ci/run

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
