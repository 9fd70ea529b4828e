"""The custodian operator: pays what leaves the reserves, then reports what it really holds.

- ``RedeemFilled`` and ``BasketOwed``: release the event's units to the PMM (local chain: mock
  asset transfers from the custodian wallet, ``ssi.chain.localchain.release``), one asset at a
  time, each journaled at the wallet's nonce before it is sent (``Operator.send_once``), so that
  a restart never pays an asset twice, not even after a crash between the transfer and its record.
- Then, and after every ``MintDelivered``: when the index's last report no longer backs every
  claim dated at or after the latest delivery and outflow, sign and post a report of the real
  holdings (``ssi.ops.custodian.report``: local chain, the wallet's balances; elsewhere a holdings
  file). ``wait_blocks`` is the custodian's deliberate wait after a delivery (for the assets to
  settle on its books) before it reports; 0 reports at once.
- A pending basket that is due and fully held (the PMM traded to it): report it, so it can activate.
"""

from __future__ import annotations

from typing import Any

from ssi.chain.localchain import custodian_holdings, release
from ssi.chain.protocol import claims_of, required_reserve
from ssi.ops import custodian
from ssi.ops.chainview import basket
from ssi.ops.release import OWED_BACK, REDEMPTION, mark_paid, release_key
from ssi.ops.txlog import hex_str
from ssi.ops.session import Session
from ssi.operators.base import Operator, Retry
from ssi.operators.journal import Journal, event_key


class CustodianOperator(Operator):
    role = "custodian"

    def __init__(self, s: Session, sender: Any, signers: list[Any], *, wait_blocks: int = 0,
                 holdings_file: str | None = None, journal: Journal | None = None, logger: Any = None) -> None:
        super().__init__(s, journal, logger)
        self.sender = sender
        self.signers = signers
        self.wait_blocks = wait_blocks
        self.holdings_file = holdings_file

    def watched(self) -> list[Any]:
        issuer = self.s.deployment.issuer
        return [issuer.MintDelivered, issuer.RedeemFilled, issuer.BasketOwed]

    # -- events -------------------------------------------------------------------------------

    def on_event(self, log: Any) -> None:
        index = str(log.index)
        if self.s.book.symbol_at(index) == index:
            return  # not an index of this deployment
        if log.event_name == "MintDelivered":
            seen = self.journal.notes.setdefault("delivery", {})
            block, at = seen.get(index, (0, 0))
            seen[index] = (max(block, int(log.block_number)), max(at, int(log.delivered_at)))
            self.journal.save()
        else:
            self._release(log)
        self.report_if_needed(index, handling=event_key(log))

    def _release(self, log: Any) -> None:
        """Pay the units of a fill or a refunded delivery to the PMM, each asset once.

        On the local chain the obligation is also recorded as paid in the deployments file, the
        ledger `ape run custodian release` reads: one that command paid already is not paid here,
        and one paid here is not paid by the command."""
        key = event_key(log)
        token = self.s.project.IndexToken.at(log.index)
        view = basket(self.s, token, int(log.basket_version))
        units = {sym: int(u) for sym, u in zip(view.symbols, log.units)}
        if not self.s.is_local:
            self.log.info(f"custodian: {log.event_name} {int(log.id)}: release to {log.pmm} off-chain: "
                          + ", ".join(f"{k} {v}" for k, v in units.items()))
            return
        ledger = release_key(REDEMPTION if log.event_name == "RedeemFilled" else OWED_BACK, int(log.id),
                             hex_str(log.block_hash))
        self.s.reload_book()  # `custodian release --send` in another process writes the ledger
        sent = self.journal.notes.get("sent", {})
        if ledger in self.s.book.local.get("released", []) and not any(k.startswith(f"{key}:") for k in sent):
            self.log.info(f"custodian: {log.event_name} {int(log.id)} already paid (deployments file): not paid again")
            return
        wallet = self.s.account(None, "custodian_wallet")
        for sym, amount in units.items():  # each asset once: send_once journals it by its nonce
            if amount and not self.send_once(f"{key}:{sym}", f"release {sym} for {log.event_name} {int(log.id)}",
                                             wallet, release, self.s.mock_assets(), wallet, str(log.pmm), {sym: amount}):
                raise Retry(f"release of {sym} failed")
        mark_paid(self.s, ledger)

    # -- chain state --------------------------------------------------------------------------

    def tick(self) -> None:
        for entry in self.s.book.indices.values():
            self.report_if_needed(entry.address)

    def _unpaid_outflow(self, index: str, handling: str | None) -> bool:
        """A fill or a basket owed back of ``index`` whose release this operator has not paid yet."""
        issuer = self.s.deployment.issuer
        start = max(self.journal.last_block + 1, self.s.book.deploy_block)
        stop = int(self.s.chain.blocks.height) + 1
        return any(not self.journal.seen(key) and key != handling
                   for event in (issuer.RedeemFilled, issuer.BasketOwed)
                   for key in (event_key(x) for x in event.range(start, stop, search_topics={"index": index})))

    def report_if_needed(self, index: str, handling: str | None = None) -> None:
        """Post a report when the last one does not back every claim dated after the latest flow,
        and never before every release is paid (``handling``: the event being handled, paid now)."""
        dep = self.s.deployment
        symbol = self.s.book.symbol_at(index)
        token = self.s.token(symbol)
        claims = claims_of(dep, token)
        if claims == 0:
            return
        pending = int(dep.registry.pending_version(token))
        _, last_outflow = (int(x) for x in dep.issuer.flows(token))
        if self._unpaid_outflow(index, handling):
            return  # a release not paid yet (its event is still ahead of this operator): pay first, then report
        if pending and self.s.next_timestamp() >= int(dep.registry.effective_at(token)) and self._holds(token, pending):
            if not bool(dep.oracle.is_backed(index, pending, claims, last_outflow)):
                self._report(symbol, "pending")
            return  # the holdings are the new basket's now: a report of the current one would be short
        block, delivered_at = self.journal.notes.get("delivery", {}).get(index, (0, 0))
        if block and int(self.s.chain.blocks.height) < block + self.wait_blocks:
            return  # the deliberate wait
        version = int(dep.registry.version(token))
        if not bool(dep.oracle.is_backed(index, version, claims, max(delivered_at, last_outflow))):
            self._report(symbol, "current")

    def _report(self, symbol: str, version: str) -> None:
        result = self.act(f"report {symbol} ({version} basket)", custodian.report, self.s, self.sender, self.signers,
                          symbol, version=version, holdings_file=self.holdings_file, once=f"report {symbol}")
        if result is not None:
            low = min(result.coverage_pct.values())
            self.log.info(f"custodian: report #{result.nonce} of {symbol} v{result.version}: lowest coverage {low:.4f}%")

    def _holds(self, token: Any, version: int) -> bool:
        if not self.s.is_local:
            return True  # the holdings file is the custodian's word: report what it says
        view = basket(self.s, token, version, round_up=True)
        if any(sym not in self.s.mock_assets().tokens for sym in view.symbols):
            return False
        claims = claims_of(self.s.deployment, token)
        held = custodian_holdings(self.s.mock_assets(), self.s.custodian_wallet(), view.symbols)
        return all(h >= required_reserve(claims, view.units[sym]) for sym, h in zip(view.symbols, held))
