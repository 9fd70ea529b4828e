"""The deployments file of a network: where later commands find the contracts.

One JSON file per network, ``deployments/<network>.json`` (``deployments/<ecosystem>-<network>.json``
outside Ethereum), holding the chain id and genesis hash it was written on, the protocol
addresses, the cash token, the roles of the local chain and every index by symbol. Files of
the local chain (``deployments/local*.json``) are git-ignored. ``SSI_DEPLOYMENTS_DIR`` moves
the directory (the tests use a temporary one).
"""

from __future__ import annotations

import json
import os
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ssi.ops.errors import OpsError

DEFAULT_DIR = Path("deployments")


def deployments_dir() -> Path:
    return Path(os.environ.get("SSI_DEPLOYMENTS_DIR", DEFAULT_DIR))


def book_path(ecosystem: str, network: str) -> Path:
    name = network if ecosystem == "ethereum" else f"{ecosystem}-{network}"
    return deployments_dir() / f"{name}.json"


@dataclass
class IndexEntry:
    """An index created by ``deploy``: its token and the methodology it follows."""

    symbol: str
    address: str
    methodology: str
    reference: str  # reference date of the first basket (YYYY-MM-DD)
    nav_per_share: float  # USD per share the first basket was built for
    created_block: int


@dataclass
class Book:
    """Everything a later command needs to find on a network."""

    network: str  # "ecosystem:network"
    chain_id: int
    genesis_hash: str
    deploy_block: int
    protocol: dict[str, str]  # registry, oracle, issuer, factory, token_implementation
    cash_token: dict[str, Any]  # symbol, address, decimals
    local: dict[str, Any] = field(default_factory=dict)  # mock assets and custodian wallet
    indices: dict[str, IndexEntry] = field(default_factory=dict)
    ussi: dict[str, Any] = field(default_factory=dict)  # the USSI token: address, index, deploy block

    def index(self, symbol: str) -> IndexEntry:
        """The index by symbol (``MAG7.ssi``) or methodology name (``MAG7``)."""
        if symbol in self.indices:
            return self.indices[symbol]
        for entry in self.indices.values():
            if entry.methodology.lower() == symbol.lower() or entry.symbol.lower() == symbol.lower():
                return entry
        known = ", ".join(sorted(self.indices)) or "none"
        raise OpsError(f"unknown index {symbol!r} on {self.network} (known: {known})")

    def symbol_at(self, address: str) -> str:
        """The symbol of the index at ``address`` (the address itself if unknown)."""
        for entry in self.indices.values():
            if entry.address.lower() == str(address).lower():
                return entry.symbol
        return str(address)

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["indices"] = {k: asdict(v) for k, v in self.indices.items()}
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Book:
        indices = {k: IndexEntry(**v) for k, v in data.get("indices", {}).items()}
        return cls(**{**data, "indices": indices})

    def save(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.to_json(), indent=2) + "\n")


def load_book(path: Path) -> Book:
    if not path.is_file():
        raise OpsError(f"no deployment on this network ({path} not found): run `ape run deploy` first")
    try:
        return Book.from_json(json.loads(path.read_text()))
    except (ValueError, TypeError, KeyError) as exc:
        raise OpsError(f"{path}: not a deployments file ({exc})") from None
