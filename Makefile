# The first two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
STAMP := $(VENV)/.installed

.PHONY: run test lint format seed-demo worker browser clean

$(STAMP): requirements.txt requirements-dev.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

# Debian's chromium for the browser tests; playwright never downloads its own browser.
browser:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium for the browser tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; }

# The app and a Huey consumer (Procfile), started and stopped together by honcho.
run: $(STAMP)
	$(BIN)/python -m core.cli migrate
	$(BIN)/python -m core.cli seed-demo --if-empty
	$(BIN)/honcho start --port $(PORT)

test: $(STAMP) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

seed-demo: $(STAMP)
	$(BIN)/python -m core.cli seed-demo

worker: $(STAMP)
	$(BIN)/python -m core.cli worker

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
