"""The keeper: the permissionless steps nobody else takes.

- Settles every delivered mint that the last report backs (``trading.settle``), as soon as a
  ``ReserveReported`` event says a new report is in, and on every tick for anything missed.
- Activates a pending basket once it is due and a report backs it (``compiler.activate``).
- Accrues the management fee (``Issuer.accrue_fee``: fee shares to the treasury) when asked,
  which Silverback does on a cron schedule, at most once per ``fee_every`` seconds of chain time.

Everything it does is derived from chain state (a settled mint is not delivered any more, an
activated basket is not pending), so a restart cannot make it act twice.
"""

from __future__ import annotations

from typing import Any

from ssi.chain.eip712 import MINT
from ssi.chain.protocol import Request, activate_gate, settle_gate
from ssi.ops import compiler, trading
from ssi.ops.chainview import all_requests, find_request
from ssi.ops.errors import call_or_refuse
from ssi.ops.session import Session
from ssi.operators.base import Operator
from ssi.operators.journal import Journal


class KeeperOperator(Operator):
    role = "keeper"

    def __init__(self, s: Session, account: Any, *, fee_every: int = 86_400, journal: Journal | None = None,
                 logger: Any = None) -> None:
        super().__init__(s, journal, logger)
        self.account = account
        self.fee_every = fee_every
        self.delivered: dict[int, Request] | None = None  # delivered, unsettled mints (seeded on first use)

    def watched(self) -> list[Any]:
        dep = self.s.deployment
        return [dep.issuer.MintDelivered, dep.oracle.ReserveReported]

    def _open(self) -> dict[int, Request]:
        if self.delivered is None:  # first use (or after a restart): every delivered mint on chain
            self.delivered = {r.id: r for r, status in all_requests(self.s) if r.side == MINT and status == "delivered"}
        return self.delivered

    def on_event(self, log: Any) -> None:
        if log.event_name == "MintDelivered":
            self._open()[int(log.id)] = find_request(self.s, int(log.id))
        self.settle_backed(str(log.index))

    def tick(self) -> None:
        self.settle_backed()
        self.activate_due()

    def settle_backed(self, index: str | None = None) -> None:
        dep = self.s.deployment
        for rid, r in sorted(self._open().items()):
            if index is not None and r.index.lower() != index.lower():
                continue
            if int(dep.issuer.request_status(rid)) != 2:  # settled, cancelled or rejected by someone else
                del self._open()[rid]
                continue
            token = self.s.project.IndexToken.at(r.index)
            if not bool(dep.oracle.is_backed(*settle_gate(dep, token, r).args())):
                continue  # waits for the custodian's report
            if self.act(f"settle mint request {rid}", trading.settle, self.s, self.account, rid) is not None:
                del self._open()[rid]

    def activate_due(self) -> None:
        dep = self.s.deployment
        for entry in self.s.book.indices.values():
            token = self.s.token(entry.symbol)
            pending = int(dep.registry.pending_version(token))
            if not pending or self.s.next_timestamp() < int(dep.registry.effective_at(token)):
                continue
            if not bool(dep.oracle.is_backed(*activate_gate(dep, token).args())):
                continue  # waits for the PMM's trades and the custodian's report of the new basket
            self.act(f"activate {entry.symbol} basket v{pending}", compiler.activate, self.s, self.account,
                     entry.symbol, once=f"activate {entry.symbol}")

    def accrue_fees(self) -> None:
        """Mint the management fee of every index to its treasury, at most once per ``fee_every`` s."""
        with self.lock:
            last = self.journal.notes.setdefault("fee_accrued_at", {})
            now = self.s.now()
            for entry in self.s.book.indices.values():
                if now - int(last.get(entry.symbol, 0)) < self.fee_every:
                    continue
                token = self.s.token(entry.symbol)
                issuer = self.s.deployment.issuer
                receipt = self.act(f"accrue the management fee of {entry.symbol}", call_or_refuse, "accrue fee",
                                   issuer.accrue_fee, token, sender=self.account)
                if receipt is not None:
                    minted = receipt.decode_logs(issuer.FeeSharesMinted)
                    shares = int(minted[0].shares) if minted else 0
                    self.log.info(f"keeper: {shares / 1e18:,.6f} fee shares of {entry.symbol} to the treasury")
                    last[entry.symbol] = now
                    self.journal.save()
