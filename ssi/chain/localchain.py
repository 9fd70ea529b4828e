"""The local-chain stand-ins for the off-chain world: mock asset tokens and a custodian wallet.

On a real network the PMM buys the basket on exchanges and delivers it to the
custodian, who reads its own books to sign a reserve report. On the local chain
each underlying asset is a ``MockERC20`` and the custodian is an address: the
PMM delivers by transferring mock tokens to it, and the custodian's holdings are
its token balances. Everything else (quotes, reports, settlement) is the same
code that runs on any network.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Sequence

from ssi.chain.protocol import Deployment, symbol_of


@dataclass
class MockAssets:
    """Mock ERC-20s for the underlying assets, by symbol."""

    tokens: dict[str, Any]

    def __getitem__(self, symbol: str) -> Any:
        if symbol not in self.tokens:
            raise KeyError(f"no mock token for asset {symbol!r}")
        return self.tokens[symbol]

    def addresses(self) -> dict[str, str]:
        return {s: str(t.address) for s, t in self.tokens.items()}


def deploy_mock_assets(project: Any, owner: Any, assets: Sequence[tuple[str, int]]) -> MockAssets:
    """Deploy one mock token per (symbol, decimals); symbols are cut to the mock's 5 characters."""
    tokens = {
        symbol: project.MockERC20.deploy(symbol, symbol[:5], decimals, sender=owner)
        for symbol, decimals in assets
    }
    return MockAssets(tokens)


def basket_symbols(deployment: Deployment, index: Any, version: int) -> list[str]:
    """Symbols of a basket version, in basket order."""
    ids, _ = deployment.registry.basket(index, version)
    return [symbol_of(bytes(i)) for i in ids]


def custodian_holdings(assets: MockAssets, custodian: str, symbols: Sequence[str]) -> list[int]:
    """What the custodian address holds of each asset, in the given order (base units)."""
    return [int(assets[s].balanceOf(custodian)) for s in symbols]


def deliver(assets: MockAssets, pmm: Any, custodian: str, amounts: Mapping[str, int]) -> None:
    """The PMM delivers basket amounts to the custodian: it buys each asset and has the venue settle
    it straight to the custodian's address (a mock mint from the PMM: one transaction per asset)."""
    for symbol, amount in amounts.items():
        if amount > 0:
            assets[symbol].mint(custodian, amount, sender=pmm)


def release(assets: MockAssets, custodian: Any, pmm: str, amounts: Mapping[str, int]) -> None:
    """The custodian releases basket amounts to the PMM after a redemption fill."""
    for symbol, amount in amounts.items():
        if amount > 0:
            assets[symbol].transfer(pmm, amount, sender=custodian)
