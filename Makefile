# gradlab's two commands: `make lab` and `make test`. Both set up .venv themselves (python3 >= 3.10
# is all a machine needs) and are quick when nothing changed: each install is redone only when its
# lock (requirements/*.txt) or pyproject.toml is newer than its stamp.
#
# Every install takes the exact versions of a lock, checked against their hashes (pip's
# --require-hashes), then gradlab itself on top without its dependencies:
#   requirements/lab.txt    make lab, make present       gradlab's dependencies
#   requirements/test.txt   make test, lint, notebooks   + the test, browser and teach extras
#   requirements/bench.txt  make bench                   + the bench extra
# The three agree on every version they share. `make lock` remakes them from pyproject.toml.
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
	--custom-compile-command "make lock" $(if $(UPGRADE),--upgrade)

.PHONY: lab present test test-latest latest-venv lint bench notebooks lock clean

$(PY):
	$(PYTHON) -m venv $(VENV)

# $(call install,LOCK): the lock's versions (pip and setuptools among them), then gradlab without
# its dependencies, built by the locked setuptools (nothing fetched that the lock does not pin)
install = $(PIP) --require-hashes -r $(1) && $(PIP) --no-deps --no-build-isolation -e .

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

## make notebooks: re-execute every notebook in order and save it for nbval (after editing one)
notebooks: $(VENV)/.test-installed
	$(PY) tools/run_notebooks.py

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
