"""The constant-product test venue on anvil, checked against ``ssi.arb.model``'s integer model."""

from __future__ import annotations

import math

import ape
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ssi.arb import model as arb

SHARE = 10**18  # index token base units per share
USDC = 10**6  # cash base units per dollar
FEE_BPS = 30
SEED_INDEX = 10_000 * SHARE
SEED_CASH = 1_050_000 * USDC  # 105 USDC per share
MAX = 2**256 - 1


# Actors and contracts (module scope: ape snapshots and restores around each test) ---------


@pytest.fixture(scope="module")
def pool_owner(accounts):
    return accounts[0]


@pytest.fixture(scope="module")
def lp(accounts):
    return accounts[1]


@pytest.fixture(scope="module")
def trader(accounts):
    return accounts[2]


@pytest.fixture(scope="module")
def pool_usdc(project, pool_owner):
    return project.MockERC20.deploy("USD Coin", "USDC", 6, sender=pool_owner)


@pytest.fixture(scope="module")
def pool_index(project, pool_owner):
    # Stands in for the IndexToken: here shares are minted by the mock, not by an issuer.
    return project.MockERC20.deploy("Index Share", "IDX", 18, sender=pool_owner)


def deploy_pool(project, pool_owner, pool_index, pool_usdc, actors):
    pool = project.ConstantProductPool.deploy(pool_index, pool_usdc, FEE_BPS, sender=pool_owner)
    for who in actors:
        pool_index.mint(who, 10**9 * SHARE, sender=who)
        pool_usdc.mint(who, 10**12 * USDC, sender=who)
        pool_index.approve(pool, MAX, sender=who)
        pool_usdc.approve(pool, MAX, sender=who)
    return pool


@pytest.fixture
def empty_pool(project, pool_owner, pool_index, pool_usdc, lp, trader):
    """A fresh pool without liquidity (function scope: few tests need it)."""
    return deploy_pool(project, pool_owner, pool_index, pool_usdc, (lp, trader))


@pytest.fixture(scope="module")
def pool(project, pool_owner, pool_index, pool_usdc, lp, trader, wlp):
    """A pool seeded by `lp` at 105 USDC per share."""
    pool = deploy_pool(project, pool_owner, pool_index, pool_usdc, (lp, trader, wlp))
    pool.add_liquidity(SEED_INDEX, SEED_CASH, sender=lp)
    return pool


def model(pool) -> arb.PoolState:
    return arb.PoolState.from_contract(pool)


def quick_model(pool) -> arb.PoolState:
    """Like `model`, reading only the reserves (the rest is fixed at deployment)."""
    reserve_index, reserve_cash = pool.reserves()
    return arb.PoolState(reserve_index, reserve_cash, FEE_BPS, 18, 6)


# Each on-chain example costs a few hundred milliseconds: at most 30, fewer if the profile says so.
chain_examples = settings(max_examples=min(settings().max_examples, 30))


# Deployment ---------------------------------------------------------------


def test_deploy__records_tokens_fee_and_decimals(empty_pool, pool_index, pool_usdc):
    assert empty_pool.index_token() == pool_index.address
    assert empty_pool.cash_token() == pool_usdc.address
    assert empty_pool.fee_bps() == FEE_BPS
    assert (empty_pool.index_decimals(), empty_pool.cash_decimals()) == (18, 6)
    assert empty_pool.reserves() == (0, 0)


def test_deploy__fee_of_100_percent__reverts(project, pool_owner, pool_index, pool_usdc):
    with ape.reverts("pool: fee too high"):
        project.ConstantProductPool.deploy(pool_index, pool_usdc, 10_000, sender=pool_owner)


def test_deploy__same_token_twice__reverts(project, pool_owner, pool_usdc):
    with ape.reverts("pool: same token"):
        project.ConstantProductPool.deploy(pool_usdc, pool_usdc, FEE_BPS, sender=pool_owner)


# Liquidity ----------------------------------------------------------------


def test_add_liquidity__first_deposit__records_isqrt_shares_and_emits_event(
    empty_pool, lp, pool_index, pool_usdc
):
    tx = empty_pool.add_liquidity(SEED_INDEX, SEED_CASH, sender=lp)

    shares = math.isqrt(SEED_INDEX * SEED_CASH)
    assert empty_pool.liquidity_of(lp) == shares == empty_pool.total_liquidity()
    assert empty_pool.reserves() == (SEED_INDEX, SEED_CASH)
    assert pool_index.balanceOf(empty_pool) == SEED_INDEX
    assert pool_usdc.balanceOf(empty_pool) == SEED_CASH
    [log] = tx.decode_logs(empty_pool.LiquidityAdded)
    assert log.sender == lp.address
    assert (log.amount_index, log.amount_cash, log.shares) == (SEED_INDEX, SEED_CASH, shares)
    assert (log.reserve_index, log.reserve_cash) == (SEED_INDEX, SEED_CASH)


def test_add_liquidity__off_ratio_deposit__gets_the_smaller_pro_rata_share(pool, lp, trader):
    supply = pool.total_liquidity()
    # twice the cash ratio: the index side decides, the extra cash is donated
    pool.add_liquidity(SEED_INDEX // 10, SEED_CASH // 5, sender=trader)
    assert pool.liquidity_of(trader) == supply // 10
    assert pool.reserves() == (SEED_INDEX * 11 // 10, SEED_CASH * 6 // 5)


def test_add_liquidity__zero_amount__reverts(empty_pool, lp):
    with ape.reverts("pool: zero amount"):
        empty_pool.add_liquidity(0, SEED_CASH, sender=lp)


def test_remove_liquidity__pays_pro_rata_rounded_down_and_emits_event(
    pool, lp, pool_index, pool_usdc
):
    shares = pool.liquidity_of(lp) // 3
    supply = pool.total_liquidity()
    index_before, cash_before = pool_index.balanceOf(lp), pool_usdc.balanceOf(lp)

    tx = pool.remove_liquidity(shares, lp, sender=lp)

    out_index, out_cash = SEED_INDEX * shares // supply, SEED_CASH * shares // supply
    assert pool_index.balanceOf(lp) - index_before == out_index
    assert pool_usdc.balanceOf(lp) - cash_before == out_cash
    assert pool.reserves() == (SEED_INDEX - out_index, SEED_CASH - out_cash)
    [log] = tx.decode_logs(pool.LiquidityRemoved)
    assert (log.sender, log.receiver) == (lp.address, lp.address)
    assert (log.amount_index, log.amount_cash, log.shares) == (out_index, out_cash, shares)


def test_remove_liquidity__more_than_owned__reverts(pool, trader):
    with ape.reverts("pool: insufficient shares"):
        pool.remove_liquidity(1, trader, sender=trader)


# Quotes and prices ---------------------------------------------------------


def test_get_amount_out__empty_pool__reverts(empty_pool):
    with ape.reverts("pool: no liquidity"):
        empty_pool.get_amount_out(USDC, True)


def test_price__reads_whole_cash_per_whole_share(pool):
    assert pool.price() == 105 * 10**18 == model(pool).price_wad()


@chain_examples
@given(amount=st.integers(min_value=1, max_value=10**30), cash_in=st.booleans())
def test_get_amount_out__equals_the_python_model(pool, amount, cash_in):
    state = quick_model(pool)
    expected = state.amount_out(amount, cash_in)
    assert pool.get_amount_out(amount, cash_in) == expected


# Swaps ---------------------------------------------------------------------


@chain_examples
@given(
    amount=st.integers(min_value=1, max_value=10**24),
    cash_in=st.booleans(),
)
def test_swap__output_and_reserves_equal_the_python_model(
    pool, trader, pool_index, pool_usdc, amount, cash_in
):
    # No isolation between Hypothesis examples: each one starts from the chain's current state.
    if cash_in:
        amount = amount % (10**13) + 1  # up to 10 million USDC
    before = quick_model(pool)
    try:
        expected, after = before.swap(amount, cash_in)
    except ValueError as error:  # dust that buys nothing
        with ape.reverts(str(error)):
            pool.swap(amount, cash_in, 0, trader, sender=trader)
        return
    token_out = pool_index if cash_in else pool_usdc
    balance_before = token_out.balanceOf(trader)

    tx = pool.swap(amount, cash_in, expected, trader, sender=trader)

    assert token_out.balanceOf(trader) - balance_before == expected
    assert pool.reserves() == (after.reserve_index, after.reserve_cash)
    assert pool.price() == after.price_wad()
    # the pool never loses: k does not shrink
    assert after.reserve_index * after.reserve_cash >= before.reserve_index * before.reserve_cash
    [log] = tx.decode_logs(pool.Swap)
    assert (log.amount_in, log.amount_out, log.cash_in) == (amount, expected, cash_in)
    assert (log.reserve_index, log.reserve_cash) == (after.reserve_index, after.reserve_cash)


def test_swap__sell_shares__pays_the_receiver_and_emits_event(pool, trader, wlp, pool_usdc):
    expected = model(pool).amount_out(10 * SHARE, cash_in=False)
    cash_before = pool_usdc.balanceOf(wlp)

    tx = pool.swap(10 * SHARE, False, expected, wlp, sender=trader)

    assert pool_usdc.balanceOf(wlp) - cash_before == expected
    [log] = tx.decode_logs(pool.Swap)
    assert (log.sender, log.receiver) == (trader.address, wlp.address)


def test_swap__below_min_out__reverts(pool, trader):
    quote = pool.get_amount_out(1_000 * USDC, True)
    with ape.reverts("pool: slippage"):
        pool.swap(1_000 * USDC, True, quote + 1, trader, sender=trader)


def test_swap__zero_amount__reverts(pool, trader):
    with ape.reverts("pool: zero amount"):
        pool.swap(0, True, 0, trader, sender=trader)


def test_swap__empty_pool__reverts(empty_pool, trader):
    with ape.reverts("pool: no liquidity"):
        empty_pool.swap(USDC, True, 0, trader, sender=trader)


def test_swap__dust_that_buys_nothing__reverts(pool, trader):
    # 1 index base unit is worth far less than one USDC base unit
    with ape.reverts("pool: zero output"):
        pool.swap(1, False, 0, trader, sender=trader)


# The arbitrage plan, executed on the venue -----------------------------------


def test_mint_and_sell_plan__executed_on_chain__lands_where_the_model_says(
    pool, wlp, pool_index, pool_usdc
):
    nav = 100.0  # the pool trades at 105: a 5 % premium
    costs = arb.Costs(creation_fee_bps=10, redemption_fee_bps=10,
                      gas_cost=arb.gas_cost_cash(300_000, 10**9, 3_000.0))
    plan = arb.decide(model(pool), nav, costs)
    assert plan.action == "mint_and_sell"

    # The mint leg: the issuer will do this; the mock mints and we count its cost.
    pool_index.mint(wlp, plan.size, sender=wlp)
    cash_before = pool_usdc.balanceOf(wlp)
    pool.swap(plan.size, False, plan.amount_out, wlp, sender=wlp)

    received = pool_usdc.balanceOf(wlp) - cash_before
    assert received == plan.amount_out
    assert received - plan.protocol_cash - costs.gas_cost == plan.expected_profit > 0
    after = model(pool)
    assert after.price() == plan.price_after
    low, high = plan.band
    assert low < arb.premium(pool.price() / 10**18, nav) < high
    assert arb.decide(after, nav, costs).action == "none"


def test_buy_and_redeem_plan__executed_on_chain__lands_where_the_model_says(
    pool, wlp, pool_index
):
    nav = 110.0  # the pool trades at 105: a discount
    costs = arb.Costs(creation_fee_bps=10, redemption_fee_bps=10, gas_cost=500_000)
    plan = arb.decide(model(pool), nav, costs)
    assert plan.action == "buy_and_redeem"

    shares_before = pool_index.balanceOf(wlp)
    pool.swap(plan.size, True, plan.amount_out, wlp, sender=wlp)

    assert pool_index.balanceOf(wlp) - shares_before == plan.amount_out
    assert model(pool).price() == plan.price_after
    assert arb.decide(model(pool), nav, costs).action == "none"
