"""Fixtures shared by the methodology tests: the bundled data, loaded once."""

from __future__ import annotations

import datetime as dt

import pytest


@pytest.fixture(scope="session")
def market():
    from ssi.data import load_bundled

    return load_bundled(key="id")


@pytest.fixture(scope="session")
def mag7_result(market):
    from ssi.methodology.backtest import run_backtest
    from ssi.methodology.definition import load_definition

    return run_backtest(load_definition("MAG7"), market, dt.date(2021, 1, 1), dt.date(2022, 12, 31))
