"""Shared fixtures: small real MNIST data from the offline sample. Notebook tests (nbval) count as slow."""

import pytest

from sae_lib.data import load_offline_mnist


@pytest.fixture(scope="session")
def mnist():
    """The offline 5,000-image MNIST sample (4,000 train / 1,000 test)."""
    return load_offline_mnist()


def pytest_collection_modifyitems(items):
    """Mark every notebook cell collected by nbval `slow`: `make test-fast` leaves the notebooks to `make test`."""
    for item in items:
        if item.nodeid.endswith(".ipynb") or ".ipynb::" in item.nodeid:
            item.add_marker(pytest.mark.slow)
