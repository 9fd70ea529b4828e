"""Asset identity: every panel row belongs to one asset, named by a stable id (the CoinGecko id of
the label table); tickers are for display only.

How a row gets its id (``assign_ids``), first rule that applies:
1. the panel's own ``id`` column, where it has one;
2. ``asset_ids.csv``: a hand-checked id for a ticker over a date range (collisions, renamed coins);
3. the label row with the same ticker *and* the same name (when the panel carries ``name``);
4. otherwise the ticker itself is the id (and labels can only be matched by ticker).

``ticker_collisions`` lists every ticker that maps to more than one id over the panel's history.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

ASSET_IDS_FILE = Path(__file__).with_name("asset_ids.csv")


@dataclass(frozen=True)
class IdRule:
    symbol: str
    start: pd.Timestamp | None
    end: pd.Timestamp | None
    id: str  # "" = not identified: the ticker stays its own id
    note: str = ""


def load_id_rules(path: str | Path = ASSET_IDS_FILE) -> list[IdRule]:
    table = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    out = []
    for r in table.itertuples(index=False):
        out.append(IdRule(r.symbol.strip(), pd.Timestamp(r[1]) if r[1] else None,
                          pd.Timestamp(r.until) if r.until else None, r.id.strip(), r.note))
    return out


def _norm(name: object) -> str:
    return re.sub(r"[^a-z0-9]", "", str(name).lower())


def name_ids(symbols_names: pd.DataFrame, labels_raw: pd.DataFrame) -> dict[str, str]:
    """ticker → CoinGecko id where exactly one label row has the same ticker and the same name."""
    if labels_raw is not None and "coingecko_id" not in labels_raw and labels_raw.index.name == "id":
        labels_raw = labels_raw.rename_axis("coingecko_id").reset_index()
    if labels_raw is None or "coingecko_id" not in labels_raw or "name" not in labels_raw:
        return {}
    lab = labels_raw[labels_raw["coingecko_id"].fillna("").astype(str) != ""]
    lab = lab.assign(_key=lab["symbol"].astype(str) + "\x00" + lab["name"].map(_norm))
    counts = lab["_key"].value_counts()
    unique = lab[lab["_key"].map(counts) == 1].set_index("_key")["coingecko_id"]
    keys = symbols_names["symbol"].astype(str) + "\x00" + symbols_names["name"].map(_norm)
    hit = keys.map(unique)
    return {s: i for s, i in zip(symbols_names["symbol"], hit) if isinstance(i, str)}


def assign_ids(panel: pd.DataFrame, labels_raw: pd.DataFrame | None = None,
               rules: list[IdRule] | None = None) -> pd.Series:
    """One id per row of a long panel (columns ``date``, ``symbol``; optional ``id``, ``name``)."""
    rules = load_id_rules() if rules is None else rules
    sym = panel["symbol"].astype(str)
    ids = pd.Series(np.nan, index=panel.index, dtype=object)
    if "id" in panel.columns:
        own = panel["id"].where(panel["id"].notna() & (panel["id"].astype(str) != ""))
        ids = own.astype(object)
    todo = ids.isna()
    for r in rules:
        mask = todo & (sym == r.symbol)
        if r.start is not None:
            mask &= panel["date"] >= r.start
        if r.end is not None:
            mask &= panel["date"] <= r.end
        if mask.any():
            ids[mask] = r.id or r.symbol
            todo &= ~mask
    if todo.any() and "name" in panel.columns and labels_raw is not None:
        last = panel.loc[todo, ["symbol", "name"]].drop_duplicates("symbol", keep="last")
        by_name = name_ids(last, labels_raw)
        ids[todo] = sym[todo].map(by_name)
        todo = ids.isna()
    ids[todo] = sym[todo]
    return ids.astype(str)


def ticker_collisions(symbols: pd.Series, ids: pd.Series, dates: pd.Series) -> pd.DataFrame:
    """Tickers that map to two or more ids over the panel's history: one row per (ticker, id) with
    its first and last date, and ``overlap`` True where two ids of a ticker share a date (which an
    id column or an asset_ids.csv date range must separate)."""
    df = pd.DataFrame({"symbol": symbols.to_numpy(), "id": ids.to_numpy(), "date": pd.to_datetime(dates).to_numpy()})
    n_ids = df.groupby("symbol")["id"].nunique()
    multi = n_ids.index[n_ids > 1]
    if len(multi) == 0:
        return pd.DataFrame(columns=["symbol", "id", "first", "last", "rows", "overlap"])
    sub = df[df["symbol"].isin(multi)]
    spans = sub.groupby(["symbol", "id"])["date"].agg(first="min", last="max", rows="size").reset_index()
    per_day = sub.groupby(["symbol", "date"])["id"].nunique()
    overlapping = set(per_day.index.get_level_values(0)[per_day.to_numpy() > 1])
    spans["overlap"] = spans["symbol"].isin(overlapping)
    return spans.sort_values(["symbol", "first"]).reset_index(drop=True)
