"""Reserve reports: M-of-N custodian signatures, freshness, ordering, and the EIP-712 digests."""

from __future__ import annotations

import ape
import pytest

from ssi.chain.eip712 import ApeSigner, ReserveReport, digest
from ssi.chain.timelock import Change, apply_now


def balances_for(index7):
    return index7.required(10**18)


def test_post_report__two_of_three__accepted_and_stored(flows, index7, protocol, chain):
    as_of = chain.pending_timestamp - 5
    receipt = flows.report(index7, balances_for(index7), as_of=as_of)
    event = receipt.decode_logs(protocol.oracle.ReserveReported)[0]
    assert event.nonce == 0 and event.as_of == as_of and list(event.balances) == balances_for(index7)
    stored, stored_as_of = protocol.oracle.reserves(index7.token, 1)
    assert list(stored) == balances_for(index7) and stored_as_of == as_of
    assert protocol.oracle.next_nonce(index7.token) == 1


def test_post_report__too_few_signers__reverts(flows, index7, custodian_keys):
    with ape.reverts("attest: too few signers"):
        flows.report(index7, balances_for(index7), signers=custodian_keys[:1])


def test_post_report__duplicate_signer__reverts(flows, index7, protocol, custodian_keys, anyone, chain):
    report = ReserveReport(str(index7.token.address), 1, bytes(protocol.registry.basket_hash(index7.token, 1)), tuple(balances_for(index7)), chain.pending_timestamp - 1, 0)
    sig = custodian_keys[0].sign(__import__("ssi.chain.eip712", fromlist=["signable"]).signable(protocol.oracle_domain, report))
    with ape.reverts("attest: duplicate signer"):
        protocol.oracle.post_report(report.as_tuple(), [sig, sig], sender=anyone)


def test_post_report__signatures_unsorted__reverts(flows, index7, protocol, custodian_keys, anyone, chain):
    from ssi.chain.eip712 import sign_many

    report = ReserveReport(str(index7.token.address), 1, bytes(protocol.registry.basket_hash(index7.token, 1)), tuple(balances_for(index7)), chain.pending_timestamp - 1, 0)
    sigs = sign_many(custodian_keys[:2], protocol.oracle_domain, report)
    with ape.reverts("attest: signers not sorted"):
        protocol.oracle.post_report(report.as_tuple(), list(reversed(sigs)), sender=anyone)


def test_post_report__unknown_signer__reverts(flows, index7, custodian_keys, attacker):
    with ape.reverts("attest: unknown signer"):
        flows.report(index7, balances_for(index7), signers=[custodian_keys[0], ApeSigner(attacker)])


def test_post_report__stale__reverts(flows, index7, protocol, chain):
    too_old = chain.pending_timestamp - int(protocol.oracle.max_report_age()) - 10
    with ape.reverts("oracle: report stale"):
        flows.report(index7, balances_for(index7), as_of=too_old)


def test_post_report__not_newer_than_last__reverts(flows, index7, chain):
    as_of = chain.pending_timestamp - 10
    flows.report(index7, balances_for(index7), as_of=as_of)
    with ape.reverts("oracle: report not newer"):
        flows.report(index7, balances_for(index7), as_of=as_of)
    with ape.reverts("oracle: report not newer"):
        flows.report(index7, balances_for(index7), as_of=as_of - 1)


def test_post_report__from_the_future__reverts(flows, index7, chain):
    with ape.reverts("oracle: report from the future"):
        flows.report(index7, balances_for(index7), as_of=chain.pending_timestamp + 3600)


def test_post_report__replayed_nonce__reverts(flows, index7, chain):
    flows.report(index7, balances_for(index7), as_of=chain.pending_timestamp - 10)
    with ape.reverts("oracle: bad nonce"):
        flows.report(index7, balances_for(index7), as_of=chain.pending_timestamp - 5, nonce=0)


def test_post_report__wrong_basket_version__reverts(flows, index7):
    with ape.reverts("oracle: wrong basket version"):
        flows.report(index7, balances_for(index7), version=2)


def test_post_report__wrong_asset_count__reverts(flows, index7):
    with ape.reverts("oracle: wrong asset count"):
        flows.report(index7, balances_for(index7)[:-1])


def test_post_report__for_another_chain__reverts(flows, index7, protocol, custodian_keys, anyone, chain):
    from ssi.chain.eip712 import Domain, sign_many

    report = ReserveReport(str(index7.token.address), 1, bytes(protocol.registry.basket_hash(index7.token, 1)), tuple(balances_for(index7)), chain.pending_timestamp - 1, 0)
    d = protocol.oracle_domain
    sigs = sign_many(custodian_keys[:2], Domain(d.name, d.chain_id + 1, d.verifying_contract), report)
    # The first signature recovers some address that is not a custodian signer.
    with ape.reverts("attest: unknown signer"):
        protocol.oracle.post_report(report.as_tuple(), sigs, sender=anyone)


def test_set_signers__replaces_the_set_through_the_timelock(flows, make_index, protocol, admin, custodian_keys, attacker, chain):
    index = make_index(2)
    new = [custodian_keys[2].address, str(attacker.address)]
    with ape.reverts("oracle: not timelock"):
        protocol.oracle.set_signers(index.token, new, 2, sender=admin)
    apply_now(chain, protocol.timelock, Change.of(protocol.oracle, "set_signers", index.token, new, 2), admin)
    assert not protocol.oracle.is_signer(index.token, custodian_keys[0].address)
    flows.report(index, balances_for(index), signers=[custodian_keys[2], ApeSigner(attacker)])
    with ape.reverts("attest: bad threshold"):
        apply_now(chain, protocol.timelock, Change.of(protocol.oracle, "set_signers", index.token, new, 3), admin)


# --- Python digests equal the contracts' digests, for every typed struct ---


def test_quote_digest__python_equals_contract(flows, index7, protocol):
    quote, _ = flows.quote(index7, 1, 123 * 10**18, 456 * 10**6)
    assert bytes(protocol.issuer.quote_digest(quote.as_tuple())) == digest(protocol.issuer_domain, quote)


@pytest.mark.parametrize("n", [1, 7, 16])
def test_reserve_report_digest__python_equals_contract(index7, protocol, n):
    report = ReserveReport(str(index7.token.address), 3, b"\x42" * 32, tuple(range(10**20, 10**20 + n)), 1_700_000_000, 9)
    assert bytes(protocol.oracle.report_digest(report.as_tuple())) == digest(protocol.oracle_domain, report)
