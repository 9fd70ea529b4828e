"""WLP and PMM operations: quotes, mint and redeem requests, delivery, settlement, fills, refunds.

On the local chain the PMM's delivery of the basket and the custodian's release of it are
transfers of the mock asset tokens to and from the custodian wallet (``ssi.chain.localchain``); on
any other network they happen off-chain and only their record is sent.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal, localcontext
from pathlib import Path
from typing import Any, Callable

from eth_account import Account
from eth_utils import keccak

from ssi.chain.eip712 import MINT, REDEEM, ApeSigner, Quote, signable
from ssi.chain.localchain import deliver as local_deliver
from ssi.chain.localchain import release as local_release
from ssi.ops.chainview import basket, find_request
from ssi.ops.errors import OpsError, call_or_refuse
from ssi.ops.market import value_per_share
from ssi.ops.preflight import Step, call_first, send
from ssi.ops.release import REDEMPTION, mark_paid, release_key
from ssi.ops.session import Session, iso
from ssi.ops.tables import tokens
from ssi.chain.protocol import STATUS, Request, claims_of, quote_for, request_of, required_reserve, settle_gate

SIDES = {"mint": MINT, "redeem": REDEEM}


@dataclass
class QuoteFile:
    """A signed quote as the PMM hands it to the WLP (JSON)."""

    chain_id: int
    issuer: str
    index: str  # symbol
    quote: Quote
    signature: bytes
    nav_per_share: float
    prices_source: str

    def to_json(self) -> dict[str, Any]:
        q = self.quote
        return {
            "chain_id": self.chain_id,
            "issuer": self.issuer,
            "index": self.index,
            "quote": {"index": q.index, "side": "mint" if q.side == MINT else "redeem", "shares": str(q.shares),
                      "cash": str(q.cash), "cash_token": q.cash_token, "wlp": q.wlp,
                      "deadline": q.deadline, "nonce": str(q.nonce)},
            "signature": "0x" + self.signature.hex(),
            "nav_per_share": self.nav_per_share,
            "prices_source": self.prices_source,
        }

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> QuoteFile:
        q = data["quote"]
        quote = Quote(str(q["index"]), SIDES[q["side"]], int(q["shares"]), int(q["cash"]), str(q["cash_token"]),
                      str(q["wlp"]), int(q["deadline"]), int(q["nonce"]))
        return cls(int(data["chain_id"]), str(data["issuer"]), str(data["index"]), quote,
                   bytes.fromhex(str(data["signature"]).removeprefix("0x")), float(data.get("nav_per_share", 0)),
                   str(data.get("prices_source", "")))


def read_quote(path: str) -> QuoteFile:
    try:
        return QuoteFile.from_json(json.loads(Path(path).read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OpsError(f"--quote {path}: not a quote file ({exc})") from None


def _exact_cash(shares: int, price: float, decimals: int) -> Decimal:
    """Cash base units for ``shares`` share-wei at ``price`` per share, before rounding."""
    with localcontext() as ctx:
        ctx.prec = 80
        return Decimal(shares) * Decimal(repr(price)) * Decimal(10) ** decimals / Decimal(10**18)


def _mul(shares: int, price: float, decimals: int, rounding: str) -> int:
    with localcontext() as ctx:
        ctx.prec = 80
        return int(_exact_cash(shares, price, decimals).to_integral_value(rounding=rounding))


def check_shares(s: Session, token: Any, symbol: str, shares: int) -> None:
    """The issuer's smallest and largest request of the index."""
    config = s.deployment.issuer.configs(token)
    lo, hi = int(config.min_shares), int(config.max_shares)
    if shares < lo:
        raise OpsError(f"{tokens(shares, 18)} shares is below the smallest request of {symbol} "
                       f"({tokens(lo, 18)} shares)")
    if shares > hi:
        raise OpsError(f"{tokens(shares, 18)} shares is above the largest request of {symbol} "
                       f"({tokens(hi, 18)} shares)")


def make_quote(
    s: Session,
    pmm: Any,
    symbol: str,
    side: str,
    shares: int,
    wlp: str,
    prices: dict[str, float],
    prices_source: str,
    *,
    spread_bps: float = 20.0,
    ttl: int = 600,
    nonce: int | None = None,
) -> QuoteFile:
    """Price ``shares`` at NAV (current basket at ``prices``) plus or minus a spread, and sign."""
    entry = s.book.index(symbol)
    token = s.token(entry.symbol)
    dep = s.deployment
    if side not in SIDES:
        raise OpsError(f"side must be mint or redeem, not {side!r}")
    if not bool(dep.issuer.is_pmm(token, pmm.address)):
        raise OpsError(f"account {pmm.address} is not a PMM of {entry.symbol}")
    if not bool(dep.issuer.is_wlp(token, wlp)):
        raise OpsError(f"{wlp} is not a WLP of {entry.symbol}: the issuer would refuse its request")
    if shares <= 0:
        raise OpsError("shares must be positive")
    check_shares(s, token, entry.symbol, shares)
    if not 0 <= spread_bps < 10_000:
        raise OpsError(f"--spread-bps {spread_bps:g}: must be at least 0 and below 10000")
    if ttl <= 0:
        raise OpsError(f"--ttl {ttl}: must be a positive number of seconds")
    if nonce is not None and not 0 <= nonce < 2**256:
        raise OpsError(f"--nonce {nonce}: must be between 0 and 2**256 - 1")
    current = basket(s, token, int(dep.registry.version(token)))
    nav = value_per_share(current.units, prices, current.decimals)
    sign = 1 if side == "mint" else -1
    per_share = nav * (1 + sign * spread_bps / 10_000)
    cash_decimals = int(s.book.cash_token["decimals"])
    exact = _exact_cash(shares, per_share, cash_decimals)
    if exact < 1:
        unit = s.book.cash_token["symbol"]
        raise OpsError(f"the quote's cash, {exact.scaleb(-cash_decimals):.3g} {unit}, is below the precision of "
                       f"{unit} ({tokens(1, cash_decimals)}): quote more shares")
    cash = _mul(shares, per_share, cash_decimals, ROUND_CEILING if side == "mint" else ROUND_FLOOR)
    if nonce is None:
        nonce = secrets.randbits(63)
    if bool(dep.issuer.nonce_used(pmm.address, nonce)):
        raise OpsError(f"nonce {nonce} already used by {pmm.address}")
    quote, sig = quote_for(dep, ApeSigner(pmm), index=entry.address, side=SIDES[side], shares=shares, cash=cash,
                           cash_token=s.book.cash_token["address"], wlp=wlp, deadline=s.now() + ttl, nonce=nonce)
    return QuoteFile(s.chain_id, str(dep.issuer.address), entry.symbol, quote, sig, nav, prices_source)


def _check_quote(s: Session, qf: QuoteFile, account: Any, side: int) -> tuple[Any, Any]:
    dep = s.deployment
    if qf.chain_id != s.chain_id or qf.issuer.lower() != str(dep.issuer.address).lower():
        raise OpsError(f"wrong network: the quote is for issuer {qf.issuer} on chain {qf.chain_id}, "
                       f"this deployment's issuer is {dep.issuer.address} on chain {s.chain_id}")
    entry = next((e for e in s.book.indices.values() if e.address.lower() == qf.quote.index.lower()), None)
    if entry is None:
        raise OpsError(f"unknown index {qf.quote.index} in the quote")
    q = qf.quote
    name = "mint" if side == MINT else "redeem"
    if q.side != side:
        raise OpsError(f"this is a {'redeem' if q.side == REDEEM else 'mint'} quote, not a {name} quote")
    if q.wlp.lower() != str(account.address).lower():
        raise OpsError(f"the quote is for WLP {q.wlp}, not account {account.address}")
    token = s.token(entry.symbol)
    if not bool(dep.issuer.is_wlp(token, account.address)):
        raise OpsError(f"account {account.address} is not a WLP of {entry.symbol}")
    now = s.next_timestamp()
    if q.deadline < now:
        raise OpsError(f"quote expired at {iso(q.deadline)} ({now - q.deadline} s ago): ask the PMM for a new one")
    pmm = Account.recover_message(signable(dep.issuer_domain, q), signature=qf.signature)
    if not bool(dep.issuer.is_pmm(token, pmm)):
        raise OpsError(f"the quote is signed by {pmm}, not a PMM of {entry.symbol}")
    if bool(dep.issuer.nonce_used(pmm, q.nonce)):
        raise OpsError(f"quote already used (nonce {q.nonce} of {pmm})")
    if bool(dep.issuer.paused()):
        raise OpsError("the issuer is paused by the guardian")
    return entry, token


def funding(what: str, token: Any, owner: Any, spender: str, need: int, approve: bool, decimals: int,
            unit: str, spender_name: str = "the issuer") -> list[Step]:
    """Balance and allowance of ``owner`` for ``need``: the approval to send first (if asked), else a refusal."""
    have = int(token.balanceOf(owner.address))
    if have < need:
        raise OpsError(f"insufficient {unit} balance for {what}: have {have / 10**decimals:,.6f}, "
                       f"need {need / 10**decimals:,.6f}")
    allowed = int(token.allowance(owner.address, spender))
    if allowed >= need:
        return []
    if not approve:
        raise OpsError(f"insufficient {unit} allowance for {spender_name}: {allowed / 10**decimals:,.6f} approved, "
                       f"{need / 10**decimals:,.6f} needed (pass --approve)")
    return [Step("approve", token.approve, (spender, need), owner)]


def _check_request_quote(s: Session, qf: QuoteFile, token: Any, symbol: str, max_fee: int | None, fee: int) -> None:
    """What the issuer checks of a quote beyond :func:`_check_quote`: size, cash token, fee."""
    q = qf.quote
    check_shares(s, token, symbol, q.shares)
    configured = str(s.deployment.issuer.configs(token).cash_token)
    if q.cash_token.lower() != configured.lower():
        raise OpsError(f"the quote pays in {q.cash_token}, {symbol} settles in {configured}")
    if q.cash == 0:
        raise OpsError("the quote's cash is zero")
    if max_fee is not None and fee > max_fee:
        raise OpsError(f"fee {tokens(fee, int(s.book.cash_token['decimals']))} {s.book.cash_token['symbol']} "
                       f"above --max-fee {tokens(max_fee, int(s.book.cash_token['decimals']))}")


def request_mint(s: Session, wlp: Any, qf: QuoteFile, *, approve: bool = False, max_fee: int | None = None) -> Request:
    entry, token = _check_quote(s, qf, wlp, MINT)
    dep = s.deployment
    fee = int(dep.issuer.creation_fee(token, qf.quote.cash))
    _check_request_quote(s, qf, token, entry.symbol, max_fee, fee)
    decimals = int(s.book.cash_token["decimals"])
    steps = funding("the mint", s.cash(), wlp, str(dep.issuer.address), qf.quote.cash + fee, approve, decimals,
                     s.book.cash_token["symbol"])
    steps.append(Step("request mint", dep.issuer.request_mint,
                      (qf.quote.as_tuple(), qf.signature, fee if max_fee is None else max_fee), wlp))
    return request_of(send(steps, s.chain.provider)[-1], dep)


def request_redeem(s: Session, wlp: Any, qf: QuoteFile, *, approve: bool = False, max_fee: int | None = None) -> Request:
    entry, token = _check_quote(s, qf, wlp, REDEEM)
    dep = s.deployment
    fee = int(dep.issuer.redemption_fee(token, qf.quote.cash))
    _check_request_quote(s, qf, token, entry.symbol, max_fee, fee)
    steps = funding("the redemption", token, wlp, str(dep.issuer.address), qf.quote.shares, approve, 18,
                     entry.symbol)
    steps.append(Step("request redeem", dep.issuer.request_redeem,
                      (qf.quote.as_tuple(), qf.signature, fee if max_fee is None else max_fee), wlp))
    return request_of(send(steps, s.chain.provider)[-1], dep)


def _request(s: Session, request_id: int, *, side: int | None = None, statuses: tuple[str, ...] = ("open",)) -> tuple[Request, str]:
    r = find_request(s, request_id)
    status = STATUS[int(s.deployment.issuer.request_status(r.id))]
    if side is not None and r.side != side:
        raise OpsError(f"request {r.id} is a {'mint' if r.side == MINT else 'redeem'}, not a "
                       f"{'mint' if side == MINT else 'redeem'}")
    if status not in statuses:
        raise OpsError(f"request {r.id} is {status}, not {' or '.join(statuses)}")
    return r, status


def _check_pmm(r: Request, account: Any) -> None:
    if r.pmm.lower() != str(account.address).lower():
        raise OpsError(f"request {r.id} belongs to PMM {r.pmm}, not account {account.address}")


def deliver(s: Session, pmm: Any, request_id: int, reference: str = "", *, move_assets: bool | None = None,
            move: Callable[[dict[str, int]], None] | None = None) -> dict[str, int]:
    """Record delivery of a mint's basket; on the local chain first move it to the custodian wallet
    (``move(amounts)`` when given: the PMM operator journals each asset's purchase)."""
    r, _ = _request(s, request_id, side=MINT)
    _check_pmm(r, pmm)
    dep = s.deployment
    if bool(dep.issuer.paused()):
        raise OpsError("the issuer is paused by the guardian")
    token = s.project.IndexToken.at(r.index)
    current = basket(s, token, int(dep.registry.version(token)), round_up=True)
    amounts = {sym: required_reserve(r.shares, u) for sym, u in current.units.items()}
    if move_assets is None:
        move_assets = s.is_local
    ref = keccak(text=reference or f"request {r.id}")
    call_first("deliver", dep.issuer.deliver_mint, r.as_tuple(), ref, sender=pmm)  # before any asset moves
    if move_assets:
        if move is not None:
            move(amounts)
        else:
            local_deliver(s.mock_assets(), pmm, s.custodian_wallet(), amounts)
    call_or_refuse("deliver", dep.issuer.deliver_mint, r.as_tuple(), ref, sender=pmm)
    return amounts


def settle(s: Session, account: Any, request_id: int) -> Request:
    """Settle a delivered mint once the last reserve report covers the supply after it."""
    r, _ = _request(s, request_id, side=MINT, statuses=("delivered",))
    dep = s.deployment
    token = s.project.IndexToken.at(r.index)
    gate = settle_gate(dep, token, r)
    call_or_refuse(f"request {r.id} cannot settle yet", dep.oracle.check_backing, *gate.args())
    call_or_refuse("settle", dep.issuer.settle_mint, r.as_tuple(), sender=account)
    return r


def fill(s: Session, pmm: Any, request_id: int, *, approve: bool = False, release: bool | None = None) -> dict[str, int]:
    """Fill a redemption: pay the WLP; on the local chain the custodian then releases the basket to the PMM."""
    r, _ = _request(s, request_id, side=REDEEM)
    _check_pmm(r, pmm)
    dep = s.deployment
    decimals = int(s.book.cash_token["decimals"])
    steps = funding("the fill", s.cash(), pmm, str(dep.issuer.address), r.cash, approve, decimals,
                     s.book.cash_token["symbol"])
    steps.append(Step("fill", dep.issuer.fill_redeem, (r.as_tuple(),), pmm))
    receipt = send(steps, s.chain.provider)[-1]
    filled = receipt.decode_logs(dep.issuer.RedeemFilled)[0]
    token = s.project.IndexToken.at(r.index)
    view = basket(s, token, int(filled.basket_version))
    released = {sym: int(u) for sym, u in zip(view.symbols, filled.units)}
    if release is None:
        release = s.is_local
    if release:
        local_release(s.mock_assets(), s.account(None, "custodian_wallet"), str(pmm.address), released)
        block_hash = s.chain.provider.web3.eth.get_block(int(receipt.block_number))["hash"]
        mark_paid(s, release_key(REDEMPTION, r.id, "0x" + bytes(block_hash).hex()))
    return released


def reject(s: Session, pmm: Any, request_id: int, reason: str = "") -> Request:
    r, _ = _request(s, request_id, statuses=("open", "delivered"))
    _check_pmm(r, pmm)
    call_or_refuse("reject", s.deployment.issuer.reject, r.as_tuple(), keccak(text=reason or "rejected"), sender=pmm)
    return r


def cancel(s: Session, wlp: Any, request_id: int) -> Request:
    r, _ = _request(s, request_id, statuses=("open", "delivered"))
    if r.wlp.lower() != str(wlp.address).lower():
        raise OpsError(f"request {r.id} belongs to WLP {r.wlp}, not account {wlp.address}")
    now = s.next_timestamp()
    status = STATUS[int(s.deployment.issuer.request_status(r.id))]
    if now < r.cancel_after and not (status == "open" and now > r.deadline):
        opens = min(r.cancel_after, r.deadline + 1) if status == "open" else r.cancel_after
        raise OpsError(f"request {r.id} can be cancelled from {iso(opens)} (in {opens - now} s)")
    call_or_refuse("cancel", s.deployment.issuer.cancel, r.as_tuple(), sender=wlp)
    return r


def trade_to_pending(s: Session, pmm: Any, symbol: str) -> dict[str, int]:
    """Local chain: the PMM's rebalance trades, so the custodian holds the pending basket for the supply.

    For every asset the change is required(new) - required(old) for every claim (supply, fee
    shares owed, delivered mints), units rounded up: buys are delivered by the PMM, sells
    released to it by the custodian."""
    entry = s.book.index(symbol)
    token = s.token(entry.symbol)
    reg = s.deployment.registry
    pending = int(reg.pending_version(token))
    if not pending:
        raise OpsError(f"no basket pending for {entry.symbol}")
    old = basket(s, token, int(reg.version(token)), round_up=True)
    new = basket(s, token, pending, round_up=True)
    supply = claims_of(s.deployment, token)
    delta = {sym: required_reserve(supply, new.units.get(sym, 0)) - required_reserve(supply, old.units.get(sym, 0))
             for sym in dict.fromkeys(old.symbols + new.symbols)}
    assets = s.mock_assets()
    missing = [sym for sym in delta if sym not in assets.tokens]
    if missing:
        raise OpsError(f"no mock token for {', '.join(missing)} on the local chain")
    local_deliver(assets, pmm, s.custodian_wallet(), {k: v for k, v in delta.items() if v > 0})
    local_release(assets, s.account(None, "custodian_wallet"), str(pmm.address), {k: -v for k, v in delta.items() if v < 0})
    return delta
