"""A Hypothesis state machine over every external function of the protocol, on titanoboa.

Three indices share one registry, oracle, issuer and factory (two paid in a plain USDC, one in a
token that can switch on a fee on transfer), and USSI is deployed on the first index. Actors are
role-named (``ssi.chain.boa.Actors``): honest WLP, PMM and custodians, a PMM that marks a
delivery without delivering, an attacker who calls every role's functions, a rogue PMM that
signs quotes without being listed, a single custodian that signs an inflated report alone.

After every step the invariants hold (``_check_all``):

1. real holdings >= claims, per asset and index: ceil((supply + fee shares owed + shares of
   really delivered, unsettled mints) * units / 1e36) with units rounded up; baskets owed back
   and releases are paid out of the holdings as soon as the chain records them;
2. every token balance of the Issuer and of USSI equals its recorded escrow plus the stray
   tokens the model knows were donated, and the escrow equals the model's open requests;
3. a signature or nonce works once: the oracle's and USSI's next nonces equal the accepted
   reports, a replay is refused with its exact reason (rules);
4. every refusal a rule expects carries its exact reason, every action the model says must
   succeed succeeds (rules); wrong callers for every role are refused;
5. supply equals the sum of balances of every holder, for each index token and USSI;
6. the Issuer's request statuses equal the model's.

At teardown the machine moves past every timeout and closes everything, paused or not: open
requests are cancelled, backed delivered mints settled, and then neither the Issuer nor USSI
holds anything that belongs to anyone (what is left is swept to the owner).
"""

from __future__ import annotations

import itertools
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import boa
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, rule

from ssi.chain import boa as harness
from ssi.chain.boa import Actors, BoaDeployment, expect_revert, try_call
from ssi.chain.eip712 import MINT, REDEEM, NavReport, Quote, ReserveReport, sign, sign_many
from ssi.chain.protocol import DAY, WAD, IndexSpec, Request, asset_id
from ssi.fuzz.model import (
    Basket,
    IndexModel,
    QueuedChange,
    UssiModel,
    UssiRequest,
    ceil_units,
    floor_units,
)

warnings.filterwarnings("ignore", message="casted bytecode does not match")

GATE_REASONS = ("oracle: no report", "oracle: report stale", "oracle: report predates flows", "oracle: reserves short")
HOUR = 3600
NOTICE = HOUR  # shorter than the report age, so a stale-number report would still be fresh
TIMEOUT = DAY
DELAY = 2 * DAY
GRACE = 14 * DAY
SHARES = st.sampled_from([10**15, 10**16, 10**17, 10**18, 3 * 10**18, 10 * 10**18])
ZERO32 = b"\0" * 32


@dataclass
class Counters:
    """Steps and invariant checks of this process (``make fuzz`` prints them)."""

    steps: int = 0
    checks: int = 0
    calls: int = 0
    reasons: dict[str, int] = field(default_factory=dict)
    #: Called with the step count every 1,000 steps (``make fuzz`` prints progress to stderr).
    on_thousand: Callable[[int], None] | None = None

    def refused(self, reason: str) -> None:
        self.reasons[reason] = self.reasons.get(reason, 0) + 1


COUNTERS = Counters()


@dataclass
class World:
    """One deployment per contracts directory, reused by every example inside a boa anchor."""

    d: BoaDeployment
    actors: Actors
    indices: list[IndexModel]


_worlds: dict[str, World] = {}
CONTRACTS_DIR: list[Path] = [harness.CONTRACTS]


def _pool(k: int) -> tuple[tuple[str, ...], dict[str, int]]:
    assets = tuple(f"I{k}A{j}" for j in range(4))
    decimals = dict(zip(assets, (8, 18, 6, 9)))
    return assets, decimals


def _units(decimals: int, scale_pct: int = 100, tail: int = 0) -> int:
    return (10**decimals * 10**18 // 1000) * scale_pct // 100 + 12345 + tail


def build_world(contracts_dir: Path) -> World:
    """Deploy the protocol, three indices and USSI once (compiles on first use)."""
    actors = Actors.make()
    d = harness.deploy(actors, contracts_dir, notice_period=NOTICE, max_report_age=DAY, timelock_delay=DELAY)
    models = []
    for k, (cash, fee_rate) in enumerate([(d.usdc, WAD // 20), (d.usdc, 0), (d.fot, WAD // 50)]):
        pool, decimals = _pool(k)
        harness.register_assets(d, actors.owner, [(a, decimals[a]) for a in pool])
        basket = Basket(pool[:3], tuple(_units(decimals[a], tail=i) for i, a in enumerate(pool[:3])))
        spec = IndexSpec(
            name=f"Fuzz Index {k}", symbol=f"FZ{k}.ssi", assets=list(basket.assets), units=list(basket.units),
            compiler=actors.compiler.address, signers=[c.address for c in actors.custodians], threshold=2,
            cash_token=str(cash.address), treasury=actors.treasury.address, management_fee_rate=fee_rate,
            creation_fee_bps=10, redemption_fee_bps=10, request_timeout=TIMEOUT, min_shares=10**15,
            max_shares=10**30, wlps=[actors.wlp.address], pmms=[actors.pmm.address],
        )
        token = harness.create_index(d, actors.owner, spec)
        models.append(IndexModel(token, f"FZ{k}", cash, pool, decimals, basket))
    harness.deploy_ussi(d, actors, models[0].token, max_nav_age=DAY, request_timeout=TIMEOUT)
    return World(d, actors, models)


def world() -> World:
    key = str(CONTRACTS_DIR[0])
    cached = _worlds.get(key)
    # boa's pytest plugin rolls the chain back after each test: redeploy if the world is gone.
    if cached is None or not boa.env.get_code(cached.d.ussi.address):
        _worlds[key] = build_world(CONTRACTS_DIR[0])
    return _worlds[key]


def _fresh_models(template: list[IndexModel]) -> list[IndexModel]:
    return [
        IndexModel(m.token, m.label, m.cash, m.pool, m.decimals, Basket(m.basket.assets, m.basket.units))
        for m in template
    ]


class ProtocolMachine(RuleBasedStateMachine):
    """Rules are actions of named actors; each asserts the outcome the model expects."""

    # ------------------------------------------------------------------ set-up ----

    @initialize()
    def start(self) -> None:
        w = world()
        self.d, self.a = w.d, w.actors
        self._anchor = boa.env.anchor()
        self._anchor.__enter__()
        self.ix = _fresh_models(w.indices)
        self.u = UssiModel(max_nav_age=DAY)
        self.paused = {"issuer": False, "oracle": False, "registry": False, "ussi": False}
        self.stray: dict[tuple[str, str], int] = {}
        self.queued: list[QueuedChange] = []
        self.fot_fee = 0
        self.nonces = itertools.count(1)
        self.salts = itertools.count(1)
        self.max_report_age = DAY

    def teardown(self) -> None:
        if not hasattr(self, "_anchor"):
            return
        try:
            if not getattr(self, "_failed", False):
                self._close_everything()
        finally:
            self._anchor.__exit__(None, None, None)

    # ---------------------------------------------------------------- helpers ----

    @property
    def now(self) -> int:
        return int(boa.env.timestamp)

    def _tick(self, seconds: int = 1) -> None:
        boa.env.time_travel(seconds=seconds)

    def _step(self) -> None:
        COUNTERS.steps += 1
        if COUNTERS.on_thousand is not None and COUNTERS.steps % 1000 == 0:
            COUNTERS.on_thousand(COUNTERS.steps)

    def _contract(self, name: str) -> Any:
        return self.d.ussi if name == "ussi" else getattr(self.d, name)

    def _version(self, m: IndexModel) -> int:
        return int(self.d.registry.version(m.address))

    def _units_up(self, m: IndexModel, version: int | None = None) -> list[int]:
        return list(self.d.registry.effective_units(m.address, version or self._version(m), True))

    def _units_down(self, m: IndexModel) -> list[int]:
        return list(self.d.registry.effective_units(m.address, self._version(m), False))

    def _quote(self, m: IndexModel, side: int, shares: int, cash: int, life: int, signer: Any = None) -> tuple[Quote, bytes]:
        quote = Quote(m.address, side, shares, cash, str(m.cash.address), self.a.wlp.address, self.now + life, next(self.nonces))
        return quote, sign((signer or self.a.pmm).signer, self.d.issuer_domain, quote)

    def _fee(self, cash: int) -> int:
        return -(-cash * 10 // 10_000)

    def _report(self, m: IndexModel, version: int, balances: list[int], signers: list[Any]) -> tuple[ReserveReport, list[bytes]]:
        h = bytes(self.d.registry.basket_hash(m.address, version))
        report = ReserveReport(m.address, version, h, tuple(balances), self.now, int(self.d.oracle.next_nonce(m.address)))
        return report, sign_many([s.signer for s in signers], self.d.oracle_domain, report)

    def _honest_report(self, m: IndexModel, version: int, assets: tuple[str, ...]) -> str | None:
        """The custodians sign what they really hold of the basket's assets, dated now."""
        self._tick()
        report, sigs = self._report(m, version, [m.held.get(a, 0) for a in assets], list(self.a.custodians[: m.threshold]))
        _, err = try_call(self.d.oracle.post_report, report.as_tuple(), sigs, sender=self.a.anyone.address)
        if self.paused["oracle"]:
            assert err == "guard: paused", err
            return err
        assert err is None, err
        m.reports += 1
        m.last_report = (report, sigs)
        return None

    def _pick(self, data: Any, ids: list[int]) -> int | None:
        return data.draw(st.sampled_from(ids)) if ids else None

    def _settle(self, m: IndexModel, rid: int) -> str | None:
        request = m.requests[rid]
        _, err = try_call(self.d.issuer.settle_mint, request.as_tuple(), sender=self.a.anyone.address)
        if err is None:
            m.status[rid] = 3
            return None
        assert err in GATE_REASONS, f"settle refused with {err!r}"
        COUNTERS.refused(err)
        return err

    def _owe_back(self, m: IndexModel, rid: int) -> None:
        """A refunded delivered mint: the custodian returns the basket it really received."""
        if rid in m.real:
            m.pay([floor_units(m.requests[rid].shares, u) for u in self._units_down(m)], m.basket.assets)
            m.real.discard(rid)

    def _short(self, m: IndexModel, *amounts: int) -> bool:
        """Whether a pull of ``amounts`` in the index's cash token would arrive short."""
        return m.cash is self.d.fot and any(x * self.fot_fee // 10_000 > 0 for x in amounts)

    def _fund(self, token: Any, holder: str, spender: str, amount: int) -> None:
        token.mint(holder, amount)
        token.approve(spender, 2**256 - 1, sender=holder)

    # ------------------------------------------------------------------ mints ----

    @rule(k=st.integers(0, 2), shares=SHARES, cash=st.integers(1, 10**10), life=st.sampled_from([600, HOUR]))
    def request_mint(self, k: int, shares: int, cash: int, life: int) -> None:
        self._step()
        m = self.ix[k]
        quote, sig = self._quote(m, MINT, shares, cash, life)
        fee = self._fee(cash)
        self._fund(m.cash, self.a.wlp.address, self.d.issuer.address, cash + fee)
        rid, err = try_call(self.d.issuer.request_mint, quote.as_tuple(), sig, fee, sender=self.a.wlp.address)
        if self.paused["issuer"]:
            assert err == "guard: paused", err
            return
        if self._short(m, cash + fee):
            assert err == "issuer: transfer short", err
            return
        assert err is None, err
        m.requests[rid] = Request(rid, m.address, MINT, self.a.wlp.address, self.a.pmm.address, shares, cash, fee, quote.deadline, self.now + TIMEOUT)
        m.status[rid] = 1
        m.used_quotes.append((quote, sig))

    @rule(data=st.data(), k=st.integers(0, 2), really=st.sampled_from([True, True, False]), late=st.booleans())
    def deliver(self, data: Any, k: int, really: bool, late: bool) -> None:
        """The PMM records a delivery; a dishonest one delivers nothing. Late: after the deadline."""
        self._step()
        m = self.ix[k]
        rid = self._pick(data, m.open_ids((1,), MINT))
        if rid is None:
            return
        request = m.requests[rid]
        if late and self.now <= request.deadline:
            self._tick(request.deadline + 1 - self.now)
        expect_attacker = "issuer: not request pmm"
        expect_revert(expect_attacker, self.d.issuer.deliver_mint, request.as_tuple(), ZERO32, sender=self.a.attacker.address)
        units = self._units_up(m)
        _, err = try_call(self.d.issuer.deliver_mint, request.as_tuple(), b"\x01" * 32, sender=self.a.pmm.address)
        if self.now > request.deadline:
            assert err == "issuer: quote expired", err
            return
        assert err is None, err
        m.status[rid] = 2
        if really:
            for asset, u in zip(m.basket.assets, units):
                m.held[asset] = m.held.get(asset, 0) + ceil_units(request.shares, u)
            m.real.add(rid)

    @rule(data=st.data(), k=st.integers(0, 2))
    def settle(self, data: Any, k: int) -> None:
        """Anyone settles a delivered mint, paused or not; a refusal must be a gate reason."""
        self._step()
        m = self.ix[k]
        rid = self._pick(data, m.open_ids((2,), MINT))
        if rid is not None:
            self._settle(m, rid)

    @rule(k=st.integers(0, 1), shares=SHARES, really=st.sampled_from([True, True, True, False]), report=st.sampled_from([True, True, False]))
    def mint_path(self, k: int, shares: int, really: bool, report: bool) -> None:
        """Request, deliver (or only claim to), maybe an honest report, settle at once."""
        self._step()
        if self.paused["issuer"]:
            return
        m = self.ix[k]
        before = set(m.requests)
        self._request_mint_plain(m, shares)
        new = set(m.requests) - before
        if not new:
            return
        rid = new.pop()
        units = self._units_up(m)
        self.d.issuer.deliver_mint(m.requests[rid].as_tuple(), b"\x02" * 32, sender=self.a.pmm.address)
        m.status[rid] = 2
        if really:
            for asset, u in zip(m.basket.assets, units):
                m.held[asset] = m.held.get(asset, 0) + ceil_units(shares, u)
            m.real.add(rid)
        if report and not self.paused["oracle"]:
            self._honest_report(m, self._version(m), m.basket.assets)
        self._settle(m, rid)

    def _request_mint_plain(self, m: IndexModel, shares: int) -> None:
        cash = shares // 10**10 + 1
        quote, sig = self._quote(m, MINT, shares, cash, HOUR)
        fee = self._fee(cash)
        self._fund(m.cash, self.a.wlp.address, self.d.issuer.address, cash + fee)
        rid = self.d.issuer.request_mint(quote.as_tuple(), sig, fee, sender=self.a.wlp.address)
        m.requests[rid] = Request(rid, m.address, MINT, self.a.wlp.address, self.a.pmm.address, shares, cash, fee, quote.deadline, self.now + TIMEOUT)
        m.status[rid] = 1
        m.used_quotes.append((quote, sig))

    # ---------------------------------------------------------------- redeems ----

    @rule(k=st.integers(0, 2), pct=st.sampled_from([10, 50, 100]), cash=st.integers(1, 10**9))
    def request_redeem(self, k: int, pct: int, cash: int) -> None:
        self._step()
        m = self.ix[k]
        balance = int(m.token.balanceOf(self.a.wlp.address))
        shares = balance * pct // 100
        if shares < 10**15:
            return
        quote, sig = self._quote(m, REDEEM, shares, cash, HOUR)
        m.token.approve(self.d.issuer.address, shares, sender=self.a.wlp.address)
        fee = self._fee(cash)
        rid, err = try_call(self.d.issuer.request_redeem, quote.as_tuple(), sig, fee, sender=self.a.wlp.address)
        if self.paused["issuer"]:
            assert err == "guard: paused", err
            return
        assert err is None, err
        m.requests[rid] = Request(rid, m.address, REDEEM, self.a.wlp.address, self.a.pmm.address, shares, cash, fee, quote.deadline, self.now + TIMEOUT)
        m.status[rid] = 1
        m.used_quotes.append((quote, sig))

    @rule(data=st.data(), k=st.integers(0, 2), late=st.sampled_from([False, False, True]))
    def fill(self, data: Any, k: int, late: bool) -> None:
        """The PMM pays the WLP; the custodian releases the units the event lists."""
        self._step()
        m = self.ix[k]
        rid = self._pick(data, m.open_ids((1,), REDEEM))
        if rid is None:
            return
        request = m.requests[rid]
        if late and self.now <= request.deadline:
            self._tick(request.deadline + 1 - self.now)
        self._fund(m.cash, self.a.pmm.address, self.d.issuer.address, request.cash)
        _, err = try_call(self.d.issuer.fill_redeem, request.as_tuple(), sender=self.a.pmm.address)
        if self.now > request.deadline:
            assert err == "issuer: quote expired", err
            return
        if self._short(m, request.cash - request.fee, request.fee):
            assert err == "issuer: transfer short", err
            return
        assert err is None, err
        m.status[rid] = 3
        m.pay([floor_units(request.shares, u) for u in self._units_down(m)], m.basket.assets)

    # ---------------------------------------------------------------- refunds ----

    @rule(data=st.data(), k=st.integers(0, 2))
    def reject(self, data: Any, k: int) -> None:
        """The PMM rejects an open or delivered request, paused or not."""
        self._step()
        m = self.ix[k]
        rid = self._pick(data, m.open_ids())
        if rid is None:
            return
        request = m.requests[rid]
        expect_revert("issuer: not request pmm", self.d.issuer.reject, request.as_tuple(), ZERO32, sender=self.a.attacker.address)
        self.d.issuer.reject(request.as_tuple(), b"no".ljust(32, b"\0"), sender=self.a.pmm.address)
        if m.status[rid] == 2:
            self._owe_back(m, rid)
        m.status[rid] = 5

    @rule(data=st.data(), k=st.integers(0, 2), when=st.sampled_from(["now", "deadline", "timeout"]))
    def cancel(self, data: Any, k: int, when: str) -> None:
        """The WLP cancels after the deadline (undelivered) or the timeout, paused or not."""
        self._step()
        m = self.ix[k]
        rid = self._pick(data, m.open_ids())
        if rid is None:
            return
        request = m.requests[rid]
        target = {"now": self.now, "deadline": request.deadline + 1, "timeout": request.cancel_after}[when]
        if target > self.now:
            self._tick(target - self.now)
        expect_revert("issuer: not request wlp", self.d.issuer.cancel, request.as_tuple(), sender=self.a.attacker.address)
        _, err = try_call(self.d.issuer.cancel, request.as_tuple(), sender=self.a.wlp.address)
        delivered = m.status[rid] == 2
        allowed = self.now >= request.cancel_after or (not delivered and self.now > request.deadline)
        if not allowed:
            assert err == "issuer: too early to cancel", err
            return
        if delivered and err == "issuer: backed, settle it":
            COUNTERS.refused(err)
            return
        assert err is None, err
        if delivered:
            self._owe_back(m, rid)
        m.status[rid] = 4

    # ---------------------------------------------------------------- reports ----

    @rule(k=st.integers(0, 2))
    def honest_report(self, k: int) -> None:
        self._step()
        m = self.ix[k]
        self._honest_report(m, self._version(m), m.basket.assets)

    @rule(k=st.integers(0, 2), how=st.sampled_from(["alone", "attacker", "stale", "future"]))
    def dishonest_report(self, k: int, how: str) -> None:
        """Inflated or ill-dated reports: one custodian alone, an outsider, a stale or future date."""
        self._step()
        m = self.ix[k]
        version = self._version(m)
        self._tick()
        inflated = [10**40] * len(m.basket.assets)
        signers = {"alone": [self.a.custodians[0]], "attacker": [self.a.attacker, self.a.custodians[0]]}.get(how, list(self.a.custodians[: m.threshold]))
        report, sigs = self._report(m, version, inflated, signers)
        if how == "stale":
            report = ReserveReport(*report.as_tuple()[:4], self.now - self.max_report_age - 1, report.nonce)
        elif how == "future":
            report = ReserveReport(*report.as_tuple()[:4], self.now + 60, report.nonce)
        if how in ("stale", "future"):
            sigs = sign_many([s.signer for s in signers], self.d.oracle_domain, report)
        if self.paused["oracle"]:
            expected = "guard: paused"
        elif how == "stale":
            last = int(self.d.oracle.last_as_of(m.address))
            expected = "oracle: report not newer" if report.as_of <= last else "oracle: report stale"
        elif how == "future":
            expected = "oracle: report from the future"
        elif how == "alone":
            expected = "attest: too few signers" if m.threshold > 1 else None
        else:
            expected = "attest: unknown signer"
        if expected is None:
            return
        expect_revert(expected, self.d.oracle.post_report, report.as_tuple(), sigs, sender=self.a.attacker.address)

    @rule(k=st.integers(0, 2))
    def replay_report(self, k: int) -> None:
        """A report that was accepted once is refused the second time."""
        self._step()
        m = self.ix[k]
        if m.last_report is None:
            return
        report, sigs = m.last_report
        if self.paused["oracle"]:
            expected = "guard: paused"
        elif report.basket_version not in (self._version(m), int(self.d.registry.pending_version(m.address))):
            expected = "oracle: wrong basket version"
        elif bytes(self.d.registry.basket_hash(m.address, report.basket_version)) != report.basket_hash:
            expected = "oracle: wrong basket"
        else:
            expected = "oracle: bad nonce"
        expect_revert(expected, self.d.oracle.post_report, report.as_tuple(), sigs, sender=self.a.attacker.address)

    @rule(data=st.data(), k=st.integers(0, 2))
    def replay_quote(self, data: Any, k: int) -> None:
        """A quote used once is refused again; a quote from an unlisted PMM never works."""
        self._step()
        m = self.ix[k]
        if not m.used_quotes:
            return
        quote, sig = data.draw(st.sampled_from(m.used_quotes))
        fn = self.d.issuer.request_mint if quote.side == MINT else self.d.issuer.request_redeem
        if self.paused["issuer"]:
            expected = "guard: paused"
        elif self.now > quote.deadline:
            expected = "issuer: quote expired"
        else:
            expected = "issuer: nonce used"
        expect_revert(expected, fn, quote.as_tuple(), sig, 10**30, sender=self.a.wlp.address)
        if not self.paused["issuer"]:
            rogue, rsig = self._quote(m, MINT, 10**18, 100, HOUR, signer=self.a.rogue_pmm)
            expect_revert("issuer: signer not pmm", self.d.issuer.request_mint, rogue.as_tuple(), rsig, 10**30, sender=self.a.wlp.address)

    # --------------------------------------------------------------- baskets ----

    def _variant(self, m: IndexModel, variant: int) -> Basket:
        pool, d = m.pool, m.decimals
        choices = [
            Basket(pool[:3], tuple(_units(d[a], 100, i) for i, a in enumerate(pool[:3]))),
            Basket(pool[:3], tuple(_units(d[a], 50, i) for i, a in enumerate(pool[:3]))),
            Basket((pool[0], pool[1], pool[3]), tuple(_units(d[a], 100, i) for i, a in enumerate(pool[:3]))),
            Basket((pool[3], pool[1]), (_units(d[pool[3]], 80), _units(d[pool[1]], 120))),
        ]
        return choices[variant]

    @rule(k=st.integers(0, 2), variant=st.integers(0, 3), report=st.booleans(), cancel=st.booleans())
    def announce(self, k: int, variant: int, report: bool, cancel: bool) -> None:
        """The compiler announces a basket; the custodians may report for it; it may be withdrawn."""
        self._step()
        m = self.ix[k]
        basket = self._variant(m, variant)
        ids = [asset_id(a) for a in basket.assets]
        if not self.paused["registry"]:
            expect_revert("registry: not compiler", self.d.registry.announce, m.address, ids, list(basket.units), self.now + NOTICE, sender=self.a.attacker.address)
        version, err = try_call(self.d.registry.announce, m.address, ids, list(basket.units), self.now + NOTICE, sender=self.a.compiler.address)
        if self.paused["registry"]:
            assert err == "guard: paused", err
            return
        if m.pending is not None:
            assert err == "registry: basket pending", err
            return
        assert err is None, err
        m.pending, m.pending_version = basket, int(version)
        if report:
            self._honest_report(m, m.pending_version, basket.assets)
        if cancel:
            self._cancel_announcement(m)

    def _cancel_announcement(self, m: IndexModel) -> None:
        expect_revert("registry: not compiler", self.d.registry.cancel_announcement, m.address, sender=self.a.attacker.address)
        self.d.registry.cancel_announcement(m.address, sender=self.a.compiler.address)
        m.pending, m.pending_version = None, 0

    @rule(k=st.integers(0, 2))
    def cancel_announcement(self, k: int) -> None:
        self._step()
        m = self.ix[k]
        if m.pending is None:
            expect_revert("registry: no pending basket", self.d.registry.cancel_announcement, m.address, sender=self.a.compiler.address)
        else:
            self._cancel_announcement(m)

    @rule(k=st.integers(0, 2), wait=st.booleans())
    def activate(self, k: int, wait: bool) -> None:
        """Anyone activates the pending basket; nothing is traded, so the holdings must already cover it."""
        self._step()
        m = self.ix[k]
        if wait and m.pending is not None:
            self._tick(NOTICE)
        _, err = try_call(self.d.registry.activate, m.address, sender=self.a.anyone.address)
        if err is None:
            assert m.pending is not None
            m.basket, m.pending, m.pending_version = m.pending, None, 0
            return
        if self.paused["registry"]:
            assert err == "guard: paused", err
        elif m.pending is None:
            assert err == "registry: no pending basket", err
        else:
            assert err in GATE_REASONS + ("registry: not yet effective",), err
        COUNTERS.refused(err)

    @rule(k=st.integers(0, 2), variant=st.integers(0, 3))
    def rebalance(self, k: int, variant: int) -> None:
        """Announce, wait, trade the holdings into the new basket, report honestly, activate."""
        self._step()
        m = self.ix[k]
        if m.pending is not None or self.paused["registry"] or self.paused["oracle"]:
            return
        basket = self._variant(m, variant)
        version = int(self.d.registry.announce(m.address, [asset_id(a) for a in basket.assets], list(basket.units), self.now + NOTICE, sender=self.a.compiler.address))
        m.pending, m.pending_version = basket, version
        self._tick(NOTICE)
        self.d.issuer.accrue_fee(m.address, sender=self.a.anyone.address)
        claims = int(m.token.totalSupply()) + int(self.d.registry.pending_fee_shares(m.address)) + m.real_open_shares()
        saved = dict(m.held)
        m.held = {a: ceil_units(claims, u) for a, u in zip(basket.assets, self._units_up(m, version))}
        self._honest_report(m, version, basket.assets)
        _, err = try_call(self.d.registry.activate, m.address, sender=self.a.anyone.address)
        if err is None:
            m.basket, m.pending, m.pending_version = basket, None, 0
            return
        # Fake deliveries count as claims, so the gate refuses: the trade is undone.
        assert err == "oracle: reserves short", err
        COUNTERS.refused(err)
        self._cancel_announcement(m)
        m.held = saved

    # ------------------------------------------------------------ time and fee ----

    @rule(seconds=st.sampled_from([1, 600, HOUR, DAY // 2, DAY + 1, 3 * DAY, 20 * DAY]), k=st.integers(0, 2),
          accrue=st.booleans())
    def time_passes(self, seconds: int, k: int, accrue: bool) -> None:
        """Time passes; sometimes someone mints the fee owed to the treasury, sometimes it stays owed."""
        self._step()
        self._tick(seconds)
        if accrue:
            fee = self.d.issuer.accrue_fee(self.ix[k].address, sender=self.a.anyone.address)
            assert fee >= 0

    @rule(days=st.sampled_from([10, 30, 90]), report=st.sampled_from([True, True, False]))
    def fee_skim(self, days: int, report: bool) -> None:
        """The audit's case 2 as a sequence: fee owed and not minted, then a mint of about that many
        shares marked delivered with nothing delivered, an honest report (or none: the last one
        predates the delivery), and a settle attempt."""
        self._step()
        m = next((x for x in self.ix if int(self.d.registry.fee_rate(x.address)) > 0), None)
        if m is None or self.paused["issuer"] or int(m.token.totalSupply()) == 0:
            return
        self._tick(days * DAY)
        owed = int(self.d.registry.pending_fee_shares(m.address))
        if owed < 10**15:
            return
        before = set(m.requests)
        self._request_mint_plain(m, owed)
        new = set(m.requests) - before
        if not new:
            return
        rid = new.pop()
        self.d.issuer.deliver_mint(m.requests[rid].as_tuple(), b"\x03" * 32, sender=self.a.pmm.address)
        m.status[rid] = 2
        if report and not self.paused["oracle"]:
            self._honest_report(m, self._version(m), m.basket.assets)
        self._settle(m, rid)

    # ------------------------------------------------------------------ pause ----

    @rule(which=st.sampled_from(["issuer", "oracle", "registry", "ussi"]))
    def pause_or_unpause(self, which: str) -> None:
        self._step()
        c = self._contract(which)
        if self.paused[which]:
            expect_revert("ownable: caller is not the owner", c.unpause, sender=self.a.guardian.address)
            c.unpause(sender=self.a.owner.address)
        else:
            expect_revert("guard: not guardian", c.pause, sender=self.a.attacker.address)
            c.pause(sender=self.a.guardian.address)
        self.paused[which] = not self.paused[which]

    # --------------------------------------------------------------- timelock ----

    @rule(kind=st.integers(0, 4), k=st.integers(0, 2), pick=st.integers(0, 2))
    def queue_change(self, kind: int, k: int, pick: int) -> None:
        """The owner queues a risky change; an attacker cannot."""
        self._step()
        m = self.ix[k]
        custodians = sorted((c.address for c in self.a.custodians), key=lambda a: int(a, 16))
        if kind == 0:
            age = (DAY // 2, DAY, 2 * DAY)[pick]
            target, data, effect = self.d.oracle, self.d.oracle.set_max_report_age.prepare_calldata(age), ("age", age)
        elif kind == 1:
            threshold = (2, 3, 2)[pick]
            target, data, effect = self.d.oracle, self.d.oracle.set_signers.prepare_calldata(m.address, custodians, threshold), ("threshold", k, threshold)
        elif kind == 2:
            rate = (0, WAD // 50, WAD // 20)[pick]
            target, data, effect = self.d.issuer, self.d.issuer.set_fee_rate.prepare_calldata(m.address, rate), ("fee", k, rate)
        elif kind == 3:
            age = (DAY // 2, DAY, 2 * DAY)[pick]
            target, data, effect = self.d.ussi, self.d.ussi.set_max_nav_age.prepare_calldata(age), ("nav_age", age)
        else:
            target, data, effect = self.d.issuer, self.d.issuer.set_pmm.prepare_calldata(m.address, self.a.pmm.address, True), ("pmm", k)
        salt = next(self.salts).to_bytes(32, "big")
        expect_revert("ownable: caller is not the owner", self.d.timelock.queue, target.address, data, salt, sender=self.a.attacker.address)
        self.d.timelock.queue(target.address, data, salt, sender=self.a.owner.address)
        self.queued.append(QueuedChange(str(target.address), data, salt, self.now + DELAY, effect[0], effect))

    @rule(data=st.data(), wait=st.booleans(), by_guardian=st.sampled_from([False, False, True]))
    def execute_or_cancel_change(self, data: Any, wait: bool, by_guardian: bool) -> None:
        """After the delay anyone executes; before it, it is refused; the guardian may cancel."""
        self._step()
        if not self.queued:
            return
        change = data.draw(st.sampled_from(self.queued))
        args = (change.target, change.data, change.salt)
        if by_guardian:
            change_id = self.d.timelock.change_id(*args)
            expect_revert("timelock: not guardian", self.d.timelock.cancel, change_id, sender=self.a.attacker.address)
            self.d.timelock.cancel(change_id, sender=self.a.guardian.address)
            self.queued.remove(change)
            return
        if wait and self.now < change.eta:
            self._tick(change.eta - self.now)
        _, err = try_call(self.d.timelock.execute, *args, sender=self.a.anyone.address)
        if self.now < change.eta:
            assert err == "timelock: not yet due", err
            return
        self.queued.remove(change)
        if self.now > change.eta + GRACE:
            assert err == "timelock: expired", err
            return
        assert err is None, err
        kind = change.effect[0]
        if kind == "age":
            self.max_report_age = change.effect[1]
        elif kind == "threshold":
            self.ix[change.effect[1]].threshold = change.effect[2]
        elif kind == "nav_age":
            self.u.max_nav_age = change.effect[1]

    # ------------------------------------------------------- wrong callers ----

    def _role_checks(self) -> list[tuple[str, Callable[[], Any]]]:
        d, a, m = self.d, self.a, self.ix[0]
        x, attacker, owner = a.attacker.address, a.attacker.address, a.owner.address
        ids = [asset_id(s) for s in m.basket.assets]
        checks: list[tuple[str, Callable[[], Any]]] = [
            ("issuer: not timelock", lambda: d.issuer.set_wlp(m.address, x, True, sender=owner)),
            ("issuer: not owner", lambda: d.issuer.set_pmm(m.address, a.pmm.address, False, sender=attacker)),
            ("issuer: not timelock", lambda: d.issuer.set_fee_rate(m.address, 0, sender=owner)),
            ("issuer: not timelock", lambda: d.issuer.set_factory(x, sender=owner)),
            ("issuer: not timelock", lambda: d.issuer.set_index_config(m.address, x, 0, 0, DAY, 1, 2, sender=owner)),
            ("issuer: not factory", lambda: d.issuer.register_index(x, d.usdc.address, x, 0, 0, DAY, 1, 2, [], [], sender=attacker)),
            ("ownable: caller is not the owner", lambda: d.issuer.sweep(d.usdc.address, x, sender=attacker)),
            ("ownable: caller is not the owner", lambda: d.issuer.transfer_ownership(x, sender=attacker)),
            ("ownable: caller is not the owner", lambda: d.issuer.set_guardian(x, sender=attacker)),
            ("registry: not issuer", lambda: d.registry.accrue(m.address, sender=attacker)),
            ("registry: not issuer", lambda: d.registry.set_fee_rate(m.address, 0, sender=owner)),
            ("registry: not factory", lambda: d.registry.register_index(x, ids, [1] * len(ids), x, 0, sender=attacker)),
            ("registry: not timelock", lambda: d.registry.set_factory(x, sender=owner)),
            ("ownable: caller is not the owner", lambda: d.registry.set_compiler(m.address, x, sender=attacker)),
            ("ownable: caller is not the owner", lambda: d.registry.set_notice_period(0, sender=attacker)),
            ("ownable: caller is not the owner", lambda: d.registry.register_asset(b"X".ljust(32, b"\0"), "X", 8, sender=attacker)),
            ("registry: oracle set", lambda: d.registry.set_oracle(x, sender=owner)),
            ("registry: issuer set", lambda: d.registry.set_issuer(x, sender=owner)),
            ("oracle: not timelock", lambda: d.oracle.set_max_report_age(DAY, sender=owner)),
            ("oracle: not timelock", lambda: d.oracle.set_signers(m.address, [x], 1, sender=owner)),
            ("oracle: not timelock", lambda: d.oracle.set_factory(x, sender=owner)),
            ("oracle: not factory", lambda: d.oracle.register_index(x, [x], 1, sender=attacker)),
            ("ownable: caller is not the owner", lambda: d.factory.create_index(("N", "N", ids, [1] * len(ids), x, 0, [x], 1, d.usdc.address, x, 0, 0, DAY, 1, 2, [], []), sender=attacker)),
            ("erc20: access is denied", lambda: m.token.mint(x, 1, sender=attacker)),
            ("token: initialized", lambda: m.token.initialize("N", "N", x, sender=attacker)),
            ("ownable: caller is not the owner", lambda: d.timelock.set_guardian(x, sender=attacker)),
            ("timelock: not queued", lambda: d.timelock.execute(x, b"", ZERO32, sender=attacker)),
            ("ussi: not timelock", lambda: d.ussi.set_operator(x, True, sender=owner)),
            ("ussi: not owner or timelock", lambda: d.ussi.set_operator(a.operator.address, False, sender=attacker)),
            ("ussi: not timelock", lambda: d.ussi.set_custody(x, sender=owner)),
            ("ussi: not timelock", lambda: d.ussi.set_signers([x], 1, sender=owner)),
            ("ussi: not timelock", lambda: d.ussi.set_max_nav_move_bps(10, sender=owner)),
            ("ussi: not timelock", lambda: d.ussi.set_request_timeout(HOUR, sender=owner)),
            ("ownable: caller is not the owner", lambda: d.ussi.sweep(d.usdc.address, x, sender=attacker)),
        ]
        return checks

    @rule(data=st.data())
    def wrong_caller(self, data: Any) -> None:
        """A role's function called by someone else is refused with its exact reason."""
        self._step()
        checks = self._role_checks()
        reason, call = checks[data.draw(st.integers(0, len(checks) - 1))]
        expect_revert(reason, call)

    # ----------------------------------------------- donations, fee tokens ----

    @rule(where=st.sampled_from(["issuer", "ussi"]), what=st.sampled_from(["usdc", "fot", "index"]), amount=st.integers(1, 10**8))
    def donate(self, where: str, what: str, amount: int) -> None:
        """Tokens sent straight to the Issuer or USSI: stray until the owner sweeps them."""
        self._step()
        to = self._contract(where).address
        if what == "index":
            token = self.ix[0].token
            amount = min(amount * 10**9, int(token.balanceOf(self.a.wlp.address)))
            if amount == 0:
                return
            token.transfer(to, amount, sender=self.a.wlp.address)
            received = amount
        else:
            token = getattr(self.d, what)
            token.mint(self.a.attacker.address, amount)
            before = int(token.balanceOf(to))
            token.transfer(to, amount, sender=self.a.attacker.address)
            received = int(token.balanceOf(to)) - before
        key = (where, str(token.address))
        self.stray[key] = self.stray.get(key, 0) + received

    @rule(where=st.sampled_from(["issuer", "ussi"]), what=st.sampled_from(["usdc", "fot", "index", "ussi"]))
    def sweep(self, where: str, what: str) -> None:
        """The owner sweeps what exceeds escrow, never escrow itself."""
        self._step()
        c = self._contract(where)
        token = self.ix[0].token if what == "index" else self._contract(what) if what == "ussi" else getattr(self.d, what)
        key = (where, str(token.address))
        stray = self.stray.get(key, 0)
        prefix = "issuer" if where == "issuer" else "ussi"
        before = int(token.balanceOf(self.a.owner.address))
        _, err = try_call(c.sweep, token.address, self.a.owner.address, sender=self.a.owner.address)
        if stray == 0:
            assert err == f"{prefix}: nothing to sweep", err
            return
        assert err is None, err
        self.stray[key] = 0
        got = int(token.balanceOf(self.a.owner.address)) - before
        fee = stray * self.fot_fee // 10_000 if token is self.d.fot else 0
        assert got == stray - fee, f"swept {got}, stray was {stray}"

    @rule(bps=st.sampled_from([0, 100]))
    def set_transfer_fee(self, bps: int) -> None:
        """The FOT cash token switches its fee on or off (as some real tokens can)."""
        self._step()
        self.d.fot.set_fee_bps(bps)
        self.fot_fee = bps

    # ------------------------------------------------------------------- USSI ----

    @rule(move=st.integers(-900, 900), replay=st.booleans())
    def post_nav(self, move: int, replay: bool) -> None:
        """The strategy signers post a NAV within the move bound, paused or not; a replay fails."""
        self._step()
        self._tick()
        nav = 1000 * WAD if self.u.nav == 0 else self.u.nav * (10_000 + move) // 10_000
        report = NavReport(nav, 2 * WAD, self.now, self.u.nonce)
        sigs = sign_many([s.signer for s in self.a.strategists], self.d.ussi_domain, report)
        self.d.ussi.post_nav(report.as_tuple(), sigs, sender=self.a.anyone.address)
        self.u.nav, self.u.nav_as_of, self.u.nonce = nav, self.now, self.u.nonce + 1
        self.u.last_nav = (report, sigs)
        if replay:
            expect_revert("ussi: bad nonce", self.d.ussi.post_nav, report.as_tuple(), sigs, sender=self.a.attacker.address)

    @rule(kind=st.sampled_from([0, 1, 2]), amount=st.integers(1, 10**9))
    def ussi_request(self, kind: int, amount: int) -> None:
        """The holder asks to mint with cash or index shares, or to redeem USSI."""
        self._step()
        u, wlp = self.d.ussi, self.a.wlp.address
        if kind == 0:
            self._fund(self.d.usdc, wlp, u.address, amount)
        elif kind == 1:
            amount = min(amount * 10**9, int(self.ix[0].token.balanceOf(wlp)))
            self.ix[0].token.approve(u.address, amount, sender=wlp)
        else:
            amount = min(amount * 10**12, int(u.balanceOf(wlp)))
        if amount == 0:
            return
        fn = u.request_redeem if kind == 2 else None
        rid, err = try_call(fn, amount, 0, sender=wlp) if kind == 2 else try_call(u.request_mint, kind, amount, 0, sender=wlp)
        if self.paused["ussi"]:
            assert err == "guard: paused", err
            return
        assert err is None, err
        self.u.requests[rid] = UssiRequest(rid, kind, wlp, amount, 0, self.now, self.now + TIMEOUT)
        self.u.status[rid] = 1

    def _nav_reason(self, request: UssiRequest) -> str | None:
        if self.u.nav_as_of == 0:
            return "ussi: no nav"
        if self.now - self.u.nav_as_of > self.u.max_nav_age:
            return "ussi: nav stale"
        if self.u.nav_as_of <= request.requested_at:
            return "ussi: nav before request"
        return None

    @rule(data=st.data())
    def ussi_settle_or_fill(self, data: Any) -> None:
        """The operator settles a mint (not while paused) or fills a redemption (even while paused)."""
        self._step()
        rid = self._pick(data, self.u.open_ids())
        if rid is None:
            return
        request, u = self.u.requests[rid], self.d.ussi
        intruder = "guard: paused" if request.kind != 2 and self.paused["ussi"] else "ussi: not operator"
        expect_revert(intruder, u.settle_mint if request.kind != 2 else u.fill_redeem, request.as_tuple(), sender=self.a.attacker.address)
        if request.kind == 2:
            cash = request.amount * self.u.nav // (WAD * 10**12)
            self._fund(self.d.usdc, self.a.operator.address, u.address, cash + 1)
            _, err = try_call(u.fill_redeem, request.as_tuple(), sender=self.a.operator.address)
            expected = self._nav_reason(request) or ("ussi: below min out" if cash == 0 else None)
        else:
            _, err = try_call(u.settle_mint, request.as_tuple(), sender=self.a.operator.address)
            expected = "guard: paused" if self.paused["ussi"] else self._nav_reason(request)
            if expected is None:
                price = 10**12 * WAD if request.kind == 0 else 2 * WAD
                if request.amount * price // self.u.nav == 0:
                    expected = "ussi: below min out"
        assert err == expected, f"expected {expected!r}, got {err!r}"
        if err is None:
            self.u.status[rid] = 2

    @rule(data=st.data(), reject=st.booleans())
    def ussi_refund(self, data: Any, reject: bool) -> None:
        """The operator rejects, or the owner cancels after the timeout; both paused or not."""
        self._step()
        rid = self._pick(data, self.u.open_ids())
        if rid is None:
            return
        request, u = self.u.requests[rid], self.d.ussi
        if reject:
            u.reject(request.as_tuple(), ZERO32, sender=self.a.operator.address)
            self.u.status[rid] = 4
            return
        expect_revert("ussi: not request owner", u.cancel, request.as_tuple(), sender=self.a.attacker.address)
        if self.now < request.cancel_after:
            expect_revert("ussi: too early to cancel", u.cancel, request.as_tuple(), sender=request.owner)
            self._tick(request.cancel_after - self.now)
        u.cancel(request.as_tuple(), sender=request.owner)
        self.u.status[rid] = 3

    # ------------------------------------------------------------- invariants ----

    @invariant()
    def invariants_hold(self) -> None:
        if not hasattr(self, "ix"):
            return
        try:
            self._check_all()
        except AssertionError:
            self._failed = True
            raise

    def _check_all(self) -> None:
        d, a = self.d, self.a
        holders = [a.wlp.address, a.treasury.address, d.issuer.address, d.ussi.address, a.custody.address, a.owner.address]
        cash_escrow: dict[str, int] = {}
        for m in self.ix:
            token = m.address
            # Only index 0 is deposited in USSI, so only its shares reach USSI and the custody wallet.
            owners = holders if m is self.ix[0] else holders[:3] + holders[5:]
            balances = [int(m.token.balanceOf(h)) for h in owners]
            supply, balances_sum, issuer_balance = int(m.token.totalSupply()), sum(balances), balances[2]
            fee_shares = int(d.registry.pending_fee_shares(token)) if supply else 0
            units_up = self._units_up(m) if supply or m.real_open_shares() else []
            escrowed, next_nonce = int(d.issuer.escrowed(token)), int(d.oracle.next_nonce(token))
            # 1. real holdings cover every claim, per asset.
            claims = supply + fee_shares + m.real_open_shares()
            if claims:
                for asset, u in zip(m.basket.assets, units_up):
                    need = ceil_units(claims, u)
                    assert m.held.get(asset, 0) >= need, f"{m.label} {asset}: custodian holds {m.held.get(asset, 0)}, claims need {need}"
                    COUNTERS.checks += 1
            # 5. supply equals the sum of balances.
            assert supply == balances_sum, f"{m.label}: supply {supply} != sum of balances {balances_sum}"
            # 2. index shares held by the Issuer: escrow of open redemptions plus strays.
            escrow = m.escrow_shares()
            assert escrowed == escrow, f"{m.label}: escrowed shares {escrowed}, open redemptions {escrow}"
            stray = self.stray.get(("issuer", token), 0)
            assert issuer_balance == escrow + stray, f"{m.label}: issuer holds {issuer_balance} shares, escrow {escrow} + stray {stray}"
            cash = str(m.cash.address)
            cash_escrow[cash] = cash_escrow.get(cash, 0) + m.escrow_cash()
            # 3. reserve report nonces: each accepted report used one.
            assert next_nonce == m.reports, f"{m.label}: oracle nonce {next_nonce}, accepted reports {m.reports}"
            # 6. statuses of open requests.
            for rid in m.open_ids():
                got = int(d.issuer.request_status(rid))
                assert got == m.status[rid], f"{m.label}: request {rid} status {got}, expected {m.status[rid]}"
            COUNTERS.checks += 5
        # 2. the Issuer's cash: escrow of open mints plus strays, per cash token.
        cash_tokens = [str(d.usdc.address), str(d.fot.address)]
        for token_, key in zip((d.usdc, d.fot), cash_tokens):
            e, h = int(d.issuer.escrowed(key)), int(token_.balanceOf(d.issuer.address))
            assert e == cash_escrow.get(key, 0), f"issuer cash escrow {e}, open mints {cash_escrow.get(key, 0)}"
            assert h == e + self.stray.get(("issuer", key), 0), f"issuer holds {h} cash, escrow {e} + stray"
            COUNTERS.checks += 2
        # USSI: escrow per token, balances, supply, NAV nonce.
        u = d.ussi
        tokens = [str(d.usdc.address), self.ix[0].address, str(u.address)]
        for kind, (token_, key) in enumerate(zip((d.usdc, self.ix[0].token, u), tokens)):
            e, h = int(u.escrowed(key)), int(token_.balanceOf(u.address))
            assert e == self.u.escrow(kind), f"ussi escrow kind {kind}: {e} != {self.u.escrow(kind)}"
            assert h == e + self.stray.get(("ussi", key), 0), f"ussi holds {h} of kind {kind}, escrow {e} + stray"
        supply = int(u.totalSupply())
        total = sum(int(u.balanceOf(h)) for h in (a.wlp.address, u.address, a.owner.address))
        assert supply == total, "ussi supply != sum of balances"
        assert int(u.next_nonce()) == self.u.nonce, "nav nonce"
        COUNTERS.checks += 8

    # --------------------------------------------------------------- teardown ----

    def _close_everything(self) -> None:
        """Past every timeout, paused or not: every request closes and nothing is left behind."""
        latest = max(
            [r.cancel_after for m in self.ix for r in m.requests.values()]
            + [r.cancel_after for r in self.u.requests.values()] + [self.now]
        )
        self._tick(latest - self.now + 1)
        for m in self.ix:
            for rid in m.open_ids():
                request = m.requests[rid]
                _, err = try_call(self.d.issuer.cancel, request.as_tuple(), sender=self.a.wlp.address)
                if err == "issuer: backed, settle it":
                    assert self._settle(m, rid) is None, "a backed mint must settle"
                    continue
                assert err is None, f"cancel of request {rid} after its timeout: {err!r}"
                if m.status[rid] == 2:
                    self._owe_back(m, rid)
                m.status[rid] = 4
        for rid in self.u.open_ids():
            self.d.ussi.cancel(self.u.requests[rid].as_tuple(), sender=self.a.wlp.address)
            self.u.status[rid] = 3
        self._check_all()
        for c in (self.d.issuer, self.d.ussi):
            tokens = [self.d.usdc, self.d.fot, self.d.ussi] + [m.token for m in self.ix]
            for token in tokens:
                assert int(c.escrowed(token.address)) == 0, "escrow left after closing"
                if int(token.balanceOf(c.address)) > 0:
                    c.sweep(token.address, self.a.owner.address, sender=self.a.owner.address)
                assert int(token.balanceOf(c.address)) == 0, "tokens left after closing"
        COUNTERS.checks += 1
