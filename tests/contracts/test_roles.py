"""Only the named role can take each action (invariant 4), two-step ownership, and the factory."""

from __future__ import annotations

import ape
import pytest

from ssi.chain.protocol import IndexSpec, asset_id, create_index


def test_privileged_functions__wrong_role__revert(protocol, make_index, attacker, chain, usdc):
    index = make_index(1)
    token = index.token
    r, o, i, f = protocol.registry, protocol.oracle, protocol.issuer, protocol.factory
    ids, units = [asset_id(index.assets[0])], [10**20]
    not_owner = "ownable: caller is not the owner"
    t = protocol.timelock
    cases = [
        (lambda: r.register_asset(b"Z".ljust(32, b"\0"), "Z", 8, sender=attacker), not_owner),
        (lambda: r.set_oracle(attacker, sender=attacker), not_owner),
        (lambda: r.set_issuer(attacker, sender=attacker), not_owner),
        (lambda: r.set_factory(attacker, sender=attacker), "registry: not timelock"),
        (lambda: r.set_notice_period(0, sender=attacker), not_owner),
        (lambda: r.set_compiler(token, attacker, sender=attacker), not_owner),
        (lambda: r.set_fee_rate(token, 0, sender=attacker), "registry: not issuer"),
        (lambda: r.accrue(token, sender=attacker), "registry: not issuer"),
        (lambda: r.set_guardian(attacker, sender=attacker), not_owner),
        (lambda: r.unpause(sender=attacker), not_owner),
        (lambda: r.pause(sender=attacker), "guard: not guardian"),
        (lambda: r.register_index(attacker, ids, units, attacker, 0, sender=attacker), "registry: not factory"),
        (lambda: r.announce(token, ids, units, chain.pending_timestamp + 10**6, sender=attacker), "registry: not compiler"),
        (lambda: r.cancel_announcement(token, sender=attacker), "registry: not compiler"),
        (lambda: o.set_factory(attacker, sender=attacker), "oracle: not timelock"),
        (lambda: o.set_max_report_age(3600, sender=attacker), "oracle: not timelock"),
        (lambda: o.set_signers(token, [attacker], 1, sender=attacker), "oracle: not timelock"),
        (lambda: o.register_index(attacker, [attacker], 1, sender=attacker), "oracle: not factory"),
        (lambda: o.pause(sender=attacker), "guard: not guardian"),
        (lambda: i.set_factory(attacker, sender=attacker), "issuer: not timelock"),
        (lambda: i.set_wlp(token, attacker, True, sender=attacker), "issuer: not timelock"),
        (lambda: i.set_wlp(token, attacker, False, sender=attacker), "issuer: not owner"),
        (lambda: i.set_pmm(token, attacker, True, sender=attacker), "issuer: not timelock"),
        (lambda: i.set_pmm(token, attacker, False, sender=attacker), "issuer: not owner"),
        (lambda: i.set_index_config(token, attacker, 0, 0, 3600, 1, 2, sender=attacker), "issuer: not timelock"),
        (lambda: i.set_fee_rate(token, 0, sender=attacker), "issuer: not timelock"),
        (lambda: i.sweep(usdc, attacker, sender=attacker), not_owner),
        (lambda: i.register_index(attacker, usdc, attacker, 0, 0, 3600, 1, 2, [], [], sender=attacker), "issuer: not factory"),
        (lambda: i.pause(sender=attacker), "guard: not guardian"),
        (lambda: f.create_index(("x", "x", ids, units, attacker, 0, [attacker], 1, usdc.address, attacker, 0, 0, 3600, 1, 2, [], []), sender=attacker), not_owner),
        (lambda: t.queue(r, b"", b"\0" * 32, sender=attacker), not_owner),
        (lambda: t.cancel(b"\1" * 32, sender=attacker), "timelock: not guardian"),
        (lambda: t.set_guardian(attacker, sender=attacker), not_owner),
        (lambda: token.mint(attacker, 1, sender=attacker), "erc20: access is denied"),
        (lambda: token.initialize("x", "x", attacker, sender=attacker), "token: initialized"),
    ]
    for call, message in cases:
        with ape.reverts(message):
            call()


@pytest.mark.parametrize("contract", ["registry", "oracle", "issuer", "factory", "timelock"])
def test_ownership__two_step_transfer(protocol, admin, attacker, anyone, contract):
    c = getattr(protocol, contract)
    c.transfer_ownership(anyone, sender=admin)
    assert c.owner() == admin.address and c.pending_owner() == anyone.address
    with ape.reverts("ownable_2step: caller is not the new owner"):
        c.accept_ownership(sender=attacker)
    c.accept_ownership(sender=anyone)
    assert c.owner() == anyone.address
    with ape.reverts("ownable: caller is not the owner"):
        c.transfer_ownership(attacker, sender=admin)


def test_pause_and_unpause__guardian_pauses_owner_unpauses(protocol, guardian, admin):
    for c in (protocol.registry, protocol.oracle, protocol.issuer):
        receipt = c.pause(sender=guardian)
        assert c.paused() and receipt.decode_logs(c.Paused)[0].account == guardian.address
        with ape.reverts("guard: paused"):
            c.pause(sender=guardian)
        with ape.reverts("ownable: caller is not the owner"):
            c.unpause(sender=guardian)
        c.unpause(sender=admin)
        assert not c.paused()
        with ape.reverts("guard: not paused"):
            c.unpause(sender=admin)


def test_oracle_pause__blocks_reports(flows, index7, protocol, guardian):
    protocol.oracle.pause(sender=guardian)
    with ape.reverts("guard: paused"):
        flows.report(index7, index7.required(10**18))


def test_factory__creates_a_7_asset_index_in_one_transaction(project, protocol, admin, compiler, custodian_signers, treasury, usdc):
    assets = [f"F7A{i}" for i in range(7)]
    from ssi.chain.protocol import register_assets

    register_assets(protocol, admin, [(a, 8) for a in assets])
    spec = IndexSpec(
        name="SoSoValue MAG7 Index", symbol="MAG7.ssi", assets=assets, units=[10**25 + i for i in range(7)],
        compiler=compiler.address, signers=[c.address for c in custodian_signers], threshold=2,
        cash_token=usdc.address, treasury=treasury.address,
    )
    count = protocol.factory.index_count()
    token = create_index(project, protocol, admin, spec)
    assert protocol.factory.index_count() == count + 1
    assert token.symbol() == "MAG7.ssi" and token.name() == "SoSoValue MAG7 Index"
    assert token.decimals() == 18 and token.totalSupply() == 0
    assert token.issuer() == protocol.issuer.address and token.is_minter(protocol.issuer)
    assert not token.is_minter(protocol.factory)
    assert protocol.registry.version(token) == 1
    ids, units = protocol.registry.basket(token, 1)
    assert [bytes(i) for i in ids] == [asset_id(a) for a in assets] and list(units) == spec.units
    assert protocol.oracle.threshold(token) == 2
    assert protocol.issuer.configs(token).cash_token == usdc.address


def test_permit__signed_for_one_index__works_only_there(make_index, wlp, anyone, chain):
    from eth_account.messages import encode_typed_data
    from ssi.chain.eip712 import ApeSigner

    a, b = make_index(1), make_index(1)
    deadline = chain.pending_timestamp + 3600
    def permit_sig(token):
        domain = {"name": "SSI Index Token", "version": "1", "chainId": chain.chain_id, "verifyingContract": token.address}
        msg = {"owner": wlp.address, "spender": anyone.address, "value": 5, "nonce": 0, "deadline": deadline}
        types = {"EIP712Domain": [{"name": "name", "type": "string"}, {"name": "version", "type": "string"}, {"name": "chainId", "type": "uint256"}, {"name": "verifyingContract", "type": "address"}],
                 "Permit": [{"name": "owner", "type": "address"}, {"name": "spender", "type": "address"}, {"name": "value", "type": "uint256"}, {"name": "nonce", "type": "uint256"}, {"name": "deadline", "type": "uint256"}]}
        sig = ApeSigner(wlp).sign(encode_typed_data(full_message={"types": types, "primaryType": "Permit", "domain": domain, "message": msg}))
        return sig[64], sig[:32], sig[32:64]
    v, r, s = permit_sig(a.token)
    with ape.reverts("erc20: invalid signature"):
        b.token.permit(wlp, anyone, 5, deadline, v, r, s, sender=anyone)
    a.token.permit(wlp, anyone, 5, deadline, v, r, s, sender=anyone)
    assert a.token.allowance(wlp, anyone) == 5


def test_admin_setters__invalid_values__revert_with_their_messages(project, protocol, make_index, admin, guardian, usdc, accounts, chain):
    index = make_index(1)
    token, r, o, i = index.token, protocol.registry, protocol.oracle, protocol.issuer
    # The timelock's own calls, impersonated: the queue/execute path is tested in test_timelock.py.
    tl = accounts[protocol.timelock.address]
    chain.provider.set_balance(tl.address, 10**18)
    existing = asset_id(index.assets[0])
    cases = [
        (lambda: r.register_asset(existing, "X", 8, sender=admin), "registry: asset exists"),
        (lambda: r.register_asset(b"NEWASSET".ljust(32, b"\0"), "N", 37, sender=admin), "registry: bad decimals"),
        (lambda: r.register_asset(b"\0" * 32, "N", 8, sender=admin), "registry: zero asset id"),
        (lambda: r.set_oracle(admin, sender=admin), "registry: oracle set"),
        (lambda: r.set_issuer(admin, sender=admin), "registry: issuer set"),
        (lambda: r.set_notice_period(91 * 86400, sender=admin), "registry: notice too long"),
        (lambda: r.set_compiler(admin, admin, sender=admin), "registry: unknown index"),
        (lambda: o.set_max_report_age(59, sender=tl), "oracle: bad max age"),
        (lambda: o.set_max_report_age(7 * 86400 + 1, sender=tl), "oracle: bad max age"),
        (lambda: o.set_signers(token, [admin, admin], 1, sender=tl), "attest: duplicate signer"),
        (lambda: o.set_signers(token, ["0x" + "00" * 20], 1, sender=tl), "attest: zero signer"),
        (lambda: o.set_signers(admin, [admin], 1, sender=tl), "oracle: unknown index"),
        (lambda: i.set_index_config(token, admin, 101, 0, 3600, 1, 2, sender=tl), "issuer: fee above cap"),
        (lambda: i.set_index_config(token, admin, 0, 0, 3599, 1, 2, sender=tl), "issuer: bad timeout"),
        (lambda: i.set_index_config(token, admin, 0, 0, int(protocol.timelock.delay()) + 1, 1, 2, sender=tl), "issuer: timeout above delay"),
        (lambda: i.set_index_config(token, admin, 0, 0, 3600, 3, 2, sender=tl), "issuer: bad limits"),
        (lambda: i.set_index_config(token, "0x" + "00" * 20, 0, 0, 3600, 1, 2, sender=tl), "issuer: zero address"),
        (lambda: i.set_index_config(admin, admin, 0, 0, 3600, 1, 2, sender=tl), "issuer: unknown index"),
        (lambda: i.set_wlp(token, "0x" + "00" * 20, True, sender=tl), "issuer: zero address"),
        (lambda: i.sweep(usdc, admin, sender=admin), "issuer: nothing to sweep"),
    ]
    for call, message in cases:
        with ape.reverts(message):
            call()
    t = protocol.timelock
    with ape.reverts("registry: notice too long"):
        project.BasketRegistry.deploy(t, guardian, 91 * 86400, 10**16, sender=admin)
    with ape.reverts("registry: fee cap too high"):
        project.BasketRegistry.deploy(t, guardian, 86400, 10**17 + 1, sender=admin)
    with ape.reverts("issuer: fee cap too high"):
        project.Issuer.deploy(r, o, t, guardian, 501, sender=admin)
    with ape.reverts("timelock: bad delay"):
        project.Timelock.deploy(3599, guardian, sender=admin)
