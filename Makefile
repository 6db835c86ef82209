# Two commands for a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TREATY := treaty_reader/data/anglo-soviet-treaty-1942-forum-post.txt
ADDRESS ?= 127.0.0.1:8000

.PHONY: install run test lint clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: install, migrate, import the treaty and serve it at http://$(ADDRESS)/
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py import_treaty $(TREATY)
	$(BIN)/python manage.py runserver $(ADDRESS)

## test: install and run every test (the browser tests need /usr/bin/chromium)
test: install lint
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

clean:
	rm -rf $(VENV) staticfiles .pytest_cache *.egg-info db.sqlite3 test-db.sqlite3*
