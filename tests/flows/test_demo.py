"""`ape run demo`: the whole MAG7.ssi story on anvil, through the script's click command."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import ape
import pytest
from ape import networks
from click.testing import CliRunner

from ssi.ops.demo import Story, run

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "demo.py"


def _demo_cli():
    spec = importlib.util.spec_from_file_location("ops_script_demo", SCRIPT)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def test_demo__script__tells_the_story_and_prints_the_summary():
    result = CliRunner(mix_stderr=False).invoke(_demo_cli(), [], obj={"provider": networks.active_provider})
    assert result.exit_code == 0, (result.stderr, result.exception)
    out = result.stdout
    for step in ("[ 1] deploy the protocol and MAG7.ssi", "[ 2] WLP mints 1,000 shares",
                 "[ 3] a month later: compiler rebalances to the 2025-02-25 weights",
                 "[ 4] notice period over", "[ 5] management fee accrues", "[ 6] WLP redeems 400 shares"):
        assert step in out
    assert "basket v2 is current" in out
    assert "Summary" in out and "600.38 shares" in out  # 600 for the WLP, 0.38 fee shares for the treasury


@pytest.fixture
def summary(project, chain):
    lines: list[str] = []
    return run(project, chain, ape.accounts, networks.active_provider, echo=lines.append, story=Story()), lines


def test_demo__final_state__backed_rebalanced_fees_paid(summary):
    s, _ = summary
    assert s["index"] == "MAG7.ssi" and s["basket_version"] == 2
    # 600 shares left with the WLP, plus the management fee paid to the treasury in shares (the
    # redemption's fill mints the few seconds of fee after the demo's explicit accrual).
    assert s["supply"] == pytest.approx(600.0 + s["management_fee_shares"], abs=1e-5)
    assert s["supply"] >= 600.0 + s["management_fee_shares"]
    assert s["open_requests"] == 0
    # Every asset is covered by the last custodian report, fee shares included, with no surplus.
    assert 100.0 <= s["min_coverage_pct"] < 100.01
    # 10 bps on the mint's and the redemption's cash, rounded up.
    assert s["creation_redemption_fees_usdc"] == pytest.approx(102.534353 + 30.108526, abs=1e-5)
    # 0.5% a year for the 28 days the chain moved: 0.0383%.
    assert s["fee_taken_pct"] == pytest.approx(0.5 * 28 / 365.25, rel=0.01)
    # The fee shares are what the factor took from the 1,000 shares held over the 28 days.
    assert s["management_fee_shares"] == pytest.approx(1000 * s["fee_taken_pct"] / 100, rel=1e-3)
    assert s["nav_per_share"] == pytest.approx(75.42, abs=0.01)
