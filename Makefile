# gradlab's two commands: `make lab` and `make test`. Both set up .venv themselves (python3 >= 3.10
# is all a machine needs) and are quick when nothing changed: each install is redone only when its
# lock (requirements/*.txt) or pyproject.toml is newer than its stamp.
#
# Every install takes the exact versions of a lock, checked against their hashes (pip's
# --require-hashes), then gradlab itself on top without its dependencies:
#   requirements/lab.txt    make lab, make present       gradlab's dependencies
#   requirements/test.txt   make test, lint, notebooks   + the test, browser and teach extras
#   requirements/bench.txt  make bench                   + the bench extra
#   requirements/mutate.txt make mutate                  + the test extras and mutmut
# They agree on every version they share (requirements/site*.txt: the JupyterLite site's own). `make lock` remakes them from pyproject.toml.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8888
PRESENT_PORT ?= 8866
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check
LOCKS  := requirements
# `make test-latest`: its own venv, with the newest versions the ranges of pyproject.toml allow
LATEST ?= .venv-latest
# the tool that writes the locks (uv's pip-compatible resolver), pinned so a lock is remade alike
UV_VERSION := 0.13.9
UV     := $(VENV)/bin/uv
# the locks hold every platform's and every Python's (>= 3.10) wheels: one lock for all learners
COMPILE = $(UV) pip compile --quiet --universal --python-version 3.10 --generate-hashes \
	--custom-compile-command "make lock" --override $(LOCKS)/overrides.txt $(if $(UPGRADE),--upgrade)

.PHONY: lab present test test-latest latest-venv lint bench notebooks worked lock clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# $(call install,LOCK): the lock's versions (pip and setuptools among them), exactly those (the
# lock is the whole environment: --no-deps, so a package requirements/overrides.txt leaves out
# stays out), then gradlab without its dependencies, built by the locked setuptools
install = $(PIP) --no-deps --require-hashes -r $(1) && $(PIP) --no-deps --no-build-isolation -e .

$(VENV)/.lab-installed: $(LOCKS)/lab.txt pyproject.toml | $(PY)
	$(call install,$(LOCKS)/lab.txt)
	touch $@

# the test tools come with everything `make lab` needs: no second install after `make test`
$(VENV)/.test-installed: $(LOCKS)/test.txt $(LOCKS)/lab.txt pyproject.toml | $(PY)
	$(call install,$(LOCKS)/test.txt)
	touch $(VENV)/.lab-installed $@

$(VENV)/.bench-installed: $(LOCKS)/bench.txt $(LOCKS)/test.txt $(LOCKS)/lab.txt pyproject.toml | $(PY)
	$(call install,$(LOCKS)/bench.txt)
	touch $(VENV)/.lab-installed $(VENV)/.test-installed $@

## make lab: open JupyterLab on notebooks/ (port 8888 unless PORT=...), as root too, with the
## settings in jupyter/settings/ (the ones the browser tests use)
lab: $(VENV)/.lab-installed
	$(PY) tools/lab.py --port=$(PORT)

## make present: the lessons on a projector (Voila: code hidden, large type, nothing from the
## internet), one notebook per page; port 8866 unless PRESENT_PORT=...
present: $(VENV)/.lab-installed
	$(PY) tools/present.py --port=$(PRESENT_PORT)

## make test: ruff, then the whole test suite
test: $(VENV)/.test-installed
	$(PY) -m ruff check .
	$(PY) -m pytest tests notebooks --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

lint: $(VENV)/.test-installed
	$(PY) -m ruff check .

## make test-latest: the whole test suite on the newest versions pyproject.toml's ranges allow
## (no lock), in $(LATEST): try an upgrade with one command. Not part of CI. When it passes,
## `make lock UPGRADE=1` moves the locks there. (`make latest-venv`: only set $(LATEST) up and
## list what differs from the lock.)
latest-venv:
	test -x $(LATEST)/bin/python || $(PYTHON) -m venv $(LATEST)
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade pip setuptools
	$(LATEST)/bin/python -m pip install --quiet --disable-pip-version-check --upgrade \
		--upgrade-strategy eager -e '.[test,browser]'
	$(LATEST)/bin/python -m pip list --format=freeze > $(LATEST)/versions.txt
	@echo "the newest allowed versions ($(LATEST)/versions.txt) against requirements/test.txt:"
	@$(LATEST)/bin/python tools/lock_diff.py $(LOCKS)/test.txt $(LATEST)/versions.txt
	@# the browser test of `make lab` runs it with this venv as the project's: it must be current
	touch $(LATEST)/.lab-installed $(LATEST)/.test-installed

test-latest: latest-venv
	$(LATEST)/bin/python -m ruff check .
	$(LATEST)/bin/python -m pytest tests notebooks --nbval --nbval-sanitize-with tests/nbval_sanitize.cfg

## make bench: the figures, each beside its peer, measured in one run
bench: $(VENV)/.bench-installed
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/training.py
	$(PY) benchmarks/views.py
	$(PY) benchmarks/browser_latency.py

## make notebooks: re-execute every notebook in order and save it for nbval (after editing one),
## then `make worked`
notebooks: $(VENV)/.test-installed
	$(PY) tools/run_notebooks.py
	$(PY) tools/worked_table.py

## make worked: rewrite gradlab/expression/worked.json, SymPy's results for the formulas the
## lessons show (after changing SymPy or a source of worked.SOURCES; tests/test_worked_table.py)
worked: $(VENV)/.test-installed
	$(PY) tools/worked_table.py

$(UV): | $(PY)
	$(PIP) uv==$(UV_VERSION)

## make lock: remake the locks from pyproject.toml after a change of its dependencies, keeping
## every pin its range still allows; `make lock UPGRADE=1` moves each to the newest allowed
lock: $(UV)
	$(COMPILE) pyproject.toml $(LOCKS)/build.in --extra test --extra browser --extra teach --extra bench \
		-o $(LOCKS)/bench.txt
	$(COMPILE) pyproject.toml $(LOCKS)/build.in --extra test --extra browser --extra teach \
		-c $(LOCKS)/bench.txt -o $(LOCKS)/test.txt
	$(COMPILE) pyproject.toml $(LOCKS)/build.in -c $(LOCKS)/test.txt -o $(LOCKS)/lab.txt
	$(COMPILE) pyproject.toml $(LOCKS)/build.in --extra test --extra browser --extra teach \
		--extra mutate -c $(LOCKS)/test.txt -o $(LOCKS)/mutate.txt
	$(COMPILE) $(LOCKS)/site.in $(LOCKS)/build.in -o $(LOCKS)/site.txt
	$(COMPILE) $(LOCKS)/site-core.in $(LOCKS)/build.in -o $(LOCKS)/site-core.txt
	$(UV) pip compile --quiet --no-deps --generate-hashes --custom-compile-command "make lock" \
		--python-platform wasm32-pyodide2024 --python-version 3.12 $(if $(UPGRADE),--upgrade) \
		$(LOCKS)/site-pyodide.in -o $(LOCKS)/site-pyodide.txt

clean:
	rm -rf $(VENV) $(LATEST) .pytest_cache .ruff_cache .hypothesis

## make assignments: the lessons' exercises as an nbgrader 0.9 course folder, one source notebook
## per lesson, in build/assignments/ (ASSIGNMENTS=... elsewhere); made again from the notebooks
ASSIGNMENTS ?= build/assignments
assignments: $(VENV)/.lab-installed
	$(PY) tools/course.py --assignments $(ASSIGNMENTS)

## make answer-key-skeleton: the answer key, in each lesson's teacher's notes
## (docs/teaching/lessons/NN_name.md, its "## Answer key"), in step with the lessons' exercises
## (their questions and the core's answers), keeping every reasoning and all else written; and
## docs/teaching/answers.md, the index of the notes
answer-key-skeleton: $(VENV)/.lab-installed
	$(PY) tools/course.py --key

.PHONY: assignments answer-key-skeleton

## make mutate: mutation testing (mutmut 3, the `mutate` extra) of gradlab/views/ and
## gradlab/ops.py, each mutant against the fast tests that reach it, in a snapshot of the sources
## ($(MUTATE_DIR)); then the share killed per module and in the readout code
## (tools/mutation_report.py). Hours on 2 cores, so not part of `make test` or CI. A second
## `make mutate` retests only the mutants of changed functions; mutants given by name are always
## run again: MUTANTS=readout runs the whole readout code, MUTANTS=survivors only its survivors
## (after new tests, the code unchanged), MUTANTS='name*' the mutants matching. A change to
## [tool.mutmut] in pyproject.toml makes mutmut start over. MUTATE_JOBS=n runs n at once
## (default 1: the machine is shared).
MUTATE_DIR  ?= build/mutate
MUTATE_JOBS ?= 1
MUTANTS     ?=

$(VENV)/.mutate-installed: $(LOCKS)/mutate.txt $(LOCKS)/test.txt pyproject.toml | $(PY)
	$(call install,$(LOCKS)/mutate.txt)
	touch $(VENV)/.lab-installed $(VENV)/.test-installed $@

mutate: $(VENV)/.mutate-installed
	$(PY) tools/mutation_report.py stage $(MUTATE_DIR)
	cd $(MUTATE_DIR) && nice $(abspath $(VENV))/bin/mutmut run --max-children $(MUTATE_JOBS) \
		$(if $(filter readout,$(MUTANTS)),$$($(abspath $(PY)) $(CURDIR)/tools/mutation_report.py \
		readout-patterns),$(if $(filter survivors,$(MUTANTS)),$$($(abspath $(PY)) \
		$(CURDIR)/tools/mutation_report.py survivors $(abspath $(MUTATE_DIR))),$(MUTANTS)))
	$(PY) tools/mutation_report.py report $(MUTATE_DIR)

.PHONY: mutate

## make worksheets: a printable worksheet per lesson, its questions with room to answer and no
## answers: build/worksheets/NN_name.html (print from a browser, A4 or Letter), index.html, and
## a PDF of each when Chromium is installed (PAPER=letter for US paper; WORKSHEETS=... elsewhere)
WORKSHEETS ?= build/worksheets
PAPER ?= a4
worksheets: $(VENV)/.lab-installed
	$(PY) tools/worksheet.py --pdf --paper $(PAPER) --out $(WORKSHEETS)

.PHONY: worksheets

## make site: the whole course as a static JupyterLite site in site/ (SITE=... elsewhere): every
## lesson with a Python kernel (Pyodide) that runs in the learner's browser, nothing installed and
## nothing fetched from another host (docs/teaching.md, "A site with nothing to install"). Its
## build tools come from requirements/site.txt in $(SITE_VENV); what runs in the browser from
## npm's pyodide and requirements/site-pyodide.txt, each file checked (tools/site.py).
## make serve-site: serve it on http://127.0.0.1:$(SITE_PORT)/ (SITE_HOST=0.0.0.0 for a class).
## make test-site: the core's tests on the site's numpy (2.0.2, requirements/site-core.txt), then
## the site built and driven in Chromium (tests/site/).
SITE       ?= site
SITE_PORT  ?= 8000
SITE_HOST  ?= 127.0.0.1
SITE_VENV  ?= .venv-site
SITE_CORE_VENV ?= .venv-site-core
SITE_PY    := $(SITE_VENV)/bin/python
SITE_CORE_TESTS := tests/test_engine.py tests/test_ops.py tests/test_numeric.py tests/test_expression.py

$(SITE_PY):
	$(PYTHON) -m venv $(SITE_VENV)

$(SITE_VENV)/.site-installed: $(LOCKS)/site.txt | $(SITE_PY)
	$(SITE_PY) -m pip install --quiet --disable-pip-version-check --no-deps --require-hashes \
		-r $(LOCKS)/site.txt
	touch $@

site: $(SITE_VENV)/.site-installed
	$(SITE_PY) tools/site.py --out $(SITE)

serve-site:
	test -f $(SITE)/jupyter-lite.json || $(MAKE) site
	$(PYTHON) -m http.server $(SITE_PORT) --bind $(SITE_HOST) --directory $(SITE)

$(SITE_CORE_VENV)/.site-core-installed: $(LOCKS)/site-core.txt
	test -x $(SITE_CORE_VENV)/bin/python || $(PYTHON) -m venv $(SITE_CORE_VENV)
	$(SITE_CORE_VENV)/bin/python -m pip install --quiet --disable-pip-version-check --no-deps \
		--require-hashes -r $(LOCKS)/site-core.txt
	touch $@

test-site: $(SITE_CORE_VENV)/.site-core-installed $(VENV)/.test-installed site
	$(SITE_CORE_VENV)/bin/python -c "import numpy, sys; print('the core on numpy', \
		numpy.__version__, 'and Python', sys.version.split()[0])"
	PYTHONPATH=$(CURDIR) $(SITE_CORE_VENV)/bin/python -m pytest -q -p no:cacheprovider \
		$(SITE_CORE_TESTS)
	GRADLAB_SITE=$(abspath $(SITE)) $(PY) -m pytest -q -s -p no:cacheprovider tests/site

.PHONY: site serve-site test-site
