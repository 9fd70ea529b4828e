"""Ticker renames: splice an old ticker's history into its new ticker (``renames.csv``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pandas as pd

RENAMES_FILE = Path(__file__).with_name("renames.csv")


@dataclass(frozen=True)
class Rename:
    old: str
    new: str
    ratio: float  # new-token price = old-token price × ratio (old tokens per new token)
    until: pd.Timestamp | None  # last date of `old` that belongs to `new`; None = all


def load_renames(path: str | Path = RENAMES_FILE) -> list[Rename]:
    table = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    out = []
    for row in table.itertuples(index=False):
        until = pd.Timestamp(row.until) if row.until else None
        out.append(Rename(row.old.strip(), row.new.strip(), float(row.ratio), until))
    return out


def splice(panel: pd.DataFrame, renames: list[Rename]) -> pd.DataFrame:
    """Relabel old tickers in a long panel (columns date, symbol, price_usd, market_cap_usd,
    volume_usd, ...). Market cap and volume in USD are unchanged; price scales by ``ratio``.
    On a date where the new ticker already has a row, the new ticker's own row is kept."""
    if not renames:
        return panel
    df = panel.copy()
    origin = pd.Series("", index=df.index)
    for r in renames:
        mask = df["symbol"] == r.old
        if r.until is not None:
            mask &= df["date"] <= r.until
        if not mask.any():
            continue
        df.loc[mask, "symbol"] = r.new
        df.loc[mask, "price_usd"] = df.loc[mask, "price_usd"] * r.ratio
        if "circulating_supply" in df.columns:
            df.loc[mask, "circulating_supply"] = df.loc[mask, "circulating_supply"] / r.ratio
        origin[mask] = r.old
    df["_spliced"] = origin != ""
    # keep the new ticker's own row where both exist (two coins a panel's id column separates stay)
    key = ["date", "symbol"] + (["id"] if "id" in df.columns else [])
    df = df.sort_values(["date", "symbol", "_spliced"], kind="stable")
    df = df.drop_duplicates(key, keep="first")
    return df.drop(columns="_spliced").reset_index(drop=True)
