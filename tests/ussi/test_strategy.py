"""USSI: hedged NAV known answers on tiny synthetic panels, the band, funding proxies, outputs."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from ssi.cli import main
from ssi.ussi.strategy import StrategyParams, nav_per_share, resolve_funding, simulate
from ssi.ussi.report import strategy_stats

DAYS = pd.date_range("2021-01-01", "2021-03-31", freq="D")


def flat_prices(symbols=("BTC", "ETH", "SOL"), values=(100.0, 10.0, 1.0)) -> pd.DataFrame:
    return pd.DataFrame({s: v for s, v in zip(symbols, values)}, index=DAYS)


def funding_const(rate: float, symbols=("BTC", "ETH")) -> pd.DataFrame:
    return pd.DataFrame({s: rate for s in symbols}, index=DAYS)


def weights(**w: float) -> pd.Series:
    return pd.Series(w, dtype=float)


def params(**kw) -> StrategyParams:
    base = {"rebalance_band": 10.0, "spot_cost_bps": 0.0, "perp_cost_bps": 0.0}
    return StrategyParams(**(base | kw))


def test_known_answer__constant_prices_and_funding_accrue_exactly():
    r = 0.0003
    res = simulate(flat_prices(), [(pd.Timestamp("2021-01-02"), weights(BTC=0.5, ETH=0.5))],
                   funding_const(r), params(), pd.Timestamp("2021-01-31"), 1000.0)
    nav = res.nav
    assert nav.iloc[0] == 1000.0
    days = np.arange(len(nav))
    np.testing.assert_allclose(nav.to_numpy(), 1000.0 * (1 + r * days), rtol=1e-13)  # no resize: simple accrual
    assert (res.daily["pnl_short"] == 0).all()
    assert res.daily["event"].tolist().count("start") == 1


def test_known_answer__monthly_reset_compounds_the_accrued_funding():
    r = 0.001
    baskets = [(pd.Timestamp("2021-01-02"), weights(BTC=1.0)), (pd.Timestamp("2021-02-01"), weights(BTC=1.0))]
    res = simulate(flat_prices(), baskets, funding_const(r), params(), pd.Timestamp("2021-02-10"))
    # 2021-01-01 → 01-31 (30 days) simple, reset at the 01-31 close, then 10 days on the larger notional
    assert res.nav.loc["2021-01-31"] == pytest.approx(1000 * (1 + 30 * r), rel=1e-13)
    assert res.nav.iloc[-1] == pytest.approx(1000 * (1 + 30 * r) * (1 + 10 * r), rel=1e-13)


def test_known_answer__costs_on_entry_and_on_resize():
    cs, cp = 10.0, 5.0
    c = (cs + cp) * 1e-4
    res = simulate(flat_prices(), [(pd.Timestamp("2021-01-02"), weights(BTC=0.7, SOL=0.3))],
                   funding_const(0.0), params(spot_cost_bps=cs, perp_cost_bps=cp), pd.Timestamp("2021-01-10"))
    # entry from cash: spot S with S + c·S = 1000
    assert res.nav.iloc[0] == pytest.approx(1000 / (1 + c), rel=1e-12)
    assert res.daily["costs_usd"].iloc[0] == pytest.approx(1000 * c / (1 + c), rel=1e-12)
    assert abs(res.daily["cash"].iloc[0]) < 1e-9
    assert res.nav.iloc[-1] == pytest.approx(res.nav.iloc[0], rel=1e-15)  # flat prices, no funding: no change


def test_known_answer__constant_funding_minus_costs():
    r, cs, cp = 0.0005, 8.0, 4.0
    c = (cs + cp) * 1e-4
    res = simulate(flat_prices(), [(pd.Timestamp("2021-01-02"), weights(ETH=1.0))], funding_const(r),
                   params(spot_cost_bps=cs, perp_cost_bps=cp), pd.Timestamp("2021-01-21"))
    nav0 = 1000 / (1 + c)
    assert res.nav.iloc[-1] == pytest.approx(nav0 * (1 + 20 * r), rel=1e-12)


def test_hedge__price_moves_do_not_move_nav():
    px = flat_prices()
    px.loc["2021-01-05":, "BTC"] = 130.0
    px.loc["2021-01-08":, "SOL"] = 0.6
    res = simulate(px, [(pd.Timestamp("2021-01-02"), weights(BTC=0.6, SOL=0.4))], funding_const(0.0), params(),
                   pd.Timestamp("2021-01-20"))
    np.testing.assert_allclose(res.nav.to_numpy(), 1000.0, rtol=1e-13)
    assert res.daily.loc["2021-01-05", "pnl_short"] == pytest.approx(-0.6 * 1000 * 0.3)


@pytest.mark.parametrize(("move", "resized"), [(0.049, False), (0.051, True), (-0.049, False), (-0.051, True)])
def test_band__resize_only_outside_the_band(move, resized):
    px = flat_prices()
    px.loc["2021-01-05":, "BTC"] = 100.0 * (1 + move)
    res = simulate(px, [(pd.Timestamp("2021-01-02"), weights(BTC=1.0))], funding_const(0.0),
                   params(rebalance_band=0.05), pd.Timestamp("2021-01-10"))
    events = res.daily["event"]
    assert (events == "band").any() == resized
    if resized:
        assert events.loc["2021-01-05"] == "band"
        assert res.daily.loc["2021-01-05", "hedge_ratio"] == pytest.approx(1.0)
        assert abs(res.daily.loc["2021-01-05", "cash"]) < 1e-9
    else:
        assert res.daily.loc["2021-01-05", "hedge_ratio"] == pytest.approx(1 + move)


def test_band__resize_pays_costs_on_both_legs():
    px = flat_prices()
    px.loc["2021-01-05":, "BTC"] = 120.0
    p = params(rebalance_band=0.05, spot_cost_bps=10.0, perp_cost_bps=5.0)
    res = simulate(px, [(pd.Timestamp("2021-01-02"), weights(BTC=1.0))], funding_const(0.0), p, pd.Timestamp("2021-01-06"))
    nav = res.nav.iloc[0]  # after entry costs
    spot_before = 1.2 * nav  # legs grew 20% with the price; NAV did not
    # sell 1/6 of spot down to NAV − cost and buy back the same of the short
    cost = res.daily.loc["2021-01-05", "costs_usd"]
    traded = spot_before - (nav - cost)
    assert cost == pytest.approx(traded * 15e-4, rel=1e-12)
    assert res.nav.loc["2021-01-05"] == pytest.approx(nav - cost, rel=1e-12)


def test_funding__proxy_days_are_flagged_per_symbol():
    f = funding_const(0.001)
    f.loc["2021-01-10":"2021-01-12", "ETH"] = np.nan  # an ETH gap
    f["BTC"] = 0.002
    res = simulate(flat_prices(), [(pd.Timestamp("2021-01-02"), weights(BTC=0.5, ETH=0.3, SOL=0.2))], f,
                   params(), pd.Timestamp("2021-01-15"))
    fund = res.funding.set_index(["date", "symbol"])
    assert fund.loc[(pd.Timestamp("2021-01-05"), "ETH"), "source"] == "actual"
    assert fund.loc[(pd.Timestamp("2021-01-11"), "ETH"), "source"] == "proxy"
    assert fund.loc[(pd.Timestamp("2021-01-11"), "ETH"), "rate"] == 0.002  # BTC's rate
    assert (fund.xs("SOL", level="symbol")["source"] == "proxy").all()
    assert res.daily.loc["2021-01-11", "funding_flags"] == "ETH:proxy;SOL:proxy"
    assert res.daily.loc["2021-01-05", "funding_flags"] == "SOL:proxy"


def test_funding__mean_proxy_and_missing_everything_is_none_not_silent():
    dates = pd.date_range("2021-01-01", "2021-01-04")
    f = pd.DataFrame({"BTC": [0.001, np.nan, 0.001, np.nan], "ETH": [0.003, 0.003, np.nan, np.nan]}, index=dates)
    rates, source = resolve_funding(f, ["BTC", "SOL"], dates, "mean")
    assert rates["SOL"].tolist() == [0.002, 0.003, 0.001, 0.0]
    assert source["SOL"].tolist() == ["proxy", "proxy", "proxy", "none"]
    assert source["BTC"].tolist() == ["actual", "proxy", "actual", "none"]
    rates, source = resolve_funding(f, ["SOL"], dates, "btc")
    assert source["SOL"].tolist() == ["proxy", "none", "proxy", "none"]


def test_missing_price_of_a_constituent_is_an_error():
    px = flat_prices()
    px.loc[:"2021-01-03", "SOL"] = np.nan
    with pytest.raises(ValueError, match=r"no price on or before 2021-01-01 for \['SOL'\]"):
        simulate(px, [(pd.Timestamp("2021-01-02"), weights(BTC=0.5, SOL=0.5))], funding_const(0.0), params(),
                 pd.Timestamp("2021-01-10"))


def test_params__validated_and_read_from_the_definition():
    from ssi.methodology.definition import load_definition

    p = StrategyParams.from_definition(load_definition("USSI"))
    assert p.hedge_ratio == 1.0 and p.rebalance_band == 0.05 and p.funding_proxy == "btc"
    with pytest.raises(ValueError, match="funding_proxy"):
        StrategyParams(funding_proxy="eth")


def test_strategy_stats__worst_month_and_apr():
    s = pd.Series([100.0, 110.0, 99.0, 120.0], index=pd.to_datetime(["2021-01-31", "2021-02-28", "2021-03-31", "2021-04-30"]))
    st = strategy_stats(s)
    assert st["worst_month"] == {"month": "2021-03", "return": pytest.approx(-0.1)}
    assert st["apr"] == pytest.approx(0.2 * 365 / 89)
    assert st["max_drawdown"] == pytest.approx(-0.1)


# --- bundled data: the real funding file, the CLI, NAV per share ---------------------------------

def test_cli_backtest_ussi__outputs_and_summary(tmp_path):
    r = CliRunner(mix_stderr=False).invoke(main, ["backtest", "--index", "USSI", "--start", "2023-11-01", "--end", "2024-03-31",
                                                  "--out", str(tmp_path), "--quiet"])
    assert r.exit_code == 0, r.stderr
    levels = pd.read_csv(tmp_path / "levels.csv")
    assert {"date", "level", "spot_value", "short_notional", "cash", "funding_usd", "costs_usd", "hedge_ratio",
            "event", "funding_flags"} <= set(levels.columns)
    fund = pd.read_csv(tmp_path / "funding.csv")
    assert list(fund.columns) == ["date", "symbol", "rate", "source", "notional_usd", "payment_usd"]
    eth = fund[fund["symbol"] == "ETH"].set_index("date")["source"]
    assert eth.loc["2023-12-15"] == "actual" and eth.loc["2024-02-15"] == "proxy"  # the documented ETH gap
    assert (fund.loc[fund["symbol"] == "BTC", "source"] == "actual").all()
    s = json.loads((tmp_path / "summary.json").read_text())
    for sec in ("ussi", "mag7", "cash"):
        assert {"apr", "annualised_volatility", "max_drawdown", "worst_month", "negative_funding_day_share"} <= set(s[sec])
    assert s["ussi"]["annualised_volatility"] < 0.1 < s["mag7"]["annualised_volatility"]
    assert s["cash"]["apr"] == 0.0
    assert 0 <= s["ussi"]["negative_funding_day_share"] <= 1
    assert (tmp_path / "chart.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--index", "MAG7", "--band", "0.1"], "apply to USSI only"),
        (["--index", "USSI", "--funding", "/no/funding.csv"], "file not found"),
        (["--index", "USSI", "--band", "-1"], "rebalance_band"),
    ],
)
def test_cli_ussi_errors__one_line(args, message, tmp_path):
    r = CliRunner(mix_stderr=False).invoke(main, ["backtest", *args, "--start", "2024-01-01", "--end", "2024-02-28",
                                                  "--out", str(tmp_path), "--quiet"])
    assert r.exit_code != 0
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_nav_per_share__matches_the_backtest(market):
    from ssi.data import load_funding
    from ssi.methodology.definition import load_definition
    from ssi.ussi.strategy import run_ussi

    f = load_funding()
    res, _ = run_ussi(load_definition("USSI"), market, dt.date(2024, 1, 1), dt.date(2024, 3, 31), f)
    v = nav_per_share("2024-03-15", market=market, funding=f, start=dt.date(2024, 1, 1))
    assert v == res.nav.loc["2024-03-15"]
    assert 1000 * 0.97 < v < 1000 * 1.1
    with pytest.raises(ValueError, match="after the data"):
        nav_per_share("2031-01-01", market=market, funding=f)
