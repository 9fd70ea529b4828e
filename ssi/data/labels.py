"""Sector labels and exclusion flags, read from a table in the columns of ``sector_labels.csv``,
keyed by asset id (the ``coingecko_id`` column).

The labels are the CoinGecko categories as of 2025-02 (and CMC tags of 2024-03 / 2025-11): they
are *current*, not point-in-time. A token that was not a meme coin in 2021 but is labelled one now
counts as a meme coin throughout a backtest. See docs/methodology.md.

A table row belongs to an asset through its id, never through its ticker: the same ticker names
several coins (TOMO is TomoChain in the price panel and the meme Tomo Cat in the label table).
Only a panel without ids falls back to the ticker (the table's ``primary_for_symbol`` row), and
``ssi data check`` lists every asset labelled that way.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import yaml

SECTORS_FILE = Path(__file__).with_name("sectors.yaml")
EXTRA_LABELS = Path(__file__).with_name("labels_extra.csv")
FLAGS = (
    "is_meme", "is_defi", "is_dex", "is_lending", "is_stablecoin", "is_layer1", "is_layer2",
    "is_exchange_token", "is_wrapped_or_lst", "is_ai",
)
TEXT = ("symbol", "name", "custom_category", "coingecko_categories")


def read_labels(path: str | Path, extra: str | Path | None = EXTRA_LABELS) -> pd.DataFrame:
    """One row per asset id (rows without an id are dropped), indexed by id, with ``symbol``,
    ``primary_for_symbol``, the 0/1 flags, ``name``, ``custom_category``, ``coingecko_categories``
    and the derived ``sector`` (one per asset, sectors.yaml). ``extra`` holds hand-curated rows
    that replace the table's row with the same id, or add one."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"sector labels file not found: {path}")
    df = pd.read_csv(path, dtype={"symbol": str, "coingecko_id": str}, keep_default_na=False, na_values=[""])
    for col in ("symbol", "coingecko_id"):
        if col not in df.columns:
            raise ValueError(f"{path}: no '{col}' column")
    if extra is not None and Path(extra).exists():
        more = pd.read_csv(extra, comment="#", dtype={"symbol": str, "coingecko_id": str},
                           keep_default_na=False, na_values=[""])
        df = pd.concat([more, df[~df["coingecko_id"].isin(more["coingecko_id"])]], ignore_index=True)
    df = df[df["coingecko_id"].notna()].drop_duplicates("coingecko_id", keep="first")
    df = df.set_index("coingecko_id")
    df.index.name = "id"
    df["primary_for_symbol"] = pd.to_numeric(df.get("primary_for_symbol", 0), errors="coerce").fillna(0).astype(int)
    for flag in FLAGS:
        df[flag] = pd.to_numeric(df[flag], errors="coerce").fillna(0).astype(int) if flag in df else 0
    for col in TEXT:
        if col not in df:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str)
    df["sector"] = assign_sectors(df)
    return df


def by_ticker(labels: pd.DataFrame) -> pd.DataFrame:
    """The table's primary row per ticker (the fallback for a panel without ids)."""
    rows = labels.sort_values("primary_for_symbol", ascending=False, kind="stable")
    return rows[~rows["symbol"].duplicated()].reset_index().set_index("symbol")


def align_labels(labels: pd.DataFrame, keys: pd.Index, ids: pd.Series, symbols: pd.Series) -> pd.DataFrame:
    """Label rows for the market's assets (``keys``), matched by id; an asset whose id is not in
    the table but whose id is its ticker (no id known) takes the ticker's primary row. Column
    ``label_match``: ``id``, ``ticker`` or empty (unlabelled)."""
    by_id = labels.reindex(ids.reindex(keys).to_numpy())
    by_id.index = keys
    match = pd.Series("", index=keys, dtype=object)
    match[by_id["sector"].notna().to_numpy()] = "id"
    tick = by_ticker(labels)
    unresolved = (match == "") & (ids.reindex(keys) == symbols.reindex(keys)).to_numpy()
    if unresolved.any():
        fallback = tick.reindex(symbols.reindex(keys[unresolved]).to_numpy()).drop(columns="id")
        fallback.index = keys[unresolved]
        hit = fallback["sector"].notna()
        by_id.loc[fallback.index[hit], fallback.columns] = fallback[hit]
        match[fallback.index[hit]] = "ticker"
    out = by_id.drop(columns=[c for c in ("symbol",) if c in by_id.columns])
    for c in out.columns:
        if c.startswith("is_"):
            out[c] = out[c].fillna(0).astype(int)
    out["sector"] = out["sector"].fillna("")
    out["label_match"] = match
    return out


def assign_sectors(labels: pd.DataFrame, rules_file: str | Path = SECTORS_FILE) -> pd.Series:
    """One primary sector per asset: the first rule of ``sectors.yaml`` that matches (the order is
    the documented precedence), then the per-id overrides."""
    spec = yaml.safe_load(Path(rules_file).read_text())
    cats = (labels.get("custom_category", "") + ";" + labels.get("coingecko_categories", "")).str.lower()
    sector = pd.Series("", index=labels.index, dtype=object)
    for rule in spec["rules"]:
        free = sector == ""
        hit = pd.Series(True, index=labels.index)
        if "flag" in rule:
            hit &= labels.get(rule["flag"], 0) == 1
        if "category" in rule:
            hit &= cats.str.contains(rule["category"].lower(), regex=False)
        for flag in rule.get("unless_flags", []):
            hit &= labels.get(flag, 0) != 1
        sector[free & hit] = rule["sector"]
    for key, sec in (spec.get("overrides") or {}).items():
        if key in sector.index:
            sector[key] = sec
    return sector
