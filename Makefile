# The first two commands of the README: `make run` and `make test`.
PYTHON ?= python3
# Where the virtual environment lives; `.ci/run` points it at a clean one of its own
# (`make run VENV=/tmp/x`) to start the app exactly as a new user does.
VENV ?= .venv
BIN := $(VENV)/bin
PORT ?= 8501
# Email links point at the port the app serves on, unless PUBLIC_URL says otherwise.
PUBLIC_URL ?= http://localhost:$(PORT)
RUNTIME := $(VENV)/.installed-runtime
TOOLS := $(VENV)/.installed

.PHONY: run test check lint format seed-demo worker browser clean

# `make run` installs what the app needs; `make test` adds the test tools on top.
$(RUNTIME): requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -r requirements.txt
	touch $(RUNTIME)

$(TOOLS): $(RUNTIME) requirements-dev.txt
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $(TOOLS)

# Debian's chromium for the browser tests (playwright never downloads a browser), and
# poppler's pdfsig, a second reader of the PDFs' signatures besides pyHanko.
browser:
	@command -v chromium >/dev/null 2>&1 && command -v pdfsig >/dev/null 2>&1 || { \
		echo "Installing Debian's chromium and poppler-utils for the tests"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq chromium poppler-utils >/dev/null; }

# The app and a Huey consumer (Procfile), started and stopped together by honcho; both
# get PUBLIC_URL (email links, and the verification address printed in every PDF).
# Exported PDFs are signed: a self-signed certificate is made when none exists.
run: $(RUNTIME)
	$(BIN)/python -m core.cli migrate
	$(BIN)/python -m core.cli make-signing-cert --if-missing
	$(BIN)/python -m core.cli make-badge-key --if-missing
	$(BIN)/python -m core.cli seed-demo --if-empty
	VENV=$(VENV) PUBLIC_URL=$(PUBLIC_URL) $(BIN)/honcho start --port $(PORT)

test: $(TOOLS) browser check
	$(BIN)/python -m pytest -n 2 -q

# What the build proves beyond the tests (README, "Checks"): ruff; deptry, that runtime
# code imports only what requirements.txt installs (and tests and benchmarks only what one
# of the two lists does); import-linter, the layers of pyproject.toml's contracts; mypy
# over core/; bandit, no medium or high finding in the code that serves users.
check: lint
	$(BIN)/deptry .
	$(BIN)/deptry . --ignore DEP002,DEP004 \
		--exclude '^(\.venv|core|ui|screens|web|migrations|streamlit_app\.py)(/|$$)' \
		--extend-exclude '^(docs|data|test-artifacts)/'
	$(BIN)/lint-imports
	$(BIN)/mypy
	$(BIN)/bandit --quiet --severity-level medium -r core ui screens web

lint: $(TOOLS)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(TOOLS)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

seed-demo: $(RUNTIME)
	$(BIN)/python -m core.cli seed-demo

worker: $(RUNTIME)
	$(BIN)/python -m core.cli worker

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .mypy_cache .import_linter_cache test-artifacts
