"""The protocol in-process, on titanoboa (Vyper's interpreter), for fuzzing at thousands of steps.

The same contract sources as on anvil are compiled once per process with ``boa.load_partial`` and
deployed from the partials, wired in the order ``ssi.chain.protocol.deploy_protocol`` uses. Keys
live in memory (``KeySigner``): PMM quotes, custodian reserve reports and USSI NAV reports are
signed with eth-account over the typed data of ``ssi.chain.eip712``, so the digests the fuzzer
signs are the ones the contracts check. ``contracts_dir`` may point at a modified copy of the
contracts (planted bugs); partials are cached per source directory.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

import boa
from boa.contracts.vyper.vyper_contract import VyperContract
from eth_abi import decode
from eth_account import Account

from ssi.chain.eip712 import (
    ISSUER_DOMAIN,
    ORACLE_DOMAIN,
    USSI_DOMAIN,
    Domain,
    KeySigner,
)
from ssi.chain.protocol import DAY, WAD, IndexSpec, asset_id

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts"
DEPLOYABLES = (
    "Timelock",
    "BasketRegistry",
    "ReserveOracle",
    "Issuer",
    "IndexToken",
    "Factory",
    "USSI",
    "test/MockERC20",
    "test/FeeOnTransferToken",
)
_ERROR_SELECTOR = bytes.fromhex("08c379a0")


def _short_repr(self: Any) -> str:
    return f"<{self.contract_name} at {self.address}>"


# boa's repr of a contract dumps its whole storage, and a revert's stack trace builds it: on the
# registry that is ~10 ms per refused call. The fuzzer refuses thousands of calls on purpose.
VyperContract.__repr__ = _short_repr
_partials: dict[tuple[str, str], Any] = {}


def partials(contracts_dir: Path = CONTRACTS) -> dict[str, Any]:
    """Every deployable compiled once per process (keyed by directory and source text)."""
    out: dict[str, Any] = {}
    for name in DEPLOYABLES:
        path = Path(contracts_dir) / f"{name}.vy"
        key = (str(path), path.read_text())
        if key not in _partials:
            _partials[key] = boa.load_partial(str(path))
        out[name.split("/")[-1]] = _partials[key]
    return out


def revert_reason(err: BaseException) -> str:
    """The ``Error(string)`` reason of a reverted boa call ('' when it carries none)."""
    trace = getattr(err, "call_trace", None)
    output = bytes(trace.computation.output) if trace is not None else b""
    if output[:4] == _ERROR_SELECTOR:
        return str(decode(["string"], output[4:])[0])
    return ""


def expect_revert(reason: str, fn: Any, *args: Any, **kwargs: Any) -> None:
    """Call ``fn`` and assert it reverts with exactly ``reason``."""
    try:
        fn(*args, **kwargs)
    except boa.BoaError as err:
        got = revert_reason(err)
        assert got == reason, f"expected revert {reason!r}, got {got!r}"
        return
    raise AssertionError(f"expected revert {reason!r}, but the call succeeded")


def try_call(fn: Any, *args: Any, **kwargs: Any) -> tuple[Any, str | None]:
    """(result, None) on success, (None, reason) on a revert."""
    try:
        return fn(*args, **kwargs), None
    except boa.BoaError as err:
        return None, revert_reason(err)


@dataclass(frozen=True)
class Key:
    """A role with an in-memory key (it signs) or a bare address (it only sends)."""

    name: str
    address: str
    signer: KeySigner | None = None

    @classmethod
    def new(cls, name: str, seed: int) -> Key:
        private = "0x" + (seed + 0xA11CE).to_bytes(32, "big").hex()
        return cls(name, Account.from_key(private).address, KeySigner(private))


@dataclass(frozen=True)
class Actors:
    """Every role of the protocol, named for what it does."""

    owner: Key
    guardian: Key
    compiler: Key
    wlp: Key
    pmm: Key
    rogue_pmm: Key  # signs quotes, never listed
    custodians: tuple[Key, ...]
    treasury: Key
    attacker: Key
    anyone: Key
    operator: Key
    custody: Key
    strategists: tuple[Key, ...]

    @classmethod
    def make(cls) -> Actors:
        seeds = iter(range(1, 100))
        one = lambda name: Key.new(name, next(seeds))  # noqa: E731
        return cls(
            owner=one("owner"), guardian=one("guardian"), compiler=one("compiler"), wlp=one("wlp"),
            pmm=one("pmm"), rogue_pmm=one("rogue_pmm"),
            custodians=tuple(one(f"custodian{i}") for i in range(3)),
            treasury=one("treasury"), attacker=one("attacker"), anyone=one("anyone"),
            operator=one("operator"), custody=one("custody"),
            strategists=tuple(one(f"strategist{i}") for i in range(2)),
        )


@dataclass
class BoaDeployment:
    """The shared contracts on boa, plus the tokens the fuzzer uses."""

    timelock: Any
    registry: Any
    oracle: Any
    issuer: Any
    factory: Any
    implementation: Any
    usdc: Any
    fot: Any
    parts: dict[str, Any]
    chain_id: int
    indices: list[Any] = field(default_factory=list)
    ussi: Any = None

    @property
    def issuer_domain(self) -> Domain:
        return Domain(ISSUER_DOMAIN, self.chain_id, str(self.issuer.address))

    @property
    def oracle_domain(self) -> Domain:
        return Domain(ORACLE_DOMAIN, self.chain_id, str(self.oracle.address))

    @property
    def ussi_domain(self) -> Domain:
        return Domain(USSI_DOMAIN, self.chain_id, str(self.ussi.address))

    def token(self, address: str) -> Any:
        return self.parts["IndexToken"].at(address)


def deploy(
    actors: Actors,
    contracts_dir: Path = CONTRACTS,
    *,
    notice_period: int = DAY,
    max_report_age: int = DAY,
    max_fee_bps: int = 100,
    max_fee_rate: int = WAD // 20,
    timelock_delay: int = 2 * DAY,
) -> BoaDeployment:
    """Deploy and wire the protocol as ``ssi.chain.protocol.deploy_protocol`` does."""
    p = partials(contracts_dir)
    owner, guardian = actors.owner.address, actors.guardian.address
    with boa.env.prank(owner):
        timelock = p["Timelock"].deploy(timelock_delay, guardian)
        registry = p["BasketRegistry"].deploy(timelock.address, guardian, notice_period, max_fee_rate)
        oracle = p["ReserveOracle"].deploy(registry.address, timelock.address, guardian, max_report_age)
        issuer = p["Issuer"].deploy(registry.address, oracle.address, timelock.address, guardian, max_fee_bps)
        implementation = p["IndexToken"].deploy()
        factory = p["Factory"].deploy(implementation.address, registry.address, oracle.address, issuer.address)
        registry.set_oracle(oracle.address)
        registry.set_issuer(issuer.address)
        registry.set_factory(factory.address)
        oracle.set_factory(factory.address)
        issuer.set_factory(factory.address)
        usdc = p["MockERC20"].deploy("USD Coin", "USDC", 6)
        fot = p["FeeOnTransferToken"].deploy("Fee Token", "FOT", 6, 0)
    return BoaDeployment(
        timelock, registry, oracle, issuer, factory, implementation, usdc, fot, p, boa.env.evm.chain.chain_id
    )


def register_assets(d: BoaDeployment, owner: Key, assets: Sequence[tuple[str, int]]) -> None:
    """Register (symbol, decimals) pairs not registered yet."""
    for symbol, decimals in assets:
        if d.registry.assets(asset_id(symbol))[2] == 0:
            d.registry.register_asset(asset_id(symbol), symbol, decimals, sender=owner.address)


def create_index(d: BoaDeployment, owner: Key, spec: IndexSpec) -> Any:
    """Create an index through the factory; returns its token contract."""
    address = d.factory.create_index(spec.as_tuple(), sender=owner.address)
    token = d.token(address)
    d.indices.append(token)
    return token


def deploy_ussi(
    d: BoaDeployment,
    actors: Actors,
    index_token: Any,
    *,
    max_nav_age: int = DAY,
    request_timeout: int = DAY,
    max_nav_move_bps: int = 1_000,
) -> Any:
    """USSI on the index token, the operator added through the timelock as in production."""
    signers = sorted((s.address for s in actors.strategists), key=lambda a: int(a, 16))
    with boa.env.prank(actors.owner.address):
        ussi = d.parts["USSI"].deploy(
            d.usdc.address, index_token.address, d.timelock.address, actors.guardian.address,
            actors.custody.address, signers, len(signers), max_nav_age, request_timeout, max_nav_move_bps,
        )
    d.ussi = ussi
    data = ussi.set_operator.prepare_calldata(actors.operator.address, True)
    with boa.env.prank(actors.owner.address):
        d.timelock.queue(ussi.address, data, b"\0" * 32)
    boa.env.time_travel(seconds=d.timelock.delay())
    d.timelock.execute(ussi.address, data, b"\0" * 32, sender=actors.anyone.address)
    return ussi
