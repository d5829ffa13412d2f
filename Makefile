# One command for each thing a newcomer needs. Everything installs into .venv on first use.
PYTHON ?= python3
VENV ?= .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip --disable-pip-version-check -q
STAMP := $(VENV)/.installed

.PHONY: test lab book bench clean chromium mutate

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install --upgrade pip 2>&1 | grep -v "^WARNING: Location" || true
	$(PIP) install -e ".[test,book]" 2>&1 | grep -v "^WARNING: Location" || true
	$(PY) -c "import gmm_teach, sklearn, pytest"
	touch $@

## make test: install everything and run the whole suite (unit, parity, property, notebooks, browser)
# One BLAS thread per process: the suite runs in 2 processes on 2 cores, and BLAS threads fighting over them
# made tiny linear-algebra calls 50x slower (measured); a benchmark chooses its own threads.
SINGLE_THREADED := OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1

# The book is built first: the browser tests open the built pages.
test: $(STAMP) chromium book
	$(SINGLE_THREADED) GMM_MPL_BACKEND=inline MPLBACKEND=Agg $(PY) -m pytest -n 2 --dist loadgroup -p no:cacheprovider

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
lab: $(STAMP)
	$(VENV)/bin/jupyter lab --ip 127.0.0.1 --notebook-dir book $(if $(filter 0,$(shell id -u)),--allow-root,)

## make book: the HTML book in book/_build/html, built offline; every chapter is executed with the inline
## backend (real images; EM animations as self-contained JavaScript) and any warning fails the build
book: $(STAMP)
	$(SINGLE_THREADED) GMM_MPL_BACKEND=inline $(VENV)/bin/jupyter-book build book --all -W --keep-going

## make bench: speed and memory against scikit-learn, printed as ratios
bench: $(STAMP)
	@for script in benchmarks/bench_*.py; do echo "== $$script"; $(PY) $$script || exit 1; done

## make mutate: mutation testing (mutmut) of gmm_teach/anomaly.py and mixture.py with their unit tests; prints the
## counts (killed, survived) and the survivors' names (`$(VENV)/bin/mutmut show NAME` shows one); config in pyproject
mutate: $(STAMP)
	$(PIP) install -q "mutmut>=3.3"
	$(SINGLE_THREADED) MPLBACKEND=Agg GMM_MPL_BACKEND=inline $(VENV)/bin/mutmut run; status=$$?; \
		$(VENV)/bin/mutmut results; exit $$status

clean:
	rm -rf $(VENV) book/_build .pytest_cache mutants
