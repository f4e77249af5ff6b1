# The README's two commands: `make demo` and `make test`. Both set up .venv first.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo test lint dev bench clean

$(STAMP): pyproject.toml requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# requirements.lock pins every package (and what they pull in) to what CI ran
	$(BIN)/pip install --quiet -c requirements.lock -e '.[test,spark]'
	# dbt's manifest, so loading the Dagster definitions never has to parse the project
	$(BIN)/python -m orchestration.dbt.project
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/cdp demo

# one worker per core; a test file's tests stay on one worker (its module fixtures are built once)
test: setup
	$(BIN)/pytest -n auto --dist loadfile --no-loadscope-reorder --durations=25

# the layers and no import circles (pyproject.toml [tool.importlinter])
lint: setup
	$(BIN)/lint-imports

dev: setup
	DAGSTER_HOME=$${DAGSTER_HOME:-$(CURDIR)/data/dagster_home} sh -c 'mkdir -p "$$DAGSTER_HOME" && $(BIN)/python -m orchestration.instance_settings "$$DAGSTER_HOME" && $(BIN)/dagster dev -w workspace.yaml'

clean:
	rm -rf data dbt_project/target dbt_project/logs .pytest_cache
