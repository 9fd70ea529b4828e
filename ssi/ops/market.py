"""Reference prices (bundled data, or a JSON file) and the value of a basket at them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal, localcontext
from functools import lru_cache
from pathlib import Path
from typing import Any, Mapping, Sequence

from ssi.ops.errors import OpsError

SHARE = 10**18
UNIT_SCALE = 10**18


@lru_cache(maxsize=1)
def bundled_market() -> Any:
    from ssi.data.market import load_bundled

    return load_bundled()


def parse_date(value: str, what: str = "date") -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise OpsError(f"bad {what} {value!r}: expected YYYY-MM-DD") from None


def prices_at(date: dt.date, symbols: Sequence[str]) -> dict[str, float]:
    """Close prices (USD) of ``symbols`` on ``date`` in the bundled data (last known close)."""
    import pandas as pd

    market = bundled_market()
    lo, hi = market.first_date.date(), market.last_date.date()
    if not lo <= date <= hi:
        raise OpsError(f"date {date} outside the bundled data ({lo} to {hi})")
    row = market.price.loc[: pd.Timestamp(date)].ffill().iloc[-1]
    out: dict[str, float] = {}
    for s in symbols:
        p = row.get(s)
        if p is None or not p == p or p <= 0:
            raise OpsError(f"no price for {s} on {date} in the bundled data")
        out[s] = float(p)
    return out


def load_prices(path: str, symbols: Sequence[str], label: str | None = None) -> dict[str, float]:
    """Prices from a JSON object ``{"BTC": 101313.1, ...}``; refusals name it as ``label`` (``--prices PATH``)."""
    label = label or f"--prices {path}"
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise OpsError(f"{label}: {exc}") from None
    from ssi.ops.inputs import price_value

    if not isinstance(raw, dict):
        raise OpsError(f"{label}: expected a JSON object of prices by symbol")
    missing = [s for s in symbols if s not in raw]
    if missing:
        raise OpsError(f"{label}: no price for {', '.join(missing)}")
    return {s: price_value(raw[s], s, label) for s in symbols}


def resolve_prices(date: str | None, prices_file: str | None, symbols: Sequence[str], default: dt.date) -> tuple[dict[str, float], str]:
    """Prices from ``--prices FILE``, else the bundled data at ``--date`` (or ``default``)."""
    if prices_file is not None:
        return load_prices(prices_file, symbols), prices_file
    day = parse_date(date) if date is not None else default
    return prices_at(day, symbols), str(day)


def reference_prices(day: dt.date, symbols: Sequence[str]) -> tuple[dict[str, float], str]:
    """Bundled closes to check typed prices against: ``day``'s, or the last close before it."""
    market = bundled_market()
    lo, hi = market.first_date.date(), market.last_date.date()
    day = min(max(day, lo), hi)
    return prices_at(day, symbols), f"bundled close of {day}"


def value_per_share(units: Mapping[str, int], prices: Mapping[str, float], decimals: Mapping[str, int]) -> float:
    """USD value of one whole share's basket."""
    with localcontext() as ctx:
        ctx.prec = 80
        total = Decimal(0)
        for s, u in units.items():
            total += Decimal(int(u)) * Decimal(repr(float(prices[s]))) / (Decimal(10) ** decimals[s] * UNIT_SCALE)
    return float(total)


def weights_of(units: Mapping[str, int], prices: Mapping[str, float], decimals: Mapping[str, int]) -> dict[str, float]:
    """Weight of each asset in one share's basket at ``prices``."""
    values = {s: value_per_share({s: u}, prices, decimals) for s, u in units.items()}
    total = sum(values.values())
    return {s: (v / total if total else 0.0) for s, v in values.items()}


def to_base(amount: float, decimals: int) -> int:
    """A decimal amount (e.g. 10.5 shares, 1000 USDC) in base units, exactly for decimal inputs."""
    with localcontext() as ctx:
        ctx.prec = 80
        return int((Decimal(repr(float(amount))) * Decimal(10) ** decimals).to_integral_value())
