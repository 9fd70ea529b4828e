"""The USSI strategy: the top-7 spot basket (the MAG7 rules, ``ssi/indices/USSI.yaml``), hedged by
short perpetual futures of equal notional, earning the funding rate. Daily NAV in USD.

Model (all parameters in the ``strategy`` section of ``USSI.yaml``; see docs/ussi.md):
- Perpetual price = spot price (basis ignored). A short position *receives* funding when the rate is
  positive: ``payment_i,t = short_units_i × P_i,t−1 × r_i,t`` where ``r_i,t`` is the day's summed
  8-hourly rate and ``P_i,t−1`` the previous close (the notional the day's fundings are paid on).
- Short-leg P&L (``−short_units × ΔP``) and funding settle daily into a USD cash account (rate 0).
  NAV = spot value + cash.
- Since perp and spot move together and the short holds the spot's units (× ``hedge_ratio``),
  short/spot never drifts; what drifts is the size of both legs against NAV: after a rise the legs
  exceed NAV (the short's losses are owed in cash), after a fall cash sits idle and earns no funding.
  ``hedge ratio`` = short notional / NAV; when ``|hedge ratio / target − 1| > rebalance_band`` at a
  close, both legs are resized to NAV (spot) and target × spot (short), and cash returns to zero.
- At each monthly index rebalance (the new basket takes effect at the month's last close) both legs
  are reset to the new weights the same way.
- Trading costs: ``spot_cost_bps`` on traded spot notional and ``perp_cost_bps`` on traded perp
  notional, paid from the fund; the trade sizes solve spot + costs = NAV (so cash is zero after).
- Funding exists only for BTC and ETH (Binance), ETH with a gap 2024-01 → 2026-01. A constituent
  without an actual rate on a day uses a documented proxy (``funding_proxy``: ``btc`` = BTC's rate
  that day, ``mean`` = the mean of that day's actual rates); if the proxy is missing too the rate is 0
  and flagged ``none``. Every (day, constituent) is flagged ``actual | proxy | none`` in the output.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from ssi.data.funding import BUNDLED_FUNDING, load_funding
from ssi.data.market import MarketData
from ssi.methodology.backtest import run_backtest
from ssi.methodology.definition import IndexDefinition, load_definition

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
ACTUAL, PROXY, NONE = "actual", "proxy", "none"
PROXIES = ("btc", "mean")


@dataclass(frozen=True)
class StrategyParams:
    hedge_ratio: float = 1.0  # target short notional / spot notional
    rebalance_band: float = 0.05  # resize when |(short notional / NAV) / hedge_ratio − 1| > band
    spot_cost_bps: float = 10.0  # on traded spot notional
    perp_cost_bps: float = 5.0  # on traded perpetual notional
    funding_proxy: str = "btc"  # for constituents without an actual rate: btc | mean
    cash_rate: float = 0.0  # annual rate of the cash benchmark
    funding_file: str | None = None  # relative to ssi/data, or absolute; default: the bundled file

    def __post_init__(self) -> None:
        problems = []
        if not 0 < self.hedge_ratio <= 2:
            problems.append(f"hedge_ratio {self.hedge_ratio} not in (0, 2]")
        if self.rebalance_band < 0:
            problems.append(f"rebalance_band {self.rebalance_band} < 0")
        if self.spot_cost_bps < 0 or self.perp_cost_bps < 0:
            problems.append("trading costs must be >= 0 bps")
        if self.funding_proxy not in PROXIES:
            problems.append(f"funding_proxy {self.funding_proxy!r} not one of {PROXIES}")
        if problems:
            raise ValueError("USSI strategy: " + "; ".join(problems))

    @classmethod
    def from_definition(cls, definition: IndexDefinition, **overrides: Any) -> StrategyParams:
        raw = dict(definition.strategy) | {k: v for k, v in overrides.items() if v is not None}
        names = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - names)
        if unknown:
            raise ValueError(f"{definition.name} strategy: unknown keys {unknown}")
        return cls(**raw)

    def funding_path(self) -> Path:
        if not self.funding_file:
            return BUNDLED_FUNDING
        p = Path(self.funding_file)
        return p if p.is_absolute() else DATA_DIR / p


def resolve_funding(funding: pd.DataFrame, symbols: list[str], dates: pd.DatetimeIndex, proxy: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Daily rates and their source (``actual | proxy | none``) for ``symbols`` on ``dates``."""
    f = funding.reindex(dates)
    if proxy == "btc":
        proxy_rate = f["BTC"] if "BTC" in f else pd.Series(np.nan, index=dates)
    else:
        proxy_rate = f.mean(axis=1, skipna=True)
    rates = pd.DataFrame(index=dates, columns=symbols, dtype=float)
    source = pd.DataFrame(NONE, index=dates, columns=symbols, dtype=object)
    for sym in symbols:
        actual = f[sym] if sym in f else pd.Series(np.nan, index=dates)
        has_actual = actual.notna()
        has_proxy = ~has_actual & proxy_rate.notna()
        rates[sym] = actual.where(has_actual, proxy_rate).fillna(0.0)
        source.loc[has_actual, sym] = ACTUAL
        source.loc[has_proxy, sym] = PROXY
    return rates, source


@dataclass
class UssiResult:
    params: StrategyParams
    daily: pd.DataFrame  # date → nav, spot_value, short_notional, cash, pnl_short, funding_usd, costs_usd, hedge_ratio, event, funding_flags
    funding: pd.DataFrame  # date, symbol, rate, source, notional_usd, payment_usd (constituents only)
    spot_rebalances: pd.DataFrame = field(default_factory=pd.DataFrame)

    @property
    def nav(self) -> pd.Series:
        return self.daily["nav"]


def _resize(nav: float, weights: np.ndarray, prices: np.ndarray, spot_units: np.ndarray, short_units: np.ndarray,
            p: StrategyParams) -> tuple[np.ndarray, np.ndarray, float]:
    """New spot and short units with spot + costs = NAV; returns (spot units, short units, cost)."""
    cs, cp = p.spot_cost_bps * 1e-4, p.perp_cost_bps * 1e-4
    old_spot = spot_units * prices
    old_short = short_units * prices
    spot_total, cost = nav, 0.0
    for _ in range(8):  # fixed point: cost is ~1e-3 of the trades, converges in a few steps
        new_spot = spot_total * weights
        cost = cs * np.abs(new_spot - old_spot).sum() + cp * np.abs(p.hedge_ratio * new_spot - old_short).sum()
        nxt = nav - cost
        if abs(nxt - spot_total) <= 1e-13 * max(abs(nav), 1.0):
            spot_total = nxt
            break
        spot_total = nxt
    new_spot = spot_total * weights
    cost = cs * np.abs(new_spot - old_spot).sum() + cp * np.abs(p.hedge_ratio * new_spot - old_short).sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        units = np.where(prices > 0, new_spot / prices, 0.0)
    return units, p.hedge_ratio * units, cost


def simulate(
    prices: pd.DataFrame,
    baskets: list[tuple[pd.Timestamp, pd.Series]],
    funding: pd.DataFrame,
    params: StrategyParams,
    end: pd.Timestamp,
    initial_nav: float = 1000.0,
) -> UssiResult:
    """Daily NAV. ``baskets``: (effective date, weights by symbol) in date order; each takes effect at
    the close of the day before its effective date (the first one sets up the fund from cash
    ``initial_nav``). ``prices``: close per day and symbol (gaps carried forward). ``funding``:
    daily rates by symbol (BTC, ETH; NaN = missing)."""
    if not baskets:
        raise ValueError("USSI: no basket")
    symbols = sorted({s for _, w in baskets for s in w.index})
    start = pd.Timestamp(baskets[0][0]) - pd.Timedelta(days=1)
    end = pd.Timestamp(end)
    if end <= start:
        raise ValueError(f"USSI: end {end.date()} is not after the first close {start.date()}")
    dates = pd.date_range(start, end, freq="D")
    missing = [s for s in symbols if s not in prices.columns]
    if missing:
        raise ValueError(f"USSI: no prices for {missing}")
    px = prices.loc[:end, symbols].ffill().reindex(dates).to_numpy(dtype=float)
    rates_df, source_df = resolve_funding(funding, symbols, dates, params.funding_proxy)
    rates, source = rates_df.to_numpy(), source_df.to_numpy()
    resets = {pd.Timestamp(eff) - pd.Timedelta(days=1): w for eff, w in baskets}

    n, m = len(dates), len(symbols)
    out = {k: np.zeros(n) for k in ("nav", "spot_value", "short_notional", "cash", "pnl_short", "funding_usd", "costs_usd", "hedge_ratio")}
    event = np.full(n, "", dtype=object)
    funding_flags = np.full(n, "", dtype=object)  # "SYM:proxy;SYM:none" for the short leg's non-actual rates
    fund_rows: list[tuple] = []
    spot_units = np.zeros(m)
    short_units = np.zeros(m)
    weights = np.zeros(m)
    cash = float(initial_nav)
    col = {s: j for j, s in enumerate(symbols)}
    for t in range(n):
        gaps = np.isnan(px[t]) & ((spot_units != 0) | (short_units != 0))
        if gaps.any():
            raise ValueError(f"USSI: no price on or before {dates[t].date()} for {[symbols[j] for j in np.flatnonzero(gaps)]}")
        p = np.nan_to_num(px[t])
        if t > 0:
            prev = np.nan_to_num(px[t - 1])
            pnl = -float(short_units @ (p - prev))
            held = np.flatnonzero(short_units != 0)
            notional = short_units * prev
            pay = notional * rates[t]
            fund = float(pay.sum())
            cash += pnl + fund
            out["pnl_short"][t], out["funding_usd"][t] = pnl, fund
            flagged = [j for j in held if source[t, j] != ACTUAL]
            funding_flags[t] = ";".join(f"{symbols[j]}:{source[t, j]}" for j in flagged)
            for j in held:
                fund_rows.append((dates[t], symbols[j], rates[t, j], source[t, j], notional[j], pay[j]))
        nav = float(spot_units @ p) + cash
        ratio = float(short_units @ p) / nav if nav > 0 else np.nan
        kind = ""
        if dates[t] in resets:
            w = resets[dates[t]]
            weights = np.zeros(m)
            weights[[col[s] for s in w.index]] = w.to_numpy(dtype=float)
            if np.isnan(px[t][weights > 0]).any():
                bad = [symbols[j] for j in np.flatnonzero((weights > 0) & np.isnan(px[t]))]
                raise ValueError(f"USSI: no price on or before {dates[t].date()} for {bad}")
            kind = "start" if t == 0 else "index rebalance"
        elif nav > 0 and abs(ratio / params.hedge_ratio - 1) > params.rebalance_band:
            kind = "band"
        if kind:
            if kind == "band":  # resize both legs, keeping the basket's current value weights
                value = spot_units * p
                weights = value / value.sum()
            spot_units, short_units, cost = _resize(nav, weights, p, spot_units, short_units, params)
            cash = nav - cost - float(spot_units @ p)  # ≈ 0
            out["costs_usd"][t] = cost
            nav = float(spot_units @ p) + cash
            ratio = float(short_units @ p) / nav
        event[t] = kind
        out["nav"][t], out["spot_value"][t], out["short_notional"][t] = nav, nav - cash, float(short_units @ p)
        out["cash"][t], out["hedge_ratio"][t] = cash, ratio
    daily = pd.DataFrame(out, index=dates)
    daily["event"] = event
    daily["funding_flags"] = funding_flags
    daily.index.name = "date"
    fund = pd.DataFrame(fund_rows, columns=["date", "symbol", "rate", "source", "notional_usd", "payment_usd"])
    return UssiResult(params, daily, fund)


def load_strategy_funding(params: StrategyParams, path: str | Path | None = None) -> pd.DataFrame:
    return load_funding(Path(path) if path is not None else params.funding_path())


def run_ussi(
    definition: IndexDefinition,
    market: MarketData,
    start: dt.date | None = None,
    end: dt.date | None = None,
    funding: pd.DataFrame | None = None,
    params: StrategyParams | None = None,
    progress=None,
) -> tuple[UssiResult, Any]:
    """The spot basket from the index engine (``run_backtest``), then the hedged NAV.
    Returns (USSI result, the spot-leg ``BacktestResult``)."""
    params = params or StrategyParams.from_definition(definition)
    funding = funding if funding is not None else load_strategy_funding(params)
    spot = run_backtest(definition, market, start, end, progress=progress)
    # funding rates are per perpetual ticker (BTCUSDT, ETHUSDT): the hedge runs on ticker keys
    ticker = {k: market.symbol_of(k) for k in market.price.columns}
    baskets = [(pd.Timestamp(ev.effective), ev.weights.rename(index=ticker)) for ev in spot.events]
    last = spot.levels.index[-1]
    prices = market.price.rename(columns=ticker)
    result = simulate(prices, baskets, funding, params, last, float(definition.base.value))
    result.spot_rebalances = spot.rebalances
    return result, spot


def nav_per_share(
    date: dt.date | str,
    market: MarketData | None = None,
    funding: pd.DataFrame | None = None,
    definition: IndexDefinition | str = "USSI",
    start: dt.date | None = None,
) -> float:
    """USSI NAV per share in USD at the close of ``date`` (the latest close on or before it), for a
    fund started at the definition's base value per share (1000 USD on its base date). Defaults:
    bundled market data and funding. This is the figure a signed NAV report carries."""
    from ssi.data import load_bundled

    d = pd.Timestamp(date)
    definition = load_definition(definition) if isinstance(definition, str) else definition
    market = market or load_bundled()
    if d > market.last_date:
        raise ValueError(f"date {d.date()} after the data ({market.last_date.date()})")
    result, _ = run_ussi(definition, market, start, d.date(), funding)
    nav = result.nav.loc[:d]
    if nav.empty:
        raise ValueError(f"date {d.date()} before the first USSI close ({result.nav.index[0].date()})")
    return float(nav.iloc[-1])
