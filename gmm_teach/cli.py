"""The ``gmm-teach`` command line: fit a mixture, compare models, make an EM animation for slides.

::

    gmm-teach fit old_faithful --k 2                     # fitted parameters, log-likelihood, AIC and BIC
    gmm-teach select data.csv --k 1-8                    # the BIC/AIC grid over k and the 4 covariance types
    gmm-teach animate old_faithful --k 3 -o em.gif       # a slide-ready animation of EM

``DATA`` is a CSV file (a header row is optional; choose columns with ``--columns``) or the name of a data
set shipped with gmm-teach: ``old_faithful`` or ``iris``. ``python -m gmm_teach`` is the same command.

The command is a thin layer over the library: data from :mod:`gmm_teach.datasets`, fits from
:class:`~gmm_teach.GaussianMixture` and :mod:`gmm_teach.selection`, animations from :mod:`gmm_teach.animation`.
Every error is one line on stderr with exit status 2, never a traceback.
"""

import argparse
import os
import sys
import time
from pathlib import Path

from . import __version__, datasets
from . import _validation as check
from .mixture import GaussianMixture
from .selection import best_model, information_criteria, n_parameters
from .trace import EMTrace

PROGRESS_DELAY = 1.0  # seconds: quicker runs show no progress bar
MAX_K = 1000  # select: a larger grid would run for days
MAX_SEED = 2**32 - 1  # the largest seed every NumPy random generator takes


class UsageError(ValueError):
    """Bad input on the command line; the message says what to change."""


# --------------------------------------------------------------------------------------------- progress
class ProgressBar:
    """A one-line progress bar on ``stream`` (stderr), drawn only once a run has lasted ``delay`` seconds."""

    def __init__(self, label, stream=None, delay=None, clock=time.monotonic, width=30):
        self.label = label
        self.stream = sys.stderr if stream is None else stream
        self.delay = PROGRESS_DELAY if delay is None else delay
        self.clock = clock
        self.width = width
        self.started = clock()
        self.drawn = False

    def update(self, done, total):
        """Show that ``done`` of ``total`` units of work are finished."""
        elapsed = self.clock() - self.started
        if elapsed < self.delay:
            return
        filled = int(self.width * done / total) if total else self.width
        bar = "#" * filled + "-" * (self.width - filled)
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {elapsed:.1f} s")
        self.stream.flush()
        self.drawn = True

    def close(self):
        """End the line, if a bar was drawn."""
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()

    def __enter__(self):
        return self

    def __exit__(self, *exception):
        self.close()  # also when the run fails, so that an error message starts on its own line


# --------------------------------------------------------------------------------------------- data
def load_data(source, columns=None):
    """Read ``source``, a CSV path or a shipped data set name, into ``X`` and the names of its columns.

    Parameters
    ----------
    source : str
        A CSV file (see :func:`gmm_teach.datasets.load_csv`) or a data set shipped with gmm-teach
        (:func:`gmm_teach.datasets.load_shipped`: ``old_faithful``, ``iris``).
    columns : str, optional
        Which columns to use: names or 1-based positions, comma-separated, e.g. ``"waiting"`` or ``"1-2,4"``.
        Default: every numeric column.

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    names : list of str
    """
    if source in datasets.SHIPPED:
        X, names = datasets.load_shipped(source, columns)
    elif not Path(source).exists():
        raise UsageError(
            f"DATA: no such file: {source!r}. Give a CSV file or a shipped data set: {', '.join(datasets.SHIPPED)}."
        )
    else:
        X, names = datasets.load_csv(source, columns)
    return check.check_array(X, name="DATA"), names


# --------------------------------------------------------------------------------------------- arguments
def _whole_number(text, minimum, maximum):
    text = text.strip()
    # isdigit alone lets through digits int() refuses, such as "²"
    if not (text.isascii() and text.isdigit()) or not minimum <= int(text) <= maximum:
        upper = "" if maximum == float("inf") else f" and at most {maximum}"
        raise argparse.ArgumentTypeError(f"expected a whole number, at least {minimum}{upper}, got {text!r}")
    return int(text)


def _positive_integer(text):
    return _whole_number(text, 1, float("inf"))


def _seed(text):
    return _whole_number(text, 0, MAX_SEED)


def _dpi(text):
    from .animation import MAX_DPI

    return _whole_number(text, 10, MAX_DPI)


def _animation_iterations(text):
    from .animation import MAX_ITER

    return _whole_number(text, 1, MAX_ITER)


def _frames_per_second(text):
    try:
        fps = float(text)
    except ValueError:
        fps = float("nan")
    if not 0.1 <= fps <= 60:
        raise argparse.ArgumentTypeError(f"expected a number of frames per second between 0.1 and 60, got {text!r}")
    return fps


def _k_range(text):
    """``3``, ``1-8`` or ``2,3,5`` into a sorted list of distinct numbers of components."""
    try:
        ks = set()
        for item in text.split(","):
            first, _, last = item.partition("-")
            ks.update(range(_whole_number(first, 1, MAX_K), _whole_number(last or first, 1, MAX_K) + 1))
    except argparse.ArgumentTypeError:
        ks = set()
    if not ks:
        raise argparse.ArgumentTypeError(
            f"expected numbers of components such as 3, 1-8 or 2,3,5 (each between 1 and {MAX_K}), got {text!r}"
        )
    return sorted(ks)


def _covariance_types(text):
    names = check.COVARIANCE_TYPES if text == "all" else tuple(name.strip() for name in text.split(","))
    for name in names:
        if name not in check.COVARIANCE_TYPES:
            raise argparse.ArgumentTypeError(
                f"expected {', '.join(check.COVARIANCE_TYPES)} or all (comma-separated), got {name!r}"
            )
    return names


class OneLineParser(argparse.ArgumentParser):
    """An argument parser whose errors are one line on stderr (exit status 2), pointing to ``--help``."""

    def error(self, message):
        message = " ".join(str(message).split()).rstrip(".")  # one line, whatever the message held
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _add_common_arguments(parser, k_help, k_type=_positive_integer):
    parser.add_argument(
        "data", metavar="DATA", help=f"a CSV file, or a shipped data set: {', '.join(datasets.SHIPPED)}"
    )
    parser.add_argument("--k", required=True, type=k_type, help=k_help)
    parser.add_argument("--columns", help="columns to use: names or 1-based positions, e.g. waiting,eruptions or 1-4")
    parser.add_argument(
        "--seed",
        type=_seed,
        default=0,
        help="random seed (default 0): same seed, same result (scikit-learn's with random_state=SEED)",
    )


def build_parser():
    """The argument parser of ``gmm-teach`` and its subcommands."""
    parser = OneLineParser(prog="gmm-teach", description="Gaussian mixtures and EM, made visible.")
    parser.add_argument("--version", action="version", version=f"gmm-teach {__version__}")
    commands = parser.add_subparsers(dest="command", required=True)

    fit = commands.add_parser("fit", help="fit a mixture; print its parameters, log-likelihood, AIC and BIC")
    _add_common_arguments(fit, "number of components")
    fit.add_argument("--covariance", choices=check.COVARIANCE_TYPES, default="full")
    fit.add_argument("--n-init", type=_positive_integer, default=1, help="EM runs from different starts")
    fit.add_argument("--max-iter", type=_positive_integer, default=100, help="EM iterations at most, per run")
    fit.set_defaults(run=run_fit, parser=fit)

    all_types = ",".join(check.COVARIANCE_TYPES)
    select = commands.add_parser("select", help="print the BIC and AIC of every k and covariance type")
    _add_common_arguments(select, "numbers of components: 1-8, or 2,3,5", k_type=_k_range)
    select.add_argument(
        "--covariance",
        type=_covariance_types,
        default=check.COVARIANCE_TYPES,
        help=f"covariance types, comma-separated, or all (default all: {all_types})",
    )
    select.add_argument("--n-init", type=_positive_integer, default=1, help="EM runs per model")
    select.set_defaults(run=run_select, parser=select)

    animate = commands.add_parser("animate", help="write an animation of EM (GIF, MP4 or HTML) for slides")
    _add_common_arguments(animate, "number of components")
    animate.add_argument("--covariance", choices=check.COVARIANCE_TYPES, default="full")
    animate.add_argument(
        "-o",
        "--output",
        default="em.gif",
        help='the file to write; .gif, .mp4 (needs ffmpeg: pip install "gmm-teach[video]") or .html (default em.gif)',
    )
    animate.add_argument(
        "--max-iter",
        type=_animation_iterations,
        default=100,
        help="EM iterations at most (default 100; two frames each)",
    )
    animate.add_argument("--fps", type=_frames_per_second, default=2.0, help="frames per second (default 2)")
    animate.add_argument("--dpi", type=_dpi, default=100, help="resolution in dots per inch (default 100)")
    animate.set_defaults(run=run_animate, parser=animate)
    return parser


# --------------------------------------------------------------------------------------------- output
def format_table(header, rows):
    """Rows of strings as columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(str(row[column])) for row in [header, *rows]) for column in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [
            str(cell).ljust(width) if column == 0 else str(cell).rjust(width)
            for column, (cell, width) in enumerate(zip(row, widths))
        ]
        lines.append("  ".join(cells).rstrip())
    return "\n".join(lines)


def _number(value):
    """Four decimals for everyday sizes; large values with one decimal, tiny ones in scientific notation."""
    if abs(value) >= 1e5:
        return f"{value:.1f}"
    return f"{value:.4f}" if value == 0 or abs(value) >= 1e-3 else f"{value:.3e}"


def _describe_data(source, X, names):
    return f"{source}: {X.shape[0]} points, {X.shape[1]} features ({', '.join(names)})"


# --------------------------------------------------------------------------------------------- fit
def fit_with_progress(X, k, covariance_type, n_init, max_iter, seed, progress):
    """Fit like ``GaussianMixture(k, n_init=n_init, random_state=seed).fit(X)``, reporting every EM iteration.

    Each start continues the same random generator, as ``fit`` does, and the best start is chosen by
    ``lower_bound_`` as ``fit`` chooses it, so the result is the same.
    """
    rng = check.check_random_state(seed)
    best = None
    for start in range(n_init):
        model = GaussianMixture(k, covariance_type=covariance_type, max_iter=max_iter, random_state=rng)
        for step in model.iter_fit(X):
            progress.update(start * max_iter + step.iteration, n_init * max_iter)
        if best is None or model.lower_bound_ > best.lower_bound_:
            best = model
    return best


def _parameter_tables(model, names):
    tables = []
    for k, (weight, mean, covariance) in enumerate(zip(model.weights_, model.means_, model.params_.as_full())):
        rows = [["mean", *map(_number, mean)]]
        rows += [["covariance" if row == 0 else "", *map(_number, values)] for row, values in enumerate(covariance)]
        tables.append(f"component {k}: weight {weight:.4f}\n" + format_table(["", *names], rows))
    return tables


def run_fit(args, X, names):
    with ProgressBar("fitting") as progress:
        model = fit_with_progress(X, args.k, args.covariance, args.n_init, args.max_iter, args.seed, progress)
    n_samples = X.shape[0]
    status = (
        f"converged after {model.n_iter_} iterations"
        if model.converged_
        else f"NOT converged: stopped at --max-iter {args.max_iter}"
    )
    print(_describe_data(args.data, X, names))
    print(f"k={args.k}, covariance {args.covariance}, {status} (best of {args.n_init} start(s), seed {args.seed})")
    print()
    print("\n\n".join(_parameter_tables(model, names)))
    print()
    mean_log_likelihood = model.lower_bounds_[-1]  # of the fitted parameters (lower_bound_ lags one M-step)
    rows = [
        ["mean log-likelihood", _number(mean_log_likelihood)],
        ["total log-likelihood", _number(mean_log_likelihood * n_samples)],
        ["free parameters", str(n_parameters(args.k, X.shape[1], args.covariance))],
        ["AIC", _number(model.aic(X))],
        ["BIC", _number(model.bic(X))],
    ]
    print(format_table(["", "value"], rows))


# --------------------------------------------------------------------------------------------- select
def _criterion_table(records, criterion, ks, covariance_types):
    best = best_model(records, criterion)
    by_model = {(record.k, record.covariance_type): record for record in records}
    rows = []
    for k in ks:
        cells = []
        for covariance_type in covariance_types:
            record = by_model[(k, covariance_type)]
            mark = "*" if record is best else ("?" if not record.converged else " ")
            cells.append(_number(record.criterion(criterion)) + mark)
        rows.append([str(k), *cells])
    return format_table(["k", *covariance_types], rows), best


def run_select(args, X, names):
    ks = args.k
    if ks[-1] > X.shape[0]:
        raise UsageError(f"--k: at most {X.shape[0]} components for {X.shape[0]} points, got up to {ks[-1]}.")
    with ProgressBar("fitting models") as progress:
        records = information_criteria(
            X, ks, args.covariance, n_init=args.n_init, random_state=args.seed, progress=progress.update
        )
    print(_describe_data(args.data, X, names))
    for criterion in ("bic", "aic"):
        table, best = _criterion_table(records, criterion, ks, args.covariance)
        print()
        print(f"{criterion.upper()} (lower is better; * marks the lowest: k={best.k}, {best.covariance_type})")
        print(table)
    if not all(record.converged for record in records):
        print("\n? did not converge within 100 iterations")


# --------------------------------------------------------------------------------------------- animate
def run_animate(args, X, names):
    from . import animation

    path = animation.check_output_path(args.output, name="--output")  # before EM runs
    trace = EMTrace.run(
        X, n_components=args.k, covariance_type=args.covariance, random_state=args.seed, max_iter=args.max_iter
    )
    n_frames = len(animation.em_frames(trace))
    with ProgressBar(f"writing {path.name}") as progress:
        animation.write_animation(
            trace, path, fps=args.fps, dpi=args.dpi, feature_names=names, progress=progress.update
        )
    print(_describe_data(args.data, X, names))
    print(
        f"wrote {path}: {len(trace) - 1} EM iterations, {n_frames} frames, {n_frames / args.fps:.0f} s at "
        f"{args.fps:g} frames per second"
    )


# --------------------------------------------------------------------------------------------- main
def _one_line(error):
    return " ".join(str(error).split()) or type(error).__name__


def main(argv=None):
    """Run ``gmm-teach`` with ``argv`` (default: the process's arguments); return the exit status.

    Every error is one line on stderr and exits with status 2: bad input says what to change, a file that
    cannot be read or written says why. An error gmm-teach did not foresee is a bug; it is reported in one line
    too, as a bug.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        X, names = load_data(args.data, args.columns)
        args.run(args, X, names)
        sys.stdout.flush()  # here, so that a reader that has gone is noticed below
    except BrokenPipeError:
        # The reader of the output (head, less) has quit: stop quietly, as Unix tools do, and keep Python from
        # complaining when it flushes stdout at exit.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (ValueError, TypeError) as error:  # UsageError, or the library's own check of a value
        args.parser.error(_one_line(error))
    except OSError as error:  # a file that cannot be read or written, a full disk
        args.parser.error(f"{type(error).__name__}: {_one_line(error)}")
    except MemoryError:
        args.parser.error("not enough memory; use less data, fewer components, or a lower --dpi")
    except KeyboardInterrupt:
        args.parser.exit(130, "\ninterrupted\n")
    except Exception as error:  # noqa: BLE001 -- a bug: still one line, never a traceback
        args.parser.error(
            f"unexpected {type(error).__name__} (a bug in gmm-teach {__version__}, please report "
            f"it with this command): {_one_line(error)}"
        )
    return 0
