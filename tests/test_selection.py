"""Information criteria over a grid of models."""

import numpy as np
import pytest
from sklearn.mixture import GaussianMixture as SklearnGaussianMixture

from gmm_teach import GaussianMixture, datasets
from gmm_teach.selection import CriterionRecord, best_model, information_criteria, n_parameters


@pytest.fixture(scope="module")
def three_blobs():
    return datasets.make_blobs(240, means=[[0, 0], [6, 0], [0, 6]], random_state=1)[0]


def test_one_record_per_model_in_grid_order(three_blobs):
    records = information_criteria(three_blobs, k_range=[1, 2, 3], covariance_types=("full", "spherical"))
    assert [(r.k, r.covariance_type) for r in records] == [
        (1, "full"),
        (2, "full"),
        (3, "full"),
        (1, "spherical"),
        (2, "spherical"),
        (3, "spherical"),
    ]
    assert all(isinstance(r, CriterionRecord) for r in records)


def test_bic_finds_the_three_generating_blobs(three_blobs):
    records = information_criteria(three_blobs, k_range=range(1, 6), covariance_types=["full"])
    assert best_model(records, "bic").k == 3


@pytest.mark.parametrize("covariance_type", ["full", "tied", "diag", "spherical"])
def test_criteria_match_the_estimator_and_scikit_learn_counts(three_blobs, covariance_type):
    record = information_criteria(three_blobs, k_range=[2], covariance_types=[covariance_type])[0]
    model = GaussianMixture(2, covariance_type=covariance_type, random_state=0).fit(three_blobs)
    assert record.bic == pytest.approx(model.bic(three_blobs))
    assert record.aic == pytest.approx(model.aic(three_blobs))
    sklearn_model = SklearnGaussianMixture(2, covariance_type=covariance_type).fit(three_blobs)
    assert record.n_parameters == sklearn_model._n_parameters()


def test_n_parameters_of_a_full_2d_mixture():
    assert n_parameters(3, 2, "full") == 3 * 3 + 3 * 2 + 2


def test_progress_is_called_after_each_fit(three_blobs):
    calls = []
    information_criteria(
        three_blobs,
        k_range=[1, 2],
        covariance_types=("diag", "tied"),
        progress=lambda done, total: calls.append((done, total)),
    )
    assert calls == [(1, 4), (2, 4), (3, 4), (4, 4)]


def test_best_model_by_aic_and_bic_differ_in_what_they_read():
    records = [
        CriterionRecord(1, "full", aic=10.0, bic=1.0, converged=True, log_likelihood=0.0, n_parameters=5),
        CriterionRecord(2, "full", aic=5.0, bic=2.0, converged=True, log_likelihood=0.1, n_parameters=11),
    ]
    assert best_model(records, "bic").k == 1
    assert best_model(records, "aic").k == 2


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"k_range": [0, 1]}, ValueError, "k_range"),
        ({"k_range": [1, 500]}, ValueError, "k_range"),
        ({"k_range": "abc"}, TypeError, "k_range"),
        ({"k_range": []}, ValueError, "empty"),
        ({"covariance_types": ["round"]}, ValueError, "covariance_types"),
        ({"n_init": 0}, ValueError, "n_init"),
        ({"progress": 3}, TypeError, "progress"),
    ],
)
def test_bad_arguments_name_themselves(three_blobs, kwargs, error, words):
    with pytest.raises(error, match=words):
        information_criteria(three_blobs, **kwargs)


def test_best_model_rejects_unknown_criterion_and_empty_records():
    with pytest.raises(ValueError, match="criterion"):
        best_model([], "likelihood")
    with pytest.raises(ValueError, match="at least one"):
        best_model([])


def test_duplicate_points_and_one_dimension_do_not_raise():
    X = np.repeat(np.array([[0.0], [1.0], [5.0], [6.0]]), 10, axis=0)
    records = information_criteria(X, k_range=[1, 2], covariance_types=("full", "spherical"))
    assert all(np.isfinite(r.bic) for r in records)
