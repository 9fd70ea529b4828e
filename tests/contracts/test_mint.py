"""Mint path: request, delivery, reserve report, settlement, and every way it can fail."""

from __future__ import annotations

import ape
import pytest

from ssi.chain.eip712 import MINT, REDEEM, ApeSigner
from tests.invariants import check_backing, check_escrow

SHARES = 10 * 10**18
CASH = 1_000 * 10**6


def test_mint__full_path__mints_shares_and_pays_pmm_and_treasury(flows, index7, usdc, wlp, pmm, treasury, protocol):
    fee = int(protocol.issuer.creation_fee(index7.token, CASH))
    assert fee == -(-CASH * 10 // 10_000)
    pmm_before, treasury_before = usdc.balanceOf(pmm), usdc.balanceOf(treasury)

    request = flows.request_mint(index7, SHARES, CASH)
    assert protocol.issuer.request_status(request.id) == 1
    check_escrow(protocol.issuer, usdc, [index7.token], [request])

    flows.deliver(request)
    assert protocol.issuer.request_status(request.id) == 2
    flows.chain.mine(timestamp=flows.chain.pending_timestamp + 1)
    flows.report_covering(index7, SHARES)
    receipt = flows.settle(request)

    settled = receipt.decode_logs(protocol.issuer.MintSettled)
    assert len(settled) == 1 and settled[0].shares == SHARES and settled[0].wlp == wlp.address
    assert index7.token.balanceOf(wlp) == SHARES
    assert index7.token.totalSupply() == SHARES
    assert usdc.balanceOf(pmm) - pmm_before == CASH
    assert usdc.balanceOf(treasury) - treasury_before == fee
    assert protocol.issuer.request_status(request.id) == 3
    check_escrow(protocol.issuer, usdc, [index7.token], [request])
    check_backing(protocol.registry, protocol.oracle, index7.token)


def test_settle_mint__reserves_short_by_one_base_unit__reverts(flows, index7, protocol):
    request = flows.request_mint(index7, SHARES, CASH)
    flows.deliver(request)
    balances = index7.required(SHARES)
    balances[3] -= 1
    flows.chain.mine(timestamp=flows.chain.pending_timestamp + 1)
    flows.report(index7, balances)
    with ape.reverts("oracle: reserves short"):
        flows.settle(request)
    # One more base unit and it settles.
    balances[3] += 1
    flows.chain.mine(timestamp=flows.chain.pending_timestamp + 1)
    flows.report(index7, balances)
    flows.settle(request)


def test_settle_mint__twice__reverts(flows, index7):
    request = flows.mint(index7, SHARES, CASH)
    with ape.reverts("issuer: not delivered"):
        flows.settle(request)


def test_settle_mint__before_delivery__reverts(flows, index7):
    request = flows.request_mint(index7, SHARES, CASH)
    flows.report_covering(index7, SHARES)
    with ape.reverts("issuer: not delivered"):
        flows.settle(request)


def test_settle_mint__without_report__reverts(flows, index7):
    request = flows.request_mint(index7, SHARES, CASH)
    flows.deliver(request)
    with ape.reverts("oracle: no report"):
        flows.settle(request)


def test_settle_mint__with_stale_report__reverts(flows, index7, protocol, chain):
    request = flows.request_mint(index7, SHARES, CASH)
    flows.deliver(request)
    flows.chain.mine(timestamp=flows.chain.pending_timestamp + 1)
    flows.report_covering(index7, SHARES)
    chain.mine(timestamp=chain.pending_timestamp + int(protocol.oracle.max_report_age()) + 1)
    with ape.reverts("oracle: report stale"):
        flows.settle(request)


def test_settle_mint__forged_request__reverts(flows, index7):
    request = flows.request_mint(index7, SHARES, CASH)
    flows.deliver(request)
    forged = request.__class__(**{**request.__dict__, "shares": SHARES * 10})
    with ape.reverts("issuer: unknown request"):
        flows.settle(forged)


def test_request_mint__fee_above_max__reverts(flows, index7, protocol):
    quote, sig = flows.quote(index7, MINT, SHARES, CASH)
    fee = int(protocol.issuer.creation_fee(index7.token, CASH))
    flows.fund_wlp(CASH + fee)
    with ape.reverts("issuer: fee above max"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, fee - 1, sender=flows.wlp)


def test_request_mint__expired_quote__reverts(flows, index7, protocol, chain):
    quote, sig = flows.quote(index7, MINT, SHARES, CASH, deadline=chain.pending_timestamp - 1)
    flows.fund_wlp(2 * CASH)
    with ape.reverts("issuer: quote expired"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=flows.wlp)


def test_request_mint__reused_nonce__reverts(flows, index7, protocol):
    quote, sig = flows.quote(index7, MINT, SHARES, CASH)
    flows.fund_wlp(4 * CASH)
    protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=flows.wlp)
    with ape.reverts("issuer: nonce used"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=flows.wlp)


def test_request_mint__unknown_pmm__reverts(flows, index7, protocol, attacker):
    quote, sig = flows.quote(index7, MINT, SHARES, CASH, signer=ApeSigner(attacker))
    flows.fund_wlp(2 * CASH)
    with ape.reverts("issuer: signer not pmm"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=flows.wlp)


def test_request_mint__bad_signature__reverts(flows, index7, protocol):
    quote, _ = flows.quote(index7, MINT, SHARES, CASH)
    _, other_sig = flows.quote(index7, MINT, SHARES + 1, CASH)
    flows.fund_wlp(2 * CASH)
    # A well-formed signature of another quote recovers some other address.
    with ape.reverts("issuer: signer not pmm"):
        protocol.issuer.request_mint(quote.as_tuple(), other_sig, CASH, sender=flows.wlp)
    # A signature that recovers no address at all.
    with ape.reverts("ecdsa: invalid signature"):
        protocol.issuer.request_mint(quote.as_tuple(), b"\x00" * 64 + b"\x1b", CASH, sender=flows.wlp)


def test_request_mint__quote_changed_after_signing__reverts(flows, index7, protocol):
    quote, sig = flows.quote(index7, MINT, SHARES, CASH)
    flows.fund_wlp(2 * CASH)
    cheaper = quote.__class__(**{**quote.__dict__, "cash": CASH // 2})
    with ape.reverts("issuer: signer not pmm"):
        protocol.issuer.request_mint(cheaper.as_tuple(), sig, CASH, sender=flows.wlp)


@pytest.mark.parametrize("field", ["chain_id", "verifying_contract"])
def test_request_mint__quote_signed_for_other_domain__reverts(flows, index7, protocol, pmm_signer, field):
    from ssi.chain.eip712 import sign

    domain = protocol.issuer_domain
    if field == "chain_id":
        domain = domain.__class__(domain.name, domain.chain_id + 1, domain.verifying_contract)
    else:
        domain = domain.__class__(domain.name, domain.chain_id, str(protocol.oracle.address))
    quote, _ = flows.quote(index7, MINT, SHARES, CASH)
    sig = sign(pmm_signer, domain, quote)
    flows.fund_wlp(2 * CASH)
    with ape.reverts("issuer: signer not pmm"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=flows.wlp)


def test_request_mint__by_other_than_quote_wlp__reverts(flows, index7, protocol, attacker):
    quote, sig = flows.quote(index7, MINT, SHARES, CASH)
    with ape.reverts("issuer: not quote wlp"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=attacker)


def test_request_mint__by_non_whitelisted_lp__reverts(flows, index7, protocol, attacker):
    quote, sig = flows.quote(index7, MINT, SHARES, CASH, wlp=str(attacker.address))
    with ape.reverts("issuer: not wlp"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=attacker)


@pytest.mark.parametrize("shares", [10**15 - 1, 10**30 + 1])
def test_request_mint__amount_out_of_range__reverts(flows, index7, protocol, shares):
    quote, sig = flows.quote(index7, MINT, shares, CASH)
    with ape.reverts("issuer: amount out of range"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=flows.wlp)


def test_request_mint__redeem_quote__reverts(flows, index7, protocol):
    quote, sig = flows.quote(index7, REDEEM, SHARES, CASH)
    with ape.reverts("issuer: wrong side"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=flows.wlp)


def test_request_mint__wrong_cash_token__reverts(flows, index7, protocol):
    quote, sig = flows.quote(index7, MINT, SHARES, CASH, cash_token=str(index7.token.address))
    with ape.reverts("issuer: wrong cash token"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=flows.wlp)


def test_request_mint__without_allowance__reverts_and_leaves_nothing(flows, index7, protocol, usdc):
    quote, sig = flows.quote(index7, MINT, SHARES, CASH)
    usdc.approve(protocol.issuer, 0, sender=flows.wlp)
    count = protocol.issuer.request_count()
    with ape.reverts("erc20: insufficient allowance"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, CASH, sender=flows.wlp)
    assert protocol.issuer.request_count() == count


def test_deliver_mint__by_other_than_request_pmm__reverts(flows, index7, protocol, attacker):
    request = flows.request_mint(index7, SHARES, CASH)
    with ape.reverts("issuer: not request pmm"):
        protocol.issuer.deliver_mint(request.as_tuple(), b"\x00" * 32, sender=attacker)
