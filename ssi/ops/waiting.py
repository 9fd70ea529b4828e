"""A WLP's open requests: how old each is and what it waits for next."""

from __future__ import annotations

from typing import Any

from ssi.ops.chainview import _logs
from ssi.ops.errors import OpsError
from ssi.ops.session import Session, iso
from ssi.ops.tables import tokens
from ssi.chain.eip712 import MINT
from ssi.chain.protocol import STATUS, Request, settle_gate


def age_text(seconds: int) -> str:
    """``93784`` -> ``1d 2h 03m``."""
    days, rest = divmod(max(0, int(seconds)), 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes = rest // 60
    return (f"{days}d " if days else "") + f"{hours}h {minutes:02d}m"


def _waits_for(s: Session, r: Request, status: str) -> tuple[str, str]:
    """What the request waits for, and the command that moves it on."""
    if r.side != MINT:
        return "the PMM's fill", f"ape run pmm fill --request {r.id} --approve (PMM)"
    if status == "open":
        return "the PMM's delivery of the basket", f"ape run pmm deliver --request {r.id} (PMM)"
    dep = s.deployment
    token = s.project.IndexToken.at(r.index)
    try:
        dep.oracle.check_backing(*settle_gate(dep, token, r).args())
    except Exception:  # noqa: BLE001 - the oracle's revert says the report does not back it yet
        return ("a fresh reserve report covering it",
                f"ape run custodian report --index {s.book.symbol_at(r.index)} (custodian), then settle")
    return "settlement (backed now)", f"ape run wlp settle --request {r.id}"


def my_requests(s: Session, wlp: str, index: str | None = None) -> list[dict[str, Any]]:
    """Open and delivered requests of ``wlp`` (of one index, if given), oldest first."""
    issuer = s.deployment.issuer
    topics: dict[str, Any] = {"wlp": wlp}
    if index is not None:
        topics["index"] = s.book.index(index).address
    logs = [log for event in (issuer.MintRequested, issuer.RedeemRequested) for log in _logs(s, event, **topics)]
    logs.sort(key=lambda log: int(log.id))
    now = s.next_timestamp()
    dec, unit = int(s.book.cash_token["decimals"]), s.book.cash_token["symbol"]
    rows = []
    for log in logs:
        r = Request.from_log(log)
        status = STATUS.get(int(issuer.request_status(r.id)), "unknown")
        if status not in ("open", "delivered"):
            continue
        if log.block_number is None:
            raise OpsError(f"request {r.id}: its event has no block")
        opened = int(s.chain.blocks[int(log.block_number)].timestamp)
        waits, command = _waits_for(s, r, status)
        rows.append({
            "id": r.id,
            "index": s.book.symbol_at(r.index),
            "side": "mint" if r.side == MINT else "redeem",
            "status": status,
            "shares": tokens(r.shares, 18),
            "cash": f"{tokens(r.cash, dec)} {unit}",
            "fee": f"{tokens(r.fee, dec)} {unit}",
            "opened": iso(opened),
            "age_s": now - opened,
            "age": age_text(now - opened),
            "waits_for": waits,
            "next": command,
            "cancellable_from": iso(r.cancel_after),
            "cancellable_now": now >= r.cancel_after,
        })
    return rows
