"""``ape run operators demo`` and ``ape run operators bench``: the desk at work on a local chain.

Both deploy MAG7.ssi on the node Ape reaches, start the PMM, custodian and keeper operators (the
demo also the arbitrage operator) in this process (:class:`ssi.operators.local.Driver`, a sweep per
block as the Silverback bots do), and then send only what the WLP, the market and the compiler send.
"""

from __future__ import annotations

import datetime as dt
import os
import tempfile
import time
from decimal import Decimal
from typing import Any, Callable

from ssi.ops import compiler, trading
from ssi.ops.chainview import basket
from ssi.ops.market import prices_at, to_base, value_per_share
from ssi.ops.pool import locator, open_pool
from ssi.ops.session import Session
from ssi.ops.setup import DeployParams, deploy
from ssi.operators.custodian import CustodianOperator
from ssi.operators.keeper import KeeperOperator
from ssi.operators.local import Driver, Timing, status, summary, timing_of, wait_for
from ssi.operators.arbitrage import ArbitrageOperator, PriceFeed
from ssi.operators.pmm import PmmOperator

QUOTE_DAY = dt.date(2025, 1, 31)


def _desk(connect: Callable[[], Session]) -> list[Any]:
    s_pmm, s_cus, s_kee = connect(), connect(), connect()
    signers = s_cus.signers(())
    return [PmmOperator(s_pmm, s_pmm.account(None, "pmm")), CustodianOperator(s_cus, signers[0], signers),
            KeeperOperator(s_kee, s_kee.account(None, "admin"))]


def _setup(project: Any, chain: Any, accounts: Any) -> tuple[Callable[[], Session], str]:
    os.environ["SSI_DEPLOYMENTS_DIR"] = tempfile.mkdtemp(prefix="ssi-desk-")
    os.environ["SSI_OPERATOR_STATE"] = os.path.join(os.environ["SSI_DEPLOYMENTS_DIR"], "journals")

    def connect() -> Session:
        return Session.connect(project, chain, accounts, chain.provider)

    s = connect()
    _, entry, _ = deploy(s, s.account(None, "admin"), DeployParams(ephemeral=True))
    return connect, entry.symbol


def _request(s: Session, symbol: str, side: str, shares: float, lock: Any) -> tuple[Any, float]:
    wlp, pmm = s.account(None, "wlp"), s.account(None, "pmm")
    token = s.token(symbol)
    with lock:  # the WLP's transaction, between two of the desk's
        symbols = basket(s, token, int(s.deployment.registry.version(token))).symbols
        qf = trading.make_quote(s, pmm, symbol, side, to_base(shares, 18), str(wlp.address),
                                prices_at(QUOTE_DAY, symbols), str(QUOTE_DAY))
        send = trading.request_mint if side == "mint" else trading.request_redeem
        r = send(s, wlp, qf, approve=True)
        return r, time.monotonic()


def demo(project: Any, chain: Any, accounts: Any, echo: Callable[[str], None] = print) -> dict[str, Any]:
    connect, symbol = _setup(project, chain, accounts)
    s_arb = connect()
    arb = ArbitrageOperator(s_arb, s_arb.account(None, "wlp"), s_arb.account(None, "pmm"), symbol, None,
                            PriceFeed(day=QUOTE_DAY), locate=locator(s_arb, symbol))
    operators = [*_desk(connect), arb]
    driver = Driver(operators)
    for op in operators:
        op.log.disabled = False
    driver.start()
    s = connect()
    out: dict[str, Any] = {}
    try:
        echo(f"deployed {symbol}; PMM, custodian, keeper and arbitrage (no pool yet) running. "
             "The WLP requests a mint of 200 shares:")
        mint, t0 = _request(s, symbol, "mint", 200, driver.lock)
        wait_for(lambda: status(s, mint.id) == "settled", driver.lock)
        out["mint_seconds"] = time.monotonic() - t0
        echo(f"  request {mint.id} settled {out['mint_seconds']:.1f} s later, with no other command")
        echo("The WLP requests a redemption of 40 shares:")
        redeem, t0 = _request(s, symbol, "redeem", 40, driver.lock)
        with driver.lock:
            token = s.token(symbol)
        wait_for(lambda: status(s, redeem.id) == "settled" and int(s.deployment.oracle.last_as_of(token))
                 >= int(s.deployment.issuer.flows(token)[1]), driver.lock)
        out["redeem_seconds"] = time.monotonic() - t0
        echo(f"  request {redeem.id} filled, basket released and reported {out['redeem_seconds']:.1f} s later")
        out.update(_arbitrage_scene(s, symbol, arb, driver, echo))
        driver.operators = [op for op in driver.operators if op is not arb]  # the pool stays where it is now
        echo("The compiler announces the 2025-02-25 basket:")
        with driver.lock:
            plan = compiler.plan_rebalance(s, symbol, dt.date(2025, 2, 25))
            version = compiler.announce(s, s.account(None, "compiler"), plan)
            echo(f"  basket v{version} announced, effective {plan.effective_at}; the notice period passes "
                 "(chain time moves; no command)")
            chain.mine(timestamp=plan.effective_at + 1)
        t0 = time.monotonic()
        wait_for(lambda: int(s.deployment.registry.version(token)) == version, driver.lock, timeout=90)
        out["rebalance_seconds"] = time.monotonic() - t0
        echo(f"  PMM traded, custodian reported v{version}, keeper activated it: {out['rebalance_seconds']:.1f} s")
    finally:
        driver.stop()
    echo("\nwhat the operators did:")
    for op in operators:
        for action in op.actions:
            echo("  " + action.line())
    out["actions"] = [a.line() for op in operators for a in op.actions]
    out["errors"] = [repr(e) for e in driver.errors]
    return out


def interval_mining(chain: Any, seconds: int) -> None:
    """anvil: a block every ``seconds`` (Base's pace is 2), whether or not a transaction waits; 0: automine.

    Ape's foundry provider takes an anvil that does not automine for one mined by hand and returns
    a receipt before the transaction is in a block; against a public chain it waits for the block.
    While the interval holds, this process's provider is told the node mines by itself, so every
    operation waits for its block as it would on Base."""
    provider_type = type(chain.provider)
    if seconds:
        chain.provider.make_request("evm_setAutomine", [False])
        chain.provider.make_request("evm_setIntervalMining", [seconds])
        if not hasattr(provider_type, "_ssi_auto_mine"):
            provider_type._ssi_auto_mine = provider_type.auto_mine
            provider_type.auto_mine = property(lambda self: True)
    else:
        chain.provider.make_request("evm_setIntervalMining", [0])
        chain.provider.make_request("evm_setAutomine", [True])
        if hasattr(provider_type, "_ssi_auto_mine"):
            provider_type.auto_mine = provider_type._ssi_auto_mine
            del provider_type._ssi_auto_mine


def _arbitrage_scene(s: Session, symbol: str, arb: ArbitrageOperator, driver: Driver,
                     echo: Callable[[str], None]) -> dict[str, Any]:
    """The pool leaves NAV twice; only the market moves it, the arbitrage operator and the desk do the rest."""
    wlp, trader = s.account(None, "wlp"), s.accounts.test_accounts[11]
    out: dict[str, Any] = {}
    with driver.lock:
        token = s.token(symbol)
        view = basket(s, token, int(s.deployment.registry.version(token)))
        nav = value_per_share(view.units, prices_at(QUOTE_DAY, list(view.symbols)), view.decimals)
        echo(f"The WLP opens a pool with 100 shares at 4% above NAV ({nav:,.2f} USDC):")
        opened = open_pool(s, wlp, symbol, 100 * 10**18, Decimal(repr(nav * 1.04)))
        pool = s.project.ConstantProductPool.at(opened.address)
    def round_closed(n: int, key: str) -> dict[str, Any]:
        """Wait for the operator's n-th closed round; echo it."""
        t0 = time.monotonic()
        wait_for(lambda: len(arb.journal.notes.get("rounds", [])) >= n, driver.lock)
        out[key] = time.monotonic() - t0
        with driver.lock:
            done = arb.journal.notes["rounds"][-1]
            echo(f"  arbitrage: {done['action']}: {done['outcome']}; profit {done['profit'] / 1e6:,.2f} USDC, "
                 f"pool now {arb.premium():+.2%} from NAV, {out[key]:.1f} s")
        return done

    first = round_closed(1, "arb_mint_seconds")
    with driver.lock:
        echo("A trader sells 6 shares into the pool, pushing it below NAV:")
        token.transfer(trader, 6 * 10**18, sender=wlp)
        token.approve(pool.address, 6 * 10**18, sender=trader)
        pool.swap(6 * 10**18, False, 0, trader.address, sender=trader)
        echo(f"  pool {arb.premium():+.2%} from NAV")
    second = round_closed(2, "arb_redeem_seconds")
    out["arb_rounds"] = [first, second]
    return out


def bench(project: Any, chain: Any, accounts: Any, n: int = 20, echo: Callable[[str], None] = print,
          block_time: int = 0) -> dict[str, Any]:
    connect, symbol = _setup(project, chain, accounts)
    interval_mining(chain, block_time)  # after the deployment, which is quicker on automine
    operators = _desk(connect)
    for op in operators:
        op.log.disabled = True  # the figures, not the log lines
    driver = Driver(operators)
    driver.start()
    s = connect()
    pmm = str(s.account(None, "pmm").address)
    timings: list[Timing] = []
    try:
        for i in range(n):
            r, t0 = _request(s, symbol, "mint", 10, driver.lock)
            waited = wait_for(lambda: status(s, r.id) == "settled", driver.lock)
            seconds = time.monotonic() - t0
            with driver.lock:
                timings.append(timing_of(s, r.id, pmm, seconds))
            echo(f"  mint {i + 1:>2}/{n}: {timings[-1].blocks} blocks ({timings[-1].counted} counted), {waited:.2f} s")
    finally:
        driver.stop()
        if block_time:
            interval_mining(chain, 0)
    result = summary(timings)
    result["block_time"] = block_time
    result["errors"] = [repr(e) for e in driver.errors]
    return result
