"""USSI outputs: levels.csv (daily NAV and its parts), funding.csv (rate and source per day and
constituent), rebalances.csv (spot basket), summary.json (with ``ussi``, ``mag7`` and ``cash``
sections) and chart.png."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

from ssi.data.market import MarketData  # noqa: E402
from ssi.methodology.backtest import buy_and_hold, summarize  # noqa: E402
from ssi.ussi.strategy import ACTUAL, NONE, PROXY, UssiResult  # noqa: E402


def strategy_stats(nav: pd.Series) -> dict:
    """APR (simple: total return × 365 / days), annualised return (compounded), annualised volatility
    (daily log returns × √365), max drawdown and the worst calendar month (month-end to month-end,
    the first month from the first close)."""
    s = nav.dropna()
    days = (s.index[-1] - s.index[0]).days
    total = float(s.iloc[-1] / s.iloc[0] - 1)
    lr = np.log(s).diff().dropna()
    month_end = s.groupby(s.index.to_period("M")).last()
    monthly = month_end / pd.concat([pd.Series([s.iloc[0]]), month_end.iloc[:-1]]).to_numpy() - 1
    if len(monthly) > 1 and s.index[0] == s.index[s.index.to_period("M") == monthly.index[0]][-1]:
        monthly = monthly.iloc[1:]  # the first month holds only the starting close
    worst = monthly.idxmin()
    return {
        "start": str(s.index[0].date()),
        "end": str(s.index[-1].date()),
        "total_return": total,
        "apr": total * 365.0 / days if days else 0.0,
        "annualised_return": float((1 + total) ** (365.0 / days) - 1) if days else 0.0,
        "annualised_volatility": float(lr.std(ddof=1) * np.sqrt(365)) if len(lr) > 1 else 0.0,
        "max_drawdown": float((s / s.cummax() - 1).min()),
        "worst_month": {"month": str(worst), "return": float(monthly.min())},
    }


def cash_series(dates: pd.DatetimeIndex, start_value: float, annual_rate: float) -> pd.Series:
    years = (dates - dates[0]).days.to_numpy() / 365.0
    return pd.Series(start_value * (1 + annual_rate) ** years, index=dates, name="cash")


def funding_stats(result: UssiResult, funding: pd.DataFrame) -> dict:
    d = result.daily.iloc[1:]
    f = result.funding
    btc = funding["BTC"].reindex(d.index) if "BTC" in funding else pd.Series(np.nan, index=d.index)
    counts = f["source"].value_counts()
    n = max(len(f), 1)
    return {
        "negative_funding_day_share": float((d["funding_usd"] < 0).mean()),
        "negative_btc_funding_day_share": float((btc.dropna() < 0).mean()) if btc.notna().any() else None,
        "funding_usd": float(d["funding_usd"].sum()),
        "costs_usd": float(result.daily["costs_usd"].sum()),
        "short_pnl_usd": float(d["pnl_short"].sum()),
        "band_resizes": int((result.daily["event"] == "band").sum()),
        "index_rebalances": int((result.daily["event"] == "index rebalance").sum()),
        "funding_sources": {k: int(counts.get(k, 0)) for k in (ACTUAL, PROXY, NONE)},
        "proxy_share": float(counts.get(PROXY, 0) / n),
        "days_with_proxy": int((d["funding_flags"] != "").sum()),
    }


def write_ussi_outputs(result: UssiResult, mag7_levels: pd.Series, market: MarketData, funding: pd.DataFrame,
                       out: Path, title: str, chart: bool = True, source: str = "") -> dict:
    out.mkdir(parents=True, exist_ok=True)
    daily = result.daily.rename(columns={"nav": "level"})
    daily.reset_index().to_csv(out / "levels.csv", index=False, float_format="%.17g", date_format="%Y-%m-%d")
    fund = result.funding.copy()
    fund["date"] = fund["date"].dt.strftime("%Y-%m-%d")
    fund.to_csv(out / "funding.csv", index=False, float_format="%.10g")
    reb = result.spot_rebalances
    if not reb.empty:
        reb = reb[["effective_date", "id", "symbol", "weight", "price", "units"]].copy()
        reb["effective_date"] = reb["effective_date"].dt.strftime("%Y-%m-%d")
        reb.to_csv(out / "rebalances.csv", index=False, float_format="%.10g")
    nav = result.nav
    mag7 = mag7_levels.reindex(nav.index).ffill()
    mag7 = mag7 / mag7.iloc[0] * nav.iloc[0]
    cash = cash_series(nav.index, float(nav.iloc[0]), result.params.cash_rate)
    btc = buy_and_hold(market, "BTC", nav.index, float(nav.iloc[0]))
    summary = {
        "title": title, "data": market.source, "funding": source,
        "parameters": {k: getattr(result.params, k) for k in
                       ("hedge_ratio", "rebalance_band", "spot_cost_bps", "perp_cost_bps", "funding_proxy", "cash_rate")},
        "rebalances": int((result.daily["event"] == "index rebalance").sum()) + 1,
        **summarize(nav, btc),
        "ussi": strategy_stats(nav) | funding_stats(result, funding),
        "mag7": strategy_stats(mag7) | {"negative_funding_day_share": None},
        "cash": strategy_stats(cash) | {"annual_rate": result.params.cash_rate, "negative_funding_day_share": None},
    }
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if chart:
        plot(result, mag7, cash, out / "chart.png", title)
    return summary


def plot(result: UssiResult, mag7: pd.Series, cash: pd.Series, path: Path, title: str) -> None:
    d = result.daily
    fig, (ax1, ax2, ax3) = plt.subplots(3, 1, figsize=(9, 8), sharex=True, gridspec_kw={"height_ratios": [3, 2, 1.2]})
    ax1.plot(d.index, d["nav"], label=f"{title} NAV", lw=1.4)
    ax1.plot(mag7.index, mag7.to_numpy(), label="MAG7.ssi (same basket, unhedged)", lw=0.9, color="tab:orange")
    ax1.plot(cash.index, cash.to_numpy(), label=f"cash ({result.params.cash_rate:.1%}/yr)", lw=0.9, color="grey")
    ax1.set_yscale("log")
    ax1.set_ylabel("USD per share (log)")
    ax1.legend(loc="upper left", fontsize=8)
    ax1.grid(alpha=0.3, which="both")
    ax1.set_title(f"{title}: spot top-7 + short perpetuals, funding income")
    leg_rate = (d["funding_usd"] / d["short_notional"].shift(1)).replace([np.inf, -np.inf], np.nan)
    ax2.plot(d.index, leg_rate.rolling(30, min_periods=1).mean() * 365, lw=1.0, label="short leg funding, 30-day mean (annualised)")
    ax2.axhline(0, color="black", lw=0.6)
    proxy = d["funding_flags"] != ""
    ax2.fill_between(d.index, 0, 1, where=proxy.to_numpy(), transform=ax2.get_xaxis_transform(), color="tab:red",
                     alpha=0.08, label="days with proxy rates (some constituents)")
    ax2.set_ylabel("funding rate / yr")
    ax2.legend(loc="upper right", fontsize=7)
    ax2.grid(alpha=0.3)
    ax3.plot(d.index, d["hedge_ratio"], lw=0.7, color="tab:green")
    b, h = result.params.rebalance_band, result.params.hedge_ratio
    for y in (h * (1 - b), h * (1 + b)):
        ax3.axhline(y, color="grey", lw=0.6, ls="--")
    ax3.set_ylabel("short / NAV")
    ax3.grid(alpha=0.3)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
