"""The ``ssi weights`` report: one rebalance, explained, as a dict (JSON) or text."""

from __future__ import annotations

import datetime as dt

import pandas as pd

from ssi.data.market import MarketData
from ssi.methodology.backtest import earliest_start, run_backtest
from ssi.methodology.calendar import next_effective_after
from ssi.methodology.definition import IndexDefinition
from ssi.methodology.rebalance import compute_rebalance
from ssi.methodology.units import SHARE, UNIT_SCALE, decimals_of, trades, units_per_share


def build_weights_report(definition: IndexDefinition, market: MarketData, reference: dt.date, supply: float = 1000.0) -> dict:
    previous: list[str] = []
    old_units: dict[str, int] = {}
    nav = float(definition.base.value)
    # history from the base date, or from the first rebalance the data allows (a live source)
    start = max(definition.base.date, earliest_start(definition, market))
    if reference > start:
        hist = run_backtest(definition, market, start, reference)
        nav = float(hist.levels.loc[:pd.Timestamp(reference)].iloc[-1])
        basket = hist.basket_at(reference)
        previous = list(basket.index)
        old_units = {s: int(u) for s, u in basket["units"].items()}
    effective = next_effective_after(reference, definition.calendar)
    reb = compute_rebalance(definition, market, reference, effective, previous)
    prices = market.price.loc[: pd.Timestamp(reference)].ffill().iloc[-1]
    decimals = {k: decimals_of(market.symbol_of(k)) for k in set(reb.weights.index) | set(old_units)}
    new = units_per_share(reb.weights.to_dict(), prices[reb.weights.index].to_dict(), nav, decimals)
    supply_wei = int(round(supply * SHARE))
    tl = trades(old_units, new.units, prices.to_dict(), supply_wei, nav, decimals)
    cands = reb.ranked.head(max(definition.buffer.exit_rank, definition.selection.n) + 5)
    return {
        "index": definition.name,
        "reference_date": str(reference),
        "effective_date": str(effective),
        "universe_size": reb.eligibility.universe_size,
        "eligible_size": len(reb.ranked),
        "excluded": reb.excluded_counts,
        "candidates": [
            {"rank": int(r["rank"]), "id": market.id_of(s), "symbol": market.symbol_of(s), "avg_market_cap_30d": float(r["avg_market_cap"]),
             "avg_volume_30d": None if pd.isna(r["avg_volume"]) else float(r["avg_volume"]),
             "volume_source": r["volume_source"], "market_cap": float(r["market_cap"]),
             "price": float(r["price"]), "sector": r["sector"], "in_previous": s in previous}
            for s, r in cands.iterrows()
        ],
        "buffer": [{"id": market.id_of(d.symbol), "symbol": market.symbol_of(d.symbol), "rank": d.rank, "action": d.action, "reason": d.reason} for d in reb.decisions],
        "symbols": {market.id_of(s): market.symbol_of(s) for s in reb.weights.index},
        "weights": {market.id_of(s): float(w) for s, w in reb.weights.items()},
        "nav_per_share": nav,
        "unit_scale": UNIT_SCALE,
        "units_per_share": {market.id_of(s): str(u) for s, u in new.units.items()},
        "basket_value": new.basket_value,
        "rounding_bps": new.rounding_bps,
        "supply": supply,
        "trades": [{"id": market.id_of(t.symbol), "symbol": market.symbol_of(t.symbol), "old_units": str(t.old_units), "new_units": str(t.new_units),
                    "amount_base_units": str(t.amount), "side": "buy" if t.amount > 0 else "sell" if t.amount < 0 else "hold",
                    "value_usd": t.value_usd} for t in tl.trades],
        "turnover": tl.turnover,
    }


def render_text(r: dict) -> str:
    lines = [f"{r['index']} rebalance — reference date {r['reference_date']}, effective {r['effective_date']}",
             f"universe {r['universe_size']} tokens, eligible {r['eligible_size']}; excluded: "
             + (", ".join(f"{k} {v}" for k, v in r["excluded"].items()) or "none"),
             "", f"{'rank':>4} {'symbol':<8} {'30d avg mcap':>16} {'30d avg volume':>16} {'prev':>4}"]
    for c in r["candidates"]:
        vol = "n/a" if c["avg_volume_30d"] is None else f"{c['avg_volume_30d']:,.0f}"
        lines.append(f"{c['rank']:>4} {c['symbol']:<8} {c['avg_market_cap_30d']:>16,.0f} {vol:>16} {'*' if c['in_previous'] else '':>4}")
    lines += ["", "buffer:"] + [f"  {b['symbol']:<8} {b['action']:<22} {b['reason']}" for b in r["buffer"]]
    lines += ["", f"NAV per share {r['nav_per_share']:,.4f} USD; units per share (× UNIT_SCALE=1e18), rounding {r['rounding_bps']:.2e} bps",
              f"{'symbol':<8} {'weight':>8} {'units per share':>40}"]
    for s, w in r["weights"].items():
        lines.append(f"{r['symbols'][s]:<8} {w:>8.4%} {r['units_per_share'][s]:>40}  {s}")
    lines += ["", f"trades for {r['supply']:,.0f} shares (base units), one-way turnover {r['turnover']:.2%}:"]
    for t in r["trades"]:
        lines.append(f"  {t['symbol']:<8} {t['side']:<4} {t['amount_base_units']:>32} ({t['value_usd']:+,.2f} USD)")
    return "\n".join(lines)
