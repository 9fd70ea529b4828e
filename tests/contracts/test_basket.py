"""Rebalance (announce → activate with backing) and the lazily accrued management fee."""

from __future__ import annotations

import math

import ape
import pytest

from ssi.chain.protocol import DAY, WAD, YEAR, asset_id, fee_rate_from_annual, required_reserve
from ssi.chain.timelock import Change, apply_now
from tests.invariants import check_backing

SHARES = 10 * 10**18
CASH = 1_000 * 10**6


def announce(protocol, index, compiler, chain, units=None, delay=None):
    ids = [asset_id(a) for a in index.assets]
    units = units or [u * 2 for u in index.units]
    effective = chain.pending_timestamp + (delay if delay is not None else int(protocol.registry.notice_period()) + 10)
    receipt = protocol.registry.announce(index.token, ids, units, effective, sender=compiler)
    return receipt, effective, units


def test_rebalance__announce_then_activate_with_backing(flows, make_index, protocol, compiler, anyone, chain):
    index = make_index(7)
    flows.mint(index, SHARES, CASH)
    receipt, effective, units = announce(protocol, index, compiler, chain)
    event = receipt.decode_logs(protocol.registry.BasketAnnounced)[0]
    assert event.version == 2 and event.effective_at == effective and list(event.units) == units
    assert protocol.registry.pending_version(index.token) == 2

    chain.mine(timestamp=effective)
    flows.report_covering(index, SHARES, version=2)
    receipt = protocol.registry.activate(index.token, sender=anyone)
    assert receipt.decode_logs(protocol.registry.BasketActivated)[0].version == 2
    assert protocol.registry.version(index.token) == 2
    assert protocol.registry.pending_version(index.token) == 0
    assert list(protocol.registry.effective_units(index.token, 2, False)) == units
    check_backing(protocol.registry, protocol.oracle, index.token)
    # The custodian now holds the new basket (what it reported); minting continues against it.
    flows.held[str(index.token.address)] = [int(b) for b in protocol.oracle.reserves(index.token, 2)[0]]
    flows.mint(index, SHARES, CASH)
    assert index.token.totalSupply() == 2 * SHARES


def test_activate__before_effective_time__reverts(flows, make_index, protocol, compiler, anyone, chain):
    index = make_index(3)
    _, effective, _ = announce(protocol, index, compiler, chain)
    with ape.reverts("registry: not yet effective"):
        protocol.registry.activate(index.token, sender=anyone)


def test_activate__without_backing_report__reverts(flows, make_index, protocol, compiler, anyone, chain):
    index = make_index(3)
    flows.mint(index, SHARES, CASH)
    _, effective, _ = announce(protocol, index, compiler, chain)
    chain.mine(timestamp=effective)
    with ape.reverts("oracle: no report"):
        protocol.registry.activate(index.token, sender=anyone)


def test_activate__with_report_short_of_new_basket__reverts(flows, make_index, protocol, compiler, anyone, chain):
    index = make_index(3)
    flows.mint(index, SHARES, CASH)
    _, effective, units = announce(protocol, index, compiler, chain)
    chain.mine(timestamp=effective)
    balances = [required_reserve(SHARES, u) for u in units]
    balances[0] -= 1
    flows.report(index, balances, version=2)
    with ape.reverts("oracle: reserves short"):
        protocol.registry.activate(index.token, sender=anyone)


def test_activate__nothing_pending__reverts(make_index, protocol, anyone):
    index = make_index(1)
    with ape.reverts("registry: no pending basket"):
        protocol.registry.activate(index.token, sender=anyone)


def test_announce__notice_too_short__reverts(make_index, protocol, compiler, chain):
    index = make_index(2)
    with ape.reverts("registry: notice too short"):
        announce(protocol, index, compiler, chain, delay=60)


def test_announce__while_pending__reverts_until_cancelled(make_index, protocol, compiler, chain):
    index = make_index(2)
    announce(protocol, index, compiler, chain)
    with ape.reverts("registry: basket pending"):
        announce(protocol, index, compiler, chain)
    receipt = protocol.registry.cancel_announcement(index.token, sender=compiler)
    assert receipt.decode_logs(protocol.registry.BasketCancelled)[0].version == 2
    announce(protocol, index, compiler, chain)


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda ids, units: (ids + [ids[0]], units + [1]), "registry: duplicate asset"),
        (lambda ids, units: ([b"NOPE".ljust(32, b"\0")] + ids[1:], units), "registry: unknown asset"),
        (lambda ids, units: (ids, [0] + units[1:]), "registry: zero units"),
        (lambda ids, units: (ids, units[:-1]), "registry: bad basket size"),
        (lambda ids, units: ([], []), "registry: bad basket size"),
        (lambda ids, units: (ids, [2**240] + units[1:]), "registry: units out of range"),
    ],
)
def test_announce__invalid_basket__reverts(make_index, protocol, compiler, chain, mutate, message):
    index = make_index(3)
    ids, units = mutate([asset_id(a) for a in index.assets], list(index.units))
    with ape.reverts(message):
        protocol.registry.announce(index.token, ids, units, chain.pending_timestamp + 2 * DAY, sender=compiler)


@pytest.mark.parametrize("elapsed, label", [(DAY, "1 day"), (YEAR, "1 year")])
def test_fee_accrual__continuous__matches_exponential(make_index, protocol, anyone, chain, elapsed, label):
    rate = fee_rate_from_annual(0.02)
    index = make_index(7, management_fee_rate=rate)
    start = int(protocol.registry.fee_updated_at(index.token))
    chain.mine(timestamp=start + elapsed)
    receipt = protocol.issuer.accrue_fee(index.token, sender=anyone)
    event = receipt.decode_logs(protocol.registry.FeeAccrued)[0]
    took = int(protocol.registry.fee_updated_at(index.token)) - start
    # The accruing transaction lands in the block after the mined one: a second or two later.
    assert elapsed <= took <= elapsed + 2
    assert event.reference_factor == event.fee_factor  # nothing owed after minting
    expected = math.exp(-rate / WAD * took / YEAR)
    assert abs(event.fee_factor / WAD - expected) < 1e-15
    if elapsed == YEAR:
        # 2% a year, give or take the extra seconds (2% / YEAR is 6e-10 per second).
        assert abs(event.fee_factor / WAD - 0.98) < 2e-9
    units_now = protocol.registry.effective_units(index.token, 1, False)
    for stored, now in zip(index.units, units_now):
        assert abs(now / stored - expected) < 1e-12
        assert now <= stored


def test_fee_accrual__lazy_view_equals_persisted_factor(make_index, protocol, anyone, chain):
    index = make_index(2, management_fee_rate=fee_rate_from_annual(0.04))
    at = chain.pending_timestamp + 30 * DAY
    chain.mine(timestamp=at)
    viewed = protocol.registry.current_fee_factor(index.token)  # at the latest block's time
    # The accrual in a block of that same second, however long the machine took since (under load the
    # node's clock would otherwise put it a second or more later, with a second more of fee).
    chain.provider.make_request("evm_setNextBlockTimestamp", [at])
    receipt = protocol.issuer.accrue_fee(index.token, sender=anyone)
    assert chain.blocks[receipt.block_number].timestamp == at
    assert protocol.registry.fee_factor(index.token) == viewed


def test_fee__accrual_mints_fee_shares_to_the_treasury__claims_unchanged(flows, make_index, protocol, chain, treasury, anyone):
    index = make_index(3, management_fee_rate=fee_rate_from_annual(0.02))
    flows.mint(index, SHARES, CASH)
    before_units = list(protocol.registry.effective_units(index.token, 1, True))
    chain.mine(timestamp=chain.pending_timestamp + YEAR)
    owed = int(protocol.registry.pending_fee_shares(index.token))
    receipt = protocol.issuer.accrue_fee(index.token, sender=anyone)
    event = receipt.decode_logs(protocol.issuer.FeeSharesMinted)[0]
    minted = int(index.token.balanceOf(treasury))
    assert event.shares == minted > 0 and event.treasury == treasury.address
    # The view one block earlier is a second of fee short of what was minted.
    assert 0 <= minted - owed <= minted // 10**6
    supply = int(index.token.totalSupply())
    # The treasury now owns 2% of the index (plus the test's few seconds).
    assert abs(minted / supply - 0.02) < 1e-6
    # Claims did not grow: (supply + fee shares) x new units <= supply x old units.
    after_units = protocol.registry.effective_units(index.token, 1, True)
    for old, new in zip(before_units, after_units):
        assert required_reserve(supply, int(new)) <= required_reserve(SHARES, int(old)) + 1
    assert protocol.registry.pending_fee_shares(index.token) == 0


def test_set_fee_rate__by_owner__reverts_not_timelock(make_index, protocol, admin):
    index = make_index(1)
    with ape.reverts("issuer: not timelock"):
        protocol.issuer.set_fee_rate(index.token, 1, sender=admin)
    with ape.reverts("registry: not issuer"):
        protocol.registry.set_fee_rate(index.token, 1, sender=admin)


def test_set_fee_rate__above_cap__reverts(make_index, protocol, admin, chain):
    index = make_index(1)
    change = Change.of(protocol.issuer, "set_fee_rate", index.token, protocol.registry.max_fee_rate() + 1)
    with ape.reverts("registry: fee rate above cap"):
        apply_now(chain, protocol.timelock, change, admin)


def test_set_fee_rate__through_timelock__mints_the_old_rate_first(flows, make_index, protocol, admin, chain, treasury):
    index = make_index(2, management_fee_rate=fee_rate_from_annual(0.02))
    flows.mint(index, SHARES, CASH)
    change = Change.of(protocol.issuer, "set_fee_rate", index.token, 0)
    receipt = apply_now(chain, protocol.timelock, change, admin)
    assert protocol.registry.fee_rate(index.token) == 0
    assert receipt.decode_logs(protocol.issuer.FeeSharesMinted)[0].shares == index.token.balanceOf(treasury) > 0


def test_pause__blocks_announce_and_activate_but_not_fee_accrual(make_index, protocol, compiler, guardian, anyone, chain):
    index = make_index(2)
    protocol.registry.pause(sender=guardian)
    with ape.reverts("guard: paused"):
        announce(protocol, index, compiler, chain)
    with ape.reverts("guard: paused"):
        protocol.registry.activate(index.token, sender=anyone)
    protocol.issuer.accrue_fee(index.token, sender=anyone)


def test_fee_accrual__gas__independent_of_basket_size_and_elapsed_time(flows, make_index, protocol, anyone, chain):
    rate = fee_rate_from_annual(0.02)
    small, large = make_index(1, management_fee_rate=rate), make_index(16, management_fee_rate=rate)
    for index in (small, large):
        flows.mint(index, SHARES, CASH)
        chain.mine(timestamp=chain.pending_timestamp + DAY)
        protocol.issuer.accrue_fee(index.token, sender=anyone)  # the treasury's first balance slot
    used = {}
    for label, elapsed in (("day", DAY), ("year", YEAR)):
        chain.mine(timestamp=chain.pending_timestamp + elapsed)
        for name, index in (("1 asset", small), ("16 assets", large)):
            used[(name, label)] = protocol.issuer.accrue_fee(index.token, sender=anyone).gas_used
    assert max(used.values()) - min(used.values()) < 300, used
    # Persisting the factor and minting the fee shares to the treasury.
    assert max(used.values()) < 70_000, used


