"""The protocol state machine on titanoboa in CI: a fixed (derandomized) run of 1,000+ steps with
every invariant checked after each step, and the EIP-712 digests the fuzzer signs checked
against the contracts' own. ``make fuzz`` runs the same machine at 10,000 steps."""

from __future__ import annotations

import time
from pathlib import Path

from ssi.chain.eip712 import NavReport, Quote, ReserveReport, digest
from ssi.fuzz import machine
from ssi.fuzz.run import run

CI_STEPS = 1_000


def test_python_digests__equal_the_contracts_digests():
    w = machine.world()
    d, m = w.d, w.indices[0]
    quote = Quote(m.address, 1, 10**18, 123, str(d.usdc.address), w.actors.wlp.address, 2**40, 7)
    assert bytes(d.issuer.quote_digest(quote.as_tuple())) == digest(d.issuer_domain, quote)
    h = bytes(d.registry.basket_hash(m.address, 1))
    report = ReserveReport(m.address, 1, h, (1, 2, 3), 1_700_000_000, 4)
    assert bytes(d.oracle.report_digest(report.as_tuple())) == digest(d.oracle_domain, report)
    nav = NavReport(1000 * 10**18, 2 * 10**18, 1_700_000_000, 0)
    assert bytes(d.ussi.nav_digest(nav.as_tuple())) == digest(d.ussi_domain, nav)


def test_state_machine__1000_steps__every_invariant_holds():
    machine.world()  # compile outside the timed part
    started = time.perf_counter()
    # Hypothesis ends some examples a few steps short: ask for 10% more than the floor.
    result = run(CI_STEPS + CI_STEPS // 10, derandomize=True)
    elapsed = time.perf_counter() - started
    print(f"\n{result.summary()} in {elapsed:.0f} s")
    assert result.failure is None
    assert result.steps >= CI_STEPS
    # Every step checks at least the escrow, supply and nonce invariants of three indices and USSI.
    assert result.checks >= 20 * result.steps
    # The refusals the machine expects were really exercised, not skipped.
    for reason in ("oracle: reserves short", "oracle: report predates flows"):
        assert machine.COUNTERS.reasons.get(reason, 0) > 0, machine.COUNTERS.reasons


def test_planted_bugs__each_applies_to_exactly_one_place(tmp_path):
    """`make fuzz-planted` must plant every bug it names: each substitution matches the sources once
    (a refactor of the contracts that moves the text fails here, not hours later)."""
    from ssi.fuzz.planted import BUGS, plant

    for bug in BUGS:
        copy = plant(bug, tmp_path / bug.name)
        planted = (copy / bug.file).read_text()
        original = (Path(__file__).resolve().parents[2] / "contracts" / bug.file).read_text()
        assert planted != original, bug.name
