"""The live CoinGecko source, against hand-made responses in CoinGecko's format (no network)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
import pytest
from click.testing import CliRunner

from ssi.cli import main
from ssi.data import coingecko
from ssi.data.coingecko import CoinGeckoClient, CoinGeckoError, RetryPolicy, load_coingecko, parse_market_chart
from ssi.data.market import MarketData

FIX = Path(__file__).parent / "fixtures"


def fixture(name: str):
    return json.loads((FIX / name).read_text())


class FakeResponse:
    def __init__(self, status: int, body, headers: dict | None = None) -> None:
        self.status_code = status
        self._body = body
        self.headers = headers or {}
        self.text = body if isinstance(body, str) else json.dumps(body)

    def json(self):
        if isinstance(self._body, str):
            raise ValueError("not JSON")
        return self._body


class FakeSession:
    """Answers by URL path; a list of responses is served in order (the last one repeats)."""

    def __init__(self, routes: dict) -> None:
        self.routes = {k: (v if isinstance(v, list) else [v]) for k, v in routes.items()}
        self.requests: list[tuple[str, dict]] = []

    def get(self, url, params=None, headers=None, timeout=None):
        path = url.split("/api/v3/", 1)[1]
        self.requests.append((path, dict(params or {})))
        if path not in self.routes:
            return FakeResponse(404, fixture("coingecko_error_404.json"))
        queue = self.routes[path]
        item = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(item, Exception):
            raise item
        return item


def ok(name: str) -> FakeResponse:
    return FakeResponse(200, fixture(name))


def charts() -> dict:
    return {f"coins/{cid}/market_chart": ok(f"coingecko_market_chart_{cid}.json") for cid in ("bitcoin", "ethereum", "solana")}


def client(session, sleeps=None, **kw) -> CoinGeckoClient:
    sleeps = [] if sleeps is None else sleeps
    return CoinGeckoClient(session=session, sleep=sleeps.append, clock=lambda: 0.0, **kw)


def test_parse_market_chart__midnight_points_are_previous_day_closes():
    raw = fixture("coingecko_market_chart_bitcoin.json")
    df = parse_market_chart(raw, "BTC")
    assert list(df.columns) == ["date", "symbol", "price_usd", "market_cap_usd", "volume_usd"]
    assert len(df) == len(raw["prices"]) - 1  # the intraday "now" point is dropped
    assert df["date"].iloc[0] == pd.Timestamp("2024-12-31")  # stamped 2025-01-01 00:00 UTC
    assert df["price_usd"].iloc[0] == raw["prices"][0][1]
    assert df["date"].iloc[-1] == pd.Timestamp("2025-03-15")
    assert df["market_cap_usd"].iloc[5] == raw["market_caps"][5][1]


def test_parse_market_chart__zero_cap_and_null_volume_become_missing():
    df = parse_market_chart(fixture("coingecko_market_chart_solana.json"), "SOL").set_index("date")
    assert pd.isna(df.at[pd.Timestamp("2025-01-10"), "market_cap_usd"])
    assert pd.isna(df.at[pd.Timestamp("2025-01-11"), "volume_usd"])
    assert df["market_cap_usd"].notna().sum() == len(df) - 1


def test_parse_market_chart__rejects_a_foreign_shape():
    with pytest.raises(CoinGeckoError, match="timestamp_ms"):
        parse_market_chart({"prices": [{"t": 1, "v": 2}]}, "BTC")


def test_load_coingecko__same_interface_as_the_bundled_loader():
    session = FakeSession(charts())
    m = load_coingecko(["BTC", "ETH", "SOL"], days=90, client=client(session))
    assert isinstance(m, MarketData)
    assert m.symbols == ["bitcoin", "ethereum", "solana"]  # keyed by id; tickers for display
    assert [m.symbol_of(k) for k in m.symbols] == ["BTC", "ETH", "SOL"]
    assert m.first_date == pd.Timestamp("2024-12-31") and m.last_date == pd.Timestamp("2025-03-15")
    assert len(m.price) == 75 and m.price.notna().all().all()
    assert list(m.market_cap.columns) == m.symbols and list(m.volume.index) == list(m.price.index)
    assert m.label_table().at["bitcoin", "is_stablecoin"] == 0 and "sector" in m.label_table().columns
    assert m.meta["coingecko_ids"] == {"BTC": "bitcoin", "ETH": "ethereum", "SOL": "solana"}
    # ids from the labels' coingecko_id column, the documented query parameters
    assert [p for p, _ in session.requests] == [f"coins/{c}/market_chart" for c in ("bitcoin", "ethereum", "solana")]
    assert session.requests[0][1] == {"vs_currency": "usd", "days": 90, "interval": "daily"}


def test_load_coingecko__default_universe_is_the_current_top_n():
    session = FakeSession(charts() | {"coins/markets": ok("coingecko_coins_markets.json")})
    m = load_coingecko(None, days=90, top=3, client=client(session))
    assert m.symbols == ["bitcoin", "ethereum", "solana"]
    assert session.requests[0] == ("coins/markets", {"vs_currency": "usd", "order": "market_cap_desc", "per_page": 3, "page": 1})


def test_load_coingecko__unknown_symbol_is_a_clear_error():
    with pytest.raises(CoinGeckoError, match=r"no CoinGecko id for \['NOPE'\]"):
        load_coingecko(["BTC", "NOPE"], client=client(FakeSession(charts())))


def test_client__retries_429_with_retry_after_then_succeeds():
    limited = FakeResponse(429, fixture("coingecko_error_429.json"), {"Retry-After": "7"})
    session = FakeSession({"coins/bitcoin/market_chart": [limited, limited, ok("coingecko_market_chart_bitcoin.json")]})
    sleeps: list[float] = []
    c = client(session, sleeps, min_interval=0)
    data = c.market_chart("bitcoin", 30)
    assert "prices" in data and c.calls == 3
    assert sleeps == [7.0, 7.0]


def test_client__backoff_without_retry_after_and_gives_up():
    session = FakeSession({"coins/bitcoin/market_chart": FakeResponse(429, fixture("coingecko_error_429.json"))})
    sleeps: list[float] = []
    c = client(session, sleeps, min_interval=0, retry=RetryPolicy(max_retries=3, backoff_seconds=1.5))
    with pytest.raises(CoinGeckoError, match="rate limited after 4 attempts: You've exceeded the Rate Limit"):
        c.market_chart("bitcoin", 30)
    assert sleeps == [1.5, 3.0, 6.0]


def test_client__connection_errors_are_retried():
    session = FakeSession({"coins/bitcoin/market_chart": [ConnectionError("reset"), ok("coingecko_market_chart_bitcoin.json")]})
    sleeps: list[float] = []
    assert "prices" in client(session, sleeps, min_interval=0).market_chart("bitcoin", 30)
    assert sleeps == [2.0]


def test_client__spaces_calls_by_min_interval():
    times = iter([0.0, 0.5, 2.0])  # first call at 0.0; the second asks at 0.5
    sleeps: list[float] = []
    c = CoinGeckoClient(session=FakeSession(charts()), sleep=sleeps.append, clock=lambda: next(times), min_interval=2.0)
    c.market_chart("bitcoin", 30)
    c.market_chart("ethereum", 30)
    assert sleeps == [1.5]


@pytest.mark.parametrize(
    ("status", "body", "message"),
    [
        (401, "coingecko_error_401_time_range.json", "HTTP 401: Your request exceeds the allowed time range"),
        (404, "coingecko_error_404.json", "HTTP 404 (unknown coin id?): coin not found"),
    ],
)
def test_client__non_retryable_errors_fail_at_once(status, body, message):
    session = FakeSession({"coins/bitcoin/market_chart": FakeResponse(status, fixture(body))})
    sleeps: list[float] = []
    with pytest.raises(CoinGeckoError, match=re.escape(message)):
        client(session, sleeps).market_chart("bitcoin", 400)
    assert sleeps == [] and len(session.requests) == 1


def test_client__non_json_body():
    session = FakeSession({"coins/bitcoin/market_chart": FakeResponse(200, "<html>maintenance</html>")})
    with pytest.raises(CoinGeckoError, match="not JSON"):
        client(session).market_chart("bitcoin", 30)


# --- CLI --source coingecko ---------------------------------------------------------------------

@pytest.fixture
def fake_coingecko(monkeypatch):
    routes = charts() | {"coins/markets": ok("coingecko_coins_markets.json")}
    monkeypatch.setattr(coingecko, "default_client", lambda: client(FakeSession(routes)))


def test_cli_weights__source_coingecko(fake_coingecko):
    r = CliRunner(mix_stderr=False).invoke(
        main, ["weights", "--index", "MAG7", "--date", "2025-02-25", "--source", "coingecko", "--symbols", "eth,sol", "--json"])
    assert r.exit_code == 0, r.stderr
    out = json.loads(r.stdout)
    assert set(out["weights"]) == {"bitcoin", "ethereum", "solana"}  # BTC added as the default benchmark
    assert set(out["symbols"].values()) == {"BTC", "ETH", "SOL"}
    assert sum(out["weights"].values()) == pytest.approx(1.0)


def test_cli_backtest__source_coingecko(fake_coingecko, tmp_path):
    r = CliRunner(mix_stderr=False).invoke(
        main, ["backtest", "--index", "MAG7", "--start", "2025-03-01", "--source", "coingecko", "--days", "90",
               "--out", str(tmp_path), "--quiet", "--no-chart"])
    assert r.exit_code == 0, r.stderr
    levels = pd.read_csv(tmp_path / "levels.csv")
    assert levels["date"].iloc[0] == "2025-02-28" and levels["date"].iloc[-1] == "2025-03-15"
    assert "coingecko" in json.loads((tmp_path / "summary.json").read_text())["data"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--symbols", "BTC,NOPE"], "no CoinGecko id for ['NOPE']"),
        (["--days", "10"], "--days 10"),
        (["--data", __file__], "exclude each other"),
    ],
)
def test_cli_coingecko_errors__one_line(fake_coingecko, args, message):
    r = CliRunner(mix_stderr=False).invoke(main, ["weights", "--index", "MAG7", "--date", "2025-02-25", "--source", "coingecko", *args])
    assert r.exit_code != 0
    assert message in r.stderr and len(r.stderr.strip().splitlines()) == 1
    assert "Traceback" not in r.stderr + r.stdout


def test_cli_coingecko__rate_limit_is_one_line(monkeypatch):
    limited = FakeResponse(429, fixture("coingecko_error_429.json"))
    monkeypatch.setattr(coingecko, "default_client",
                        lambda: client(FakeSession({"coins/bitcoin/market_chart": limited}), retry=RetryPolicy(max_retries=1)))
    r = CliRunner(mix_stderr=False).invoke(main, ["weights", "--index", "MAG7", "--date", "2025-02-25", "--source", "coingecko", "--symbols", "BTC"])
    assert r.exit_code != 0
    assert "rate limited after 2 attempts" in r.stderr and len(r.stderr.strip().splitlines()) == 1


def test_cli_symbols_needs_coingecko():
    r = CliRunner(mix_stderr=False).invoke(main, ["weights", "--index", "MAG7", "--date", "2023-01-28", "--symbols", "BTC"])
    assert r.exit_code != 0 and "--symbols applies to --source coingecko only" in r.stderr
