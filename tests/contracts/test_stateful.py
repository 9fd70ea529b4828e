"""Random sequences of every Issuer and registry action on anvil, against the custodian's REAL
holdings.

The test keeps its own model of what the custodian really holds (``flows.held``), apart from any
report: a delivery adds the basket only when the PMM really delivered it (the PMM sometimes marks
a delivery and delivers nothing), a redemption release and a basket owed back subtract when the
custodian pays them, and a rebalance trades the holdings into the new basket. Custodians report
honestly. After every step:

- real holdings >= claims for every asset: supply + fee shares owed + shares of really delivered,
  unsettled mints (DESIGN invariant 1 against the real world, not against the last report);
- the Issuer holds exactly the open escrows, per token (invariant 2).

Actions: request mint/redeem, deliver (really or not), honest re-report, settle (late or early;
a refusal must carry a gate reason), fill, reject, cancel (after the deadline or timeout; a backed
delivered mint must refuse), time jumps with fee accrual, pause and unpause, a timelocked admin
change, and a rebalance. CI runs 10 x 25 steps; SSI_HYPOTHESIS_PROFILE=thorough runs 40 x 50.
"""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ssi.chain.protocol import DAY, asset_id, fee_rate_from_annual, required_reserve
from ssi.chain.timelock import Change, apply_now
from tests.invariants import check_escrow, check_real_backing

THOROUGH = os.environ.get("SSI_HYPOTHESIS_PROFILE") == "thorough"
EXAMPLES, STEPS = (40, 50) if THOROUGH else (10, 25)  # about 220 steps in CI

GATE_REASONS = ("oracle: reserves short", "oracle: report predates flows", "oracle: report stale", "oracle: no report")


def _reason(err: Exception) -> str:
    return str(getattr(err, "revert_message", None) or err)


def test_random_sequences__real_holdings_cover_claims(chain, flows, make_index, protocol, usdc, compiler, anyone, admin, guardian):
    index = make_index(4, management_fee_rate=fee_rate_from_annual(0.02))
    issuer, registry = protocol.issuer, protocol.registry
    token = index.token
    steps = {"count": 0, "settled": 0, "refused": 0}

    class Protocol(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.snapshot = chain.snapshot()
            self.requests = []
            flows.held.clear()
            flows.real_deliveries.clear()

        def teardown(self):
            chain.restore(self.snapshot)

        def _open(self, status=(1, 2), side=None):
            return [
                r for r in self.requests
                if int(issuer.request_status(r.id)) in status and (side is None or r.side == side)
            ]

        @rule(shares=st.integers(10**15, 50 * 10**18), cash=st.integers(1, 10**10))
        def request_mint(self, shares, cash):
            if issuer.paused():
                return
            self.requests.append(flows.request_mint(index, shares, cash))

        @rule(data=st.data(), really=st.booleans())
        def deliver(self, data, really):
            open_mints = [r for r in self._open(status=(1,), side=0) if r.deadline >= chain.pending_timestamp]
            if open_mints:
                flows.deliver(data.draw(st.sampled_from(open_mints)), really=really)

        @rule(
            shares=st.integers(10**15, 50 * 10**18),
            really=st.sampled_from([True, True, True, False]),
            report=st.sampled_from([True, True, True, False]),
        )
        def mint_path(self, shares, really, report):
            """Request, deliver (or only claim to), maybe an honest report, settle at once."""
            if issuer.paused():
                return
            request = flows.request_mint(index, shares, shares // 10**10 + 1)
            self.requests.append(request)
            flows.deliver(request, really=really)
            if report and not protocol.oracle.paused():
                flows.report_holdings(index)
            self._settle(request)

        @rule()
        def honest_report(self):
            if not protocol.oracle.paused():
                flows.report_holdings(index)

        @rule(data=st.data())
        def settle(self, data):
            delivered = self._open(status=(2,), side=0)
            if not delivered:
                return
            self._settle(data.draw(st.sampled_from(delivered)))

        def _settle(self, request):
            """Settle, or be refused by the gate with one of its reasons."""
            try:
                flows.settle(request)
                steps["settled"] += 1
            except Exception as err:  # noqa: BLE001 - the reason is asserted
                assert any(r in _reason(err) for r in GATE_REASONS), _reason(err)
                steps["refused"] += 1

        @rule(data=st.data())
        def request_redeem(self, data):
            held = int(token.balanceOf(flows.wlp))
            if held >= 10**15 and not issuer.paused():
                shares = data.draw(st.integers(10**15, held))
                self.requests.append(flows.request_redeem(index, shares, data.draw(st.integers(1, 10**10))))

        @rule(data=st.data())
        def fill(self, data):
            redeems = [r for r in self._open(status=(1,), side=1) if r.deadline >= chain.pending_timestamp]
            if redeems:
                flows.fill(data.draw(st.sampled_from(redeems)))

        @rule(data=st.data())
        def reject(self, data):
            pending = self._open()
            if pending:
                request = data.draw(st.sampled_from(pending))
                flows.pay_outflows(issuer.reject(request.as_tuple(), b"\0" * 32, sender=flows.pmm))

        @rule(data=st.data(), late=st.booleans())
        def cancel(self, data, late):
            pending = self._open()
            if not pending:
                return
            request = data.draw(st.sampled_from(pending))
            chain.mine(timestamp=max(chain.pending_timestamp, request.cancel_after if late else request.deadline + 1))
            try:
                flows.pay_outflows(issuer.cancel(request.as_tuple(), sender=flows.wlp))
            except Exception as err:  # noqa: BLE001 - the reason is asserted
                reason = _reason(err)
                delivered = int(issuer.request_status(request.id)) == 2
                assert (delivered and "issuer: backed, settle it" in reason) or (
                    delivered and not late and "issuer: too early to cancel" in reason
                ), reason

        @rule(tenths_of_days=st.integers(0, 400))
        def time_passes(self, tenths_of_days):
            chain.mine(timestamp=chain.pending_timestamp + tenths_of_days * DAY // 10)
            issuer.accrue_fee(token, sender=anyone)

        @rule(which=st.sampled_from(["issuer", "oracle"]))
        def pause_and_unpause(self, which):
            contract = getattr(protocol, which)
            if contract.paused():
                contract.unpause(sender=admin)
            else:
                contract.pause(sender=guardian)

        @rule(age=st.sampled_from([DAY // 2, DAY, 2 * DAY]))
        def timelocked_report_age(self, age):
            apply_now(chain, protocol.timelock, Change.of(protocol.oracle, "set_max_report_age", age), admin)

        @rule(scale=st.integers(50, 200))
        def rebalance(self, scale):
            if registry.paused() or protocol.oracle.paused() or int(registry.pending_version(token)) != 0:
                return
            version = int(registry.version(token))
            ids = [asset_id(a) for a in index.assets]
            units = [int(u) * scale // 100 + 1 for u in registry.effective_units(token, version, False)]
            effective = chain.pending_timestamp + int(registry.notice_period()) + 10
            new_version = int(registry.announce(token, ids, units, effective, sender=compiler).return_value or 0)
            new_version = int(registry.pending_version(token))
            chain.mine(timestamp=effective)
            # The PMM trades the holdings into the new basket at value: enough for every claim that
            # is really backed (the model's own view), as an honest rebalance would.
            claims = int(token.totalSupply()) + int(registry.pending_fee_shares(token)) + flows.open_real_deliveries(index)
            new_units = registry.effective_units(token, new_version, True)
            flows.held[str(token.address)] = [required_reserve(claims, int(u)) for u in new_units]
            flows.report_holdings(index, version=new_version)
            try:
                registry.activate(token, sender=anyone)
            except Exception as err:  # noqa: BLE001 - fake deliveries count as claims: the gate refuses
                assert "oracle: reserves short" in _reason(err), _reason(err)
                registry.cancel_announcement(token, sender=compiler)
                # The trade is undone with the announcement.
                old_units = registry.effective_units(token, version, True)
                flows.held[str(token.address)] = [required_reserve(claims, int(u)) for u in old_units]

        @invariant()
        def invariants_hold(self):
            if not hasattr(self, "requests"):
                return
            steps["count"] += 1
            check_escrow(issuer, usdc, [token], self.requests)
            check_real_backing(registry, issuer, token, flows.holdings(index), flows.open_real_deliveries(index))

    Protocol.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=not THOROUGH
    )
    Protocol.TestCase().runTest()
    assert steps["count"] >= 200
    assert steps["settled"] > 0 and steps["refused"] > 0, steps
