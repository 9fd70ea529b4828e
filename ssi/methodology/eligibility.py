"""The asset universe and the eligibility tests (METHODOLOGY.md §2–§4), in the spec's order.

Choices where the spec or the data leave room (each a definition parameter, see docs):
- the candidate universe is the top ``universe.max_rank`` by 30-day average market cap, or (sector
  indices) the sector's tokens with a 30-day average market cap above ``universe.min_avg_market_cap``;
  for a sector index the liquidity and market-cap cuts are taken within the sector universe;
- the exchange and quote-currency tests (§2.1, §2.3) cannot be evaluated on the panel, which has
  no venue data; they are recorded as passed. Use ``blacklist`` to exclude a token by hand;
- the 30-day average volume uses the days that have a volume; where a window has none (volume
  coverage is 51–62% in 2020–2023), the latest CMC monthly snapshot 24h volume (point-in-time,
  at most ``snapshot_volume_max_age_days`` old) stands in; a token with neither is not cut for
  liquidity and ranks last on the volume tie-break.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ssi.data.market import MarketData
from ssi.methodology.definition import IndexDefinition

# Reasons, in the order the tests run.
NOT_IN_UNIVERSE = "outside universe"
DATA_GAPS = "data gaps in window"
BLACKLIST = "blacklisted"
FLAGGED = "stablecoin or derivative"
LIQUIDITY = "bottom liquidity"
MARKET_CAP = "bottom market cap"
LISTING = "listed too recently"
MIN_CAP = "below minimum market cap"
VOLUME_RANK = "volume rank too low"


@dataclass
class Eligibility:
    reference: dt.date
    table: pd.DataFrame  # one row per universe token; 'excluded_by' empty for eligible ones
    universe_size: int

    @property
    def eligible(self) -> pd.DataFrame:
        return self.table[self.table["excluded_by"] == ""]


def window_stats(market: MarketData, reference: dt.date, window: int) -> pd.DataFrame:
    """30-day (``window``) statistics ending on ``reference`` (inclusive), for every symbol."""
    ref = pd.Timestamp(reference)
    if ref < market.first_date or ref > market.last_date:
        raise ValueError(
            f"reference date {reference} outside the data ({market.first_date.date()} → {market.last_date.date()})"
        )
    stop = market.price.index.get_loc(ref) + 1
    lo = max(0, stop - window)
    price, caps, vol = (a[lo:stop] for a in market.arrays())
    have = ~np.isnan(price) & ~np.isnan(caps)
    observed = have.sum(axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        avg_cap = np.where(have, caps, 0.0).sum(axis=0) / observed
        vol_days = (~np.isnan(vol)).sum(axis=0)
        avg_vol = np.nansum(vol, axis=0) / vol_days
    stats = pd.DataFrame(
        {
            "observed_days": observed,
            "missing_days": window - observed,
            "avg_market_cap": np.where(observed > 0, avg_cap, np.nan),
            "avg_volume": np.where(vol_days > 0, avg_vol, np.nan),
            "volume_days": vol_days,
            "market_cap": _last_valid(caps),
            "price": _last_valid(price),
        },
        index=market.price.columns,
    )
    stats["volume_source"] = np.where(stats["volume_days"] > 0, "daily", "")
    return stats


def _last_valid(a: np.ndarray) -> np.ndarray:
    """Last non-NaN value of each column (NaN where none)."""
    ok = ~np.isnan(a)
    idx = a.shape[0] - 1 - np.argmax(ok[::-1], axis=0)
    out = a[idx, np.arange(a.shape[1])]
    return np.where(ok.any(axis=0), out, np.nan)


def _snapshot_volume(market: MarketData, reference: dt.date, max_age_days: int) -> pd.Series:
    snap = market.snapshot_volume
    if snap is None or snap.empty:
        return pd.Series(dtype=float)
    ref = pd.Timestamp(reference)
    rows = snap.loc[:ref]
    if rows.empty or (ref - rows.index[-1]).days > max_age_days:
        return pd.Series(dtype=float)
    return rows.iloc[-1].dropna()


def evaluate(market: MarketData, definition: IndexDefinition, reference: dt.date) -> Eligibility:
    e, u, s = definition.eligibility, definition.universe, definition.selection
    stats = window_stats(market, reference, e.window_days)
    passes_data = stats["missing_days"] <= e.max_missing_days
    labels = market.label_table()

    # Candidate universe (the data test comes first: a window without data cannot be ranked).
    pool = stats[passes_data & stats["avg_market_cap"].gt(0)]
    if u.sector:
        pool = pool[labels.loc[pool.index, "sector"].eq(u.sector)]
    if u.min_avg_market_cap is not None:
        pool = pool[pool["avg_market_cap"] >= u.min_avg_market_cap]
    if u.max_rank is not None:
        pool = pool.sort_values("avg_market_cap", ascending=False).head(u.max_rank)
    # Tokens of the sector (or the top ranks) that fail only the data test are reported too.
    gaps = stats[~passes_data & stats["avg_market_cap"].gt(0)]
    if u.sector:
        gaps = gaps[labels.loc[gaps.index, "sector"].eq(u.sector)]
    if u.min_avg_market_cap is not None:
        gaps = gaps[gaps["avg_market_cap"] >= u.min_avg_market_cap]
    if u.max_rank is not None and len(pool):
        gaps = gaps[gaps["avg_market_cap"] >= pool["avg_market_cap"].min()]
    table = pd.concat([pool, gaps]).copy()
    table["excluded_by"] = np.where(table.index.isin(gaps.index), DATA_GAPS, "")

    # volume fallback
    snap = _snapshot_volume(market, reference, e.snapshot_volume_max_age_days)
    fill = table["avg_volume"].isna() & table.index.isin(snap.index)
    table.loc[fill, "avg_volume"] = snap.reindex(table.index[fill]).to_numpy()
    table.loc[fill, "volume_source"] = "cmc_snapshot"

    def live() -> pd.Index:
        return table.index[table["excluded_by"] == ""]

    # §2.4 blacklist, §2.5 stablecoins / derivatives
    table.loc[live().intersection(pd.Index(e.blacklist)), "excluded_by"] = BLACKLIST
    for flag in e.exclude_flags:
        if flag in labels.columns:
            hit = labels.loc[live(), flag].to_numpy() == 1
            table.loc[live()[hit], "excluded_by"] = FLAGGED
    # §2.6 liquidity: drop the bottom fraction by 30-day average volume (tokens without any
    # volume figure are not ranked and not cut)
    ranked = table.loc[live(), "avg_volume"].dropna().sort_values(kind="stable")
    n_drop = int(np.floor(e.liquidity_drop_fraction * len(live()) + 1e-9))
    table.loc[ranked.index[:n_drop], "excluded_by"] = LIQUIDITY
    # §2.7 market cap: drop the bottom fraction by 30-day average market cap
    ranked = table.loc[live(), "avg_market_cap"].sort_values(kind="stable")
    n_drop = int(np.floor(e.market_cap_drop_fraction * len(live()) + 1e-9))
    table.loc[ranked.index[:n_drop], "excluded_by"] = MARKET_CAP

    # §4 optional selection tests
    if s.min_listing_days is not None:
        first = market.price.notna().idxmax()
        age = (pd.Timestamp(reference) - first.reindex(live())).dt.days
        table.loc[age.index[age < s.min_listing_days], "excluded_by"] = LISTING
    if s.min_avg_market_cap is not None:
        low = table.loc[live(), "avg_market_cap"] < s.min_avg_market_cap
        table.loc[low.index[low], "excluded_by"] = MIN_CAP
    if s.max_volume_rank is not None:
        vr = table.loc[live(), "avg_volume"].rank(ascending=False, method="min", na_option="bottom")
        table.loc[vr.index[vr > s.max_volume_rank], "excluded_by"] = VOLUME_RANK

    table["sector"] = labels.loc[table.index, "sector"].to_numpy()
    return Eligibility(reference=reference, table=table, universe_size=len(table))
