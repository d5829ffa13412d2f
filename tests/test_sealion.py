"""The sealion facade: the sealion tutorial runs unchanged, and where sealion is wrong the facade is right."""

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pytest
from sklearn.decomposition import PCA
from sklearn.metrics import adjusted_rand_score
from sklearn.model_selection import train_test_split

import gmm_teach
from gmm_teach import NotFittedError, datasets
from gmm_teach.compat.sealion import GaussianMixture


@pytest.fixture(scope="module")
def iris_split():
    """The tutorial's data: iris projected on two principal components, 80/20 split with seed 42."""
    X, y = datasets.load_iris()
    X = PCA(2).fit_transform(X)  # the tutorial uses sealion's PCA; the facade covers its GaussianMixture
    return train_test_split(X, y, test_size=0.2, random_state=42)


@pytest.fixture(scope="module")
def fitted(iris_split):
    X_train = iris_split[0]
    return GaussianMixture(n_clusters=3, retries=3, max_iters=200, kmeans_init=True, random_state=0).fit(X_train)


def test_the_sealion_tutorial_runs_unchanged(iris_split, capsys, close_figures):
    X_train, X_test, y_train, y_test = iris_split
    # ---- the tutorial's calls, verbatim
    gmm = GaussianMixture(n_clusters=3, retries=3, max_iters=200, kmeans_init=True)  # noqa: E251
    gmm.fit(X_train)  # it is running the algorithm 3 times to find the best parameters here
    color_dict = {0: "green", 1: "red", 2: "blue"}  # cluster : color in plot
    gmm.visualize_clustering(color_dict)
    predictions = gmm.predict(X_test)
    probability_matrix = gmm.soft_predict(X_test)  # soft stands for probabilities
    print("AIC : ", gmm.aic())
    print("BIC : ", gmm.bic())
    gmm.visualize_elbow_curve(min_n_clusters=2, max_n_clusters=5)  # noqa: E251
    confidence_samples = gmm.confidence_samples(X_train)  # we'll use X_train here
    anomalies = gmm.anomaly_detect(X_train, threshold=10)  # noqa: E251
    # ---- what the tutorial shows
    assert predictions.shape == (30,) and set(predictions) <= {0, 1, 2}
    assert adjusted_rand_score(y_test, predictions) > 0.6  # the three species, as in the tutorial's picture
    assert probability_matrix.shape == (30, 3)
    np.testing.assert_allclose(probability_matrix.sum(axis=1), 1.0)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0].startswith("AIC :  ") and printed[1].startswith("BIC :  ")
    assert float(printed[1].split()[-1]) > float(printed[0].split()[-1])  # log(120) > 2: BIC charges more
    np.testing.assert_allclose(confidence_samples, gmm.soft_predict(X_train).max(axis=1))
    assert anomalies.dtype == bool and anomalies.shape == (120,) and anomalies.sum() == 12  # 10% of 120
    clustering_ax, elbow_ax = [figure.axes[0] for figure in map(plt.figure, plt.get_fignums()[-2:])]
    assert len(clustering_ax.collections[0].get_offsets()) == 120
    assert [line.get_label() for line in elbow_ax.get_lines()][:1] == ["full"]


def test_the_facade_is_our_estimator_with_sealion_names(iris_split, fitted):
    X_train = iris_split[0]
    ours = gmm_teach.GaussianMixture(3, n_init=3, max_iter=200, init_params="kmeans", random_state=0).fit(X_train)
    np.testing.assert_array_equal(fitted.model_.means_, ours.means_)
    np.testing.assert_array_equal(fitted.predict(X_train), ours.predict(X_train))
    np.testing.assert_array_equal(fitted.soft_predict(X_train), ours.predict_proba(X_train))


def test_kmeans_init_false_starts_from_random_data_points(iris_split):
    X_train = iris_split[0]
    gmm = GaussianMixture(3, retries=1, kmeans_init=False, random_state=0).fit(X_train)
    assert gmm.model_.init_params == "random_from_data"


def test_retries_are_independent_runs_and_the_best_is_kept(iris_split):
    X_train = iris_split[0]
    single_runs = [
        gmm_teach.GaussianMixture(3, max_iter=200, random_state=rng).fit(X_train).lower_bound_
        for rng in [np.random.default_rng(5)] * 3
    ]  # one generator: three consecutive fresh starts
    best = GaussianMixture(3, retries=3, random_state=np.random.default_rng(5)).fit(X_train)
    assert best.model_.lower_bound_ == pytest.approx(max(single_runs))


def test_aic_and_bic_count_every_free_parameter_on_the_training_data(iris_split, fitted):
    X_train = iris_split[0]
    log_likelihood = fitted.model_.score(X_train) * len(X_train)
    p = 3 * 3 + 3 * 2 + 2  # 2-D full covariances, means, weights: 17, where sealion counts 3 * 3 = 9
    assert fitted.aic() == pytest.approx(-2 * log_likelihood + 2 * p)
    assert fitted.bic() == pytest.approx(-2 * log_likelihood + p * np.log(len(X_train)))
    assert fitted.bic() == pytest.approx(fitted.model_.bic(X_train))


def test_anomaly_detect_uses_density_by_default_and_confidence_on_request():
    X = np.vstack([datasets.make_blobs(200, means=[[0, 0], [6, 0]], random_state=0)[0], [[-1.0, 25.0]]])
    gmm = GaussianMixture(2, random_state=0).fit(X)
    by_density = gmm.anomaly_detect(X, threshold=1)
    by_confidence = gmm.anomaly_detect(X, threshold=1, method="confidence")
    assert by_density[-1]  # the far-away point is the clearest outlier
    assert not by_confidence[-1]  # sealion's rule: it is confidently in one cluster, so it is missed
    assert by_density.sum() == by_confidence.sum() == 2  # 1% of 201 points, strictly below the percentile


def test_one_dimensional_data_works_with_kmeans_starts():
    X = np.concatenate([np.random.default_rng(0).normal(m, 1.0, 100) for m in (0.0, 8.0)])
    gmm = GaussianMixture(2, random_state=0).fit(X)
    assert sorted(np.round(gmm.model_.means_.ravel())) == [0.0, 8.0]


def test_the_facade_reads_like_the_tutorial():
    assert repr(GaussianMixture(3)) == "GaussianMixture(n_clusters=3, retries=3, max_iters=200, kmeans_init=True)"


@pytest.mark.parametrize(
    "arguments, error, message",
    [
        ({"n_clusters": 0}, ValueError, "n_clusters must be at least 1, got 0"),
        ({"n_clusters": 2.5}, TypeError, "n_clusters must be an integer"),
        ({"retries": 0}, ValueError, "retries must be at least 1"),
        ({"max_iters": "200"}, TypeError, "max_iters must be an integer"),
        ({"kmeans_init": "yes"}, TypeError, "kmeans_init must be True or False"),
        ({"random_state": -1}, ValueError, "random_state must be a non-negative integer"),
    ],
)
def test_bad_settings_are_named(arguments, error, message):
    with pytest.raises(error, match=message):
        GaussianMixture(**arguments)


def test_methods_before_fit_say_to_fit_first():
    with pytest.raises(NotFittedError, match=r"call gmm.fit\(X\) first"):
        GaussianMixture(2).bic()


def test_anomaly_detect_names_a_bad_method(fitted, iris_split):
    with pytest.raises(ValueError, match="method must be one of 'density', 'confidence'"):
        fitted.anomaly_detect(iris_split[0], threshold=5, method="distance")


@pytest.fixture
def close_figures():
    yield
    plt.close("all")


def test_visualize_clustering_colours_each_cluster_as_asked(fitted, iris_split, close_figures):
    X_train = iris_split[0]
    fig, ax = plt.subplots()
    artists = fitted.visualize_clustering({0: "green", 1: "red", 2: "blue"}, ax=ax)
    colours = artists.points.get_facecolor()[:, :3]
    confident = fitted.confidence_samples(X_train) > 0.9999
    for cluster, name in enumerate(["green", "red", "blue"]):
        chosen = confident & (fitted.predict(X_train) == cluster)
        assert chosen.any()
        np.testing.assert_allclose(colours[chosen], [matplotlib.colors.to_rgb(name)] * chosen.sum(), atol=1e-3)


def test_the_elbow_curve_leaves_the_fitted_model_as_it_was(fitted, close_figures):
    means, bic = fitted.model_.means_.copy(), fitted.bic()
    fig, ax = plt.subplots()
    artists = fitted.visualize_elbow_curve(min_n_clusters=2, max_n_clusters=5, ax=ax)
    np.testing.assert_array_equal(fitted.model_.means_, means)
    assert fitted.bic() == bic
    assert list(artists["lines"]["full"].get_xdata()) == [2, 3, 4, 5]
    assert artists["current"].get_ydata()[0] == pytest.approx(bic)  # the ringed k=3 is this model


def test_one_dimensional_data_can_be_drawn(close_figures):
    X = np.concatenate([np.random.default_rng(1).normal(m, 1.0, 80) for m in (0.0, 6.0)])
    gmm = GaussianMixture(2, random_state=0).fit(X)
    artists = gmm.visualize_clustering({0: "green", 1: "red"})
    assert len(artists.component_curves) == 2
