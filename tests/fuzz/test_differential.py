"""One fixed sequence through titanoboa and through Ape on anvil: the end states must be equal.

The sequence touches every path the fuzzer relies on: a full mint (real delivery, honest report,
settle), a redemption fill and its release, a mint marked delivered with nothing delivered that
the gate refuses and the PMM rejects, a timelocked change of the maximum report age, a mint
cancelled after its deadline, and a report replayed. Compared: supply and balances, request
statuses in order, escrow deltas, the oracle's next nonce, units, and the custodian's holdings.
The index has no management fee, so the state does not depend on the chains' block times.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ape
import boa

from ssi.chain import boa as harness
from ssi.chain.eip712 import MINT, REDEEM, Quote, ReserveReport, sign, sign_many
from ssi.chain.protocol import DAY, IndexSpec, required_reserve
from ssi.chain.timelock import Change, apply_now
from ssi.fuzz.model import floor_units

N_ASSETS = 3
DECIMALS = (8, 18, 9)
UNITS = [10**d * 10**18 // 1000 + 12345 + i for i, d in enumerate(DECIMALS)]


@dataclass
class EndState:
    supply: int
    wlp_shares: int
    issuer_shares: int
    statuses: list[int]
    next_nonce: int
    units: list[int]
    held: list[int]
    cash_escrow_delta: int
    wlp_cash_delta: int
    refusals: list[str]


def _boa_run() -> EndState:
    actors = harness.Actors.make()
    with boa.env.anchor():
        d = harness.deploy(actors)
        assets = [f"D{i}" for i in range(N_ASSETS)]
        harness.register_assets(d, actors.owner, list(zip(assets, DECIMALS)))
        spec = IndexSpec(
            name="Diff", symbol="DIFF.ssi", assets=assets, units=UNITS, compiler=actors.compiler.address,
            signers=[c.address for c in actors.custodians], threshold=2, cash_token=str(d.usdc.address),
            treasury=actors.treasury.address, wlps=[actors.wlp.address], pmms=[actors.pmm.address],
        )
        token = harness.create_index(d, actors.owner, spec)
        index, wlp, pmm, anyone = token.address, actors.wlp.address, actors.pmm.address, actors.anyone.address
        held = [0] * N_ASSETS
        ids: list[int] = []
        refusals: list[str] = []
        nonces = iter(range(1, 100))
        requests: dict[int, tuple] = {}

        def request(side: int, shares: int, cash: int) -> int:
            quote = Quote(index, side, shares, cash, str(d.usdc.address), wlp, boa.env.timestamp + 600, next(nonces))
            sig = sign(actors.pmm.signer, d.issuer_domain, quote)
            fee = int(d.issuer.creation_fee(index, cash) if side == MINT else d.issuer.redemption_fee(index, cash))
            if side == MINT:
                d.usdc.mint(wlp, cash + fee)
                d.usdc.approve(d.issuer.address, 2**256 - 1, sender=wlp)
                rid = d.issuer.request_mint(quote.as_tuple(), sig, fee, sender=wlp)
            else:
                token.approve(d.issuer.address, shares, sender=wlp)
                rid = d.issuer.request_redeem(quote.as_tuple(), sig, fee, sender=wlp)
            requests[rid] = (rid, index, side, wlp, pmm, shares, cash, fee, quote.deadline, boa.env.timestamp + DAY)
            ids.append(rid)
            return rid

        def deliver(rid: int, really: bool) -> None:
            units = d.registry.effective_units(index, d.registry.version(index), True)
            d.issuer.deliver_mint(requests[rid], b"\x01" * 32, sender=pmm)
            if really:
                for i, u in enumerate(units):
                    held[i] += required_reserve(requests[rid][5], int(u))

        def report() -> tuple[ReserveReport, list[bytes]]:
            boa.env.time_travel(seconds=1)
            h = bytes(d.registry.basket_hash(index, 1))
            r = ReserveReport(index, 1, h, tuple(held), boa.env.timestamp, int(d.oracle.next_nonce(index)))
            sigs = sign_many([c.signer for c in actors.custodians[:2]], d.oracle_domain, r)
            d.oracle.post_report(r.as_tuple(), sigs, sender=anyone)
            return r, sigs

        cash_before, wlp_before = int(d.issuer.escrowed(d.usdc.address)), int(d.usdc.balanceOf(wlp))
        first = request(MINT, 10 * 10**18, 1_000 * 10**6)
        deliver(first, True)
        report()
        d.issuer.settle_mint(requests[first], sender=anyone)
        redeem = request(REDEEM, 4 * 10**18, 400 * 10**6)
        d.usdc.mint(pmm, 400 * 10**6)
        d.usdc.approve(d.issuer.address, 2**256 - 1, sender=pmm)
        d.issuer.fill_redeem(requests[redeem], sender=pmm)
        for i, u in enumerate(d.registry.effective_units(index, 1, False)):
            held[i] -= floor_units(4 * 10**18, int(u))
        fake = request(MINT, 2 * 10**18, 200 * 10**6)
        deliver(fake, False)
        last = report()
        _, err = harness.try_call(d.issuer.settle_mint, requests[fake], sender=anyone)
        refusals.append(err or "")
        d.issuer.reject(requests[fake], b"\0" * 32, sender=pmm)
        data = d.oracle.set_max_report_age.prepare_calldata(DAY // 2)
        d.timelock.queue(d.oracle.address, data, b"\0" * 32, sender=actors.owner.address)
        boa.env.time_travel(seconds=int(d.timelock.delay()))
        d.timelock.execute(d.oracle.address, data, b"\0" * 32, sender=anyone)
        late = request(MINT, 10**18, 100 * 10**6)
        boa.env.time_travel(seconds=601)
        d.issuer.cancel(requests[late], sender=wlp)
        _, err = harness.try_call(d.oracle.post_report, last[0].as_tuple(), last[1], sender=anyone)
        refusals.append(err or "")
        return EndState(
            supply=int(token.totalSupply()), wlp_shares=int(token.balanceOf(wlp)),
            issuer_shares=int(token.balanceOf(d.issuer.address)),
            statuses=[int(d.issuer.request_status(i)) for i in ids], next_nonce=int(d.oracle.next_nonce(index)),
            units=list(d.registry.effective_units(index, 1, True)), held=list(held),
            cash_escrow_delta=int(d.issuer.escrowed(d.usdc.address)) - cash_before,
            wlp_cash_delta=int(d.usdc.balanceOf(wlp)) - wlp_before, refusals=refusals,
        )


def _revert_message(fn: Any, *args: Any, **kw: Any) -> str:
    try:
        fn(*args, **kw)
    except ape.exceptions.ContractLogicError as err:
        return str(err.revert_message)
    return ""


def _anvil_run(chain, flows, make_index, protocol, usdc, wlp, admin, anyone) -> EndState:
    index = make_index(N_ASSETS, decimals=DECIMALS, units=list(UNITS))
    issuer, token = protocol.issuer, index.token
    cash_before, wlp_before = int(issuer.escrowed(usdc)), int(usdc.balanceOf(wlp))
    refusals: list[str] = []
    first = flows.mint(index, 10 * 10**18, 1_000 * 10**6)
    redeem = flows.request_redeem(index, 4 * 10**18, 400 * 10**6)
    flows.fill(redeem)
    fake = flows.request_mint(index, 2 * 10**18, 200 * 10**6)
    flows.deliver(fake, really=False)
    flows.report_holdings(index)
    refusals.append(_revert_message(flows.settle, fake))
    flows.pay_outflows(issuer.reject(fake.as_tuple(), b"\0" * 32, sender=flows.pmm))
    apply_now(chain, protocol.timelock, Change.of(protocol.oracle, "set_max_report_age", DAY // 2), admin)
    late = flows.request_mint(index, 10**18, 100 * 10**6)
    chain.mine(timestamp=chain.pending_timestamp + 601)
    issuer.cancel(late.as_tuple(), sender=wlp)
    # Replay the last accepted report (rebuilt from the oracle's storage and re-signed as before).
    nonce = int(protocol.oracle.next_nonce(token)) - 1
    balances, as_of = protocol.oracle.reserves(token, 1)
    replay = ReserveReport(str(token.address), 1, bytes(protocol.registry.basket_hash(token, 1)), tuple(int(b) for b in balances), int(as_of), nonce)
    sigs = sign_many(flows.custodian_keys[:2], protocol.oracle_domain, replay)
    refusals.append(_revert_message(protocol.oracle.post_report, replay.as_tuple(), sigs, sender=anyone))
    # The protocol fixture is shared by the session: put the report age back.
    apply_now(chain, protocol.timelock, Change.of(protocol.oracle, "set_max_report_age", DAY), admin)
    ids = [first.id, redeem.id, fake.id, late.id]
    held = list(flows.holdings(index))
    return EndState(
        supply=int(token.totalSupply()), wlp_shares=int(token.balanceOf(wlp)), issuer_shares=int(token.balanceOf(issuer)),
        statuses=[int(issuer.request_status(i)) for i in ids], next_nonce=int(protocol.oracle.next_nonce(token)),
        units=[int(u) for u in protocol.registry.effective_units(token, 1, True)], held=held,
        cash_escrow_delta=int(issuer.escrowed(usdc)) - cash_before, wlp_cash_delta=int(usdc.balanceOf(wlp)) - wlp_before,
        refusals=refusals,
    )


def test_fixed_sequence__boa_and_anvil__end_in_the_same_state(chain, flows, make_index, protocol, usdc, wlp, admin, anyone):
    on_boa = _boa_run()
    on_anvil = _anvil_run(chain, flows, make_index, protocol, usdc, wlp, admin, anyone)
    assert on_boa == on_anvil
    assert on_boa.statuses == [3, 3, 5, 4]
    assert on_boa.refusals == ["oracle: reserves short", "oracle: bad nonce"]
    assert on_boa.supply == 6 * 10**18
