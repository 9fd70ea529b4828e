"""Reading an index's state back from the chain: baskets, decimals and requests."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssi.ops.errors import OpsError
from ssi.ops.session import Session, iso
from ssi.ops.tables import tokens
from ssi.chain.protocol import STATUS, Request, symbol_of


@dataclass(frozen=True)
class BasketView:
    """A basket version: symbols in basket order, units per share and decimals."""

    version: int
    units: dict[str, int]
    decimals: dict[str, int]

    @property
    def symbols(self) -> list[str]:
        return list(self.units)


def basket(s: Session, token: Any, version: int, round_up: bool = False) -> BasketView:
    registry = s.deployment.registry
    ids, _ = registry.basket(token, version)
    units = registry.effective_units(token, version, round_up)
    symbols = [symbol_of(bytes(i)) for i in ids]
    decimals = {sym: int(registry.assets(bytes(i)).decimals) for sym, i in zip(symbols, ids)}
    return BasketView(version, {sym: int(u) for sym, u in zip(symbols, units)}, decimals)


def _logs(s: Session, event: Any, **topics: Any) -> list[Any]:
    start = s.book.deploy_block
    stop = int(s.chain.blocks.height) + 1
    return list(event.range(start, stop, search_topics=topics or None))


def find_request(s: Session, request_id: int) -> Request:
    """The request as the Issuer stored it (from its ``MintRequested``/``RedeemRequested`` event)."""
    issuer = s.deployment.issuer
    for event in (issuer.MintRequested, issuer.RedeemRequested):
        logs = _logs(s, event, id=request_id)
        if logs:
            return Request.from_log(logs[0])
    raise OpsError(f"unknown request {request_id} on {s.network_choice}")


def all_requests(s: Session, index: str | None = None) -> list[tuple[Request, str]]:
    """Every request (of one index, if given) with its status, by id."""
    issuer = s.deployment.issuer
    topics = {"index": index} if index else {}
    found = [Request.from_log(log) for event in (issuer.MintRequested, issuer.RedeemRequested)
             for log in _logs(s, event, **topics)]
    found.sort(key=lambda r: r.id)
    return [(r, STATUS[int(issuer.request_status(r.id))]) for r in found]


def request_row(r: Request, status: str, symbol: str, cash_decimals: int) -> dict[str, Any]:
    return {
        "id": r.id,
        "index": symbol,
        "side": "mint" if r.side == 0 else "redeem",
        "status": status,
        "wlp": r.wlp,
        "pmm": r.pmm,
        "shares": r.shares / 10**18,
        "cash": r.cash / 10**cash_decimals,
        "fee": r.fee / 10**cash_decimals,
        "exact": {"shares": tokens(r.shares, 18), "cash": tokens(r.cash, cash_decimals),
                  "fee": tokens(r.fee, cash_decimals)},  # in the tokens' decimals, unrounded
        "cancel_after": r.cancel_after,
        "cancel_after_utc": iso(r.cancel_after),
    }
