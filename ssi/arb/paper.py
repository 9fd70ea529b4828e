"""The venue ``build_local_venue`` would deploy, on paper: what a dry run plans against.

A dry run sends nothing, so it cannot deploy the venue it plans for. The venue's state right
after it is built is known in closed form (basket units from the weights at ``nav`` USD per share,
a pool seeded with ``pool_shares`` shares at ``NAV * (1 + premium)``, the index's default fees
and share limits), so :func:`ssi.arb.bot.run_round` can plan against this object instead: it
reads only what is here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields
from fractions import Fraction
from typing import Mapping

from ssi.arb.model import PoolState, PriceSource, nav_per_share
from ssi.chain.protocol import IndexSpec


@dataclass(frozen=True)
class PaperVenue:
    """A freshly built local venue: basket units, pool reserves, fees and limits; no contracts."""

    symbols: list[str]
    units_per_share: dict[str, int]
    decimals: dict[str, int]
    pool: PoolState
    creation_fee_bps: int
    redemption_fee_bps: int
    min_shares: int
    max_shares: int
    index_decimals: int = 18
    cash_decimals: int = 6

    def nav(self, prices: PriceSource, cash_price: float = 1.0) -> float:
        return nav_per_share(self.units_per_share, self.decimals, prices) / cash_price

    def pool_state(self) -> PoolState:
        return self.pool


def paper_venue(
    prices: PriceSource,
    weights: Mapping[str, float],
    *,
    nav: float = 100.0,
    pool_shares: int = 10_000,
    premium_at_seed: float = 0.0,
    creation_fee_bps: int = 10,
    redemption_fee_bps: int = 10,
    pool_fee_bps: int = 30,
    cash_decimals: int = 6,
) -> PaperVenue:
    """The venue of ``build_local_venue`` with the same arguments, as it stands once built."""
    from ssi.methodology.units import decimals_of, units_per_share

    symbols = list(weights)
    decimals = {s: decimals_of(s) for s in symbols}
    units = units_per_share(dict(weights), {s: prices.price(s) for s in symbols}, nav, decimals).units
    seed = pool_shares * 10**18
    nav_now = nav_per_share(units, decimals, prices)
    seed_price = Fraction(nav_now) * Fraction(1 + premium_at_seed)
    seed_cash = math.floor(Fraction(seed) * seed_price * 10**cash_decimals / 10**18)
    pool = PoolState(seed, seed_cash, pool_fee_bps, 18, cash_decimals)
    limits = {f.name: f.default for f in fields(IndexSpec)}  # the share limits the venue's index gets
    return PaperVenue(symbols, dict(units), decimals, pool, creation_fee_bps, redemption_fee_bps,
                      int(limits["min_shares"]), int(limits["max_shares"]), cash_decimals=cash_decimals)
