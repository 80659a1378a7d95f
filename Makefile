# gradlab's two commands: `make lab` and `make test`. Both set up .venv themselves (python3 >= 3.10
# is all a machine needs) and are quick when nothing changed: each install is redone only when
# pyproject.toml is newer than its stamp.
PYTHON ?= python3
VENV   ?= .venv
PORT   ?= 8888
PRESENT_PORT ?= 8866
PY     := $(VENV)/bin/python
PIP    := $(PY) -m pip install --quiet --disable-pip-version-check

.PHONY: lab present test lint bench notebooks clean

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PIP) --upgrade pip

$(VENV)/.lab-installed: pyproject.toml | $(PY)
	$(PIP) -e .
	touch $@

# the test tools come with everything `make lab` needs: no second install after `make test`
$(VENV)/.test-installed: pyproject.toml | $(PY)
	$(PIP) -e '.[test,browser]'
	touch $(VENV)/.lab-installed $@

$(VENV)/.bench-installed: pyproject.toml | $(PY)
	$(PIP) -e '.[test,bench,browser]'
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

## make bench: the figures, each beside its peer, measured in one run
bench: $(VENV)/.bench-installed
	$(PY) benchmarks/engine.py
	$(PY) benchmarks/training.py
	$(PY) benchmarks/views.py
	$(PY) benchmarks/browser_latency.py

## make notebooks: re-execute every notebook in order and save it for nbval (after editing one)
notebooks: $(VENV)/.test-installed
	$(PY) tools/run_notebooks.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
