"""``index status``: basket, supply, NAV at given prices, reserve coverage of every claim, fee owed, open requests."""

from __future__ import annotations

from typing import Any

from ssi.ops.chainview import all_requests, basket, request_row
from ssi.ops.custodian import coverage
from ssi.ops.market import value_per_share, weights_of
from ssi.ops.session import Session, iso
from ssi.chain.protocol import WAD, required_reserve


def report_state(s: Session, token: Any, version: int, as_of: int, now: int, max_age: int) -> tuple[str, str | None]:
    """Whether the last report of ``version`` still describes the reserves: ``current``, ``stale`` or ``none``.

    A report goes stale with age (the oracle's maximum), and as soon as a redemption is filled
    after it: the custodian releases assets the report still counts. (Mints settled after it are
    covered by it: settlement needs a report that counts their delivery.)"""
    if not as_of:
        return "none", "no reserve report for this basket"
    if now - as_of > max_age:
        return "stale", f"older than the oracle's maximum age of {max_age} s"
    dep = s.deployment
    start, stop = s.book.deploy_block, int(s.chain.blocks.height) + 1
    reported = [int(log.block_number) for log in dep.oracle.ReserveReported.range(
        start, stop, search_topics={"index": token.address, "basket_version": version})]
    filled = [int(log.block_number) for log in dep.issuer.RedeemFilled.range(
        start, stop, search_topics={"index": token.address})]
    if reported and filled and max(filled) > max(reported):
        return "stale", "a redemption was filled after it"
    return "current", None


def index_status(s: Session, symbol: str, prices: dict[str, float], prices_source: str) -> dict[str, Any]:
    entry = s.book.index(symbol)
    token = s.token(entry.symbol)
    dep = s.deployment
    version = int(dep.registry.version(token))
    current = basket(s, token, version)
    up = basket(s, token, version, round_up=True)
    supply = int(token.totalSupply())
    nav = value_per_share(current.units, prices, current.decimals)
    balances, as_of = dep.oracle.reserves(token, version)
    balances = [int(b) for b in balances]
    max_age = int(dep.oracle.max_report_age())
    now = s.now()
    # The fee is paid in index shares to the treasury; what is owed and not yet minted is a claim.
    fee_owed_shares = int(dep.registry.pending_fee_shares(token))
    claims = int(dep.issuer.claims(token))
    state, reason = report_state(s, token, version, int(as_of), now, max_age)
    current_figures = state == "current"
    assets = []
    for i, sym in enumerate(current.symbols):
        need = required_reserve(claims, up.units[sym])
        held = balances[i] if i < len(balances) else 0
        assets.append({
            "symbol": sym, "decimals": current.decimals[sym], "units_per_share": str(current.units[sym]),
            "per_share": current.units[sym] / 10 ** current.decimals[sym] / 1e18, "price": prices[sym],
            "weight": weights_of(current.units, prices, current.decimals)[sym],
            "required": str(need), "reserve": str(held),
            "coverage_pct": coverage(held, need) if current_figures else None,
            "coverage_pct_at_last_report": coverage(held, need) if as_of else None,
        })
    pending = int(dep.registry.pending_version(token))
    cash_dec = int(s.book.cash_token["decimals"])
    open_requests = [request_row(r, st, entry.symbol, cash_dec) for r, st in all_requests(s, entry.address)
                     if st in ("open", "delivered")]
    factor = int(dep.registry.current_fee_factor(token))
    return {
        "index": entry.symbol,
        "address": entry.address,
        "network": s.network_choice,
        "chain_time": iso(now),
        "basket_version": version,
        "pending_version": pending or None,
        "pending_effective_at": iso(int(dep.registry.effective_at(token))) if pending else None,
        "supply": supply / 10**18,
        "prices_source": prices_source,
        "nav_per_share": nav,
        "nav_total": nav * supply / 10**18,
        "assets": assets,
        "report_as_of": iso(as_of) if as_of else None,
        "report_age_s": now - int(as_of) if as_of else None,
        "report_fresh": bool(as_of) and now - int(as_of) <= max_age,
        "report_state": state,  # current, stale or none: coverage and accrued fee only when current
        "report_stale_reason": reason,
        "min_coverage_pct": min((a["coverage_pct"] for a in assets), default=0.0) if current_figures else None,
        "fee_factor": factor / WAD,
        "fee_taken_since_launch_pct": (1 - factor / WAD) * 100,
        "claims": claims / 10**18,
        "fee_shares_owed": fee_owed_shares / 10**18,
        "fee_owed_usd": fee_owed_shares / 10**18 * nav,
        "open_requests": open_requests,
    }
