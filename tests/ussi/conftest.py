"""Fixtures for the USSI strategy tests: the bundled data, loaded once."""

from __future__ import annotations

import pytest


@pytest.fixture(scope="session")
def market():
    from ssi.data import load_bundled

    return load_bundled()
