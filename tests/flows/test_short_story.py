"""The short protocol story (deploy → mint → report → settle → redeem) runs end to end."""

from __future__ import annotations

from ssi.ops_demo import run_demo


def test_short_story__runs_and_leaves_no_escrow(project, chain, accounts):
    lines: list[str] = []
    summary = run_demo(project, chain, list(accounts)[:10], echo=lines.append)
    assert summary["supply"] == 50.0
    assert summary["issuer_escrow_usdc"] == 0
    # Creation fee on 2,990 USDC and redemption fee on 1,495 USDC, 10 bps each.
    assert abs(summary["treasury_fees_usdc"] - (2.99 + 1.495)) < 1e-6
    assert any("reserve report" in line for line in lines)
