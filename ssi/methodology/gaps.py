"""Price gaps inside an index holding: what the level uses on a day a constituent has no close.

Policy (``eligibility.max_carry_days`` = N, default 3):
- a gap of at most N days since the constituent's last close is bridged by carrying that close
  (``carried``): a missing print, not a missing market;
- from day N+1 of a gap the constituent is valued at its next available close in the data
  (``next_close``): a coin that stops trading during a collapse (Terra Classic, May 2022) is valued
  at what it traded at when it reappears, not at its last pre-collapse print;
- if the data has no later close at all, the last close is carried and flagged ``stale``.
Every filled (day, constituent) is reported: ``levels.csv`` column ``filled`` and ``fills.csv``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

CARRIED, NEXT_CLOSE, STALE = "carried", "next_close", "stale"


@dataclass(frozen=True)
class Filled:
    prices: pd.DataFrame  # dates × constituents, every cell filled
    kind: pd.DataFrame  # "" where the close is real, else CARRIED / NEXT_CLOSE / STALE


def _positions(valid: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Row of the last valid value at or before each row, and of the next at or after (−1 if none)."""
    n, m = valid.shape
    rows = np.arange(n)[:, None].repeat(m, axis=1)
    last = np.where(valid, rows, -1)
    last = np.maximum.accumulate(last, axis=0)
    nxt = np.where(valid, rows, n)
    nxt = np.minimum.accumulate(nxt[::-1], axis=0)[::-1]
    return last, np.where(nxt == n, -1, nxt)


def fill_prices(history: pd.DataFrame, start: pd.Timestamp, stop: pd.Timestamp, max_carry_days: int) -> Filled:
    """Apply the policy to ``history`` (all dates of the data × the held constituents) over
    [start, stop]. Gap age counts from the last real close, which may be before ``start``."""
    arr = history.to_numpy(dtype=float)
    valid = ~np.isnan(arr)
    last, nxt = _positions(valid)
    lo, hi = history.index.get_indexer([start, stop])
    sl = slice(lo, hi + 1)
    a, lst, nx = arr[sl], last[sl], nxt[sl]
    rows = np.arange(lo, hi + 1)[:, None]
    cols = np.arange(arr.shape[1])[None, :]
    out = a.copy()
    kind = np.full(a.shape, "", dtype=object)
    gap = np.isnan(a)
    has_last = lst >= 0
    carry = gap & has_last & (rows - lst <= max_carry_days)
    out[carry] = arr[lst, cols.repeat(len(rows), 0)][carry]
    kind[carry] = CARRIED
    later = gap & ~carry & (nx >= 0)
    out[later] = arr[nx, cols.repeat(len(rows), 0)][later]
    kind[later] = NEXT_CLOSE
    stale = gap & ~carry & ~later & has_last
    out[stale] = arr[lst, cols.repeat(len(rows), 0)][stale]
    kind[stale] = STALE
    idx = history.index[sl]
    return Filled(pd.DataFrame(out, index=idx, columns=history.columns),
                  pd.DataFrame(kind, index=idx, columns=history.columns))
