"""USSI administration: the timelocked setters (owner cannot call them directly; they take effect
through the Timelock after its delay; the guardian can cancel; a holder's open request can be
cancelled before a queued change lands), immediate operator removal, the sweep that never touches
escrow, and the refusal of cash tokens that deliver less than asked."""

from __future__ import annotations

import ape
import pytest

from ssi.chain.timelock import Change, apply_now, cancel, execute, queue
from ssi.ussi.token import DAY, MINT_WITH_CASH, REDEEM, operator_change
from tests.ussi.conftest import NAV, TIMELOCK_DELAY

ZERO = "0x" + "00" * 20


def timelocked_calls(ussi, someone, signers):
    """Every timelocked setter, with harmless valid arguments."""
    return [
        ("set_signers", (signers, 1)),
        ("set_max_nav_age", (3600,)),
        ("set_custody", (someone,)),
        ("set_request_timeout", (7200,)),
        ("set_max_nav_move_bps", (300,)),
        ("set_operator", (someone, True)),
    ]


def wait_past(chain, eta: int) -> None:
    if int(chain.pending_timestamp) < eta:
        chain.pending_timestamp = eta


# ---------------------------------------------------------------- timelock ----


@pytest.mark.parametrize("caller", ["admin", "attacker"])
def test_timelocked_setters__called_directly__revert(ussi, strategy_signers, anyone, admin, attacker, caller):
    sender = {"admin": admin, "attacker": attacker}[caller]
    for method, args in timelocked_calls(ussi, anyone.address, [s.address for s in strategy_signers]):
        with ape.reverts("ussi: not timelock"):
            getattr(ussi, method)(*args, sender=sender)


def test_timelocked_setters__through_the_timelock__take_effect_after_the_delay(
    ussi, timelock, chain, admin, anyone, strategy_signers
):
    newcomer = anyone.address
    changes = [Change.of(ussi, method, *args)
               for method, args in timelocked_calls(ussi, newcomer, [strategy_signers[2].address])]
    etas = [queue(timelock, change, admin)[1] for change in changes]
    assert min(etas) >= int(chain.blocks.head.timestamp) + TIMELOCK_DELAY - len(changes)
    with ape.reverts("timelock: not yet due"):
        execute(timelock, changes[0], anyone)
    wait_past(chain, max(etas))

    receipts = [execute(timelock, change, anyone) for change in changes]

    assert (list(ussi.signers()), ussi.threshold()) == ([strategy_signers[2].address], 1)
    assert receipts[0].decode_logs(ussi.SignersSet)[0].key == ussi.address
    assert ussi.max_nav_age() == 3600
    assert receipts[1].decode_logs(ussi.MaxNavAgeSet)[0].max_nav_age == 3600
    assert ussi.custody() == newcomer
    assert receipts[2].decode_logs(ussi.CustodySet)[0].custody == newcomer
    assert ussi.request_timeout() == 7200
    assert receipts[3].decode_logs(ussi.RequestTimeoutSet)[0].request_timeout == 7200
    assert ussi.max_nav_move_bps() == 300
    assert receipts[4].decode_logs(ussi.MaxNavMoveSet)[0].max_nav_move_bps == 300
    assert ussi.is_operator(newcomer)
    event = receipts[5].decode_logs(ussi.OperatorSet)[0]
    assert (event.account, event.allowed, event.by) == (newcomer, True, timelock.address)


def test_timelocked_setters__out_of_bounds__revert_through_the_timelock(
    ussi, timelock, chain, admin, anyone, strategy_signers
):
    signers = [s.address for s in strategy_signers]
    cases = [
        ("attest: bad threshold", "set_signers", (signers, 4)),
        ("attest: bad threshold", "set_signers", (signers, 0)),
        ("attest: duplicate signer", "set_signers", ([signers[0], signers[0]], 1)),
        ("attest: zero signer", "set_signers", ([ZERO], 1)),
        ("ussi: bad max age", "set_max_nav_age", (59,)),
        ("ussi: bad max age", "set_max_nav_age", (7 * DAY + 1,)),
        ("ussi: bad timeout", "set_request_timeout", (3599,)),
        ("ussi: timeout above delay", "set_request_timeout", (TIMELOCK_DELAY + 1,)),
        ("ussi: bad nav move", "set_max_nav_move_bps", (0,)),
        ("ussi: bad nav move", "set_max_nav_move_bps", (5_001,)),
        ("ussi: zero address", "set_custody", (ZERO,)),
        ("ussi: zero address", "set_operator", (ZERO, True)),
    ]
    changes = [(message, Change.of(ussi, method, *args)) for message, method, args in cases]
    etas = [queue(timelock, change, admin)[1] for _, change in changes]
    wait_past(chain, max(etas))
    for message, change in changes:
        with ape.reverts(message):
            execute(timelock, change, anyone)
    # At the delay itself the timeout is accepted: holders can still exit before any change lands.
    apply_now(chain, timelock, Change.of(ussi, "set_request_timeout", TIMELOCK_DELAY), admin)
    assert ussi.request_timeout() == TIMELOCK_DELAY


def test_queued_change__cancelled_by_the_guardian__never_takes_effect(
    ussi, timelock, chain, admin, guardian, attacker
):
    change = Change.of(ussi, "set_signers", [attacker.address], 1)
    _, eta = queue(timelock, change, admin)

    receipt = cancel(timelock, change, guardian)

    assert receipt.decode_logs(timelock.ChangeCancelled)[0].by == guardian.address
    wait_past(chain, eta)
    with ape.reverts("timelock: not queued"):
        execute(timelock, change, admin)
    assert not ussi.is_signer(attacker)


def test_request_open_when_a_change_is_queued__can_be_cancelled_before_it_lands(
    desk, ussi, timelock, chain, admin, attacker, participant, usdc
):
    amount = 1_000 * 10**6
    desk.fund_cash(amount)
    request = desk.request(MINT_WITH_CASH, amount)
    change = Change.of(ussi, "set_custody", attacker.address)
    _, eta = queue(timelock, change, admin)
    assert request.cancel_after <= eta

    chain.mine(timestamp=request.cancel_after)
    ussi.cancel(request.as_tuple(), sender=participant)
    desk.check()
    assert usdc.balanceOf(participant) == amount

    wait_past(chain, eta)
    execute(timelock, change, admin)
    assert ussi.custody() == attacker.address


# --------------------------------------------------------------- operators ----


def test_remove_operator__by_owner__is_immediate(desk, ussi, admin, operator):
    desk.fund_cash(10**6)
    request = desk.request(MINT_WITH_CASH, 10**6)
    desk.attest()

    receipt = ussi.set_operator(operator, False, sender=admin)

    event = receipt.decode_logs(ussi.OperatorSet)[0]
    assert (event.account, event.allowed, event.by) == (operator.address, False, admin.address)
    with ape.reverts("ussi: not operator"):
        ussi.settle_mint(request.as_tuple(), sender=operator)


def test_remove_operator__by_attacker__reverts(ussi, attacker, operator):
    with ape.reverts("ussi: not owner or timelock"):
        ussi.set_operator(operator, False, sender=attacker)


def test_add_operator__through_the_timelock__lets_it_settle(desk, ussi, timelock, chain, admin, anyone):
    apply_now(chain, timelock, operator_change(ussi, anyone.address), admin)
    desk.fund_cash(10**6)
    request = desk.request(MINT_WITH_CASH, 10**6)
    desk.attest()
    ussi.settle_mint(request.as_tuple(), sender=anyone)
    desk.check()


# ------------------------------------------------------------------- sweep ----


def test_sweep__returns_stray_cash_and_never_escrow(desk, ussi, usdc, admin, participant, anyone, attacker):
    escrow = 700 * 10**6
    desk.fund_cash(escrow)
    request = desk.request(MINT_WITH_CASH, escrow)
    stray = 123 * 10**6 + 4
    usdc.mint(anyone, stray, sender=anyone)
    usdc.transfer(ussi, stray, sender=anyone)  # sent by mistake
    with ape.reverts("ownable: caller is not the owner"):
        ussi.sweep(usdc, attacker, sender=attacker)
    with ape.reverts("ussi: zero address"):
        ussi.sweep(usdc, ZERO, sender=admin)

    receipt = ussi.sweep(usdc, anyone, sender=admin)

    event = receipt.decode_logs(ussi.Swept)[0]
    assert (event.token, event.to, event.amount) == (usdc.address, anyone.address, stray)
    assert usdc.balanceOf(anyone) == stray
    desk.check()  # balance == escrow again
    with ape.reverts("ussi: nothing to sweep"):
        ussi.sweep(usdc, anyone, sender=admin)
    desk.attest()
    desk.settle(request)  # the escrow is whole


def test_sweep__of_ussi__leaves_escrowed_redemptions(desk, ussi, admin, participant, anyone, guardian):
    desk.mint_with_cash(3_000 * 10**6)
    shares = int(ussi.balanceOf(participant))
    redeem = desk.request(REDEEM, shares // 2)
    ussi.transfer(ussi, shares // 4, sender=participant)  # sent by mistake
    ussi.pause(sender=guardian)  # sweeping is not risk-adding: it works while paused

    receipt = ussi.sweep(ussi, participant, sender=admin)

    assert receipt.decode_logs(ussi.Swept)[0].amount == shares // 4
    assert ussi.balanceOf(ussi) == ussi.escrowed(ussi) == shares // 2
    desk.check()
    with ape.reverts("ussi: nothing to sweep"):
        ussi.sweep(ussi, participant, sender=admin)
    desk.attest()
    desk.fill(redeem)


def test_sweep__of_an_unrelated_token__returns_all_of_it(project, ussi, admin, anyone):
    other = project.MockERC20.deploy("Other", "OTH", 18, sender=admin)
    other.mint(ussi, 5 * 10**18, sender=admin)
    ussi.sweep(other, anyone, sender=admin)
    assert other.balanceOf(anyone) == 5 * 10**18
    assert other.balanceOf(ussi) == 0


# --------------------------------------------------------- short transfers ----


def test_request_mint__with_a_fee_on_transfer_cash_token__reverts(project, admin, make_ussi, participant):
    fot = project.FeeOnTransferToken.deploy("Fee USD", "FUSD", 6, 100, sender=admin)
    token = make_ussi(cash=fot)
    fot.mint(participant, 10**9, sender=participant)
    fot.approve(token, 10**9, sender=participant)
    with ape.reverts("ussi: transfer short"):
        token.request_mint(MINT_WITH_CASH, 10**9, 0, sender=participant)
    assert token.escrowed(fot) == 0 == fot.balanceOf(token)


def test_fill_redeem__after_the_cash_token_turns_on_a_fee__reverts_and_the_holder_can_cancel(
    project, admin, make_ussi, make_desk, participant, operator, chain
):
    fot = project.FeeOnTransferToken.deploy("Fee USD", "FUSD", 6, 0, sender=admin)
    token = make_ussi(cash=fot)
    local = make_desk(token, fot)
    local.mint_with_cash(1_000 * 10**6)
    shares = int(token.balanceOf(participant))
    redeem = local.request(REDEEM, shares)
    local.attest(nav=NAV)
    fot.set_fee_bps(30, sender=admin)

    with ape.reverts("ussi: transfer short"):
        local.fill(redeem)  # the redeemer would receive less than the NAV says
    local.fund_cash(10**6)
    fot.approve(token, 10**6, sender=participant)
    with ape.reverts("ussi: transfer short"):
        token.request_mint(MINT_WITH_CASH, 10**6, 0, sender=participant)

    chain.mine(timestamp=redeem.cancel_after)
    token.cancel(redeem.as_tuple(), sender=participant)
    local.check()
    assert token.balanceOf(participant) == shares
