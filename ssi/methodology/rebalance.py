"""One rebalance on a reference date: eligibility → ranking → buffer → weights (§2–§7)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import pandas as pd

from ssi.data.market import MarketData
from ssi.methodology import eligibility as elig
from ssi.methodology.definition import IndexDefinition
from ssi.methodology.selection import Decision, apply_buffer, rank_candidates
from ssi.methodology.weighting import apply_scheme, feasible_parameter


@dataclass
class Rebalance:
    index: str
    reference: dt.date
    effective: dt.date
    eligibility: elig.Eligibility
    ranked: pd.DataFrame  # eligible tokens with rank, 30-day averages, reference-date cap/price
    constituents: list[str]
    decisions: list[Decision]
    weights: pd.Series  # by symbol, descending market cap

    @property
    def excluded_counts(self) -> dict[str, int]:
        t = self.eligibility.table
        return t.loc[t["excluded_by"] != "", "excluded_by"].value_counts().to_dict()


def compute_rebalance(
    definition: IndexDefinition,
    market: MarketData,
    reference: dt.date,
    effective: dt.date,
    previous: Iterable[str] = (),
) -> Rebalance:
    ev = elig.evaluate(market, definition, reference)
    ranked = rank_candidates(ev.eligible)
    if ranked.empty:
        raise ValueError(f"{definition.name}: no eligible token on {reference}")
    members, decisions = apply_buffer(
        ranked["rank"], previous, definition.selection.n, definition.buffer.entry_rank, definition.buffer.exit_rank
    )
    caps = ranked.loc[members, "market_cap"]
    w = definition.weighting
    parameter = feasible_parameter(w.scheme, w.parameter, len(caps))  # fewer tokens than N: 1/n
    weights = apply_scheme(w.scheme, caps, parameter)
    return Rebalance(definition.name, reference, effective, ev, ranked, list(weights.index), decisions, weights)
