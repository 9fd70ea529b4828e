"""The whole mint → redeem cycle over asset decimals and basket sizes, and the units precision bound."""

from __future__ import annotations

from fractions import Fraction

import pytest

from ssi.chain.protocol import UNIT_SCALE, required_reserve
from tests.invariants import check_backing, check_escrow

SHARES = 3 * 10**18 + 7
CASH = 300 * 10**6


@pytest.mark.parametrize("n_assets", [1, 7, 10])
@pytest.mark.parametrize("decimals", [6, 8, 18])
def test_cycle__over_decimals_and_sizes__keeps_invariants(flows, make_index, protocol, usdc, n_assets, decimals):
    index = make_index(n_assets, decimals=(decimals,))
    minted = flows.mint(index, SHARES, CASH)
    check_backing(protocol.registry, protocol.oracle, index.token)
    redeem = flows.request_redeem(index, SHARES // 3, CASH // 3)
    check_escrow(protocol.issuer, usdc, [index.token], [minted, redeem])
    receipt = flows.fill(redeem)
    released = receipt.decode_logs(protocol.issuer.RedeemFilled)[0].units
    assert len(released) == n_assets
    for amount, units in zip(released, index.units):
        # Released rounds down, backing rounds up: never more out than in.
        assert amount == (SHARES // 3) * units // 10**36
        assert amount <= required_reserve(SHARES // 3, units)
    check_escrow(protocol.issuer, usdc, [index.token], [minted, redeem])
    assert index.token.totalSupply() == SHARES - SHARES // 3


@pytest.mark.parametrize("decimals", [6, 8, 18])
@pytest.mark.parametrize("price", ["0.00001", "1", "100000"])
@pytest.mark.parametrize("nav", ["0.01", "1", "1000"])
def test_units__rounding_error__below_1e9_of_nav(make_index, protocol, decimals, price, nav):
    """units = floor(NAV * w / P * 10**d * 1e18) stored on chain: the value a share claims
    differs from NAV * w by less than 1e-9 of NAV and never exceeds it, and the reserves
    required for a supply always cover the exact claim."""
    p, n, w = Fraction(price), Fraction(nav), Fraction(1, 7)
    units = int(n * w / p * 10**decimals * UNIT_SCALE)
    index = make_index(1, decimals=(decimals,), units=[units])
    on_chain = int(protocol.registry.effective_units(index.token, 1, True)[0])
    assert on_chain == units
    claim = Fraction(on_chain, UNIT_SCALE * 10**decimals) * p
    assert 0 <= n * w - claim < Fraction(1, 10**9) * n
    for supply in (1, 10**18, 10**24 + 1):
        reserve = required_reserve(supply, on_chain)
        assert Fraction(reserve, 10**decimals) * p >= claim * Fraction(supply, 10**18)
