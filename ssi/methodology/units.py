"""Weights → on-chain units per share → trades against the previous basket (METHODOLOGY.md §9).

Convention shared with the contracts: for each asset, ``units`` is the asset's base units
(10**decimals per whole token) per ONE whole index share (1e18 share-wei), multiplied by
``UNIT_SCALE``, as a Python int::

    units_i = floor(NAV_per_share × W_i / P_i × 10**decimals_i × UNIT_SCALE)

Rounded down, so the basket is never worth more than reserves can back. For a supply of ``S``
share-wei the reserves of asset i must be ``S × units_i / (10**18 × UNIT_SCALE)`` base units.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from functools import lru_cache
from pathlib import Path

import yaml

UNIT_SCALE = 10**18
SHARE = 10**18  # share-wei per whole index share
ASSETS_FILE = Path(__file__).resolve().parent.parent / "data" / "assets.yaml"


@lru_cache(maxsize=4)
def _decimals_table(path: str) -> tuple[int, dict[str, int]]:
    raw = yaml.safe_load(Path(path).read_text())
    return int(raw.get("default", 18)), {str(k): int(v) for k, v in (raw.get("decimals") or {}).items()}


def decimals_of(symbol: str, path: str | Path = ASSETS_FILE) -> int:
    default, table = _decimals_table(str(path))
    return table.get(symbol, default)


def _dec(x: float | int | Decimal) -> Decimal:
    return x if isinstance(x, Decimal) else Decimal(repr(x)) if isinstance(x, float) else Decimal(x)


@dataclass(frozen=True)
class Basket:
    units: dict[str, int]  # symbol → units per share (scaled by UNIT_SCALE)
    nav_per_share: float  # the NAV the basket was built for (USD)
    basket_value: float  # value of one share's basket at the same prices (<= NAV)
    rounding_bps: float  # (NAV - basket value) / NAV in basis points (>= 0)


def units_per_share(
    weights: Mapping[str, float],
    prices: Mapping[str, float],
    nav_per_share: float,
    decimals: Mapping[str, int] | None = None,
) -> Basket:
    """NAV-preserving units for one share, rounded down; reports the rounding error in bps."""
    if nav_per_share <= 0:
        raise ValueError(f"NAV per share must be positive, got {nav_per_share}")
    units: dict[str, int] = {}
    value = Decimal(0)
    with localcontext() as ctx:
        ctx.prec = 80
        nav = _dec(nav_per_share)
        # normalise in exact arithmetic: float weights may sum to 1 + a few ulp, which would let
        # the rounded-down basket exceed the NAV
        wsum = sum((_dec(w) for w in weights.values()), Decimal(0))
        if wsum <= 0:
            raise ValueError("weights sum to zero")
        for sym, w in weights.items():
            p = prices.get(sym)
            if p is None or not p > 0:
                raise ValueError(f"no positive price for {sym}")
            if w < 0:
                raise ValueError(f"negative weight for {sym}")
            d = decimals[sym] if decimals and sym in decimals else decimals_of(sym)
            scale = Decimal(10) ** d * UNIT_SCALE
            u = int((nav * _dec(w) / wsum / _dec(p) * scale).to_integral_value(rounding=ROUND_FLOOR))
            units[sym] = u
            value += Decimal(u) * _dec(p) / scale
        err = (nav - value) / nav * 10_000
    return Basket(units, float(nav_per_share), float(value), float(err))


def basket_value(units: Mapping[str, int], prices: Mapping[str, float], decimals: Mapping[str, int] | None = None) -> float:
    """USD value of one share's basket."""
    with localcontext() as ctx:
        ctx.prec = 80
        total = Decimal(0)
        for sym, u in units.items():
            d = decimals[sym] if decimals and sym in decimals else decimals_of(sym)
            total += Decimal(u) * _dec(prices[sym]) / (Decimal(10) ** d * UNIT_SCALE)
    return float(total)


@dataclass(frozen=True)
class Trade:
    symbol: str
    old_units: int
    new_units: int
    amount: int  # base units for the whole supply; > 0 buy, < 0 sell
    value_usd: float


@dataclass(frozen=True)
class TradeList:
    trades: list[Trade]
    supply_wei: int
    turnover: float  # one-way: sum of |trade value| / 2 / (supply × NAV)


def trades(
    old_units: Mapping[str, int],
    new_units: Mapping[str, int],
    prices: Mapping[str, float],
    supply_wei: int,
    nav_per_share: float,
    decimals: Mapping[str, int] | None = None,
) -> TradeList:
    """Buy/sell amounts (base units, whole supply) to go from the old basket to the new one.
    Buys round up and sells round down, so reserves after the trades always cover the new basket."""
    out = []
    gross = 0.0
    denom = SHARE * UNIT_SCALE
    for sym in sorted(set(old_units) | set(new_units), key=lambda s: (-new_units.get(s, 0), s)):
        o, n = int(old_units.get(sym, 0)), int(new_units.get(sym, 0))
        held = o * supply_wei // denom  # reserves are at least this (rounded down)
        need = -(-n * supply_wei // denom)  # rounded up
        amount = need - held
        d = decimals[sym] if decimals and sym in decimals else decimals_of(sym)
        v = float(Decimal(amount) * _dec(prices[sym]) / Decimal(10) ** d) if sym in prices else float("nan")
        out.append(Trade(sym, o, n, amount, v))
        if v == v:
            gross += abs(v)
    nav_total = nav_per_share * supply_wei / SHARE
    turnover = gross / 2 / nav_total if nav_total > 0 else 0.0
    return TradeList(out, supply_wei, turnover)


# re-exported rounding modes for callers that need the same conventions
__all__ = ["UNIT_SCALE", "SHARE", "Basket", "Trade", "TradeList", "units_per_share", "basket_value",
           "trades", "decimals_of", "ROUND_FLOOR", "ROUND_CEILING"]
