"""Checks of what a person types: amounts, prices, and prices against the reference data.

Each check refuses with one :class:`OpsError` line that names the option and the value.
"""

from __future__ import annotations

import math
from decimal import Decimal, InvalidOperation
from typing import Any, Mapping

from ssi.ops.errors import OpsError
from ssi.ops.tables import tokens

DEFAULT_MAX_PRICE_DEVIATION_PCT = 10.0


def parse_amount(text: str, option: str, decimals: int, unit: str) -> int:
    """A positive decimal amount typed by a person, in base units of ``decimals``; exact."""
    try:
        value = Decimal(str(text).strip().replace("_", ""))
    except InvalidOperation:
        raise OpsError(f"{option} {text!r} is not a number") from None
    if not value.is_finite():
        raise OpsError(f"{option} {text}: not a finite number")
    if value <= 0:
        raise OpsError(f"{option} {text}: must be positive")
    base = value.scaleb(decimals)
    if base != base.to_integral_value():
        raise OpsError(f"{option} {text}: finer than the {decimals} decimals of {unit} "
                       f"(smallest step {tokens(1, decimals)})")
    return int(base)


def price_value(raw: Any, symbol: str, source: str) -> float:
    """One price from a prices file: a finite positive number (a JSON number or a numeric string)."""
    if isinstance(raw, bool):
        raise OpsError(f"{source}: price of {symbol} is not a number ({raw!r})")
    try:
        value = float(raw)
    except (TypeError, ValueError):
        raise OpsError(f"{source}: price of {symbol} is not a number ({raw!r})") from None
    if not math.isfinite(value) or value <= 0:
        raise OpsError(f"{source}: price of {symbol} must be a positive finite number, not {raw!r}")
    return value


def check_near_reference(prices: Mapping[str, float], reference: Mapping[str, float], source: str,
                         reference_label: str, max_deviation_pct: float) -> None:
    """Refuse when a price is further than ``max_deviation_pct`` from its reference close."""
    if not math.isfinite(max_deviation_pct) or max_deviation_pct < 0:
        raise OpsError(f"--max-price-deviation-pct must be a non-negative number, not {max_deviation_pct}")
    worst = max(prices, key=lambda s: abs(prices[s] / reference[s] - 1))
    off = abs(prices[worst] / reference[worst] - 1) * 100
    if off > max_deviation_pct:
        raise OpsError(f"{source}: {worst} at {prices[worst]:,.6g} is {off:.2f}% from its reference close "
                       f"{reference[worst]:,.6g} ({reference_label}); the tolerance is {max_deviation_pct:g}% "
                       f"(--max-price-deviation-pct)")


def parse_time(text: str, option: str) -> int:
    """A time typed by a person: ISO-8601 (UTC unless it says otherwise) or a Unix timestamp."""
    import datetime as dt

    value = str(text).strip()
    if value.isdigit():
        return int(value)
    try:
        parsed = dt.datetime.fromisoformat(value.replace("Z", "+00:00").replace(" UTC", "+00:00"))
    except ValueError:
        raise OpsError(f"{option} {text!r}: expected an ISO-8601 time (2025-02-01T00:00:00Z) "
                       "or a Unix timestamp") from None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=dt.timezone.utc)
    return int(parsed.timestamp())
