"""The asset universe and the eligibility tests (METHODOLOGY.md §2–§4), in the spec's order.

Choices where the spec or the data leave room (each a definition parameter, see docs):
- the candidate universe is the top ``universe.max_rank`` by 30-day average market cap, or (sector
  indices) the sector's tokens with a 30-day average market cap above ``universe.min_avg_market_cap``;
  for a sector index the liquidity and market-cap cuts are taken within the sector universe;
- the exchange and quote-currency tests (§2.1, §2.3) cannot be evaluated on the panel, which has
  no venue data; they are recorded as passed. Use ``blacklist`` to exclude a token by hand;
- volumes are compared like with like. A token's liquidity measure is, first available: the 30-day
  average of its all-venue daily volumes (CoinGecko/CMC aggregates); the latest CMC monthly
  snapshot 24h volume (all-venue, point-in-time, at most ``snapshot_volume_max_age_days`` old); the
  30-day average of one exchange's volume (Binance perpetual, Coinbase spot). The bottom-liquidity
  cut ranks only the tokens measured all-venue (or, when none is, those measured on the most common
  single venue); a token measured otherwise, or not at all, is not cut and ranks last on the
  volume tie-break. ``volume_source`` in the table says which measure each token has;
- the data test (§2.2) also refuses a window where the implied supply (market cap / price) jumps
  by more than ``max_supply_jump`` from one day to the next: a redenomination or a broken supply
  series makes the 30-day average market cap meaningless (SUN in 2021-07).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd

from ssi.data.market import ALL_VENUE, UNKNOWN_VENUE, VENUES, MarketData
from ssi.methodology.definition import IndexDefinition

# Reasons, in the order the tests run.
NOT_IN_UNIVERSE = "outside universe"
DATA_GAPS = "data gaps in window"
DISCONTINUITY = "supply discontinuity in window"
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
    venue = market.venue_array()[lo:stop]
    have = ~np.isnan(price) & ~np.isnan(caps)
    observed = have.sum(axis=0)
    all_venue = ~np.isnan(vol) & ((venue == ALL_VENUE) | (venue == UNKNOWN_VENUE))
    single = ~np.isnan(vol) & ~all_venue
    with np.errstate(invalid="ignore", divide="ignore"):
        avg_cap = np.where(have, caps, 0.0).sum(axis=0) / observed
        all_days = all_venue.sum(axis=0)
        avg_all = np.where(all_venue, vol, 0.0).sum(axis=0) / all_days
        single_days = single.sum(axis=0)
        avg_single = np.where(single, vol, 0.0).sum(axis=0) / single_days
    # the single venue a token's single-venue volumes come from (the most frequent code)
    counts = np.stack([(venue == k).sum(axis=0) for k in range(len(VENUES))])
    counts[ALL_VENUE] = counts[UNKNOWN_VENUE] = counts[0] = -1
    return {
        "observed_days": observed,
        "missing_days": window - observed,
        "avg_market_cap": np.where(observed > 0, avg_cap, np.nan),
        "avg_volume_all_venue": np.where(all_days > 0, avg_all, np.nan),
        "avg_volume_single_venue": np.where(single_days > 0, avg_single, np.nan),
        "single_venue": np.where(single_days > 0, counts.argmax(axis=0), 0),
        "volume_days": all_days + single_days,
        "max_supply_jump": _max_supply_jump(price, caps),
        "market_cap": _last_valid(caps),
        "price": _last_valid(price),
    }


def _max_supply_jump(price: np.ndarray, caps: np.ndarray) -> np.ndarray:
    """Largest day-over-day factor (≥ 1) by which implied supply (cap / price) moves in the window,
    between consecutive days that both have a price and a market cap."""
    with np.errstate(invalid="ignore", divide="ignore"):
        ls = np.log(caps / price)
        step = np.abs(np.diff(ls, axis=0))
    step = np.where(np.isnan(step), 0.0, step)
    return np.exp(step.max(axis=0)) if len(step) else np.ones(price.shape[1])


def window_stats(market: MarketData, reference: dt.date, window: int) -> pd.DataFrame:
    """30-day (``window``) statistics ending on ``reference`` (inclusive), for every symbol."""
    stats = pd.DataFrame(_window_arrays(market, reference, window), index=market.price.columns)
    stats["volume_source"] = np.where(stats["avg_volume_all_venue"].notna(), "all_venue_daily",
                                      np.where(stats["avg_volume_single_venue"].notna(), "single_venue", ""))
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
    passes_data = (st["missing_days"] <= e.max_missing_days) & (st["max_supply_jump"] <= e.max_supply_jump)
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
    gapped = st["missing_days"][rows[len(pool):]] > e.max_missing_days
    excluded[len(pool):] = np.where(gapped, DATA_GAPS, DISCONTINUITY)

    # liquidity measure: all-venue daily, else CMC snapshot (all-venue), else one venue's volume
    avg_vol = st["avg_volume_all_venue"][rows].copy()
    source = np.where(~np.isnan(avg_vol), "all_venue_daily", "").astype(object)
    snap = _snapshot_volume(market, reference, e.snapshot_volume_max_age_days)
    if len(snap):
        snap_vals = snap.reindex(symbols[rows]).to_numpy(dtype=float)
        fill = np.isnan(avg_vol) & ~np.isnan(snap_vals)
        avg_vol[fill] = snap_vals[fill]
        source[fill] = "cmc_snapshot"
    comparable = source != ""  # all-venue measures
    single = np.isnan(avg_vol) & ~np.isnan(st["avg_volume_single_venue"][rows])
    venue_names = np.array(VENUES, dtype=object)
    source[single] = "single_venue:" + venue_names[st["single_venue"][rows][single]]
    avg_vol[single] = st["avg_volume_single_venue"][rows][single]

    def live() -> np.ndarray:
        return np.flatnonzero(excluded == "")

    # §2.4 blacklist, §2.5 stablecoins / derivatives
    if e.blacklist:
        hit = live()
        ids = market.assets["id"].reindex(symbols[rows[hit]]).to_numpy()
        hit = hit[np.isin(ids, list(e.blacklist))]
        excluded[hit] = BLACKLIST
    flagged = np.zeros(n, dtype=bool)
    for flag in e.exclude_flags:
        if flag in lab:
            flagged |= lab[flag][rows] == 1
    excluded[live()[flagged[live()]]] = FLAGGED
    # §2.6 liquidity: drop the bottom fraction by 30-day average volume, ranking like with like:
    # the all-venue measures, or (when no survivor has one) the most common single venue's
    alive = live()
    ranked_group = alive[comparable[alive]]
    if len(ranked_group) == 0 and single[alive].any():
        kinds = pd.Series(source[alive[single[alive]]])
        ranked_group = alive[source[alive] == kinds.value_counts().index[0]]
    excluded[_bottom(avg_vol, ranked_group, e.liquidity_drop_fraction, len(alive))] = LIQUIDITY
    # §2.7 market cap: drop the bottom fraction by 30-day average market cap
    alive = live()
    excluded[_bottom(avg_cap[rows], alive, e.market_cap_drop_fraction, len(alive))] = MARKET_CAP

    table = pd.DataFrame({k: v[rows] for k, v in st.items()}, index=symbols[rows])
    table.insert(0, "symbol", market.assets["symbol"].reindex(table.index).to_numpy())
    table.insert(0, "id", market.assets["id"].reindex(table.index).to_numpy())
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
