"""The arbitrage bot: one round of mint-and-sell or buy-and-redeem against the pool, on chain.

The decision and the sizes come from :func:`ssi.arb.model.decide`; this module
executes them through the protocol exactly as the parties would:

``mint_and_sell``
    the PMM signs a quote at NAV (cash rounded up) → the WLP requests the mint
    (cash + creation fee escrowed) → the PMM delivers the basket to the
    custodian and records the delivery → the custodian signers post a report of
    the custodian's holdings → the WLP settles → the WLP sells the shares in
    the pool.
``buy_and_redeem``
    the WLP buys shares in the pool → the PMM signs a quote at NAV (cash
    rounded down) → the WLP requests the redemption (shares escrowed) → the
    PMM fills (cash less fee to the WLP) → the custodian releases the basket
    units of ``RedeemFilled`` to the PMM.

The off-chain world (the PMM buying assets, the custodian's books) is played
by :mod:`ssi.chain.localchain`: the bot runs on the local chain.

Profit
------
``realised_gross`` is the change of the WLP's cash balance over the round
(pool fee, creation or redemption fee already paid). ``gas_cost`` prices the
gas of the transactions the WLP sends itself (request, settle, swap) at
``GasModel.gas_price_wei`` and the native token's USD price; the PMM's and
custodian's transactions are their own cost (priced into their service).
``realised_profit = realised_gross - gas_cost``, in cash base units. The
model's ``predicted_profit`` (``Plan.expected_profit``) subtracts the gas
estimate the bot planned with; ``predicted_gross`` is the model before gas.
"""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from typing import Any

import numpy as np

from ssi.arb.model import (
    BPS,
    Costs,
    Plan,
    PoolState,
    PriceSource,
    ceil_div,
    decide,
    gas_cost_cash,
    nav_per_share,
    no_arbitrage_band,
    premium,
)
from ssi.chain.eip712 import MINT, REDEEM, ApeSigner
from ssi.chain.localchain import MockAssets, custodian_holdings, deliver, deploy_mock_assets, release
from ssi.arb.prices import ScaledPrices, random_shock
from ssi.chain.protocol import (
    Deployment,
    IndexSpec,
    Request,
    create_index,
    deploy_protocol,
    post_report,
    quote_for,
    register_assets,
    request_of,
    required_reserve,
)

__all__ = [
    "ArbError",
    "GasModel",
    "Roles",
    "RoundRecord",
    "ShockRun",
    "Step",
    "Venue",
    "build_local_venue",
    "mint_shares",
    "run_round",
    "run_shocks",
]

MAX_UINT = 2**256 - 1
#: Reference recorded with ``deliver_mint`` by the local-chain PMM.
DELIVERY_REFERENCE = b"arb-bot-local-delivery".ljust(32, b"\0")
#: Gas per round the WLP pays, as measured on anvil (3-asset basket, whole transactions);
#: the bot starts from these and then uses what it measured.
DEFAULT_GAS_ESTIMATE = {"mint_and_sell": 400_000, "buy_and_redeem": 270_000}

Log = Callable[[str], None]
OnStep = Callable[[str], None]


class ArbError(Exception):
    """A round cannot run (bad configuration or venue state); the message says why."""


# --------------------------------------------------------------------------
# Configuration and venue
# --------------------------------------------------------------------------


@dataclass
class GasModel:
    """Gas price, native token price and the per-action gas estimate used to plan."""

    #: Gas price in wei (anvil may charge nothing: this is the price the profit assumes).
    gas_price_wei: int = 10**9
    #: Symbol of the native token in the price source, or ``None`` with ``native_price``.
    native_symbol: str | None = "ETH"
    #: USD price of the native token; overrides ``native_symbol`` when set.
    native_price: float | None = None
    #: USD price of one whole cash token.
    cash_price: float = 1.0
    #: Gas units per round, by action, that the WLP expects to pay.
    estimate: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_GAS_ESTIMATE))
    #: Update ``estimate`` with each round's measured gas.
    learn: bool = True

    def native_usd(self, prices: PriceSource) -> float:
        if self.native_price is not None:
            return self.native_price
        if self.native_symbol is None:
            raise ArbError("gas model needs a native token price or symbol")
        return prices.price(self.native_symbol)

    def cost(self, gas_units: int, prices: PriceSource, cash_decimals: int) -> int:
        """Cash base units that ``gas_units`` cost, rounded up."""
        if self.gas_price_wei == 0 or gas_units == 0:
            return 0
        return gas_cost_cash(gas_units, self.gas_price_wei, self.native_usd(prices),
                             cash_decimals, self.cash_price)


@dataclass
class Roles:
    """The accounts a local venue needs (Ape accounts)."""

    admin: Any
    wlp: Any
    pmm: Any
    #: The custodian's wallet: holds the basket assets, releases them on redemption.
    custodian: Any
    #: Reserve-report signers (at least the index threshold of them).
    signers: Sequence[Any]
    treasury: Any
    #: Seeds the pool with liquidity.
    lp: Any


@dataclass
class Venue:
    """A deployed index, its pool, the mock world around it, and who plays which role."""

    chain: Any
    deployment: Deployment
    token: Any
    pool: Any
    cash: Any
    assets: MockAssets
    symbols: list[str]
    roles: Roles
    threshold: int
    #: Quote nonces of the PMM (a range no other tool uses).
    nonces: Any = field(default_factory=lambda: itertools.count(2**64))
    #: Every request the bot opened on this venue, seeding included.
    requests: list[Request] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.pmm_signer = ApeSigner(self.roles.pmm)
        self.report_signers = [ApeSigner(s) for s in list(self.roles.signers)[: self.threshold]]
        self.index_decimals = 18
        self.cash_decimals = int(self.cash.decimals())
        self.decimals = {
            s: int(self.deployment.registry.assets(_asset_id(s)).decimals) for s in self.symbols
        }
        config = self.deployment.issuer.configs(self.token)
        self.creation_fee_bps = int(config.creation_fee_bps)
        self.redemption_fee_bps = int(config.redemption_fee_bps)
        self.min_shares = int(config.min_shares)
        self.max_shares = int(config.max_shares)

    @property
    def version(self) -> int:
        return int(self.deployment.registry.version(self.token))

    def units(self, round_up: bool = False) -> dict[str, int]:
        """Effective units per share of the current basket (management fee applied)."""
        raw = self.deployment.registry.effective_units(self.token, self.version, round_up)
        return dict(zip(self.symbols, (int(u) for u in raw)))

    def nav(self, prices: PriceSource, cash_price: float = 1.0) -> float:
        """NAV per share in whole cash units."""
        return nav_per_share(self.units(), self.decimals, prices) / cash_price

    def pool_state(self) -> PoolState:
        reserve_index, reserve_cash = self.pool.reserves()
        return PoolState(int(reserve_index), int(reserve_cash), self.pool_fee_bps,
                         self.index_decimals, self.cash_decimals)

    @property
    def pool_fee_bps(self) -> int:
        if not hasattr(self, "_pool_fee"):
            self._pool_fee = int(self.pool.fee_bps())
        return self._pool_fee

    def cash_of(self, who: Any) -> int:
        return int(self.cash.balanceOf(who))

    def shares_of(self, who: Any) -> int:
        return int(self.token.balanceOf(who))



def _asset_id(symbol: str) -> bytes:
    from ssi.chain.protocol import asset_id

    return asset_id(symbol)


# --------------------------------------------------------------------------
# Records
# --------------------------------------------------------------------------


@dataclass
class Step:
    """One transaction (or off-chain action) of a round."""

    name: str
    #: Role that sent it: wlp, pmm, custodian, signers.
    by: str
    gas_used: int
    detail: dict[str, Any] = field(default_factory=dict)


@dataclass
class RoundRecord:
    """What a round planned, did and earned. Amounts in base units, premiums as fractions."""

    action: str
    dry_run: bool
    nav: float
    plan: Plan
    steps: list[Step] = field(default_factory=list)
    requests: list[Request] = field(default_factory=list)
    reason: str = ""
    premium_before: float = 0.0
    premium_after: float = 0.0
    #: The fees-only band and the band with the planned gas cost.
    fee_band: tuple[float, float] = (0.0, 0.0)
    band: tuple[float, float] = (0.0, 0.0)
    cash_before: int = 0
    cash_after: int = 0
    shares_before: int = 0
    shares_after: int = 0
    gas_wlp: int = 0
    gas_total: int = 0
    gas_cost: int = 0
    planned_gas_cost: int = 0
    realised_gross: int = 0
    realised_profit: int = 0

    @property
    def predicted_profit(self) -> int:
        return self.plan.expected_profit

    @property
    def predicted_gross(self) -> int:
        return self.plan.expected_profit + self.planned_gas_cost if self.action != "none" else 0

    def as_dict(self) -> dict[str, Any]:
        out = {
            "action": self.action,
            "dry_run": self.dry_run,
            "reason": self.reason,
            "nav": self.nav,
            "pool_price_before": self.plan.price_before,
            "premium_before": self.premium_before,
            "premium_after": self.premium_after,
            "predicted_premium_after": self.plan.premium_after,
            "fee_band": list(self.fee_band),
            "band": list(self.band),
            "amount_in": self.plan.amount_in,
            "amount_out": self.plan.amount_out,
            "protocol_cash": self.plan.protocol_cash,
            "predicted_gross": self.predicted_gross,
            "predicted_profit": self.predicted_profit,
            "planned_gas_cost": self.planned_gas_cost,
            "realised_gross": self.realised_gross,
            "realised_profit": self.realised_profit,
            "gas_wlp": self.gas_wlp,
            "gas_total": self.gas_total,
            "gas_cost": self.gas_cost,
            "requests": [r.id for r in self.requests],
            "steps": [asdict(s) for s in self.steps],
        }
        return out


# --------------------------------------------------------------------------
# Legs
# --------------------------------------------------------------------------


def _nav_cash(shares: int, nav: Fraction, venue: Venue) -> Fraction:
    return Fraction(shares) * nav * 10**venue.cash_decimals / 10**venue.index_decimals


def _fresh_as_of(venue: Venue) -> int:
    """A report time newer than the last report and not in the future (mines a block if needed)."""
    last = int(venue.deployment.oracle.last_as_of(venue.token))
    head = int(venue.chain.blocks.head.timestamp)
    if head <= last:
        venue.chain.mine(timestamp=last + 1)
        head = last + 1
    return head


class _Recorder:
    def __init__(self, venue: Venue, record: RoundRecord, log: Log | None, on_step: OnStep | None):
        self.venue, self.record, self.log, self.on_step = venue, record, log, on_step

    def __call__(self, name: str, by: str, receipt: Any = None, **detail: Any) -> None:
        gas = int(receipt.gas_used) if receipt is not None else 0
        self.record.steps.append(Step(name, by, gas, detail))
        self.record.gas_total += gas
        if by == "wlp":
            self.record.gas_wlp += gas
        if self.log:
            extra = " ".join(f"{k}={v}" for k, v in detail.items())
            self.log(f"  {name:<16} by {by:<9} gas {gas:>8,}  {extra}".rstrip())
        if self.on_step:
            self.on_step(name)


def _quote(venue: Venue, side: int, shares: int, cash: int) -> tuple[Any, bytes]:
    return quote_for(
        venue.deployment, venue.pmm_signer,
        index=str(venue.token.address), side=side, shares=shares, cash=cash,
        cash_token=str(venue.cash.address), wlp=str(venue.roles.wlp.address),
        deadline=int(venue.chain.pending_timestamp) + 600, nonce=next(venue.nonces),
    )


def _mint_leg(venue: Venue, shares: int, nav: Fraction, step: _Recorder) -> Request:
    """Quote, request, delivery, report, settlement: ``shares`` minted to the WLP."""
    dep, roles = venue.deployment, venue.roles
    cash = math.ceil(_nav_cash(shares, nav, venue))
    fee = ceil_div(cash * venue.creation_fee_bps, BPS)
    quote, signature = _quote(venue, MINT, shares, cash)
    receipt = dep.issuer.request_mint(quote.as_tuple(), signature, fee, sender=roles.wlp)
    request = request_of(receipt, dep)
    step.record.requests.append(request)
    venue.requests.append(request)
    step("request_mint", "wlp", receipt, id=request.id, shares=shares, cash=cash, fee=fee)

    up = venue.units(round_up=True)
    amounts = {s: required_reserve(shares, up[s]) for s in venue.symbols}
    deliver(venue.assets, roles.pmm, str(roles.custodian.address), amounts)
    step("deliver_basket", "pmm", None, **amounts)
    receipt = dep.issuer.deliver_mint(request.as_tuple(), DELIVERY_REFERENCE, sender=roles.pmm)
    step("deliver_mint", "pmm", receipt, id=request.id)

    balances = custodian_holdings(venue.assets, str(roles.custodian.address), venue.symbols)
    receipt = post_report(
        dep, venue.report_signers, roles.custodian, index=str(venue.token.address),
        version=venue.version, balances=balances, as_of=_fresh_as_of(venue),
    )
    step("post_report", "custodian", receipt, balances=balances)
    receipt = dep.issuer.settle_mint(request.as_tuple(), sender=roles.wlp)
    step("settle_mint", "wlp", receipt, id=request.id)
    return request


def _redeem_leg(venue: Venue, shares: int, nav: Fraction, step: _Recorder) -> Request:
    """Quote, request, PMM fill, custodian release: ``shares`` redeemed for cash."""
    dep, roles = venue.deployment, venue.roles
    cash = math.floor(_nav_cash(shares, nav, venue))
    fee = ceil_div(cash * venue.redemption_fee_bps, BPS)
    quote, signature = _quote(venue, REDEEM, shares, cash)
    receipt = dep.issuer.request_redeem(quote.as_tuple(), signature, fee, sender=roles.wlp)
    request = request_of(receipt, dep)
    step.record.requests.append(request)
    venue.requests.append(request)
    step("request_redeem", "wlp", receipt, id=request.id, shares=shares, cash=cash, fee=fee)

    if venue.cash_of(roles.pmm) < cash:  # the local PMM tops its float up (mock cash)
        venue.cash.mint(roles.pmm, 10 * cash, sender=roles.pmm)
    receipt = dep.issuer.fill_redeem(request.as_tuple(), sender=roles.pmm)
    [filled] = receipt.decode_logs(dep.issuer.RedeemFilled)
    released = dict(zip(venue.symbols, (int(u) for u in filled.units)))
    step("fill_redeem", "pmm", receipt, id=request.id)
    release(venue.assets, roles.custodian, str(roles.pmm.address), released)
    step("release_basket", "custodian", None, **released)
    return request


def mint_shares(
    venue: Venue, shares: int, prices: PriceSource, gas: GasModel | None = None
) -> Request:
    """Mint ``shares`` to the WLP at NAV through the whole protocol path (seeding a venue)."""
    cash_price = gas.cash_price if gas else 1.0
    nav = Fraction(venue.nav(prices, cash_price))
    record = RoundRecord("seed", False, float(nav), _no_plan(venue, float(nav)))
    _mint_leg(venue, shares, nav, _Recorder(venue, record, None, None))
    return record.requests[0]


def _no_plan(venue: Venue, nav: float) -> Plan:
    price = venue.pool_state().price() if venue.pool.reserves()[0] else nav
    return Plan("none", 0, 0, 0, 0, nav, price, price, premium(price, nav), premium(price, nav),
                (0.0, 0.0))


# --------------------------------------------------------------------------
# A round
# --------------------------------------------------------------------------


def run_round(
    venue: Venue,
    prices: PriceSource,
    gas: GasModel | None = None,
    *,
    dry_run: bool = False,
    log: Log | None = None,
    on_step: OnStep | None = None,
) -> RoundRecord:
    """Decide and (unless ``dry_run``) execute one arbitrage round; returns what happened.

    ``on_step(name)`` is called after every step (tests check invariants there);
    ``log`` receives one line per step.
    """
    gas = gas if gas is not None else GasModel()
    nav = venue.nav(prices, gas.cash_price)
    pool = venue.pool_state()
    fee_band = no_arbitrage_band(pool.fee_bps, venue.creation_fee_bps, venue.redemption_fee_bps)

    # Plan with the gas of the action that would run (the larger one when undecided).
    base = Costs(venue.creation_fee_bps, venue.redemption_fee_bps, 0)
    action = decide(pool, nav, base).action
    planned_units = gas.estimate.get(action, max(gas.estimate.values(), default=0))
    planned_gas_cost = gas.cost(planned_units, prices, venue.cash_decimals)
    plan = decide(pool, nav, Costs(venue.creation_fee_bps, venue.redemption_fee_bps,
                                   planned_gas_cost))

    record = RoundRecord(plan.action, dry_run, nav, plan, fee_band=fee_band, band=plan.band,
                         premium_before=plan.premium_before, premium_after=plan.premium_before,
                         planned_gas_cost=planned_gas_cost if plan.action != "none" else 0)
    if log:
        log(f"NAV {nav:,.6f}  pool {plan.price_before:,.6f}  premium {plan.premium_before:+.4%}"
            f"  band [{plan.band[0]:+.4%}, {plan.band[1]:+.4%}]  -> {plan.action}")

    shares = plan.amount_in if plan.action == "mint_and_sell" else plan.amount_out
    if plan.action != "none" and not venue.min_shares <= shares <= venue.max_shares:
        record.action, record.reason = "none", "size outside the issuer's share limits"
    elif plan.action == "none":
        record.reason = "inside the no-arbitrage band"
    if record.action == "none":
        record.planned_gas_cost = 0
        if log:
            log(f"  nothing to do: {record.reason}")
        return record

    if dry_run:
        if log:
            if plan.action == "mint_and_sell":
                log(f"  plan: mint {plan.amount_in} share-wei for {plan.protocol_cash} cash (fee"
                    f" included), sell for {plan.amount_out}; expected profit"
                    f" {plan.expected_profit} after gas {planned_gas_cost}")
            else:
                log(f"  plan: buy {plan.amount_out} share-wei for {plan.amount_in} cash, redeem"
                    f" for {plan.protocol_cash}; expected profit {plan.expected_profit}"
                    f" after gas {planned_gas_cost}")
        return record

    wlp = venue.roles.wlp
    record.cash_before, record.shares_before = venue.cash_of(wlp), venue.shares_of(wlp)
    step = _Recorder(venue, record, log, on_step)
    nav_exact = Fraction(nav)
    if plan.action == "mint_and_sell":
        _mint_leg(venue, plan.amount_in, nav_exact, step)
        receipt = venue.pool.swap(plan.amount_in, False, plan.amount_out, wlp, sender=wlp)
        step("sell_in_pool", "wlp", receipt, shares=plan.amount_in, cash=plan.amount_out)
    else:
        receipt = venue.pool.swap(plan.amount_in, True, plan.amount_out, wlp, sender=wlp)
        step("buy_in_pool", "wlp", receipt, cash=plan.amount_in, shares=plan.amount_out)
        _redeem_leg(venue, plan.amount_out, nav_exact, step)

    record.cash_after, record.shares_after = venue.cash_of(wlp), venue.shares_of(wlp)
    record.realised_gross = record.cash_after - record.cash_before
    record.gas_cost = gas.cost(record.gas_wlp, prices, venue.cash_decimals)
    record.realised_profit = record.realised_gross - record.gas_cost
    record.premium_after = premium(venue.pool_state().price(), nav)
    if gas.learn:
        gas.estimate[plan.action] = record.gas_wlp
    if log:
        log(f"  premium {record.premium_before:+.4%} -> {record.premium_after:+.4%}; profit"
            f" {record.realised_profit / 10**venue.cash_decimals:,.6f} cash (predicted"
            f" {record.predicted_profit / 10**venue.cash_decimals:,.6f});"
            f" WLP gas {record.gas_wlp:,}")
    return record


# --------------------------------------------------------------------------
# Random shocks
# --------------------------------------------------------------------------


@dataclass
class ShockRun:
    """Rounds after seeded NAV shocks, and their summary figures."""

    seed: int
    sigma: float
    records: list[RoundRecord]
    premiums_before: list[float]

    def summary(self, cash_decimals: int = 6) -> dict[str, Any]:
        before = np.abs(np.array(self.premiums_before))
        after = np.abs(np.array([r.premium_after for r in self.records]))
        traded = [r for r in self.records if r.action != "none"]
        by_action: dict[str, list[RoundRecord]] = {}
        for r in traded:
            by_action.setdefault(r.action, []).append(r)
        scale = 10**cash_decimals
        return {
            "shocks": len(self.records),
            "seed": self.seed,
            "sigma": self.sigma,
            "rounds": {a: len(v) for a, v in sorted(by_action.items())}
            | {"none": len(self.records) - len(traded)},
            "premium_before_mean_abs": float(before.mean()),
            "premium_before_max_abs": float(before.max()),
            "premium_after_mean_abs": float(after.mean()),
            "premium_after_max_abs": float(after.max()),
            "premium_after_traded_max_abs": float(
                max((abs(r.premium_after) for r in traded), default=0.0)
            ),
            "fee_band": list(self.records[0].fee_band) if self.records else [],
            "gas_band_last_round": list(self.records[-1].band) if self.records else [],
            "total_profit": sum(r.realised_profit for r in traded) / scale,
            "total_predicted_profit": sum(r.predicted_profit for r in traded) / scale,
            "total_gas_cost": sum(r.gas_cost for r in traded) / scale,
            "gas_per_round": {
                a: {
                    "wlp_mean": int(np.mean([r.gas_wlp for r in v])),
                    "all_parties_mean": int(np.mean([r.gas_total for r in v])),
                }
                for a, v in sorted(by_action.items())
            },
        }


def run_shocks(
    venue: Venue,
    base: PriceSource,
    gas: GasModel | None = None,
    *,
    shocks: int = 50,
    seed: int = 0,
    sigma: float = 0.02,
    on_step: OnStep | None = None,
    after_round: Callable[[RoundRecord], None] | None = None,
    log: Log | None = None,
) -> ShockRun:
    """``shocks`` times: move every asset price by a seeded log-normal factor (the NAV moves,
    the pool stays), then run a round. Factors compound from shock to shock."""
    gas = gas if gas is not None else GasModel()
    rng = np.random.default_rng(seed)
    factors = {s: 1.0 for s in venue.symbols}
    run = ShockRun(seed, sigma, [], [])
    for i in range(shocks):
        shock = random_shock(rng, venue.symbols, sigma)
        factors = {s: factors[s] * shock[s] for s in venue.symbols}
        prices = ScaledPrices(base, factors)
        if log:
            log(f"shock {i + 1}/{shocks}")
        record = run_round(venue, prices, gas, log=log, on_step=on_step)
        run.premiums_before.append(record.premium_before)
        run.records.append(record)
        if after_round:
            after_round(record)
    return run


# --------------------------------------------------------------------------
# A local venue
# --------------------------------------------------------------------------


def build_local_venue(
    project: Any,
    chain: Any,
    roles: Roles,
    prices: PriceSource,
    *,
    deployment: Deployment | None = None,
    weights: Mapping[str, float] | None = None,
    nav: float = 100.0,
    pool_shares: int = 10_000,
    premium_at_seed: float = 0.0,
    creation_fee_bps: int = 10,
    redemption_fee_bps: int = 10,
    pool_fee_bps: int = 30,
    threshold: int = 2,
    name: str = "Arbitrage Test Index",
    symbol: str = "ARB.ssi",
) -> Venue:
    """Deploy (or reuse) the protocol, create an index of ``weights`` at ``nav`` USD per share,
    mock the assets and cash, seed a pool of ``pool_shares`` whole shares at
    ``NAV * (1 + premium_at_seed)``, and fund and approve every role once."""
    from ssi.methodology.units import decimals_of, units_per_share

    weights = dict(weights or {"BTC": 0.5, "ETH": 0.3, "SOL": 0.2})
    symbols = list(weights)
    if len(roles.signers) < threshold:
        raise ArbError(f"need {threshold} report signers, got {len(roles.signers)}")
    admin = roles.admin
    cash = project.MockERC20.deploy("USD Coin", "USDC", 6, sender=admin)
    if deployment is None:
        deployment = deploy_protocol(project, admin, admin.address, chain.chain_id)
    decimals = {s: decimals_of(s) for s in symbols}
    register_assets(deployment, admin, decimals.items())
    for s in symbols:
        registered = int(deployment.registry.assets(_asset_id(s)).decimals)
        if registered != decimals[s]:
            raise ArbError(f"asset {s} is registered with {registered} decimals, not {decimals[s]}")
    basket = units_per_share(weights, {s: prices.price(s) for s in symbols}, nav, decimals)
    spec = IndexSpec(
        name=name, symbol=symbol, assets=symbols, units=[basket.units[s] for s in symbols],
        compiler=admin.address, signers=[s.address for s in roles.signers], threshold=threshold,
        cash_token=cash.address, treasury=roles.treasury.address,
        creation_fee_bps=creation_fee_bps, redemption_fee_bps=redemption_fee_bps,
        wlps=[roles.wlp.address], pmms=[roles.pmm.address],
    )
    token = create_index(project, deployment, admin, spec)
    assets = deploy_mock_assets(project, admin, decimals.items())
    pool = project.ConstantProductPool.deploy(token, cash, pool_fee_bps, sender=admin)

    # Floats and allowances, once: rounds then send only their own transactions.
    float_cash = 10**12 * 10**6
    for who in (roles.wlp, roles.pmm):
        cash.mint(who, float_cash, sender=who)
        cash.approve(deployment.issuer, MAX_UINT, sender=who)
    for who in (roles.wlp, roles.lp):
        cash.approve(pool, MAX_UINT, sender=who)
        token.approve(pool, MAX_UINT, sender=who)
    token.approve(deployment.issuer, MAX_UINT, sender=roles.wlp)

    venue = Venue(chain, deployment, token, pool, cash, assets, symbols, roles, threshold)
    seed = pool_shares * 10**18
    mint_shares(venue, seed, prices)
    token.transfer(roles.lp, seed, sender=roles.wlp)
    seed_price = Fraction(venue.nav(prices)) * Fraction(1 + premium_at_seed)
    seed_cash = math.floor(Fraction(seed) * seed_price * 10**venue.cash_decimals / 10**18)
    cash.mint(roles.lp, seed_cash, sender=roles.lp)
    pool.add_liquidity(seed, seed_cash, sender=roles.lp)
    return venue
