# The two commands a new user types: `make run` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8000
STAMP := $(VENV)/.installed

.PHONY: run test lint assets install db demo bench lighthouse clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[test]"
	touch $(STAMP)

install: $(STAMP)

node_modules/.package-lock.json: package.json package-lock.json
	npm ci --omit=dev --no-audit --no-fund --loglevel=error

# htmx comes from the npm registry (pinned in package-lock.json) and is copied, never committed.
static/vendor/htmx.min.js: node_modules/.package-lock.json
	mkdir -p static/vendor
	cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js

# Leaflet (the territory map, issue 15) the same way: its script and stylesheet only (the map
# draws circle markers, so Leaflet's marker images are not needed).
static/vendor/leaflet/leaflet.js: node_modules/.package-lock.json
	mkdir -p static/vendor/leaflet
	cp node_modules/leaflet/dist/leaflet.js node_modules/leaflet/dist/leaflet.css static/vendor/leaflet/

assets: static/vendor/htmx.min.js static/vendor/leaflet/leaflet.js

db: install
	$(BIN)/groundwork init-db

demo: db
	$(BIN)/groundwork demo --if-empty

run: install assets demo
	$(BIN)/gunicorn --workers 2 --threads 4 --bind 127.0.0.1:$(PORT) --access-logfile - "webapp:create_app()"

# The layer contract (pyproject's [tool.importlinter]) and ruff: a broken arrow fails the build.
lint: install
	$(BIN)/lint-imports
	$(BIN)/ruff check .

# The whole suite, after the lint, on one pytest-xdist worker per core (TEST_WORKERS=0: in this
# process). TEST_DATABASE_URL adds PostgreSQL; browser tests use /usr/bin/chromium. (Three
# workers on two cores were 6 % faster and flakier under the load: not worth it.)
TEST_WORKERS ?= auto
test: install assets lint
	$(BIN)/python -m pytest --numprocesses $(TEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install assets
	$(BIN)/python bench/run_all.py

# Lighthouse scores of the five core pages (lighthouse is an npm dev dependency, only for this).
lighthouse: install assets
	npm install --no-save --no-audit --no-fund --loglevel=error
	$(BIN)/python bench/lighthouse.py

clean:
	rm -rf $(VENV) node_modules static/vendor .pytest_cache
