"""Data problems handled explicitly, and the command line (errors included)."""

from __future__ import annotations

import json

import pandas as pd
import pytest
from click.testing import CliRunner

from ssi.cli import main
from ssi.data import load_funding
from ssi.data.splice import Rename, load_renames, splice
from ssi.methodology import eligibility
from ssi.methodology.definition import load_definition


def test_splice__old_ticker_history_continues_under_new_ticker():
    panel = pd.DataFrame({
        "date": pd.to_datetime(["2024-03-25", "2024-03-26", "2024-09-13", "2024-09-13"]),
        "symbol": ["MATIC", "MATIC", "MATIC", "POL"],
        "price_usd": [1.0, 0.9, 0.5, 0.4],
        "market_cap_usd": [9.0, 8.0, 5.0, 4.0],
        "volume_usd": [1.0, 1.0, 1.0, 1.0],
    })
    out = splice(panel, [Rename("MATIC", "POL", 1.0, None)])
    assert set(out["symbol"]) == {"POL"}
    assert out.set_index("date")["price_usd"].tolist() == [1.0, 0.9, 0.4]  # POL's own row wins


def test_renames_file__covers_the_known_migrations():
    pairs = {(r.old, r.new) for r in load_renames()}
    assert {("MATIC", "POL"), ("FTM", "S"), ("RNDR", "RENDER")} <= pairs


def test_bundled_data__spliced_series_and_terra(market):
    pol = market.price["polygon-ecosystem-token"]
    assert pol.loc["2021-06-01"] > 0  # MATIC history now under POL
    assert "MATIC" not in set(market.assets["symbol"])
    assert pd.isna(market.price.at[pd.Timestamp("2022-05-20"), "terra-luna"])  # the documented gap
    assert market.price.at[pd.Timestamp("2022-04-01"), "terra-luna"] > 50  # Terra Classic before the collapse
    assert market.symbol_of("terra-luna") == "LUNC" and market.symbol_of("terra-luna-2") == "LUNA"


def test_eligibility__stablecoins_and_wrapped_excluded_and_gaps_detected(market):
    ev = eligibility.evaluate(market, load_definition("MAG7"), pd.Timestamp("2023-07-28").date())
    t = ev.table
    assert t.at["tether", "excluded_by"] == eligibility.FLAGGED
    assert t.at["usd-coin", "excluded_by"] == eligibility.FLAGGED
    assert "bitcoin" in ev.eligible.index
    # POL has no price between MATIC's end (2024-03-26) and POL's start (2024-09-13)
    assert "polygon-ecosystem-token" in ev.eligible.index
    later = eligibility.evaluate(market, load_definition("MAG7"), pd.Timestamp("2024-07-28").date())
    assert "polygon-ecosystem-token" not in later.eligible.index
    assert ev.table.loc[ev.table["excluded_by"] == "", "avg_market_cap"].min() > 0


def test_funding__bundled_daily_btc_eth():
    f = load_funding()
    assert {"BTC", "ETH"} <= set(f.columns)
    assert f["BTC"].loc["2021-01-01":"2021-12-31"].notna().all()
    assert f["ETH"].loc["2024-06-01":"2024-06-30"].isna().all()  # documented gap


# --- CLI --------------------------------------------------------------------------------------

def test_cli_weights__json(tmp_path):
    r = CliRunner(mix_stderr=False).invoke(main, ["weights", "--index", "MAG7", "--date", "2023-01-28", "--json"])
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert len(out["weights"]) == 7
    assert sum(out["weights"].values()) == pytest.approx(1.0, abs=1e-12)
    assert min(out["weights"].values()) >= 0.10 - 1e-12
    assert out["weights"]["bitcoin"] == max(out["weights"].values())  # weights by asset id
    assert out["symbols"]["bitcoin"] == "BTC"
    assert 0 <= out["rounding_bps"] < 1e-6
    assert out["universe_size"] >= out["eligible_size"] >= 7


def test_cli_backtest__writes_outputs(tmp_path):
    r = CliRunner(mix_stderr=False).invoke(
        main, ["backtest", "--index", "MAG7", "--start", "2021-01-01", "--end", "2021-06-30", "--out", str(tmp_path), "--quiet"]
    )
    assert r.exit_code == 0, r.stderr
    levels = pd.read_csv(tmp_path / "levels.csv")
    assert list(levels.columns) == ["date", "level", "filled"] and levels["level"].iloc[0] == 1000
    reb = pd.read_csv(tmp_path / "rebalances.csv")
    assert list(reb.columns) == ["effective_date", "id", "symbol", "weight", "price", "units"]
    assert set(reb.loc[reb["symbol"] == "BTC", "id"]) == {"bitcoin"}
    assert reb.groupby("effective_date")["weight"].sum().sub(1).abs().max() < 1e-9
    summary = json.loads((tmp_path / "summary.json").read_text())
    assert "2021" in summary["index"]["yearly_return"] and "2021" in summary["btc_buy_and_hold"]["yearly_return"]
    # BTC buy-and-hold from the 2020-12-31 close, computed independently from the panel
    from ssi.data import load_bundled
    btc = load_bundled().price["BTC"]
    expected = btc.loc["2021-06-30"] / btc.loc["2020-12-31"] - 1
    assert summary["btc_buy_and_hold"]["cumulative_return"] == pytest.approx(expected, rel=1e-9)
    assert (tmp_path / "chart.png").stat().st_size > 1000


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["weights", "--index", "NOPE", "--date", "2023-01-28"], "unknown index"),
        (["weights", "--index", "MAG7", "--date", "2023-13-01"], "bad date"),
        (["weights", "--index", "MAG7", "--date", "2030-01-01"], "outside the data"),
        (["weights", "--index", "MAG7", "--date", "2023-01-28", "--data", "/no/such.csv.gz"], "file not found"),
        (["backtest", "--index", "MAG7", "--start", "2010-01-01", "--out", "x"], "outside the data"),
        (["backtest", "--index", "MAG7", "--start", "2022-01-01", "--end", "2021-01-01", "--out", "x"], "not after"),
        (["backtest", "--index", "MAG7", "--out", "x", "--sectors", "/no/labels.csv"], "file not found"),
    ],
)
def test_cli_errors__one_line_no_traceback(args, message, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = CliRunner(mix_stderr=False).invoke(main, args)
    assert r.exit_code != 0
    assert message in r.stderr
    assert "Traceback" not in r.stderr + r.stdout
    assert len(r.stderr.strip().splitlines()) == 1
