"""Backtest outputs: levels.csv, rebalances.csv, summary.json and chart.png."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import pandas as pd  # noqa: E402

from ssi.data.market import MarketData  # noqa: E402
from ssi.methodology.backtest import BacktestResult, buy_and_hold, summarize  # noqa: E402


def write_outputs(result: BacktestResult, market: MarketData, out: Path, chart: bool = True) -> dict:
    out.mkdir(parents=True, exist_ok=True)
    levels = result.levels
    levels.rename_axis("date").reset_index().to_csv(out / "levels.csv", index=False, float_format="%.17g",
                                                   date_format="%Y-%m-%d")
    reb = result.rebalances[["effective_date", "symbol", "weight", "price", "units"]].copy()
    reb["effective_date"] = reb["effective_date"].dt.strftime("%Y-%m-%d")
    reb.to_csv(out / "rebalances.csv", index=False, float_format="%.10g")
    btc = buy_and_hold(market, "BTC", levels.index, float(levels.iloc[0]))
    summary = {"index": result.definition.name, "title": result.definition.title,
               "data": market.source, "rebalances": int(result.rebalances["effective_date"].nunique()),
               "max_rounding_bps": max(result.rounding_bps) if result.rounding_bps else 0.0,
               **summarize(levels, btc)}
    (out / "summary.json").write_text(json.dumps(summary, indent=2) + "\n")
    if chart:
        plot(result, btc, out / "chart.png")
    return summary


def plot(result: BacktestResult, btc: pd.Series, path: Path) -> None:
    fig, (ax1, ax2) = plt.subplots(2, 1, figsize=(9, 6.5), sharex=True, gridspec_kw={"height_ratios": [3, 2]})
    ax1.plot(result.levels.index, result.levels.to_numpy(), label=result.definition.title, lw=1.3)
    ax1.plot(btc.index, btc.to_numpy(), label="BTC buy-and-hold", lw=1.0, color="tab:orange")
    ax1.set_yscale("log")
    ax1.set_ylabel("level (log scale)")
    ax1.legend(loc="upper left")
    ax1.grid(alpha=0.3, which="both")
    ax1.set_title(f"{result.definition.title} vs BTC (base {result.definition.base.value:g})")
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
