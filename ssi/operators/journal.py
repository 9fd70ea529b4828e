"""What an operator has done, persisted: the events it handled and the last block it swept.

One JSON file per operator and network (``.operators/<role>-<network>.json``; ``SSI_OPERATOR_STATE``
moves the directory). An event is known by ``<transaction hash>:<log index>``. A journal written
on another chain (another chain id or genesis block: the local node restarted) is started afresh,
since none of its events exist there.

Most handlers also derive idempotency from chain state (a delivered request is not delivered
again); the journal is what protects the actions the chain cannot tell apart, such as the
custodian's release of a basket, and what tells a restarted operator where to resume.
"""

from __future__ import annotations

import json
import os
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssi.ops.txlog import hex_str

DEFAULT_DIR = Path(".operators")
# Handled events and sent steps are kept this many blocks behind the sweep, then forgotten: the sweep
# never replays a block it has passed, and a live subscription delivers only recent events, so an
# older key protects nothing (on Base, 5,000 blocks are almost three hours).
KEEP_BLOCKS = 5_000


def state_dir() -> Path:
    return Path(os.environ.get("SSI_OPERATOR_STATE", DEFAULT_DIR))


def event_key(log: Any) -> str:
    """``<tx hash>:<log index>`` of an Ape ``ContractLog``."""
    return f"{hex_str(log.transaction_hash).lower()}:{int(log.log_index)}"


@dataclass
class Journal:
    """Handled events and the sweep position of one operator on one chain."""

    path: Path | None  # None: in memory only
    chain_id: int
    genesis: str
    done: dict[str, int] = field(default_factory=dict)  # handled event -> its block
    last_block: int = -1  # every log up to this block was handled
    notes: dict[str, Any] = field(default_factory=dict)  # small per-operator facts (e.g. last accrual)
    _lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    @classmethod
    def open(cls, role: str, network: str, chain_id: int, genesis: str, *, in_memory: bool = False) -> Journal:
        path = None if in_memory else state_dir() / f"{role}-{network.replace(':', '-')}.json"
        journal = cls(path, chain_id, genesis)
        if path is not None and path.is_file():
            data = json.loads(path.read_text())
            if int(data.get("chain_id", -1)) == chain_id and data.get("genesis") == genesis:
                done = data.get("done", {})
                journal.done = {str(k): int(b) for k, b in done.items()} if isinstance(done, dict) else \
                    {str(k): -1 for k in done}  # a journal of before blocks were kept: forgotten at the next sweep
                journal.last_block = int(data.get("last_block", -1))
                journal.notes = dict(data.get("notes", {}))
        return journal

    def seen(self, key: str) -> bool:
        return key in self.done

    def mark(self, key: str, block: int) -> None:
        self.done[key] = block
        self.save()

    def advance(self, block: int) -> None:
        if block > self.last_block:
            self.last_block = block
            self.prune()
            self.save()

    def prune(self) -> None:
        """Forget handled events and sent steps more than ``KEEP_BLOCKS`` behind the sweep."""
        floor = self.last_block - KEEP_BLOCKS
        self.done = {k: b for k, b in self.done.items() if b >= floor}
        sent = self.notes.get("sent")
        if isinstance(sent, dict):
            self.notes["sent"] = {k: v for k, v in sent.items() if isinstance(v, dict) and int(v.get("block", -1)) >= floor}

    def save(self) -> None:
        if self.path is None:
            return
        with self._lock:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.path.with_suffix(".tmp")
            tmp.write_text(json.dumps({"chain_id": self.chain_id, "genesis": self.genesis,
                                       "last_block": self.last_block, "done": dict(sorted(self.done.items())),
                                       "notes": self.notes}, indent=1) + "\n")
            os.replace(tmp, self.path)  # atomic: a crash leaves the old or the new file, never half
