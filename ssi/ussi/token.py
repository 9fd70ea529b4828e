"""The USSI token on chain: deploy it, sign and post NAV reports, open and settle requests.

Prices in a NAV report are the value of ONE whole share (1e18 share-wei) in WHOLE cash tokens,
scaled by 1e18 (:func:`wad`): a NAV of 1,000 USDC per USSI is ``1000 * 10**18`` whatever the cash
token's decimals. ``index_price`` is the same for one whole index share (MAG7.ssi).

The contract's EIP-712 type is ``NavReport(uint256 navPerShare,uint256 indexPrice,uint256 asOf,
uint256 nonce)`` under the domain ``"SSI USSI"``/``"1"`` (the token's own address as
``verifyingContract``). It carries the index price beside the NAV so that one signed, fresh,
single-use report prices both deposits. Hashing and signing are eth-account's; a test checks the
digest against the contract's ``nav_digest``.

The risky setters (signers, NAV age and move bound, custody, request timeout, adding an operator)
accept only the USSI's timelock (``contracts/Timelock.vy``): build the call with
:class:`ssi.chain.timelock.Change` (``operator_change`` for operators) and queue it there.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from decimal import Decimal
from typing import Any, Sequence

from ssi.chain.eip712 import USSI_DOMAIN, Domain, NavReport, sign_many
from ssi.chain.timelock import Change, apply_all_now

WAD = 10**18
DAY = 86_400
# Default bound on the NAV move between two reports (10%): far above a hedged fund's daily move,
# tight enough that one bad report cannot reprice the fund. Production may set it lower.
DEFAULT_NAV_MOVE_BPS = 1_000

MINT_WITH_CASH = 0
MINT_WITH_INDEX = 1
REDEEM = 2
KINDS = {MINT_WITH_CASH: "mint with cash", MINT_WITH_INDEX: "mint with index", REDEEM: "redeem"}
STATUS = {1: "open", 2: "settled", 3: "cancelled", 4: "rejected"}

def wad(value: float | str | Decimal | int) -> int:
    """A price in whole cash tokens (e.g. ``1000.25`` USD) as the contract's 1e18 fixed point.

    Goes through the decimal string of the value, so ``wad(0.1) == 10**17`` exactly.
    """
    scaled = Decimal(str(value)) * WAD
    if scaled <= 0:
        raise ValueError(f"price must be positive: {value}")
    return int(scaled.to_integral_value())


# One definition of the signed struct and its hashing, shared with the protocol's other typed data.
UssiNavReport = NavReport


def ussi_domain(chain_id: int, token: str) -> Domain:
    """The EIP-712 domain of a deployed USSI token."""
    return Domain(USSI_DOMAIN, chain_id, str(token))


def sign_nav(signers: Sequence[Any], domain: Domain, report: UssiNavReport) -> list[bytes]:
    """Signatures of ``signers`` (``KeySigner``/``ApeSigner``), sorted by address as the contract requires."""
    return sign_many(list(signers), domain, report)


def nav_report_for_date(
    date: dt.date | str, index_price: int, as_of: int, nonce: int, **kwargs: Any
) -> UssiNavReport:
    """A report whose NAV is the methodology's USSI NAV per share at the close of ``date``
    (``ssi.ussi.strategy.nav_per_share``, in USD; the cash token is taken at 1 USD)."""
    from ssi.ussi.strategy import nav_per_share

    return UssiNavReport(wad(nav_per_share(date, **kwargs)), index_price, as_of, nonce)


# ------------------------------------------------------------------ amounts ----


def shares_for_cash(amount: int, nav_per_share: int, cash_decimals: int) -> int:
    """USSI share-wei a cash deposit of ``amount`` base units mints (rounded down, as on chain)."""
    return amount * WAD * 10 ** (18 - cash_decimals) // nav_per_share


def shares_for_index(amount: int, index_price: int, nav_per_share: int) -> int:
    """USSI share-wei a deposit of ``amount`` index share-wei mints (rounded down, as on chain)."""
    return amount * index_price // nav_per_share


def cash_for_shares(shares: int, nav_per_share: int, cash_decimals: int) -> int:
    """Cash base units a redemption of ``shares`` share-wei pays (rounded down, as on chain)."""
    return shares * nav_per_share // (WAD * 10 ** (18 - cash_decimals))


# ----------------------------------------------------------------- requests ----


@dataclass(frozen=True)
class UssiRequest:
    """A USSI request, as stored (hashed) on chain and passed back to it."""

    id: int
    kind: int
    owner: str
    amount: int
    min_out: int
    requested_at: int
    cancel_after: int

    def as_tuple(self) -> tuple[Any, ...]:
        return (self.id, self.kind, self.owner, self.amount, self.min_out, self.requested_at, self.cancel_after)

    @classmethod
    def from_log(cls, log: Any) -> UssiRequest:
        """From a ``MintRequested`` or ``RedeemRequested`` event."""
        return cls(
            id=int(log.id),
            kind=int(log.kind),
            owner=str(log.owner),
            amount=int(log.amount),
            min_out=int(log.min_out),
            requested_at=int(log.requested_at),
            cancel_after=int(log.cancel_after),
        )

    def as_dict(self) -> dict[str, Any]:
        return asdict(self) | {"kind_name": KINDS[self.kind]}


def request_of(receipt: Any, ussi: Any) -> UssiRequest:
    """The request a ``request_mint``/``request_redeem`` receipt opened."""
    for event in (ussi.MintRequested, ussi.RedeemRequested):
        logs = receipt.decode_logs(event)
        if logs:
            return UssiRequest.from_log(logs[0])
    raise ValueError("receipt opened no request")


@dataclass(frozen=True)
class UssiConfig:
    """Constructor arguments of ``USSI.vy``, in its order.

    ``request_timeout`` must not exceed the timelock's delay (the contract refuses it:
    ``ussi: timeout above delay``). ``max_nav_move_bps`` bounds how far ``navPerShare`` may move
    from one accepted report to the next (1 to 5,000 bps).
    """

    cash_token: str
    index_token: str
    timelock: str
    guardian: str
    custody: str
    signers: Sequence[str]
    threshold: int
    max_nav_age: int = DAY
    request_timeout: int = DAY
    max_nav_move_bps: int = DEFAULT_NAV_MOVE_BPS

    def args(self) -> tuple[Any, ...]:
        return (
            self.cash_token,
            self.index_token,
            self.timelock,
            self.guardian,
            self.custody,
            list(self.signers),
            self.threshold,
            self.max_nav_age,
            self.request_timeout,
            self.max_nav_move_bps,
        )


def deploy_ussi(
    project: Any, owner: Any, config: UssiConfig, operators: Sequence[str] = (), *, chain: Any = None
) -> Any:
    """Deploy USSI (``owner`` becomes its owner) and allow ``operators`` to settle.

    Adding an operator is timelocked: with ``operators``, ``owner`` must own the timelock at
    ``config.timelock`` and ``chain`` must be a local chain, since the changes are queued, the
    chain moved past the delay and the changes executed (:func:`ssi.chain.timelock.apply_all_now`).
    On a real network, queue ``operator_change`` yourself and execute it after the delay.
    """
    ussi = project.USSI.deploy(*config.args(), sender=owner)
    if operators:
        if chain is None:
            raise ValueError("adding operators goes through the timelock: pass chain= (local chains only)")
        timelock = project.Timelock.at(config.timelock)
        apply_all_now(chain, timelock, [operator_change(ussi, op) for op in operators], owner)
    return ussi


def operator_change(ussi: Any, operator: str, allowed: bool = True) -> Any:
    """The timelocked change that adds (or removes) ``operator`` on ``ussi``."""
    return Change.of(ussi, "set_operator", operator, allowed)


def post_nav(
    ussi: Any,
    chain_id: int,
    signers: Sequence[Any],
    sender: Any,
    *,
    nav_per_share: int,
    index_price: int,
    as_of: int,
    nonce: int | None = None,
) -> Any:
    """Sign a NAV report with ``signers`` (sorted for the contract) and post it; returns the receipt."""
    if nonce is None:
        nonce = int(ussi.next_nonce())
    report = UssiNavReport(nav_per_share, index_price, as_of, nonce)
    signatures = sign_nav(signers, ussi_domain(chain_id, str(ussi.address)), report)
    return ussi.post_nav(report.as_tuple(), signatures, sender=sender)


def request_mint(ussi: Any, token: Any, participant: Any, kind: int, amount: int, min_out: int = 0) -> UssiRequest:
    """Approve ``amount`` of the deposit token and open a mint request for ``participant``."""
    if kind not in (MINT_WITH_CASH, MINT_WITH_INDEX):
        raise ValueError(f"not a mint kind: {kind}")
    token.approve(ussi, amount, sender=participant)
    return request_of(ussi.request_mint(kind, amount, min_out, sender=participant), ussi)


def request_redeem(ussi: Any, participant: Any, shares: int, min_out: int = 0) -> UssiRequest:
    """Open a redeem request escrowing ``shares`` USSI of ``participant``."""
    return request_of(ussi.request_redeem(shares, min_out, sender=participant), ussi)


def settle_mint(ussi: Any, operator: Any, request: UssiRequest) -> Any:
    """Settle a mint request at the last NAV report (operator)."""
    return ussi.settle_mint(request.as_tuple(), sender=operator)


def fill_redeem(ussi: Any, cash_token: Any, operator: Any, request: UssiRequest) -> Any:
    """Approve the cash the fill pays and fill a redemption (operator)."""
    nav = ussi.nav()
    cash = cash_for_shares(request.amount, int(nav.navPerShare), int(cash_token.decimals()))
    cash_token.approve(ussi, cash, sender=operator)
    return ussi.fill_redeem(request.as_tuple(), sender=operator)
