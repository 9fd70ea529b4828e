"""Text renderings of the role operations' results (the scripts print these; --json prints the data)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ssi.ops.tables import amount, pct, table, tokens, usd
from ssi.ops.waiting import age_text


def render_status(st: dict[str, Any]) -> str:
    current = st["report_state"] == "current"
    rows = [(a["symbol"], pct(a["weight"] * 100), amount(a["per_share"]), usd(a["price"], 4),
             pct(a["coverage_pct"]) if current else "stale")
            for a in st["assets"]]
    pending = f", pending v{st['pending_version']} from {st['pending_effective_at']}" if st["pending_version"] else ""
    if st["report_as_of"] is None:
        report = "reserve report: none for this basket; coverage unknown"
    elif current:
        report = (f"reserve report: as of {st['report_as_of']}, {age_text(st['report_age_s'])} old, current; "
                  f"lowest coverage {pct(st['min_coverage_pct'])}")
    else:
        report = (f"reserve report: as of {st['report_as_of']}, {age_text(st['report_age_s'])} old, STALE "
                  f"({st['report_stale_reason']}); coverage withheld until a new report")
    lines = [
        f"{st['index']} at {st['address']} on {st['network']}, chain time {st['chain_time']}",
        report,
        f"basket v{st['basket_version']}{pending}; supply {st['supply']:,.6f} shares",
        f"NAV {usd(st['nav_per_share'], 4)} per share, {usd(st['nav_total'])} in total (prices: {st['prices_source']})",
        f"management fee: {st['fee_taken_since_launch_pct']:.4f}% of a share's basket since launch, paid in shares; "
        f"{st['fee_shares_owed']:,.6f} shares ({usd(st['fee_owed_usd'])}) owed to the treasury, not yet minted",
        f"claims on the reserves: {st['claims']:,.6f} shares (supply + fee shares owed + delivered mints)",
        "",
        table(["asset", "weight", "per share", "price", "coverage"], rows),
        "",
    ]
    if st["open_requests"]:
        lines.append(render_requests(st["open_requests"]))
    else:
        lines.append("no open requests")
    return "\n".join(lines)


def render_requests(rows: list[dict[str, Any]]) -> str:
    return table(["id", "side", "status", "shares", "cash", "fee", "wlp", "cancel after"],
                 [(r["id"], r["side"], r["status"], r["exact"]["shares"], r["exact"]["cash"], r["exact"]["fee"],
                   r["wlp"][:10] + "…", r["cancel_after_utc"])
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


def render_report(r: Any, verb: str = "posted") -> str:
    rows = [(sym, tokens(bal, r.decimals[sym]), tokens(r.required[sym], r.decimals[sym]), pct(r.coverage_pct[sym]))
            for sym, bal in r.balances.items()]
    lowest = min(r.coverage_pct.values(), default=float("inf"))
    return (f"{verb} reserve report #{r.nonce} for {r.index} basket v{r.version}, as of "
            f"{dt.datetime.fromtimestamp(r.as_of, dt.timezone.utc):%Y-%m-%d %H:%M:%S} UTC, "
            + (f"signed by {len(r.signers)} custodian signer(s); " if verb == "posted" else "")
            + f"lowest coverage {pct(lowest)}"
            f"{' (FORCED: below 100%)' if lowest < 100 else ''}\n"
            + table(["asset", "held", f"required for {r.supply:,.6f} shares", "coverage"], rows))


def render_waiting(rows: list[dict[str, Any]]) -> str:
    """``wlp requests``: each open request, its age and what it waits for."""
    table_rows = [(r["id"], r["index"], r["side"], r["status"], r["shares"], r["cash"], r["age"], r["waits_for"],
                   "now" if r["cancellable_now"] else r["cancellable_from"]) for r in rows]
    nexts = "\n".join(f"  request {r['id']}: {r['next']}" for r in rows)
    return (table(["id", "index", "side", "status", "shares", "cash", "age", "waits for", "cancellable"], table_rows)
            + "\n\nnext:\n" + nexts)


def render_releases(rows: list[Any]) -> str:
    """``custodian release``: each outflow, to whom, in each asset's decimals, paid or pending."""
    out = []
    for o in rows:
        head = (f"{o.kind} {o.request} of {o.index} (block {o.block}, basket v{o.version}) to {o.to}: {o.status}")
        body = table(["asset", "amount"], [(k, tokens(v, o.decimals[k])) for k, v in o.amounts.items()])
        out.append(head + "\n" + body)
    pending = sum(1 for o in rows if o.status == "pending")
    return "\n\n".join(out) + f"\n\n{len(rows)} outflow(s), {pending} pending"
