"""What every operator shares: a session, a journal, one lock, and a log of what it sent.

An operator's handlers are plain methods: ``handle(log)`` for a contract event and ``tick()``
for the checks that follow chain state rather than an event (a basket falling due). ``sweep()``
replays every watched event since the journal's last block, in chain order, then ticks: it is
what a restarted operator runs first and what the block handler runs on every new block, so an
event missed while the process was down (or between two subscriptions) is still handled, once.
"""

from __future__ import annotations

import logging
import threading
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ssi.ops.errors import OpsError, revert_reason
from ssi.ops.session import Session
from ssi.ops.txlog import Sent, sent
from ssi.operators.journal import Journal, event_key


@dataclass
class Action:
    """One thing an operator did (or refused), with the transactions it sent."""

    role: str
    what: str
    ok: bool
    detail: str = ""
    txs: list[Sent] = field(default_factory=list)
    at: float = field(default_factory=time.time)

    def line(self) -> str:
        sent_part = "; ".join(f"{t.call} {t.hash} block {t.block}" for t in self.txs) or "nothing sent"
        verdict = "" if self.ok else "REFUSED "
        return f"{self.role}: {verdict}{self.what}" + (f" ({self.detail})" if self.detail else "") + f" -> {sent_part}"


class Retry(Exception):
    """Raised by a handler that could not finish: the event stays unhandled and the next sweep retries it."""


class Operator:
    """Base of the PMM, custodian and keeper operators."""

    role = "operator"

    def __init__(self, s: Session, journal: Journal | None = None, logger: logging.Logger | None = None) -> None:
        self.s = s
        self.journal = journal or Journal.open(self.role, s.network_choice, s.chain_id, s.genesis_hash(),
                                               in_memory=s.book_file is None)
        self.log = logger or logging.getLogger(f"ssi.operators.{self.role}")
        self.lock = threading.RLock()  # Silverback runs handlers concurrently: one action at a time
        self.actions: list[Action] = []
        self._last_refusal: dict[str, str] = {}  # by ``once`` key: the same refusal is logged once

    # -- what to watch ------------------------------------------------------------------------

    def watched(self) -> list[Any]:
        """The contract events this operator handles (Ape ``ContractEvent`` objects)."""
        return []

    def on_event(self, log: Any) -> None:
        """Handle one event; called at most once per event (the journal says which were handled)."""

    def tick(self) -> None:
        """Checks of chain state that no event announces (a basket falling due, a schedule)."""

    # -- entry points -------------------------------------------------------------------------

    def handle(self, log: Any) -> None:
        """An event from Silverback or from a sweep: handled once, whoever delivers it first."""
        key = event_key(log)
        with self.lock:
            if self.journal.seen(key):
                return
            try:
                self.on_event(log)
            except Retry as exc:
                self.log.warning(f"{self.role}: {log.event_name} at block {log.block_number} left for a retry: {exc}")
                return
            self.journal.mark(key, int(log.block_number))

    def sweep(self, head: int | None = None) -> None:
        """Handle every watched event since the last sweep (from the deployment on a first run), then tick."""
        with self.lock:
            head = int(self.s.chain.blocks.height) if head is None else head
            start = max(self.journal.last_block + 1, self.s.book.deploy_block)
            if head >= start:
                logs = [log for event in self.watched() for log in event.range(start, head + 1)]
                logs.sort(key=lambda x: (int(x.block_number), int(x.log_index)))
                for log in logs:
                    self.handle(log)
                    if not self.journal.seen(event_key(log)):
                        break  # left for a retry: resume here next time, in order
                else:
                    self.journal.advance(head)
            self.tick()

    # -- acting -------------------------------------------------------------------------------

    def act(self, what: str, fn: Callable[..., Any], *args: Any, once: str | None = None, **kwargs: Any) -> Any:
        """Run one ``ssi.ops`` operation; log it with the hashes of what it sent. A refusal
        (:class:`OpsError`, or a revert) is logged with its reason and returns None; with ``once``
        given, a refusal equal to the previous one under that key is not logged again."""
        from ape.exceptions import ApeException, ContractLogicError

        before = int(self.s.chain.blocks.height)
        try:
            result = fn(*args, **kwargs)
        except OpsError as exc:
            self._refused(what, str(exc), before, logging.WARNING, once)
            return None
        except ContractLogicError as exc:
            self._refused(what, f"reverted: {revert_reason(exc)}", before, logging.WARNING, once)
            return None
        except ApeException as exc:
            self._refused(what, str(exc).strip().splitlines()[0], before, logging.ERROR, once)
            return None
        if once is not None:
            self._last_refusal.pop(once, None)
        self._record(what, True, "", before, logging.INFO)
        return result

    def send_once(self, key: str, what: str, sender: Any, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> bool:
        """:meth:`once` for one logged operation (``act``): True once sent, now or before a restart."""

        def send() -> bool:
            self.act(what, fn, *args, **kwargs)
            return self.last_ok

        return self.once(key, what, sender, send)

    def once(self, key: str, what: str, sender: Any, send: Callable[[], bool]) -> bool:
        """Run ``send`` (one transaction of ``sender``; True when sent) at most once under ``key``,
        even across a crash.

        The sender's next nonce is journaled before the transaction goes out. After a restart, a
        step journaled at nonce ``n`` went out if the sender's count is past ``n``: it is then taken
        as sent (and waited for while only pending), never sent again. This needs ``sender`` to send
        nothing else between the journal line and the transaction (its operator's own wallet), and
        ``send`` to refuse a revert before sending (Ape estimates gas first)."""
        if self.sent_before(key, what, sender) is not None:
            return True
        sending = self.journal.notes.setdefault("sending", {})
        sending[key] = self._count(sender, "pending")
        self.journal.save()
        ok = send()
        n = sending.pop(key)
        if ok:
            self.journal.notes.setdefault("sent", {})[key] = {"nonce": n, "block": int(self.s.chain.blocks.height)}
        self.journal.save()
        return ok

    def sent_before(self, key: str, what: str, sender: Any) -> int | None:
        """The nonce at which the step ``key`` of :meth:`once` went out, in this process or before a
        restart; None when it has not. Raises :class:`Retry` while it is only pending."""
        sent_keys = self.journal.notes.setdefault("sent", {})
        if key in sent_keys:
            return int(sent_keys[key]["nonce"])
        sending = self.journal.notes.setdefault("sending", {})
        if key not in sending:
            return None
        n = int(sending[key])
        del sending[key]
        if self._count(sender, "pending") <= n:
            return None  # journaled, never sent: the process stopped in between
        if self._count(sender, "latest") <= n:
            sending[key] = n
            raise Retry(f"{what}: sent at nonce {n} before a restart, not mined yet")
        sent_keys[key] = {"nonce": n, "block": int(self.s.chain.blocks.height)}
        self.journal.save()
        self.log.info(f"{self.role}: {what}: sent at nonce {n} before a restart; not sent again")
        return n

    def forget(self, key: str) -> None:
        """Take the step ``key`` of :meth:`once` as not sent (the transaction at its nonce was another)."""
        self.journal.notes.setdefault("sent", {}).pop(key, None)
        self.journal.save()

    def _count(self, sender: Any, block: str) -> int:
        """``sender``'s transaction count at ``block`` ("pending" counts what waits in the mempool)."""
        return int(self.s.chain.provider.web3.eth.get_transaction_count(str(sender.address), block))

    @property
    def last_ok(self) -> bool:
        return bool(self.actions) and self.actions[-1].ok

    def _refused(self, what: str, detail: str, before: int, level: int, once: str | None) -> None:
        if once is not None:
            if self._last_refusal.get(once) == detail:
                return
            self._last_refusal[once] = detail
        self._record(what, False, detail, before, level)

    def refuse(self, what: str, reason: str) -> None:
        """Log a decision not to act (no transaction)."""
        self._record(what, False, reason, int(self.s.chain.blocks.height), logging.WARNING)

    def _record(self, what: str, ok: bool, detail: str, before: int, level: int) -> None:
        txs = sent(self.s, since=before)
        action = Action(self.role, what, ok, detail, txs)
        self.actions.append(action)
        self.log.log(level, action.line())
