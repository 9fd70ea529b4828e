"""USSI NAV reports: the Python digest equals the contract's; stale, forged, replayed,
under-signed, badly ordered or too-far-moved reports revert with their messages (the signature
checks are the shared attestation module's, `attest: ...`). Plus the signer-set views and the
deploy checks. The timelocked setters are in test_admin.py."""

from __future__ import annotations

import ape
import pytest
from eth_account import Account
from hypothesis import given
from hypothesis import strategies as st

from ssi.chain.eip712 import KeySigner
from ssi.chain.timelock import Change, apply_now
from ssi.chain.eip712 import digest
from ssi.ussi.token import (
    DAY,
    UssiConfig,
    UssiNavReport,
    cash_for_shares,
    deploy_ussi,
    shares_for_cash,
    shares_for_index,
    sign_nav,
    ussi_domain,
    wad,
)
from tests.ussi.conftest import INDEX_PRICE, NAV

U256 = st.integers(min_value=0, max_value=2**256 - 1)


@pytest.fixture
def domain(ussi, chain):
    return ussi_domain(chain.chain_id, str(ussi.address))


def fresh_report(ussi, chain, **overrides) -> UssiNavReport:
    chain.mine(timestamp=chain.blocks.head.timestamp + 2)
    params = dict(
        nav_per_share=NAV, index_price=INDEX_PRICE, as_of=chain.blocks.head.timestamp, nonce=int(ussi.next_nonce())
    )
    params.update(overrides)
    return UssiNavReport(**params)


# ------------------------------------------------------------------ digest ----


@given(nav=U256, price=U256, as_of=U256, nonce=U256)
def test_nav_digest__python_equals_contract(ussi, domain, nav, price, as_of, nonce):
    report = UssiNavReport(nav, price, as_of, nonce)
    assert bytes(ussi.nav_digest(report.as_tuple())) == digest(domain, report)


def test_domain__is_ssi_ussi_version_1_on_this_chain_and_token(ussi, chain):
    _, name, version, chain_id, verifying, _, _ = ussi.eip712Domain()
    assert (name, version, chain_id, verifying) == ("SSI USSI", "1", chain.chain_id, ussi.address)


# ----------------------------------------------------------------- posting ----


def test_post_nav__signed_by_threshold__is_accepted_with_event(ussi, chain, domain, strategy_signers, anyone):
    report = fresh_report(ussi, chain)
    receipt = ussi.post_nav(report.as_tuple(), sign_nav(strategy_signers[:2], domain, report), sender=anyone)
    event = receipt.decode_logs(ussi.NavReported)[0]
    assert (event.nonce, event.nav_per_share, event.index_price, event.as_of) == (
        report.nonce, NAV, INDEX_PRICE, report.as_of
    )
    assert bytes(event.digest) == digest(domain, report)
    assert tuple(ussi.nav()) == report.as_tuple()
    assert ussi.next_nonce() == report.nonce + 1


def test_post_nav__by_all_signers__is_accepted(ussi, chain, domain, strategy_signers, anyone):
    report = fresh_report(ussi, chain)
    ussi.post_nav(report.as_tuple(), sign_nav(strategy_signers, domain, report), sender=anyone)
    assert ussi.nav().nonce == report.nonce


def test_post_nav__stale__reverts(ussi, chain, domain, strategy_signers, anyone):
    report = fresh_report(ussi, chain)
    chain.mine(timestamp=report.as_of + DAY + 1)
    with ape.reverts("ussi: report stale"):
        ussi.post_nav(report.as_tuple(), sign_nav(strategy_signers[:2], domain, report), sender=anyone)


def test_post_nav__from_the_future__reverts(ussi, chain, domain, strategy_signers, anyone):
    report = fresh_report(ussi, chain, as_of=chain.blocks.head.timestamp + 3600)
    with ape.reverts("ussi: report from the future"):
        ussi.post_nav(report.as_tuple(), sign_nav(strategy_signers[:2], domain, report), sender=anyone)


def test_post_nav__replayed__reverts(ussi, chain, domain, strategy_signers, anyone):
    report = fresh_report(ussi, chain)
    signatures = sign_nav(strategy_signers[:2], domain, report)
    ussi.post_nav(report.as_tuple(), signatures, sender=anyone)
    with ape.reverts("ussi: bad nonce"):
        ussi.post_nav(report.as_tuple(), signatures, sender=anyone)


def test_post_nav__not_newer_than_last__reverts(ussi, chain, domain, strategy_signers, anyone):
    first = fresh_report(ussi, chain)
    ussi.post_nav(first.as_tuple(), sign_nav(strategy_signers[:2], domain, first), sender=anyone)
    second = UssiNavReport(NAV + 1, INDEX_PRICE, first.as_of, first.nonce + 1)
    with ape.reverts("ussi: report not newer"):
        ussi.post_nav(second.as_tuple(), sign_nav(strategy_signers[:2], domain, second), sender=anyone)


def test_post_nav__forged_by_non_signer__reverts(ussi, chain, domain, strategy_signers, anyone):
    report = fresh_report(ussi, chain)
    forger = KeySigner(Account.from_key(b"\x66" * 32).key.hex())
    with ape.reverts("attest: unknown signer"):
        ussi.post_nav(report.as_tuple(), sign_nav([strategy_signers[0], forger], domain, report), sender=anyone)


def test_post_nav__with_altered_nav__reverts(ussi, chain, domain, strategy_signers, anyone):
    report = fresh_report(ussi, chain)
    signatures = sign_nav(strategy_signers[:2], domain, report)
    altered = UssiNavReport(report.nav_per_share // 2, report.index_price, report.as_of, report.nonce)
    with ape.reverts("attest: unknown signer"):
        ussi.post_nav(altered.as_tuple(), signatures, sender=anyone)


def test_post_nav__signed_for_another_chain__reverts(ussi, chain, strategy_signers, anyone):
    report = fresh_report(ussi, chain)
    other = ussi_domain(chain.chain_id + 1, str(ussi.address))
    with ape.reverts("attest: unknown signer"):
        ussi.post_nav(report.as_tuple(), sign_nav(strategy_signers[:2], other, report), sender=anyone)


def test_post_nav__under_signed__reverts(ussi, chain, domain, strategy_signers, anyone):
    report = fresh_report(ussi, chain)
    with ape.reverts("attest: too few signers"):
        ussi.post_nav(report.as_tuple(), sign_nav(strategy_signers[:1], domain, report), sender=anyone)
    with ape.reverts("attest: too few signers"):
        ussi.post_nav(report.as_tuple(), [], sender=anyone)


def test_post_nav__unsorted_or_duplicate_signatures__revert(ussi, chain, domain, strategy_signers, anyone):
    report = fresh_report(ussi, chain)
    ordered = sign_nav(strategy_signers[:2], domain, report)
    with ape.reverts("attest: signers not sorted"):
        ussi.post_nav(report.as_tuple(), ordered[::-1], sender=anyone)
    with ape.reverts("attest: duplicate signer"):
        ussi.post_nav(report.as_tuple(), [ordered[0], ordered[0]], sender=anyone)


def test_post_nav__zero_price__reverts(ussi, chain, domain, strategy_signers, anyone):
    for report in (fresh_report(ussi, chain, nav_per_share=0), fresh_report(ussi, chain, index_price=0)):
        with ape.reverts("ussi: zero price"):
            ussi.post_nav(report.as_tuple(), sign_nav(strategy_signers[:2], domain, report), sender=anyone)


def post(ussi, report, signers, domain, sender):
    return ussi.post_nav(report.as_tuple(), sign_nav(signers, domain, report), sender=sender)


# ---------------------------------------------------------------- nav bound ----


@pytest.mark.parametrize("direction", [1, -1])
def test_post_nav__moved_exactly_by_the_bound__is_accepted(
    make_ussi, chain, strategy_signers, anyone, direction
):
    token = make_ussi(max_nav_move_bps=250)
    domain = ussi_domain(chain.chain_id, str(token.address))
    first = wad("1000.000000000000000003")  # 2.5% of it is not a whole wei: the bound rounds down
    post(token, fresh_report(token, chain, nav_per_share=first), strategy_signers[:2], domain, anyone)
    allowed = first * 250 // 10_000
    assert allowed * 10_000 < first * 250

    with ape.reverts("ussi: nav move too large"):
        post(token, fresh_report(token, chain, nav_per_share=first + direction * (allowed + 1)),
             strategy_signers[:2], domain, anyone)
    receipt = post(token, fresh_report(token, chain, nav_per_share=first + direction * allowed),
                   strategy_signers[:2], domain, anyone)

    assert receipt.decode_logs(token.NavReported)[0].nav_per_share == first + direction * allowed
    assert token.max_nav_move_bps() == 250


def test_post_nav__first_report__is_exempt_from_the_bound(ussi, chain, domain, strategy_signers, anyone):
    assert ussi.nav().navPerShare == 0
    report = fresh_report(ussi, chain, nav_per_share=10**40)  # far from anything
    post(ussi, report, strategy_signers[:2], domain, anyone)
    assert ussi.nav().navPerShare == 10**40
    with ape.reverts("ussi: nav move too large"):
        post(ussi, fresh_report(ussi, chain, nav_per_share=NAV), strategy_signers[:2], domain, anyone)


# ------------------------------------------------------------ signer views ----


def test_signer_views__read_the_attestation_module(ussi, strategy_signers):
    assert list(ussi.signers()) == [s.address for s in strategy_signers]
    assert ussi.threshold() == 2
    assert all(ussi.is_signer(s.address) for s in strategy_signers)
    assert not ussi.is_signer(ussi.address)


def test_set_signers__through_the_timelock__replaces_the_set(
    ussi, timelock, chain, domain, strategy_signers, admin, anyone
):
    newcomer = KeySigner(Account.from_key(b"\x77" * 32).key.hex())
    receipt = apply_now(chain, timelock, Change.of(ussi, "set_signers", [newcomer.address], 1), admin)
    event = receipt.decode_logs(ussi.SignersSet)[0]
    assert (event.key, list(event.signers), event.threshold) == (ussi.address, [newcomer.address], 1)
    assert not ussi.is_signer(strategy_signers[0].address)
    assert (list(ussi.signers()), ussi.threshold()) == ([newcomer.address], 1)
    report = fresh_report(ussi, chain)
    with ape.reverts("attest: unknown signer"):
        post(ussi, report, strategy_signers[:1], domain, anyone)
    post(ussi, report, [newcomer], domain, anyone)


# ------------------------------------------------------------------ deploy ----


def test_deploy__with_bad_arguments__reverts(
    project, accounts, chain, guardian, custody, strategy_signers, mag7, usdc, timelock
):
    # A fresh deployer: Ape decodes a failed creation with whatever contract it has cached at
    # the would-be address, and other tests' (reverted) deployments by `admin` live there.
    deployer = accounts.generate_test_account()
    deployer.balance = 10**21
    signers = [s.address for s in strategy_signers]
    wide = project.MockERC20.deploy("Wide", "WIDE", 19, sender=deployer)
    base = dict(cash_token=str(usdc.address), index_token=str(mag7.token.address), timelock=str(timelock.address),
                guardian=str(guardian.address), custody=str(custody.address), signers=signers, threshold=2)
    # Failed creations are slow to decode in Ape: only the checks the constructor alone makes
    # (the shared bounds are tested through the timelocked setters, in test_admin.py).
    cases = [
        ("ussi: same token", dict(cash_token=str(mag7.token.address))),
        ("ussi: cash decimals above 18", dict(cash_token=str(wide.address))),
        ("ussi: index decimals not 18", dict(index_token=str(wide.address))),
        ("ussi: zero address", dict(timelock="0x" + "00" * 20)),
        ("ussi: timeout above delay", dict(request_timeout=int(timelock.delay()) + 1)),
        ("ussi: bad nav move", dict(max_nav_move_bps=0)),
        ("attest: bad threshold", dict(threshold=4)),
    ]
    for message, override in cases:
        with ape.reverts(message):
            deploy_ussi(project, deployer, UssiConfig(**{**base, **override}))
    token = deploy_ussi(project, deployer, UssiConfig(**base, request_timeout=int(timelock.delay())))
    assert (token.timelock(), token.timelock_delay()) == (timelock.address, timelock.delay())
    assert token.request_timeout() == timelock.delay()
    assert token.owner() == deployer.address


def test_token__is_ussi_with_18_decimals(ussi):
    assert (ussi.name(), ussi.symbol(), ussi.decimals()) == ("SoSoValue USSI", "USSI", 18)


# ---------------------------------------------------------- python helpers ----


def test_wad__is_exact_on_decimal_strings():
    assert wad("1012.5") == 1012 * 10**18 + 5 * 10**17
    assert wad(0.1) == 10**17
    with pytest.raises(ValueError, match="price must be positive"):
        wad(0)


@given(amount=st.integers(1, 10**30), nav=st.integers(10**12, 10**27), price=st.integers(1, 10**27))
def test_previews__equal_python_amounts(ussi, chain, domain, strategy_signers, anyone, amount, nav, price):
    # The preview views read the stored report. Each example starts from no report, so the
    # (exempt) first report may carry any NAV.
    with chain.isolate():
        report = fresh_report(ussi, chain, nav_per_share=nav, index_price=price)
        ussi.post_nav(report.as_tuple(), sign_nav(strategy_signers[:2], domain, report), sender=anyone)
        assert ussi.preview_mint(0, amount) == shares_for_cash(amount, nav, 6)
        assert ussi.preview_mint(1, amount) == shares_for_index(amount, price, nav)
        assert ussi.preview_redeem(amount) == cash_for_shares(amount, nav, 6)


def test_nav_report_for_date__carries_the_methodologys_nav_per_share():
    from ssi.ussi.strategy import nav_per_share
    from ssi.ussi.token import nav_report_for_date

    report = nav_report_for_date("2024-06-28", INDEX_PRICE, 1_700_000_000, 7)
    assert report.nav_per_share == wad(nav_per_share("2024-06-28"))
    assert 100 * 10**18 < report.nav_per_share < 10_000 * 10**18
    assert (report.index_price, report.as_of, report.nonce) == (INDEX_PRICE, 1_700_000_000, 7)
