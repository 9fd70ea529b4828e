"""Pure-Python properties of ``ssi.arb.model`` (no chain)."""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from ssi.arb import model as arb

# Strategies ---------------------------------------------------------------

depths = st.floats(min_value=1e3, max_value=1e8)  # sqrt(x*y), whole units
navs = st.floats(min_value=0.05, max_value=5e4)
premiums = st.floats(min_value=-0.5, max_value=1.0)
pool_fees = st.integers(min_value=0, max_value=100)
protocol_fees = st.integers(min_value=0, max_value=100)


def pool_at(depth: float, nav: float, prem: float, fee_bps: int = 30) -> arb.PoolState:
    """A pool of depth sqrt(x*y) = depth whose spot price is nav * (1 + prem)."""
    price = nav * (1 + prem)
    x = depth / math.sqrt(price)
    y = depth * math.sqrt(price)
    return arb.PoolState(int(x * 10**18), int(y * 10**6), fee_bps)


# NAV, prices, premium ------------------------------------------------------


def test_nav_per_share__units_per_share_times_1e18__sums_asset_values():
    units = {
        "BTC": 100_000 * 10**18,  # 0.001 BTC (8 decimals) per share
        "ETH": 10**16 * 10**18,  # 0.01 ETH (18 decimals) per share
    }
    decimals = {"BTC": 8, "ETH": 18}
    prices = arb.DictPriceSource({"BTC": 60_000.0, "ETH": 3_000.0})
    assert arb.nav_per_share(units, decimals, prices) == pytest.approx(90.0, rel=1e-15)


def test_dict_price_source__is_a_price_source_and_names_missing_symbols():
    prices = arb.DictPriceSource({"BTC": 1.0})
    assert isinstance(prices, arb.PriceSource)
    with pytest.raises(KeyError, match="no price for 'ETH'"):
        prices.price("ETH")


def test_dict_price_source__non_positive_price__raises():
    with pytest.raises(ValueError, match="positive"):
        arb.DictPriceSource({"BTC": 0.0}).price("BTC")


def test_nav_per_share__missing_decimals__raises():
    with pytest.raises(KeyError, match="no decimals"):
        arb.nav_per_share({"BTC": 1}, {}, arb.DictPriceSource({"BTC": 1.0}))


def test_premium__is_relative_gap_to_nav():
    assert arb.premium(101.0, 100.0) == pytest.approx(0.01)
    assert arb.premium(99.0, 100.0) == pytest.approx(-0.01)
    with pytest.raises(ValueError):
        arb.premium(1.0, 0.0)


# Integer pool model --------------------------------------------------------


def test_get_amount_out__matches_hand_computed_value():
    # 1000 in, reserves 10_000 / 20_000, 0.3 %: 997_000 * 20_000 // (100_000_000 + 997_000)
    assert arb.get_amount_out(1_000, 10_000, 20_000, 30) == 1_813


@given(
    amount_in=st.integers(min_value=1, max_value=10**30),
    reserve_in=st.integers(min_value=1, max_value=10**30),
    reserve_out=st.integers(min_value=1, max_value=10**30),
    fee_bps=pool_fees,
)
def test_get_amount_out__rounds_down_and_never_shrinks_k(
    amount_in, reserve_in, reserve_out, fee_bps
):
    out = arb.get_amount_out(amount_in, reserve_in, reserve_out, fee_bps)
    exact = Fraction(amount_in * (10_000 - fee_bps) * reserve_out,
                     reserve_in * 10_000 + amount_in * (10_000 - fee_bps))
    assert out == math.floor(exact)
    assert out < reserve_out
    assert (reserve_in + amount_in) * (reserve_out - out) >= reserve_in * reserve_out


def test_pool_price_wad__reads_whole_cash_per_whole_share():
    # 1_050_000 USDC against 10_000 shares: 105 USDC per share
    assert arb.pool_price_wad(10_000 * 10**18, 1_050_000 * 10**6) == 105 * 10**18


def test_mint_cost_and_redeem_proceeds__round_in_the_protocols_favour():
    one_base_unit = 1  # 1e-18 share at NAV 1 is worth 1e-12 cash base units
    assert arb.mint_cost(one_base_unit, 1.0, 10) == 1 + 1
    assert arb.redeem_proceeds(one_base_unit, 1.0, 10) == 0
    # 1 share at NAV 100 with a 10 bps fee: 100 USDC +- 0.1 USDC
    assert arb.mint_cost(10**18, 100.0, 10) == 100_100_000
    assert arb.redeem_proceeds(10**18, 100.0, 10) == 99_900_000
    # fee rounds up: value 1_000_001 at 10 bps -> fee ceil(1000.001) = 1001
    assert arb.mint_cost(10**18, Fraction(1_000_001, 10**6), 10) == 1_000_001 + 1_001


def test_gas_cost_cash__gas_times_price_times_native_price():
    # 200k gas at 20 gwei = 0.004 ETH; at 3000 USD = 12 USDC
    assert arb.gas_cost_cash(200_000, 20 * 10**9, 3_000.0) == 12_000_000


# Closed forms vs brute force (float model) ----------------------------------


@given(depth=depths, nav=navs, prem=premiums, fee=pool_fees, fc=protocol_fees)
def test_optimal_mint_and_sell__maximises_profit_on_a_grid(depth, nav, prem, fee, fc):
    price = nav * (1 + prem)
    x, y = depth / math.sqrt(price), depth * math.sqrt(price)
    a_star = arb.optimal_mint_and_sell(x, y, nav, fee, fc)
    best = arb.mint_and_sell_profit(a_star, x, y, nav, fee, fc)
    hi = 3 * a_star if a_star > 0 else x
    grid = np.linspace(0.0, hi, 3001)
    profits = arb.mint_and_sell_profit(grid, x, y, nav, fee, fc)
    tol = 1e-9 * y
    assert profits.max() <= best + tol
    if a_star > 0:
        assert abs(grid[profits.argmax()] - a_star) <= 2 * (grid[1] - grid[0])
        assert best == pytest.approx(arb.max_mint_and_sell_profit(x, y, nav, fee, fc),
                                     rel=1e-6, abs=tol)
        # first-order condition: marginal revenue of the last share = minting cost
        g = 1 - fee / 10_000
        marginal = x * y * g / (x + a_star * g) ** 2
        assert marginal == pytest.approx(nav * (1 + fc / 10_000), rel=1e-9)
    else:
        assert best == 0.0


@given(depth=depths, nav=navs, prem=premiums, fee=pool_fees, fr=protocol_fees)
def test_optimal_buy_and_redeem__maximises_profit_on_a_grid(depth, nav, prem, fee, fr):
    price = nav * (1 + prem)
    x, y = depth / math.sqrt(price), depth * math.sqrt(price)
    b_star = arb.optimal_buy_and_redeem(x, y, nav, fee, fr)
    best = arb.buy_and_redeem_profit(b_star, x, y, nav, fee, fr)
    hi = 3 * b_star if b_star > 0 else y
    grid = np.linspace(0.0, hi, 3001)
    profits = arb.buy_and_redeem_profit(grid, x, y, nav, fee, fr)
    tol = 1e-9 * y
    assert profits.max() <= best + tol
    if b_star > 0:
        assert abs(grid[profits.argmax()] - b_star) <= 2 * (grid[1] - grid[0])
        assert best == pytest.approx(arb.max_buy_and_redeem_profit(x, y, nav, fee, fr),
                                     rel=1e-6, abs=tol)
        g = 1 - fee / 10_000
        shares_per_cash = x * y * g / (y + b_star * g) ** 2
        assert 1 / shares_per_cash == pytest.approx(nav * (1 - fr / 10_000), rel=1e-9)
    else:
        assert best == 0.0


@given(depth=depths, nav=navs, prem=premiums, fee=pool_fees, fc=protocol_fees, fr=protocol_fees)
def test_integer_optimum__agrees_with_float_closed_form(depth, nav, prem, fee, fc, fr):
    pool = pool_at(depth, nav, prem, fee)
    a_units = arb.optimal_mint_and_sell_units(pool, nav, fc)
    a_float = arb.optimal_mint_and_sell(pool.x, pool.y, nav, fee, fc)
    assert a_units / 10**18 == pytest.approx(a_float, rel=1e-6, abs=1e-9 * pool.x)
    b_units = arb.optimal_buy_and_redeem_units(pool, nav, fr)
    b_float = arb.optimal_buy_and_redeem(pool.x, pool.y, nav, fee, fr)
    assert b_units / 10**6 == pytest.approx(b_float, rel=1e-6, abs=1e-9 * pool.y + 1e-6)


# The band ------------------------------------------------------------------


def test_no_arbitrage_band__without_gas__depends_on_fees_only():
    low, high = arb.no_arbitrage_band(30, 10, 20)
    assert low == pytest.approx((1 - 0.002) * (1 - 0.003) - 1)
    assert high == pytest.approx((1 + 0.001) / (1 - 0.003) - 1)


@given(depth=depths, nav=navs, fee=pool_fees, fc=protocol_fees, fr=protocol_fees,
       gas=st.floats(min_value=0.01, max_value=100.0))
def test_no_arbitrage_band__at_its_edges__best_profit_equals_gas(depth, nav, fee, fc, fr, gas):
    low, high = arb.no_arbitrage_band(fee, fc, fr, gas_cost=gas, nav=nav, depth=depth)
    fee_low, fee_high = arb.no_arbitrage_band(fee, fc, fr)
    assert low <= fee_low and high >= fee_high
    for edge, best in ((high, arb.max_mint_and_sell_profit),
                       (low, arb.max_buy_and_redeem_profit)):
        price = nav * (1 + edge)
        x, y = depth / math.sqrt(price), depth * math.sqrt(price)
        assert best(x, y, nav, fee, fc if best is arb.max_mint_and_sell_profit else fr) == \
            pytest.approx(gas, rel=1e-5)


# decide() ------------------------------------------------------------------


@st.composite
def markets(draw):
    depth = draw(depths)
    nav = draw(navs)
    fee = draw(pool_fees)
    costs = arb.Costs(draw(protocol_fees), draw(protocol_fees),
                      draw(st.integers(min_value=0, max_value=50_000_000)))
    return depth, nav, fee, costs


@given(market=markets(), where=st.floats(min_value=0.0, max_value=1.0))
def test_decide__inside_the_band__does_nothing(market, where):
    depth, nav, fee, costs = market
    low, high = arb.no_arbitrage_band(fee, costs.creation_fee_bps, costs.redemption_fee_bps,
                                      gas_cost=costs.gas_cost / 10**6, nav=nav, depth=depth)
    # keep a hair away from the edges: the pool is rounded to integer base units
    margin = 1e-7 * (high - low)
    prem = low + margin + where * (high - low - 2 * margin)
    plan = arb.decide(pool_at(depth, nav, prem, fee), nav, costs)
    assert plan.action == "none"
    assert plan.amount_in == 0 and plan.expected_profit == 0
    assert plan.price_after == plan.price_before


@given(market=markets(), excess=st.floats(min_value=1e-4, max_value=1.0))
def test_decide__above_the_band__mints_and_sells(market, excess):
    depth, nav, fee, costs = market
    _, high = arb.no_arbitrage_band(fee, costs.creation_fee_bps, costs.redemption_fee_bps,
                                    gas_cost=costs.gas_cost / 10**6, nav=nav, depth=depth)
    pool = pool_at(depth, nav, high + excess, fee)
    expected = arb.max_mint_and_sell_profit(pool.x, pool.y, nav, fee, costs.creation_fee_bps,
                                            costs.gas_cost / 10**6)
    assume(expected > 1e-4)  # worth at least 100 cash base units
    plan = arb.decide(pool, nav, costs)
    assert plan.action == "mint_and_sell"
    assert plan.expected_profit == arb.mint_and_sell_profit_units(pool, plan.size, nav, costs)
    assert plan.expected_profit / 10**6 == pytest.approx(expected, rel=1e-3, abs=1e-5)
    assert plan.price_after < plan.price_before


@given(market=markets(), shortfall=st.floats(min_value=1e-4, max_value=0.4))
def test_decide__below_the_band__buys_and_redeems(market, shortfall):
    depth, nav, fee, costs = market
    low, _ = arb.no_arbitrage_band(fee, costs.creation_fee_bps, costs.redemption_fee_bps,
                                   gas_cost=costs.gas_cost / 10**6, nav=nav, depth=depth)
    prem = low - shortfall
    assume(prem > -0.95)
    pool = pool_at(depth, nav, prem, fee)
    expected = arb.max_buy_and_redeem_profit(pool.x, pool.y, nav, fee,
                                             costs.redemption_fee_bps, costs.gas_cost / 10**6)
    assume(expected > 1e-4)
    plan = arb.decide(pool, nav, costs)
    assert plan.action == "buy_and_redeem"
    assert plan.expected_profit == arb.buy_and_redeem_profit_units(pool, plan.size, nav, costs)
    assert plan.expected_profit / 10**6 == pytest.approx(expected, rel=1e-3, abs=1e-5)
    assert plan.price_after > plan.price_before


@given(market=markets(), prem=premiums)
def test_decide__after_the_optimal_trade__premium_is_inside_the_band(market, prem):
    depth, nav, fee, costs = market
    pool = pool_at(depth, nav, prem, fee)
    plan = arb.decide(pool, nav, costs)
    assume(plan.action != "none")
    _, after = pool.swap(plan.amount_in, cash_in=plan.action == "buy_and_redeem")
    assert after.price() == pytest.approx(plan.price_after, rel=1e-12)
    low, high = arb.no_arbitrage_band(fee, costs.creation_fee_bps, costs.redemption_fee_bps)
    # With a zero pool fee the optimum lands exactly on the edge. Integer sizing (isqrt,
    # floored outputs, a neighbour chosen for rounding) moves the final price by a few cash
    # base units out of the reserve, so allow 10 of them.
    tol = 1e-12 + (1 + high) * 10 / after.reserve_cash
    assert low - tol <= plan.premium_after <= high + tol
    # and nothing is left to take, even with free gas
    free = arb.Costs(costs.creation_fee_bps, costs.redemption_fee_bps, 0)
    assert arb.decide(after, nav, free).action == "none"


@given(market=markets(), prem=premiums,
       scale=st.sampled_from([0.5, 0.9, 0.99, 0.999, 1.001, 1.01, 1.1, 2.0]))
def test_decide__integer_size_beats_nearby_sizes(market, prem, scale):
    depth, nav, fee, costs = market
    pool = pool_at(depth, nav, prem, fee)
    plan = arb.decide(pool, nav, costs)
    assume(plan.action != "none")
    profit = (arb.mint_and_sell_profit_units if plan.action == "mint_and_sell"
              else arb.buy_and_redeem_profit_units)
    other = int(plan.size * scale)
    assume(other > 0)
    try:
        rival = profit(pool, other, nav, costs)
    except ValueError:  # the rival size has no pool output
        return
    # integer rounding (floor out, ceil value, ceil fee) costs at most a few base units
    assert rival <= plan.expected_profit + 3
    for neighbour in (plan.size - 5, plan.size + 5):
        if neighbour > 0:
            assert profit(pool, neighbour, nav, costs) <= plan.expected_profit + 3


def test_decide__worked_example():
    # 10_000 shares vs 1_050_000 USDC (105 per share), NAV 100, 10/10 bps, 0.5 USDC gas
    pool = arb.PoolState(10_000 * 10**18, 1_050_000 * 10**6, 30)
    plan = arb.decide(pool, 100.0, arb.Costs(10, 10, 500_000))
    assert plan.action == "mint_and_sell"
    assert plan.size == pytest.approx(227.138 * 10**18, rel=1e-5)
    assert plan.premium_before == pytest.approx(0.05)
    low, high = plan.band
    assert low < plan.premium_after < high
    assert plan.expected_profit == plan.amount_out - plan.protocol_cash - 500_000
