"""The data sets: generators with known answers and the real data shipped inside the package."""

import re
from importlib import resources

import numpy as np
import pytest

from gmm_teach import datasets


def test_old_faithful_is_the_classic_272_eruptions():
    X = datasets.load_old_faithful()
    assert X.shape == (272, 2)
    assert X[0].tolist() == [3.6, 79.0]
    np.testing.assert_allclose(X.mean(axis=0), [3.487783, 70.897059], atol=1e-6)


def test_old_faithful_as_a_data_frame_names_its_columns():
    pytest.importorskip("pandas")  # optional: `make test-oldest` runs without it
    frame = datasets.load_old_faithful(as_frame=True)
    assert list(frame.columns) == ["eruption duration (min)", "waiting time to next eruption (min)"]


def test_iris_has_fifty_flowers_of_each_species():
    X, species = datasets.load_iris()
    assert X.shape == (150, 4)
    assert sorted(set(species)) == ["setosa", "versicolor", "virginica"]
    assert [int((species == name).sum()) for name in ("setosa", "versicolor", "virginica")] == [50, 50, 50]
    np.testing.assert_allclose(X.mean(axis=0), [5.843333, 3.057333, 3.758, 1.199333], atol=1e-6)


def test_shipped_data_has_its_provenance_written_down():
    readme = resources.files("gmm_teach.data").joinpath("README.md").read_text()
    for name in ("old_faithful.csv", "iris.csv", "Azzalini", "Fisher"):
        assert name in readme


def test_make_blobs_gives_exact_shares_and_chosen_shapes():
    covariances = [[[1.0, 0.8], [0.8, 1.0]], [[0.2, 0.0], [0.0, 3.0]]]
    X, y = datasets.make_blobs(
        1001, means=[[0, 0], [10, 10]], covariances=covariances, weights=[0.3, 0.7], random_state=0
    )
    assert X.shape == (1001, 2) and np.bincount(y).tolist() == [300, 701]
    np.testing.assert_allclose(np.cov(X[y == 0].T), covariances[0], atol=0.2)
    np.testing.assert_allclose(X[y == 1].mean(axis=0), [10, 10], atol=0.2)
    again, _ = datasets.make_blobs(
        1001, means=[[0, 0], [10, 10]], covariances=covariances, weights=[0.3, 0.7], random_state=0
    )
    np.testing.assert_array_equal(X, again)


def test_make_blobs_checks_its_arguments():
    with pytest.raises(ValueError, match="weights must sum to 1"):
        datasets.make_blobs(10, means=[[0.0], [1.0]], weights=[0.5, 0.6])
    with pytest.raises(ValueError, match=r"covariances\[0\] must be positive definite"):
        datasets.make_blobs(10, means=[[0.0, 0.0]], covariances=[[[1.0, 2.0], [2.0, 1.0]]])


def test_make_moons_are_two_half_circles():
    X, y = datasets.make_moons(200, random_state=0)
    assert X.shape == (200, 2) and np.bincount(y).tolist() == [100, 100]
    np.testing.assert_allclose(np.hypot(*X[y == 0].T), 1.0)
    noisy, _ = datasets.make_moons(200, noise=0.1, random_state=0)
    assert 0.05 < np.std(noisy - X) < 0.15


# ------------------------------------------------------------------ CSV files
def write(tmp_path, text, name="data.csv"):
    path = tmp_path / name
    path.write_bytes(text.encode("utf-8"))
    return path


def test_load_csv_reads_chosen_columns_by_name_or_position(tmp_path):
    path = write(tmp_path, "name,height,weight\nAda,1.65,60\n\nBob,1.80,82\n")
    X, names = datasets.load_csv(path, columns="height,weight")
    assert X.tolist() == [[1.65, 60.0], [1.8, 82.0]] and names == ["height", "weight"]
    assert datasets.load_csv(path, columns=["3", "height"])[1] == ["weight", "height"]
    assert datasets.load_csv(path, columns="2-3")[0].shape == (2, 2)


def test_load_csv_without_header_numbers_the_columns(tmp_path):
    X, names = datasets.load_csv(write(tmp_path, "1,2\n3,4\n"))
    assert names == ["x1", "x2"] and X.tolist() == [[1, 2], [3, 4]]


def test_load_csv_drops_the_byte_order_mark_excel_writes(tmp_path):
    X, names = datasets.load_csv(write(tmp_path, "\ufeffa,b\r\n1,2\r\n"))
    assert names == ["a", "b"] and X.tolist() == [[1.0, 2.0]]


@pytest.mark.parametrize(
    "text, message",
    [
        ("a,b\n1,2\n3,NaN\n", "data.csv line 3, column 'b': not a finite number ('NaN')"),
        ("a,b\n1,2\n3,-inf\n", "data.csv line 3, column 'b': not a finite number ('-inf')"),
        ("a,b\n1,2\n\n3, \n", "data.csv line 4, column 'b': no value; remove or fill in that row"),
        ("a,b\n1,2\n3,x\n", "data.csv line 3, column 'b': not a number ('x'); the numeric columns are a,b"),
        ("a,b\n1,2\n3\n", "data.csv line 3 has 1 values, expected 2 (one per column: a, b)"),
        ("a,b\n", "data.csv has a header but no data rows"),
        ("\n\n", "data.csv holds no rows"),
    ],
)
def test_load_csv_names_the_file_line_and_column_of_a_bad_cell(tmp_path, text, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        datasets.load_csv(write(tmp_path, text))


def test_load_csv_explains_files_it_cannot_read(tmp_path):
    with pytest.raises(ValueError, match="no such file"):
        datasets.load_csv(tmp_path / "missing.csv")
    with pytest.raises(ValueError, match="is a folder, not a CSV file"):
        datasets.load_csv(tmp_path)
    (tmp_path / "latin1.csv").write_bytes("größe\n1\n".encode("latin-1"))
    with pytest.raises(ValueError, match="is not a UTF-8 text file"):
        datasets.load_csv(tmp_path / "latin1.csv")
    with pytest.raises(ValueError, match="columns: no column 'c'; the columns are a, b"):
        datasets.load_csv(write(tmp_path, "a,b\n1,2\n"), columns="c")
    with pytest.raises(TypeError, match="columns must be a comma-separated string or a list of column names"):
        datasets.load_csv(write(tmp_path, "a,b\n1,2\n"), columns=[0, 1])


def test_load_shipped_gives_the_loaders_data_with_names():
    X, names = datasets.load_shipped("iris")
    np.testing.assert_array_equal(X, datasets.load_iris()[0])
    assert names == ["sepal_length", "sepal_width", "petal_length", "petal_width"]
    with pytest.raises(ValueError, match="name must be one of 'old_faithful', 'iris'"):
        datasets.load_shipped("penguins")
