"""The PMM operator: delivers mints, fills redemptions, trades a due rebalance.

On ``MintRequested`` for one of its requests it buys the basket (on the local chain: mock assets,
``ssi.chain.localchain``) and records delivery (``trading.deliver``); on ``RedeemRequested`` it
fills (``trading.fill``, approving exactly the cash), leaving the release of the basket to the
custodian operator. A request outside its own limits is rejected on chain (``trading.reject``),
with the reason in the log and in the ``RequestRejected`` event's reason hash. When a pending
basket falls due, it trades the custodian's holdings to it (``trading.trade_to_pending``, local chain).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssi.chain.eip712 import MINT
from ssi.chain.localchain import deliver as local_deliver
from ssi.chain.protocol import STATUS, Request, required_reserve
from ssi.ops import trading
from ssi.ops.chainview import basket
from ssi.ops.session import Session
from ssi.ops.tables import tokens
from ssi.operators.base import Operator
from ssi.operators.journal import Journal


@dataclass(frozen=True)
class PmmLimits:
    """What this desk takes on, whatever it quoted. ``None``: no limit of its own."""

    max_shares: int | None = None  # per request, share-wei
    max_open_shares: int | None = None  # delivered and not yet settled, per index, share-wei
    min_seconds_left: int = 0  # refuse a request whose quote expires sooner than this


class PmmOperator(Operator):
    role = "pmm"

    def __init__(self, s: Session, pmm: Any, limits: PmmLimits | None = None, *, journal: Journal | None = None,
                 logger: Any = None) -> None:
        super().__init__(s, journal, logger)
        self.pmm = pmm
        self.limits = limits or PmmLimits()
        self._tried: set[tuple[str, int]] = set()  # rebalance trades attempted: a refusal is logged once

    def watched(self) -> list[Any]:
        issuer = self.s.deployment.issuer
        return [issuer.MintRequested, issuer.RedeemRequested]

    def on_event(self, log: Any) -> None:
        r = Request.from_log(log)
        if r.pmm.lower() != str(self.pmm.address).lower():
            return  # another desk's request
        status = STATUS[int(self.s.deployment.issuer.request_status(r.id))]
        if status != "open":
            return  # delivered, filled, rejected or cancelled already: nothing to do
        side = "mint" if r.side == MINT else "redeem"
        reason = self.outside_limits(r)
        if reason:
            self.refuse(f"{side} request {r.id}", reason)
            self.act(f"reject request {r.id}", trading.reject, self.s, self.pmm, r.id, reason)
            return
        if r.side == MINT:
            amounts = self.act(f"deliver mint request {r.id} ({tokens(r.shares, 18)} shares)",
                               trading.deliver, self.s, self.pmm, r.id, f"operator delivery {r.id}",
                               move=lambda amounts: self._buy(r.id, amounts))
            if amounts is not None:
                self.log.info("pmm: delivered " + ", ".join(f"{k} {v}" for k, v in amounts.items()))
        else:
            self.act(f"fill redeem request {r.id} ({tokens(r.shares, 18)} shares)",
                     trading.fill, self.s, self.pmm, r.id, approve=True, release=False)

    def _buy(self, rid: int, amounts: dict[str, int]) -> None:
        """Local chain: buy each asset to the custodian's address, each purchase journaled at the
        PMM's nonce first (``once``), so a restart in the middle buys only what is still missing."""
        assets, wallet = self.s.mock_assets(), self.s.custodian_wallet()
        for sym, amount in amounts.items():
            if amount == 0:
                continue

            def buy(sym: str = sym, amount: int = amount) -> bool:
                local_deliver(assets, self.pmm, wallet, {sym: amount})
                return True

            self.once(f"buy {rid}:{sym}", f"buy {sym} for mint request {rid}", self.pmm, buy)

    def outside_limits(self, r: Request) -> str:
        """Why this desk will not take the request on ('' when it will)."""
        lim = self.limits
        if lim.max_shares is not None and r.shares > lim.max_shares:
            return f"{tokens(r.shares, 18)} shares is above this desk's limit of {tokens(lim.max_shares, 18)} per request"
        left = r.deadline - self.s.next_timestamp()
        if left < lim.min_seconds_left:
            return f"the quote expires in {left} s, under this desk's {lim.min_seconds_left} s"
        if r.side == MINT and lim.max_open_shares is not None:
            pending, _ = (int(x) for x in self.s.deployment.issuer.flows(r.index))
            if pending + r.shares > lim.max_open_shares:
                return (f"delivered unsettled shares would reach {tokens(pending + r.shares, 18)}, above this desk's "
                        f"limit of {tokens(lim.max_open_shares, 18)}")
        return ""

    def tick(self) -> None:
        """A due pending basket that the custodian does not hold yet: trade to it (local chain)."""
        if not self.s.is_local:
            return  # elsewhere the desk trades on its venues; the custodian reports what arrives
        for entry in self.s.book.indices.values():
            token = self.s.token(entry.symbol)
            reg = self.s.deployment.registry
            pending = int(reg.pending_version(token))
            if not pending or self.s.next_timestamp() < int(reg.effective_at(token)):
                continue
            if (entry.symbol, pending) in self._tried or self._holds(token, pending):
                continue
            self._tried.add((entry.symbol, pending))
            self.act(f"trade {entry.symbol} to basket v{pending}", trading.trade_to_pending, self.s, self.pmm,
                     entry.symbol, once=f"trade {entry.symbol}")

    def _holds(self, token: Any, version: int) -> bool:
        """The custodian wallet already covers every claim at ``version``'s units: traded already."""
        from ssi.chain.localchain import custodian_holdings
        from ssi.chain.protocol import claims_of

        view = basket(self.s, token, version, round_up=True)
        if any(sym not in self.s.mock_assets().tokens for sym in view.symbols):
            return False  # trade_to_pending will say which asset has no mock token
        claims = claims_of(self.s.deployment, token)
        held = custodian_holdings(self.s.mock_assets(), self.s.custodian_wallet(), view.symbols)
        return all(h >= required_reserve(claims, view.units[sym]) for sym, h in zip(view.symbols, held))
