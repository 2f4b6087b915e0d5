# Two commands on a fresh machine: `make demo` and `make test`. The Makefile makes its own
# virtualenv and installs everything the project needs into it.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp

export DAGSTER_HOME := $(CURDIR)/.dagster_home
export EDUWH_LANDING_DIR ?= $(CURDIR)/data/landing
export EDUWH_WAREHOUSE_PATH ?= $(CURDIR)/build/warehouse.duckdb

.PHONY: install demo test lint dev clean docs load postgres postgres-stop postgres-binaries

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

# Browser assets Great Expectations Data Docs would load from CDNs, installed from npm so the
# docs open offline (expectations/data_docs.py).
DOCS_VENDOR := expectations/data_docs/node_modules/.installed-stamp
$(DOCS_VENDOR): expectations/data_docs/package.json expectations/data_docs/package-lock.json
	cd expectations/data_docs && npm ci --no-audit --no-fund --loglevel=error
	touch $@

install: $(STAMP) $(DOCS_VENDOR)

# Debian's Chromium renders the plan-progress report and the Data Docs in the browser tests
# (tests/test_browser.py); no browser download from the internet is involved. A CJK font so
# that the screenshots show Chinese, not boxes.
CHROMIUM := /usr/bin/chromium
BROWSER_PACKAGES := chromium fonts-wqy-microhei
$(CHROMIUM):
	apt-get install -y -q --no-install-recommends $(BROWSER_PACKAGES) \
		|| (apt-get update -q && apt-get install -y -q --no-install-recommends $(BROWSER_PACKAGES))

# Debian's PostgreSQL, the serving database for pooled BI servers (orchestration/serving/
# postgres.py): the tests run a throwaway cluster of its binaries; `make postgres` a local one.
postgres-binaries:
	@ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 \
		|| apt-get install -y -q --no-install-recommends postgresql \
		|| (apt-get update -q && apt-get install -y -q --no-install-recommends postgresql)

# Java for Spark (EDUWH_ENGINE=spark and the two-engine test): Debian's headless JRE 17, which
# pyspark 4 runs on. Nothing is downloaded at Spark's start (no Delta Lake or other jars).
JAVA := /usr/bin/java
$(JAVA):
	apt-get install -y -q --no-install-recommends openjdk-17-jre-headless \
		|| (apt-get update -q && apt-get install -y -q --no-install-recommends openjdk-17-jre-headless)

# A local serving database under build/postgres on port 5433; prints the EDUWH_POSTGRES_DSN.
postgres: install postgres-binaries
	$(BIN)/python -m orchestration.serving.pg_cluster start

postgres-stop: install
	$(BIN)/python -m orchestration.serving.pg_cluster stop

# Created once, before any Dagster process runs: two processes creating a fresh SQLite home at
# the same moment can corrupt it.
$(DAGSTER_HOME)/dagster.yaml: orchestration/dagster.yaml
	mkdir -p $(DAGSTER_HOME)
	cp orchestration/dagster.yaml $@

target/manifest.json: $(STAMP) dbt_project.yml $(wildcard models/*/*.sql models/*/*.yml macros/*.sql seeds/*.csv seeds/*.yml)
	$(BIN)/dbt parse --quiet --profiles-dir .

demo: install $(DAGSTER_HOME)/dagster.yaml target/manifest.json
	@# dbt's output folders of earlier runs: the docs below must come from this run's
	rm -rf target/warehouse_dbt_assets-*
	EDUWH_DEMO=1 $(BIN)/eduwh demo
	@# dbt's documentation as one self-contained page that opens offline, from the demo's own
	@# dbt build (its target folder holds every model compiled: 6 s rather than 12 s to compile
	@# them all again)
	run=$$(ls -td target/warehouse_dbt_assets-*/ | head -1) && test -n "$$run" \
	  && $(BIN)/dbt docs generate --static --quiet --profiles-dir . --no-compile --target-path "$$run" \
	  && cp "$$run/static_index.html" target/static_index.html
	@echo "dbt docs: target/static_index.html"

# Load only (no dbt): the per-file report of what was loaded, quarantined and refused.
load: install
	$(BIN)/eduwh load

# The contract page is generated from orchestration/ingest/contracts.py; a test fails when it is stale.
docs: install
	$(BIN)/python -m orchestration.ingest.contracts > docs/extract_contracts.md

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	@# Compiling needs a connection but no data: an in-memory DuckDB needs no file or folder
	@# (with a file in a missing folder, dbt's connection retries hang sqlfluff's templater).
	EDUWH_WAREHOUSE_PATH=:memory: $(BIN)/sqlfluff lint models

test: install $(CHROMIUM) $(JAVA) postgres-binaries $(DAGSTER_HOME)/dagster.yaml target/manifest.json lint
	$(BIN)/pytest

# The Dagster UI on http://127.0.0.1:3000 (run `make demo` first for data to look at).
dev: install $(DAGSTER_HOME)/dagster.yaml target/manifest.json
	EDUWH_DEMO=1 $(BIN)/dagster dev -m orchestration.definitions

clean:
	rm -rf build data target logs .pytest_cache
