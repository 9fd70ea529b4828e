"""An operator stopped mid-stream and started again does nothing twice and loses nothing."""

from __future__ import annotations

from ssi.chain.protocol import STATUS, required_reserve
from ssi.ops.chainview import basket
from ssi.ops.errors import OpsError
from ssi.operators import custodian as custodian_module
from ssi.operators.journal import event_key
from tests.operators.conftest import run_until_quiet


def _balances(s, owner: str) -> dict[str, int]:
    return {sym: int(t.balanceOf(owner)) for sym, t in s.mock_assets().tokens.items()}


def test_pmm__restarted_after_the_first_of_two_requests__delivers_the_second_once(desk):
    first, second = desk.request("mint", 10), desk.request("mint", 20)
    pmm = desk.pmm()
    logs = list(pmm.s.deployment.issuer.MintRequested.range(pmm.s.book.deploy_block, pmm.s.chain.blocks.height + 1))
    wallet = pmm.s.custodian_wallet()
    held = _balances(pmm.s, wallet)
    pmm.handle(logs[-2])  # the first request, then the process dies
    del pmm

    restarted = desk.pmm()  # a new process: new session, the journal read back from its file
    assert restarted.journal.seen(event_key(logs[-2]))
    restarted.sweep()
    restarted.sweep()  # a second sweep (the next block) finds nothing left to do
    s = restarted.s
    assert [STATUS[int(s.deployment.issuer.request_status(r.id))] for r in (first, second)] == ["delivered"] * 2
    delivered = s.deployment.issuer.MintDelivered.range(s.book.deploy_block, s.chain.blocks.height + 1)
    assert sorted(int(x.id) for x in delivered) == [first.id, second.id]
    # The custodian holds the two deliveries more, not three: nothing delivered twice. (Units decay
    # with the fee factor between the two deliveries, by far less than the 1e-6 allowed here.)
    units = basket(s, s.token(desk.symbol), 1, round_up=True).units
    after = _balances(s, wallet)
    for sym, u in units.items():
        expected = required_reserve(first.shares, u) + required_reserve(second.shares, u)
        assert abs((after[sym] - held[sym]) - expected) <= expected // 10**6


def _filled_not_released(desk):
    """100 shares minted, 60 redeemed and filled; the custodian (returned) has not seen the fill yet."""
    pmm, keeper = desk.pmm(), desk.keeper()
    desk.request("mint", 100)
    custodian = desk.custodian()
    run_until_quiet(pmm, custodian, keeper)
    redeem = desk.request("redeem", 60)
    run_until_quiet(pmm)
    s = pmm.s
    filled = [x for x in s.deployment.issuer.RedeemFilled.range(s.book.deploy_block, s.chain.blocks.height + 1)
              if int(x.id) == redeem.id][0]
    return s, custodian, filled, str(pmm.pmm.address)


def test_custodian__stopped_in_the_middle_of_a_release__pays_each_asset_exactly_once(desk, monkeypatch):
    s, custodian, filled, pmm_address = _filled_not_released(desk)
    before = _balances(s, pmm_address)

    real_release = custodian_module.release
    calls = {"n": 0}

    def dies_after_two(*args, **kwargs):
        calls["n"] += 1
        if calls["n"] > 2:
            raise OpsError("custodian process stopped")
        return real_release(*args, **kwargs)

    monkeypatch.setattr(custodian_module, "release", dies_after_two)
    custodian.sweep()  # pays two assets, then fails: the event stays unhandled
    assert calls["n"] == 3
    monkeypatch.setattr(custodian_module, "release", real_release)

    restarted = desk.custodian()
    run_until_quiet(restarted)
    after = _balances(s, pmm_address)
    view = basket(s, s.token(desk.symbol), int(filled.basket_version))
    expected = dict(zip(view.symbols, (int(u) for u in filled.units)))
    assert {sym: after[sym] - before[sym] for sym in expected} == expected  # each asset once, none lost
    # and it reported after the release (the report is dated after the outflow)
    _, outflow = (int(x) for x in s.deployment.issuer.flows(s.token(desk.symbol)))
    assert int(s.deployment.oracle.last_as_of(s.token(desk.symbol))) >= outflow


def test_custodian__killed_after_a_transfer_is_mined_and_before_its_record__does_not_pay_it_again(desk, monkeypatch):
    """The window the journal alone left open: the transfer is on chain, the journal does not say so."""
    s, custodian, filled, pmm_address = _filled_not_released(desk)
    before = _balances(s, pmm_address)

    real_release = custodian_module.release

    def killed_after_the_transfer(*args, **kwargs):
        real_release(*args, **kwargs)  # mined ...
        raise KeyboardInterrupt  # ... and the process is killed before the journal records it

    monkeypatch.setattr(custodian_module, "release", killed_after_the_transfer)
    try:
        custodian.sweep()
    except KeyboardInterrupt:
        pass
    else:
        raise AssertionError("the release was not attempted")
    monkeypatch.setattr(custodian_module, "release", real_release)
    paid_once = _balances(s, pmm_address)
    assert sum(paid_once[k] != before[k] for k in before) == 1  # one asset paid before the kill

    restarted = desk.custodian()  # reads the journal file: the transfer's nonce, not its record
    run_until_quiet(restarted)
    after = _balances(s, pmm_address)
    view = basket(s, s.token(desk.symbol), int(filled.basket_version))
    expected = dict(zip(view.symbols, (int(u) for u in filled.units)))
    assert {sym: after[sym] - before[sym] for sym in expected} == expected  # that asset not paid a second time


def test_pmm__killed_in_the_middle_of_buying_the_basket__buys_only_what_is_missing(desk, monkeypatch):
    from ssi.operators import pmm as pmm_module

    request = desk.request("mint", 50)
    pmm = desk.pmm()
    s = pmm.s
    wallet = s.custodian_wallet()
    held = _balances(s, wallet)
    real_deliver = pmm_module.local_deliver
    bought: list[str] = []

    def killed_after_three(assets, who, to, amounts):
        real_deliver(assets, who, to, amounts)  # mined ...
        bought.extend(amounts)
        if len(bought) == 3:
            raise KeyboardInterrupt  # ... and the process is killed before the journal records the third

    monkeypatch.setattr(pmm_module, "local_deliver", killed_after_three)
    try:
        pmm.sweep()
    except KeyboardInterrupt:
        pass
    monkeypatch.setattr(pmm_module, "local_deliver", real_deliver)
    assert len(bought) == 3 and STATUS[int(s.deployment.issuer.request_status(request.id))] == "open"

    restarted = desk.pmm()
    restarted.sweep()
    assert STATUS[int(s.deployment.issuer.request_status(request.id))] == "delivered"
    units = basket(s, s.token(desk.symbol), 1, round_up=True).units
    after = _balances(s, wallet)
    for sym, u in units.items():  # every asset once: the three bought before the kill are not bought again
        expected = required_reserve(request.shares, u)
        assert abs((after[sym] - held[sym]) - expected) <= expected // 10**6, sym
