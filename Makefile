# The README's commands. Each target installs what it needs into .venv first.
#   make run   - the embedded service: SQLite, local media, gunicorn + a Celery worker
#   make test  - the whole test suite (SQLite unless DATABASE_URL says otherwise)
#   make compose - the whole stack in Docker, with random secrets written to .env once

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py

.PHONY: run test lint format schema check migrate ci clean compose compose-env

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

# docker-compose.yml has no default secrets. compose reads .env (ignored by git
# and by the image build); each secret missing there is added once, at random,
# and one already there is kept.
COMPOSE_ENV ?= .env
COMPOSE_SECRETS := DJANGO_SECRET_KEY POSTGRES_PASSWORD MINIO_ROOT_PASSWORD

compose-env:
	@touch $(COMPOSE_ENV) && chmod 600 $(COMPOSE_ENV)
	@if [ -s $(COMPOSE_ENV) ] && [ -n "$$(tail -c 1 $(COMPOSE_ENV))" ]; then echo >> $(COMPOSE_ENV); fi
	@grep -q '^MINIO_ROOT_USER=' $(COMPOSE_ENV) || echo 'MINIO_ROOT_USER=minio' >> $(COMPOSE_ENV)
	@for name in $(COMPOSE_SECRETS); do \
		grep -q "^$$name=" $(COMPOSE_ENV) || \
			echo "$$name=$$($(PYTHON) -c 'import secrets; print(secrets.token_hex(32))')" >> $(COMPOSE_ENV); \
	done

compose: compose-env
	docker compose --env-file $(COMPOSE_ENV) up --build

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
