# Two commands: `make serve` and `make test`. Everything they need is installed here.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MPR_SOURCES ?= ../shared/data
MPR_DATA ?= ./var
export MPR_SOURCES MPR_DATA

.PHONY: serve test test-servers lint typecheck build-store bench clean assets browser

# The browser assets (charts; the accessibility checker of the tests), pinned in package-lock.json and copied
# where the app serves them (api/web/static/lib/, not committed).
ASSETS := api/web/static/lib
$(ASSETS)/.installed: package.json package-lock.json
	command -v npm >/dev/null || (apt-get update -q && apt-get install -y -q npm)
	npm ci --no-audit --no-fund --silent
	mkdir -p $(ASSETS)
	cp node_modules/vega/build/vega.min.js node_modules/vega-lite/build/vega-lite.min.js \
	   node_modules/vega-embed/build/vega-embed.min.js $(ASSETS)/
	touch $@

assets: $(ASSETS)/.installed

# Debian's Chromium for the browser tests (never a browser download).
browser:
	command -v chromium >/dev/null || (apt-get update -q && apt-get install -y -q chromium)

$(BIN)/activate: pyproject.toml
	test -d $(VENV) || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(BIN)/activate

build-store: $(BIN)/activate
	$(BIN)/mpr build

serve: build-store assets
	$(BIN)/mpr serve --host 127.0.0.1 --port 8000

lint: $(BIN)/activate
	$(BIN)/ruff check api tests bench scripts
	$(BIN)/mypy

# The servers the tests start themselves (Oxigraph server comes with the test extras): nginx checks the proxy example.
test-servers:
	command -v nginx >/dev/null && command -v virtuoso-t >/dev/null || (apt-get update -q && \
	  DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx-light virtuoso-opensource openssl)

# The suites that run again on each server store (`--store`): submissions and every leak suite. The store contract
# suite, the commands, several workers and Virtuoso's public user run on both servers in the first run already.
# `pytest --store=oxigraph-server tests/sdmx tests/read tests/linked_data tests/sparql` runs the rest on a server.
SERVER_SUITES := tests/submissions/test_ingest.py tests/submissions/test_lifecycle.py tests/read/test_leaks.py \
	tests/read/test_restricted_content.py tests/sparql/test_leaks.py tests/linked_data/test_leaks.py

test: $(BIN)/activate lint assets browser test-servers
	$(BIN)/pytest -q
	$(BIN)/pytest -q --store=oxigraph-server $(SERVER_SUITES)
	$(BIN)/pytest -q --store=virtuoso $(SERVER_SUITES)

bench: $(BIN)/activate
	$(BIN)/pip install --quiet -e '.[test,bench]'
	command -v wrk >/dev/null || (apt-get update -q && apt-get install -y -q wrk) || echo "wrk not installed: throughput rows are skipped"
	$(BIN)/python bench/run.py
	$(BIN)/python bench/sdmx_http.py --observations 1000000
	$(BIN)/python bench/api_http.py --observations 1000000 --rdflib-observations 100000

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache node_modules $(ASSETS) tests/artifacts
