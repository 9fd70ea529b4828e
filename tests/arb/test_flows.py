"""Arbitrage on anvil: the bot holds the pool price inside the no-arbitrage band around NAV.

The venue (``conftest.py``): a 3-asset index (BTC, ETH, SOL priced from the bundled closes)
at 100 USD per share, 10 and 10 bps creation and redemption fees, and a 0.3% pool of 10,000
shares seeded at NAV. Tests move the NAV by scaling the asset prices the bot reads; the pool
stays where it is.

What "profit" means here (``ssi.arb.bot``): ``realised_gross`` is the change of the WLP's cash
balance over the round (pool fee and protocol fee paid); ``realised_profit`` subtracts the
gas of the WLP's own transactions priced at 1 gwei and ETH's close. The model's
``predicted_profit`` is ``decide``'s exact-integer profit minus the gas the bot planned with;
``predicted_gross`` is the same before gas. Both sides count the same legs.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from ssi.arb.bot import GasModel, RoundRecord, Venue, run_round, run_shocks
from ssi.chain.localchain import custodian_holdings
from ssi.arb.prices import BundledPrices, ScaledPrices, random_shock
from ssi.chain.protocol import required_reserve
from tests.invariants import check_backing, check_escrow

SETTLED = 3
ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(autouse=True)
def venue_history(venue):
    """Ape reverts the chain after each test: forget the requests the test opened too."""
    saved = list(venue.requests)
    yield
    venue.requests[:] = saved


def nav_moved(venue: Venue, base, pool_over_nav: float) -> ScaledPrices:
    """Prices under which the pool (seeded at NAV) trades at ``pool_over_nav`` times NAV."""
    return ScaledPrices(base, {s: 1 / pool_over_nav for s in venue.symbols})


def invariants(venue: Venue):
    """DESIGN.md invariants 1 and 2, plus: the custodian really holds what backs the supply."""
    dep = venue.deployment
    units = venue.units(round_up=True)  # no management fee on this venue: units are fixed
    final: set[int] = set()  # settled, cancelled or rejected requests stay so

    def check(step: str) -> None:
        # Requests already final hold no escrow: passing only the others keeps each check cheap.
        candidates = [r for r in venue.requests if r.id not in final]
        check_escrow(dep.issuer, venue.cash, [venue.token], candidates)
        final.update(r.id for r in candidates if int(dep.issuer.request_status(r.id)) >= SETTLED)
        check_backing(dep.registry, dep.oracle, venue.token)
        supply = int(venue.token.totalSupply())
        held = custodian_holdings(venue.assets, str(venue.roles.custodian.address), venue.symbols)
        for symbol, amount in zip(venue.symbols, held):
            assert amount >= required_reserve(supply, units[symbol]), (step, symbol)

    return check


def assert_round_matches_model(record: RoundRecord, venue: Venue) -> None:
    assert record.realised_gross == record.predicted_gross  # the integer model is exact
    assert record.realised_profit > 0
    assert record.realised_profit == pytest.approx(record.predicted_profit, rel=0.01)
    assert record.shares_after == record.shares_before  # every share bought or minted is gone
    assert record.premium_after == pytest.approx(record.plan.premium_after, abs=1e-12)
    low, high = record.fee_band
    assert low <= record.premium_after <= high
    for request in record.requests:
        assert int(venue.deployment.issuer.request_status(request.id)) == SETTLED


# One round ------------------------------------------------------------------


def test_round__pool_5pct_above_nav__mints_and_sells_into_the_band_at_the_predicted_profit(
    venue, arb_prices, arb_gas
):
    steps: list[str] = []
    check = invariants(venue)

    def on_step(name: str) -> None:
        steps.append(name)
        check(name)

    record = run_round(venue, nav_moved(venue, arb_prices, 1.05), arb_gas, on_step=on_step)

    assert record.action == "mint_and_sell"
    assert record.premium_before == pytest.approx(0.05, rel=1e-9)
    assert steps == ["request_mint", "deliver_basket", "deliver_mint", "post_report",
                     "settle_mint", "sell_in_pool"]
    assert_round_matches_model(record, venue)
    assert record.premium_after > 0  # sold down to the band's upper side, not through it
    assert record.gas_cost > 0 and record.realised_profit == record.realised_gross - record.gas_cost


def test_round__pool_5pct_below_nav__buys_and_redeems_into_the_band_at_the_predicted_profit(
    venue, arb_prices, arb_gas
):
    steps: list[str] = []
    check = invariants(venue)
    pmm_assets_before = [int(venue.assets[s].balanceOf(venue.roles.pmm)) for s in venue.symbols]

    def on_step(name: str) -> None:
        steps.append(name)
        check(name)

    record = run_round(venue, nav_moved(venue, arb_prices, 0.95), arb_gas, on_step=on_step)

    assert record.action == "buy_and_redeem"
    assert record.premium_before == pytest.approx(-0.05, rel=1e-9)
    assert steps == ["buy_in_pool", "request_redeem", "fill_redeem", "release_basket"]
    assert_round_matches_model(record, venue)
    assert record.premium_after < 0
    # the custodian released the redeemed basket to the PMM
    [request] = record.requests
    units = venue.units()
    for symbol, before in zip(venue.symbols, pmm_assets_before):
        released = request.shares * units[symbol] // 10**36
        assert int(venue.assets[symbol].balanceOf(venue.roles.pmm)) == before + released > before


@pytest.mark.parametrize("pool_over_nav", [1.002, 0.998, 1.0])
def test_round__inside_the_band__does_nothing(venue, arb_prices, arb_gas, pool_over_nav):
    dep = venue.deployment
    reserves = venue.pool.reserves()
    count = int(dep.issuer.request_count())
    block = int(venue.chain.blocks.head.number)

    record = run_round(venue, nav_moved(venue, arb_prices, pool_over_nav), arb_gas)

    assert record.action == "none"
    assert record.reason == "inside the no-arbitrage band"
    assert record.fee_band[0] < record.premium_before < record.fee_band[1]
    assert record.steps == [] and record.realised_profit == 0
    assert venue.pool.reserves() == reserves
    assert int(dep.issuer.request_count()) == count
    assert int(venue.chain.blocks.head.number) == block


def test_round__dry_run__plans_the_trade_and_sends_nothing(venue, arb_prices, arb_gas):
    block = int(venue.chain.blocks.head.number)
    lines: list[str] = []

    record = run_round(venue, nav_moved(venue, arb_prices, 1.05), arb_gas, dry_run=True,
                       log=lines.append)

    assert record.action == "mint_and_sell" and record.dry_run
    assert record.plan.expected_profit > 0 and record.steps == []
    assert int(venue.chain.blocks.head.number) == block
    assert lines[-1].startswith(f"  plan: mint {record.plan.amount_in} share-wei for ")


def test_round__gas_above_the_edge_profit__does_nothing(venue, arb_prices):
    """A 0.7% premium pays about 20 cash before gas; 1000 gwei at ETH's price costs more."""
    costly = GasModel(gas_price_wei=1_000 * 10**9)
    record = run_round(venue, nav_moved(venue, arb_prices, 1.007), costly)
    assert record.action == "none"
    assert record.band[1] > record.premium_before > record.fee_band[1]


def test_round__gas_estimate__learns_the_measured_gas(venue, arb_prices):
    gas = GasModel(gas_price_wei=10**9, estimate={"mint_and_sell": 1, "buy_and_redeem": 1})
    record = run_round(venue, nav_moved(venue, arb_prices, 1.05), gas)
    assert gas.estimate["mint_and_sell"] == record.gas_wlp > 300_000
    assert gas.estimate["buy_and_redeem"] == 1


# Fifty shocks -----------------------------------------------------------------


def test_shocks__50_seeded_nav_shocks__band_and_invariants_hold_after_every_round(
    venue, arb_prices, arb_gas
):
    check = invariants(venue)
    rounds: list[RoundRecord] = []

    def after_round(record: RoundRecord) -> None:
        rounds.append(record)
        check("after round")
        if record.action == "none":
            # nothing pays after gas: the premium is inside the band that includes gas
            low, high = record.band
            assert low - 1e-6 <= record.premium_after <= high + 1e-6
        else:
            assert record.realised_gross == record.predicted_gross
            low, high = record.fee_band  # a trade lands inside the narrower, fees-only band
            assert low <= record.premium_after <= high

    run = run_shocks(venue, arb_prices, arb_gas, shocks=50, seed=7, sigma=0.02,
                     on_step=check, after_round=after_round)

    assert len(rounds) == 50
    summary = run.summary()
    assert summary["rounds"]["mint_and_sell"] > 0 and summary["rounds"]["buy_and_redeem"] > 0
    assert summary["premium_after_max_abs"] < summary["premium_before_max_abs"]
    assert summary["premium_after_mean_abs"] < summary["premium_before_mean_abs"]
    assert summary["total_profit"] > 0
    assert summary["total_profit"] == pytest.approx(summary["total_predicted_profit"], rel=0.01)


# Price sources (no chain) ------------------------------------------------------


def test_bundled_prices__at_a_date__are_the_bundled_closes():
    from ssi.arb.prices import bundled_market

    prices = BundledPrices.at("2025-06-02", ["BTC", "ETH"])
    market = bundled_market()
    assert prices.price("BTC") == market.price.loc[pd.Timestamp("2025-06-02"), "BTC"]
    aliased = BundledPrices.at("2025-06-02", ["BTC"], aliases={"A1": "BTC"})
    assert aliased.price("A1") == prices.price("BTC")


def test_bundled_prices__date_outside_the_data__raises():
    expected = r"^date 1999-01-01 outside the bundled data \(2019-12-01 to 2026-03-19\)$"
    with pytest.raises(ValueError, match=expected):
        BundledPrices.at("1999-01-01")


def test_bundled_prices__unknown_symbol__raises():
    with pytest.raises(KeyError, match="no bundled price for 'NOPE' on 2025-06-02"):
        BundledPrices.at("2025-06-02", ["NOPE"])
    with pytest.raises(KeyError, match="no bundled price for 'DOGE' on 2025-06-02"):
        BundledPrices.at("2025-06-02", ["BTC"]).price("DOGE")


def test_scaled_prices__multiply_and_reject_bad_factors():
    base = BundledPrices.at("2025-06-02", ["BTC", "ETH"])
    scaled = ScaledPrices(base, {"BTC": 2.0})
    assert scaled.price("BTC") == 2 * base.price("BTC")
    assert scaled.price("ETH") == base.price("ETH")
    with pytest.raises(ValueError, match="factor for 'BTC' must be positive, got 0.0"):
        ScaledPrices(base, {"BTC": 0.0})


def test_random_shock__is_seeded_and_mean_one():
    a = random_shock(np.random.default_rng(3), ["X", "Y"], 0.02)
    b = random_shock(np.random.default_rng(3), ["X", "Y"], 0.02)
    assert a == b
    many = [random_shock(np.random.default_rng(i), ["X"], 0.02)["X"] for i in range(2000)]
    assert np.mean(many) == pytest.approx(1.0, abs=0.002)


def test_gas_model__prices_gas_in_cash_base_units():
    prices = ScaledPrices(BundledPrices.at("2025-06-02", ["ETH"]), {})
    eth = prices.price("ETH")
    gas = GasModel(gas_price_wei=2 * 10**9)
    # 100k gas at 2 gwei = 2e-4 ETH
    assert gas.cost(100_000, prices, 6) == pytest.approx(2e-4 * eth * 10**6, abs=1)
    assert GasModel(gas_price_wei=0).cost(100_000, prices, 6) == 0
    assert GasModel(native_price=3_000.0).cost(10**6, prices, 6) == 3_000_000


# The script ------------------------------------------------------------------------


def _ape_run(*args: str) -> subprocess.CompletedProcess:
    ape = str(Path(sys.executable).with_name("ape"))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}  # this checkout's `ssi`, not the editable one
    return subprocess.run([ape, "run", "arb", *args], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=120)


def test_script_once__dry_run_json__prints_the_plan_and_exits_zero():
    import json

    done = _ape_run("once", "--dry-run", "--json")
    assert done.returncode == 0, done.stderr
    record = json.loads(done.stdout.strip().splitlines()[-1])
    assert record["action"] == "mint_and_sell" and record["dry_run"] is True
    assert record["premium_before"] == pytest.approx(0.05, rel=1e-6)
    assert record["predicted_profit"] > 0 and record["steps"] == []


def test_script_once__date_outside_the_data__one_line_error_exit_1():
    done = _ape_run("once", "--date", "1999-01-01")
    assert done.returncode == 1
    expected = "error: date 1999-01-01 outside the bundled data (2019-12-01 to 2026-03-19)\n"
    assert done.stderr.endswith(expected)
    assert "Traceback" not in done.stderr


def test_script_watch__bounded_rounds__one_json_record_per_round():
    import json

    done = _ape_run("watch", "--rounds", "2", "--interval", "0", "--json")
    assert done.returncode == 0, done.stderr
    records = [json.loads(line) for line in done.stdout.splitlines() if line.startswith("{")]
    assert len(records) == 2
    assert records[0]["action"] == "mint_and_sell" and records[0]["realised_profit"] > 0


def test_script_bench__prints_the_figures_as_json_and_a_table():
    import json

    done = _ape_run("bench", "--shocks", "3", "--seed", "1")
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout.strip().splitlines()[-1])
    assert summary["shocks"] == 3 and sum(summary["rounds"].values()) == 3
    for key in ("premium_before_mean_abs", "premium_before_max_abs", "premium_after_mean_abs",
                "premium_after_max_abs", "total_profit", "gas_per_round"):
        assert key in summary
    assert "mean |premium|" in done.stderr and "total profit (cash)" in done.stderr
