"""A live market-data source: CoinGecko's public API, behind the same interface as the bundled
loader (``load_coingecko(...) -> MarketData``). Never used by the default run, and never by tests
against the network: the HTTP session is injectable.

Endpoints (https://api.coingecko.com/api/v3):
- ``/coins/{id}/market_chart?vs_currency=usd&days=N&interval=daily``: daily price, market cap and
  24h volume, as ``{"prices": [[ms, v], ...], "market_caps": [...], "total_volumes": [...]}``;
- ``/coins/markets?vs_currency=usd&order=market_cap_desc&per_page=N&page=1``: the current top N,
  used only when no symbols are given (today's top N: survivorship-biased for a backtest).

Conventions (those of the bundled panel, see its PROVENANCE.md):
- a daily point stamped ``D 00:00 UTC`` is the close of ``D − 1`` and is filed under ``D − 1``;
  points not at midnight (the last, intraday "now" point) are dropped: that day is not closed;
- a market cap or volume of 0 means "unknown" at CoinGecko and becomes NaN; a price ≤ 0 is dropped;
- symbols map to CoinGecko ids through the label table's primary row per ticker (``ids`` overrides);
  the fetched rows carry the id, so the market is keyed by id like the bundled data.

Rate limits: keyless public calls are throttled (a few to ~30 calls a minute) and limited to the last
365 days of history. The client spaces calls (``min_interval``) and retries HTTP 429 / 5xx and
connection errors, waiting ``Retry-After`` when the server sends it, else an exponential backoff.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

import numpy as np
import pandas as pd

from ssi.data.labels import by_ticker, read_labels
from ssi.data.market import BUNDLED_LABELS, MarketData, panel_to_market

DEFAULT_BASE_URL = "https://api.coingecko.com/api/v3"
RETRY_STATUS = frozenset({429, 500, 502, 503, 504})
MS_PER_DAY = 86_400_000


class CoinGeckoError(RuntimeError):
    """A request that failed for good, or a response that is not in CoinGecko's shape."""


class Response(Protocol):
    status_code: int
    headers: Mapping[str, str]
    text: str

    def json(self) -> Any: ...


class Session(Protocol):
    """What the client needs from ``requests.Session`` (tests pass a fake)."""

    def get(self, url: str, params: Mapping[str, Any] | None = None, headers: Mapping[str, str] | None = None,
            timeout: float | None = None) -> Response: ...


@dataclass(frozen=True)
class RetryPolicy:
    max_retries: int = 4  # retries after the first attempt
    backoff_seconds: float = 2.0  # wait before retry k (0-based): backoff × 2**k
    max_wait_seconds: float = 120.0  # cap on one wait, including Retry-After


def _error_message(resp: Response) -> str:
    """CoinGecko's error text: ``{"error": "..."}``, ``{"status": {"error_message": ...}}`` or
    ``{"error": {"status": {"error_message": ...}}}``; else the first line of the body."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        err = body.get("error", body)
        if isinstance(err, str):
            return err
        if isinstance(err, dict):
            status = err.get("status", err)
            if isinstance(status, dict) and status.get("error_message"):
                return str(status["error_message"])
    text = (getattr(resp, "text", "") or "").strip()
    return text.splitlines()[0][:200] if text else "no message"


class CoinGeckoClient:
    """Thin client for the two endpoints, with spacing between calls and retries."""

    def __init__(
        self,
        session: Session | None = None,
        base_url: str = DEFAULT_BASE_URL,
        api_key: str | None = None,
        retry: RetryPolicy = RetryPolicy(),
        min_interval: float = 2.0,
        timeout: float = 30.0,
        sleep: Callable[[float], None] = time.sleep,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if session is None:
            import requests

            session = requests.Session()
        self.session = session
        self.base_url = base_url.rstrip("/")
        self.headers = {"accept": "application/json"}
        if api_key:
            self.headers["x-cg-demo-api-key"] = api_key
        self.retry = retry
        self.min_interval = min_interval
        self.timeout = timeout
        self.sleep = sleep
        self.clock = clock
        self._last_call: float | None = None
        self.calls = 0

    def _space(self) -> None:
        if self._last_call is not None and self.min_interval > 0:
            wait = self._last_call + self.min_interval - self.clock()
            if wait > 0:
                self.sleep(wait)
        self._last_call = self.clock()

    def get(self, path: str, params: Mapping[str, Any]) -> Any:
        url = f"{self.base_url}/{path.lstrip('/')}"
        attempt = 0
        while True:
            self._space()
            self.calls += 1
            try:
                resp = self.session.get(url, params=dict(params), headers=self.headers, timeout=self.timeout)
            except (OSError, ConnectionError) as exc:  # requests' exceptions derive from OSError
                if attempt >= self.retry.max_retries:
                    raise CoinGeckoError(f"CoinGecko {path}: no response after {attempt + 1} attempts ({exc})") from None
                wait = None
                status = None
            else:
                status = resp.status_code
                if status == 200:
                    try:
                        return resp.json()
                    except ValueError:
                        raise CoinGeckoError(f"CoinGecko {path}: response is not JSON") from None
                if status not in RETRY_STATUS:
                    hint = " (unknown coin id?)" if status == 404 else ""
                    raise CoinGeckoError(f"CoinGecko {path}: HTTP {status}{hint}: {_error_message(resp)}")
                if attempt >= self.retry.max_retries:
                    what = "rate limited" if status == 429 else f"HTTP {status}"
                    raise CoinGeckoError(f"CoinGecko {path}: {what} after {attempt + 1} attempts: {_error_message(resp)}")
                wait = _retry_after(resp.headers)
            if wait is None:
                wait = self.retry.backoff_seconds * 2**attempt
            self.sleep(min(wait, self.retry.max_wait_seconds))
            attempt += 1

    def market_chart(self, coin_id: str, days: int | str, vs_currency: str = "usd") -> dict[str, Any]:
        data = self.get(f"coins/{coin_id}/market_chart",
                        {"vs_currency": vs_currency, "days": days, "interval": "daily"})
        if not isinstance(data, dict) or "prices" not in data:
            raise CoinGeckoError(f"CoinGecko market_chart {coin_id}: no 'prices' in the response")
        return data

    def top_coins(self, n: int, vs_currency: str = "usd") -> list[dict[str, Any]]:
        data = self.get("coins/markets", {"vs_currency": vs_currency, "order": "market_cap_desc",
                                          "per_page": n, "page": 1})
        if not isinstance(data, list):
            raise CoinGeckoError("CoinGecko coins/markets: expected a list")
        return data


def default_client() -> CoinGeckoClient:
    """The client the CLI uses: a ``requests`` session; a demo API key from ``COINGECKO_API_KEY``."""
    return CoinGeckoClient(api_key=os.environ.get("COINGECKO_API_KEY") or None)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = {k.lower(): v for k, v in (headers or {}).items()}.get("retry-after")
    try:
        return max(0.0, float(value)) if value is not None else None
    except ValueError:
        return None  # an HTTP date: fall back to the backoff


def _series(points: Any, name: str, what: str) -> pd.Series:
    if points is None:
        return pd.Series(dtype=float, name=name)
    if not isinstance(points, list) or any(not isinstance(p, list | tuple) or len(p) != 2 for p in points):
        raise CoinGeckoError(f"{what}: '{name}' is not a list of [timestamp_ms, value] pairs")
    if not points:
        return pd.Series(dtype=float, name=name)
    arr = np.array([[p[0], np.nan if p[1] is None else p[1]] for p in points], dtype=float)
    ms = arr[:, 0].astype(np.int64)
    at_midnight = ms % MS_PER_DAY == 0
    dates = pd.to_datetime(ms[at_midnight] - MS_PER_DAY, unit="ms")  # D 00:00 UTC = close of D-1
    s = pd.Series(arr[at_midnight, 1], index=dates, name=name)
    return s[~s.index.duplicated(keep="last")]


def parse_market_chart(payload: Mapping[str, Any], symbol: str) -> pd.DataFrame:
    """One coin's ``market_chart`` response → long rows in the panel's columns (see module doc)."""
    what = f"CoinGecko market_chart {symbol}"
    cols = [_series(payload.get(key), name, what) for key, name in
            (("prices", "price_usd"), ("market_caps", "market_cap_usd"), ("total_volumes", "volume_usd"))]
    df = pd.concat(cols, axis=1)
    df = df[df["price_usd"] > 0]
    for c in ("market_cap_usd", "volume_usd"):
        df[c] = df[c].where(df[c] > 0)
    df.index.name = "date"
    df = df.reset_index()
    df.insert(1, "symbol", symbol)
    return df


def coingecko_ids(labels: pd.DataFrame, symbols: Iterable[str], ids: Mapping[str, str] | None = None) -> dict[str, str]:
    """symbol → CoinGecko id, from ``ids`` first, then the labels' ``coingecko_id`` column."""
    ids = dict(ids or {})
    tick = by_ticker(labels)
    out, unknown = {}, []
    for sym in symbols:
        cid = ids.get(sym)
        if cid is None and sym in tick.index:
            v = tick.at[sym, "id"]
            cid = v if isinstance(v, str) and v else None
        if cid is None:
            unknown.append(sym)
        else:
            out[sym] = cid
    if unknown:
        raise CoinGeckoError(f"no CoinGecko id for {unknown}: add them to the labels' coingecko_id or pass ids")
    return out


def load_coingecko(
    symbols: Iterable[str] | None = None,
    days: int = 365,
    *,
    top: int = 40,
    ids: Mapping[str, str] | None = None,
    labels: pd.DataFrame | None = None,
    client: CoinGeckoClient | None = None,
    session: Session | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> MarketData:
    """Fetch ``days`` days of daily data for ``symbols`` (default: CoinGecko's current top ``top``)
    and return it as ``MarketData`` on a complete daily calendar, like ``load_market``.
    Labels default to the bundled ones; there are no CMC snapshot volumes."""
    if isinstance(days, bool) or not isinstance(days, int) or days < 1:
        raise ValueError(f"days must be a positive integer, got {days!r}")
    client = client or CoinGeckoClient(session=session)
    labels = labels if labels is not None else read_labels(BUNDLED_LABELS)
    if symbols is None:
        coins = client.top_coins(top)
        by_id = {cid: sym for cid, sym in labels["symbol"].items()}
        mapping = {}
        for c in coins:
            sym = by_id.get(c["id"], str(c["symbol"]).upper())
            mapping.setdefault(sym, c["id"])
        mapping |= dict(ids or {})
    else:
        mapping = coingecko_ids(labels, list(dict.fromkeys(symbols)), ids)
    if not mapping:
        raise CoinGeckoError("no symbols to fetch")
    frames = []
    for k, (sym, cid) in enumerate(mapping.items()):
        frames.append(parse_market_chart(client.market_chart(cid, days), sym).assign(id=cid))
        if progress:
            progress(k + 1, len(mapping))
    panel = pd.concat(frames, ignore_index=True)
    if panel.empty:
        raise CoinGeckoError("CoinGecko returned no daily closes for " + ", ".join(mapping))
    market = panel_to_market(panel, labels, None, source=f"coingecko:{client.base_url} days={days}",
                             apply_renames=False)
    market.meta["coingecko_ids"] = mapping
    return market
