"""The operators' handlers driven by real chain events: a WLP's request is all it takes."""

from __future__ import annotations

from ssi.chain.protocol import STATUS
from ssi.operators.pmm import PmmLimits
from tests.operators.conftest import run_until_quiet


def _status(desk, rid: int) -> str:
    s = desk.connect()
    return STATUS[int(s.deployment.issuer.request_status(rid))]


def test_mint_then_redeem__operators_running__settle_and_fill_after_the_wlp_request_alone(desk):
    pmm, custodian, keeper = desk.pmm(), desk.custodian(), desk.keeper()
    mint = desk.request("mint", 100)
    run_until_quiet(pmm, custodian, keeper)
    assert _status(desk, mint.id) == "settled"
    s = desk.connect()
    wlp = s.account(None, "wlp")
    assert int(s.token(desk.symbol).balanceOf(wlp.address)) == mint.shares

    redeem = desk.request("redeem", 40)
    run_until_quiet(pmm, custodian, keeper)
    assert _status(desk, redeem.id) == "settled"  # a filled redemption is stored as settled
    lines = [a.line() for op in (pmm, custodian, keeper) for a in op.actions]
    assert any(f"deliver mint request {mint.id}" in x and "Issuer.deliver_mint 0x" in x for x in lines)
    assert any(f"settle mint request {mint.id}" in x and "Issuer.settle_mint 0x" in x for x in lines)
    assert any(f"fill redeem request {redeem.id}" in x and "Issuer.fill_redeem 0x" in x for x in lines)
    assert any("release BTC for RedeemFilled" in x for x in lines)
    # Releases are paid before the next report: no report between the fill and the last release.
    after_mint = [a.what.split()[0] for a in custodian.actions][1:]
    assert after_mint[-1] == "report" and set(after_mint[:-1]) == {"release"}
    # After the release the custodian reported again: the last report is dated after the outflow.
    _, outflow = (int(x) for x in s.deployment.issuer.flows(s.token(desk.symbol)))
    assert int(s.deployment.oracle.last_as_of(s.token(desk.symbol))) >= outflow > 0


def test_mint__above_the_pmm_limit__rejected_with_the_reason_logged(desk, caplog):
    pmm = desk.pmm(PmmLimits(max_shares=50 * 10**18))
    mint = desk.request("mint", 100)
    with caplog.at_level("WARNING", logger="ssi.operators"):
        run_until_quiet(pmm)
    assert _status(desk, mint.id) == "rejected"
    assert "100 shares is above this desk's limit of 50 per request" in caplog.text


def _filled(desk, shares: float = 40):
    """A mint settled by the operators, then a redemption filled by the PMM alone (not yet released)."""
    pmm, custodian, keeper = desk.pmm(), desk.custodian(), desk.keeper()
    desk.request("mint", 100)
    run_until_quiet(pmm, custodian, keeper)
    redeem = desk.request("redeem", shares)
    run_until_quiet(pmm)
    return redeem, desk.custodian()


def _assets(s, who: str) -> dict[str, int]:
    return {sym: int(t.balanceOf(who)) for sym, t in s.mock_assets().tokens.items()}


def test_release_by_the_operator__recorded_paid_where_the_custodian_release_command_looks(desk):
    from ssi.ops.release import obligations

    redeem, custodian = _filled(desk)
    s = desk.connect()
    [pending] = obligations(s, request=redeem.id)
    assert pending.status == "pending"
    run_until_quiet(custodian)
    s = desk.connect()  # the deployments file as another process reads it
    [paid] = obligations(s, request=redeem.id)
    assert paid.status == "paid"


def test_release_paid_by_the_command_first__the_operator_does_not_pay_it_again(desk):
    from ssi.ops.release import obligations, send_pending

    redeem, custodian = _filled(desk)
    s = desk.connect()
    pmm = s.account(None, "pmm").address
    before = _assets(s, pmm)
    send_pending(s, obligations(s, request=redeem.id))  # `ape run custodian release --send`
    once = _assets(s, pmm)
    run_until_quiet(custodian)
    assert _assets(s, pmm) == once != before
    assert not any(a.what.startswith("release") for a in custodian.actions)
    # and it still reports after the outflow
    _, outflow = (int(x) for x in s.deployment.issuer.flows(s.token(desk.symbol)))
    assert int(s.deployment.oracle.last_as_of(s.token(desk.symbol))) >= outflow
