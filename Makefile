# user-score: every command a user needs. `make run` and `make test` are the
# README's quickstart; both create .venv on first use.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV ?= .venv
BIN := $(VENV)/bin

# Telemetry never touches the network.
export KEDRO_DISABLE_TELEMETRY := 1
export DO_NOT_TRACK := 1

.PHONY: install install-dev install-tracking mlflow-ui run test lint format demo-data contract-docs viz viz-build clean-data
.PHONY: s3-demo
.PHONY: browser-deps doc-images

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# pip puts uv in the venv; uv installs the project (the versions pip picks, downloaded
# and installed in parallel; bytecode compiled as pip does, which matters where
# PYTHONDONTWRITEBYTECODE is set). `.venv/bin/pip install -e ".[dev]"` does the same, slower.
$(BIN)/uv: $(BIN)/python
	$(BIN)/python -m pip install --quiet "uv>=0.9,<1"
INSTALL := $(BIN)/uv pip install --quiet --compile-bytecode --python $(BIN)/python

install: $(BIN)/uv  ## install the project into .venv
	$(INSTALL) -e .

install-dev: $(BIN)/uv  ## install the project with the dev extra
	$(INSTALL) -e ".[dev]"

install-tracking: $(BIN)/uv  ## add experiment tracking (kedro-mlflow, MLflow; docs/tracking.md)
	$(INSTALL) -e ".[tracking]"

# The embedded store on http://127.0.0.1:5000 (PORT=...); runs, metrics, artifacts, registry.
MLFLOW_STORE ?= data/mlflow/mlflow.db
PORT ?= 5000
mlflow-ui:  ## browse tracked runs and registered models (needs install-tracking)
	@test -x $(BIN)/mlflow || { echo "mlflow-ui: run 'make install-tracking' first"; exit 1; }
	@test -f $(MLFLOW_STORE) || { echo "mlflow-ui: no store at $(MLFLOW_STORE) yet: run 'make run' with tracking installed"; exit 1; }
	$(BIN)/mlflow ui --backend-store-uri sqlite:///$(MLFLOW_STORE) --host 127.0.0.1 --port $(PORT)

# VERBOSE=1: every Kedro line and full tracebacks (docs/console.md)
run: install  ## run the default pipeline on the embedded demo data
	$(if $(VERBOSE),KEDRO_LOGGING_CONFIG=conf/logging_verbose.yml )$(BIN)/kedro run $(KEDRO_ARGS)

# TEST_WORKERS=0: one process (pytest's own order); `pytest -m "not slow"` etc. for
# the inner loop (markers: slow, s3, browser, real_data).
TEST_WORKERS ?= auto
# (the Python packages and the Debian browser install side by side)
test:  ## lint, then the whole test suite on every core
	@$(MAKE) --no-print-directory -j2 install-dev browser-deps
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder

lint:
	$(BIN)/ruff check .

format:
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

demo-data: install  ## regenerate data/01_raw/games_catalog.csv byte for byte
	$(BIN)/python -m user_score.demo_data --out data/01_raw/games_catalog.csv

contract-docs: install  ## regenerate the contract tables in docs/data_contract.md
	$(BIN)/python -m user_score.contracts --write

viz: install  ## interactive pipeline view on http://127.0.0.1:4141
	$(BIN)/kedro viz run --host 127.0.0.1 --port 4141

viz-build: install  ## static pipeline view in build/
	$(BIN)/kedro viz build --include-previews

clean-data:  ## delete every generated dataset (keeps the embedded demo catalog)
	find data -mindepth 2 -type f ! -name .gitkeep ! -path 'data/01_raw/games_catalog.csv' -delete

s3-demo: install-dev  ## the whole loop with --env s3 against a local SeaweedFS (SERVE=1 keeps it running)
	$(BIN)/python -m tools.local_s3 demo $(if $(SERVE),--serve) -- $(KEDRO_ARGS)

# Headless Chromium + chromedriver for the browser test of `kedro viz` (tests/viz),
# from Debian's packages (never a browser download). Installs only when missing
# and only as root (CI); elsewhere the browser tests skip without them.
CHROMEDRIVER ?= /usr/bin/chromedriver
browser-deps:  ## install Debian chromium + chromium-driver when missing (root only)
	@if [ -x "$(CHROMEDRIVER)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium + chromium-driver (apt-get)"; \
		DEBIAN_FRONTEND=noninteractive apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium chromium-driver >/dev/null; \
	else echo "browser-deps: $(CHROMEDRIVER) missing and not root: the browser tests will skip"; fi

# The README's pictures (docs/img): the kedro-viz flowchart, the monitoring report and
# the training charts of a default run on the demo data, drawn by headless Chromium.
# Without USER_SCORE_WRITE_DOC_IMAGES=1 the same tests write to test-artifacts/ only.
doc-images: install-dev browser-deps  ## regenerate docs/img (README pictures) with headless Chromium
	USER_SCORE_WRITE_DOC_IMAGES=1 $(BIN)/pytest tests/viz/test_doc_images.py -m browser -q -p no:cacheprovider
