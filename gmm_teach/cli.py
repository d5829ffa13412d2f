"""The ``gmm-teach`` command line: fit a mixture, compare models, make an EM animation for slides.

::

    gmm-teach fit old_faithful --k 2                     # fitted parameters, log-likelihood, AIC and BIC
    gmm-teach select data.csv --k 1-8 --covariance all   # the BIC/AIC grid over k and covariance types
    gmm-teach animate old_faithful --k 3 -o em.gif       # a slide-ready animation of EM

``DATA`` is a CSV file (a header row is optional; choose columns with ``--columns``) or the name of a data
set shipped with gmm-teach: ``old_faithful`` or ``iris``. ``python -m gmm_teach`` is the same command.
"""

import argparse
import csv
import sys
import time
from importlib import resources
from pathlib import Path

import numpy as np

from . import _validation as check
from .mixture import GaussianMixture
from .selection import best_model, information_criteria, n_parameters

SHIPPED = {"old_faithful": ("old_faithful.csv", None), "iris": ("iris.csv", "1-4")}
PROGRESS_DELAY = 1.0  # seconds: quicker runs show no progress bar


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


# --------------------------------------------------------------------------------------------- data
def _is_number(text):
    try:
        float(text)
    except ValueError:
        return False
    return True


def _read_lines(path):
    """The non-blank rows of a CSV file, each with its line number in the file."""
    try:
        with open(path, newline="") as handle:
            reader = csv.reader(handle)
            return [(reader.line_num, row) for row in reader if any(cell.strip() for cell in row)]
    except FileNotFoundError:
        names = ", ".join(SHIPPED)
        raise UsageError(f"DATA: no such file: {str(path)!r}. Give a CSV file or a shipped data set: "
                         f"{names}.") from None
    except (OSError, UnicodeDecodeError, csv.Error) as error:
        raise UsageError(f"DATA: cannot read {str(path)!r} as CSV ({error}).") from None


def _split_header(lines, path):
    """The column names (from a header row, or x1, x2, ...) and the numbered data rows."""
    if not lines:
        raise UsageError(f"DATA: {str(path)!r} holds no rows.")
    first_row = lines[0][1]
    has_header = not all(_is_number(cell) for cell in first_row)
    header = [cell.strip() for cell in first_row] if has_header else [f"x{i + 1}" for i in range(len(first_row))]
    data = lines[1:] if has_header else lines
    if not data:
        raise UsageError(f"DATA: {str(path)!r} has a header but no data rows.")
    for line, row in data:
        if len(row) != len(header):
            raise UsageError(f"DATA: line {line} of {str(path)!r} has {len(row)} values, expected {len(header)} "
                             f"(one per column: {', '.join(header)}).")
    return header, data


def _select_columns(header, columns):
    """Indices of the chosen columns: names or 1-based positions, comma-separated, ranges like 1-4 allowed."""
    if columns is None:
        return list(range(len(header)))
    indices = []
    for item in columns.split(","):
        item = item.strip()
        if item in header:
            indices.append(header.index(item))
        elif _is_positions(item, len(header)):
            first, _, last = item.partition("-")
            indices.extend(range(int(first) - 1, int(last or first)))
        else:
            raise UsageError(f"--columns: no column {item!r}; the columns are {', '.join(header)} "
                             f"(or positions 1 to {len(header)}).")
    return indices


def _is_positions(item, n_columns):
    first, _, last = item.partition("-")
    bounds = [first] + ([last] if last else [])
    return all(text.isdigit() and 1 <= int(text) <= n_columns for text in bounds) and int(first) <= int(bounds[-1])


def _numeric_column(data, index, header):
    """Column ``index`` as floats; the first cell that is not a number is named, with its line."""
    values = np.empty(len(data))
    for position, (line, row) in enumerate(data):
        cell = row[index].strip()
        try:
            values[position] = float(cell)
        except ValueError:
            if not cell:
                raise UsageError(f"DATA: line {line} has no value in column {header[index]!r}; remove or fill in "
                                 "that row (mixtures need every value).") from None
            numeric = [name for name, first_cell in zip(header, data[0][1]) if _is_number(first_cell)]
            example = f", for example --columns {','.join(numeric)}" if numeric else ""
            raise UsageError(f"DATA: column {header[index]!r} is not numeric: line {line} has {cell!r}. "
                             f"Choose numeric columns with --columns{example}.") from None
    return values


def load_data(source, columns=None):
    """Read ``source``, a CSV path or a shipped data set name, into ``X`` and the names of its columns.

    Parameters
    ----------
    source : str
        A CSV file (with or without a header row) or one of ``old_faithful``, ``iris``.
    columns : str, optional
        Which columns to use: names or 1-based positions, comma-separated, e.g. ``"waiting"`` or ``"1-2,4"``.
        Default: every column (for ``iris``, the four measurements).

    Returns
    -------
    X : ndarray of shape (n_samples, n_features)
    names : list of str
    """
    if source in SHIPPED:
        file_name, default_columns = SHIPPED[source]
        with resources.as_file(resources.files("gmm_teach.data").joinpath(file_name)) as path:
            lines = _read_lines(path)
        columns = default_columns if columns is None else columns
    else:
        lines = _read_lines(source)
    header, data = _split_header(lines, source)
    indices = _select_columns(header, columns)
    X = np.column_stack([_numeric_column(data, index, header) for index in indices])
    return check.check_array(X, name="DATA"), [header[index] for index in indices]


# --------------------------------------------------------------------------------------------- arguments
def _positive_integer(text):
    if not text.strip().isdigit() or int(text) < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number, at least 1, got {text!r}")
    return int(text)


def _seed(text):
    if not text.strip().isdigit():
        raise argparse.ArgumentTypeError(f"expected a whole number, at least 0, got {text!r}")
    return int(text)


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
            ks.update(range(_positive_integer(first), _positive_integer(last or first) + 1))
    except argparse.ArgumentTypeError:
        ks = set()
    if not ks:
        raise argparse.ArgumentTypeError(f"expected numbers of components such as 3, 1-8 or 2,3,5 (each at least 1), "
                                         f"got {text!r}")
    return sorted(ks)


def _covariance_types(text):
    names = check.COVARIANCE_TYPES if text == "all" else tuple(name.strip() for name in text.split(","))
    for name in names:
        if name not in check.COVARIANCE_TYPES:
            raise argparse.ArgumentTypeError(f"expected {', '.join(check.COVARIANCE_TYPES)} or all (comma-separated), "
                                             f"got {name!r}")
    return names


def _add_common_arguments(parser, k_help, k_type=_positive_integer):
    parser.add_argument("data", metavar="DATA",
                        help=f"a CSV file, or a shipped data set: {', '.join(SHIPPED)}")
    parser.add_argument("--k", required=True, type=k_type, help=k_help)
    parser.add_argument("--columns", help="columns to use: names or 1-based positions, e.g. waiting,eruptions or 1-4")
    parser.add_argument("--seed", type=_seed, default=0, help="random seed (default 0): same seed, same result")


def build_parser():
    """The argument parser of ``gmm-teach`` and its subcommands."""
    parser = argparse.ArgumentParser(prog="gmm-teach", description="Gaussian mixtures and EM, made visible.")
    commands = parser.add_subparsers(dest="command", required=True)

    fit = commands.add_parser("fit", help="fit a mixture; print its parameters, log-likelihood, AIC and BIC")
    _add_common_arguments(fit, "number of components")
    fit.add_argument("--covariance", choices=check.COVARIANCE_TYPES, default="full")
    fit.add_argument("--n-init", type=_positive_integer, default=1, help="EM runs from different starts")
    fit.add_argument("--max-iter", type=_positive_integer, default=100, help="EM iterations at most, per run")
    fit.set_defaults(run=run_fit, parser=fit)

    select = commands.add_parser("select", help="print the BIC and AIC of every k and covariance type")
    _add_common_arguments(select, "numbers of components: 1-8, or 2,3,5", k_type=_k_range)
    select.add_argument("--covariance", type=_covariance_types, default=("full",),
                        help="covariance types, comma-separated, or all (default full)")
    select.add_argument("--n-init", type=_positive_integer, default=1, help="EM runs per model")
    select.set_defaults(run=run_select, parser=select)

    animate = commands.add_parser("animate", help="write an animation of EM (GIF, MP4 or HTML) for slides")
    _add_common_arguments(animate, "number of components")
    animate.add_argument("--covariance", choices=check.COVARIANCE_TYPES, default="full")
    animate.add_argument("-o", "--output", default="em.gif",
                         help="the file to write; .gif, .mp4 (needs ffmpeg: pip install gmm-teach[video]) or .html "
                              "(default em.gif)")
    animate.add_argument("--max-iter", type=_positive_integer, default=100, help="EM iterations at most")
    animate.add_argument("--fps", type=_frames_per_second, default=2.0, help="frames per second (default 2)")
    animate.add_argument("--dpi", type=_positive_integer, default=100, help="resolution (default 100)")
    animate.set_defaults(run=run_animate, parser=animate)
    return parser


# --------------------------------------------------------------------------------------------- output
def format_table(header, rows):
    """Rows of strings as columns: the first left-aligned, the others right-aligned."""
    widths = [max(len(str(row[column])) for row in [header, *rows]) for column in range(len(header))]
    lines = []
    for row in [header, *rows]:
        cells = [str(cell).ljust(width) if column == 0 else str(cell).rjust(width)
                 for column, (cell, width) in enumerate(zip(row, widths))]
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

    Each start continues the same random generator, as ``fit`` does, so the result is the same.
    """
    rng = np.random.default_rng(seed)
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
    progress = ProgressBar("fitting")
    model = fit_with_progress(X, args.k, args.covariance, args.n_init, args.max_iter, args.seed, progress)
    progress.close()
    n_samples = X.shape[0]
    status = (f"converged after {model.n_iter_} iterations" if model.converged_
              else f"NOT converged: stopped at --max-iter {args.max_iter}")
    print(_describe_data(args.data, X, names))
    print(f"k={args.k}, covariance {args.covariance}, {status} (best of {args.n_init} start(s), seed {args.seed})")
    print()
    print("\n\n".join(_parameter_tables(model, names)))
    print()
    rows = [["mean log-likelihood", _number(model.lower_bound_)],
            ["total log-likelihood", _number(model.lower_bound_ * n_samples)],
            ["free parameters", str(n_parameters(args.k, X.shape[1], args.covariance))],
            ["AIC", _number(model.aic(X))],
            ["BIC", _number(model.bic(X))]]
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
    progress = ProgressBar("fitting models")
    records = information_criteria(X, ks, args.covariance, n_init=args.n_init, random_state=args.seed,
                                   progress=progress.update)
    progress.close()
    print(_describe_data(args.data, X, names))
    for criterion in ("bic", "aic"):
        table, best = _criterion_table(records, criterion, ks, args.covariance)
        print()
        print(f"{criterion.upper()} (lower is better; * marks the lowest: k={best.k}, {best.covariance_type})")
        print(table)
    if not all(record.converged for record in records):
        print("\n? did not converge within 100 iterations")


# --------------------------------------------------------------------------------------------- animate
def _animation_writer(path, fps):
    """The matplotlib writer for the suffix of ``path``; the same formats as :func:`~gmm_teach.animation.animate_em`."""
    from matplotlib.animation import PillowWriter

    from .animation import OfflineHTMLWriter, ffmpeg_available, mp4_writer

    suffix = path.suffix.lower()
    if not path.parent.is_dir():
        raise UsageError(f"--output: the folder {str(path.parent)!r} does not exist.")
    if suffix == ".mp4" and not ffmpeg_available():
        raise UsageError(f"--output: writing {path.name} needs ffmpeg, which was not found: install it (pip "
                         "install gmm-teach[video], or your system's ffmpeg package), or write a .gif or .html.")
    writers = {".gif": lambda: PillowWriter(fps=fps), ".mp4": lambda: mp4_writer(fps),
               ".html": lambda: OfflineHTMLWriter(fps=fps, embed_frames=True, default_mode="once")}
    if suffix not in writers:
        raise UsageError(f"--output must end in .gif, .mp4 or .html, got {path.name!r}.")
    return writers[suffix]()


def em_movie(trace, names, fps, dpi):
    """The EM animation of :mod:`gmm_teach.animation`, with the data's column names on the axes.

    Returns
    -------
    movie : matplotlib.animation.FuncAnimation
    figure : matplotlib.figure.Figure
    n_frames : int
    """
    from matplotlib.animation import FuncAnimation
    from matplotlib.figure import Figure

    from .animation import FIGURE_SIZE, EMView, em_frames
    from .plotting import projection_for

    figure = Figure(figsize=FIGURE_SIZE, dpi=dpi)
    view = EMView(figure, trace, projection=projection_for(trace.X, feature_names=names))
    frames = em_frames(trace)
    movie = FuncAnimation(figure, lambda frame: view.show(*frame), frames=frames, interval=1000.0 / fps,
                          repeat=False, cache_frame_data=False)
    return movie, figure, len(frames)


def run_animate(args, X, names):
    from .trace import EMTrace

    path = Path(args.output)
    writer = _animation_writer(path, args.fps)
    trace = EMTrace.run(X, n_components=args.k, covariance_type=args.covariance, random_state=args.seed,
                        max_iter=args.max_iter)
    movie, _, n_frames = em_movie(trace, names, args.fps, args.dpi)
    progress = ProgressBar(f"writing {path.name}")
    movie.save(path, writer=writer, dpi=args.dpi,
               progress_callback=lambda frame, total: progress.update(frame + 1, total))
    progress.close()
    print(_describe_data(args.data, X, names))
    print(f"wrote {path}: {len(trace) - 1} EM iterations, {n_frames} frames, {n_frames / args.fps:.0f} s at "
          f"{args.fps:g} frames per second")


# --------------------------------------------------------------------------------------------- main
def main(argv=None):
    """Run ``gmm-teach`` with ``argv`` (default: the process's arguments); return the exit status.

    Bad input exits with status 2 and a message on stderr that says what to change.
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        X, names = load_data(args.data, args.columns)
        args.run(args, X, names)
    except ValueError as error:  # UsageError, or the library's own check of a value
        args.parser.error(str(error))
    return 0
