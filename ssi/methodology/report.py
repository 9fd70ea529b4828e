"""Backtest outputs: levels.csv, rebalances.csv, summary.json and chart.png."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ssi.data.market import MarketData  # noqa: E402
from ssi.methodology.backtest import BacktestResult, buy_and_hold, default_benchmark, summarize  # noqa: E402


def benchmark_series(market: MarketData, benchmark: str | None, dates: pd.DatetimeIndex,
                     base: float) -> tuple[pd.Series | None, str | None]:
    """(buy-and-hold series, asset key) of ``benchmark`` (id, key or ticker; default BTC when
    present, else none). The index itself never needs it."""
    key = market.find(benchmark) if benchmark is not None else default_benchmark(market)
    if benchmark is not None and key is None:
        raise ValueError(f"benchmark {benchmark!r} is not in the data")
    if key is None:
        return None, None
    return buy_and_hold(market, key, dates, base), key


def write_outputs(result: BacktestResult, market: MarketData, out: Path, chart: bool = True,
                  benchmark: str | None = None) -> dict:
    """levels.csv (date, level at full precision, filled: constituents whose close was filled that
    day), rebalances.csv (effective_date, id, symbol, weight, price, units), fills.csv, summary.json
    (the benchmark under ``benchmark_buy_and_hold``, and also ``btc_buy_and_hold`` when it is BTC),
    chart.png."""
    out.mkdir(parents=True, exist_ok=True)
    levels = result.levels
    frame = levels.rename_axis("date").reset_index()
    frame["filled"] = result.filled_flags().to_numpy()
    frame.to_csv(out / "levels.csv", index=False, float_format="%.17g", date_format="%Y-%m-%d")
    reb = result.rebalances[["effective_date", "id", "symbol", "weight", "price", "units"]].copy()
    reb["effective_date"] = reb["effective_date"].dt.strftime("%Y-%m-%d")
    reb.to_csv(out / "rebalances.csv", index=False, float_format="%.10g")
    fills = result.fills.drop(columns="asset").copy()
    fills["date"] = pd.to_datetime(fills["date"]).dt.strftime("%Y-%m-%d")
    fills.to_csv(out / "fills.csv", index=False, float_format="%.10g")
    bench, key = benchmark_series(market, benchmark, levels.index, float(levels.iloc[0]))
    stats = summarize(levels, bench, "benchmark_buy_and_hold")
    if key is not None:
        stats["benchmark"] = {"id": market.id_of(key), "symbol": market.symbol_of(key)}
        if market.id_of(key) in DEFAULT_IDS:
            stats["btc_buy_and_hold"] = stats["benchmark_buy_and_hold"]
    summary = {"index": result.definition.name, "title": result.definition.title,
               "data": market.source, "rebalances": int(result.rebalances["effective_date"].nunique()),
               "max_rounding_bps": max(result.rounding_bps) if result.rounding_bps else 0.0,
               "filled_price_days": int(len(result.fills)), **stats}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if chart:
        plot(result, bench, out / "chart.png", market.symbol_of(key) if key else "")
    return summary


DEFAULT_IDS = ("bitcoin", "BTC")


def plot(result: BacktestResult, btc: pd.Series | None, path: Path, bench_name: str = "BTC") -> None:
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    ax1.plot(result.levels.index, result.levels.to_numpy(), label=result.definition.title, lw=1.3)
    if btc is not None:
        ax1.plot(btc.index, btc.to_numpy(), label=f"{bench_name} buy-and-hold", lw=1.0, color="tab:orange")
    ax1.set_yscale("log")
    ax1.set_ylabel("level (log scale)")
    ax1.legend(loc="upper left")
    ax1.grid(alpha=0.3, which="both")
    vs = f" vs {bench_name}" if btc is not None else ""
    ax1.set_title(f"{result.definition.title}{vs} (base {result.definition.base.value:g})")
    w = result.rebalances.pivot_table(index="effective_date", columns="symbol", values="weight", fill_value=0.0)
    order = w.mean().sort_values(ascending=False).index
    top = list(order[:12])
    w = w[top].assign(other=w.drop(columns=top).sum(axis=1)) if len(order) > 12 else w[top]
    ax2.stackplot(w.index, w.T.to_numpy(), labels=list(w.columns), step="post")
    ax2.set_ylim(0, 1)
    ax2.set_ylabel("weight")
    ax2.legend(loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=7)
    fig.tight_layout()
    fig.savefig(path, dpi=80)
    plt.close(fig)
