# Set-up and everyday commands. `make demo` and `make test` work from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
BUNDLE := rtsched_widgets/static/table.js rtsched_widgets/static/grid.js
JS_SOURCES := $(shell find js/src -name '*.ts') js/build.mjs js/package.json
OPEN_BROWSER ?= 0
PORT ?= 8888
PYTEST_ARGS ?=

.PHONY: demo test lint js js-test pytest bench venv install install-test chromium valgrind clean

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip

js/node_modules/.installed: js/package.json
	cd js && (npm ci --no-audit --no-fund || npm install --no-audit --no-fund)
	touch $@

$(BUNDLE) &: js/node_modules/.installed $(JS_SOURCES)
	cd js && npm run build

## js: bundle the TypeScript front end into rtsched_widgets/static/
js: $(BUNDLE)

$(VENV)/.installed: $(VENV)/bin/python pyproject.toml | $(BUNDLE)
	$(PIP) install -q -e '.[lab,solve,io,plot]'
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed
	$(PIP) install -q -e '.[lab,solve,io,plot,postgres,test]'
	touch $@

install: $(VENV)/.installed
install-test: $(VENV)/.installed-test

## chromium: Debian's chromium for the browser tests (Playwright drives /usr/bin/chromium)
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
	  echo "installing Debian's chromium"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	fi

valgrind:
	@if ! command -v valgrind > /dev/null; then \
	  echo "installing Debian's valgrind (bench_edit_instructions counts instructions with it)"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q valgrind; \
	fi

## demo: JupyterLab with real-time collaboration on notebooks/, bound to 127.0.0.1
demo: install
	$(PY) -m rtsched_widgets.demo --port $(PORT) $(if $(filter 1,$(OPEN_BROWSER)),--open-browser,)

## lint: ruff, mypy, the layer contracts (import-linter, see pyproject), tsc and biome
lint: install-test
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(VENV)/bin/lint-imports
	cd js && npm run typecheck && npm run lint

js-test: js/node_modules/.installed
	cd js && npm test

pytest: install-test chromium
	$(PY) -m pytest $(PYTEST_ARGS)
	$(PY) -m pytest --nbval notebooks --nbval-sanitize-with notebooks/sanitize.cfg -p no:cacheprovider

## test: set-up, lint, JS unit tests, then every Python test (unit, browser, notebooks)
test: install-test chromium
	$(MAKE) lint
	$(MAKE) js-test
	$(MAKE) pytest

## bench: the performance tables recorded in benchmarks/RESULTS.md
##        (BENCH_TIME_LIMIT seconds per strategy run; DESIGN's full table uses 60)
BENCH_TIME_LIMIT ?= 10
bench: install-test chromium valgrind
	@for script in $(filter-out benchmarks/bench_strategies.py,$(wildcard benchmarks/bench_*.py)); do \
	  echo "== $$script"; $(PY) $$script || exit 1; done
	$(PY) benchmarks/bench_strategies.py --time-limit $(BENCH_TIME_LIMIT) --jobs 1

clean:
	rm -rf $(VENV) js/node_modules rtsched_widgets/static build dist
