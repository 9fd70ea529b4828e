"""Sector labels and exclusion flags, read from a table in the columns of ``sector_labels.csv``.

The labels are the CoinGecko categories as of 2025-02 (and CMC tags of 2024-03 / 2025-11): they
are *current*, not point-in-time. A token that was not a meme coin in 2021 but is labelled one now
counts as a meme coin throughout a backtest. See docs/methodology.md.
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


def read_labels(path: str | Path, extra: str | Path | None = EXTRA_LABELS) -> pd.DataFrame:
    """One row per symbol (the ``primary_for_symbol`` row where a ticker is shared), indexed by
    symbol, with the 0/1 flags, ``name``, ``custom_category``, ``coingecko_categories`` and the
    derived ``sector``. ``extra`` holds hand-curated rows that replace or add to the table."""
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"sector labels file not found: {path}")
    df = pd.read_csv(path, dtype={"symbol": str}, keep_default_na=False, na_values=[""])
    if "symbol" not in df.columns:
        raise ValueError(f"{path}: no 'symbol' column")
    if extra is not None and Path(extra).exists():
        more = pd.read_csv(extra, comment="#", dtype={"symbol": str}, keep_default_na=False, na_values=[""])
        df = pd.concat([more, df[~df["symbol"].isin(more["symbol"])]], ignore_index=True)
    if "primary_for_symbol" in df.columns:
        df = df.sort_values("primary_for_symbol", ascending=False, kind="stable")
    df = df.drop_duplicates("symbol", keep="first").set_index("symbol")
    for flag in FLAGS:
        df[flag] = pd.to_numeric(df[flag], errors="coerce").fillna(0).astype(int) if flag in df else 0
    for col in ("name", "custom_category", "coingecko_categories"):
        if col not in df:
            df[col] = ""
        df[col] = df[col].fillna("").astype(str)
    df["sector"] = assign_sectors(df)
    return df


def assign_sectors(labels: pd.DataFrame, rules_file: str | Path = SECTORS_FILE) -> pd.Series:
    spec = yaml.safe_load(Path(rules_file).read_text())
    cats = (labels.get("custom_category", "") + ";" + labels.get("coingecko_categories", "")).str.lower()
    sector = pd.Series("", index=labels.index, dtype=object)
    for rule in spec["rules"]:
        free = sector == ""
        if "flag" in rule:
            hit = labels.get(rule["flag"], 0) == 1
        else:
            hit = cats.str.contains(rule["category"].lower(), regex=False)
        sector[free & hit] = rule["sector"]
    for sym, sec in (spec.get("overrides") or {}).items():
        if sym in sector.index:
            sector[sym] = sec
    return sector
