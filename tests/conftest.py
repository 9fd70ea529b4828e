"""Shared test settings and fixtures.

Hypothesis profiles (quick for CI, thorough by flag), role-named actors, a deployed
protocol on anvil, an index factory (`make_index`) and the role actions (`flows`).
Fixtures that touch the chain are only instantiated by tests that ask for them.
"""

from __future__ import annotations

import itertools
import os
from dataclasses import dataclass, field
from typing import Any, Callable

import pytest
from hypothesis import HealthCheck, settings

from ssi.chain.eip712 import MINT, REDEEM, ApeSigner
from ssi.chain.protocol import (
    UNIT_SCALE,
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

settings.register_profile(
    "ci",
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.register_profile(
    "thorough",
    max_examples=1000,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
settings.load_profile(os.environ.get("SSI_HYPOTHESIS_PROFILE", "ci"))

DECIMALS_CYCLE = (8, 18, 9, 6, 18, 8, 6, 18, 9, 8, 6, 18, 8, 18, 6, 9)


@pytest.fixture(scope="session")
def admin(accounts):
    return accounts[0]


@pytest.fixture(scope="session")
def guardian(accounts):
    return accounts[1]


@pytest.fixture(scope="session")
def compiler(accounts):
    return accounts[2]


@pytest.fixture(scope="session")
def wlp(accounts):
    return accounts[3]


@pytest.fixture(scope="session")
def pmm(accounts):
    return accounts[4]


@pytest.fixture(scope="session")
def custodian_signers(accounts):
    return [accounts[5], accounts[6], accounts[7]]


@pytest.fixture(scope="session")
def treasury(accounts):
    return accounts[8]


@pytest.fixture(scope="session")
def attacker(accounts):
    return accounts[9]


@pytest.fixture(scope="session")
def anyone(accounts):
    return accounts[10]


@pytest.fixture(scope="session")
def pmm_signer(pmm):
    return ApeSigner(pmm)


@pytest.fixture(scope="session")
def custodian_keys(custodian_signers):
    return [ApeSigner(a) for a in custodian_signers]


@pytest.fixture(scope="session")
def usdc(project, admin):
    return project.MockERC20.deploy("USD Coin", "USDC", 6, sender=admin)


@pytest.fixture(scope="session")
def protocol(project, chain, admin, guardian) -> Deployment:
    return deploy_protocol(project, admin, guardian.address, chain.chain_id)


@dataclass
class Index:
    """A created index with everything a test needs to drive it."""

    token: Any
    assets: list[str]
    decimals: list[int]
    units: list[int]
    protocol: Deployment

    def required(self, supply: int, units: list[int] | None = None) -> list[int]:
        return [required_reserve(supply, u) for u in (units or self.units)]


_names = itertools.count(1)


@pytest.fixture(scope="session")
def make_index(project, protocol, admin, compiler, wlp, pmm, custodian_signers, treasury, usdc):
    """Create an index of ``n_assets`` assets with the given decimals (cycled)."""

    def make(
        n_assets: int = 7,
        decimals: tuple[int, ...] = DECIMALS_CYCLE,
        threshold: int = 2,
        creation_fee_bps: int = 10,
        redemption_fee_bps: int = 10,
        management_fee_rate: int = 0,
        units: list[int] | None = None,
        cash_token: Any = None,
    ) -> Index:
        tag = next(_names)
        assets = [f"A{tag}X{i}" for i in range(n_assets)]
        decs = [decimals[i % len(decimals)] for i in range(n_assets)]
        register_assets(protocol, admin, zip(assets, decs))
        # 0.001 whole token per share, plus a distinct tail so that rounding is exercised.
        if units is None:
            units = [10 ** d * UNIT_SCALE // 1000 + 12345 + i for i, d in enumerate(decs)]
        spec = IndexSpec(
            name=f"Test Index {tag}",
            symbol=f"T{tag}.ssi",
            assets=assets,
            units=units,
            compiler=compiler.address,
            signers=[c.address for c in custodian_signers],
            threshold=threshold,
            cash_token=(cash_token or usdc).address,
            treasury=treasury.address,
            management_fee_rate=management_fee_rate,
            creation_fee_bps=creation_fee_bps,
            redemption_fee_bps=redemption_fee_bps,
            wlps=[wlp.address],
            pmms=[pmm.address],
        )
        token = create_index(project, protocol, admin, spec)
        return Index(token, assets, decs, units, protocol)

    return make


@pytest.fixture(scope="module")
def index7(make_index) -> Index:
    return make_index(7)


@dataclass
class Flows:
    """Role actions in one place, so tests read as the story they check."""

    protocol: Deployment
    chain: Any
    usdc: Any
    wlp: Any
    pmm: Any
    pmm_signer: ApeSigner
    custodian_keys: list[ApeSigner]
    anyone: Any
    nonces: itertools.count
    #: What the custodian really holds per index (current basket order), apart from any report:
    #: deliveries add what was really delivered, releases and baskets owed back subtract.
    held: dict[str, list[int]] = field(default_factory=dict)

    #: Mints whose basket really reached the custodian, by request id.
    real_deliveries: dict[int, Request] = field(default_factory=dict)

    def open_real_deliveries(self, index: Index) -> int:
        """Shares of really delivered mints that are still delivered and unsettled."""
        issuer = self.protocol.issuer
        return sum(
            r.shares for r in self.real_deliveries.values()
            if r.index == str(index.token.address) and int(issuer.request_status(r.id)) == 2
        )

    def holdings(self, index: Index) -> list[int]:
        return self.held.setdefault(str(index.token.address), [0] * len(index.assets))

    def quote(self, index: Index, side: int, shares: int, cash: int, **overrides: Any):
        params = dict(
            index=str(index.token.address),
            side=side,
            shares=shares,
            cash=cash,
            cash_token=str(self.usdc.address),
            wlp=str(self.wlp.address),
            deadline=self.chain.pending_timestamp + 600,
            nonce=next(self.nonces),
        )
        signer = overrides.pop("signer", self.pmm_signer)
        params.update(overrides)
        return quote_for(self.protocol, signer, **params)

    def fund_wlp(self, amount: int) -> None:
        self.usdc.mint(self.wlp, amount, sender=self.wlp)
        self.usdc.approve(self.protocol.issuer, 2**256 - 1, sender=self.wlp)

    def request_mint(self, index: Index, shares: int, cash: int, max_fee: int | None = None) -> Request:
        quote, sig = self.quote(index, MINT, shares, cash)
        fee = int(self.protocol.issuer.creation_fee(index.token, cash))
        self.fund_wlp(cash + fee)
        receipt = self.protocol.issuer.request_mint(
            quote.as_tuple(), sig, fee if max_fee is None else max_fee, sender=self.wlp
        )
        return request_of(receipt, self.protocol)

    def deliver(self, request: Request, really: bool = True) -> Any:
        """The PMM records delivery; ``really`` says whether the basket (units now, rounded up,
        as a PMM buys it) actually reached the custodian."""
        receipt = self.protocol.issuer.deliver_mint(request.as_tuple(), b"\x01" * 32, sender=self.pmm)
        if really:
            self.real_deliveries[request.id] = request
            version = int(self.protocol.registry.version(request.index))
            units = self.protocol.registry.effective_units(request.index, version, True)
            held = self.held.setdefault(request.index, [0] * len(units))
            for i, u in enumerate(units):
                held[i] += required_reserve(request.shares, int(u))
        return receipt

    def pay_outflows(self, receipt: Any) -> None:
        """The custodian pays what the chain recorded: releases and baskets owed back."""
        for event in (self.protocol.issuer.RedeemFilled, self.protocol.issuer.BasketOwed):
            for log in receipt.decode_logs(event):
                if event is self.protocol.issuer.BasketOwed and int(log.id) not in self.real_deliveries:
                    continue  # nothing was delivered, so nothing goes back
                held = self.held.setdefault(str(log.index), [0] * len(log.units))
                for i, u in enumerate(log.units):
                    held[i] = max(0, held[i] - int(u))

    def report_holdings(self, index: Index, version: int | None = None, **kw: Any) -> Any:
        """An honest report: what the custodian really holds now."""
        self.chain.mine(timestamp=self.chain.pending_timestamp + 1)
        return self.report(index, list(self.holdings(index)), version=version, **kw)

    def report(self, index: Index, balances: list[int], version: int | None = None, **kw: Any) -> Any:
        if version is None:
            version = int(self.protocol.registry.version(index.token))
        as_of = kw.pop("as_of", self.chain.pending_timestamp - 1)
        signers = kw.pop("signers", self.custodian_keys[:2])
        return post_report(
            self.protocol, signers, self.anyone,
            index=str(index.token.address), version=version, balances=balances, as_of=as_of, **kw,
        )

    def report_covering(self, index: Index, supply: int, version: int | None = None) -> Any:
        if version is None:
            version = int(self.protocol.registry.version(index.token))
        units = list(self.protocol.registry.effective_units(index.token, version, True))
        return self.report(index, [required_reserve(supply, u) for u in units], version=version)

    def settle(self, request: Request) -> Any:
        return self.protocol.issuer.settle_mint(request.as_tuple(), sender=self.anyone)

    def mint(self, index: Index, shares: int, cash: int) -> Request:
        """The whole mint path: request, real delivery, honest report, settlement."""
        request = self.request_mint(index, shares, cash)
        self.deliver(request)
        self.report_holdings(index)
        self.settle(request)
        return request

    def request_redeem(self, index: Index, shares: int, cash: int) -> Request:
        quote, sig = self.quote(index, REDEEM, shares, cash)
        index.token.approve(self.protocol.issuer, shares, sender=self.wlp)
        fee = int(self.protocol.issuer.redemption_fee(index.token, cash))
        receipt = self.protocol.issuer.request_redeem(quote.as_tuple(), sig, fee, sender=self.wlp)
        return request_of(receipt, self.protocol)

    def fill(self, request: Request) -> Any:
        self.usdc.mint(self.pmm, request.cash, sender=self.pmm)
        self.usdc.approve(self.protocol.issuer, 2**256 - 1, sender=self.pmm)
        receipt = self.protocol.issuer.fill_redeem(request.as_tuple(), sender=self.pmm)
        self.pay_outflows(receipt)
        return receipt


_quote_nonces = itertools.count(1_000)


@pytest.fixture
def flows(protocol, chain, usdc, wlp, pmm, pmm_signer, custodian_keys, anyone) -> Flows:
    return Flows(protocol, chain, usdc, wlp, pmm, pmm_signer, custodian_keys, anyone, _quote_nonces)


Maker = Callable[..., Index]
