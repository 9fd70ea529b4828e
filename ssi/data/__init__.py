"""Market data: the bundled compact dataset, loaders for panels in the same columns, the ticker
rename splice, sector labels, funding rates and a live CoinGecko source behind the same interface."""

from __future__ import annotations

from ssi.data.market import MarketData, load_bundled, load_market
from ssi.data.funding import load_funding

__all__ = ["MarketData", "load_bundled", "load_market", "load_funding"]
