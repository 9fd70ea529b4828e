"""``deploy``: the protocol (once per network) and an index whose first basket comes from its methodology."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from ssi.chain.localchain import deploy_mock_assets
from ssi.ops.book import Book, IndexEntry
from ssi.ops.errors import OpsError, call_or_refuse
from ssi.ops.market import bundled_market, prices_at, to_base
from ssi.ops.session import LOCAL_SIGNERS, Session
from ssi.chain.protocol import DAY, IndexSpec, create_index, deploy_protocol, fee_rate_from_annual, register_assets


@dataclass
class DeployParams:
    methodology: str = "MAG7"
    reference: dt.date = dt.date(2025, 1, 28)
    nav_per_share: float = 100.0
    symbol: str | None = None  # default: the methodology's title (MAG7.ssi)
    name: str | None = None
    management_fee: float = 0.005  # per year
    creation_fee_bps: int = 10
    redemption_fee_bps: int = 10
    request_timeout: int = DAY
    notice_period: int = DAY
    max_report_age: int = DAY
    threshold: int = 2
    guardian: str | None = None
    compiler: str | None = None
    wlps: list[str] = field(default_factory=list)
    pmms: list[str] = field(default_factory=list)
    signers: list[str] = field(default_factory=list)
    treasury: str | None = None
    cash_token: str | None = None  # required outside the local chain
    fund: float = 10_000_000.0  # local chain: mock cash minted to each WLP and PMM
    ephemeral: bool = False  # deploy even on a node that stops with this process
    force: bool = False  # replace a deployments file written on another chain


@dataclass
class FirstBasket:
    reference: str
    effective: str
    weights: dict[str, float]
    prices: dict[str, float]
    units: dict[str, int]
    decimals: dict[str, int]
    nav_per_share: float
    basket_value: float


def first_basket(methodology: str, reference: dt.date, nav_per_share: float) -> FirstBasket:
    """The methodology's basket on ``reference`` as units per share worth ``nav_per_share``."""
    from ssi.methodology.calendar import next_effective_after
    from ssi.methodology.definition import load_definition
    from ssi.methodology.rebalance import compute_rebalance
    from ssi.methodology.units import decimals_of, units_per_share

    try:
        definition = load_definition(methodology)
    except ValueError as exc:
        raise OpsError(str(exc)) from None
    market = bundled_market()
    prices_at(reference, [])  # range check
    effective = next_effective_after(reference, definition.calendar)
    try:
        reb = compute_rebalance(definition, market, reference, effective, [])
    except ValueError as exc:
        raise OpsError(str(exc)) from None
    symbols = list(reb.weights.index)
    prices = prices_at(reference, symbols)
    decimals = {s: decimals_of(s) for s in symbols}
    basket = units_per_share(reb.weights.to_dict(), prices, nav_per_share, decimals)
    return FirstBasket(str(reference), str(effective), {s: float(w) for s, w in reb.weights.items()},
                       prices, basket.units, decimals, nav_per_share, basket.basket_value)


def _existing_book(s: Session, force: bool) -> Book | None:
    if s.book_file is None:
        return s._book
    if not s.book_file.is_file():
        return None
    try:
        return s.book
    except OpsError:
        if s.is_local and force:
            return None  # a restarted local node: start over, as asked
        if s.is_local:
            raise OpsError(f"{s.book_file} was written on another chain; pass --force to replace it "
                           "(its contracts are then forgotten)") from None
        raise


def _check_persistent(s: Session, p: DeployParams) -> None:
    """A deployments file records a chain that later commands reach: not one that stops with this one."""
    if s.book_file is not None and s.ephemeral and not p.ephemeral:
        raise OpsError("no persistent node: Ape started a throw-away anvil for this command, which stops when it "
                       "ends; start one (`make node`, then export APE_FOUNDRY_HOST=http://127.0.0.1:8545) "
                       "or pass --ephemeral")


def deploy(s: Session, admin: Any, p: DeployParams) -> tuple[Book, IndexEntry, FirstBasket]:
    """Deploy the protocol if this network has none, then create the index. Returns what was recorded."""
    from ssi.methodology.definition import load_definition

    try:
        definition = load_definition(p.methodology)
    except ValueError as exc:
        raise OpsError(str(exc)) from None
    symbol = p.symbol or definition.title
    name = p.name or f"{definition.title} Index"
    if len(symbol) > 16 or len(name) > 25:
        raise OpsError(f"symbol {symbol!r} (16 characters at most) or name {name!r} (25 at most) too long")
    if not 0 <= p.management_fee < 0.05:
        raise OpsError(f"management fee {p.management_fee} outside [0, 0.05)")
    if not s.is_local and (p.cash_token is None or p.compiler is None or not p.signers or p.treasury is None):
        raise OpsError(f"on {s.network_choice} pass --cash-token, --compiler, --signer (each) and --treasury")
    _check_persistent(s, p)
    book = _existing_book(s, p.force)
    if book is not None and symbol in book.indices:
        raise OpsError(f"index {symbol} already deployed on {s.network_choice} at {book.indices[symbol].address}")
    basket = first_basket(p.methodology, p.reference, p.nav_per_share)
    role = lambda value, r: s.address_of(value, r)  # noqa: E731
    guardian = role(p.guardian, "guardian")
    compiler = role(p.compiler, "compiler")
    treasury = role(p.treasury, "treasury")
    wlps = [role(w, "wlp") for w in p.wlps] or [role(None, "wlp")]
    pmms = [role(m, "pmm") for m in p.pmms] or [role(None, "pmm")]
    signers = [role(x, "custodian") for x in p.signers] or [str(s.accounts.test_accounts[i].address) for i in LOCAL_SIGNERS]
    if not 1 <= p.threshold <= len(signers):
        raise OpsError(f"threshold {p.threshold} must be between 1 and the {len(signers)} signers")

    if book is None:
        dep = deploy_protocol(s.project, admin, guardian, s.chain_id, notice_period=p.notice_period,
                              max_report_age=p.max_report_age)
        deploy_block = int(s.chain.blocks.height)
        local: dict[str, Any] = {}
        if s.is_local:
            usdc = s.project.MockERC20.deploy("USD Coin", "USDC", 6, sender=admin)
            cash = {"symbol": "USDC", "address": str(usdc.address), "decimals": 6}
            local = {"assets": {}, "custodian_wallet": str(s.account(None, "custodian_wallet").address)}
        else:
            token = s.project.MockERC20.at(p.cash_token)
            cash = {"symbol": str(token.symbol()), "address": str(p.cash_token), "decimals": int(token.decimals())}
        book = Book(s.network_choice, s.chain_id, s.genesis_hash(), deploy_block, dep.addresses(), cash, local)
        s.set_book(book)
    else:
        s._book = book
    dep = s.deployment
    if str(dep.registry.owner()) != str(admin.address):
        raise OpsError(f"account {admin.address} is not the owner of the protocol on {s.network_choice}")
    register_assets(dep, admin, basket.decimals.items())
    if s.is_local:
        missing = [(a, d) for a, d in basket.decimals.items() if a not in book.local["assets"]]
        book.local["assets"].update(deploy_mock_assets(s.project, admin, missing).addresses())
    spec = IndexSpec(
        name=name, symbol=symbol, assets=list(basket.units), units=list(basket.units.values()),
        compiler=compiler, signers=signers, threshold=p.threshold, cash_token=book.cash_token["address"],
        treasury=treasury, management_fee_rate=fee_rate_from_annual(p.management_fee),
        creation_fee_bps=p.creation_fee_bps, redemption_fee_bps=p.redemption_fee_bps,
        request_timeout=p.request_timeout, wlps=wlps, pmms=pmms,
    )
    token = call_or_refuse("create index", create_index, s.project, dep, admin, spec)
    if s.is_local and p.fund > 0:
        cash_token = s.cash()
        for who in set(wlps + pmms):
            cash_token.mint(who, to_base(p.fund, book.cash_token["decimals"]), sender=admin)
    entry = IndexEntry(symbol, str(token.address), definition.name, basket.reference, p.nav_per_share,
                       int(s.chain.blocks.height))
    book.indices[symbol] = entry
    s.save()
    return book, entry, basket
