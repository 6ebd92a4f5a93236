# kmsynth: two commands do all the set-up.
#   make demo   create .venv if needed, install, render the monthly report on the bundled sample
#   make test   same set-up, then the whole test suite (slow and browser tests included)
#   make lab    JupyterLab with the project's kernel registered (the analyst's workbench)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.kmsynth-installed
# Offline by design: nothing is fetched from a model hub at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install demo test test-fast lab bench browser clean

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip wheel

# CPU PyTorch first (a plain `torch` would pull a multi-GB CUDA build), then the package,
# with versions held by requirements.lock so a fresh machine gets what the tests saw.
$(STAMP): pyproject.toml requirements.lock | $(PY)
	$(PIP) install --quiet torch==2.13.0
	$(PIP) install --quiet -c requirements.lock -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name kmsynth --display-name "kmsynth (.venv)" >/dev/null
	touch $(STAMP)

demo: $(STAMP)
	$(VENV)/bin/kmsynth demo --out reports

# Headless Chromium for the report's browser test (Debian package; needs root or sudo).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ]; then apt-get update -qq && apt-get install -y -qq chromium >/dev/null; \
	  elif command -v sudo >/dev/null 2>&1; then sudo apt-get update -qq && sudo apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium not installed: browser tests will be skipped"; fi; }

test: $(STAMP) browser
	$(PY) -m pytest

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not browser"

LAB_ARGS ?=
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=. $(LAB_ARGS) notebooks/workbench.ipynb

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
