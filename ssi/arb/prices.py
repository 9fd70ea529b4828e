"""Price sources for NAV: the bundled market data at a date, and shocked copies of any source.

Every source here satisfies :class:`ssi.arb.model.PriceSource` (``price(symbol) -> USD``).
On the local chain the arbitrage bot prices the basket from the bundled daily closes
(``ssi.data.load_bundled()``) at a chosen date; random shocks multiply those prices by
per-asset factors to move the NAV while the pool stays where it is.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import numpy as np
import pandas as pd

from ssi.arb.model import PriceSource

__all__ = ["BundledPrices", "ScaledPrices", "bundled_market", "random_shock"]


@lru_cache(maxsize=1)
def bundled_market() -> Any:
    """The bundled :class:`ssi.data.MarketData`, loaded once per process (about a second)."""
    from ssi.data import load_bundled

    return load_bundled()


@dataclass(frozen=True)
class BundledPrices:
    """USD closes of the bundled dataset on one UTC date.

    ``aliases`` maps a symbol the caller uses (an on-chain asset name) to the
    bundled symbol it stands for, e.g. ``{"A1X0": "BTC"}``.
    """

    date: pd.Timestamp
    prices: Mapping[str, float]
    aliases: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def at(
        cls,
        date: str | pd.Timestamp,
        symbols: Sequence[str] | None = None,
        market: Any = None,
        aliases: Mapping[str, str] | None = None,
    ) -> BundledPrices:
        """Prices on ``date`` (all symbols with a close that day, or only ``symbols``).

        Raises ``ValueError`` if the date is outside the data and ``KeyError``
        if a requested symbol has no close on that date.
        """
        market = market if market is not None else bundled_market()
        day = pd.Timestamp(date).normalize()
        if day < market.first_date or day > market.last_date:
            raise ValueError(
                f"date {day.date()} outside the bundled data "
                f"({market.first_date.date()} to {market.last_date.date()})"
            )
        row = market.price.loc[day]
        wanted = list(symbols) if symbols is not None else list(row.index)
        prices: dict[str, float] = {}
        for symbol in wanted:
            value = float(row[symbol]) if symbol in row.index else math.nan
            if not (math.isfinite(value) and value > 0):
                if symbols is not None:
                    raise KeyError(f"no bundled price for {symbol!r} on {day.date()}")
                continue
            prices[symbol] = value
        return cls(day, prices, dict(aliases or {}))

    def price(self, symbol: str) -> float:
        key = self.aliases.get(symbol, symbol)
        try:
            return self.prices[key]
        except KeyError:
            raise KeyError(f"no bundled price for {symbol!r} on {self.date.date()}") from None

    def as_dict(self) -> dict[str, float]:
        return dict(self.prices)


@dataclass(frozen=True)
class ScaledPrices:
    """``base`` prices times a per-symbol factor (``default`` for symbols not listed)."""

    base: PriceSource
    factors: Mapping[str, float]
    default: float = 1.0

    def __post_init__(self) -> None:
        for symbol, factor in self.factors.items():
            if not (math.isfinite(factor) and factor > 0):
                raise ValueError(f"factor for {symbol!r} must be positive, got {factor}")

    def price(self, symbol: str) -> float:
        return self.base.price(symbol) * self.factors.get(symbol, self.default)


def random_shock(
    rng: np.random.Generator, symbols: Sequence[str], sigma: float
) -> dict[str, float]:
    """Per-symbol log-normal factors ``exp(sigma*z - sigma**2/2)`` (mean one), from ``rng``."""
    if sigma < 0:
        raise ValueError(f"sigma must be non-negative, got {sigma}")
    z = rng.standard_normal(len(symbols))
    return {s: float(math.exp(sigma * v - sigma * sigma / 2)) for s, v in zip(symbols, z)}
