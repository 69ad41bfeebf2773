# The JWG Portal's everyday commands. `make run` and `make test` are all a new
# machine with Python 3.11 needs (see README.md).

PYTHON ?= python3.11
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
CHROMIUM ?= /usr/bin/chromium
PYTEST_ARGS ?=

# Performance measurements (issue 7), not part of `make test`: several minutes,
# PostgreSQL and Redis on 127.0.0.1, and wrk. See bench/README.md.
BENCH_ARGS ?=

.PHONY: bench install run serve demo test test-fast lint format browser system-packages clean-db check-deploy messages backup restore

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

install: $(VENV)/.installed

run: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

# Serve the existing database without loading the demo again.
serve: install
	$(PY) manage.py runserver $(HOST):$(PORT)

demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py createcachetable
	$(PY) manage.py seed_demo --with-superuser --with-users

# The browser tests drive Debian's Chromium and inject axe-core from npm;
# letters of invitation use DejaVu Sans, which has Vietnamese letters.
FONT := /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

browser: node_modules/axe-core/axe.min.js system-packages

system-packages:
	@test -x $(CHROMIUM) -a -f $(FONT) || { \
		$(SUDO) apt-get update -qq && \
		$(SUDO) apt-get install -y -qq chromium fonts-dejavu-core; }

node_modules/axe-core/axe.min.js: package.json package-lock.json
	npm ci --no-audit --no-fund --silent
	touch $@

test: install browser
	$(PY) -m pytest $(PYTEST_ARGS)

# Everything but the browser tests, for a quick loop while coding.
test-fast: install
	$(PY) -m pytest -m "not browser" $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(PY) manage.py makemigrations --check --dry-run

format: install
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

messages: install
	$(PY) manage.py makemessages -l id --ignore=.venv --ignore=staticfiles --ignore=node_modules
	$(PY) manage.py compilemessages --ignore=.venv

check-deploy: install
	DJANGO_SETTINGS_MODULE=jwg_portal.settings.production \
	SECRET_KEY=$${SECRET_KEY:-check-deploy-only-$$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')} \
	ALLOWED_HOSTS=$${ALLOWED_HOSTS:-jwg.example.org} \
	FIELD_ENCRYPTION_KEYS=$${FIELD_ENCRYPTION_KEYS:-$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')} \
	$(PY) manage.py check --deploy --fail-level WARNING

# The database and the uploads into BACKUP_DIR (default ./backups), keeping
# the newest BACKUP_KEEP of each. `make restore` brings back the latest, or
# FILE=... (and MEDIA_FILE=...) as named by `manage.py listbackups`.
backup: install
	$(PY) manage.py dbbackup --noinput --clean
	$(PY) manage.py mediabackup --noinput --clean

restore: install
	$(PY) manage.py dbrestore --noinput $(if $(FILE),--input-filename $(FILE))
	$(PY) manage.py mediarestore --noinput --replace $(if $(MEDIA_FILE),--input-filename $(MEDIA_FILE))

clean-db:
	rm -f db.sqlite3

bench: install
	@command -v wrk >/dev/null || { $(SUDO) apt-get update -qq && $(SUDO) apt-get install -y -qq wrk; }
	$(PY) -m pip install --quiet -r bench/requirements.txt
	$(PY) bench/run.py $(BENCH_ARGS)
