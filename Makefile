# Samverkan – set-up, demo and tests. Every target bootstraps .venv/ itself.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/test
PYTEST_WORKERS ?= 2

.PHONY: install demo serve test lint typecheck test-sqlite test-postgres test-browser messages bench clean

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Samverkan needs Python 3.11 or newer (set PYTHON=python3.11)")'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c constraints.txt -e ".[dev]"
	@touch $@

demo: install
	$(BIN)/samverkan demo

serve: install
	$(BIN)/samverkan serve

test: install lint typecheck test-sqlite test-postgres test-browser

lint: install
	$(BIN)/ruff check src tests benchmarks
	$(BIN)/ruff format --check src tests benchmarks

typecheck: install
	$(BIN)/mypy src

test-sqlite: install
	$(BIN)/pytest -m "not browser" -n $(PYTEST_WORKERS) -p no:cacheprovider

test-postgres: install
	DATABASE_URL=$(TEST_DATABASE_URL) $(BIN)/pytest -m "not browser" -n $(PYTEST_WORKERS) -p no:cacheprovider

test-browser: install
	$(BIN)/pytest -m browser -p no:cacheprovider

messages: install
	cd src/samverkan && ../../$(BIN)/samverkan makemessages -l sv --no-obsolete --add-location file --ignore 'demo/*' && ../../$(BIN)/samverkan compilemessages

bench: install
	$(BIN)/python benchmarks/audit_chain.py
	$(BIN)/python benchmarks/restrict_query.py
	$(BIN)/python benchmarks/survey_stats.py
	$(BIN)/python benchmarks/survey_results.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache
