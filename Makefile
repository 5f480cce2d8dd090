# Every target installs what it needs on first use: `make test` and `make run` work on a
# fresh clone with nothing but python3 (3.11-3.13) and network access to PyPI.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed-stamp
NB ?=
# Smoke runs: offline stand-ins, no network, one thread per process (two processes on two cores).
SMOKE := TFAT_MODE=smoke MATPLOTLIBRC=$(CURDIR)/tests/matplotlibrc TF_CPP_MIN_LOG_LEVEL=2 TF_NUM_INTRAOP_THREADS=1 TF_NUM_INTEROP_THREADS=1 \
         OMP_NUM_THREADS=1 PYTHONUNBUFFERED=1 tests/offline.sh
WORKERS ?= 2
NBVAL := --nbval-lax --nbval-current-env --nbval-cell-timeout=300 \
         --nbval-sanitize-with tests/nbval_sanitize.cfg
# The dry run: full mode, every outside resource a local fake, offline (as SMOKE, but full).
# PYTHONPATH: the kernels import this checkout's `common` on Colab's stack too, not the copy
# that `make colab-setup` installed from a clone of HEAD.
DRY := PYTHONPATH=$(CURDIR) MATPLOTLIBRC=$(CURDIR)/tests/matplotlibrc TF_CPP_MIN_LOG_LEVEL=2 TF_NUM_INTRAOP_THREADS=1 \
       TF_NUM_INTEROP_THREADS=1 OMP_NUM_THREADS=1 PYTHONUNBUFFERED=1 \
       TFAT_NETWORK_LOG=$(CURDIR)/build/dryrun-network.log tests/offline.sh

# The learner's stack: Colab's Python and package versions (tests/colab_stack/constraints.txt,
# the one place they live) in a second virtualenv, with `common` installed as the notebooks'
# setup cell installs it on Colab (`make colab-setup`). STACK=colab runs the dry run there.
# Colab's Python, 3.13: the first that runs of python3.13 on PATH, pyenv's, uv's (or COLAB_PYTHON=...).
COLAB_PYTHON ?= $(shell for p in python3.13 $(HOME)/.pyenv/versions/3.13*/bin/python3.13 \
  $(HOME)/.local/share/uv/python/cpython-3.13*/bin/python3.13; do \
  $$p -c 'import sys; assert sys.version_info[:2] == (3, 13)' 2>/dev/null && { echo $$p; break; }; done)
COLAB_VENV := .venv-colab
COLAB_PY := $(COLAB_VENV)/bin/python
COLAB_STAMP := $(COLAB_VENV)/.installed-stamp
COLAB_CLONE := build/colab-clone
STACK ?= ours
DRY_PY := $(if $(filter colab,$(STACK)),$(COLAB_PY),$(PY))
DRY_DEPS := $(if $(filter colab,$(STACK)),colab-setup,$(STAMP))

.PHONY: help setup lab run test unit unit-fast conventions outputs dryrun grade grade-check editions colab-env colab-setup colab-unit bench lint clean browser

help:
	@echo "make run    execute every notebook (or NB=path) in smoke mode, one line each"
	@echo "make test   unit tests + every notebook re-executed by nbval in smoke mode (NB=path: that one + conventions)"
	@echo "make lab    JupyterLab on the repository (full mode unless TFAT_MODE=smoke)"
	@echo "make outputs  re-execute notebooks (or NB=path) and commit-ready outputs in place"
	@echo "make dryrun  every notebook (or NB=path) in full mode, offline, on local fakes (STACK=colab: Colab's versions)"
	@echo "make colab-setup  the setup cell's Colab install, end to end, on Colab's versions; colab-unit: unit tests there"
	@echo "make grade NB=path  grade an exercise notebook offline (smoke mode): a score per exercise"
	@echo "make grade-check  grade every solution, exercise edition and mutation (tests/grading_course)"
	@echo "make nbgrader-check  nbgrader generate_assignment + autograde beside make grade (tests/nbgrader)"
	@echo "make editions  regenerate the exercise editions (course*/week*/exercises/) from the solutions"
	@echo "make unit   unit tests only   make unit-fast  without those marked slow (seconds each)"
	@echo "make conventions  the notebook conventions (tests/nblint.py), seconds   make lint  ruff"
	@echo "make bench  timing ratios (benchmarks/)"
	@echo "make browser  JupyterLab driven in headless Chromium (tests/browser); screenshots in build/browser/"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[lab,dev]"
	touch $(STAMP)

setup: $(STAMP)

# Jupyter refuses to start as root (the usual user in containers) unless told it may.
# etc/jupyter: JupyterLab's page config without the news and update pop-up (no news fetched).
LAB_CONFIG := JUPYTER_CONFIG_PATH=$(CURDIR)/etc/jupyter$${JUPYTER_CONFIG_PATH:+:$$JUPYTER_CONFIG_PATH}
lab: $(STAMP)
	$(LAB_CONFIG) $(VENV)/bin/jupyter lab --notebook-dir=. $(if $(filter 0,$(shell id -u)),--allow-root)

run: $(STAMP)
	@mkdir -p build
	$(SMOKE) $(PY) -m common.notebooks run --workers $(WORKERS) $(NB)

# NB=path: that notebook (or those) under nbval, and the convention checks; no other unit test.
test: $(STAMP)
	@mkdir -p build && rm -f build/network.log
	TFAT_NETWORK_LOG=$(CURDIR)/build/network.log $(SMOKE) $(PY) -m pytest -n $(WORKERS) \
	  --dist loadscope $(NBVAL) --durations=15 \
	  $(if $(NB),tests/test_notebook_conventions.py $(NB),tests --ignore=tests/grading_course --ignore=tests/browser $(wildcard course*/week*/*.ipynb))

unit: $(STAMP)
	@mkdir -p build && rm -f build/network.log
	TFAT_NETWORK_LOG=$(CURDIR)/build/network.log $(SMOKE) $(PY) -m pytest -n $(WORKERS) tests \
	  --ignore=tests/grading_course --ignore=tests/browser

unit-fast: $(STAMP)
	@mkdir -p build && rm -f build/network.log
	TFAT_NETWORK_LOG=$(CURDIR)/build/network.log $(SMOKE) $(PY) -m pytest -n $(WORKERS) tests \
	  --ignore=tests/grading_course --ignore=tests/browser -m "not slow"

# The notebook conventions of CONTRIBUTING.md, one named check each (tests/nblint.py): a
# `path: check: rule` line per violation, then the checks' own tests. Seconds; CI's first step.
conventions: $(STAMP)
	$(PY) -m tests.nblint
	$(PY) -m pytest -q tests/test_notebook_conventions.py

# Every graded notebook graded for real: solutions full marks, editions 0, each mutation 0 on its
# own exercise only (tests/grading_course; minutes, so outside make test).
grade-check: $(STAMP)
	$(SMOKE) $(PY) -m pytest -n $(WORKERS) --durations=10 tests/grading_course

# nbgrader for real beside our grader: generate_assignment and autograde of three assignments in
# a throwaway course (build/nbgrader-check), smoke mode, offline; the gradebook's scores must
# equal make grade's but for the known differences (tests/nbgrader). nbgrader installs into
# .venv (the `nbgrader` extra) without changing any of our pins.
.PHONY: nbgrader-check
nbgrader-check: $(STAMP)
	@$(PY) -c "import nbgrader" 2>/dev/null || $(PY) -m pip install --quiet -e ".[nbgrader]"
	TFAT_NBGRADER_CHECK=1 $(SMOKE) $(PY) -m pytest -v --durations=5 tests/nbgrader

outputs: $(STAMP)
	TFAT_MODE=smoke MATPLOTLIBRC=$(CURDIR)/tests/matplotlibrc TF_CPP_MIN_LOG_LEVEL=2 tests/offline.sh \
	  $(PY) -m common.notebooks run --inplace --workers $(WORKERS) $(NB)

# Grading runs the learner's notebook offline, in smoke mode unless MODE=full (then from the
# local cache of a previous full-mode run: the network stays off). TIMEOUT: seconds a cell may
# run; LIMIT: seconds for the whole run; ASSIGNMENT: which assignment it is (C2_W1, ...).
# The grader exits 0 (pass), 1 (below the pass mark) or 3 (refused); make itself then exits 2,
# so the line printed last says which it was. One grade has both cores (grade-check: one each).
MODE ?= smoke
TIMEOUT ?= 300
LIMIT ?= 1200
ASSIGNMENT ?=
grade: $(STAMP)
	@test -n "$(NB)" || { echo "usage: make grade NB=path/to/notebook.ipynb [TIMEOUT=300] [LIMIT=1200] [ASSIGNMENT=C2_W1]"; exit 2; }
	@$(subst TFAT_MODE=smoke,TFAT_MODE=$(MODE),$(subst _THREADS=1,_THREADS=2,$(SMOKE))) $(PY) -m common.grading grade "$(NB)" \
	  --timeout "$(TIMEOUT)" --limit "$(LIMIT)" $(if $(ASSIGNMENT),--assignment "$(ASSIGNMENT)"); \
	  status=$$?; case $$status in 0) ;; 1) echo "make grade: below the pass mark (grader exit status 1)";; \
	  3) echo "make grade: refused, nothing was graded (grader exit status 3)";; \
	  *) echo "make grade: the grader failed (exit status $$status)";; esac; exit $$status

editions: $(STAMP)
	$(PY) -m common.grading editions

dryrun: $(DRY_DEPS)
	@mkdir -p build && rm -f build/dryrun-network.log
	$(DRY) $(DRY_PY) -m common.notebooks dryrun --workers $(WORKERS) $(NB)
	@test ! -s build/dryrun-network.log || { echo "the dry run tried the network:"; cat build/dryrun-network.log; exit 1; }

$(COLAB_STAMP): tests/colab_stack/constraints.txt
	@test -x $(COLAB_PY) || test -n "$(COLAB_PYTHON)" || { echo "Colab's stack needs Python 3.13 and none runs here:" \
	  "install one (pyenv install 3.13; uv python install 3.13; apt-get install python3.13)" \
	  "or name it: make $@ COLAB_PYTHON=/path/to/python3.13"; exit 2; }
	test -x $(COLAB_PY) || $(COLAB_PYTHON) -m venv $(COLAB_VENV)
	$(COLAB_PY) -m pip install --quiet -r tests/colab_stack/constraints.txt
	$(COLAB_PY) -m pip install --quiet -c tests/colab_stack/constraints.txt \
	  pytest-xdist hypothesis nbval
	touch $(COLAB_STAMP)

colab-env: $(COLAB_STAMP)

# Colab installs `common` from the repository: here from a clone of HEAD (committed work),
# or of a snapshot of the tree where this is no git checkout.
colab-setup: $(COLAB_STAMP)
	rm -rf $(COLAB_CLONE)
	git clone --quiet --no-local . $(COLAB_CLONE) 2>/dev/null || { mkdir -p $(COLAB_CLONE) && \
	  tar --exclude=./.venv --exclude=./.venv-colab --exclude=./build -cf - . | tar -xf - -C $(COLAB_CLONE) && \
	  git -C $(COLAB_CLONE) init -q && git -C $(COLAB_CLONE) add -A && \
	  git -C $(COLAB_CLONE) -c user.name=ci -c user.email=ci@localhost commit -qm snapshot; }
	$(COLAB_PY) tests/colab_stack/setup_check.py file://$(CURDIR)/$(COLAB_CLONE)

# PYTHONPATH: the kernels the tests start import this checkout's `common`, as pytest does,
# not the copy that colab-setup installed from a clone of HEAD.
colab-unit: colab-setup
	@rm -f build/network.log
	TFAT_NETWORK_LOG=$(CURDIR)/build/network.log PYTHONPATH=$(CURDIR) $(SMOKE) $(COLAB_PY) -m pytest -n $(WORKERS) tests --ignore=tests/grading_course --ignore=tests/browser

bench: $(STAMP)
	@ls benchmarks/*.py >/dev/null 2>&1 || { echo "no benchmarks yet"; exit 0; }; \
	for f in benchmarks/*.py; do echo "== $$f"; TF_CPP_MIN_LOG_LEVEL=3 $(PY) $$f \
	  2> >(grep -Ev '^([IWEF][0-9]{4} |WARNING: All log messages before absl)' >&2) || exit 1; done

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check common tests

clean:
	rm -rf build .pytest_cache .ruff_cache

# The notebooks in a real browser (tests/browser): JupyterLab in smoke mode on a free loopback
# port with a token, offline (tests/offline.sh: Chromium shares its loopback-only network),
# driven in headless Chromium by Playwright; a screenshot of each step in build/browser/.
# Chromium is the system's: installed here with apt-get when missing and run as root (CI);
# Playwright downloads no browser. TFAT_CHROMIUM=/path picks another Chromium or Chrome.
browser: $(STAMP)
	@$(PY) -c "import playwright" 2>/dev/null || $(PY) -m pip install --quiet -e ".[browser]"
	@command -v chromium >/dev/null || command -v chromium-browser >/dev/null || test -n "$$TFAT_CHROMIUM" || \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium; \
	  else echo "make browser: Chromium could not start: none is installed. Install it" \
	    "(sudo apt-get install chromium), or name one: make browser TFAT_CHROMIUM=/path/to/chromium"; exit 2; fi
	@mkdir -p build/browser && rm -rf build/browser/*.png build/browser/*.log build/browser/work
	TFAT_NETWORK_LOG=$(CURDIR)/build/browser/network.log $(SMOKE) timeout -k 30 900 \
	  $(PY) -m pytest -p no:cacheprovider -v --durations=5 tests/browser
