"""Text renderings of the role operations' results (the scripts print these; --json prints the data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ssi.ops.tables import amount, pct, table, usd


def render_status(st: dict[str, Any]) -> str:
    rows = [(a["symbol"], pct(a["weight"] * 100), amount(a["per_share"]), usd(a["price"], 4), pct(a["coverage_pct"]),
             amount(a["accrued_fee"])) for a in st["assets"]]
    pending = f", pending v{st['pending_version']} from {st['pending_effective_at']}" if st["pending_version"] else ""
    report = (f"last reserve report {st['report_as_of']} ({'fresh' if st['report_fresh'] else 'stale'})"
              if st["report_as_of"] else "no reserve report for this basket")
    lines = [
        f"{st['index']} at {st['address']} on {st['network']}, chain time {st['chain_time']}",
        f"basket v{st['basket_version']}{pending}; supply {st['supply']:,.6f} shares",
        f"NAV {usd(st['nav_per_share'], 4)} per share, {usd(st['nav_total'])} in total (prices: {st['prices_source']})",
        f"{report}; lowest coverage {pct(st['min_coverage_pct'])}",
        f"management fee: {st['fee_taken_since_launch_pct']:.4f}% of the basket since launch; "
        f"accrued in reserves {usd(st['accrued_fee_usd'])}",
        "",
        table(["asset", "weight", "per share", "price", "coverage", "accrued fee"], rows),
        "",
    ]
    if st["open_requests"]:
        lines.append(render_requests(st["open_requests"]))
    else:
        lines.append("no open requests")
    return "\n".join(lines)


def render_requests(rows: list[dict[str, Any]]) -> str:
    return table(["id", "side", "status", "shares", "cash", "fee", "wlp", "cancel after"],
                 [(r["id"], r["side"], r["status"], amount(r["shares"]), amount(r["cash"]), amount(r["fee"]),
                   r["wlp"][:10] + "…", dt.datetime.fromtimestamp(r["cancel_after"], dt.timezone.utc).strftime("%Y-%m-%d %H:%M"))
                  for r in rows])


def render_plan(plan: Any) -> str:
    """A rebalance preview: old vs new weights and units, trades for the whole supply, NAV."""
    symbols = list(dict.fromkeys(list(plan.old_units) + list(plan.new_units)))
    rows = []
    for sym in symbols:
        d = plan.decimals[sym]
        rows.append((sym, pct(plan.old_weights.get(sym, 0) * 100), pct(plan.new_weights.get(sym, 0) * 100),
                     amount(plan.old_units.get(sym, 0) / 10**d / 1e18), amount(plan.new_units.get(sym, 0) / 10**d / 1e18)))
    trades = [(t["symbol"], t["side"], amount(abs(t["amount"])), usd(t["value_usd"])) for t in plan.trades]
    verdict = "within" if plan.within_tolerance else "OUTSIDE"
    lines = [
        f"{plan.index} rebalance: reference {plan.reference}, effective {plan.effective} "
        f"(on chain from {dt.datetime.fromtimestamp(plan.effective_at, dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC)",
        f"prices: {plan.prices_source}; current basket v{plan.current_version}",
        "",
        table(["asset", "old weight", "new weight", "old per share", "new per share"], rows),
        "",
        table(["asset", "side", "amount", "value"], trades,
              title=f"trades for the whole supply ({plan.supply:,.6f} shares), one-way turnover {pct(plan.turnover * 100)}:"),
        "",
        f"NAV per share at these prices: before {usd(plan.nav_before, 6)}, after {usd(plan.nav_after, 6)} "
        f"({plan.nav_diff_bps:+.6f} bps; {verdict} the {plan.tolerance_bps} bps tolerance)",
    ]
    if plan.unregistered:
        lines.append(f"not registered yet: {', '.join(plan.unregistered)}")
    return "\n".join(lines)


def render_report(r: Any) -> str:
    rows = [(sym, f"{bal:,}", f"{r.required[sym]:,}", pct(r.coverage_pct[sym])) for sym, bal in r.balances.items()]
    return (f"posted reserve report #{r.nonce} for {r.index} basket v{r.version}, as of "
            f"{dt.datetime.fromtimestamp(r.as_of, dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC, "
            f"signed by {len(r.signers)} custodian signer(s)\n"
            + table(["asset", "held (base units)", f"required for {r.supply:,.6f} shares", "coverage"], rows))
