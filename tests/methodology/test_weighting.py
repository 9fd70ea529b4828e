"""Weighting schemes: known answers derived by hand, properties, and refusals."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ssi.methodology import weighting

# --- known answers ----------------------------------------------------------------------------


def test_market_cap__proportional_and_sorted():
    w = weighting.market_cap({"C": 10.0, "A": 60.0, "B": 30.0})
    assert list(w.index) == ["A", "B", "C"]
    assert w.tolist() == pytest.approx([0.6, 0.3, 0.1], abs=1e-15)


def test_capped__cap_binds_on_two_constituents():
    # By hand: w1 = min(.4, 100/192) = .4; R = .6; w2 = min(.4, .6*90/92) = .4; R = .2;
    # w3 = min(.4, .2*1/2) = .1; R = .1; w4 = .1.
    w = weighting.capped({"A": 100, "B": 90, "C": 1, "D": 1}, 0.4)
    assert w.tolist() == pytest.approx([0.4, 0.4, 0.1, 0.1], abs=1e-15)


def test_capped__cap_binds_on_three_constituents():
    # w1 = .3; R = .7; w2 = min(.3, .7*30/50 = .42) = .3; R = .4; w3 = min(.3, .4*15/20 = .3) = .3;
    # R = .1; w4 = min(.3, .1*5/5) = .1.
    w = weighting.capped(pd.Series({"D": 5.0, "C": 15.0, "B": 30.0, "A": 50.0}), 0.3)
    assert list(w.index) == ["A", "B", "C", "D"]
    assert w.tolist() == pytest.approx([0.3, 0.3, 0.3, 0.1], abs=1e-15)


def test_capped__cap_not_binding_equals_market_cap():
    caps = {"A": 40, "B": 35, "C": 25}
    assert weighting.capped(caps, 0.5).tolist() == pytest.approx([0.4, 0.35, 0.25], abs=1e-15)


def test_capped__exactly_feasible_gives_equal_weights():
    w = weighting.capped({"A": 9, "B": 5, "C": 1, "D": 1, "E": 1}, 0.2)
    assert w.tolist() == pytest.approx([0.2] * 5, abs=1e-15)


def test_minimum_weight__floor_plus_market_cap_share():
    # .1 + (1 - 3*.1) * [.7, .2, .1] = [.59, .24, .17]
    w = weighting.minimum_weight({"A": 70, "B": 20, "C": 10}, 0.1)
    assert w.tolist() == pytest.approx([0.59, 0.24, 0.17], abs=1e-15)


def test_minimum_weight__mag7_shape():
    caps = {"BTC": 1900.0, "ETH": 400.0, "XRP": 150.0, "BNB": 100.0, "SOL": 90.0, "DOGE": 30.0, "ADA": 30.0}
    w = weighting.minimum_weight(caps, 0.10)
    total = 2700.0
    assert w["BTC"] == pytest.approx(0.10 + 0.30 * 1900 / total, abs=1e-15)
    assert w["ADA"] == pytest.approx(0.10 + 0.30 * 30 / total, abs=1e-15)
    assert list(w.index)[:2] == ["BTC", "ETH"]
    # tie between DOGE and ADA goes to symbol order, so the result is deterministic
    assert list(w.index)[-2:] == ["ADA", "DOGE"]


def test_minimum_weight__n_times_floor_equal_one_gives_equal_weights():
    w = weighting.minimum_weight({"A": 3, "B": 1}, 0.5)
    assert w.tolist() == pytest.approx([0.5, 0.5], abs=1e-15)


# --- refusals ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: weighting.market_cap({}), "empty"),
        (lambda: weighting.market_cap(pd.Series(dtype=float)), "empty"),
        (lambda: weighting.market_cap({"A": 1.0, "B": -2.0}), "negative"),
        (lambda: weighting.market_cap({"A": 1.0, "B": float("nan")}), "NaN"),
        (lambda: weighting.market_cap({"A": 1.0, "B": float("inf")}), "infinite"),
        (lambda: weighting.market_cap({"A": 0.0}), "zero"),
        (lambda: weighting.market_cap({"A": "lots"}), "non-numeric"),
        (lambda: weighting.capped({"A": 1, "B": 1, "C": 1}, 0.3), "N × cap"),
        (lambda: weighting.capped({"A": 1}, 0.0), "cap"),
        (lambda: weighting.capped({"A": 1}, 1.5), "cap"),
        (lambda: weighting.capped({"A": 1, "B": float("nan")}, 0.6), "NaN"),
        (lambda: weighting.minimum_weight({"A": 1, "B": 1, "C": 1}, 0.34), "N × floor"),
        (lambda: weighting.minimum_weight({"A": 1}, -0.1), "floor"),
        (lambda: weighting.minimum_weight({}, 0.1), "empty"),
    ],
)
def test_invalid_input__raises_value_error_naming_the_problem(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --- properties -------------------------------------------------------------------------------

caps_strategy = st.dictionaries(
    keys=st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=1, max_size=5),
    values=st.floats(min_value=1e-3, max_value=1e13, allow_nan=False, allow_infinity=False),
    min_size=1,
    max_size=25,
)


def _check_common(w: pd.Series, caps: dict) -> None:
    assert set(w.index) == set(caps)
    assert (w >= 0).all()
    assert abs(w.sum() - 1.0) <= 1e-12
    ordered = [caps[s] for s in w.index]
    assert all(a >= b for a, b in zip(ordered, ordered[1:])), "not in descending market-cap order"


@given(caps_strategy, st.randoms())
def test_market_cap__properties(caps, rnd):
    w = weighting.market_cap(caps)
    _check_common(w, caps)
    items = list(caps.items())
    rnd.shuffle(items)
    pd.testing.assert_series_equal(w, weighting.market_cap(dict(items)))


@given(caps_strategy, st.floats(min_value=0.0, max_value=1.0), st.randoms())
def test_capped__properties(caps, slack, rnd):
    n = len(caps)
    cap = 1.0 / n + slack * (1.0 - 1.0 / n)  # any feasible cap in [1/N, 1]
    w = weighting.capped(caps, cap)
    _check_common(w, caps)
    assert (w <= cap + 1e-12).all()
    assert all(a >= b for a, b in zip(w, w.iloc[1:])), "capped weights increase"
    items = list(caps.items())
    rnd.shuffle(items)
    pd.testing.assert_series_equal(w, weighting.capped(pd.Series(dict(items)), cap))
    # where the cap does not bind on the largest constituent, the whole result is market cap
    mcw = weighting.market_cap(caps)
    if mcw.iloc[0] <= cap:
        assert w.to_numpy() == pytest.approx(mcw.to_numpy(), abs=1e-12)


@given(caps_strategy, st.floats(min_value=0.0, max_value=1.0), st.randoms())
def test_minimum_weight__properties(caps, frac, rnd):
    floor = frac / len(caps)  # any feasible floor in [0, 1/N]
    w = weighting.minimum_weight(caps, floor)
    _check_common(w, caps)
    assert (w >= floor - 1e-15).all()
    items = list(caps.items())
    rnd.shuffle(items)
    pd.testing.assert_series_equal(w, weighting.minimum_weight(dict(items), floor))
    # the part above the floor is proportional to market cap
    excess = (w - floor) / max(1e-300, 1 - len(caps) * floor)
    if 1 - len(caps) * floor > 1e-6:
        assert excess.to_numpy() == pytest.approx(weighting.market_cap(caps).to_numpy(), abs=1e-9)


def test_apply_scheme__dispatch():
    caps = {"A": 100, "B": 90, "C": 1, "D": 1}
    assert weighting.apply_scheme("market_cap", caps, 0.4).tolist() == pytest.approx([0.4, 0.4, 0.1, 0.1])
    assert math.isclose(weighting.apply_scheme("market_cap", caps, None)["A"], 100 / 192)
    with pytest.raises(ValueError, match="unknown weighting scheme"):
        weighting.apply_scheme("equal", caps, None)
