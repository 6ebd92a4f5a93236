# kmsynth: two commands do all the set-up.
#   make demo   create .venv if needed, install, render the monthly report on the bundled sample
#   make test   same set-up, then the whole test suite (slow and browser tests included)
#   make lab    JupyterLab with this .venv as the python3 kernel (the analyst's workbench)

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip
STAMP  := $(VENV)/.kmsynth-installed
# Offline by design: nothing is fetched from a model hub at run time.
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1
export TOKENIZERS_PARALLELISM := false

.PHONY: install demo test test-fast lint lab bench browser clean

install: $(STAMP)

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --quiet --upgrade pip wheel

# CPU PyTorch first (a plain `torch` from PyPI is a multi-GB CUDA build on Linux): from
# PyTorch's CPU wheel index when it answers within a few seconds, else the plain install (which
# finds a local CPU build where one is provided). Then the package, with versions held by
# requirements.lock so a fresh machine gets what the tests saw. The notebooks use the kernel
# named python3: the one registered here, running this .venv's Python.
TORCH       := torch==2.13.0
TORCH_INDEX := https://download.pytorch.org/whl/cpu
$(STAMP): pyproject.toml requirements.lock | $(PY)
	@if $(PY) -c "import urllib.request as u; u.urlopen('$(TORCH_INDEX)/torch/', timeout=5)" \
	     >/dev/null 2>&1; then \
	  echo "installing $(TORCH) (CPU build from $(TORCH_INDEX))"; \
	  $(PIP) install --quiet --timeout 30 --index-url $(TORCH_INDEX) $(TORCH) \
	    || $(PIP) install --quiet $(TORCH); \
	else \
	  echo "PyTorch's CPU index is not reachable: installing $(TORCH) the plain way"; \
	  $(PIP) install --quiet $(TORCH); \
	fi
	$(PIP) install --quiet -c requirements.lock -e '.[dev]'
	$(PY) -m ipykernel install --sys-prefix --name python3 --display-name "Python 3 (kmsynth)" >/dev/null
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

# ruff with the rules in pyproject.toml (E, F, I, B, UP at 100 columns); the import-direction
# and layout checks are tests (tests/test_layout.py), run by `make test`.
lint: $(STAMP)
	$(VENV)/bin/ruff check kmsynth tests benchmarks

test-fast: $(STAMP)
	$(PY) -m pytest -m "not slow and not browser"

LAB_ARGS ?=
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --notebook-dir=. $(LAB_ARGS) notebooks/workbench.ipynb

bench: $(STAMP)
	$(PY) benchmarks/run_all.py

clean:
	rm -rf $(VENV) .pytest_cache build *.egg-info
