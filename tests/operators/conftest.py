"""A deployed MAG7.ssi with its deployments file, and operators over it, each with its own session."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

import pytest

from ssi.ops import trading
from ssi.ops.market import prices_at, to_base
from ssi.ops.session import Session
from ssi.ops.setup import DeployParams, deploy
from ssi.operators.custodian import CustodianOperator
from ssi.operators.keeper import KeeperOperator
from ssi.operators.pmm import PmmLimits, PmmOperator

import datetime as dt

QUOTE_DAY = dt.date(2025, 1, 31)


@dataclass
class Desk:
    """Factories of sessions and operators over one deployment; the WLP's own actions."""

    connect: Callable[[], Session]
    symbol: str
    books: Path  # the deployments directory

    def pmm(self, limits: PmmLimits | None = None) -> PmmOperator:
        s = self.connect()
        return PmmOperator(s, s.account(None, "pmm"), limits)

    def custodian(self, wait_blocks: int = 0) -> CustodianOperator:
        s = self.connect()
        signers = s.signers(())
        return CustodianOperator(s, signers[0], signers, wait_blocks=wait_blocks)

    def keeper(self) -> KeeperOperator:
        s = self.connect()
        return KeeperOperator(s, s.account(None, "admin"))

    def request(self, side: str, shares: float) -> Any:
        """The WLP asks the PMM's quoting service for a quote and sends its request (the only manual step)."""
        s = self.connect()
        wlp, pmm = s.account(None, "wlp"), s.account(None, "pmm")
        token = s.token(self.symbol)
        from ssi.ops.chainview import basket

        symbols = basket(s, token, int(s.deployment.registry.version(token))).symbols
        qf = trading.make_quote(s, pmm, self.symbol, side, to_base(shares, 18), str(wlp.address),
                                prices_at(QUOTE_DAY, symbols), str(QUOTE_DAY))
        send = trading.request_mint if side == "mint" else trading.request_redeem
        return send(s, wlp, qf, approve=True)


def run_until_quiet(*operators: Any, rounds: int = 6) -> None:
    """Sweep every operator, in turn, until a round sends nothing (what Silverback's block handler does)."""
    for _ in range(rounds):
        before = sum(len(op.actions) for op in operators)
        for op in operators:
            op.sweep()
        if sum(len(op.actions) for op in operators) == before:
            return
    raise AssertionError("the operators kept acting")


@pytest.fixture(scope="module")
def deployed(project, chain, tmp_path_factory) -> Desk:
    """One deployment per module (Ape reverts each test's transactions to it afterwards)."""
    from ape import accounts  # the account manager (the fixture of that name is the test accounts)

    books = tmp_path_factory.mktemp("deployments")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("SSI_DEPLOYMENTS_DIR", str(books))

        def connect() -> Session:
            return Session.connect(project, chain, accounts, chain.provider)

        s = connect()
        _, entry, _ = deploy(s, s.account(None, "admin"), DeployParams(ephemeral=True))
    return Desk(connect, entry.symbol, books)


@pytest.fixture
def desk(deployed, tmp_path, monkeypatch) -> Desk:
    """The module's deployment, with journals of this test's own (the chain is reverted after each test)."""
    monkeypatch.setenv("SSI_DEPLOYMENTS_DIR", str(deployed.books))
    monkeypatch.setenv("SSI_OPERATOR_STATE", str(tmp_path / "journals"))
    return deployed
