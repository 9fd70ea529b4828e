"""Reads the protocol's events from the chain into the event store, block range by block range.

The indexer remembers the last block it stored (the cursor, per scope) and starts after it: a
restarted server catches up from there. The events of a range and the cursor move in one database
transaction, and an event already stored is never stored again (``Store.add`` keys on the
transaction hash and log index), so a range read twice counts once.

Each sync first checks that the chain still has the block the cursor stands on (by hash); where a
reorganisation replaced it, the events after the last block both still share are dropped and read
again. ``confirmations`` keeps the indexer that many blocks behind the head, for networks where the
last blocks can still be replaced (0 on the local chain).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Protocol

from ssi.web.db import EventRow, Store

# The events the page is built from, per protocol contract.
WATCHED: dict[str, tuple[str, ...]] = {
    "Issuer": ("MintRequested", "RedeemRequested", "MintDelivered", "MintSettled", "RedeemFilled",
               "RequestRejected", "RequestCancelled", "BasketOwed", "FeeSharesMinted"),
    "ReserveOracle": ("ReserveReported",),
    "BasketRegistry": ("IndexRegistered", "BasketAnnounced", "BasketActivated", "BasketCancelled", "FeeAccrued"),
    "Factory": ("IndexCreated",),
}


class LogSource(Protocol):
    """Where the indexer reads from: the chain's head and the watched events of a block range."""

    def head(self) -> int: ...

    def block_hash(self, block: int) -> str: ...

    def read(self, first: int, last: int) -> list[EventRow]: ...


def _hex(value: Any) -> str:
    if isinstance(value, str):
        return value.lower() if value.startswith("0x") else "0x" + value.lower()
    text = bytes(value).hex()
    return "0x" + text


@dataclass
class ApeLogSource:
    """The watched events of a deployment, read through Ape (any network Ape reaches)."""

    deployment: Any  # ssi.chain.protocol.Deployment
    chain: Any
    _times: dict[int, int] = field(default_factory=dict)

    def head(self) -> int:
        return int(self.chain.blocks.height)

    def block_hash(self, block: int) -> str:
        return _hex(self.chain.blocks[block].hash)

    def _time(self, block: int) -> int:
        if block not in self._times:
            self._times[block] = int(self.chain.blocks[block].timestamp)
        return self._times[block]

    def read(self, first: int, last: int) -> list[EventRow]:
        contracts = {"Issuer": self.deployment.issuer, "ReserveOracle": self.deployment.oracle,
                     "BasketRegistry": self.deployment.registry, "Factory": self.deployment.factory}
        rows: list[EventRow] = []
        for name, events in WATCHED.items():
            contract = contracts[name]
            for event in events:
                for log in getattr(contract, event).range(first, last + 1):
                    args = dict(log.event_arguments)
                    index = args.get("index")
                    request = args.get("id") if name == "Issuer" else None
                    rows.append(EventRow(
                        tx_hash=_hex(log.transaction_hash), log_index=int(log.log_index),
                        block_number=int(log.block_number), block_time=self._time(int(log.block_number)),
                        block_hash=_hex(log.block_hash),
                        contract=name, event=event, args=args,
                        index_address=str(index) if index is not None else None,
                        request_id=int(request) if request is not None else None,
                    ))
        rows.sort(key=lambda r: (r.block_number, r.log_index))
        return rows


@dataclass(frozen=True)
class SyncResult:
    first: int  # first block read (first > last: nothing to read)
    last: int
    new_events: int
    seconds: float
    dropped_events: int = 0  # events of blocks a reorganisation replaced


@dataclass
class Indexer:
    """Keeps the store up to date with the chain for one scope."""

    store: Store
    source: LogSource
    scope: str
    start_block: int  # where to begin when the store knows nothing of this scope (the deployment block)
    confirmations: int = 0
    batch_blocks: int = 5_000

    def next_block(self) -> int:
        last = self.store.last_block(self.scope)
        return self.start_block if last is None else max(last + 1, self.start_block)

    def sync(self) -> SyncResult:
        """Read every block from the cursor to the head (less confirmations)."""
        started = time.monotonic()
        head = self.source.head() - self.confirmations
        dropped = self._unwind(head)
        first = self.next_block()
        block, new = first, 0
        while block <= head:
            last = min(block + self.batch_blocks - 1, head)
            new += self.store.add(self.scope, self.source.read(block, last), last, self.source.block_hash(last))
            block = last + 1
        return SyncResult(first, head, new, time.monotonic() - started, dropped)

    def _unwind(self, head: int) -> int:
        """If the chain no longer has the block the cursor stands on (a reorganisation, or a local
        chain reverted to a snapshot), drop the events after the last stored block it still has."""
        cursor = self.store.cursor(self.scope)
        if cursor is None:
            return 0
        last, last_hash = cursor
        if last <= head and (last_hash is None or self.source.block_hash(last) == last_hash):
            return 0
        fork, fork_hash = self.start_block - 1, None
        for block, block_hash in self.store.block_hashes(self.scope, min(last, head)):
            if self.source.block_hash(block) == block_hash:
                fork, fork_hash = block, block_hash
                break
        return self.store.rewind(self.scope, fork, fork_hash)


def scope_of(chain_id: int, genesis_hash: str, issuer: str) -> str:
    """What the stored events belong to: one deployment on one chain."""
    genesis = genesis_hash if genesis_hash.startswith("0x") else "0x" + genesis_hash
    return f"{chain_id}:{genesis.lower()}:{issuer.lower()}"
