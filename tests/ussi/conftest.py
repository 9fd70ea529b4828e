"""Fixtures for the USSI tests: the bundled data (strategy), and the token on chain with its
timelock, role-named actors and the ``Desk`` (the USSI story in role actions, with the escrow
invariant checked after each one)."""

from __future__ import annotations

from typing import Any, Callable, Iterable

import pytest
from eth_account import Account

from ssi.chain.eip712 import KeySigner
from ssi.ussi.token import (
    MINT_WITH_CASH,
    MINT_WITH_INDEX,
    REDEEM,
    UssiConfig,
    UssiRequest,
    deploy_ussi,
    fill_redeem,
    post_nav,
    request_mint,
    request_redeem,
    settle_mint,
    wad,
)

NAV = wad("1012.5")  # USSI per share, in USDC
INDEX_PRICE = wad("2530.75")  # MAG7.ssi per share, in USDC
MAG7_SHARES = 10 * 10**18
MAG7_CASH = 25_000 * 10**6
OPEN = 1
SETTLED, CANCELLED, REJECTED = 2, 3, 4
# The test timelock's delay: above the default request timeout (1 day), as the contract requires.
TIMELOCK_DELAY = 2 * 86_400

# Fixed, public test keys for the strategy signers (they only sign; they never send a transaction).
STRATEGY_KEYS = [Account.from_key(bytes([k]) * 32).key.hex() for k in (0x51, 0x52, 0x53)]


@pytest.fixture(scope="session")
def market():
    from ssi.data import load_bundled

    return load_bundled()


@pytest.fixture(scope="session")
def strategy_signers() -> list[KeySigner]:
    return [KeySigner(k) for k in STRATEGY_KEYS]


@pytest.fixture(scope="session")
def operator(accounts):
    return accounts[11]


@pytest.fixture(scope="session")
def participant(accounts):
    account = accounts.generate_test_account()
    account.balance = 10**21
    return account


@pytest.fixture(scope="session")
def custody(accounts):
    return accounts.generate_test_account()


@pytest.fixture(scope="module")
def mag7(make_index):
    return make_index(7)


@pytest.fixture(scope="module")
def timelock(project, admin, guardian):
    """The USSI's timelock: ``admin`` queues, ``guardian`` may cancel."""
    return project.Timelock.deploy(TIMELOCK_DELAY, guardian, sender=admin)


@pytest.fixture(scope="module")
def make_ussi(project, chain, admin, guardian, usdc, mag7, custody, strategy_signers, operator, timelock):
    """Deploy a USSI (owner ``admin``, timelock ``timelock``, operator added through it)."""

    def make(cash: Any = None, operators: Iterable[Any] | None = None, **overrides: Any) -> Any:
        params: dict[str, Any] = dict(
            cash_token=str((cash or usdc).address),
            index_token=str(mag7.token.address),
            timelock=str(timelock.address),
            guardian=str(guardian.address),
            custody=str(custody.address),
            signers=[s.address for s in strategy_signers],
            threshold=2,
        )
        params.update(overrides)
        ops = [operator] if operators is None else list(operators)
        return deploy_ussi(project, admin, UssiConfig(**params), [str(o.address) for o in ops], chain=chain)

    return make


@pytest.fixture(scope="module")
def ussi(make_ussi):
    return make_ussi()


class Desk:
    """The USSI story in role actions, with the escrow invariant checked after each one."""

    def __init__(self, ussi: Any, usdc: Any, mag7: Any, chain: Any, signers: list[KeySigner],
                 operator: Any, participant: Any, anyone: Any) -> None:
        self.ussi, self.usdc, self.mag7, self.chain = ussi, usdc, mag7, chain
        self.signers, self.operator, self.participant, self.anyone = signers, operator, participant, anyone
        self.requests: list[UssiRequest] = []

    def check(self) -> None:
        check_ussi_escrow(self.ussi, self.usdc, self.mag7.token, self.requests)

    def attest(self, nav: int = NAV, index_price: int = INDEX_PRICE, **kw: Any) -> Any:
        """Strategy signers attest a NAV as of a new block, two seconds after the last one."""
        self.chain.mine(timestamp=self.chain.blocks.head.timestamp + 2)
        as_of = kw.pop("as_of", self.chain.blocks.head.timestamp)
        receipt = post_nav(
            self.ussi, self.chain.chain_id, kw.pop("signers", self.signers[:2]), self.anyone,
            nav_per_share=nav, index_price=index_price, as_of=as_of, **kw,
        )
        self.check()
        return receipt

    def fund_cash(self, amount: int) -> None:
        self.usdc.mint(self.participant, amount, sender=self.participant)

    def request(self, kind: int, amount: int, min_out: int = 0) -> UssiRequest:
        if kind == REDEEM:
            request = request_redeem(self.ussi, self.participant, amount, min_out)
        else:
            token = self.usdc if kind == MINT_WITH_CASH else self.mag7.token
            request = request_mint(self.ussi, token, self.participant, kind, amount, min_out)
        self.requests.append(request)
        self.check()
        return request

    def settle(self, request: UssiRequest) -> Any:
        receipt = settle_mint(self.ussi, self.operator, request)
        self.check()
        return receipt

    def fill(self, request: UssiRequest) -> Any:
        self.usdc.mint(self.operator, 10**30, sender=self.operator)
        receipt = fill_redeem(self.ussi, self.usdc, self.operator, request)
        self.check()
        return receipt

    def mint_with_cash(self, amount: int) -> UssiRequest:
        self.fund_cash(amount)
        request = self.request(MINT_WITH_CASH, amount)
        self.attest()
        self.settle(request)
        return request


def check_ussi_escrow(ussi: Any, cash: Any, index: Any, requests: Iterable[UssiRequest]) -> None:
    """USSI holds exactly the open escrows of each token: cash, the index token, and USSI itself."""
    still_open = [r for r in requests if int(ussi.request_status(r.id)) == OPEN]
    for token, kind in ((cash, MINT_WITH_CASH), (index, MINT_WITH_INDEX), (ussi, REDEEM)):
        open_sum = sum(r.amount for r in still_open if r.kind == kind)
        assert int(token.balanceOf(ussi)) == open_sum == int(ussi.escrowed(token)), (token, kind)


MakeDesk = Callable[..., Desk]


@pytest.fixture
def make_desk(usdc, mag7, chain, strategy_signers, operator, participant, anyone) -> MakeDesk:
    """A desk on any USSI deployment (and its cash token)."""

    def make(token: Any, cash: Any = None) -> Desk:
        return Desk(token, cash or usdc, mag7, chain, strategy_signers, operator, participant, anyone)

    return make


@pytest.fixture
def desk(ussi, make_desk) -> Desk:
    return make_desk(ussi)


@pytest.fixture
def participant_mag7(flows, mag7, wlp, participant) -> int:
    """The participant holds real MAG7.ssi shares, minted through the Issuer against reserves."""
    flows.mint(mag7, MAG7_SHARES, MAG7_CASH)
    mag7.token.transfer(participant, MAG7_SHARES, sender=wlp)
    return MAG7_SHARES
