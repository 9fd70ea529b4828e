"""Queue, execute and cancel timelocked changes (contracts/Timelock.vy) through Ape.

A change is a call to a protocol contract's timelocked setter. The owner queues it; after the
timelock's ``delay`` anyone executes it; the owner or the guardian may cancel it before then.
On a local chain :func:`apply_now` queues, moves chain time past the delay and executes, which is
what tests and the demo need.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ZERO_SALT = b"\0" * 32


@dataclass(frozen=True)
class Change:
    """One timelocked call: ``target.method(*args)``, identified with ``salt``."""

    target: str
    data: bytes
    salt: bytes = ZERO_SALT

    @classmethod
    def of(cls, contract: Any, method: str, *args: Any, salt: bytes = ZERO_SALT) -> Change:
        """The change that calls ``contract.method(*args)``."""
        data = getattr(contract, method).encode_input(*args)
        return cls(str(contract.address), bytes(data), salt)

    def as_args(self) -> tuple[str, bytes, bytes]:
        return (self.target, self.data, self.salt)


def queue(timelock: Any, change: Change, owner: Any) -> tuple[bytes, int]:
    """Queue ``change``; returns its id and the earliest execution time."""
    receipt = timelock.queue(*change.as_args(), sender=owner)
    event = receipt.decode_logs(timelock.ChangeQueued)[0]
    return bytes(event.id), int(event.eta)


def execute(timelock: Any, change: Change, sender: Any) -> Any:
    """Execute a due ``change`` (anyone may)."""
    return timelock.execute(*change.as_args(), sender=sender)


def cancel(timelock: Any, change: Change, sender: Any) -> Any:
    """Cancel a queued ``change`` (owner or guardian)."""
    return timelock.cancel(timelock.change_id(*change.as_args()), sender=sender)


def apply_now(chain: Any, timelock: Any, change: Change, owner: Any) -> Any:
    """Local chains only: queue, move time past the delay, execute. Returns the execution receipt."""
    _, eta = queue(timelock, change, owner)
    now = int(chain.pending_timestamp)
    if now < eta:
        chain.pending_timestamp = eta
    return execute(timelock, change, owner)


def apply_all_now(chain: Any, timelock: Any, changes: list[Change], owner: Any) -> list[Any]:
    """Local chains only: queue every change, wait once, execute them in order."""
    etas = [queue(timelock, change, owner)[1] for change in changes]
    if etas:
        latest = max(etas)
        if int(chain.pending_timestamp) < latest:
            chain.pending_timestamp = latest
    return [execute(timelock, change, owner) for change in changes]
