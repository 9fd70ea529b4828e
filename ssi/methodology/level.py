"""The chain-linked index level (METHODOLOGY.md §6).

Between rebalances the index holds fixed units: ``I_t = I_0 × Σ W_i,0 × P_i,t / P_i,0``. At each
rebalance the new period's ``I_0`` is the last level, so the series is continuous.
A missing price is carried forward from the last close (a constituent that stops trading is held
at its last price until the next rebalance removes it; the data test then excludes it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd


def period_levels(start_level: float, weights: pd.Series, base_prices: pd.Series, prices: pd.DataFrame) -> pd.Series:
    """Levels over one holding period. ``prices``: dates × symbols (at least the constituents)."""
    if weights.empty:
        raise ValueError("empty basket")
    p = prices[weights.index].ffill()
    p = p.fillna(base_prices[weights.index])  # before the first print in the period: base price
    rel = p.to_numpy() / base_prices[weights.index].to_numpy()
    return pd.Series(start_level * rel @ weights.to_numpy(), index=prices.index, name="level")


def chain_link(
    base_value: float,
    periods: list[tuple[pd.Timestamp, pd.Series, pd.Series]],
    prices: pd.DataFrame,
    end: pd.Timestamp,
) -> pd.Series:
    """Whole level series. ``periods``: (effective date, weights, base prices) in date order;
    base prices are the closes of the day before the effective date, where the series starts
    at ``base_value``. The level on date d is at d's close."""
    pieces = []
    level = float(base_value)
    first = periods[0][0] - pd.Timedelta(days=1)
    pieces.append(pd.Series([level], index=[first]))
    for k, (eff, w, p0) in enumerate(periods):
        stop = periods[k + 1][0] - pd.Timedelta(days=1) if k + 1 < len(periods) else end
        if stop < eff:
            continue
        piece = period_levels(level, w, p0, prices.loc[eff:stop])
        pieces.append(piece)
        level = float(piece.iloc[-1]) if len(piece) else level
    out = pd.concat(pieces)
    out.name = "level"
    return out[~out.index.duplicated(keep="last")]


def basket_nav(weights: pd.Series, base_prices: pd.Series, start_level: float, prices: pd.Series) -> float:
    """Level implied by the basket at one set of prices."""
    return float(start_level * np.dot(weights.to_numpy(), (prices[weights.index] / base_prices[weights.index]).to_numpy()))
