# The README's two commands: `make reproduce` and `make test`. Both bootstrap .venv when needed
# (torch==2.13.0 first: the CPU build on this machine; anything else pulls a multi-GB CUDA build)
# and are idempotent.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.neurorepro-installed
PLAN   ?= smoke

export RAY_AUTH_MODE := disabled
export RAY_USAGE_STATS_ENABLED := 0
export PIP_DISABLE_PIP_VERSION_CHECK := 1

.PHONY: reproduce test bench lint venv peers

venv: $(STAMP)

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/pip install -q torch==2.13.0
	$(BIN)/pip install -q -e '.[test]'
	# NeuroBench is compared against in the metric tests; its own deps would replace torch.
	$(BIN)/pip install -q --no-deps neurobench==2.3.0 snntorch==1.0.0
	touch $(STAMP)

reproduce: $(STAMP)
	$(BIN)/neurorepro data synth --plan $(PLAN)
	$(BIN)/neurorepro run $(PLAN)
	$(BIN)/neurorepro leaderboard --plan $(PLAN)
	$(BIN)/neurorepro report

test: $(STAMP)
	$(BIN)/python -m pytest -q

# P09's peer frameworks (snnTorch, Norse, Spyx) for plans/p09-speed.yaml, without their torch pins.
peers: $(STAMP)
	$(BIN)/pip install -q --no-deps $$($(BIN)/python -c "import tomllib; print(' '.join(tomllib.load(open('pyproject.toml','rb'))['project']['optional-dependencies']['peers']))")

bench: $(STAMP)
	$(BIN)/python -m pytest benchmarks -q --benchmark-only -p no:cacheprovider

lint: $(STAMP)
	$(BIN)/ruff check suite implementations tests benchmarks
	$(BIN)/ruff format --check suite implementations tests benchmarks
