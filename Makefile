# The two commands a newcomer needs: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# `make prod-like`: the production shape on this machine (deploy/prod-like; Ctrl-C ends it).
.PHONY: run test test-sqlite test-postgres test-prod prod-like lint typecheck bench messages clean vnu checker

# The W3C Nu HTML Checker (tests/test_valid_html.py), from npm, kept in .cache/ (not committed).
VNU_VERSION := 26.9.27
VNU_JAR := .cache/vnu/node_modules/vnu-jar/build/dist/vnu.jar

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

# The main job on embedded defaults: SQLite in var/, in-process jobs, console mail, demo data.
run: $(STAMP)
	$(BIN)/yhteys serve --migrate --demo

# The whole suite, on SQLite and on PostgreSQL side by side (each run has its own database,
# Redis database and ports; a pass's output is printed whole when it ends); then the linter and
# the type checker.
test: $(STAMP) checker
	$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres
	$(BIN)/ruff check .
	$(BIN)/mypy yhteys intake triage notify

test-sqlite: $(STAMP) checker
	$(BIN)/python -m pytest

# What runs once, in the SQLite pass, does not depend on the database.
test-postgres: $(STAMP)
	TEST_DATABASE=postgres $(BIN)/python -m pytest -m "not sqlite_only"

# The production shape through nginx alone, with its figures (also part of the PostgreSQL pass).
test-prod: $(STAMP)
	TEST_DATABASE=postgres $(BIN)/python -m pytest tests/prod -s

prod-like: $(STAMP)
	deploy/prod-like

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy yhteys intake triage notify

bench: $(STAMP)
	$(BIN)/python bench/intake.py

# Extract messages and update every catalog (see README, "Languages").
messages: $(STAMP)
	$(BIN)/python -m yhteys.catalogs update

$(VNU_JAR):
	npm install --no-save --ignore-scripts --prefix .cache/vnu vnu-jar@$(VNU_VERSION)

vnu: $(VNU_JAR)

# On a laptop without npm or the network the HTML check is skipped (CI fails instead).
checker:
	@test -f $(VNU_JAR) || ! command -v npm >/dev/null || $(MAKE) --no-print-directory vnu \
	  || echo "no HTML checker: tests/test_valid_html.py will be skipped"

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache
