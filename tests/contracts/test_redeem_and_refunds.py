"""Redeem path, and the refunds that make sure nothing is ever stuck: cancel and reject."""

from __future__ import annotations

import ape

from ssi.chain.eip712 import MINT, REDEEM
from tests.invariants import check_escrow

SHARES = 10 * 10**18
CASH = 1_000 * 10**6


def test_redeem__full_path__burns_shares_pays_wlp_and_lists_units_to_release(
    flows, index7, protocol, usdc, wlp, pmm, treasury
):
    minted = flows.mint(index7, SHARES, CASH)
    request = flows.request_redeem(index7, SHARES // 2, CASH // 2)
    check_escrow(protocol.issuer, usdc, [index7.token], [minted, request])
    wlp_cash, treasury_cash = usdc.balanceOf(wlp), usdc.balanceOf(treasury)

    receipt = flows.fill(request)

    fee = -(-(CASH // 2) * 10 // 10_000)
    assert request.fee == fee
    assert usdc.balanceOf(wlp) - wlp_cash == CASH // 2 - fee
    assert usdc.balanceOf(treasury) - treasury_cash == fee
    assert index7.token.totalSupply() == SHARES - SHARES // 2
    assert index7.token.balanceOf(wlp) == SHARES - SHARES // 2
    filled = receipt.decode_logs(protocol.issuer.RedeemFilled)[0]
    units = protocol.registry.effective_units(index7.token, 1, False)
    assert list(filled.units) == [SHARES // 2 * u // 10**36 for u in units]
    assert filled.pmm == pmm.address
    check_escrow(protocol.issuer, usdc, [index7.token], [minted, request])


def test_fill_redeem__by_other_than_request_pmm__reverts(flows, index7, protocol, attacker):
    flows.mint(index7, SHARES, CASH)
    request = flows.request_redeem(index7, SHARES, CASH)
    with ape.reverts("issuer: not request pmm"):
        protocol.issuer.fill_redeem(request.as_tuple(), sender=attacker)


def test_fill_redeem__twice__reverts(flows, index7):
    flows.mint(index7, SHARES, CASH)
    request = flows.request_redeem(index7, SHARES, CASH)
    flows.fill(request)
    with ape.reverts("issuer: not open"):
        flows.fill(request)


def test_request_redeem__more_shares_than_held__reverts(flows, index7, protocol):
    flows.mint(index7, SHARES, CASH)
    quote, sig = flows.quote(index7, REDEEM, SHARES + 1, CASH)
    index7.token.approve(protocol.issuer, SHARES + 1, sender=flows.wlp)
    with ape.reverts("erc20: transfer amount exceeds balance"):
        protocol.issuer.request_redeem(quote.as_tuple(), sig, CASH, sender=flows.wlp)


def test_request_redeem__fee_above_max__reverts(flows, index7, protocol):
    flows.mint(index7, SHARES, CASH)
    quote, sig = flows.quote(index7, REDEEM, SHARES, CASH)
    index7.token.approve(protocol.issuer, SHARES, sender=flows.wlp)
    fee = int(protocol.issuer.redemption_fee(index7.token, CASH))
    with ape.reverts("issuer: fee above max"):
        protocol.issuer.request_redeem(quote.as_tuple(), sig, fee - 1, sender=flows.wlp)


def test_cancel_mint__after_timeout__refunds_everything(flows, index7, protocol, usdc, wlp, chain):
    request = flows.request_mint(index7, SHARES, CASH)
    before = usdc.balanceOf(wlp)
    chain.mine(timestamp=request.cancel_after)
    receipt = protocol.issuer.cancel(request.as_tuple(), sender=wlp)
    assert receipt.decode_logs(protocol.issuer.RequestCancelled)[0].id == request.id
    assert usdc.balanceOf(wlp) - before == request.cash + request.fee
    assert protocol.issuer.request_status(request.id) == 4
    check_escrow(protocol.issuer, usdc, [index7.token], [request])


def test_cancel_mint__after_delivery_and_timeout__refunds(flows, index7, protocol, usdc, wlp, chain):
    request = flows.request_mint(index7, SHARES, CASH)
    flows.deliver(request)
    chain.mine(timestamp=request.cancel_after)
    protocol.issuer.cancel(request.as_tuple(), sender=wlp)
    check_escrow(protocol.issuer, usdc, [index7.token], [request])
    with ape.reverts("issuer: not delivered"):
        flows.settle(request)


def test_cancel__before_timeout__reverts(flows, index7, protocol, wlp):
    request = flows.request_mint(index7, SHARES, CASH)
    with ape.reverts("issuer: too early to cancel"):
        protocol.issuer.cancel(request.as_tuple(), sender=wlp)


def test_cancel__by_other_than_request_wlp__reverts(flows, index7, protocol, attacker, chain):
    request = flows.request_mint(index7, SHARES, CASH)
    chain.mine(timestamp=request.cancel_after)
    with ape.reverts("issuer: not request wlp"):
        protocol.issuer.cancel(request.as_tuple(), sender=attacker)


def test_cancel_redeem__while_paused__refunds_shares(flows, index7, protocol, guardian, wlp, usdc, chain):
    minted = flows.mint(index7, SHARES, CASH)
    request = flows.request_redeem(index7, SHARES, CASH)
    protocol.issuer.pause(sender=guardian)
    chain.mine(timestamp=request.cancel_after)
    protocol.issuer.cancel(request.as_tuple(), sender=wlp)
    assert index7.token.balanceOf(wlp) == SHARES
    check_escrow(protocol.issuer, usdc, [index7.token], [minted, request])


def test_reject__by_pmm_while_paused__refunds(flows, index7, protocol, guardian, pmm, usdc, wlp):
    request = flows.request_mint(index7, SHARES, CASH)
    before = usdc.balanceOf(wlp)
    protocol.issuer.pause(sender=guardian)
    receipt = protocol.issuer.reject(request.as_tuple(), b"price moved".ljust(32, b"\0"), sender=pmm)
    assert receipt.decode_logs(protocol.issuer.RequestRejected)[0].id == request.id
    assert usdc.balanceOf(wlp) - before == request.cash + request.fee
    assert protocol.issuer.request_status(request.id) == 5
    check_escrow(protocol.issuer, usdc, [index7.token], [request])


def test_reject__by_other_than_request_pmm__reverts(flows, index7, protocol, attacker):
    request = flows.request_mint(index7, SHARES, CASH)
    with ape.reverts("issuer: not request pmm"):
        protocol.issuer.reject(request.as_tuple(), b"\0" * 32, sender=attacker)


def test_reject__after_settlement__reverts(flows, index7, protocol, pmm):
    request = flows.mint(index7, SHARES, CASH)
    with ape.reverts("issuer: not open"):
        protocol.issuer.reject(request.as_tuple(), b"\0" * 32, sender=pmm)


def test_fill_redeem__while_paused__completes_the_exit(flows, index7, protocol, guardian):
    flows.mint(index7, SHARES, CASH)
    request = flows.request_redeem(index7, SHARES, CASH)
    protocol.issuer.pause(sender=guardian)
    flows.fill(request)
    assert index7.token.totalSupply() == 0


def test_pause__blocks_new_requests_only__a_backed_delivered_mint_still_settles(flows, index7, protocol, guardian, admin, pmm, chain):
    request = flows.request_mint(index7, SHARES, CASH)
    protocol.issuer.pause(sender=guardian)
    quote, sig = flows.quote(index7, MINT, SHARES, CASH)
    with ape.reverts("guard: paused"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=flows.wlp)
    quote, sig = flows.quote(index7, REDEEM, SHARES, CASH)
    with ape.reverts("guard: paused"):
        protocol.issuer.request_redeem(quote.as_tuple(), sig, CASH, sender=flows.wlp)
    # Delivery records a transfer already made; settlement of a backed mint adds no risk.
    flows.deliver(request)
    chain.mine(timestamp=chain.pending_timestamp + 1)
    supply = int(index7.token.totalSupply())
    flows.report_covering(index7, supply + SHARES)
    flows.settle(request)
    assert protocol.issuer.request_status(request.id) == 3
    protocol.issuer.unpause(sender=admin)