"""Random sequences of mint/redeem/cancel/reject/report/fee/rebalance actions on anvil.

After every step the DESIGN.md invariants must hold: the Issuer holds exactly the
open escrows (2), and the current basket's last report covers the supply (1).
CI runs at least 200 steps (profile "ci"); SSI_HYPOTHESIS_PROFILE=thorough runs more.
"""

from __future__ import annotations

import os

from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

from ssi.chain.protocol import DAY, asset_id, fee_rate_from_annual, required_reserve
from tests.invariants import check_backing, check_escrow

THOROUGH = os.environ.get("SSI_HYPOTHESIS_PROFILE") == "thorough"
EXAMPLES, STEPS = (40, 50) if THOROUGH else (8, 30)  # 8 x 30 = 240 steps in CI


def test_random_sequences__keep_invariants(chain, flows, make_index, protocol, usdc, compiler, anyone):
    index = make_index(4, management_fee_rate=fee_rate_from_annual(0.02))
    issuer, registry = protocol.issuer, protocol.registry
    steps = {"count": 0}

    class Protocol(RuleBasedStateMachine):
        @initialize()
        def start(self):
            self.snapshot = chain.snapshot()
            self.requests = []

        def teardown(self):
            chain.restore(self.snapshot)

        def _open(self, status=(1, 2), side=None):
            return [
                r for r in self.requests
                if int(issuer.request_status(r.id)) in status and (side is None or r.side == side)
            ]

        @rule(shares=st.integers(10**15, 50 * 10**18), cash=st.integers(1, 10**10))
        def request_mint(self, shares, cash):
            self.requests.append(flows.request_mint(index, shares, cash))

        @rule(data=st.data())
        def deliver(self, data):
            open_mints = self._open(status=(1,), side=0)
            if open_mints:
                flows.deliver(data.draw(st.sampled_from(open_mints)))

        @rule(data=st.data(), short=st.booleans())
        def report_and_settle(self, data, short):
            delivered = self._open(status=(2,), side=0)
            if not delivered:
                return
            request = data.draw(st.sampled_from(delivered))
            chain.mine(timestamp=chain.pending_timestamp + 1)
            supply = int(index.token.totalSupply()) + request.shares
            units = registry.effective_units(index.token, registry.version(index.token), True)
            balances = [required_reserve(supply, int(u)) for u in units]
            if short:
                balances[data.draw(st.integers(0, len(balances) - 1))] -= 1
            flows.report(index, balances)
            if short:
                try:
                    flows.settle(request)
                except Exception as err:  # noqa: BLE001 - the exact reason is asserted
                    assert "oracle: reserves short" in str(err)
                    return
                raise AssertionError("settlement against a short report succeeded")
            flows.settle(request)

        @rule(data=st.data())
        def request_redeem(self, data):
            held = int(index.token.balanceOf(flows.wlp))
            if held >= 10**15:
                shares = data.draw(st.integers(10**15, held))
                self.requests.append(flows.request_redeem(index, shares, data.draw(st.integers(1, 10**10))))

        @rule(data=st.data())
        def fill(self, data):
            redeems = self._open(status=(1,), side=1)
            if redeems:
                flows.fill(data.draw(st.sampled_from(redeems)))

        @rule(data=st.data())
        def reject(self, data):
            pending = self._open()
            if pending:
                request = data.draw(st.sampled_from(pending))
                issuer.reject(request.as_tuple(), b"\0" * 32, sender=flows.pmm)

        @rule(data=st.data())
        def cancel_after_timeout(self, data):
            pending = self._open()
            if pending:
                request = data.draw(st.sampled_from(pending))
                chain.mine(timestamp=max(chain.pending_timestamp, request.cancel_after))
                issuer.cancel(request.as_tuple(), sender=flows.wlp)

        @rule(days=st.integers(0, 400))
        def accrue_fee(self, days):
            chain.mine(timestamp=chain.pending_timestamp + days * DAY // 10)
            registry.accrue_fee(index.token, sender=anyone)

        @precondition(lambda self: True)
        @rule(scale=st.integers(50, 200))
        def rebalance(self, scale):
            token = index.token
            if int(registry.pending_version(token)) != 0:
                return
            version = int(registry.version(token))
            ids = [asset_id(a) for a in index.assets]
            units = [int(u) * scale // 100 + 1 for u in registry.effective_units(token, version, False)]
            effective = chain.pending_timestamp + int(registry.notice_period()) + 10
            registry.announce(token, ids, units, effective, sender=compiler)
            chain.mine(timestamp=effective)
            supply = int(token.totalSupply())
            new_units = registry.effective_units(token, version + 1, True)
            flows.report(index, [required_reserve(supply, int(u)) for u in new_units], version=version + 1)
            registry.activate(token, sender=anyone)

        @invariant()
        def invariants_hold(self):
            if not hasattr(self, "requests"):
                return
            steps["count"] += 1
            check_escrow(issuer, usdc, [index.token], self.requests)
            check_backing(registry, protocol.oracle, index.token)

    Protocol.TestCase.settings = settings(
        max_examples=EXAMPLES, stateful_step_count=STEPS, deadline=None, derandomize=not THOROUGH
    )
    Protocol.TestCase().runTest()
    assert steps["count"] >= 200
