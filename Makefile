# Wugong: two commands for a newcomer — `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: install demo test lint bench serve clean

install: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Migrate the embedded SQLite database, load the demo county once, serve on 127.0.0.1:8000.
demo: install
	DEBUG=1 $(BIN)/wugong migrate --noinput
	DEBUG=1 $(BIN)/wugong createcachetable
	DEBUG=1 $(BIN)/wugong demo
	DEBUG=1 $(BIN)/wugong runserver $(HOST):$(PORT)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/wugong makemigrations --check --dry-run

test: install lint
	$(BIN)/python -m pytest -n 2 --dist loadfile

bench: install
	@for b in bench/bench_*.py; do echo "# $$b"; $(BIN)/python $$b || exit 1; done

clean:
	rm -rf $(VENV) var
