# Two commands set up everything on a fresh machine:
#   make run    install, then start the validation service (gunicorn, SQLite) with demo tokens
#   make test   install (+ Debian's postgresql, chromium, nodejs/npm and libreoffice when missing, as root,
#               and the npm package pyodide), then the gate (ruff, mypy) and the whole test suite with
#               coverage (what .ci/run calls)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
KYOSAI := $(VENV)/bin/kyosai
STAMP  := $(VENV)/.installed
HOST    ?= 127.0.0.1
PORT    ?= 8000
WORKERS ?= 2
# The service's instance folder: SQLite database, stored files, demo-tokens.txt.
export KYOSAI_INSTANCE_PATH ?= $(CURDIR)/instance

.PHONY: run demo test gate format system-deps npm-deps screenshot install golden clean bench bench-lite

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[full,test]'
	touch $(STAMP)

# The service in the foreground under gunicorn on SQLite: creates instance/ and the tables, makes an
# agency token and a headquarters token (printed, and in instance/demo-tokens.txt), prints the URL and
# where the sample batches are, then runs gunicorn. Ctrl+C stops it. See docs/service.md.
run: install
	@mkdir -p "$(KYOSAI_INSTANCE_PATH)"
	exec $(KYOSAI) serve --demo --host $(HOST) --port $(PORT) --workers $(WORKERS)

# The command line on the samples (what `make run` did before the service).
demo: install
	$(KYOSAI) timetable --months 12
	$(KYOSAI) first-debit 2024-12-02 70000 --channel 現金なし --pattern 年払
	@# Headquarters' check of the sample batches (some carry mistakes on purpose: exit 1 is expected).
	$(KYOSAI) validate workbooks/samples/* --format html --out out/reports --as-of 2025-03-31; test $$? -le 1
	$(KYOSAI) validate workbooks/samples/* --format xlsx --out out/reports --as-of 2025-03-31; test $$? -le 1
	@echo "Reports: out/reports/ (HTML for the browser, annotated workbooks for Excel)"

test: install gate system-deps npm-deps
	$(PY) -m pytest --cov

# The gate, before any test (configured in pyproject.toml): lint, formatting and types. A formatting
# finding is fixed by `make format`; the others by hand (README, "The gate").
gate: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

# Apply ruff's safe fixes (imports sorted, old syntax upgraded), then format the whole tree.
format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# The npm packages the tests use (versions pinned in tests/package-lock.json): pyodide, the runtime of
# xlwings Lite (tests/test_lite.py, bench/lite.py; the wheels of holidays come from pip when the test
# first runs), and axe-core (the accessibility checks of tests/test_browser.py).
NPM_STAMP := tests/node_modules/.installed
npm-deps: $(NPM_STAMP)

$(NPM_STAMP): tests/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix tests --no-audit --no-fund --loglevel=error && touch $@; \
	else echo "Note: npm is not installed: the Pyodide and accessibility tests will be skipped (CI fails)."; fi

# Debian packages the tests need: PostgreSQL (a throwaway server, scripts/pg_test_server.sh), Chromium
# (the browser test), Node.js and npm (Pyodide, the runtime of xlwings Lite) and LibreOffice Calc (the
# Lite workbook opens without repair). Installed only when missing and only as root; elsewhere those
# tests are skipped with the reason (on CI, CI=true, they fail instead).
system-deps:
	@missing=""; \
	if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
		missing="$$missing postgresql"; fi; \
	if ! command -v chromium >/dev/null 2>&1 && [ ! -x /usr/bin/chromium ]; then missing="$$missing chromium"; fi; \
	if ! command -v node >/dev/null 2>&1 && ! command -v nodejs >/dev/null 2>&1; then missing="$$missing nodejs"; fi; \
	if ! command -v npm >/dev/null 2>&1; then missing="$$missing npm"; fi; \
	if ! command -v soffice >/dev/null 2>&1; then missing="$$missing libreoffice-calc-nogui"; fi; \
	if [ -n "$(EXTRA_DEBS)" ]; then missing="$$missing $(EXTRA_DEBS)"; fi; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		echo "Installing Debian packages:$$missing"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	else \
		echo "Note:$$missing not installed and not installable here (needs root and apt-get): those tests will be skipped (CI fails)."; \
	fi

# Regenerate the screenshots in docs/img/ (the browser test, with Japanese fonts for the page).
screenshot: install
	@if ! fc-list :lang=ja 2>/dev/null | grep -q .; then $(MAKE) --no-print-directory system-deps EXTRA_DEBS=fonts-noto-cjk; \
	else $(MAKE) --no-print-directory system-deps; fi
	KYOSAI_SCREENSHOT_DIR=docs/img $(PY) -m pytest -q tests/test_browser.py

golden: install
	$(PY) scripts/regen_golden.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis .ruff_cache .mypy_cache .coverage

# The xlwings Lite edition's speed in Pyodide next to CPython (about a minute; prints the figures).
bench-lite: install npm-deps
	$(PY) bench/lite.py

# Speed figures for issue 6 (about 10 minutes; writes bench/RESULTS.md). Not part of the tests.
bench: install
	$(PY) -m pip install -q -e '.[bench]'
	$(PY) bench/run.py
