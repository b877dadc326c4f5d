# Two commands set up everything on a fresh machine:
#   make run    install, then start the main job
#   make test   install, then run the whole test suite (what .ci/run calls)
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: run test install golden clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[full,test]'
	touch $(STAMP)

run: install
	$(VENV)/bin/kyosai timetable --months 12
	$(VENV)/bin/kyosai first-debit 2024-12-02 70000 --channel 現金なし --pattern 年払
	@# Headquarters' check of the sample batches (some carry mistakes on purpose: exit 1 is expected).
	$(VENV)/bin/kyosai validate workbooks/samples/* --format html --out out/reports --as-of 2025-03-31; test $$? -le 1
	$(VENV)/bin/kyosai validate workbooks/samples/* --format xlsx --out out/reports --as-of 2025-03-31; test $$? -le 1
	@echo "Reports: out/reports/ (HTML for the browser, annotated workbooks for Excel)"

test: install
	$(PY) -m pytest

golden: install
	$(PY) scripts/regen_golden.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
