# bookrec: the familiar targets, each one calling a Prefect flow.
#   make all                    set up, then run the whole job (demo catalog unless real files exist)
#   make all DATA_DIR=../shared/data   ... on real Goodreads files
#   make test                   lint, format check and the test suite
#   make serve                  the reader's web page and JSON API on http://127.0.0.1:8000
# Every flow target takes ARGS for extra options, e.g. make evaluate ARGS="--min-ratings 20".

VENV ?= .venv
PYTHON := $(VENV)/bin/python
WAREHOUSE ?= warehouse/bookrec.duckdb
DATA_DIR ?=
DATA_OPTION := $(if $(DATA_DIR),--data-dir $(DATA_DIR),)
ARGS ?=
BOOKS ?=

.PHONY: setup prepare_data embed lists train encode_embeddings test_embeddings evaluate recommend \
	recommend_all all full test lint browser serve test_pipeline bench deploy clean clean-all

$(VENV)/.installed: pyproject.toml
	@echo "setup: creating $(VENV) and installing bookrec's pinned packages (torch, DuckDB, Prefect, ...: a few minutes the first time, quiet while pip works)"
	python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet --upgrade pip
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	@echo "setup: done ($(VENV))"
	touch $@

setup: $(VENV)/.installed  ## create .venv and install bookrec with its pinned dependencies

prepare_data: setup  ## ingest, clean and merge the Goodreads files into the warehouse
	$(PYTHON) -m flows.prepare_data $(DATA_OPTION) --warehouse $(WAREHOUSE) $(ARGS)

embed: setup  ## encode every book's text (cached by content hash; ARGS="--dask-workers 2", "--device cuda")
	$(PYTHON) -m flows.embed --warehouse $(WAREHOUSE) $(ARGS)

lists: setup  ## works/series/collections/derivatives (sql/works) and co-rating vectors
	$(PYTHON) -m flows.lists --warehouse $(WAREHOUSE) $(ARGS)

train: setup  ## train the projection network with a triplet loss
	$(PYTHON) -m flows.train --warehouse $(WAREHOUSE) $(ARGS)

encode_embeddings: setup  ## write the projected vectors of every book
	$(PYTHON) -m flows.encode_embeddings --warehouse $(WAREHOUSE) $(ARGS)

# The flow keeps its name test_embeddings; its file is flows/compare_spaces.py (not a test).
test_embeddings: setup  ## compare raw and trained spaces on held-out users (reports/embeddings.*)
	$(PYTHON) -m flows.compare_spaces --warehouse $(WAREHOUSE) $(ARGS)

evaluate: setup  ## per-user evaluation against the baselines and classic peers (reports/evaluation.*)
	$(PYTHON) -m flows.evaluate --warehouse $(WAREHOUSE) $(ARGS)

recommend: setup  ## recommendations, e.g. make recommend BOOKS='--book "Dune|Frank Herbert|5"'
	$(PYTHON) -m flows.recommend --warehouse $(WAREHOUSE) $(BOOKS) $(ARGS)

serve: setup  ## the web page and JSON API, e.g. make serve ARGS="--port 8080" (docs at /docs)
	$(VENV)/bin/bookrec serve --warehouse $(WAREHOUSE) $(ARGS)

recommend_all: setup  ## every reader's top-N into table recommendations (ARGS="--top 20 --dask-workers 2")
	$(PYTHON) -m flows.recommend_all --warehouse $(WAREHOUSE) $(ARGS)

full: setup  ## the whole job: prepare_data -> embed -> lists -> train -> ... -> evaluate
	$(PYTHON) -m flows.full $(DATA_OPTION) --warehouse $(WAREHOUSE) $(ARGS)

all: setup full  ## set everything up and run the whole job

lint: setup  ## ruff lint and format check
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

# Debian's chromium for the browser test; installed only when missing and apt-get is usable
# (as root). Without it the browser test skips and says why.
browser:  ## headless chromium for the browser test (apt-get install chromium when missing)
	@command -v chromium >/dev/null 2>&1 || { \
	  if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
	    echo "installing chromium for the browser test (apt-get, a few minutes once)"; \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq chromium; } >/dev/null 2>&1 \
	      || echo "chromium could not be installed: the browser test will skip"; \
	  else \
	    echo "chromium missing and apt-get unusable here: the browser test will skip"; \
	  fi; }

# Two worker processes, one per core; tests sharing a costly fixture stay on one worker and the
# slow groups start first (tests/conftest.py). TEST_WORKERS=0 runs everything in one process.
TEST_WORKERS ?= 2

test: lint browser  ## lint, format check and every test (tests on ../shared/data skip without it)
	$(VENV)/bin/pytest -n $(TEST_WORKERS) --dist loadgroup --no-loadscope-reorder --durations=20

test_pipeline: setup  ## the whole job on a tiny demo catalog in a throwaway warehouse
	rm -rf /tmp/bookrec-test-pipeline
	$(PYTHON) -m flows.full --demo --demo-books 300 --demo-users 80 \
		--warehouse /tmp/bookrec-test-pipeline/bookrec.duckdb \
		--reports-dir /tmp/bookrec-test-pipeline/reports \
		--artifacts-dir /tmp/bookrec-test-pipeline/artifacts \
		--demo-dir /tmp/bookrec-test-pipeline/demo $(ARGS)

bench: setup  ## quality and speed benchmarks on ../shared/data (reports/bench_*.md)
	$(PYTHON) bench/quality.py
	$(PYTHON) bench/speed.py

deploy: setup  ## register every deployment of prefect.yaml with the Prefect server
	$(VENV)/bin/prefect --no-prompt deploy --all

clean:  ## remove the warehouse, generated data, artifacts and caches (keeps .venv)
	rm -rf warehouse/*.duckdb warehouse/*.wal data/demo artifacts .pytest_cache .ruff_cache \
		.hypothesis /tmp/bookrec-test-pipeline
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

clean-all: clean  ## clean, and remove the virtual environment too
	rm -rf $(VENV) *.egg-info
