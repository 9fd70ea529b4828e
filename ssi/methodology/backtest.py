"""The backtest engine: a chain-linked level series and the rebalance table, reusable by other
strategies (the USSI hedge builds on ``run_backtest``'s output)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ssi.data.market import MarketData
from ssi.methodology.calendar import schedule
from ssi.methodology.definition import IndexDefinition
from ssi.methodology.level import period_levels
from ssi.methodology.rebalance import Rebalance, compute_rebalance
from ssi.methodology.units import units_per_share


@dataclass
class BacktestResult:
    definition: IndexDefinition
    levels: pd.Series  # date → level at that day's close
    rebalances: pd.DataFrame  # effective_date, reference_date, symbol, weight, price, units, rank
    events: list[Rebalance] = field(default_factory=list)
    rounding_bps: list[float] = field(default_factory=list)

    def basket_at(self, date: dt.date) -> pd.DataFrame:
        """The basket (weight, price, units) in force on ``date``."""
        eff = self.rebalances["effective_date"]
        last = eff[eff <= pd.Timestamp(date)].max()
        return self.rebalances[eff == last].set_index("symbol")


def run_backtest(
    definition: IndexDefinition,
    market: MarketData,
    start: dt.date | None = None,
    end: dt.date | None = None,
    progress: Callable[[int, int], None] | None = None,
    nav_per_level_point: float = 1.0,
) -> BacktestResult:
    """Rebalance monthly from ``start`` (default: the definition's base date) to ``end`` (default:
    the last date of the data). The level is the base value at the close of the day before the
    first effective date. Units are for one share whose NAV is ``level × nav_per_level_point`` USD."""
    start = start or definition.base.date
    last = market.last_date.date()
    end = min(end or last, last)
    if end <= start:
        raise ValueError(f"end {end} is not after start {start}")
    dates = schedule(start, end, definition.calendar)
    first_ok = (market.first_date + pd.Timedelta(days=definition.eligibility.window_days - 1)).date()
    if not dates or dates[0].reference < first_ok:
        raise ValueError(f"start {start} too early: the data begins {market.first_date.date()} and the "
                         f"first reference date needs {definition.eligibility.window_days} days of history")
    prices = market.price
    ffilled = prices.ffill()
    levels = []
    rows = []
    events: list[Rebalance] = []
    rounding = []
    level = float(definition.base.value)
    current: list[str] = []
    levels.append(pd.Series([level], index=[pd.Timestamp(dates[0].effective) - pd.Timedelta(days=1)]))
    for k, rd in enumerate(dates):
        eff = pd.Timestamp(rd.effective)
        stop = pd.Timestamp(dates[k + 1].effective) - pd.Timedelta(days=1) if k + 1 < len(dates) else pd.Timestamp(end)
        reb = compute_rebalance(definition, market, rd.reference, rd.effective, current)
        base_prices = ffilled.loc[eff - pd.Timedelta(days=1), reb.weights.index]
        missing = base_prices.index[base_prices.isna()]
        if len(missing):
            raise ValueError(f"{definition.name}: no price on or before {eff.date()} for {list(missing)}")
        basket = units_per_share(reb.weights.to_dict(), base_prices.to_dict(), level * nav_per_level_point)
        rounding.append(basket.rounding_bps)
        for sym, w in reb.weights.items():
            rows.append((eff, pd.Timestamp(rd.reference), sym, float(w), float(base_prices[sym]),
                         basket.units[sym], int(reb.ranked.at[sym, "rank"])))
        if stop >= eff:
            piece = period_levels(level, reb.weights, base_prices, prices.loc[eff:stop])
            levels.append(piece)
            level = float(piece.iloc[-1])
        current = reb.constituents
        events.append(reb)
        if progress:
            progress(k + 1, len(dates))
    series = pd.concat(levels)
    series.name = "level"
    table = pd.DataFrame(rows, columns=["effective_date", "reference_date", "symbol", "weight", "price", "units", "rank"])
    return BacktestResult(definition, series, table, events, rounding)


def earliest_start(definition: IndexDefinition, market: MarketData) -> dt.date:
    """The first implementation date whose basket the data can compute (a full eligibility window
    before its reference date): where a backtest or a rebalance history can start at the earliest."""
    first_ok = (market.first_date + pd.Timedelta(days=definition.eligibility.window_days - 1)).date()
    day = market.first_date.date()
    while True:
        rd = schedule(day, day, definition.calendar)[0]
        if rd.reference >= first_ok and rd.effective >= day:
            return rd.effective
        day = rd.effective + dt.timedelta(days=32)
        day = day.replace(day=1)


def buy_and_hold(market: MarketData, symbol: str, dates: pd.DatetimeIndex, base_value: float) -> pd.Series:
    p = market.price[symbol].ffill().reindex(dates)
    return base_value * p / p.iloc[0]


def summarize(levels: pd.Series, benchmark: pd.Series | None = None) -> dict:
    """Return per calendar year, cumulative, annualised volatility (daily log returns × √365),
    max drawdown; each beside the benchmark (BTC buy-and-hold) when given."""
    def stats(s: pd.Series) -> dict:
        s = s.dropna()
        years = {}
        for y in sorted(set(s.index.year)):
            prev = s[s.index < pd.Timestamp(y, 1, 1)]
            start_val = prev.iloc[-1] if len(prev) else s[s.index.year == y].iloc[0]
            years[str(y)] = float(s[s.index.year == y].iloc[-1] / start_val - 1)
        lr = np.log(s).diff().dropna()
        days = (s.index[-1] - s.index[0]).days
        cum = float(s.iloc[-1] / s.iloc[0] - 1)
        return {
            "start": str(s.index[0].date()),
            "end": str(s.index[-1].date()),
            "yearly_return": years,
            "cumulative_return": cum,
            "annualised_return": float((1 + cum) ** (365.0 / days) - 1) if days > 0 else 0.0,
            "annualised_volatility": float(lr.std(ddof=1) * np.sqrt(365)),
            "max_drawdown": float((s / s.cummax() - 1).min()),
        }

    out = {"index": stats(levels)}
    if benchmark is not None:
        out["btc_buy_and_hold"] = stats(benchmark)
    return out
