"""EIP-712 typed data shared with the contracts.

Every signed object of the protocol lives here, once: the PMM ``Quote`` (Issuer),
the custodians' ``ReserveReport`` (ReserveOracle) and the strategy signers'
``NavReport`` (USSI). Hashing and signing are eth-account's; this module only
states the types, which must match the contracts' type hashes character for
character (a test compares the digests).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Protocol

from eth_account import Account
from eth_account.messages import SignableMessage, _hash_eip191_message, encode_typed_data
from eth_utils import to_checksum_address

MINT = 0
REDEEM = 1

_DOMAIN_TYPE = [
    {"name": "name", "type": "string"},
    {"name": "version", "type": "string"},
    {"name": "chainId", "type": "uint256"},
    {"name": "verifyingContract", "type": "address"},
]

QUOTE_TYPE = [
    {"name": "index", "type": "address"},
    {"name": "side", "type": "uint8"},
    {"name": "shares", "type": "uint256"},
    {"name": "cash", "type": "uint256"},
    {"name": "cashToken", "type": "address"},
    {"name": "wlp", "type": "address"},
    {"name": "deadline", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
]

RESERVE_REPORT_TYPE = [
    {"name": "index", "type": "address"},
    {"name": "basketVersion", "type": "uint256"},
    {"name": "basketHash", "type": "bytes32"},
    {"name": "balances", "type": "uint256[]"},
    {"name": "asOf", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
]

NAV_REPORT_TYPE = [
    {"name": "navPerShare", "type": "uint256"},
    {"name": "indexPrice", "type": "uint256"},
    {"name": "asOf", "type": "uint256"},
    {"name": "nonce", "type": "uint256"},
]

# Domain names the contracts initialise snekmate's eip712_domain_separator with.
ISSUER_DOMAIN = "SSI Issuer"
ORACLE_DOMAIN = "SSI Reserve Oracle"
USSI_DOMAIN = "SSI USSI"


@dataclass(frozen=True)
class Domain:
    """An EIP-712 domain: the contract that verifies and the chain it lives on."""

    name: str
    chain_id: int
    verifying_contract: str
    version: str = "1"

    def as_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "version": self.version,
            "chainId": self.chain_id,
            "verifyingContract": to_checksum_address(self.verifying_contract),
        }


@dataclass(frozen=True)
class Quote:
    """A PMM quote: ``shares`` of ``index`` for ``cash`` of ``cash_token``, for one WLP."""

    index: str
    side: int
    shares: int
    cash: int
    cash_token: str
    wlp: str
    deadline: int
    nonce: int

    def message(self) -> dict[str, Any]:
        return {
            "index": to_checksum_address(self.index),
            "side": self.side,
            "shares": self.shares,
            "cash": self.cash,
            "cashToken": to_checksum_address(self.cash_token),
            "wlp": to_checksum_address(self.wlp),
            "deadline": self.deadline,
            "nonce": self.nonce,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        """The struct as the contract's ABI expects it (field order of ``Quote``)."""
        return tuple(self.message().values())


@dataclass(frozen=True)
class ReserveReport:
    """What the custodian holds for an index's basket version, in asset base units, net of every
    outflow recorded on chain at or before ``as_of`` that it has not paid yet. ``basket_hash``
    binds the report to the basket itself (the registry's ``basket_hash(index, version)``)."""

    index: str
    basket_version: int
    basket_hash: bytes
    balances: tuple[int, ...]
    as_of: int
    nonce: int

    def message(self) -> dict[str, Any]:
        return {
            "index": to_checksum_address(self.index),
            "basketVersion": self.basket_version,
            "basketHash": bytes(self.basket_hash),
            "balances": list(self.balances),
            "asOf": self.as_of,
            "nonce": self.nonce,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        return tuple(self.message().values())


@dataclass(frozen=True)
class NavReport:
    """USSI NAV per share and the index (MAG7.ssi) price per share, attested by the strategy
    signers. Both are the value of one whole share in whole cash tokens, scaled by 1e18; the index
    price rides in the same report so that one fresh, single-use report prices both deposits."""

    nav_per_share: int
    index_price: int
    as_of: int
    nonce: int

    def message(self) -> dict[str, Any]:
        return {
            "navPerShare": self.nav_per_share,
            "indexPrice": self.index_price,
            "asOf": self.as_of,
            "nonce": self.nonce,
        }

    def as_tuple(self) -> tuple[Any, ...]:
        return tuple(self.message().values())


_TYPES: dict[type, tuple[str, list[dict[str, str]]]] = {
    Quote: ("Quote", QUOTE_TYPE),
    ReserveReport: ("ReserveReport", RESERVE_REPORT_TYPE),
    NavReport: ("NavReport", NAV_REPORT_TYPE),
}


def typed_data(domain: Domain, struct: Quote | ReserveReport | NavReport) -> dict[str, Any]:
    """The full EIP-712 message (``eth_signTypedData_v4`` shape) of a struct."""
    primary, fields = _TYPES[type(struct)]
    return {
        "types": {"EIP712Domain": _DOMAIN_TYPE, primary: fields},
        "primaryType": primary,
        "domain": domain.as_dict(),
        "message": struct.message(),
    }


def signable(domain: Domain, struct: Quote | ReserveReport | NavReport) -> SignableMessage:
    """The struct as an EIP-191 version 1 signable message."""
    return encode_typed_data(full_message=typed_data(domain, struct))


def digest(domain: Domain, struct: Quote | ReserveReport | NavReport) -> bytes:
    """The 32-byte hash that is signed (the contracts' ``*_digest`` views return the same)."""
    return bytes(_hash_eip191_message(signable(domain, struct)))


class MessageSigner(Protocol):
    """Anything that signs an EIP-712 message: a raw key or an Ape account."""

    def sign(self, message: SignableMessage) -> bytes: ...


@dataclass(frozen=True)
class KeySigner:
    """Signs with a private key held in memory (tests, local chain)."""

    private_key: str = field(repr=False)

    @property
    def address(self) -> str:
        return Account.from_key(self.private_key).address

    def sign(self, message: SignableMessage) -> bytes:
        return bytes(Account.sign_message(message, self.private_key).signature)


@dataclass(frozen=True)
class ApeSigner:
    """Signs with an Ape account (keyfile, hardware wallet or test account)."""

    account: Any

    @property
    def address(self) -> str:
        return str(self.account.address)

    def sign(self, message: SignableMessage) -> bytes:
        sig = self.account.sign_message(message)
        if sig is None:
            raise ValueError(f"account {self.account.address} refused to sign")
        # r and s may come back without their leading zero bytes: pad them.
        return bytes(sig.r).rjust(32, b"\0") + bytes(sig.s).rjust(32, b"\0") + bytes([sig.v])


def sign(signer: MessageSigner, domain: Domain, struct: Quote | ReserveReport | NavReport) -> bytes:
    """A 65-byte signature (r, s, v) of the struct under the domain."""
    return signer.sign(signable(domain, struct))


def sign_many(
    signers: list[Any], domain: Domain, struct: ReserveReport | NavReport
) -> list[bytes]:
    """Signatures of several signers, sorted by signer address as the contracts require."""
    ordered = sorted(signers, key=lambda s: int(str(s.address), 16))
    return [sign(s, domain, struct) for s in ordered]


def as_dict(struct: Quote | ReserveReport | NavReport) -> dict[str, Any]:
    """Plain-dict form (snake_case) for JSON output."""
    return asdict(struct)
