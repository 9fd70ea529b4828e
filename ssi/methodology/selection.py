"""Ranking with tie-break, and the buffer with the fixed-count rule (METHODOLOGY.md §4, §7)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
import pandas as pd


def rank_candidates(eligible: pd.DataFrame) -> pd.DataFrame:
    """Sort by 30-day average market cap (desc); ties go to the higher 30-day average volume
    (unknown volume last), then to the symbol. Adds ``rank`` (1 = largest)."""
    cap = eligible["avg_market_cap"].to_numpy(dtype=float)
    vol = eligible["avg_volume"].fillna(-1.0).to_numpy(dtype=float)
    _, sym = np.unique(eligible.index.astype(str).to_numpy(), return_inverse=True)
    order = np.lexsort((sym, -vol, -cap))  # last key first; NaN caps sort last
    df = eligible.iloc[order].copy()
    df["rank"] = np.arange(1, len(df) + 1)
    return df


@dataclass(frozen=True)
class Decision:
    symbol: str
    rank: int | None  # None: no longer eligible
    action: str  # kept | joined | left | stays out | dropped (fixed count) | added (fixed count)
    reason: str


def apply_buffer(
    ranks: pd.Series, current: Iterable[str], n: int, entry_rank: int, exit_rank: int
) -> tuple[list[str], list[Decision]]:
    """Return the new constituents (best rank first) and one decision per token considered.

    ``ranks``: symbol → rank among eligible tokens (1 = largest). ``current``: constituents in
    force (empty for the first composition: the top ``n`` are taken). A constituent stays while
    ranked at or above ``exit_rank``; a non-constituent joins only when ranked at or above
    ``entry_rank``. Fixed count ``n``: if more join than leave, the lowest-ranked are dropped; if
    more leave than join, the highest-ranked non-members are added."""
    ranks = ranks.sort_values()
    current = list(dict.fromkeys(current))
    decisions: list[Decision] = []
    if not current:
        chosen = list(ranks.index[:n])
        for sym in chosen:
            decisions.append(Decision(sym, int(ranks[sym]), "joined", f"initial composition: rank {int(ranks[sym])} <= N={n}"))
        return chosen, decisions

    members: list[str] = []
    for sym in current:
        r = ranks.get(sym)
        if r is None:
            decisions.append(Decision(sym, None, "left", "no longer eligible"))
        elif r <= exit_rank:
            members.append(sym)
        else:
            decisions.append(Decision(sym, int(r), "left", f"rank {int(r)} below exit threshold {exit_rank}"))
    joiners = [sym for sym in ranks.index if sym not in current and ranks[sym] <= entry_rank]
    outsiders = [sym for sym in ranks.index if sym not in current and entry_rank < ranks[sym] <= max(n, exit_rank)]
    new = sorted(members + joiners, key=lambda s: ranks[s])
    dropped = new[n:]
    new = new[:n]
    added: list[str] = []
    if len(new) < n:
        spare = [sym for sym in ranks.index if sym not in new and sym not in dropped]
        added = spare[: n - len(new)]
        new = sorted(new + added, key=lambda s: ranks[s])
    for sym in new:
        r = int(ranks[sym])
        if sym in added:
            decisions.append(Decision(sym, r, "added (fixed count)", f"more left than joined; highest-ranked non-member (rank {r})"))
        elif sym in current:
            decisions.append(Decision(sym, r, "kept", f"rank {r} within exit threshold {exit_rank}"))
        else:
            decisions.append(Decision(sym, r, "joined", f"rank {r} within entry threshold {entry_rank}"))
    for sym in dropped:
        r = int(ranks[sym])
        decisions.append(Decision(sym, r, "dropped (fixed count)", f"more joined than left; lowest-ranked (rank {r})"))
    for sym in outsiders:
        if sym not in new and sym not in dropped:
            r = int(ranks[sym])
            decisions.append(Decision(sym, r, "stays out", f"rank {r} outside entry threshold {entry_rank}"))
    return new, decisions
