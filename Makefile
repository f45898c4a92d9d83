# Two commands do everything on a fresh machine: `make demo` and `make test`.
VENV   ?= .venv
PY     := $(VENV)/bin/python
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
DEMO_DB ?= data/demo.duckdb

.PHONY: setup system-deps demo test lint bench clean

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev]'
	touch $(STAMP)

setup: $(STAMP) system-deps

# Debian packages: a headless Chromium for the browser tests and the rendered pages
# (never a browser download), nginx for the crawl benchmark's mirror.
system-deps:
	@if [ ! -x /usr/bin/chromium-headless-shell ] || ! command -v nginx >/dev/null; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium-headless-shell nginx-light >/dev/null; \
	  else \
	    echo "note: chromium-headless-shell/nginx-light missing and not root; browser tests will be skipped"; \
	  fi; \
	fi

demo: setup
	$(BIN)/ratebench demo --db $(DEMO_DB)

lint: $(STAMP)
	$(BIN)/ruff check .

test: setup lint
	$(BIN)/pytest -n 2 --dist loadfile -q

bench: setup
	$(PY) -m benchmarks

clean:
	rm -rf $(VENV) data/*.duckdb* test-output benchmarks/work
