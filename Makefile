# The two commands of the README:
#   make demo   start Neo4j + GDS, load the Stack Exchange data, score it, serve the API
#   make test   lint, type-check and run every test against a real Neo4j + GDS
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-$(shell sha1sum pyproject.toml | cut -c1-12)

.PHONY: demo test lint typecheck unit integration env db-start db-stop clean

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q -U pip
	$(BIN)/pip install -q -e '.[dev,spark]'
	@rm -f $(VENV)/.installed-*
	@touch $@

env: $(STAMP)

# The bundled dump has no consent records; the demo therefore shows scores for everyone who
# has not opted out (the operator's documented choice). The product default is opted_in only.
demo: $(STAMP)
	INFLUENCE_PUBLISH_POLICY=$${INFLUENCE_PUBLISH_POLICY:-not_opted_out} $(BIN)/influence demo

lint: $(STAMP)
	$(BIN)/ruff check .

typecheck: $(STAMP)
	$(BIN)/mypy influence tests

test: $(STAMP)
	./scripts/system-deps.sh chromium
	$(BIN)/ruff check .
	$(BIN)/mypy influence tests
	$(BIN)/pytest

# The fast tier: no server, under a minute (tests/integration and tests/e2e are marked by folder).
unit: $(STAMP)
	$(BIN)/pytest -m "not integration and not e2e"

db-start: $(STAMP)
	$(BIN)/influence db start

db-stop: $(STAMP)
	$(BIN)/influence db stop

clean:
	rm -rf $(VENV) .mypy_cache .ruff_cache .pytest_cache quarantine
