# The first two commands of the README: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501
# Email links point at the port the app serves on, unless PUBLIC_URL says otherwise.
PUBLIC_URL ?= http://localhost:$(PORT)
RUNTIME := $(VENV)/.installed-runtime
TOOLS := $(VENV)/.installed

.PHONY: run test lint format seed-demo worker browser clean

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
	PUBLIC_URL=$(PUBLIC_URL) $(BIN)/honcho start --port $(PORT)

test: $(TOOLS) browser
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/python -m pytest -n 2 -q

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
	rm -rf $(VENV) .pytest_cache .ruff_cache test-artifacts
