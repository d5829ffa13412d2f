"""pytest settings for the chapters, which nbval runs as tests (``--nbval-lax``, see pyproject.toml).

The cells of one notebook share one kernel, so they must run in order on one xdist worker: every nbval item
joins an xdist group named after its notebook (``make test`` uses ``--dist loadgroup``).
"""

import pytest


@pytest.hookimpl(tryfirst=True)  # before xdist reads the groups into the node ids
def pytest_collection_modifyitems(config, items):
    for item in items:
        if item.path.suffix == ".ipynb":
            item.add_marker(pytest.mark.xdist_group(name=f"nbval-{item.path.stem}"))
