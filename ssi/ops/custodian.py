"""The custodian's reserve report: read holdings, sign with M of N custodian signers, post."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssi.chain.eip712 import ApeSigner, ReserveReport
from ssi.chain.localchain import custodian_holdings
from ssi.ops.chainview import basket
from ssi.ops.errors import OpsError, call_or_refuse
from ssi.ops.preflight import with_calls_only
from ssi.ops.session import Session, iso
from ssi.chain.protocol import claims_of, post_report, required_reserve


@dataclass
class ReportResult:
    index: str
    version: int
    nonce: int
    as_of: int
    balances: dict[str, int]
    required: dict[str, int]  # for the supply the version must back
    supply: float  # shares: the supply plus delivered mints awaiting settlement
    coverage_pct: dict[str, float]
    signers: list[str]
    decimals: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {"index": self.index, "version": self.version, "nonce": self.nonce, "as_of": self.as_of,
                "as_of_utc": iso(self.as_of), "balances": {k: str(v) for k, v in self.balances.items()},
                "required": {k: str(v) for k, v in self.required.items()}, "coverage_pct": self.coverage_pct,
                "supply_covered": self.supply,
                "signers": self.signers}


def read_holdings(path: str, symbols: list[str]) -> list[int]:
    """Holdings from a JSON object ``{"BTC": "123456789", ...}`` in base units."""
    try:
        raw = json.loads(Path(path).read_text())
    except (OSError, ValueError) as exc:
        raise OpsError(f"--holdings {path}: {exc}") from None
    missing = [x for x in symbols if x not in raw]
    if missing:
        raise OpsError(f"--holdings {path}: no balance for {', '.join(missing)}")
    return [int(raw[x]) for x in symbols]


def coverage(balance: int, required: int) -> float:
    return float("inf") if required == 0 else balance / required * 100


@dataclass
class Snapshot:
    """What the custodian signs for one basket version, with what it is checked against."""

    index: str  # symbol
    address: str
    version: int
    basket_hash: bytes
    symbols: list[str]
    balances: list[int]  # base units, in basket order
    decimals: dict[str, int]
    as_of: int
    nonce: int

    def report(self) -> ReserveReport:
        return ReserveReport(self.address, self.version, self.basket_hash, tuple(self.balances), self.as_of,
                             self.nonce)


def resolve_version(s: Session, token: Any, symbol: str, version: str) -> int:
    """``current``, ``pending`` or a number that is one of the two."""
    reg = s.deployment.registry
    current, pending = int(reg.version(token)), int(reg.pending_version(token))
    if version == "current":
        return current
    if version == "pending":
        if not pending:
            raise OpsError(f"no basket pending for {symbol}")
        return pending
    try:
        v = int(version)
    except ValueError:
        raise OpsError(f"--version must be current, pending or a number, not {version!r}") from None
    if v not in (current, pending) or v == 0:
        raise OpsError(f"basket version {v} is neither current ({current}) nor pending of {symbol}")
    return v


def check_timing(s: Session, token: Any, as_of: int) -> None:
    """A report as of ``as_of`` would be accepted now: not in the future, fresh, newer than the last."""
    oracle = s.deployment.oracle
    max_age, last, now = int(oracle.max_report_age()), int(oracle.last_as_of(token)), s.next_timestamp()
    if as_of > now:
        raise OpsError(f"report as of {iso(as_of)} is in the future (chain time {iso(s.now())})")
    if now - as_of > max_age:
        raise OpsError(f"stale report: as of {iso(as_of)} is older than the oracle's maximum age of {max_age} s")
    if as_of <= last:
        raise OpsError(f"report as of {iso(as_of)} is not newer than the last accepted one ({iso(last)})")


def snapshot(s: Session, symbol: str, *, version: str = "current", holdings_file: str | None = None,
             as_of: int | None = None) -> Snapshot:
    """Read the holdings and build the report of a basket version (``current``, ``pending`` or a number)."""
    entry = s.book.index(symbol)
    token = s.token(entry.symbol)
    dep = s.deployment
    v = resolve_version(s, token, entry.symbol, version)
    view = basket(s, token, v, round_up=True)
    if holdings_file is not None:
        balances = read_holdings(holdings_file, view.symbols)
    else:
        balances = custodian_holdings(s.mock_assets(), s.custodian_wallet(), view.symbols)
    if as_of is None:
        as_of = max(s.now(), int(dep.oracle.last_as_of(token)) + 1)
    check_timing(s, token, as_of)
    return Snapshot(entry.symbol, entry.address, v, bytes(dep.registry.basket_hash(token, v)), view.symbols,
                    balances, dict(view.decimals), as_of, int(dep.oracle.next_nonce(token)))


def check_coverage(s: Session, snap: Snapshot, force: bool, what: str = "posted") -> tuple[int, dict[str, int]]:
    """Claims on the reserves now and what each asset must hold for them; refuses a short report
    unless ``force``. Returns (claims in share-wei, required base units by asset)."""
    token = s.token(snap.index)
    view = basket(s, token, snap.version, round_up=True)
    # Every claim on the reserves: supply, fee shares owed to the treasury, delivered mints.
    supply = claims_of(s.deployment, token)
    required = {sym: required_reserve(supply, u) for sym, u in view.units.items()}
    bal = dict(zip(snap.symbols, snap.balances))
    short = {k: coverage(bal[k], required[k]) for k in bal if bal[k] < required[k]}
    if short and not force:
        worst = min(short, key=lambda k: short[k])
        verb = {"posted": "post", "signed": "sign"}[what]
        raise OpsError(f"short report, not {what}: {worst} covered {short[worst]:.2f}% for {supply / 10**18:,.6f} "
                       f"shares ({len(short)} asset(s) below 100%); pass --force to {verb} it anyway")
    return supply, required


def check_signers(s: Session, snap: Snapshot, signers: list[str]) -> None:
    """Every signer is one of the index's custodian signers, and there are enough of them."""
    dep = s.deployment
    token = s.token(snap.index)
    bad = [a for a in signers if not bool(dep.oracle.is_signer(token, a))]
    if bad:
        raise OpsError(f"not a custodian signer of {snap.index}: {', '.join(bad)}")
    threshold = int(dep.oracle.threshold(token))
    if len(signers) < threshold:
        raise OpsError(f"{len(signers)} signer(s) given, {snap.index} needs {threshold}")
    if bool(dep.oracle.paused()):
        raise OpsError("the reserve oracle is paused by the guardian")


def result_of(s: Session, snap: Snapshot, claims: int, required: dict[str, int], signers: list[str]) -> ReportResult:
    bal = dict(zip(snap.symbols, snap.balances))
    return ReportResult(index=snap.index, version=snap.version, nonce=snap.nonce, as_of=snap.as_of, balances=bal,
                        required=required, supply=claims / 10**18,
                        coverage_pct={k: coverage(bal[k], required[k]) for k in bal}, signers=signers,
                        decimals=dict(snap.decimals))


def report(
    s: Session,
    sender: Any,
    signers: list[Any],
    symbol: str,
    *,
    version: str = "current",
    holdings_file: str | None = None,
    as_of: int | None = None,
    force: bool = False,
) -> ReportResult:
    """Build the report for a basket version (``current``, ``pending`` or a number), sign it with every
    signer in this process and post it. A report that covers less than 100% of an asset is refused
    unless ``force``."""
    snap = snapshot(s, symbol, version=version, holdings_file=holdings_file, as_of=as_of)
    check_signers(s, snap, [str(x.address) for x in signers])
    claims, required = check_coverage(s, snap, force)
    dep = s.deployment
    keys = [ApeSigner(x) for x in signers]
    fields = dict(index=snap.address, version=snap.version, balances=snap.balances, as_of=snap.as_of,
                  nonce=snap.nonce, basket_hash=snap.basket_hash)
    call_or_refuse("post report", post_report, with_calls_only(dep, oracle=True), keys, sender, **fields)  # a dry run
    call_or_refuse("post report", post_report, dep, keys, sender, **fields)
    return result_of(s, snap, claims, required, [str(x.address) for x in signers])
