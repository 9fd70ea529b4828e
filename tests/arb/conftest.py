"""Fixtures for the arbitrage flows: a local venue (index, pool, mock assets) priced from the
bundled data. Prefixed ``venue_``/``arb_`` so they do not clash with ``tests/conftest.py``."""

from __future__ import annotations

import pytest

from ssi.arb.bot import GasModel, Roles, Venue, build_local_venue
from ssi.arb.prices import BundledPrices

#: Date of the bundled closes the venue is priced at, and its basket.
ARB_DATE = "2025-06-02"
ARB_WEIGHTS = {"BTC": 0.5, "ETH": 0.3, "SOL": 0.2}


@pytest.fixture(scope="session")
def arb_custodian(accounts):
    """The custodian's wallet: holds the basket, releases it on redemption."""
    return accounts[11]


@pytest.fixture(scope="session")
def arb_lp(accounts):
    """Seeds the pool with liquidity (a generated account: the 12 named ones are taken)."""
    return accounts.generate_test_account()


@pytest.fixture(scope="session")
def arb_prices() -> BundledPrices:
    return BundledPrices.at(ARB_DATE, list(ARB_WEIGHTS))


@pytest.fixture(scope="session")
def arb_roles(admin, wlp, pmm, arb_custodian, custodian_signers, treasury, arb_lp) -> Roles:
    return Roles(admin, wlp, pmm, arb_custodian, custodian_signers, treasury, arb_lp)


@pytest.fixture(scope="module")
def venue(project, chain, admin, arb_roles, arb_prices) -> Venue:
    """A fresh protocol, a 3-asset index at 100 USD per share, a pool of 10,000 shares at NAV."""
    if arb_roles.lp.balance == 0:  # gas is free on anvil here, but Ape checks the balance
        admin.transfer(arb_roles.lp, 10**18)
    return build_local_venue(project, chain, arb_roles, arb_prices, weights=ARB_WEIGHTS,
                             nav=100.0, pool_shares=10_000)


@pytest.fixture
def arb_gas() -> GasModel:
    """1 gwei, the native token priced as ETH by the same source."""
    return GasModel(gas_price_wei=10**9)
