# The one command index. Every target sets up .venv itself from pyproject.toml.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
PYTEST_ARGS ?=

.PHONY: help setup lab test lint release demo clean

help:
	@echo "make lab      set up and open the course in JupyterLab (learner workspace: workspace/)"
	@echo "make test     set up and run the whole test suite"
	@echo "make lint     ruff"
	@echo "make release  build every assignment into classroom/release/"
	@echo "make demo     a term in miniature in demo/: roster, release, grade a sample cohort, export, report"
	@echo "make clean    remove built notebooks, classroom/, demo/ and workspace/ (asks nothing: your work in workspace/ goes too)"

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip 'setuptools>=77'  # builds without isolation too
	$(BIN)/python -m pip install --quiet -e '.[test,hub]'
	touch $(STAMP)

# An editable install compiles none of the project's own modules, and where Python may not
# write bytecode (PYTHONDONTWRITEBYTECODE, a read-only or shared install) every command
# would compile them again; compileall skips those already up to date.
setup: $(STAMP)
	$(BIN)/python -m compileall -q autograder course

lab: setup
	$(BIN)/triad lab

test: setup
	$(BIN)/ruff check .
	$(BIN)/python -m pytest $(PYTEST_ARGS)

lint: setup
	$(BIN)/ruff check .

release: setup
	$(BIN)/triad release

demo: setup
	$(BIN)/python -m autograder.demo

clean:
	rm -rf classroom workspace demo .pytest_cache
