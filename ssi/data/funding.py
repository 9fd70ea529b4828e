"""Perpetual funding rates (Binance BTCUSDT/ETHUSDT), for the USSI strategy backtest."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

BUNDLED_FUNDING = Path(__file__).parent / "bundled" / "funding_daily_btc_eth.csv.gz"


def load_funding(path: str | Path = BUNDLED_FUNDING) -> pd.DataFrame:
    """Daily funding as a wide frame: index = UTC date, columns = symbol (BTC, ETH), values = the
    sum of that day's 8-hourly funding rates (a fraction: 0.0003 = 0.03%/day). Missing days are NaN
    (ETH has none for 2024-01 → 2026-01; see the bundle's PROVENANCE.md). Accepts the bundled
    file or ``funding_rates_daily_btc_eth.csv`` from the shared data folder."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"funding file not found: {path}")
    df = pd.read_csv(path, usecols=["date", "symbol", "funding_rate_daily_sum"], parse_dates=["date"])
    wide = df.pivot_table(index="date", columns="symbol", values="funding_rate_daily_sum", aggfunc="last")
    wide.columns.name = None
    return wide.sort_index()
