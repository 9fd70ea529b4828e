"""Where the page's prices come from: the bundled closes (default) or a live source.

Every figure in USD on the page names its source (``PriceQuote.source``), so a reader knows
whether it is looking at a historical close or at a price fetched a moment ago.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any, Protocol, Sequence

from ssi.ops.market import bundled_market, prices_at


@dataclass(frozen=True)
class PriceQuote:
    prices: dict[str, float]
    source: str  # shown on the page, e.g. "bundled data: closes of 2025-02-28"
    kind: str  # "bundled" or "live"
    day: dt.date | None = None  # the close's date, for bundled prices


class PriceSource(Protocol):
    def quote(self, symbols: Sequence[str], chain_time: int) -> PriceQuote: ...

    def quote_days_before(self, symbols: Sequence[str], chain_time: int, days: int) -> PriceQuote | None: ...


def _bundled_range() -> tuple[dt.date, dt.date]:
    market = bundled_market()
    return market.first_date.date(), market.last_date.date()


@dataclass
class BundledPriceSource:
    """Closes from the bundled market data: of ``day`` if given, else of the chain's date (the
    last bundled close when the chain is past the data)."""

    day: dt.date | None = None

    def _day(self, chain_time: int) -> dt.date:
        lo, hi = _bundled_range()
        want = self.day or dt.datetime.fromtimestamp(chain_time, dt.timezone.utc).date()
        return min(max(want, lo), hi)

    def quote(self, symbols: Sequence[str], chain_time: int) -> PriceQuote:
        day = self._day(chain_time)
        return PriceQuote(prices_at(day, symbols), f"bundled data: closes of {day}", "bundled", day)

    def quote_days_before(self, symbols: Sequence[str], chain_time: int, days: int) -> PriceQuote | None:
        lo, _ = _bundled_range()
        day = self._day(chain_time) - dt.timedelta(days=days)
        if day < lo:
            return None
        return PriceQuote(prices_at(day, symbols), f"bundled data: closes of {day}", "bundled", day)


@dataclass
class LivePriceSource:
    """Current USD prices from CoinGecko's public API (network), cached for ``ttl`` seconds.
    The 30-day reference comes from the same API's daily history."""

    client: Any = None  # ssi.data.coingecko.CoinGeckoClient
    ttl: float = 60.0
    top: int = 250
    _cache: dict[str, tuple[float, Any]] = field(default_factory=dict)

    def _client(self) -> Any:
        if self.client is None:
            from ssi.data.coingecko import default_client

            self.client = default_client()
        return self.client

    def _markets(self) -> dict[str, dict[str, Any]]:
        hit = self._cache.get("markets")
        if hit and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        rows = self._client().top_coins(self.top)
        by_symbol: dict[str, dict[str, Any]] = {}
        for row in rows:  # highest market cap first: a ticker shared by several coins means the largest
            by_symbol.setdefault(str(row.get("symbol", "")).upper(), row)
        self._cache["markets"] = (time.monotonic(), by_symbol)
        return by_symbol

    def quote(self, symbols: Sequence[str], chain_time: int) -> PriceQuote:
        markets = self._markets()
        missing = [s for s in symbols if s.upper() not in markets]
        if missing:
            raise LookupError(f"live prices: no CoinGecko price for {', '.join(missing)}")
        stamp = dt.datetime.now(dt.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
        return PriceQuote({s: float(markets[s.upper()]["current_price"]) for s in symbols},
                          f"live: CoinGecko, fetched {stamp}", "live")

    def quote_days_before(self, symbols: Sequence[str], chain_time: int, days: int) -> PriceQuote | None:
        markets = self._markets()
        prices: dict[str, float] = {}
        for s in symbols:
            coin = markets.get(s.upper())
            if coin is None:
                return None
            chart = self._client().market_chart(str(coin["id"]), days + 1)
            points = chart.get("prices") or []
            if not points:
                return None
            prices[s] = float(points[0][1])
        return PriceQuote(prices, f"live: CoinGecko, {days} days ago", "live")
