"""Collecting the management fee: ``Issuer.accrue_fee`` mints the fee shares owed to the treasury.

The fee is paid in index shares (docs/reserve_gate.md, "The management fee"): collecting it is a
share mint to the treasury, not a custodian outflow. Anyone may call it; by default the treasury's
own account does.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ssi.ops.errors import OpsError, call_or_refuse
from ssi.ops.session import Session, iso
from ssi.ops.tables import tokens


@dataclass(frozen=True)
class FeeCollection:
    index: str
    treasury: str
    shares: int  # share-wei minted to the treasury
    fee_factor: int  # the registry's factor the fee was paid up to (WAD)
    treasury_balance: int
    supply: int
    at: int

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "treasury": self.treasury, "fee_shares": tokens(self.shares, 18),
                "fee_shares_wei": str(self.shares), "fee_factor": str(self.fee_factor),
                "treasury_balance": tokens(self.treasury_balance, 18), "supply": tokens(self.supply, 18),
                "at": self.at, "at_utc": iso(self.at)}


def collect_fee(s: Session, sender: Any, symbol: str) -> FeeCollection:
    """Mint the fee shares owed for ``symbol`` to its treasury; refused when none are owed."""
    entry = s.book.index(symbol)
    token = s.token(entry.symbol)
    dep = s.deployment
    owed = int(dep.registry.pending_fee_shares(token))
    if owed == 0:
        supply = int(token.totalSupply())
        why = "the index has no supply" if supply == 0 else "the fee was collected up to the latest block"
        raise OpsError(f"no fee to collect for {entry.symbol} at {iso(s.now())}: 0 shares owed ({why})")
    receipt = call_or_refuse("collect fee", dep.issuer.accrue_fee, token, sender=sender)
    minted = receipt.decode_logs(dep.issuer.FeeSharesMinted)
    if not minted:
        raise OpsError(f"collect fee: the issuer minted no fee shares for {entry.symbol}")
    event = minted[0]
    return FeeCollection(entry.symbol, str(event.treasury), int(event.shares), int(event.fee_factor),
                         int(token.balanceOf(event.treasury)), int(token.totalSupply()), s.now())
