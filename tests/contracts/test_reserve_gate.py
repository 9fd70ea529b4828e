"""The audit's cases against the reserve gate, each as the attack was tried, and what holds now.

Every test models what the custodian really holds (``flows.held``: deliveries add what was really
delivered, releases and baskets owed back subtract) apart from the reports, and states the gate
against that: real holdings >= claims (supply + fee shares owed + shares of delivered unsettled
mints) for every asset. The USSI case (10) is in tests/ussi.
"""

from __future__ import annotations

import ape

from ssi.chain.eip712 import MINT
from ssi.chain.protocol import DAY, YEAR, asset_id, fee_rate_from_annual
from ssi.chain.timelock import Change, apply_now, cancel, queue
from tests.invariants import check_escrow, check_real_backing

SHARES = 10 * 10**18
CASH = 1_000 * 10**6


def _gate_holds(flows, protocol, index):
    check_real_backing(protocol.registry, protocol.issuer, index.token, flows.holdings(index), flows.open_real_deliveries(index))


# --- 1. released reserves ---------------------------------------------------------------------


def test_case1__released_reserves__do_not_back_a_new_mint(flows, make_index, protocol):
    index = make_index(3)
    flows.mint(index, SHARES, CASH)
    redeem = flows.request_redeem(index, SHARES // 2, CASH // 2)
    flows.fill(redeem)  # the custodian releases 5 shares' worth to the PMM
    fake = flows.request_mint(index, SHARES // 2, CASH // 2)
    flows.deliver(fake, really=False)  # marked delivered, nothing delivered
    # The pre-redemption report is older than the release and than this delivery.
    with ape.reverts("oracle: report predates flows"):
        flows.settle(fake)
    # An honest report after the delivery shows only 5 shares' worth.
    flows.report_holdings(index)
    with ape.reverts("oracle: reserves short"):
        flows.settle(fake)
    _gate_holds(flows, protocol, index)


def test_case1__report_older_than_the_delivery__is_not_used(flows, make_index, protocol, chain):
    index = make_index(2)
    flows.mint(index, SHARES, CASH)
    # A generous report, then a delivery marked after it: the report cannot know of it.
    chain.mine(timestamp=chain.pending_timestamp + 1)
    flows.report(index, [10**40] * 2)
    request = flows.request_mint(index, SHARES, CASH)
    flows.deliver(request, really=False)
    with ape.reverts("oracle: report predates flows"):
        flows.settle(request)


# --- 2. the treasury's fee --------------------------------------------------------------------


def test_case2__management_fee__is_a_claim_not_a_surplus(flows, make_index, protocol, chain, treasury):
    index = make_index(3, management_fee_rate=fee_rate_from_annual(0.04))
    flows.mint(index, SHARES, CASH)
    chain.mine(timestamp=chain.pending_timestamp + YEAR)
    fee_shares = int(protocol.registry.pending_fee_shares(index.token))
    assert abs(fee_shares / (SHARES + fee_shares) - 0.04) < 1e-6
    # 4% of supply asked for with nothing delivered, against an honest report after the delivery.
    fake = flows.request_mint(index, SHARES * 4 // 100, CASH * 4 // 100)
    flows.deliver(fake, really=False)
    flows.report_holdings(index)
    with ape.reverts("oracle: reserves short"):
        flows.settle(fake)
    # The fee is paid in shares, so it counts in the supply that reserves back.
    protocol.issuer.accrue_fee(index.token, sender=flows.anyone)
    assert index.token.balanceOf(treasury) >= fee_shares
    _gate_holds(flows, protocol, index)


# --- 3. a basket owed back ---------------------------------------------------------------------


def test_case3__rejected_delivered_mint__its_basket_is_owed_back_and_backs_nothing(flows, make_index, protocol, pmm):
    index = make_index(3)
    flows.mint(index, SHARES, CASH)
    real = flows.request_mint(index, SHARES, CASH)
    flows.deliver(real)  # really delivered
    flows.report_holdings(index)
    receipt = protocol.issuer.reject(real.as_tuple(), b"price moved".ljust(32, b"\0"), sender=pmm)
    owed = receipt.decode_logs(protocol.issuer.BasketOwed)[0]
    assert owed.id == real.id and owed.pmm == pmm.address and owed.index == index.token.address
    units = protocol.registry.effective_units(index.token, 1, False)
    assert list(owed.units) == [SHARES * int(u) // 10**36 for u in units]
    rejected = receipt.decode_logs(protocol.issuer.RequestRejected)[0]
    assert rejected.index == index.token.address and rejected.wlp == flows.wlp.address
    flows.pay_outflows(receipt)  # the custodian returns the basket
    fake = flows.request_mint(index, SHARES, CASH)
    flows.deliver(fake, really=False)
    with ape.reverts("oracle: report predates flows"):
        flows.settle(fake)
    flows.report_holdings(index)
    with ape.reverts("oracle: reserves short"):
        flows.settle(fake)
    _gate_holds(flows, protocol, index)


def test_case3__another_open_delivery__is_owed_back_if_refunded_so_it_backs_nothing(flows, make_index, protocol):
    index = make_index(2)
    flows.mint(index, SHARES, CASH)
    real = flows.request_mint(index, SHARES, CASH)
    fake = flows.request_mint(index, SHARES, CASH)
    flows.deliver(real)
    flows.deliver(fake, really=False)
    flows.report_holdings(index)  # 2 baskets held: supply 1 + one delivery
    assert protocol.issuer.flows(index.token)[0] == 2 * SHARES
    # Settling either one needs both open deliveries covered.
    with ape.reverts("oracle: reserves short"):
        flows.settle(fake)
    with ape.reverts("oracle: reserves short"):
        flows.settle(real)
    _gate_holds(flows, protocol, index)


# --- 4 and 5. basket versions ------------------------------------------------------------------


def _announce(protocol, index, compiler, chain, factor=2):
    ids = [asset_id(a) for a in index.assets]
    units = [u * factor for u in index.units]
    effective = chain.pending_timestamp + int(protocol.registry.notice_period()) + 10
    receipt = protocol.registry.announce(index.token, ids, units, effective, sender=compiler)
    return int(receipt.decode_logs(protocol.registry.BasketAnnounced)[0].version), effective


def test_case4__a_cancelled_version_number__is_never_reused(flows, make_index, protocol, compiler, chain, anyone):
    index = make_index(2)
    flows.mint(index, SHARES, CASH)
    v, _ = _announce(protocol, index, compiler, chain, factor=1)
    assert v == 2
    chain.mine(timestamp=chain.pending_timestamp + 1)
    flows.report_covering(index, SHARES, version=2)
    protocol.registry.cancel_announcement(index.token, sender=compiler)
    v, effective = _announce(protocol, index, compiler, chain, factor=3)
    assert v == 3 and protocol.registry.last_version(index.token) == 3
    chain.mine(timestamp=effective)
    # The report for the cancelled basket 2 backs nothing about basket 3.
    with ape.reverts("oracle: no report"):
        protocol.registry.activate(index.token, sender=anyone)
    with ape.reverts("oracle: wrong basket version"):
        flows.report_covering(index, SHARES, version=2)


def test_case4__a_report_for_another_basket_hash__reverts(flows, make_index, protocol):
    index = make_index(2)
    with ape.reverts("oracle: wrong basket"):
        flows.report(index, index.required(SHARES), basket_hash=b"\x13" * 32)


def test_case4__basket_hash__is_the_announced_ids_and_units(make_index, protocol, compiler, chain):
    from ssi.chain.protocol import basket_hash

    index = make_index(3)
    ids = [asset_id(a) for a in index.assets]
    assert bytes(protocol.registry.basket_hash(index.token, 1)) == basket_hash(str(index.token.address), 1, ids, index.units)
    effective = chain.pending_timestamp + int(protocol.registry.notice_period()) + 10
    units = [u * 2 for u in index.units]
    receipt = protocol.registry.announce(index.token, ids, units, effective, sender=compiler)
    event = receipt.decode_logs(protocol.registry.BasketAnnounced)[0]
    assert bytes(event.basket_hash) == basket_hash(str(index.token.address), 2, ids, units)
    assert event.fee_factor == protocol.registry.current_fee_factor(index.token)


def test_case5__a_report_for_version_0__reverts_and_uses_no_nonce(flows, make_index, protocol):
    index = make_index(2)
    nonce, as_of = protocol.oracle.next_nonce(index.token), protocol.oracle.last_as_of(index.token)
    with ape.reverts("oracle: wrong basket version"):
        flows.report(index, index.required(SHARES), version=0, basket_hash=b"\0" * 32)
    assert protocol.oracle.next_nonce(index.token) == nonce
    assert protocol.oracle.last_as_of(index.token) == as_of


# --- 6. pause and late reports ------------------------------------------------------------------


def test_case6__paused__a_backed_delivered_mint_settles_and_cannot_be_cancelled(flows, make_index, protocol, guardian, chain, wlp):
    index = make_index(2)
    request = flows.request_mint(index, SHARES, CASH)
    flows.deliver(request)
    flows.report_holdings(index)
    protocol.issuer.pause(sender=guardian)
    chain.mine(timestamp=request.cancel_after + 1)
    flows.report_holdings(index)  # a fresh report after the timeout still shows the basket
    # Backed: the WLP has no free option to walk away from a delivered basket.
    with ape.reverts("issuer: backed, settle it"):
        protocol.issuer.cancel(request.as_tuple(), sender=wlp)
    receipt = flows.settle(request)
    settled = receipt.decode_logs(protocol.issuer.MintSettled)[0]
    assert settled.basket_version == 1
    assert settled.report_nonce == protocol.oracle.next_nonce(index.token) - 1
    assert index.token.balanceOf(wlp) == SHARES
    _gate_holds(flows, protocol, index)


def test_case6__no_report_comes__the_wlp_cancels_and_the_basket_is_owed_back(flows, make_index, protocol, guardian, chain, wlp, pmm):
    index = make_index(2)
    request = flows.request_mint(index, SHARES, CASH)
    flows.deliver(request)
    protocol.issuer.pause(sender=guardian)
    with ape.reverts("issuer: too early to cancel"):
        protocol.issuer.cancel(request.as_tuple(), sender=wlp)
    chain.mine(timestamp=request.cancel_after + 1)
    receipt = protocol.issuer.cancel(request.as_tuple(), sender=wlp)
    cancelled = receipt.decode_logs(protocol.issuer.RequestCancelled)[0]
    assert cancelled.index == index.token.address and cancelled.wlp == wlp.address
    owed = receipt.decode_logs(protocol.issuer.BasketOwed)[0]
    assert owed.pmm == pmm.address and all(int(u) > 0 for u in owed.units)
    assert protocol.issuer.flows(index.token) == (0, receipt.timestamp)
    flows.pay_outflows(receipt)
    assert flows.holdings(index) == [0, 0] or all(h <= 1 for h in flows.holdings(index))
    check_escrow(protocol.issuer, flows.usdc, [index.token], [request])


# --- 7. the quote deadline ----------------------------------------------------------------------


def test_case7__delivery_after_the_quote_deadline__reverts(flows, make_index, protocol, chain, wlp):
    index = make_index(2)
    request = flows.request_mint(index, SHARES, CASH)
    chain.mine(timestamp=request.deadline + 1)
    with ape.reverts("issuer: quote expired"):
        flows.deliver(request)
    # Nothing can happen to it any more, so the WLP need not wait for the timeout.
    assert chain.pending_timestamp < request.cancel_after
    protocol.issuer.cancel(request.as_tuple(), sender=wlp)


def test_case7__fill_after_the_quote_deadline__reverts(flows, make_index, protocol, chain):
    index = make_index(2)
    flows.mint(index, SHARES, CASH)
    request = flows.request_redeem(index, SHARES, CASH)
    chain.mine(timestamp=request.deadline + 1)
    with ape.reverts("issuer: quote expired"):
        flows.fill(request)


# --- 8. cash tokens -----------------------------------------------------------------------------


def test_case8__fee_on_transfer_cash__is_refused(project, flows, make_index, protocol, admin, wlp):
    taxed = project.FeeOnTransferToken.deploy("Taxed USD", "TUSD", 6, 100, sender=admin)
    index = make_index(2, cash_token=taxed)
    quote, sig = flows.quote(index, MINT, SHARES, CASH, cash_token=str(taxed.address))
    fee = int(protocol.issuer.creation_fee(index.token, CASH))
    taxed.mint(wlp, CASH + fee, sender=wlp)
    taxed.approve(protocol.issuer, CASH + fee, sender=wlp)
    with ape.reverts("issuer: transfer short"):
        protocol.issuer.request_mint(quote.as_tuple(), sig, fee, sender=wlp)


def test_case8__sweep__returns_a_mistaken_transfer_and_never_touches_escrow(flows, make_index, protocol, admin, attacker, usdc, wlp):
    index = make_index(2)
    request = flows.request_mint(index, SHARES, CASH)
    escrow = int(protocol.issuer.escrowed(usdc))
    usdc.mint(attacker, 777, sender=attacker)
    usdc.transfer(protocol.issuer, 777, sender=attacker)
    receipt = protocol.issuer.sweep(usdc, attacker, sender=admin)
    assert receipt.decode_logs(protocol.issuer.Swept)[0].amount == 777
    assert usdc.balanceOf(attacker) == 777 and usdc.balanceOf(protocol.issuer) == escrow
    with ape.reverts("issuer: nothing to sweep"):
        protocol.issuer.sweep(usdc, attacker, sender=admin)
    check_escrow(protocol.issuer, usdc, [index.token], [request])


# --- 9. one owner key ---------------------------------------------------------------------------


def test_case9__owner_alone__cannot_take_over_the_gate(make_index, protocol, admin):
    index = make_index(2)
    with ape.reverts("oracle: not timelock"):
        protocol.oracle.set_signers(index.token, [admin.address], 1, sender=admin)
    with ape.reverts("oracle: not timelock"):
        protocol.oracle.set_max_report_age(7 * DAY, sender=admin)
    with ape.reverts("issuer: not timelock"):
        protocol.issuer.set_wlp(index.token, admin, True, sender=admin)
    with ape.reverts("issuer: not timelock"):
        protocol.issuer.set_pmm(index.token, admin, True, sender=admin)
    with ape.reverts("issuer: not timelock"):
        protocol.issuer.set_index_config(index.token, admin, 0, 0, 3600, 1, 10**30, sender=admin)
    for contract, prefix in ((protocol.registry, "registry"), (protocol.oracle, "oracle"), (protocol.issuer, "issuer")):
        with ape.reverts(f"{prefix}: not timelock"):
            contract.set_factory(admin, sender=admin)


def test_case9__a_queued_takeover__is_visible_and_the_guardian_cancels_it(make_index, protocol, admin, guardian, chain):
    index = make_index(2)
    change = Change.of(protocol.oracle, "set_signers", index.token, [admin.address], 1)
    change_id, eta = queue(protocol.timelock, change, admin)
    assert eta - chain.blocks.head.timestamp == int(protocol.timelock.delay())
    assert int(protocol.timelock.delay()) >= int(protocol.issuer.configs(index.token).request_timeout)
    with ape.reverts("timelock: not yet due"):
        protocol.timelock.execute(*change.as_args(), sender=admin)
    receipt = cancel(protocol.timelock, change, guardian)
    assert bytes(receipt.decode_logs(protocol.timelock.ChangeCancelled)[0].id) == change_id
    chain.mine(timestamp=eta + 1)
    with ape.reverts("timelock: not queued"):
        protocol.timelock.execute(*change.as_args(), sender=admin)
    assert protocol.oracle.threshold(index.token) == 2


def test_case9__a_longer_report_age__waits_for_the_delay(make_index, protocol, admin, chain):
    receipt = apply_now(chain, protocol.timelock, Change.of(protocol.oracle, "set_max_report_age", 2 * DAY), admin)
    assert protocol.oracle.max_report_age() == 2 * DAY
    executed = receipt.decode_logs(protocol.timelock.ChangeExecuted)[0]
    assert executed.target == protocol.oracle.address


def test_timelock__expired_change__cannot_execute(protocol, admin, chain):
    change = Change.of(protocol.oracle, "set_max_report_age", 2 * DAY)
    _, eta = queue(protocol.timelock, change, admin)
    chain.mine(timestamp=eta + 14 * DAY + 1)
    with ape.reverts("timelock: expired"):
        protocol.timelock.execute(*change.as_args(), sender=admin)


# --- the gate through a whole story, against real holdings -------------------------------------


def test_gate__mint_redeem_refund_story__real_holdings_always_cover_claims(flows, make_index, protocol, pmm, chain):
    index = make_index(4, management_fee_rate=fee_rate_from_annual(0.02))
    requests = [flows.mint(index, SHARES, CASH)]
    _gate_holds(flows, protocol, index)
    chain.mine(timestamp=chain.pending_timestamp + 30 * DAY)
    redeem = flows.request_redeem(index, SHARES // 4, CASH // 4)
    requests.append(redeem)
    flows.fill(redeem)
    _gate_holds(flows, protocol, index)
    requests.append(flows.mint(index, SHARES // 2, CASH // 2))
    _gate_holds(flows, protocol, index)
    rejected = flows.request_mint(index, SHARES, CASH)
    requests.append(rejected)
    flows.deliver(rejected)
    flows.pay_outflows(protocol.issuer.reject(rejected.as_tuple(), b"\0" * 32, sender=pmm))
    _gate_holds(flows, protocol, index)
    requests.append(flows.mint(index, SHARES, CASH))
    _gate_holds(flows, protocol, index)
    check_escrow(protocol.issuer, flows.usdc, [index.token], requests)
