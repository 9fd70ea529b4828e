"""The DESIGN.md invariants, as checks a test calls after every step."""

from __future__ import annotations

from typing import Any, Iterable

from ssi.chain.eip712 import MINT
from ssi.chain.protocol import Request, required_reserve

OPEN_STATUSES = (1, 2)


def open_requests(issuer: Any, requests: Iterable[Request]) -> list[Request]:
    return [r for r in requests if int(issuer.request_status(r.id)) in OPEN_STATUSES]


def check_escrow(issuer: Any, cash_token: Any, index_tokens: Iterable[Any], requests: Iterable[Request]) -> None:
    """Invariant 2: the Issuer holds exactly the open escrows, per token."""
    requests = list(requests)
    still_open = open_requests(issuer, requests)
    cash_open = sum(r.cash + r.fee for r in still_open if r.side == MINT)
    assert int(cash_token.balanceOf(issuer)) == cash_open == int(issuer.escrowed(cash_token))
    for token in index_tokens:
        shares_open = sum(
            r.shares for r in still_open if r.side != MINT and r.index == str(token.address)
        )
        assert int(token.balanceOf(issuer)) == shares_open == int(issuer.escrowed(token))


def check_backing(registry: Any, oracle: Any, token: Any) -> None:
    """Invariant 1 (as of the last settlement or activation): the report of the
    current basket version covers the supply for every asset."""
    supply = int(token.totalSupply())
    version = int(registry.version(token))
    balances, as_of = oracle.reserves(token, version)
    if supply == 0:
        return
    assert as_of != 0, "supply exists without a reserve report"
    units = registry.effective_units(token, version, True)
    for balance, unit in zip(balances, units):
        # Fee accrual only lowers what holders own, so coverage at the last
        # settlement implies coverage now.
        assert int(balance) >= required_reserve(supply, int(unit))


def check_real_backing(
    registry: Any, issuer: Any, token: Any, held: list[int], open_real_shares: int = 0
) -> None:
    """Invariant 1 against the real world: what the custodian REALLY holds covers, per asset,
    the holders' claims (supply + fee shares owed to the treasury and not minted yet) plus the
    baskets of delivered, unsettled mints that were really delivered (owed back if refunded).
    Baskets owed back after a refund and releases are already out of ``held`` once paid."""
    version = int(registry.version(token))
    units = registry.effective_units(token, version, True)
    claims = int(token.totalSupply()) + int(registry.pending_fee_shares(token)) + open_real_shares
    for i, unit in enumerate(units):
        need = required_reserve(claims, int(unit))
        assert held[i] >= need, f"asset {i}: custodian holds {held[i]}, claims need {need}"
