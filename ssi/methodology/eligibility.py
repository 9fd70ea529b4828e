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


def _window_arrays(market: MarketData, reference: dt.date, window: int) -> dict[str, np.ndarray]:
    """The 30-day (``window``) statistics ending on ``reference`` (inclusive), one array per column,
    aligned to ``market.symbols``."""
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
    return {
        "observed_days": observed,
        "missing_days": window - observed,
        "avg_market_cap": np.where(observed > 0, avg_cap, np.nan),
        "avg_volume": np.where(vol_days > 0, avg_vol, np.nan),
        "volume_days": vol_days,
        "market_cap": _last_valid(caps),
        "price": _last_valid(price),
    }


def window_stats(market: MarketData, reference: dt.date, window: int) -> pd.DataFrame:
    """30-day (``window``) statistics ending on ``reference`` (inclusive), for every symbol."""
    stats = pd.DataFrame(_window_arrays(market, reference, window), index=market.price.columns)
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


def _label_arrays(market: MarketData) -> dict[str, np.ndarray]:
    """Sector and flag columns of the label table as arrays aligned to the symbols (cached)."""
    cache = market.meta.get("_label_arrays")
    if cache is None:
        labels = market.label_table()
        cache = {c: labels[c].to_numpy() for c in labels.columns if c == "sector" or c.startswith("is_")}
        market.meta["_label_arrays"] = cache
    return cache


def _bottom(values: np.ndarray, candidates: np.ndarray, fraction: float, n_live: int) -> np.ndarray:
    """Positions (into ``values``) of the lowest ``floor(fraction × n_live)`` among ``candidates``,
    ascending, ties in candidate order (a stable sort)."""
    n_drop = int(np.floor(fraction * n_live + 1e-9))
    if n_drop <= 0 or len(candidates) == 0:
        return candidates[:0]
    order = np.argsort(values[candidates], kind="stable")
    return candidates[order[:n_drop]]


def evaluate(market: MarketData, definition: IndexDefinition, reference: dt.date) -> Eligibility:
    """Run the tests on arrays over all symbols (one pass per test) and build the table once."""
    e, u, s = definition.eligibility, definition.universe, definition.selection
    st = _window_arrays(market, reference, e.window_days)
    symbols = market.price.columns
    lab = _label_arrays(market)
    avg_cap = st["avg_market_cap"]
    passes_data = st["missing_days"] <= e.max_missing_days
    with np.errstate(invalid="ignore"):
        ok = avg_cap > 0  # NaN → False
        if u.sector:
            ok &= lab["sector"] == u.sector
        if u.min_avg_market_cap is not None:
            ok &= avg_cap >= u.min_avg_market_cap

    # Candidate universe (the data test comes first: a window without data cannot be ranked).
    pool = np.flatnonzero(passes_data & ok)
    if u.max_rank is not None:
        by_cap = pd.Series(avg_cap[pool], index=pool).sort_values(ascending=False)
        pool = by_cap.index.to_numpy()[: u.max_rank]
    # Tokens of the sector (or the top ranks) that fail only the data test are reported too.
    gap_mask = ~passes_data & ok
    if u.max_rank is not None and len(pool):
        with np.errstate(invalid="ignore"):
            gap_mask &= avg_cap >= avg_cap[pool].min()
    gaps = np.flatnonzero(gap_mask)
    rows = np.concatenate([pool, gaps]).astype(np.intp)
    n = len(rows)
    excluded = np.full(n, "", dtype=object)
    excluded[len(pool):] = DATA_GAPS

    # volume fallback
    avg_vol = st["avg_volume"][rows].copy()
    source = np.where(st["volume_days"][rows] > 0, "daily", "").astype(object)
    snap = _snapshot_volume(market, reference, e.snapshot_volume_max_age_days)
    if len(snap):
        snap_vals = snap.reindex(symbols[rows]).to_numpy(dtype=float)
        fill = np.isnan(avg_vol) & ~np.isnan(snap_vals)
        avg_vol[fill] = snap_vals[fill]
        source[fill] = "cmc_snapshot"

    def live() -> np.ndarray:
        return np.flatnonzero(excluded == "")

    # §2.4 blacklist, §2.5 stablecoins / derivatives
    if e.blacklist:
        hit = live()
        hit = hit[np.isin(symbols[rows[hit]], list(e.blacklist))]
        excluded[hit] = BLACKLIST
    flagged = np.zeros(n, dtype=bool)
    for flag in e.exclude_flags:
        if flag in lab:
            flagged |= lab[flag][rows] == 1
    excluded[live()[flagged[live()]]] = FLAGGED
    # §2.6 liquidity: drop the bottom fraction by 30-day average volume (tokens without any
    # volume figure are not ranked and not cut)
    alive = live()
    with_volume = alive[~np.isnan(avg_vol[alive])]
    excluded[_bottom(avg_vol, with_volume, e.liquidity_drop_fraction, len(alive))] = LIQUIDITY
    # §2.7 market cap: drop the bottom fraction by 30-day average market cap
    alive = live()
    excluded[_bottom(avg_cap[rows], alive, e.market_cap_drop_fraction, len(alive))] = MARKET_CAP

    table = pd.DataFrame({k: v[rows] for k, v in st.items()}, index=symbols[rows])
    table["avg_volume"] = avg_vol
    table["volume_source"] = source
    table["excluded_by"] = excluded

    # §4 optional selection tests
    def live_index() -> pd.Index:
        return table.index[table["excluded_by"] == ""]

    if s.min_listing_days is not None:
        first = market.price.notna().idxmax()
        age = (pd.Timestamp(reference) - first.reindex(live_index())).dt.days
        table.loc[age.index[age < s.min_listing_days], "excluded_by"] = LISTING
    if s.min_avg_market_cap is not None:
        low = table.loc[live_index(), "avg_market_cap"] < s.min_avg_market_cap
        table.loc[low.index[low], "excluded_by"] = MIN_CAP
    if s.max_volume_rank is not None:
        vr = table.loc[live_index(), "avg_volume"].rank(ascending=False, method="min", na_option="bottom")
        table.loc[vr.index[vr > s.max_volume_rank], "excluded_by"] = VOLUME_RANK

    table["sector"] = lab["sector"][rows]
    return Eligibility(reference=reference, table=table, universe_size=len(table))
