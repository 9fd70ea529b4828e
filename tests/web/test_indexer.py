"""The event indexer: catches up from its cursor after a restart and never counts an event twice."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field

from ssi.web.db import EventRow, Store
from ssi.web.indexer import Indexer


@dataclass
class FakeChain:
    """A chain of ``head`` blocks with a ``ReserveReported`` in every even block; records what was read."""

    head_block: int
    reads: list[tuple[int, int]] = field(default_factory=list)
    fork: dict[int, str] = field(default_factory=dict)  # blocks replaced by a reorganisation

    def head(self) -> int:
        return self.head_block

    def block_hash(self, block: int) -> str:
        return self.fork.get(block, f"0x{block:064x}")

    def read(self, first: int, last: int) -> list[EventRow]:
        self.reads.append((first, last))
        return [EventRow("0x" + hashlib.sha256(self.block_hash(b).encode()).hexdigest(), 0, b, 1_700_000_000 + b, self.block_hash(b),
                         "ReserveOracle", "ReserveReported", {"nonce": b, "balances": [b]}, "0x" + "11" * 20)
                for b in range(first, last + 1) if b % 2 == 0]


def test_indexer__restart__catches_up_from_its_cursor(tmp_path):
    url = f"sqlite:///{tmp_path / 'events.db'}"
    chain = FakeChain(head_block=100)
    first = Indexer(Store(url), chain, "scope", start_block=10, batch_blocks=40)
    assert first.sync().new_events == 46
    assert chain.reads == [(10, 49), (50, 89), (90, 100)]
    chain.head_block = 120
    chain.reads.clear()
    restarted = Indexer(Store(url), chain, "scope", start_block=10)  # a new process, the same database
    result = restarted.sync()
    assert chain.reads == [(101, 120)] and result.new_events == 10
    assert restarted.store.count("scope") == 56


def test_indexer__range_read_twice__stores_each_event_once(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'events.db'}")
    chain = FakeChain(head_block=50)
    indexer = Indexer(store, chain, "scope", start_block=0)
    indexer.sync()
    # A crash between the insert and the cursor update leaves the cursor behind: the range is read again.
    store.set_last_block("scope", 20)
    assert indexer.sync().new_events == 0
    assert store.count("scope") == 26
    # A duplicate inside one batch is stored once too.
    row = chain.read(8, 8)[0]
    assert store.add("scope", [row, row], 50) == 0
    assert [e.args["nonce"] for e in store.query("scope", names=["ReserveReported"])] == [str(b) for b in range(0, 51, 2)]


def test_indexer__scopes__do_not_mix(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'events.db'}")
    Indexer(store, FakeChain(5), "chain-a", start_block=0).sync()
    Indexer(store, FakeChain(2), "chain-b", start_block=0).sync()
    assert store.count("chain-a") == 3 and store.count("chain-b") == 2
    assert store.last_block("chain-a") == 5 and store.last_block("chain-b") == 2


def test_indexer__reorganised_blocks__their_events_are_dropped_and_read_again(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'events.db'}")
    chain = FakeChain(head_block=30)
    indexer = Indexer(store, chain, "scope", start_block=0)
    assert indexer.sync().new_events == 16
    # Blocks 25 to 28 replaced, and the new chain is shorter than what was indexed (head 28 < 30).
    chain.fork = {b: "0x" + f"{b:x}".rjust(64, "f") for b in range(25, 29)}
    chain.head_block = 28
    result = indexer.sync()
    assert result.dropped_events == 3  # blocks 26, 28 and 30
    assert result.new_events == 2 and chain.reads[-1] == (25, 28)
    stored = {e.block_number: e.block_hash for e in store.query("scope")}
    assert max(stored) == 28 and stored[26] == chain.fork[26] and stored[24] == chain.block_hash(24)
    assert store.count("scope") == 15


def test_indexer__on_the_demo_chain__matches_the_contracts_events(site, demo_session):
    """Every watched event of the demo is stored once, and a second indexer on the same database
    (a restarted server) adds nothing."""
    site.refresh()
    dep = demo_session.deployment
    start, stop = demo_session.book.deploy_block, int(demo_session.chain.blocks.height) + 1
    reports = list(dep.oracle.ReserveReported.range(start, stop))
    stored = site.store.query(site.scope, names=["ReserveReported"])
    assert [int(e.args["nonce"]) for e in stored] == [int(r.nonce) for r in reports]
    total = site.store.count(site.scope)
    again = Indexer(Store(site.store.url), site.indexer.source, site.scope, site.indexer.start_block)
    site.store.set_last_block(site.scope, start)  # as if the cursor were lost
    assert again.sync().new_events == 0
    assert site.store.count(site.scope) == total
