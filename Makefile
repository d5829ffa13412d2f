# One command for each thing a newcomer needs. Everything installs into .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
STAMP := $(VENV)/.installed
LAB_STAMP := $(VENV)/.installed-lab

.PHONY: test test-oldest lint lab book bench bench-compare clean chromium assignment mutate

# Everything: the package with its test and book extras (make test, make book, make bench).
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(PIP) install -e ".[test,book]" 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import gmm_teach, sklearn, pytest"
	touch $@ $(LAB_STAMP)

# Only what JupyterLab and the book's notebooks need (make lab): the package with its lab extra.
$(LAB_STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(PIP) install -e ".[lab]" 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import gmm_teach.widgets, jupyterlab, ipykernel"
	touch $@

## make test: install everything and run the whole suite (unit, parity, property, notebooks, browser)
# One BLAS thread per process: the suite runs in 2 processes on 2 cores, and BLAS threads fighting over them
# made tiny linear-algebra calls 50x slower (measured); a benchmark chooses its own threads.
SINGLE_THREADED := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# The book is built first: the browser tests open the built pages.
test: $(STAMP) lint chromium book
	$(SINGLE_THREADED) GMM_MPL_BACKEND=inline MPLBACKEND=Agg $(PY) -m pytest -n 2 --dist loadgroup -p no:cacheprovider
	$(MAKE) test-oldest

## make lint: ruff's lint and format check (configured in pyproject.toml), in a second or two
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

## make test-oldest: the core tests on the oldest Python and the oldest numpy, scipy and matplotlib that
## pyproject.toml allows, in their own venv (.venv-oldest; tools/oldest_requirements.py reads the floors).
## No scikit-learn, pandas or widgets there: the files below need none of them, or skip what does.
OLDEST_VENV ?= .venv-oldest
OLDEST_PY := $(OLDEST_VENV)/bin/python
OLDEST_STAMP := $(OLDEST_VENV)/.installed
OLDEST_TESTS := tests/test_em.py tests/test_mixture.py tests/test_validation.py tests/test_datasets.py \
	tests/test_trace.py tests/test_exercises.py tests/test_plotting.py tests/test_animation.py \
	tests/test_tutorials.py tests/test_properties.py tests/test_optional_dependencies.py

$(OLDEST_STAMP): pyproject.toml tools/oldest_requirements.py
	rm -rf $(OLDEST_VENV)
	"$$($(PYTHON) tools/oldest_requirements.py --python)" -m venv $(OLDEST_VENV)
	$(PYTHON) tools/oldest_requirements.py > $(OLDEST_VENV)/requirements.txt
	$(OLDEST_PY) -m pip --disable-pip-version-check -q install --only-binary numpy,scipy,matplotlib \
		-r $(OLDEST_VENV)/requirements.txt -e ".[video]" > $(OLDEST_VENV)/pip.log 2>&1 \
		|| { grep -v "^WARNING: Location" $(OLDEST_VENV)/pip.log; exit 1; }
	touch $@

# matplotlib 3.6 calls pyparsing names that pyparsing 3.3 deprecates: those warnings are not ours.
test-oldest: $(OLDEST_STAMP)
	$(OLDEST_PY) -c "import sys, numpy, scipy, matplotlib; print('test-oldest: Python %d.%d' % sys.version_info[:2], \
		'numpy', numpy.__version__, 'scipy', scipy.__version__, 'matplotlib', matplotlib.__version__)"
	$(SINGLE_THREADED) GMM_MPL_BACKEND=inline MPLBACKEND=Agg $(OLDEST_PY) -m pytest -p no:cacheprovider -q \
		-o addopts="--import-mode=importlib" -W "ignore::pyparsing.PyparsingDeprecationWarning" $(OLDEST_TESTS)

## make chromium: Debian's Chromium for the browser tests (tests/browser), installed only when missing and root;
## otherwise the browser tests skip and say how to enable them (with CI=true a skip fails the run)
CHROMIUM ?= /usr/bin/chromium
chromium:
	@if [ -x "$(CHROMIUM)" ]; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "Installing Debian's chromium for the browser tests (apt-get)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
			chromium fonts-liberation >/dev/null || echo "apt-get could not install chromium: browser tests will skip"; \
	else \
		echo "No $(CHROMIUM): browser tests will skip (as root: apt-get install chromium, or run make test as root)"; \
	fi

## make lab: JupyterLab on 127.0.0.1 at book/ (Jupyter's token stays on; open the URL it prints)
lab: $(LAB_STAMP)
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --notebook-dir book $(if $(filter 0,$(shell id -u)),--allow-root,)

## make book: the HTML book in book/_build/html, built offline; every chapter is executed with the inline
## backend (real images; EM animations as self-contained JavaScript) and any warning fails the build
book: $(STAMP)
	$(SINGLE_THREADED) GMM_MPL_BACKEND=inline $(VENV)/bin/jupyter-book build book --all -W --keep-going

## make assignment: chapter 11's graded exercises as an nbgrader assignment: the source notebook (made from the
## chapter by book/assignments/make_assignment.py), then nbgrader's generate_assignment writes book/assignments/release/
assignment: $(STAMP)
	$(PY) book/assignments/make_assignment.py
	cd book/assignments && PATH="$(abspath $(VENV))/bin:$$PATH" $(abspath $(PY)) -m nbgrader generate_assignment em_by_hand --force

## make bench: speed and memory against scikit-learn, printed as ratios
bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

## make bench-compare BASE=rev: EM iterations of the revision BASE (a commit, tag or branch) against this one
bench-compare: $(STAMP)
	@test -n "$(BASE)" || { echo "give the revision to compare with: make bench-compare BASE=<commit>"; exit 2; }
	cd benchmarks && ../$(PY) compare_revisions.py --base $(BASE)

## make mutate: mutation testing (mutmut) of the reference core (gmm_teach/em.py, covariance.py, initialization.py,
## mixture.py, anomaly.py) with their fast unit tests; prints the counts (killed, survived) and the survivors' names
## (`$(VENV)/bin/mutmut show NAME` shows one); config in pyproject; the equivalent mutants, with their reasons, are
## listed in tests/mutation_equivalents.md. Single-threaded on purpose: an OpenMP pool (scikit-learn's KMeans, used
## by the tests) started in mutmut's parent process deadlocks its forked children
mutate: $(STAMP)
	$(PIP) install -q "mutmut>=3.3"
	$(SINGLE_THREADED) MPLBACKEND=Agg GMM_MPL_BACKEND=inline $(VENV)/bin/mutmut run; status=$$?; \
		$(VENV)/bin/mutmut results; exit $$status

clean:
	rm -rf $(VENV) $(OLDEST_VENV) book/_build .pytest_cache build dist mutants
