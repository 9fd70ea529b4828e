"""The arbitrage operator with the desk: only the pool's price moves; every protocol step is another operator's.

Checked against what each party really holds: the WLP's cash and shares, the pool's reserves, the
custodian wallet's assets against every claim; and against the issuer's events (one request per
round, however often the operator restarts).
"""

from __future__ import annotations

import json
from decimal import Decimal

import pytest

from ssi.chain.localchain import custodian_holdings
from ssi.chain.protocol import STATUS, claims_of, required_reserve
from ssi.ops.chainview import basket
from ssi.ops.errors import OpsError
from ssi.ops.pool import open_pool, pool_of
from ssi.ops import trading
from ssi.operators.arbitrage import ArbitrageOperator, ArbSettings, PriceFeed
from ssi.operators.journal import Journal

from .conftest import QUOTE_DAY, run_until_quiet


def _seed(desk, shares: float = 300.0) -> None:
    """The WLP mints shares through the desk, to seed pools with."""
    r = desk.request("mint", shares)
    run_until_quiet(desk.pmm(), desk.custodian(), desk.keeper())
    s = desk.connect()
    assert int(s.deployment.issuer.request_status(r.id)) == 3


def _arb(desk, pool, **kw) -> ArbitrageOperator:
    s = desk.connect()
    journal = kw.pop("journal", None)
    return ArbitrageOperator(s, s.account(None, "wlp"), s.account(None, "pmm"), desk.symbol, pool,
                             PriceFeed(day=QUOTE_DAY), ArbSettings(**kw), journal=journal)


def _pool_at(desk, premium: float, shares: float = 100.0):
    s = desk.connect()
    arb_nav = _nav(desk)
    opened = open_pool(s, s.account(None, "wlp"), desk.symbol, int(shares * 10**18),
                       Decimal(repr(arb_nav * (1 + premium))))
    return s.project.ConstantProductPool.at(opened.address)


def _nav(desk) -> float:
    from ssi.ops.market import prices_at, value_per_share

    s = desk.connect()
    token = s.token(desk.symbol)
    view = basket(s, token, int(s.deployment.registry.version(token)))
    return value_per_share(view.units, prices_at(QUOTE_DAY, list(view.symbols)), view.decimals)


def _assert_custodian_covers_claims(desk) -> None:
    s = desk.connect()
    token = s.token(desk.symbol)
    view = basket(s, token, int(s.deployment.registry.version(token)), round_up=True)
    held = custodian_holdings(s.mock_assets(), s.custodian_wallet(), view.symbols)
    claims = claims_of(s.deployment, token)
    for sym, h in zip(view.symbols, held):
        assert h >= required_reserve(claims, view.units[sym]), f"custodian short of {sym}"


def _requests(s, wlp: str, event: str) -> list:
    ev = getattr(s.deployment.issuer, event)
    return list(ev.range(s.book.deploy_block, int(s.chain.blocks.height) + 1, search_topics={"wlp": wlp}))


def test_pool_above_nav__mint_and_sell_through_the_desk_brings_it_back(desk):
    _seed(desk)
    pool = _pool_at(desk, +0.04)
    s = desk.connect()
    wlp = s.account(None, "wlp").address
    cash, token = s.cash(), s.token(desk.symbol)
    cash0, shares0 = int(cash.balanceOf(wlp)), int(token.balanceOf(wlp))
    arb = _arb(desk, pool)
    assert arb.premium() > 0.03

    run_until_quiet(arb, desk.pmm(), desk.custodian(), desk.keeper(), rounds=8)

    [done] = arb.journal.notes["rounds"]
    assert done["action"] == "mint_and_sell" and done["outcome"].startswith("sold")
    [req] = [x for x in _requests(s, wlp, "MintRequested") if int(x.id) == int(done["request"])]
    [sold] = [x for x in pool.Swap.range(int(done["block"]), int(s.chain.blocks.height) + 1,
                                         search_topics={"sender": wlp})]
    # What the WLP really received: the pool's cash less what the mint cost it; no shares left over.
    assert int(cash.balanceOf(wlp)) - cash0 == int(sold.amount_out) - int(req.cash) - int(req.fee) == done["profit"]
    assert done["profit"] > 0
    assert int(token.balanceOf(wlp)) == shares0 and int(sold.amount_in) == int(req.shares)
    assert abs(arb.premium()) < 0.01  # back near NAV: inside the band with the PMM's spread and the fees
    assert arb.assess()[0].action == "none"
    _assert_custodian_covers_claims(desk)


def test_pool_below_nav__buy_and_redeem_cash_arrives_and_custodian_releases(desk):
    _seed(desk)
    pool = _pool_at(desk, -0.04)
    s = desk.connect()
    wlp, pmm = s.account(None, "wlp").address, s.account(None, "pmm").address
    cash, token = s.cash(), s.token(desk.symbol)
    cash0, shares0 = int(cash.balanceOf(wlp)), int(token.balanceOf(wlp))
    supply0 = int(token.totalSupply())
    arb, pmm_op, custodian = _arb(desk, pool), desk.pmm(), desk.custodian()

    run_until_quiet(arb, pmm_op, custodian, desk.keeper(), rounds=8)

    [done] = arb.journal.notes["rounds"]
    assert done["action"] == "buy_and_redeem" and "filled" in done["outcome"]
    [req] = [x for x in _requests(s, wlp, "RedeemRequested") if int(x.id) == int(done["request"])]
    [bought] = list(pool.Swap.range(int(done["block"]), int(s.chain.blocks.height) + 1, search_topics={"sender": wlp}))
    [filled] = list(s.deployment.issuer.RedeemFilled.range(int(done["block"]), int(s.chain.blocks.height) + 1,
                                                          search_topics={"id": int(req.id)}))
    assert int(bought.amount_out) == int(req.shares)
    assert int(cash.balanceOf(wlp)) - cash0 == int(req.cash) - int(req.fee) - int(bought.amount_in) == done["profit"]
    assert done["profit"] > 0
    fee_shares = sum(int(x.shares) for x in s.deployment.issuer.FeeSharesMinted.range(
        int(done["block"]), int(s.chain.blocks.height) + 1))  # the fill mints the fee owed first
    assert int(token.balanceOf(wlp)) == shares0
    assert int(token.totalSupply()) == supply0 - int(req.shares) + fee_shares
    # The PMM really received the released basket, and the custodian still covers every claim.
    view = basket(s, token, int(filled.basket_version))
    for sym, units in zip(view.symbols, filled.units):
        assert int(s.mock_assets()[sym].balanceOf(pmm)) >= int(units)
    assert any(a.what.startswith("release") and a.ok for a in custodian.actions)
    _assert_custodian_covers_claims(desk)
    assert abs(arb.premium()) < 0.01


def test_inside_the_band__nothing_sent(desk):
    _seed(desk)
    pool = _pool_at(desk, 0.0)
    s = desk.connect()
    arb = _arb(desk, pool)
    nonce = s.account(None, "wlp").nonce
    arb.sweep()
    assert arb.round is None and not arb.actions and s.account(None, "wlp").nonce == nonce


def test_restart_after_the_request_was_sent__finds_it_and_does_not_request_again(desk):
    _seed(desk)
    pool = _pool_at(desk, +0.04)
    s = desk.connect()
    wlp = s.account(None, "wlp")
    journal = Journal(None, s.chain_id, s.genesis_hash())
    arb = _arb(desk, pool, journal=journal)
    arb._open()  # the round is journaled and quoted, as the operator does before sending ...
    arb._advance(arb.round)
    assert arb.round["phase"] == "request"
    # ... and the request goes out, but the process dies before the journal says so
    trading.request_mint(s, wlp, trading.QuoteFile.from_json(arb.round["quote"]), approve=True)
    before = len(_requests(s, wlp.address, "MintRequested"))

    restarted = _arb(desk, pool, journal=Journal(None, s.chain_id, s.genesis_hash(), notes=json.loads(
        json.dumps(journal.notes))))
    run_until_quiet(restarted, desk.pmm(), desk.custodian(), desk.keeper(), rounds=8)

    assert len(_requests(s, wlp.address, "MintRequested")) == before  # not requested twice
    [done] = restarted.journal.notes["rounds"]
    assert done["outcome"].startswith("sold") and done["profit"] > 0


def test_restart_after_the_sale_was_sent__does_not_sell_twice(desk):
    _seed(desk)
    pool = _pool_at(desk, +0.04)
    from ssi.operators import arbitrage as arbitrage_module

    s = desk.connect()
    wlp = s.account(None, "wlp")
    arb = _arb(desk, pool)
    real_send = arbitrage_module.send
    sells: list[int] = []

    def killed_after_the_sale(steps, provider):  # the swap is mined; the process stops before journaling it
        receipts = real_send(steps, provider)
        if steps[-1].what == "swap" and steps[-1].args[1] is False:
            sells.append(int(receipts[-1].nonce))
            raise KeyboardInterrupt
        return receipts

    arbitrage_module.send = killed_after_the_sale
    try:
        with pytest.raises(KeyboardInterrupt):
            run_until_quiet(arb, desk.pmm(), desk.custodian(), desk.keeper(), rounds=8)
    finally:
        arbitrage_module.send = real_send
    # stopped in the sale's step: the journal holds the sale at its nonce, not yet as sent
    assert sells and arb.round["phase"] == "sell"
    assert arb.journal.notes["sending"] == {f"round {arb.round['id']} sell": sells[0]}
    shares_left = int(s.token(desk.symbol).balanceOf(wlp.address))

    restarted = _arb(desk, pool, journal=arb.journal)
    restarted.sweep()
    [done] = restarted.journal.notes["rounds"]
    assert done["outcome"].startswith("sold")
    assert len(list(pool.Swap.range(int(done["block"]), int(s.chain.blocks.height) + 1,
                                    search_topics={"sender": wlp.address}))) == 1
    assert int(s.token(desk.symbol).balanceOf(wlp.address)) == shares_left


def test_a_bad_prices_file_is_refused_and_nothing_sent(desk, tmp_path):
    _seed(desk)
    pool = _pool_at(desk, +0.04)
    s = desk.connect()
    prices = tmp_path / "prices.json"
    from ssi.ops.market import prices_at

    token = s.token(desk.symbol)
    symbols = list(basket(s, token, int(s.deployment.registry.version(token))).symbols) + ["ETH"]
    prices.write_text(json.dumps({**prices_at(QUOTE_DAY, symbols), "BTC": -1}))
    arb = ArbitrageOperator(s, s.account(None, "wlp"), s.account(None, "pmm"), desk.symbol, pool,
                            PriceFeed(path=prices))
    nonce = s.account(None, "wlp").nonce
    arb.sweep()
    assert arb.round is None and s.account(None, "wlp").nonce == nonce
    [refusal] = [a for a in arb.actions if not a.ok]
    assert refusal.detail == f"prices file {prices}: price of BTC must be a positive finite number, not -1"


def test_open_pool_refusals(desk):
    s = desk.connect()
    wlp = s.account(None, "wlp")
    held = int(s.token(desk.symbol).balanceOf(wlp.address))
    with pytest.raises(OpsError, match=r"fewer than the [0-9.,]+ to seed: mint first"):
        open_pool(s, wlp, desk.symbol, held + 10**18, Decimal(100))
    with pytest.raises(OpsError, match=r"--price -1: must be a positive number of cash units per share"):
        open_pool(s, wlp, desk.symbol, 10**18, Decimal(-1))
    s.book.local.pop("pools", None)  # (in memory: earlier tests of this module recorded theirs)
    with pytest.raises(OpsError, match="no pool of MAG7.ssi on ethereum:local: `ape run arb pool --index MAG7`"):
        pool_of(s, desk.symbol)


def test_issuer_paused__no_round_opened_and_nothing_sent(desk):
    _seed(desk)
    pool = _pool_at(desk, +0.04)
    s = desk.connect()
    s.deployment.issuer.pause(sender=s.account(None, "guardian"))
    arb = _arb(desk, pool)
    nonce = s.account(None, "wlp").nonce
    arb.sweep()
    arb.sweep()
    assert arb.round is None and s.account(None, "wlp").nonce == nonce
    assert [a.detail for a in arb.actions] == ["the issuer is paused by the guardian"]  # logged once


def test_quote_left_to_expire__the_wlp_cancels_and_gets_its_escrow_back_then_waits(desk):
    """No PMM operator running: the request stays open past its deadline; nothing is lost."""
    from ssi.ops.clock import advance

    _seed(desk)
    pool = _pool_at(desk, +0.04)
    s = desk.connect()
    wlp = s.account(None, "wlp")
    arb = _arb(desk, pool, ttl=120, retry_blocks=5)
    cash0 = int(s.cash().balanceOf(wlp.address))
    arb.sweep()
    assert arb.round["phase"] == "wait" and int(s.cash().balanceOf(wlp.address)) < cash0  # escrowed
    rid = int(arb.round["request"])
    advance(s, days=None, hours=None, seconds=121, to=None)
    arb.sweep()
    [done] = arb.journal.notes["rounds"]
    assert done["outcome"] == f"request {rid} cancelled: escrow refunded" and done["profit"] == 0
    assert int(s.cash().balanceOf(wlp.address)) == cash0
    assert any(a.ok and a.what.startswith(f"cancel request {rid}") for a in arb.actions)
    nonce = wlp.nonce
    arb.sweep()  # within retry_blocks of the failed round: no new round
    assert arb.round is None and wlp.nonce == nonce


def test_a_stale_prices_file_is_refused_and_nothing_sent(desk, tmp_path):
    import os
    import time

    _seed(desk)
    pool = _pool_at(desk, +0.04)
    s = desk.connect()
    from ssi.ops.market import prices_at

    token = s.token(desk.symbol)
    symbols = list(basket(s, token, int(s.deployment.registry.version(token))).symbols) + ["ETH"]
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(prices_at(QUOTE_DAY, symbols)))
    hour_ago = time.time() - 3600
    os.utime(prices, (hour_ago, hour_ago))  # the process that writes it stopped an hour ago
    arb = ArbitrageOperator(s, s.account(None, "wlp"), s.account(None, "pmm"), desk.symbol, pool,
                            PriceFeed(path=prices, max_age=300))
    nonce = s.account(None, "wlp").nonce
    arb.sweep()
    assert arb.round is None and s.account(None, "wlp").nonce == nonce
    [refusal] = [a for a in arb.actions if not a.ok]
    assert refusal.detail.startswith(f"prices file {prices} was last written 3,6")
    assert refusal.detail.endswith("s ago, more than 300 s: not trading on stale prices")
    prices.write_text(prices.read_text())  # written again: fresh, and the pool 4% above NAV is traded
    arb.sweep()
    assert arb.round is not None or arb.journal.notes.get("rounds")


@pytest.mark.parametrize("env, message", [
    ({"SSI_ARB_SPREAD_BPS": "abc"}, "SSI_ARB_SPREAD_BPS='abc' is not a number"),
    ({"SSI_ARB_SPREAD_BPS": "10000"}, "SSI_ARB_SPREAD_BPS=10000: must be below 10000"),
    ({"SSI_ARB_GAS_GWEI": "-1"}, "SSI_ARB_GAS_GWEI='-1': must be zero or more"),
    ({"SSI_ARB_NATIVE_PRICE": "0"}, "SSI_ARB_NATIVE_PRICE='0': must be positive"),
    ({"SSI_ARB_PRICES": "p.json", "SSI_ARB_PRICES_DATE": "2025-01-31"},
     "set SSI_ARB_PRICES or SSI_ARB_PRICES_DATE, not both"),
    ({"SSI_ARB_PRICES_DATE": "yesterday"}, "SSI_ARB_PRICES_DATE='yesterday' is not a date (YYYY-MM-DD)"),
    ({"SSI_ARB_PRICES": "p.json", "SSI_ARB_PRICES_MAX_AGE": "0"}, "SSI_ARB_PRICES_MAX_AGE='0': must be positive"),
    ({"SSI_ARB_MAX_SHARES": "lots"}, "SSI_ARB_MAX_SHARES='lots' is not a number of shares"),
    ({"SSI_ARB_INDEX": "NOPE"}, "unknown index 'NOPE' on ethereum:local (known: MAG7.ssi)"),
])
def test_arbitrage_from_env__a_bad_setting_refuses_to_start_with_one_line(desk, monkeypatch, env, message):
    from ssi.operators.config import arbitrage_from_env

    for name, value in env.items():
        monkeypatch.setenv(name, value)
    with pytest.raises(OpsError) as refused:
        arbitrage_from_env(desk.connect())
    assert str(refused.value) == message


def test_arbitrage_from_env__defaults_on_the_local_chain_wait_for_the_pool(desk):
    from ssi.operators.config import arbitrage_from_env

    s = desk.connect()
    s.book.local.pop("pools", None)  # (in memory: earlier tests of this module recorded theirs)
    arb = arbitrage_from_env(s)
    assert arb.pool is None and arb.locate is not None
    assert arb.feed.day is not None and str(arb.feed.day) == "2025-01-31"
    assert arb.settings.spread_bps == 20.0 and arb.settings.gas_price_wei == 10**9


def test_delivered_but_never_reported__cancelled_after_the_timeout__escrow_back_basket_owed_to_the_pmm(desk):
    """A custodian that never reports: the PMM delivered, nothing settles; the WLP loses nothing."""
    from ssi.ops.clock import advance

    _seed(desk)
    pool = _pool_at(desk, +0.04)
    s = desk.connect()
    wlp = s.account(None, "wlp")
    arb, pmm = _arb(desk, pool), desk.pmm()
    cash0 = int(s.cash().balanceOf(wlp.address))
    arb.sweep()
    pmm.sweep()  # delivered; no custodian and no keeper run
    rid = int(arb.round["request"])
    assert STATUS[int(s.deployment.issuer.request_status(rid))] == "delivered"
    arb.sweep()
    assert arb.round["phase"] == "wait" and not any(a.what.startswith("cancel") for a in arb.actions)
    advance(s, days=None, hours=None, seconds=int(arb.round["cancel_after"]) - s.now(), to=None)
    arb.sweep()
    [done] = arb.journal.notes["rounds"]
    assert done["outcome"] == f"request {rid} cancelled: escrow refunded" and done["profit"] == 0
    assert int(s.cash().balanceOf(wlp.address)) == cash0
    owed = list(s.deployment.issuer.BasketOwed.range(int(done["block"]), int(s.chain.blocks.height) + 1,
                                                     search_topics={"id": rid}))
    assert len(owed) == 1 and str(owed[0].pmm) == str(s.account(None, "pmm").address)
