"""USSI at the desk: deploy the token, post signed NAV reports, open and complete requests.

The chain client is ``ssi.ussi.token``; this module adds what a desk needs around it: the
deployments file (``ussi`` in it), roles by name, checks before sending (amounts, balances,
allowances, forward pricing, the NAV move bound) and a call first for every transaction.

A USSI mint or redemption is priced forward: the operator settles or fills it at the first NAV
report dated after the request, so the sequence is request, NAV report, settle (or fill).
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

from ssi.chain.eip712 import ApeSigner, NavReport, sign_many
from ssi.chain.timelock import queue
from ssi.ops.chainview import basket
from ssi.ops.errors import OpsError, call_or_refuse
from ssi.ops.market import prices_at, value_per_share
from ssi.ops.preflight import Step, send
from ssi.ops.session import LOCAL_USSI_SIGNERS, Session, iso
from ssi.ops.tables import tokens
from ssi.ops.trading import funding
from ssi.ussi.token import (KINDS, MINT_WITH_INDEX, REDEEM, STATUS, UssiConfig, UssiRequest, cash_for_shares,
                            deploy_ussi, operator_change, request_of, ussi_domain, wad)


def contract(s: Session) -> Any:
    if not s.book.ussi:
        raise OpsError(f"no USSI on {s.network_choice}: run `ape run ussi deploy` first")
    return s.project.USSI.at(s.book.ussi["address"])


def ussi_signers(s: Session, aliases: tuple[str, ...] | list[str]) -> list[Any]:
    if aliases:
        return [s.account(a, "ussi_signer") for a in aliases]
    if not s.is_local:
        raise OpsError(f"--signer is required on {s.network_choice} (one per USSI strategy signer)")
    return [s.account(f"TEST::{i}", "ussi_signer") for i in LOCAL_USSI_SIGNERS]


@dataclass(frozen=True)
class UssiDeployed:
    address: str
    index: str
    operators: list[str]
    operators_at: int | None  # when the operators may act (queued outside the local chain)
    signers: list[str]
    threshold: int

    def to_json(self) -> dict[str, Any]:
        return {"address": self.address, "index": self.index, "operators": self.operators,
                "operators_effective": iso(self.operators_at) if self.operators_at else "now",
                "signers": self.signers, "threshold": self.threshold}


def deploy(s: Session, owner: Any, symbol: str, *, signers: list[str], threshold: int, operators: list[str],
           custody: str, max_nav_age: int, request_timeout: int, max_nav_move_bps: int) -> UssiDeployed:
    """Deploy USSI over an index with the protocol's timelock; add the operators through it (on the
    local chain at once, moving the clock past the delay; elsewhere queued)."""
    if s.book.ussi:
        raise OpsError(f"USSI already deployed on {s.network_choice} at {s.book.ussi['address']}")
    entry = s.book.index(symbol)
    timelock = s.deployment.timelock
    if timelock is None:
        raise OpsError("this deployment has no timelock: USSI's operators are added through one")
    if str(timelock.owner()).lower() != str(owner.address).lower():
        raise OpsError(f"account {owner.address} does not own the timelock ({timelock.owner()}): it queues "
                       "USSI's operators")
    if not 1 <= threshold <= len(signers):
        raise OpsError(f"--threshold {threshold}: must be between 1 and the {len(signers)} signer(s)")
    delay = int(timelock.delay())
    if request_timeout > delay:
        raise OpsError(f"--timeout {request_timeout}: above the timelock's delay ({delay} s), which USSI refuses")
    if not 1 <= max_nav_move_bps <= 5_000:
        raise OpsError(f"--max-nav-move-bps {max_nav_move_bps}: must be between 1 and 5000")
    config = UssiConfig(s.book.cash_token["address"], entry.address, str(timelock.address),
                        str(s.deployment.issuer.guardian()), custody, sorted(signers, key=lambda a: int(a, 16)),
                        threshold, max_nav_age, request_timeout, max_nav_move_bps)
    eta = None
    if s.is_local:
        ussi = deploy_ussi(s.project, owner, config, operators, chain=s.chain)
    else:
        ussi = deploy_ussi(s.project, owner, config)
        etas = [queue(timelock, operator_change(ussi, op), owner)[1] for op in operators]
        eta = max(etas, default=None)
    s.book.ussi = {"address": str(ussi.address), "index": entry.symbol, "deploy_block": int(s.chain.blocks.height)}
    s.save()
    return UssiDeployed(str(ussi.address), entry.symbol, operators, eta, list(config.signers), threshold)


def index_price_at(s: Session, symbol: str, date: dt.date) -> float:
    """The index's NAV per share (USD) at the bundled closes of ``date``, current basket."""
    token = s.token(symbol)
    view = basket(s, token, int(s.deployment.registry.version(token)))
    return value_per_share(view.units, prices_at(date, view.symbols), view.decimals)


def _positive(value: float, option: str) -> float:
    if not (math.isfinite(value) and value > 0):
        raise OpsError(f"{option} {value:g}: must be a positive finite number")
    return value


def post_nav(s: Session, sender: Any, signers: list[Any], *, date: dt.date | None, nav: float | None,
             index_price: float | None, as_of: int | None = None) -> NavReport:
    """Sign and post a NAV report: the strategy's NAV of ``date`` (or ``nav``) and the index's price."""
    ussi = contract(s)
    if (date is None) == (nav is None):
        raise OpsError("give one of --date (the strategy's NAV at that close) or --nav")
    if nav is None:
        from ssi.ussi.strategy import nav_per_share

        nav = float(nav_per_share(date))
    _positive(nav, "--nav")
    if index_price is None:
        index_price = index_price_at(s, s.book.ussi["index"], date or dt.date.fromisoformat(
            s.book.index(s.book.ussi["index"]).reference))
    _positive(index_price, "--index-price")
    last = ussi.nav()
    now = s.now()
    if as_of is None:
        as_of = now
        # Forward pricing: a report as of the block of an open request cannot price it.
        waiting = [r for r, st in all_requests(s) if st == "open" and r.requested_at >= now]
        if waiting:
            raise OpsError(f"the latest block ({iso(now)}) holds USSI request {waiting[0].id}: a NAV report that "
                           "prices it must be dated after it; wait for the next block (local chain: "
                           "`ape run chain advance --seconds 1`) or pass --as-of")
    if as_of <= int(last.asOf):
        raise OpsError(f"NAV report as of {iso(as_of)} is not newer than the last one ({iso(int(last.asOf))})")
    if as_of > s.next_timestamp():
        raise OpsError(f"NAV report as of {iso(as_of)} is in the future (chain time {iso(now)})")
    bad = [str(x.address) for x in signers if not bool(ussi.is_signer(x.address))]
    if bad:
        raise OpsError(f"not a USSI strategy signer: {', '.join(bad)}")
    threshold = int(ussi.threshold())
    if len(signers) < threshold:
        raise OpsError(f"{len(signers)} signer(s) given, USSI needs {threshold}")
    previous = int(last.navPerShare)
    report = NavReport(wad(repr(nav)), wad(repr(index_price)), as_of, int(ussi.next_nonce()))
    if previous:
        move = abs(report.nav_per_share - previous) * 10_000 / previous
        bound = int(ussi.max_nav_move_bps())
        if move > bound:
            raise OpsError(f"NAV moves {move:,.1f} bps from {previous / 1e18:,.6f} to {nav:,.6f}: above USSI's "
                           f"bound of {bound} bps between two reports")
    signatures = sign_many([ApeSigner(x) for x in signers], ussi_domain(s.chain_id, str(ussi.address)), report)
    call_or_refuse("post NAV", ussi.post_nav, report.as_tuple(), signatures, sender=sender)
    return report


def _token_of(s: Session, kind: int) -> tuple[Any, int, str]:
    if kind == MINT_WITH_INDEX:
        symbol = s.book.ussi["index"]
        return s.token(symbol), 18, symbol
    return s.cash(), int(s.book.cash_token["decimals"]), s.book.cash_token["symbol"]


def request(s: Session, participant: Any, kind: int, amount: int, *, min_out: int = 0,
            approve: bool = False) -> UssiRequest:
    """Open a mint (cash or index deposit) or redemption request; balance, allowance and a dry run first."""
    ussi = contract(s)
    if bool(ussi.paused()):
        raise OpsError("USSI is paused by the guardian")
    if kind == REDEEM:
        steps: list[Step] = []
        have = int(ussi.balanceOf(participant.address))
        if have < amount:
            raise OpsError(f"insufficient USSI balance for the redemption: have {tokens(have, 18)}, "
                           f"need {tokens(amount, 18)}")
        steps.append(Step("request redeem", ussi.request_redeem, (amount, min_out), participant))
    else:
        token, decimals, unit = _token_of(s, kind)
        steps = funding(f"the USSI {KINDS[kind]}", token, participant, str(ussi.address), amount, approve, decimals,
                        unit, "USSI")
        steps.append(Step("request mint", ussi.request_mint, (kind, amount, min_out), participant))
    return request_of(send(steps, s.chain.provider)[-1], ussi)


def find(s: Session, request_id: int) -> tuple[UssiRequest, str]:
    ussi = contract(s)
    start, stop = int(s.book.ussi["deploy_block"]), int(s.chain.blocks.height) + 1
    for event in (ussi.MintRequested, ussi.RedeemRequested):
        logs = list(event.range(start, stop, search_topics={"id": request_id}))
        if logs:
            r = UssiRequest.from_log(logs[0])
            return r, STATUS[int(ussi.status_of(r.as_tuple()))]
    raise OpsError(f"unknown USSI request {request_id} on {s.network_choice}")


def all_requests(s: Session) -> list[tuple[UssiRequest, str]]:
    ussi = contract(s)
    start, stop = int(s.book.ussi["deploy_block"]), int(s.chain.blocks.height) + 1
    found = [UssiRequest.from_log(log) for event in (ussi.MintRequested, ussi.RedeemRequested)
             for log in event.range(start, stop)]
    return [(r, STATUS[int(ussi.status_of(r.as_tuple()))]) for r in sorted(found, key=lambda r: r.id)]


def _priced(s: Session, r: UssiRequest) -> None:
    """Forward pricing: a fresh NAV report dated after the request must exist."""
    nav = contract(s).nav()
    if int(nav.asOf) <= r.requested_at:
        raise OpsError(f"USSI request {r.id} waits for a NAV report dated after it ({iso(r.requested_at)}): "
                       "post one (`ape run ussi nav`)")


def complete(s: Session, operator: Any, request_id: int, *, approve: bool = False) -> tuple[UssiRequest, Any]:
    """Settle a mint or fill a redemption (operator) at the first NAV after it; returns the receipt."""
    ussi = contract(s)
    r, status = find(s, request_id)
    if status != "open":
        raise OpsError(f"USSI request {r.id} is {status}, not open")
    if not bool(ussi.is_operator(operator.address)):
        raise OpsError(f"account {operator.address} is not a USSI operator")
    _priced(s, r)
    if r.kind == REDEEM:
        decimals = int(s.book.cash_token["decimals"])
        cash = cash_for_shares(r.amount, int(ussi.nav().navPerShare), decimals)
        steps = funding("the fill", s.cash(), operator, str(ussi.address), cash, approve, decimals,
                        s.book.cash_token["symbol"], "USSI")
        steps.append(Step("fill", ussi.fill_redeem, (r.as_tuple(),), operator))
    else:
        steps = [Step("settle", ussi.settle_mint, (r.as_tuple(),), operator)]
    return r, send(steps, s.chain.provider)[-1]

