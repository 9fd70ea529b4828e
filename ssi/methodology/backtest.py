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
from ssi.methodology.gaps import fill_prices
from ssi.methodology.level import period_levels
from ssi.methodology.rebalance import Rebalance, compute_rebalance
from ssi.methodology.units import decimals_of, units_per_share


@dataclass
class BacktestResult:
    definition: IndexDefinition
    levels: pd.Series  # date → level at that day's close
    rebalances: pd.DataFrame  # effective_date, reference_date, asset (market key), id, symbol, weight, price, units, rank
    events: list[Rebalance] = field(default_factory=list)
    rounding_bps: list[float] = field(default_factory=list)
    fills: pd.DataFrame = field(default_factory=pd.DataFrame)  # date, asset, id, symbol, kind, price (gaps.py)

    def basket_at(self, date: dt.date) -> pd.DataFrame:
        """The basket (weight, price, units) in force on ``date``, indexed by asset key."""
        eff = self.rebalances["effective_date"]
        last = eff[eff <= pd.Timestamp(date)].max()
        return self.rebalances[eff == last].set_index("asset")

    def filled_flags(self) -> pd.Series:
        """Per level date: ``SYMBOL:kind`` for each constituent whose close was filled, ``;``-joined."""
        flags = pd.Series("", index=self.levels.index, dtype=object)
        if not self.fills.empty:
            txt = self.fills["symbol"] + ":" + self.fills["kind"]
            joined = txt.groupby(self.fills["date"]).agg(";".join)
            flags.loc[joined.index] = joined.to_numpy()
        return flags


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
    fills = []
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
        decimals = {k: decimals_of(market.symbol_of(k)) for k in reb.weights.index}  # on-chain decimals by ticker
        basket = units_per_share(reb.weights.to_dict(), base_prices.to_dict(), level * nav_per_level_point, decimals)
        rounding.append(basket.rounding_bps)
        for sym, w in reb.weights.items():
            rows.append((eff, pd.Timestamp(rd.reference), sym, market.id_of(sym), market.symbol_of(sym), float(w),
                         float(base_prices[sym]), basket.units[sym], int(reb.ranked.at[sym, "rank"])))
        if stop >= eff:
            filled = fill_prices(prices[reb.weights.index], eff, stop, definition.eligibility.max_carry_days)
            hit = filled.kind.to_numpy() != ""
            if hit.any():
                r, c = np.nonzero(hit)
                for i, j in zip(r, c):
                    key = filled.kind.columns[j]
                    fills.append((filled.kind.index[i], key, market.id_of(key), market.symbol_of(key),
                                  filled.kind.iat[i, j], float(filled.prices.iat[i, j])))
            piece = period_levels(level, reb.weights, base_prices, filled.prices)
            levels.append(piece)
            level = float(piece.iloc[-1])
        current = reb.constituents
        events.append(reb)
        if progress:
            progress(k + 1, len(dates))
    series = pd.concat(levels)
    series.name = "level"
    table = pd.DataFrame(rows, columns=["effective_date", "reference_date", "asset", "id", "symbol", "weight", "price",
                                        "units", "rank"])
    fill_table = pd.DataFrame(fills, columns=["date", "asset", "id", "symbol", "kind", "price"])
    return BacktestResult(definition, series, table, events, rounding, fill_table)


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


def buy_and_hold(market: MarketData, asset: str, dates: pd.DatetimeIndex, base_value: float) -> pd.Series:
    """``asset``: a market key, an id or a ticker (``MarketData.find``)."""
    key = market.find(asset)
    if key is None:
        raise ValueError(f"benchmark {asset!r} is not in the data")
    p = market.price[key].ffill().reindex(dates)
    return base_value * p / p.iloc[0]


DEFAULT_BENCHMARK = ("bitcoin", "BTC")


def default_benchmark(market: MarketData) -> str | None:
    """BTC when the data has it (by id, else by ticker), else no benchmark."""
    for name in DEFAULT_BENCHMARK:
        try:
            key = market.find(name)
        except ValueError:
            key = None
        if key is not None:
            return key
    return None


def summarize(levels: pd.Series, benchmark: pd.Series | None = None, benchmark_key: str = "btc_buy_and_hold") -> dict:
    """Return per calendar year, cumulative, annualised volatility (daily log returns × √365),
    max drawdown; each beside the benchmark's buy-and-hold (under ``benchmark_key``) when given."""
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
        out[benchmark_key] = stats(benchmark)
    return out
