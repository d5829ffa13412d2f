"""The gmm-teach command line: every subcommand, its errors, its progress bar, and python -m gmm_teach."""

import io
import os
import subprocess
import sys

import numpy as np
import pytest

from gmm_teach import GaussianMixture, cli, datasets
from gmm_teach.selection import information_criteria


@pytest.fixture
def csv_file(tmp_path):
    """Old Faithful as a CSV with a header and a non-numeric label column."""
    X = datasets.load_old_faithful()
    path = tmp_path / "geyser.csv"
    lines = ["eruptions,waiting,kind"] + [f"{a},{b},{'long' if a > 3 else 'short'}" for a, b in X]
    path.write_text("\n".join(lines) + "\n")
    return path


def run(argv, capsys):
    status = cli.main(argv)
    captured = capsys.readouterr()
    return status, captured.out, captured.err


def error_of(argv, capsys):
    """The error message of a command that must fail: one line on stderr, exit status 2, nothing on stdout."""
    with pytest.raises(SystemExit) as exit_info:
        cli.main(argv)
    assert exit_info.value.code == 2
    captured = capsys.readouterr()
    assert captured.err.count("\n") == 1 and captured.err.endswith(" --help)\n"), captured.err
    assert "Traceback" not in captured.err and captured.out == ""
    return captured.err


# ------------------------------------------------------------------ fit
def test_fit_prints_the_parameters_log_likelihood_aic_and_bic(capsys):
    status, out, _ = run(["fit", "old_faithful", "--k", "2"], capsys)
    X = datasets.load_old_faithful()
    model = GaussianMixture(2, random_state=0).fit(X)
    assert status == 0
    assert out.startswith("old_faithful: 272 points, 2 features (eruptions, waiting)")
    for value in [*model.means_.ravel(), *model.covariances_.ravel(), model.lower_bound_, model.aic(X), model.bic(X)]:
        assert f"{value:.4f}" in out
    assert "free parameters               11" in out
    assert f"component 1: weight {model.weights_[1]:.4f}" in out


def test_fit_with_several_starts_equals_the_estimator(capsys):
    X = datasets.load_iris()[0]
    model = GaussianMixture(3, covariance_type="diag", n_init=3, max_iter=50, random_state=4).fit(X)
    _, out, _ = run(
        ["fit", "iris", "--k", "3", "--covariance", "diag", "--n-init", "3", "--max-iter", "50", "--seed", "4"], capsys
    )
    assert f"BIC  {model.bic(X):.4f}".split()[-1] in out.splitlines()[-1]
    assert "best of 3 start(s), seed 4" in out


def test_fit_reads_chosen_columns_of_a_csv_file(csv_file, capsys):
    _, out, _ = run(["fit", str(csv_file), "--k", "2", "--columns", "waiting"], capsys)
    assert "272 points, 1 features (waiting)" in out


def test_fit_reports_a_run_that_stopped_at_max_iter(capsys):
    _, out, _ = run(["fit", "old_faithful", "--k", "4", "--max-iter", "1"], capsys)
    assert "NOT converged: stopped at --max-iter 1" in out


# ------------------------------------------------------------------ select
def test_select_prints_the_bic_and_aic_grid_and_marks_the_lowest(capsys):
    status, out, _ = run(["select", "old_faithful", "--k", "1-4", "--covariance", "full,spherical"], capsys)
    X = datasets.load_old_faithful()
    records = information_criteria(X, range(1, 5), ("full", "spherical"), random_state=0)
    assert status == 0
    assert "BIC (lower is better; * marks the lowest: k=2, full)" in out
    bic_table = out.split("BIC (")[1].split("AIC (")[0]
    assert bic_table.splitlines()[1].split() == ["k", "full", "spherical"]
    for record in records:
        assert f"{record.bic:.4f}" in bic_table and f"{record.aic:.4f}" in out
    assert f"{records[1].bic:.4f}*" in bic_table


def test_select_accepts_a_list_of_k(capsys):
    _, out, _ = run(["select", "old_faithful", "--k", "3,1"], capsys)
    rows = out.split("BIC (")[1].split("AIC (")[0].strip().splitlines()[2:]
    assert [row.split()[0] for row in rows] == ["1", "3"]


# ------------------------------------------------------------------ errors that say what to change
@pytest.mark.parametrize(
    "argv, message",
    [
        (
            ["fit", "no_such_file.csv", "--k", "2"],
            "no such file: 'no_such_file.csv'. Give a CSV file or a shipped data set: old_faithful, iris",
        ),
        (["fit", "old_faithful", "--k", "three"], "argument --k: expected a whole number, at least 1, got 'three'"),
        (["fit", "old_faithful", "--k", "0"], "at least 1, got '0'"),
        (["select", "old_faithful", "--k", "8-1"], "expected numbers of components such as 3, 1-8 or 2,3,5"),
        (["select", "old_faithful", "--k", "1-300"], "--k: at most 272 components for 272 points, got up to 300"),
        (["fit", "old_faithful", "--k", "2", "--seed", "-1"], "argument --seed: expected a whole number, at least 0"),
        (["fit", "old_faithful", "--k", "300"], "n_components must be at most the number of samples"),
        (["fit", "old_faithful", "--k", "2", "--covariance", "round"], "invalid choice: 'round'"),
        (["select", "old_faithful", "--k", "2", "--covariance", "full,round"], "got 'round'"),
        (
            ["animate", "old_faithful", "--k", "2", "--fps", "inf"],
            "expected a number of frames per second between 0.1 and 60",
        ),
        (
            ["fit", "old_faithful", "--k", "2", "--columns", "duration"],
            "columns: no column 'duration'; the columns are eruptions, waiting",
        ),
        (["select", "old_faithful", "--k", "1-100000000000"], "each between 1 and 1000"),
        (["fit", "old_faithful", "--k", "²"], "expected a whole number, at least 1, got '²'"),
        (["fit", "old_faithful", "--k", "2", "--seed", "4294967296"], "at least 0 and at most 4294967295"),
        (["fit", "old_faithful"], "the following arguments are required: --k"),
        ([], "the following arguments are required: command"),
    ],
)
def test_bad_input_exits_with_a_message_that_says_what_to_change(argv, message, capsys):
    assert message in error_of(argv, capsys)


def test_a_non_numeric_column_is_named_with_its_line(csv_file, capsys):
    err = error_of(["fit", str(csv_file), "--k", "2"], capsys)
    assert (
        f"{csv_file} line 2, column 'kind': not a number ('long'); the numeric columns are "
        "eruptions,waiting (see gmm-teach fit --help)"
    ) in err


def test_a_ragged_csv_names_the_line(tmp_path, capsys):
    path = tmp_path / "ragged.csv"
    path.write_text("a,b\n1,2\n3\n")
    assert "ragged.csv line 3 has 1 values, expected 2 (one per column: a, b)" in error_of(
        ["fit", str(path), "--k", "1"], capsys
    )


def test_a_missing_value_is_named_with_its_line_counting_blank_lines(tmp_path, capsys):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b\n1,2\n\n3,\n")
    assert "gaps.csv line 4, column 'b': no value; remove or fill in that row" in error_of(
        ["fit", str(path), "--k", "1"], capsys
    )


def test_animate_names_a_missing_output_folder(tmp_path, capsys):
    err = error_of(["animate", "old_faithful", "--k", "2", "-o", str(tmp_path / "slides" / "em.gif")], capsys)
    assert "--output: the folder" in err and "does not exist" in err


def test_a_csv_without_header_gets_numbered_columns(tmp_path, capsys):
    path = tmp_path / "plain.csv"
    path.write_text("\n".join(f"{value},{2 * value}" for value in np.linspace(0, 1, 20)))
    _, out, _ = run(["fit", str(path), "--k", "1", "--columns", "1"], capsys)
    assert "20 points, 1 features (x1)" in out


# ------------------------------------------------------------------ progress bar
class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_the_progress_bar_appears_only_after_a_second():
    clock, stream = FakeClock(), io.StringIO()
    bar = cli.ProgressBar("fitting", stream=stream, delay=1.0, clock=clock, width=10)
    clock.now = 0.5
    bar.update(1, 4)
    assert stream.getvalue() == ""
    clock.now = 1.5
    bar.update(2, 4)
    bar.close()
    assert stream.getvalue() == "\rfitting [#####-----] 2/4 1.5 s\n"


def test_a_quick_run_leaves_stderr_clean(capsys):
    bar = cli.ProgressBar("fitting", delay=3600.0)
    bar.update(1, 1)
    bar.close()
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize(
    "argv, bar",
    [
        (["select", "old_faithful", "--k", "1-2"], "fitting models ["),
        (["fit", "old_faithful", "--k", "2", "--n-init", "2", "--max-iter", "50"], "fitting ["),
    ],
)
def test_a_long_run_draws_the_bar_on_stderr_not_stdout(monkeypatch, capsys, argv, bar):
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)
    _, out, err = run(argv, capsys)
    assert err.endswith("\n") and bar in err
    assert "fitting" not in out


# ------------------------------------------------------------------ python -m gmm_teach
def test_python_dash_m_runs_the_same_command():
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    completed = subprocess.run(
        [sys.executable, "-m", "gmm_teach", "fit", "old_faithful", "--k", "2"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert completed.returncode == 0, completed.stderr
    assert completed.stdout.startswith("old_faithful: 272 points")
    failed = subprocess.run(
        [sys.executable, "-m", "gmm_teach", "fit", "old_faithful", "--k", "x"],
        capture_output=True,
        text=True,
        env=environment,
        timeout=120,
    )
    assert failed.returncode == 2 and failed.stderr.startswith("gmm-teach fit: error: argument --k")
    assert failed.stderr.count("\n") == 1


def test_a_reader_that_quits_early_gets_no_error(tmp_path):
    """``gmm-teach select ... | head -3``: the pipe closes before the table is written; no message, no traceback."""
    environment = dict(os.environ, PYTHONPATH=os.pathsep.join(sys.path))
    process = subprocess.Popen(
        [sys.executable, "-m", "gmm_teach", "select", "old_faithful", "--k", "1-2"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=environment,
    )
    process.stdout.close()  # before the command prints anything: its first write finds the pipe closed
    _, err = process.communicate(timeout=120)
    assert err == b"" and process.returncode == 1


# ------------------------------------------------------------------ animate
def test_animate_writes_a_gif_with_a_start_frame_and_two_frames_per_iteration(tmp_path, capsys):
    from PIL import Image

    from gmm_teach.trace import EMTrace

    path = tmp_path / "em.gif"
    status, out, _ = run(
        ["animate", "old_faithful", "--k", "2", "-o", str(path), "--max-iter", "3", "--dpi", "40"], capsys
    )
    trace = EMTrace.run(datasets.load_old_faithful(), n_components=2, random_state=0, max_iter=3)
    assert status == 0
    with Image.open(path) as gif:
        assert gif.n_frames == 1 + 2 * (len(trace) - 1) == 7
    assert f"wrote {path}: 3 EM iterations, 7 frames" in out


def test_animate_writes_a_self_contained_html_player(tmp_path, capsys):
    path = tmp_path / "em.html"
    run(["animate", "iris", "--k", "3", "-o", str(path), "--max-iter", "1", "--dpi", "30"], capsys)
    page = path.read_text()
    assert "<script" in page and page.count("data:image/png;base64") == 3
    assert "http" not in page.split("<script")[0] and "font-awesome" not in page and "<svg" in page


def test_the_animation_labels_its_axes_with_the_column_names(tmp_path, monkeypatch, capsys):
    from gmm_teach import animation

    views = []

    class RecordedView(animation.EMView):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            views.append(self)

    monkeypatch.setattr(animation, "EMView", RecordedView)
    run(
        [
            "animate",
            "old_faithful",
            "--k",
            "2",
            "-o",
            str(tmp_path / "em.gif"),
            "--max-iter",
            "2",
            "--dpi",
            "20",
            "--columns",
            "waiting,eruptions",
        ],
        capsys,
    )
    [view] = views
    assert (view.clustering_ax.get_xlabel(), view.clustering_ax.get_ylabel()) == ("waiting", "eruptions")


def test_animate_names_a_bad_output_file(tmp_path, capsys):
    err = error_of(["animate", "old_faithful", "--k", "2", "-o", str(tmp_path / "em.png")], capsys)
    assert "the suffix of --output must be one of '.gif', '.mp4', '.html'; got '.png'" in err


def test_animate_says_mp4_needs_ffmpeg_when_it_is_missing(monkeypatch, tmp_path, capsys):
    from gmm_teach import animation

    monkeypatch.setattr(animation, "ffmpeg_available", lambda: False)
    err = error_of(["animate", "old_faithful", "--k", "2", "-o", str(tmp_path / "em.mp4")], capsys)
    assert 'writing em.mp4 needs ffmpeg, which was not found: install it (pip install "gmm-teach[video]"' in err


def test_animate_shows_its_progress_frame_by_frame(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(cli, "PROGRESS_DELAY", 0.0)
    _, _, err = run(
        ["animate", "old_faithful", "--k", "2", "-o", str(tmp_path / "em.gif"), "--max-iter", "2", "--dpi", "30"],
        capsys,
    )
    assert "writing em.gif [" in err and "5/5" in err


@pytest.mark.parametrize(
    "value, text",
    [
        (2.03704, "2.0370"),
        (-1130.26588, "-1130.2659"),
        (0.0, "0.0000"),
        (2.5e-5, "2.500e-05"),
        (-113026.588, "-113026.6"),
    ],
)
def test_numbers_are_printed_readably_at_every_scale(value, text):
    assert cli._number(value) == text


def test_animate_writes_an_mp4(tmp_path, capsys):
    import imageio_ffmpeg

    status, out, _ = run(
        ["animate", "old_faithful", "--k", "2", "-o", str(tmp_path / "em.mp4"), "--max-iter", "2", "--dpi", "30"],
        capsys,
    )
    assert status == 0 and "5 frames" in out
    assert imageio_ffmpeg.count_frames_and_secs(str(tmp_path / "em.mp4"))[0] == 5


# ------------------------------------------------------------------ never a traceback (issue 17)
def test_an_existing_folder_as_output_is_refused_before_em_runs(tmp_path, capsys):
    folder = tmp_path / "slides.gif"
    folder.mkdir()
    err = error_of(["animate", "old_faithful", "--k", "2", "-o", str(folder)], capsys)
    assert f"--output: {str(folder)!r} is a folder; give a file name such as" in err


@pytest.mark.parametrize(
    "argv, message",
    [
        (["--dpi", "601"], "argument --dpi: expected a whole number, at least 10 and at most 600, got '601'"),
        (["--dpi", "3000"], "at most 600, got '3000'"),
        (["--max-iter", "501"], "argument --max-iter: expected a whole number, at least 1 and at most 500"),
    ],
)
def test_animation_resolution_and_length_are_bounded(argv, message, tmp_path, capsys):
    assert message in error_of(["animate", "old_faithful", "--k", "2", "-o", str(tmp_path / "em.gif"), *argv], capsys)
    assert not (tmp_path / "em.gif").exists()


def test_an_animation_too_large_in_pixels_is_refused_before_a_frame_is_drawn(tmp_path, monkeypatch, capsys):
    from gmm_teach import animation

    monkeypatch.setattr(animation, "em_animation", lambda *args, **kwargs: pytest.fail("a frame was drawn"))
    noise = tmp_path / "noise.csv"  # uniform noise: EM crawls for many iterations, so there are many frames
    rows = np.random.default_rng(0).uniform(size=(300, 2))
    noise.write_text("a,b\n" + "\n".join(f"{a},{b}" for a, b in rows))
    err = error_of(
        ["animate", str(noise), "--k", "6", "-o", str(tmp_path / "em.gif"), "--dpi", "600", "--max-iter", "500"], capsys
    )
    assert "dpi=600 with" in err and "million pixels; at most 250 million are written" in err
    assert "Lower dpi or max_iter" in err


def test_a_nan_in_a_csv_is_named_by_file_line_and_column_name(tmp_path, capsys):
    path = tmp_path / "data.csv"
    path.write_text("a,b\n1,2\nNaN,\n3,nan\n")
    err = error_of(["fit", str(path), "--k", "1", "--columns", "b"], capsys)
    assert f"{path} line 3, column 'b': no value" in err
    err = error_of(["fit", str(path), "--k", "1", "--columns", "a"], capsys)
    assert f"{path} line 3, column 'a': not a finite number ('NaN')" in err


def test_a_csv_saved_by_excel_with_a_byte_order_mark_reads_cleanly(tmp_path, capsys):
    path = tmp_path / "excel.csv"
    path.write_bytes("\ufeffheight,weight\r\n1.6,60\r\n1.8,82\r\n1.7,70\r\n".encode("utf-8"))
    status, out, _ = run(["fit", str(path), "--k", "1", "--columns", "height"], capsys)
    assert status == 0 and "3 points, 1 features (height)" in out


def test_data_that_is_a_folder_or_not_text_is_one_line(tmp_path, capsys):
    assert "is a folder, not a CSV file" in error_of(["fit", str(tmp_path), "--k", "1"], capsys)
    binary = tmp_path / "picture.csv"
    binary.write_bytes(b"\x89PNG\r\n\x1a\n\xff\xfe")
    assert "is not a UTF-8 text file" in error_of(["fit", str(binary), "--k", "1"], capsys)


def test_select_fits_all_four_covariance_types_by_default_and_its_help_says_so(capsys):
    _, out, _ = run(["select", "old_faithful", "--k", "1-2"], capsys)
    bic_table = out.split("BIC (")[1].split("AIC (")[0]
    assert bic_table.splitlines()[1].split() == ["k", "full", "tied", "diag", "spherical"]
    with pytest.raises(SystemExit):
        cli.main(["select", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "or all (default all: full,tied,diag,spherical)" in help_text


def test_version_is_printed(capsys):
    from gmm_teach import __version__

    with pytest.raises(SystemExit) as exit_info:
        cli.main(["--version"])
    assert exit_info.value.code == 0
    assert capsys.readouterr().out == f"gmm-teach {__version__}\n"


def test_install_hints_quote_the_extras(capsys):
    with pytest.raises(SystemExit):
        cli.main(["animate", "--help"])
    assert 'pip install "gmm-teach[video]"' in " ".join(capsys.readouterr().out.split())


@pytest.mark.parametrize("error", [OSError(28, "No space left on device"), MemoryError(), RuntimeError("bug\nhere")])
def test_an_error_while_running_is_one_line_without_traceback(error, monkeypatch, tmp_path, capsys):
    from gmm_teach import animation

    def fail(*args, **kwargs):
        raise error

    monkeypatch.setattr(animation, "write_animation", fail)
    err = error_of(["animate", "old_faithful", "--k", "2", "-o", str(tmp_path / "em.gif"), "--max-iter", "2"], capsys)
    expected = {
        OSError: "OSError: [Errno 28] No space left on device",
        MemoryError: "not enough memory",
        RuntimeError: "unexpected RuntimeError (a bug in gmm-teach",
    }[type(error)]
    assert expected in err
