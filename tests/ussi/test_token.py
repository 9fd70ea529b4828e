"""USSI token: mint with cash and with MAG7.ssi at an attested NAV, redeem to cash, refunds, pause.

The escrow invariant (USSI's balance of each token == sum of its open escrows == ``escrowed``)
is checked after every step of every flow.
"""

from __future__ import annotations

import ape
import pytest

from ssi.ussi.token import (
    DAY,
    MINT_WITH_CASH,
    MINT_WITH_INDEX,
    REDEEM,
    UssiRequest,
    cash_for_shares,
    shares_for_cash,
    shares_for_index,
    wad,
)
from tests.ussi.conftest import CANCELLED, INDEX_PRICE, NAV, OPEN, REJECTED, SETTLED

# ------------------------------------------------------------------- mint ----


def test_mint_with_cash__at_attested_nav__mints_shares_and_moves_cash_to_custody(
    desk, ussi, usdc, participant, custody, operator
):
    amount = 5_000 * 10**6 + 7
    desk.fund_cash(amount)
    request = desk.request(MINT_WITH_CASH, amount)
    assert usdc.balanceOf(ussi) == amount
    desk.attest()

    receipt = desk.settle(request)

    expected = shares_for_cash(amount, NAV, 6)
    assert expected == amount * 10**12 * 10**18 // NAV
    assert ussi.balanceOf(participant) == expected == ussi.totalSupply()
    assert usdc.balanceOf(custody) == amount
    event = receipt.decode_logs(ussi.MintSettled)[0]
    assert (event.id, event.owner, event.kind) == (request.id, participant.address, MINT_WITH_CASH)
    assert (event.amount, event.shares, event.nav_per_share, event.index_price, event.nav_nonce) == (
        amount, expected, NAV, INDEX_PRICE, 0,
    )
    assert ussi.request_status(request.id) == SETTLED


def test_mint_with_mag7__at_attested_index_price__mints_shares_and_moves_mag7_to_custody(
    desk, ussi, mag7, participant, custody, participant_mag7
):
    amount = participant_mag7
    request = desk.request(MINT_WITH_INDEX, amount)
    assert mag7.token.balanceOf(ussi) == amount
    desk.attest()

    receipt = desk.settle(request)

    expected = shares_for_index(amount, INDEX_PRICE, NAV)
    assert expected == amount * INDEX_PRICE // NAV
    assert ussi.balanceOf(participant) == expected
    assert mag7.token.balanceOf(custody) == amount
    assert mag7.token.balanceOf(participant) == 0
    event = receipt.decode_logs(ussi.MintSettled)[0]
    assert (event.kind, event.amount, event.shares) == (MINT_WITH_INDEX, amount, expected)


def test_request_mint__event_carries_the_whole_request(desk, ussi, usdc, participant, chain):
    amount = 10**6
    desk.fund_cash(amount)
    usdc.approve(ussi, amount, sender=participant)
    receipt = ussi.request_mint(MINT_WITH_CASH, amount, 5, sender=participant)
    event = receipt.decode_logs(ussi.MintRequested)[0]
    request = UssiRequest.from_log(event)
    desk.requests.append(request)
    desk.check()
    assert (request.owner, request.kind, request.amount, request.min_out) == (
        participant.address, MINT_WITH_CASH, amount, 5,
    )
    assert request.requested_at == receipt.timestamp
    assert request.cancel_after == request.requested_at + DAY
    assert ussi.status_of(request.as_tuple()) == OPEN


@pytest.mark.parametrize("cash_decimals", [6, 8, 18])
def test_mint_then_redeem__any_cash_decimals__rounds_in_the_funds_favour(
    project, admin, make_ussi, make_desk, participant, cash_decimals
):
    cash = project.MockERC20.deploy("Cash", "CASH", cash_decimals, sender=admin)
    token = make_ussi(cash=cash)
    local = make_desk(token, cash)
    nav = wad("3.000000000000000007")  # awkward on purpose: every division truncates
    amount = 10 ** cash_decimals * 1000 + 1
    local.fund_cash(amount)
    mint = local.request(MINT_WITH_CASH, amount)
    local.attest(nav=nav)
    local.settle(mint)
    shares = int(token.balanceOf(participant))
    assert shares == shares_for_cash(amount, nav, cash_decimals)
    # Never more shares than the deposit is worth.
    assert shares * nav <= amount * 10 ** (18 - cash_decimals) * 10**18

    redeem = local.request(REDEEM, shares)
    local.attest(nav=nav)
    receipt = local.fill(redeem)
    paid = int(receipt.decode_logs(token.RedeemFilled)[0].cash)
    assert paid == cash_for_shares(shares, nav, cash_decimals)
    # A round trip at one NAV never pays out more than went in.
    assert paid <= amount
    # ...and loses at most one cash unit per truncation: one of the share (worth nav/1e18 whole
    # tokens) and one of the payout.
    assert amount - paid <= nav // (10**18 * 10 ** (18 - cash_decimals)) + 2


# ----------------------------------------------------------------- redeem ----


def test_redeem__at_attested_nav__burns_shares_and_pays_cash(desk, ussi, usdc, participant, operator):
    desk.mint_with_cash(10_000 * 10**6)
    held = int(ussi.balanceOf(participant))
    request = desk.request(REDEEM, held // 2)
    assert ussi.balanceOf(ussi) == held // 2
    before = usdc.balanceOf(participant)
    new_nav = wad("1100")
    desk.attest(nav=new_nav)

    receipt = desk.fill(request)

    cash = cash_for_shares(held // 2, new_nav, 6)
    assert usdc.balanceOf(participant) - before == cash
    assert ussi.totalSupply() == held - held // 2 == ussi.balanceOf(participant)
    event = receipt.decode_logs(ussi.RedeemFilled)[0]
    assert (event.id, event.owner, event.operator) == (request.id, participant.address, operator.address)
    assert (event.shares, event.cash, event.nav_per_share, event.nav_nonce) == (held // 2, cash, new_nav, 1)


def test_redeem__more_than_held__reverts(desk, ussi, participant):
    desk.mint_with_cash(1_000 * 10**6)
    with ape.reverts("erc20: transfer amount exceeds balance"):
        ussi.request_redeem(int(ussi.balanceOf(participant)) + 1, 0, sender=participant)


def test_whole_story__mints_redeem_refunds__escrow_holds_at_every_step(
    desk, ussi, usdc, mag7, participant, operator, participant_mag7, chain
):
    desk.fund_cash(3_000 * 10**6)
    cash_mint = desk.request(MINT_WITH_CASH, 2_000 * 10**6)
    index_mint = desk.request(MINT_WITH_INDEX, participant_mag7 // 2)
    rejected = desk.request(MINT_WITH_CASH, 1_000 * 10**6)
    desk.attest()
    desk.settle(cash_mint)
    desk.settle(index_mint)
    ussi.reject(rejected.as_tuple(), b"capacity".ljust(32, b"\0"), sender=operator)
    desk.check()
    to_cancel = desk.request(MINT_WITH_INDEX, participant_mag7 // 2)
    redeem = desk.request(REDEEM, int(ussi.balanceOf(participant)) // 3)
    desk.attest(nav=wad("990"))
    desk.fill(redeem)
    chain.mine(timestamp=to_cancel.cancel_after)
    ussi.cancel(to_cancel.as_tuple(), sender=participant)
    desk.check()
    assert [int(ussi.request_status(r.id)) for r in desk.requests] == [
        SETTLED, SETTLED, REJECTED, CANCELLED, SETTLED,
    ]
    assert mag7.token.balanceOf(participant) == participant_mag7 // 2
    assert ussi.escrowed(usdc) == ussi.escrowed(mag7.token) == ussi.escrowed(ussi) == 0


# -------------------------------------------------------------- settlement ----


def test_settle_mint__before_any_nav__reverts(desk, ussi, operator):
    desk.fund_cash(10**6)
    request = desk.request(MINT_WITH_CASH, 10**6)
    with ape.reverts("ussi: no nav"):
        ussi.settle_mint(request.as_tuple(), sender=operator)


def test_settle_mint__with_nav_as_of_before_request__reverts(desk, ussi, operator):
    desk.attest()
    desk.fund_cash(10**6)
    request = desk.request(MINT_WITH_CASH, 10**6)
    with ape.reverts("ussi: nav before request"):
        ussi.settle_mint(request.as_tuple(), sender=operator)


def test_settle_mint__with_stale_nav__reverts(desk, ussi, operator, chain):
    desk.fund_cash(10**6)
    request = desk.request(MINT_WITH_CASH, 10**6)
    desk.attest()
    chain.mine(timestamp=int(ussi.nav().asOf) + DAY + 1)
    with ape.reverts("ussi: nav stale"):
        ussi.settle_mint(request.as_tuple(), sender=operator)


def test_settle_mint__below_min_out__reverts(desk, ussi, operator):
    amount = 1_000 * 10**6
    desk.fund_cash(amount)
    request = desk.request(MINT_WITH_CASH, amount, min_out=shares_for_cash(amount, NAV, 6) + 1)
    desk.attest()
    with ape.reverts("ussi: below min out"):
        ussi.settle_mint(request.as_tuple(), sender=operator)
    desk.attest(nav=NAV - 10**15)  # a lower NAV gives enough shares
    desk.settle(request)


def test_fill_redeem__below_min_out__reverts(desk, ussi, operator, participant):
    desk.mint_with_cash(1_000 * 10**6)
    shares = int(ussi.balanceOf(participant))
    request = desk.request(REDEEM, shares, min_out=cash_for_shares(shares, NAV, 6) + 1)
    desk.attest()
    with ape.reverts("ussi: below min out"):
        ussi.fill_redeem(request.as_tuple(), sender=operator)


def test_settle_mint__by_other_than_operator__reverts(desk, ussi, attacker):
    desk.fund_cash(10**6)
    request = desk.request(MINT_WITH_CASH, 10**6)
    desk.attest()
    with ape.reverts("ussi: not operator"):
        ussi.settle_mint(request.as_tuple(), sender=attacker)


def test_settle_mint__twice__reverts(desk, ussi, operator):
    request = desk.mint_with_cash(10**6)
    with ape.reverts("ussi: not open"):
        ussi.settle_mint(request.as_tuple(), sender=operator)


def test_settle_mint__with_altered_request__reverts(desk, ussi, operator):
    desk.fund_cash(10**6)
    request = desk.request(MINT_WITH_CASH, 10**6)
    desk.attest()
    forged = UssiRequest(**{**request.__dict__, "amount": request.amount * 100})
    with ape.reverts("ussi: unknown request"):
        ussi.settle_mint(forged.as_tuple(), sender=operator)


def test_settle_mint__of_a_redeem_request__reverts(desk, ussi, operator, participant):
    desk.mint_with_cash(10**6)
    request = desk.request(REDEEM, int(ussi.balanceOf(participant)))
    desk.attest()
    with ape.reverts("ussi: not a mint"):
        ussi.settle_mint(request.as_tuple(), sender=operator)


def test_fill_redeem__of_a_mint_request__reverts(desk, ussi, operator):
    desk.fund_cash(10**6)
    request = desk.request(MINT_WITH_CASH, 10**6)
    desk.attest()
    with ape.reverts("ussi: not a redeem"):
        ussi.fill_redeem(request.as_tuple(), sender=operator)


def test_request_mint__bad_kind_or_zero_amount__reverts(ussi, participant):
    with ape.reverts("ussi: bad kind"):
        ussi.request_mint(REDEEM, 1, 0, sender=participant)
    with ape.reverts("ussi: zero amount"):
        ussi.request_mint(MINT_WITH_CASH, 0, 0, sender=participant)
    with ape.reverts("ussi: zero amount"):
        ussi.request_redeem(0, 0, sender=participant)


# ----------------------------------------------------------------- refunds ----


@pytest.mark.parametrize("kind", [MINT_WITH_CASH, MINT_WITH_INDEX, REDEEM])
def test_cancel__after_timeout__refunds_in_full(desk, ussi, usdc, mag7, participant, participant_mag7, chain, kind):
    if kind == REDEEM:
        desk.mint_with_cash(1_000 * 10**6)
        amount, token = int(ussi.balanceOf(participant)), ussi
    elif kind == MINT_WITH_INDEX:
        amount, token = participant_mag7, mag7.token
    else:
        amount, token = 1_000 * 10**6 + 3, usdc
        desk.fund_cash(amount)
    before = int(token.balanceOf(participant))
    request = desk.request(kind, amount)
    assert int(token.balanceOf(participant)) == before - amount
    with ape.reverts("ussi: too early to cancel"):
        ussi.cancel(request.as_tuple(), sender=participant)
    chain.mine(timestamp=request.cancel_after)

    receipt = ussi.cancel(request.as_tuple(), sender=participant)

    desk.check()
    event = receipt.decode_logs(ussi.RequestCancelled)[0]
    assert (event.id, event.owner, event.kind, event.amount) == (request.id, participant.address, kind, amount)
    assert int(token.balanceOf(participant)) == before
    assert ussi.request_status(request.id) == CANCELLED


def test_cancel__by_other_than_owner__reverts(desk, ussi, attacker, chain):
    desk.fund_cash(10**6)
    request = desk.request(MINT_WITH_CASH, 10**6)
    chain.mine(timestamp=request.cancel_after)
    with ape.reverts("ussi: not request owner"):
        ussi.cancel(request.as_tuple(), sender=attacker)


def test_cancel__after_settlement__reverts(desk, ussi, participant, chain):
    request = desk.mint_with_cash(10**6)
    chain.mine(timestamp=request.cancel_after)
    with ape.reverts("ussi: not open"):
        ussi.cancel(request.as_tuple(), sender=participant)


def test_reject__refunds_in_full_with_reason(desk, ussi, usdc, participant, operator):
    amount = 777 * 10**6
    desk.fund_cash(amount)
    request = desk.request(MINT_WITH_CASH, amount)
    reason = b"no hedge capacity".ljust(32, b"\0")

    receipt = ussi.reject(request.as_tuple(), reason, sender=operator)

    desk.check()
    event = receipt.decode_logs(ussi.RequestRejected)[0]
    assert (event.id, event.owner, event.operator, event.kind, event.amount, bytes(event.reason)) == (
        request.id, participant.address, operator.address, MINT_WITH_CASH, amount, reason,
    )
    assert usdc.balanceOf(participant) == amount
    with ape.reverts("ussi: not open"):
        ussi.reject(request.as_tuple(), reason, sender=operator)


def test_reject__by_other_than_operator__reverts(desk, ussi, attacker):
    desk.fund_cash(10**6)
    request = desk.request(MINT_WITH_CASH, 10**6)
    with ape.reverts("ussi: not operator"):
        ussi.reject(request.as_tuple(), b"\0" * 32, sender=attacker)


# ------------------------------------------------------------------- pause ----


def test_pause__blocks_requests_and_settlement__not_reports_or_exits(
    desk, ussi, participant, operator, guardian, admin, chain
):
    desk.mint_with_cash(2_000 * 10**6)
    shares = int(ussi.balanceOf(participant))
    desk.fund_cash(1_000 * 10**6)
    open_mint = desk.request(MINT_WITH_CASH, 1_000 * 10**6)
    to_fill = desk.request(REDEEM, shares // 3)
    to_reject = desk.request(REDEEM, shares // 3)
    to_cancel = desk.request(REDEEM, shares // 3)
    desk.attest()

    receipt = ussi.pause(sender=guardian)
    assert receipt.decode_logs(ussi.Paused)[0].account == guardian.address

    with ape.reverts("guard: paused"):
        ussi.request_mint(MINT_WITH_CASH, 1, 0, sender=participant)
    with ape.reverts("guard: paused"):
        ussi.request_redeem(1, 0, sender=participant)
    with ape.reverts("guard: paused"):
        ussi.settle_mint(open_mint.as_tuple(), sender=operator)
    # Reports and exits stay open: post_nav, fill, reject, cancel.
    desk.attest()
    desk.fill(to_fill)
    ussi.reject(to_reject.as_tuple(), b"\0" * 32, sender=operator)
    desk.check()
    chain.mine(timestamp=to_cancel.cancel_after)
    ussi.cancel(to_cancel.as_tuple(), sender=participant)
    ussi.cancel(open_mint.as_tuple(), sender=participant)
    desk.check()
    ussi.unpause(sender=admin)
    assert not ussi.paused()


def test_fill_redeem__requested_after_the_last_nav_then_paused__fills_at_a_nav_posted_while_paused(
    desk, ussi, usdc, participant, operator, guardian
):
    desk.mint_with_cash(2_000 * 10**6)
    shares = int(ussi.balanceOf(participant))
    redeem = desk.request(REDEEM, shares)  # after the last NAV: it needs a newer one
    ussi.pause(sender=guardian)
    with ape.reverts("ussi: nav before request"):
        ussi.fill_redeem(redeem.as_tuple(), sender=operator)
    nav = NAV + 10**18
    receipt = desk.attest(nav=nav)
    assert receipt.decode_logs(ussi.NavReported)[0].nav_per_share == nav
    before = int(usdc.balanceOf(participant))

    fill = desk.fill(redeem)

    assert ussi.paused()
    event = fill.decode_logs(ussi.RedeemFilled)[0]
    assert (event.id, event.owner, event.nav_nonce) == (redeem.id, participant.address, 1)
    assert int(usdc.balanceOf(participant)) - before == cash_for_shares(shares, nav, 6) == event.cash
    assert ussi.totalSupply() == 0
    assert ussi.request_status(redeem.id) == SETTLED


def test_pause__by_attacker__reverts(ussi, attacker):
    with ape.reverts("guard: not guardian"):
        ussi.pause(sender=attacker)
