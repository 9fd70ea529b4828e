"""Deploy and drive the protocol contracts through Ape.

The scripts, the benchmarks and the tests all go through these functions, so
the order of wiring (who may call whom) is written once. Nothing here holds a
key: every transaction is sent by the Ape account passed in.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Sequence

from ssi.chain.eip712 import (
    ISSUER_DOMAIN,
    MINT,
    ORACLE_DOMAIN,
    REDEEM,
    Domain,
    Quote,
    ReserveReport,
    sign,
    sign_many,
)

WAD = 10**18
UNIT_SCALE = 10**18
UNIT_DENOMINATOR = 10**36
YEAR = 31_557_600
DAY = 86_400

STATUS = {1: "open", 2: "delivered", 3: "settled", 4: "cancelled", 5: "rejected"}


def asset_id(symbol: str) -> bytes:
    """The bytes32 id of an asset: its symbol, UTF-8, right-padded with zeros."""
    raw = symbol.encode()
    if not raw or len(raw) > 32:
        raise ValueError(f"asset symbol must be 1 to 32 bytes: {symbol!r}")
    return raw.ljust(32, b"\0")


def symbol_of(asset: bytes) -> str:
    """Inverse of :func:`asset_id`."""
    return bytes(asset).rstrip(b"\0").decode()


def required_reserve(supply: int, units: int) -> int:
    """Base units that back ``supply`` share-wei at ``units``: ceil(supply * units / 1e36)."""
    return -(-supply * units // UNIT_DENOMINATOR)


def fee_rate_from_annual(annual_fee: float) -> int:
    """Continuous per-year rate (WAD) that takes ``annual_fee`` of the basket in one year."""
    import math

    if not 0 <= annual_fee < 1:
        raise ValueError(f"annual fee must be in [0, 1): {annual_fee}")
    return int(-math.log1p(-annual_fee) * WAD)


@dataclass
class Deployment:
    """The shared protocol contracts and their domains."""

    registry: Any
    oracle: Any
    issuer: Any
    factory: Any
    token_implementation: str
    chain_id: int
    timelock: Any = None

    @property
    def issuer_domain(self) -> Domain:
        return Domain(ISSUER_DOMAIN, self.chain_id, str(self.issuer.address))

    @property
    def oracle_domain(self) -> Domain:
        return Domain(ORACLE_DOMAIN, self.chain_id, str(self.oracle.address))

    def addresses(self) -> dict[str, str]:
        return {
            "registry": str(self.registry.address),
            "oracle": str(self.oracle.address),
            "issuer": str(self.issuer.address),
            "factory": str(self.factory.address),
            "token_implementation": self.token_implementation,
            "timelock": str(self.timelock.address) if self.timelock is not None else "",
        }


@dataclass
class IndexSpec:
    """Parameters of a new index (see Factory.IndexParams)."""

    name: str
    symbol: str
    assets: Sequence[str]
    units: Sequence[int]
    compiler: str
    signers: Sequence[str]
    threshold: int
    cash_token: str
    treasury: str
    management_fee_rate: int = 0
    creation_fee_bps: int = 10
    redemption_fee_bps: int = 10
    request_timeout: int = DAY
    min_shares: int = 10**15
    max_shares: int = 10**30
    wlps: Sequence[str] = ()
    pmms: Sequence[str] = ()

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.name,
            self.symbol,
            [asset_id(a) for a in self.assets],
            list(self.units),
            self.compiler,
            self.management_fee_rate,
            sorted(self.signers, key=lambda a: int(a, 16)),
            self.threshold,
            self.cash_token,
            self.treasury,
            self.creation_fee_bps,
            self.redemption_fee_bps,
            self.request_timeout,
            self.min_shares,
            self.max_shares,
            [str(a) for a in self.wlps],
            [str(a) for a in self.pmms],
        )


@dataclass(frozen=True)
class Request:
    """An Issuer request, as stored (hashed) on chain and passed back to it."""

    id: int
    index: str
    side: int
    wlp: str
    pmm: str
    shares: int
    cash: int
    fee: int
    deadline: int
    cancel_after: int

    def as_tuple(self) -> tuple[Any, ...]:
        return (
            self.id,
            self.index,
            self.side,
            self.wlp,
            self.pmm,
            self.shares,
            self.cash,
            self.fee,
            self.deadline,
            self.cancel_after,
        )

    @classmethod
    def from_log(cls, log: Any) -> Request:
        """From a ``MintRequested`` or ``RedeemRequested`` event."""
        side = MINT if log.event_name == "MintRequested" else REDEEM
        return cls(
            id=int(log.id),
            index=str(log.index),
            side=side,
            wlp=str(log.wlp),
            pmm=str(log.pmm),
            shares=int(log.shares),
            cash=int(log.cash),
            fee=int(log.fee),
            deadline=int(log.deadline),
            cancel_after=int(log.cancel_after),
        )


@dataclass
class Actors:
    """Who signs what. ``custodians`` sign reserve reports; ``pmm`` signs quotes."""

    pmm: Any
    custodians: list[Any] = field(default_factory=list)


def deploy_protocol(
    project: Any,
    owner: Any,
    guardian: str,
    chain_id: int,
    *,
    notice_period: int = DAY,
    max_report_age: int = DAY,
    max_fee_bps: int = 100,
    max_fee_rate: int = WAD // 20,
    timelock_delay: int = 2 * DAY,
) -> Deployment:
    """Deploy the timelock, registry, oracle, issuer, the token implementation and the factory,
    and wire them. The owner wires once; later changes to the wiring go through the timelock
    (``ssi.chain.timelock``), whose delay must be at least every index's request timeout."""
    timelock = project.Timelock.deploy(timelock_delay, guardian, sender=owner)
    registry = project.BasketRegistry.deploy(timelock, guardian, notice_period, max_fee_rate, sender=owner)
    oracle = project.ReserveOracle.deploy(registry, timelock, guardian, max_report_age, sender=owner)
    issuer = project.Issuer.deploy(registry, oracle, timelock, guardian, max_fee_bps, sender=owner)
    implementation = project.IndexToken.deploy(sender=owner)
    factory = project.Factory.deploy(implementation, registry, oracle, issuer, sender=owner)
    registry.set_oracle(oracle, sender=owner)
    registry.set_issuer(issuer, sender=owner)
    registry.set_factory(factory, sender=owner)
    oracle.set_factory(factory, sender=owner)
    issuer.set_factory(factory, sender=owner)
    return Deployment(registry, oracle, issuer, factory, str(implementation.address), chain_id, timelock)


def register_assets(
    deployment: Deployment, owner: Any, assets: Iterable[tuple[str, int]]
) -> None:
    """Register (symbol, decimals) pairs that are not registered yet."""
    for symbol, decimals in assets:
        if deployment.registry.assets(asset_id(symbol)).number == 0:
            deployment.registry.register_asset(asset_id(symbol), symbol, decimals, sender=owner)


def create_index(project: Any, deployment: Deployment, owner: Any, spec: IndexSpec) -> Any:
    """Create an index through the factory and return its token contract."""
    receipt = deployment.factory.create_index(spec.as_tuple(), sender=owner)
    created = receipt.decode_logs(deployment.factory.IndexCreated)
    return project.IndexToken.at(created[0].index)


def quote_for(
    deployment: Deployment,
    pmm: Any,
    *,
    index: str,
    side: int,
    shares: int,
    cash: int,
    cash_token: str,
    wlp: str,
    deadline: int,
    nonce: int,
) -> tuple[Quote, bytes]:
    """A quote and the PMM's signature of it."""
    quote = Quote(str(index), side, shares, cash, str(cash_token), str(wlp), deadline, nonce)
    return quote, sign(pmm, deployment.issuer_domain, quote)


def request_of(receipt: Any, deployment: Deployment) -> Request:
    """The request a ``request_mint``/``request_redeem`` receipt opened."""
    for event in (deployment.issuer.MintRequested, deployment.issuer.RedeemRequested):
        logs = receipt.decode_logs(event)
        if logs:
            return Request.from_log(logs[0])
    raise ValueError("receipt opened no request")


def post_report(
    deployment: Deployment,
    signers: list[Any],
    sender: Any,
    *,
    index: str,
    version: int,
    balances: Sequence[int],
    as_of: int,
    nonce: int | None = None,
    basket_hash: bytes | None = None,
) -> Any:
    """Sign a reserve report with ``signers`` (sorted for the contract) and post it. The basket
    hash is read from the registry unless given (tests pass a wrong one on purpose)."""
    if nonce is None:
        nonce = int(deployment.oracle.next_nonce(index))
    if basket_hash is None:
        basket_hash = bytes(deployment.registry.basket_hash(index, version))
    report = ReserveReport(
        str(index), version, bytes(basket_hash), tuple(int(b) for b in balances), as_of, nonce
    )
    signatures = sign_many(signers, deployment.oracle_domain, report)
    return deployment.oracle.post_report(report.as_tuple(), signatures, sender=sender)


def basket_hash(index: str, version: int, asset_ids: Sequence[bytes], units: Sequence[int]) -> bytes:
    """The registry's hash of a basket version: keccak256(abi_encode(index, version, asset_ids,
    units as announced)). A custodian computes it from ``BasketAnnounced`` to check what it signs."""
    from eth_abi import encode
    from eth_utils import keccak, to_checksum_address

    return keccak(
        encode(
            ["address", "uint256", "bytes32[]", "uint256[]"],
            [to_checksum_address(index), version, [bytes(a) for a in asset_ids], [int(u) for u in units]],
        )
    )


@dataclass(frozen=True)
class Gate:
    """The arguments of ``ReserveOracle.check_backing`` for one supply increase: the basket
    version, the share-wei the reserves must cover (supply + fee shares owed + delivered unsettled
    mints) and the earliest as-of time the report may have (the mint's delivery, the index's last
    outflow)."""

    index: str
    version: int
    claims: int
    not_before: int

    def args(self) -> tuple[str, int, int, int]:
        return (self.index, self.version, self.claims, self.not_before)


def claims_of(deployment: Deployment, token: Any) -> int:
    """Share-wei the custodian's reserves must cover now (the Issuer's ``claims`` view)."""
    return int(deployment.issuer.claims(token))


def settle_gate(deployment: Deployment, token: Any, request: Request) -> Gate:
    """What settling a delivered mint is checked against (before the fee shares are minted: the
    claims are the same, since minting them moves them from 'owed' into the supply)."""
    pending, last_outflow = (int(x) for x in deployment.issuer.flows(token))
    delivered_at = int(deployment.issuer.delivered_at(request.id))
    version = int(deployment.registry.version(token))
    return Gate(str(token.address), version, claims_of(deployment, token), max(delivered_at, last_outflow))


def activate_gate(deployment: Deployment, token: Any) -> Gate:
    """What activating the pending basket is checked against."""
    _, last_outflow = (int(x) for x in deployment.issuer.flows(token))
    pending = int(deployment.registry.pending_version(token))
    return Gate(str(token.address), pending, claims_of(deployment, token), last_outflow)
