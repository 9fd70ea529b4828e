"""What the fuzzer believes is true outside the chain: the custodian's real holdings, the open
escrows, stray tokens, and the counters the invariants compare with the contracts.

Nothing here reads a report: holdings change only with what really happened. A delivery adds
the basket when the PMM really delivered it; a redemption release and a basket owed back
subtract when the custodian pays them (at once, as the event appears); a rebalance trade swaps
the holdings into the new basket.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ssi.chain.protocol import Request
from ssi.ussi.token import UssiRequest

UNIT_DENOMINATOR = 10**36


def ceil_units(shares: int, units: int) -> int:
    return -(-shares * units // UNIT_DENOMINATOR)


def floor_units(shares: int, units: int) -> int:
    return shares * units // UNIT_DENOMINATOR


@dataclass
class Basket:
    """A basket as the compiler announced it: asset symbols and units at announcement."""

    assets: tuple[str, ...]
    units: tuple[int, ...]


@dataclass
class IndexModel:
    """One index: its token, its basket, what the custodian really holds, and its requests."""

    token: Any
    label: str
    cash: Any
    pool: tuple[str, ...]  # every asset the compiler may use for this index
    decimals: dict[str, int]
    basket: Basket
    held: dict[str, int] = field(default_factory=dict)
    pending: Basket | None = None
    pending_version: int = 0
    requests: dict[int, Request] = field(default_factory=dict)
    status: dict[int, int] = field(default_factory=dict)  # request id -> expected status
    real: set[int] = field(default_factory=set)  # mints whose basket really reached the custodian
    threshold: int = 2
    reports: int = 0  # accepted reserve reports (the oracle's next nonce)
    last_report: tuple[Any, list[bytes]] | None = None
    used_quotes: list[tuple[Any, bytes]] = field(default_factory=list)

    @property
    def address(self) -> str:
        return str(self.token.address)

    def open_ids(self, statuses: tuple[int, ...] = (1, 2), side: int | None = None) -> list[int]:
        return sorted(
            i for i, s in self.status.items()
            if s in statuses and (side is None or self.requests[i].side == side)
        )

    def real_open_shares(self) -> int:
        return sum(self.requests[i].shares for i in self.real if self.status[i] == 2)

    def escrow_cash(self) -> int:
        return sum(r.cash + r.fee for i, r in self.requests.items() if r.side == 0 and self.status[i] in (1, 2))

    def escrow_shares(self) -> int:
        return sum(r.shares for i, r in self.requests.items() if r.side == 1 and self.status[i] == 1)

    def pay(self, units: list[int], assets: tuple[str, ...]) -> None:
        """The custodian pays an outflow out of what it really holds."""
        for asset, amount in zip(assets, units):
            self.held[asset] = max(0, self.held.get(asset, 0) - amount)


@dataclass
class UssiModel:
    """USSI: open requests, the last NAV the strategy signers posted, and NAV settings."""

    requests: dict[int, UssiRequest] = field(default_factory=dict)
    status: dict[int, int] = field(default_factory=dict)
    nav: int = 0
    nav_as_of: int = 0
    nonce: int = 0
    max_nav_age: int = 0
    last_nav: tuple[Any, list[bytes]] | None = None

    def open_ids(self, kinds: tuple[int, ...] = (0, 1, 2)) -> list[int]:
        return sorted(i for i, s in self.status.items() if s == 1 and self.requests[i].kind in kinds)

    def escrow(self, kind: int) -> int:
        return sum(r.amount for i, r in self.requests.items() if r.kind == kind and self.status[i] == 1)


@dataclass
class QueuedChange:
    """A timelocked call the owner queued, and what it changes in the model when executed."""

    target: str
    data: bytes
    salt: bytes
    eta: int
    label: str
    effect: tuple[Any, ...]
