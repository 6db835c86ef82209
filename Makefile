# Two commands for a fresh machine with Python 3.11+ and make: `make run` and `make test`.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
TREATY := treaty_reader/data/anglo-soviet-treaty-1942-forum-post.txt
ADDRESS ?= 127.0.0.1:8000
# `make run DEMO=1` also loads demo members, highlights and threads, once (see README).
DEMO ?=
DEMO_ARGS ?= --members 20 --highlights 150 --comments 600 --if-absent

.PHONY: install run test lint clean bench bench-reanchor soak screenshots

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

## run: install, migrate, import the treaty and serve it at http://$(ADDRESS)/
run: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py import_treaty $(TREATY)
ifeq ($(DEMO),1)
	$(BIN)/python manage.py generate_demo_data $(DEMO_ARGS)
endif
	$(BIN)/python manage.py runserver $(ADDRESS)

## test: install and run every test (the browser tests need /usr/bin/chromium)
test: install lint
	$(BIN)/python -m pytest

## lint: style, types, the layer contract, and no model change without its migration
lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/python manage.py makemigrations --check --dry-run

## screenshots: retake the README's pictures (docs/screenshots/) in Chromium
screenshots: install
	SCREENSHOT_DIR=docs/screenshots $(BIN)/python -m pytest tests/e2e/test_screenshots.py

## bench: load-test the site at three data sizes against a static ceiling and a peer (README)
bench: install
	$(BIN)/python benchmarks/bench.py

## bench-reanchor: seconds and peak memory of re-anchoring 2,000 highlights after a correction
bench-reanchor: install
	$(BIN)/python benchmarks/reanchor.py

clean:
	rm -rf $(VENV) staticfiles .pytest_cache *.egg-info db.sqlite3* test-db.sqlite3*

## soak: a mixed load (80% reads, 20% writes) for SOAK_SECONDS, then checks nothing was lost (README)
soak: install
	$(BIN)/python benchmarks/soak.py
