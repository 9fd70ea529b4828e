"""Weighting schemes (METHODOLOGY.md §5).

Every function takes ``caps``, a mapping from asset (the stable asset id; any hashable key) to
circulating market cap (a ``dict`` or a ``pandas.Series``), each strictly positive and finite, and returns a ``pandas.Series`` of weights indexed by symbol, in descending
market-cap order (ties broken by symbol, so the result does not depend on input order), summing
to 1. Invalid or infeasible input raises ``ValueError`` saying what is wrong.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["market_cap", "capped", "minimum_weight", "apply_scheme", "SCHEMES"]


def _ordered_caps(caps: Mapping[Any, Any] | pd.Series) -> pd.Series:
    """Validate ``caps`` and return them as floats sorted by descending cap, then by symbol."""
    if caps is None:
        raise ValueError("market caps: got None, expected a mapping from symbol to market cap")
    series = caps.copy() if isinstance(caps, pd.Series) else pd.Series(dict(caps), dtype=object)
    if len(series) == 0:
        raise ValueError("market caps: empty, at least one constituent is required")
    if not series.index.is_unique:
        dupes = sorted(map(str, series.index[series.index.duplicated()]))
        raise ValueError(f"market caps: duplicate symbols {dupes}")
    try:
        values = pd.to_numeric(series, errors="raise").astype(float)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"market caps: non-numeric value ({exc})") from None
    bad_nan = [str(s) for s, v in values.items() if math.isnan(v)]
    if bad_nan:
        raise ValueError(f"market caps: NaN for {bad_nan}")
    bad_inf = [str(s) for s, v in values.items() if math.isinf(v)]
    if bad_inf:
        raise ValueError(f"market caps: infinite for {bad_inf}")
    negative = [str(s) for s, v in values.items() if v < 0]
    if negative:
        raise ValueError(f"market caps: negative for {negative}")
    zero = [str(s) for s, v in values.items() if v == 0]
    if zero:
        # a constituent without a market cap has no weight to give it: refuse rather than
        # silently hold it at 0 (market cap) or at the floor (minimum weight)
        raise ValueError(f"market caps: zero for {zero}, every constituent needs a positive market cap")
    order = sorted(values.index, key=lambda s: (-values[s], str(s)))
    out = values.loc[order]
    out.name = "weight"
    return out


def market_cap(caps: Mapping[Any, Any] | pd.Series) -> pd.Series:
    """Market-cap weights: ``W_i = M_i / sum(M)``."""
    m = _ordered_caps(caps)
    return m / m.sum()


def capped(caps: Mapping[Any, Any] | pd.Series, cap: float) -> pd.Series:
    """Capped market-cap weights (§5): walk in descending cap order; the largest gets
    ``min(cap, M_1/sum M)``, each next one ``min(previous weight, remaining × M_i / sum_{j>=i} M_j)``.

    Requires ``0 < cap <= 1`` and ``N × cap >= 1`` (otherwise no weights within the cap sum to 1).
    """
    m = _ordered_caps(caps)
    cap = _fraction(cap, "cap")
    if cap <= 0:
        raise ValueError(f"cap must be in (0, 1], got {cap}")
    n = len(m)
    if n * cap < 1 - 1e-12:
        raise ValueError(
            f"capped weighting infeasible: N × cap = {n} × {cap} = {n * cap:.6g} < 1 "
            "(the weights could not sum to 1)"
        )
    values = m.to_numpy()
    tail = np.cumsum(values[::-1])[::-1]  # sum_{j>=i} M_j
    weights = np.empty(n)
    remaining = 1.0
    previous = cap
    for i in range(n):
        share = remaining * values[i] / tail[i]  # caps are positive, so tail[i] > 0
        w = min(previous, share)
        weights[i] = w
        remaining -= w
        previous = w
    # The recursion ends with the last weight equal to what remains (see docs); fold any
    # floating-point residue into the last weight without breaking the ordering.
    weights[-1] = min(weights[-2] if n > 1 else 1.0, weights[-1] + remaining)
    return pd.Series(weights, index=m.index, name="weight")


def minimum_weight(caps: Mapping[Any, Any] | pd.Series, floor: float) -> pd.Series:
    """Minimum-weight scheme: ``W_i = m + (1 - N·m) × M_i / sum(M)``. Requires ``N·m <= 1``."""
    m = _ordered_caps(caps)
    floor = _fraction(floor, "floor")
    n = len(m)
    if n * floor > 1 + 1e-12:
        raise ValueError(
            f"minimum weight infeasible: N × floor = {n} × {floor} = {n * floor:.6g} > 1"
        )
    rest = max(0.0, 1.0 - n * floor)
    return floor + rest * m / m.sum()


def _fraction(value: Any, name: str) -> float:
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"{name} must be a number, got {value!r}") from None
    if math.isnan(x) or x < 0 or x > 1:
        raise ValueError(f"{name} must be in [0, 1], got {value!r}")
    return x


SCHEMES = ("market_cap", "capped", "minimum_weight")


def feasible_parameter(scheme: str, parameter: float | None, n: int) -> float | None:
    """The cap or floor a rebalance with ``n`` constituents actually uses.

    An index definition is checked against its full N (``IndexDefinition.validate``); a month with
    fewer eligible tokens than N can still make the parameter infeasible. Then the parameter is
    relaxed to ``1/n``: a cap below ``1/n`` becomes ``1/n`` and a floor above ``1/n`` becomes ``1/n``,
    which in both cases means equal weights. Feasible parameters are returned unchanged."""
    if parameter is None or n < 1:
        return parameter
    if scheme in ("market_cap", "capped") and n * parameter < 1:
        return 1.0 / n
    if scheme == "minimum_weight" and n * parameter > 1:
        return 1.0 / n
    return parameter


def apply_scheme(scheme: str, caps: Mapping[Any, Any] | pd.Series, parameter: float | None) -> pd.Series:
    """Dispatch by scheme name, as written in an index definition."""
    if scheme == "market_cap":
        return market_cap(caps) if parameter is None else capped(caps, parameter)
    if scheme == "capped":
        if parameter is None:
            raise ValueError("capped weighting needs a cap parameter")
        return capped(caps, parameter)
    if scheme == "minimum_weight":
        if parameter is None:
            raise ValueError("minimum_weight weighting needs a floor parameter")
        return minimum_weight(caps, parameter)
    raise ValueError(f"unknown weighting scheme {scheme!r}; expected one of {SCHEMES}")
