"""`make demo-operators` and `make bench-operators` (ape run operators demo|bench), run in-process on the test's chain."""

from __future__ import annotations

import pytest


@pytest.fixture
def scratch_env(monkeypatch, tmp_path):
    """The demo points SSI_DEPLOYMENTS_DIR and SSI_OPERATOR_STATE at a directory of its own: restored after."""
    monkeypatch.setenv("SSI_DEPLOYMENTS_DIR", str(tmp_path / "deployments"))
    monkeypatch.setenv("SSI_OPERATOR_STATE", str(tmp_path / "journals"))


def test_demo__mint_redemption_two_arbitrage_rounds_and_a_rebalance_with_only_the_requests(
        project, chain, accounts, scratch_env):
    from ape import accounts as manager

    from ssi.operators.showcase import demo

    lines: list[str] = []
    out = demo(project, chain, manager, lines.append)
    text = "\n".join(lines)
    assert out["errors"] == []
    assert "settled" in text and "filled, basket released and reported" in text
    first, second = out["arb_rounds"]
    assert first["action"] == "mint_and_sell" and first["outcome"].startswith("sold") and first["profit"] > 0
    assert second["action"] == "buy_and_redeem" and "filled" in second["outcome"] and second["profit"] > 0
    assert "keeper activated it" in text
    actions = out["actions"]
    for needed in ("pmm: deliver mint request", "pmm: fill redeem request", "custodian: release", "custodian: report",
                   "keeper: settle mint request", "keeper: activate", "pmm: trade", "arbitrage: request mint",
                   "arbitrage: sell the minted shares", "arbitrage: buy shares in the pool",
                   "arbitrage: request redeem"):
        assert any(a.startswith(needed) for a in actions), needed
    assert not any("REFUSED" in a and not a.startswith("arbitrage: REFUSED waiting for a pool") for a in actions), \
        [a for a in actions if "REFUSED" in a]


def test_bench__prints_blocks_counted_under_three(project, chain, scratch_env):
    from ape import accounts as manager

    from ssi.operators.showcase import bench

    result = bench(project, chain, manager, n=3, echo=lambda _: None)
    assert result["errors"] == [] and result["requests"] == 3
    assert result["blocks_counted"]["max"] < 3
    assert result["blocks_request_to_settle"]["median"] == result["blocks_counted"]["median"] + \
        result["blocks_pmm_local_transfers"]["median"] + result["blocks_custodian_wait"]["median"]
