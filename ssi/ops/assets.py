"""``compiler register-asset``: the protocol owner registers an asset a rebalance brings in.

The registry refuses a basket naming an unregistered asset, and most years' rebalances add a
constituent. On the local chain a mock token of the asset is deployed too (the PMM's trades and
the custodian's holdings are mock tokens there) and recorded in the deployments file.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

from ssi.chain.localchain import deploy_mock_assets
from ssi.chain.protocol import asset_id
from ssi.ops.errors import OpsError, call_or_refuse
from ssi.ops.session import Session

MAX_DECIMALS = 36  # the registry's limit
MAX_SYMBOL = 16  # String[16] in the registry


@dataclass(frozen=True)
class Registered:
    symbol: str
    decimals: int
    number: int  # the registry's sequence number of the asset
    mock_token: str | None  # local chain only

    def to_json(self) -> dict[str, Any]:
        return asdict(self)


def register(s: Session, owner: Any, symbol: str, decimals: int | None = None) -> Registered:
    """Register ``symbol`` with ``decimals`` (default: the bundled asset table); refuses before sending."""
    from ssi.methodology.units import decimals_of

    symbol = symbol.strip()
    if not symbol or len(symbol) > MAX_SYMBOL or not symbol.isprintable() or " " in symbol:
        raise OpsError(f"--symbol {symbol!r}: 1 to {MAX_SYMBOL} printable characters without spaces")
    if decimals is None:
        decimals = decimals_of(symbol)
    if not 0 <= decimals <= MAX_DECIMALS:
        raise OpsError(f"--decimals {decimals}: must be between 0 and {MAX_DECIMALS}")
    registry = s.deployment.registry
    owner_address = str(registry.owner())
    if owner_address.lower() != str(owner.address).lower():
        raise OpsError(f"account {owner.address} is not the protocol owner ({owner_address}): only it registers assets")
    known = registry.assets(asset_id(symbol))
    if int(known.number) != 0:
        raise OpsError(f"asset {symbol} is already registered (number {int(known.number)}, "
                       f"{int(known.decimals)} decimals)")
    call_or_refuse("register asset", registry.register_asset, asset_id(symbol), symbol, decimals, sender=owner)
    mock = None
    if s.is_local and s.book.local.get("assets") is not None:
        mock = deploy_mock_assets(s.project, owner, [(symbol, decimals)]).addresses()[symbol]
        s.book.local["assets"][symbol] = mock
        s.save()
    return Registered(symbol, decimals, int(registry.assets(asset_id(symbol)).number), mock)
