"""The index token's pool: where the arbitrage operator sells minted shares and buys shares to redeem.

On the local chain a pool is a ``ConstantProductPool`` (``contracts/test``) that ``open_pool``
deploys and seeds from the liquidity provider's own shares and mock cash, and records in the
deployments file (``local.pools``). Elsewhere the pool is the market's: its address comes from
``SSI_ARB_POOL`` and it must offer the same four calls (``index_token``, ``cash_token``,
``get_amount_out``, ``swap``) and ``Swap`` event, e.g. through an adapter contract.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Callable

from ssi.ops.errors import OpsError, call_or_refuse
from ssi.ops.session import Session
from ssi.ops.tables import tokens

MAX_FEE_BPS = 1_000  # the pool contract's own ceiling


@dataclass(frozen=True)
class OpenedPool:
    symbol: str
    address: str
    shares: int  # share-wei seeded
    cash: int  # cash base units seeded
    fee_bps: int
    block: int

    def to_json(self) -> dict[str, Any]:
        return {"index": self.symbol, "pool": self.address, "shares": str(self.shares), "cash": str(self.cash),
                "fee_bps": self.fee_bps, "block": self.block}


def open_pool(s: Session, lp: Any, symbol: str, shares: int, price: Decimal, fee_bps: int = 30) -> OpenedPool:
    """Local chain: deploy a pool of ``symbol`` against the cash token and seed it with ``shares``
    share-wei of ``lp``'s and the cash that prices them at ``price`` (whole cash per share; the
    cash is minted to ``lp`` first, it is mock cash)."""
    if not s.is_local:
        raise OpsError(f"arb pool deploys a test pool: local chain only (on {s.network_choice} set SSI_ARB_POOL)")
    entry = s.book.index(symbol)
    if shares <= 0:
        raise OpsError("--shares must be positive")
    if not price.is_finite() or price <= 0:
        raise OpsError(f"--price {price}: must be a positive number of cash units per share")
    if not 0 <= fee_bps <= MAX_FEE_BPS:
        raise OpsError(f"--fee-bps {fee_bps}: must be between 0 and {MAX_FEE_BPS}")
    token, cash = s.token(entry.symbol), s.cash()
    held = int(token.balanceOf(lp.address))
    if held < shares:
        raise OpsError(f"{lp.address} holds {tokens(held, 18)} {entry.symbol}, fewer than the {tokens(shares, 18)} "
                       "to seed: mint first")
    decimals = int(s.book.cash_token["decimals"])
    amount = math.floor(Decimal(shares) * price * Decimal(10) ** decimals / Decimal(10) ** 18)
    if amount == 0:
        raise OpsError("the seed's cash rounds to zero: seed more shares or at a higher price")
    pool = s.project.ConstantProductPool.deploy(token, cash, fee_bps, sender=lp)
    # Recorded before it is seeded: an operator waiting for the pool sees the seeding's blocks after it.
    s.book.local.setdefault("pools", {})[entry.symbol] = str(pool.address)
    s.save()
    if int(cash.balanceOf(lp.address)) < amount:
        cash.mint(lp.address, amount - int(cash.balanceOf(lp.address)), sender=lp)
    token.approve(pool.address, shares, sender=lp)
    cash.approve(pool.address, amount, sender=lp)
    receipt = call_or_refuse("add liquidity", pool.add_liquidity, shares, amount, sender=lp)
    return OpenedPool(entry.symbol, str(pool.address), shares, amount, fee_bps, int(receipt.block_number))


def pool_of(s: Session, symbol: str) -> Any:
    """The pool the arbitrage operator trades: ``SSI_ARB_POOL``, else the one ``open_pool`` recorded."""
    entry = s.book.index(symbol)
    address = os.environ.get("SSI_ARB_POOL", "").strip() or s.book.local.get("pools", {}).get(entry.symbol)
    if not address:
        raise OpsError(f"no pool of {entry.symbol} on {s.network_choice}: `ape run arb pool --index "
                       f"{entry.methodology}` (local chain) or set SSI_ARB_POOL")
    if not s.chain.provider.get_code(address):
        raise OpsError(f"no contract at the pool address {address}")
    return s.project.ConstantProductPool.at(address)


def locator(s: Session, symbol: str) -> Callable[[], Any]:
    """``pool_of`` afresh each call: another process (``ape run arb pool``) may have recorded the pool since."""

    def locate() -> Any:
        s.reload_book()
        return pool_of(s, symbol)

    return locate
