"""Shared fixtures: small real MNIST data from the offline sample."""

import pytest

from sae_lib.data import load_offline_mnist


@pytest.fixture(scope="session")
def mnist():
    """The offline 5,000-image MNIST sample (4,000 train / 1,000 test)."""
    return load_offline_mnist()
