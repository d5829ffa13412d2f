"""Shared fixtures."""

import pytest
from helpers import three_blobs

from gmm_teach import datasets


@pytest.fixture
def faithful():
    return datasets.load_old_faithful()


@pytest.fixture
def blobs_2d():
    return three_blobs()[0]
