"""The data-quality report behind ``ssi data check``: ticker collisions, price gaps inside index
holdings (what the level fills), supply and price discontinuities, volume sources per index
universe, and label conflicts. Each section is a DataFrame; ``render`` prints them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ssi.data.identity import ticker_collisions
from ssi.data.market import VENUES, MarketData

PRICE_JUMP = 5.0  # a close more than 5× or less than 1/5 of the day before is listed


@dataclass
class QualityReport:
    collisions: pd.DataFrame  # symbol, id, first, last, rows, overlap
    fills: pd.DataFrame  # index, date, id, symbol, kind, price
    discontinuities: pd.DataFrame  # id, symbol, date, kind (supply | price), factor
    volume_sources: pd.DataFrame  # index, source, asset_months (per eligibility universe)
    label_conflicts: pd.DataFrame  # id, symbol, name, issue
    notes: list[str] = field(default_factory=list)

    @property
    def unresolved(self) -> pd.DataFrame:
        """Collisions no id separates: two ids on the same ticker on the same day."""
        return self.collisions[self.collisions["overlap"]] if len(self.collisions) else self.collisions


def discontinuities(market: MarketData, max_supply_jump: float, price_jump: float = PRICE_JUMP) -> pd.DataFrame:
    """Day-over-day moves of implied supply (cap / price) above ``max_supply_jump`` and of price
    above ``price_jump`` (either direction), between consecutive days with data."""
    price, caps, _ = market.arrays()
    with np.errstate(invalid="ignore", divide="ignore"):
        supply = np.abs(np.diff(np.log(caps / price), axis=0))
        moves = np.abs(np.diff(np.log(price), axis=0))
    out = []
    for kind, arr, limit in (("supply", supply, max_supply_jump), ("price", moves, price_jump)):
        r, c = np.nonzero(np.nan_to_num(arr) > np.log(limit))
        for i, j in zip(r, c):
            key = market.price.columns[j]
            out.append((market.id_of(key), market.symbol_of(key), market.price.index[i + 1].date(), kind,
                        float(np.exp(arr[i, j]))))
    return pd.DataFrame(out, columns=["id", "symbol", "date", "kind", "factor"])


def label_conflicts(market: MarketData) -> pd.DataFrame:
    rows = []
    lab = market.labels
    for key in market.price.columns:
        match = lab.at[key, "label_match"] if key in lab.index else ""
        sym, aid = market.symbol_of(key), market.id_of(key)
        if match == "ticker":
            rows.append((aid, sym, market.assets.at[key, "name"], "labelled by ticker only (no id in the panel)"))
        elif match == "":
            rows.append((aid, sym, market.assets.at[key, "name"], "no label row for this id: no sector, no flags"))
    return pd.DataFrame(rows, columns=["id", "symbol", "name", "issue"])


def volume_sources(market: MarketData, definitions, start: dt.date, end: dt.date) -> pd.DataFrame:
    """How the liquidity screen measured each universe token, counted over the monthly reference dates."""
    from ssi.methodology.calendar import schedule
    from ssi.methodology.eligibility import evaluate

    rows = []
    for d in definitions:
        counts: dict[str, int] = {}
        for rd in schedule(start, end, d.calendar):
            if pd.Timestamp(rd.reference) < market.first_date + pd.Timedelta(days=d.eligibility.window_days):
                continue
            t = evaluate(market, d, rd.reference).table
            for src, k in t["volume_source"].replace("", "none").value_counts().items():
                counts[src] = counts.get(src, 0) + int(k)
        rows += [(d.name, src, k) for src, k in sorted(counts.items())]
    return pd.DataFrame(rows, columns=["index", "source", "asset_months"])


def holding_fills(market: MarketData, definitions, start: dt.date, end: dt.date) -> pd.DataFrame:
    from ssi.methodology.backtest import run_backtest

    frames = []
    for d in definitions:
        f = run_backtest(d, market, start, end).fills
        frames.append(f.drop(columns="asset").assign(index=d.name))
    out = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()
    return out[["index", "date", "id", "symbol", "kind", "price"]] if len(out) else out


def build_report(market: MarketData, definitions, start: dt.date, end: dt.date | None = None) -> QualityReport:
    end = end or market.last_date.date()
    rows = market.rows
    if rows is None:
        collisions = ticker_collisions(pd.Series(market.symbols), pd.Series(market.symbols),
                                       pd.Series([market.first_date] * len(market.symbols)))
    else:
        collisions = ticker_collisions(rows["ticker"], rows["id"], rows["date"])
    jump = min(d.eligibility.max_supply_jump for d in definitions)
    return QualityReport(
        collisions=collisions,
        fills=holding_fills(market, definitions, start, end),
        discontinuities=discontinuities(market, jump),
        volume_sources=volume_sources(market, definitions, start, end),
        label_conflicts=label_conflicts(market),
        notes=[f"venue codes: {', '.join(v for v in VENUES if v)}"],
    )


def render(r: QualityReport, limit: int = 40) -> str:
    def table(df: pd.DataFrame) -> str:
        if df.empty:
            return "  none"
        body = df.head(limit).to_string(index=False)
        more = f"\n  … {len(df) - limit} more" if len(df) > limit else ""
        return "\n".join("  " + ln for ln in body.splitlines()) + more

    parts = [
        f"ticker collisions (a ticker with several ids): {r.collisions['symbol'].nunique() if len(r.collisions) else 0}, "
        f"unresolved {r.unresolved['symbol'].nunique() if len(r.unresolved) else 0}", table(r.collisions),
        f"\nfilled prices inside index holdings: {len(r.fills)} constituent-days", table(r.fills),
        f"\nsupply and price discontinuities: {len(r.discontinuities)}", table(r.discontinuities),
        "\nvolume sources per index universe (token-months)", table(r.volume_sources),
        f"\nlabel conflicts: {len(r.label_conflicts)}", table(r.label_conflicts),
    ]
    return "\n".join(parts)
