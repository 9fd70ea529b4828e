"""What the custodian must send, to whom: the outflows the Issuer records.

Two events oblige the custodian to send assets out of an index's reserves:

- ``RedeemFilled``: a filled redemption; the basket ``units`` go to the request's PMM, who paid the WLP;
- ``BasketOwed``: a delivered mint that was rejected or cancelled; its basket goes back to its PMM.

Each carries the amounts in base units of the basket version it names. On the local chain the
custodian is a wallet of mock tokens, and a release this tool made (``pmm fill`` or
``custodian release --send``) is recorded in the deployments file, so each obligation is shown as
``paid`` or ``pending``. Elsewhere the custodian pays off-chain from its own books and the chain
cannot tell: the status is ``unknown`` and nothing is sent.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssi.chain.localchain import release as local_release
from ssi.ops.chainview import basket
from ssi.ops.errors import OpsError
from ssi.ops.preflight import call_first
from ssi.ops.session import Session
from ssi.ops.tables import tokens
from ssi.ops.txlog import hex_str

REDEMPTION = "redemption"
OWED_BACK = "basket owed"


@dataclass(frozen=True)
class Obligation:
    """One outflow the chain recorded: ``amounts`` of each asset to send to ``to``."""

    kind: str  # REDEMPTION or OWED_BACK
    request: int
    index: str  # symbol
    to: str
    block: int
    version: int
    tx: str  # hash of the transaction that recorded it
    block_hash: str  # of its block: with the request, what identifies it in the deployments file
    amounts: dict[str, int]  # base units
    decimals: dict[str, int]
    status: str  # paid, pending or unknown

    @property
    def key(self) -> str:
        return release_key(self.kind, self.request, self.block_hash)

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "request": self.request, "index": self.index, "to": self.to, "block": self.block,
                "transaction": self.tx, "basket_version": self.version, "status": self.status,
                "amounts": {k: tokens(v, self.decimals[k]) for k, v in self.amounts.items()},
                "amounts_base_units": {k: str(v) for k, v in self.amounts.items()}}


def release_key(kind: str, request: int, block_hash: str) -> str:
    """What the deployments file records of a paid obligation: its kind, its request and the hash of
    the block that recorded it (a transaction hash would repeat on a chain rolled back and replayed)."""
    return f"{'fill' if kind == REDEMPTION else 'owed'}:{request}:{block_hash.lower()}"


def mark_paid(s: Session, key: str) -> None:
    """Local chain: remember that the custodian wallet paid this obligation."""
    book = s.book
    paid = list(book.local.get("released", []))
    if key not in paid:
        paid.append(key)
    book.local["released"] = paid
    s.save()


def obligations(s: Session, symbol: str | None = None, request: int | None = None) -> list[Obligation]:
    """Every recorded outflow (of one index, of one request), oldest first."""
    issuer = s.deployment.issuer
    start, stop = s.book.deploy_block, int(s.chain.blocks.height) + 1
    topics: dict[str, Any] = {}
    if symbol is not None:
        topics["index"] = s.book.index(symbol).address
    if request is not None:
        topics["id"] = request
    paid = set(s.book.local.get("released", []))
    found: list[Obligation] = []
    views: dict[tuple[str, int], Any] = {}
    for kind, event, to_field in ((REDEMPTION, issuer.RedeemFilled, "pmm"), (OWED_BACK, issuer.BasketOwed, "pmm")):
        for log in event.range(start, stop, search_topics=topics or None):
            index, version = str(log.index), int(log.basket_version)
            if (index, version) not in views:
                views[(index, version)] = basket(s, s.project.IndexToken.at(index), version)
            view = views[(index, version)]
            amounts = {sym: int(u) for sym, u in zip(view.symbols, log.units)}
            tx = hex_str(log.transaction_hash)
            block_hash = hex_str(log.block_hash)
            key = release_key(kind, int(log.id), block_hash)
            status = ("paid" if key in paid else "pending") if s.book.local.get("custodian_wallet") else "unknown"
            found.append(Obligation(kind, int(log.id), s.book.symbol_at(index), str(getattr(log, to_field)),
                                    int(log.block_number), version, tx, block_hash, amounts, dict(view.decimals), status))
    found.sort(key=lambda o: (o.block, o.request))
    return found


def send_pending(s: Session, pending: list[Obligation]) -> list[Obligation]:
    """Local chain: transfer every pending obligation from the custodian wallet, after checking it can."""
    if not s.is_local:
        raise OpsError(f"--send moves mock assets on the local chain only; on {s.network_choice} the custodian "
                       "pays from its own books")
    assets = s.mock_assets()
    wallet = s.account(None, "custodian_wallet")
    need: dict[str, int] = {}
    for o in pending:
        for sym, v in o.amounts.items():
            need[sym] = need.get(sym, 0) + v
    missing = [sym for sym in need if sym not in assets.tokens]
    if missing:
        raise OpsError(f"no mock token for {', '.join(missing)} on the local chain")
    for sym, v in need.items():
        have = int(assets[sym].balanceOf(wallet.address))
        if have < v:
            dec = pending[0].decimals.get(sym, 18)
            raise OpsError(f"the custodian wallet holds {tokens(have, dec)} {sym}, the pending releases need "
                           f"{tokens(v, dec)}: nothing sent")
    for o in pending:
        for sym, v in o.amounts.items():
            if v > 0:
                call_first(f"release {sym}", assets[sym].transfer, o.to, v, sender=wallet)
        local_release(assets, wallet, o.to, o.amounts)
        mark_paid(s, o.key)
    return pending

