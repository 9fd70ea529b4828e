"""The web page's event store: the protocol's decoded events and how far they were read.

SQLAlchemy Core, so that the same code runs on SQLite (the default, one file) and on any database
SQLAlchemy reaches (``postgresql://...`` in production). Every row carries a *scope*, the chain and
deployment it was read from (chain id, genesis hash, issuer address), so one database can serve
several networks and a restarted local node never mixes with the old one.

An event is stored once per (scope, transaction hash, log index): reading a block range twice,
after a restart or a crash between the insert and the cursor update, adds nothing. Each event keeps
its block's hash, and the cursor the hash of its block, so that blocks replaced by a reorganisation
(or a local chain reverted to a snapshot) are found and their events dropped.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

from sqlalchemy import (
    BigInteger,
    Column,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    create_engine,
    func,
    select,
)
from sqlalchemy.engine import Engine

metadata = MetaData()

events = Table(
    "events",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("scope", String(160), nullable=False, index=True),
    Column("tx_hash", String(66), nullable=False),
    Column("log_index", Integer, nullable=False),
    Column("block_number", BigInteger, nullable=False, index=True),
    Column("block_hash", String(66), nullable=False),
    Column("block_time", BigInteger, nullable=False),
    Column("contract", String(32), nullable=False),
    Column("event", String(40), nullable=False, index=True),
    Column("index_address", String(42), nullable=True, index=True),
    Column("request_id", BigInteger, nullable=True, index=True),
    Column("args", Text, nullable=False),  # JSON: integers as decimal strings, bytes as 0x-hex
    UniqueConstraint("scope", "tx_hash", "log_index", name="uq_event_position"),
)

cursors = Table(
    "cursors",
    metadata,
    Column("scope", String(160), primary_key=True),
    Column("last_block", BigInteger, nullable=False),  # every event up to and including it is stored
    Column("last_hash", String(66), nullable=True),  # that block's hash: a replaced block shows a reorg
)


@dataclass(frozen=True)
class EventRow:
    """One decoded protocol event, as the indexer read it from the chain."""

    tx_hash: str
    log_index: int
    block_number: int
    block_time: int
    block_hash: str
    contract: str  # Issuer, ReserveOracle, BasketRegistry, Factory
    event: str
    args: dict[str, Any]
    index_address: str | None = None
    request_id: int | None = None

    def key(self) -> tuple[str, int]:
        return (self.tx_hash, self.log_index)


def jsonable(value: Any) -> Any:
    """Event arguments as JSON: big integers as strings (no float rounding), bytes as 0x-hex."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, (bytes, bytearray)):
        return "0x" + bytes(value).hex()
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if hasattr(value, "hex") and callable(value.hex):  # HexBytes and friends
        text = value.hex()
        return text if text.startswith("0x") else "0x" + text
    return str(value)


class Store:
    """Events and cursors in one database."""

    def __init__(self, url: str = "sqlite:///ssi-web.db") -> None:
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            # The server reads from worker threads; SQLite's default forbids sharing a connection.
            kwargs["connect_args"] = {"check_same_thread": False}
        self.url = url
        self.engine: Engine = create_engine(url, future=True, **kwargs)
        metadata.create_all(self.engine)

    # -- cursor --------------------------------------------------------------------------------

    def last_block(self, scope: str) -> int | None:
        cursor = self.cursor(scope)
        return cursor[0] if cursor else None

    def cursor(self, scope: str) -> tuple[int, str | None] | None:
        """(last block stored, its hash) of a scope, or None before the first sync."""
        with self.engine.connect() as conn:
            row = conn.execute(select(cursors.c.last_block, cursors.c.last_hash).where(cursors.c.scope == scope)).first()
        return (int(row[0]), row[1]) if row else None

    def set_last_block(self, scope: str, block: int, block_hash: str | None = None) -> None:
        with self.engine.begin() as conn:
            self._set_cursor(conn, scope, block, block_hash)

    @staticmethod
    def _set_cursor(conn: Any, scope: str, block: int, block_hash: str | None) -> None:
        values = {"last_block": block, "last_hash": block_hash}
        updated = conn.execute(cursors.update().where(cursors.c.scope == scope).values(**values))
        if updated.rowcount == 0:
            conn.execute(cursors.insert().values(scope=scope, **values))

    def block_hashes(self, scope: str, below: int) -> list[tuple[int, str]]:
        """(block, hash) of the stored blocks up to ``below``, newest first: where to look for the
        last block a reorganised chain still shares with the store."""
        q = (select(events.c.block_number, events.c.block_hash).where(events.c.scope == scope,
             events.c.block_number <= below).distinct().order_by(events.c.block_number.desc()))
        with self.engine.connect() as conn:
            return [(int(b), str(h)) for b, h in conn.execute(q)]

    def rewind(self, scope: str, block: int, block_hash: str | None) -> int:
        """Forget every event after ``block`` (replaced by a reorganisation); returns how many."""
        with self.engine.begin() as conn:
            gone = conn.execute(events.delete().where(events.c.scope == scope, events.c.block_number > block))
            self._set_cursor(conn, scope, block, block_hash)
        return int(gone.rowcount or 0)

    # -- events --------------------------------------------------------------------------------

    def add(self, scope: str, rows: Sequence[EventRow], last_block: int, last_hash: str | None = None) -> int:
        """Store ``rows`` not stored yet and move the cursor to ``last_block``, in one transaction.
        Returns how many rows were new."""
        with self.engine.begin() as conn:
            new = 0
            if rows:
                keys = {r.key() for r in rows}
                hashes = sorted({h for h, _ in keys})
                seen: set[tuple[str, int]] = set()
                for start in range(0, len(hashes), 500):
                    chunk = hashes[start:start + 500]
                    seen.update((h, int(i)) for h, i in conn.execute(
                        select(events.c.tx_hash, events.c.log_index)
                        .where(events.c.scope == scope, events.c.tx_hash.in_(chunk))))
                fresh = [r for r in {r.key(): r for r in rows}.values() if r.key() not in seen]
                if fresh:
                    conn.execute(events.insert(), [self._values(scope, r) for r in fresh])
                new = len(fresh)
            self._set_cursor(conn, scope, last_block, last_hash)
        return new

    @staticmethod
    def _values(scope: str, r: EventRow) -> dict[str, Any]:
        return {
            "scope": scope, "tx_hash": r.tx_hash, "log_index": r.log_index, "block_number": r.block_number,
            "block_hash": r.block_hash, "block_time": r.block_time, "contract": r.contract, "event": r.event,
            "index_address": r.index_address.lower() if r.index_address else None,
            "request_id": r.request_id, "args": json.dumps(jsonable(r.args), sort_keys=True),
        }

    def query(self, scope: str, *, names: Iterable[str] | None = None, index: str | None = None,
              request_id: int | None = None) -> list[EventRow]:
        """Stored events in chain order (block, log index), filtered by name, index and request."""
        q = select(events).where(events.c.scope == scope)
        if names is not None:
            q = q.where(events.c.event.in_(list(names)))
        if index is not None:
            q = q.where(events.c.index_address == index.lower())
        if request_id is not None:
            q = q.where(events.c.request_id == request_id)
        q = q.order_by(events.c.block_number, events.c.log_index)
        with self.engine.connect() as conn:
            return [EventRow(tx_hash=m.tx_hash, log_index=int(m.log_index), block_number=int(m.block_number),
                             block_time=int(m.block_time), block_hash=m.block_hash, contract=m.contract, event=m.event,
                             args=json.loads(m.args), index_address=m.index_address,
                             request_id=None if m.request_id is None else int(m.request_id))
                    for m in conn.execute(q).mappings()]

    def count(self, scope: str) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(events).where(events.c.scope == scope)).scalar_one())
