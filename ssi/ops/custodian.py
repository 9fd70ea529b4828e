"""The custodian's reserve report: read holdings, sign with M of N custodian signers, post."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssi.chain.eip712 import ApeSigner
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
    """Build the report for a basket version (``current``, ``pending`` or a number) and post it.

    A report that covers less than 100% of an asset is refused unless ``force``."""
    entry = s.book.index(symbol)
    token = s.token(entry.symbol)
    dep = s.deployment
    current = int(dep.registry.version(token))
    pending = int(dep.registry.pending_version(token))
    if version == "current":
        v = current
    elif version == "pending":
        if not pending:
            raise OpsError(f"no basket pending for {entry.symbol}")
        v = pending
    else:
        try:
            v = int(version)
        except ValueError:
            raise OpsError(f"--version must be current, pending or a number, not {version!r}") from None
        if v not in (current, pending):
            raise OpsError(f"basket version {v} is neither current ({current}) nor pending of {entry.symbol}")
    view = basket(s, token, v, round_up=True)
    if holdings_file is not None:
        balances = read_holdings(holdings_file, view.symbols)
    else:
        balances = custodian_holdings(s.mock_assets(), s.custodian_wallet(), view.symbols)
    max_age = int(dep.oracle.max_report_age())
    last = int(dep.oracle.last_as_of(token))
    now = s.next_timestamp()
    if as_of is None:
        as_of = max(s.now(), last + 1)
    if as_of > now:
        raise OpsError(f"report as of {iso(as_of)} is in the future (chain time {iso(s.now())})")
    if now - as_of > max_age:
        raise OpsError(f"stale report: as of {iso(as_of)} is older than the oracle's maximum age of {max_age} s")
    if as_of <= last:
        raise OpsError(f"report as of {iso(as_of)} is not newer than the last accepted one ({iso(last)})")
    threshold = int(dep.oracle.threshold(token))
    allowed = [x for x in signers if bool(dep.oracle.is_signer(token, x.address))]
    if len(allowed) < len(signers):
        bad = [str(x.address) for x in signers if x not in allowed]
        raise OpsError(f"not a custodian signer of {entry.symbol}: {', '.join(bad)}")
    if len(signers) < threshold:
        raise OpsError(f"{len(signers)} signer(s) given, {entry.symbol} needs {threshold}")
    if bool(dep.oracle.paused()):
        raise OpsError("the reserve oracle is paused by the guardian")
    nonce = int(dep.oracle.next_nonce(token))
    # Every claim on the reserves: supply, fee shares owed to the treasury, delivered mints.
    supply = claims_of(dep, token)
    required = {sym: required_reserve(supply, u) for sym, u in view.units.items()}
    bal = dict(zip(view.symbols, balances))
    short = {k: coverage(bal[k], required[k]) for k in bal if bal[k] < required[k]}
    if short and not force:
        worst = min(short, key=lambda k: short[k])
        raise OpsError(f"short report, not posted: {worst} covered {short[worst]:.2f}% for {supply / 10**18:,.6f} "
                       f"shares ({len(short)} asset(s) below 100%); pass --force to post it anyway")
    keys = [ApeSigner(x) for x in signers]
    call_or_refuse("post report", post_report, with_calls_only(dep, oracle=True), keys, sender, index=entry.address,
                   version=v, balances=balances, as_of=as_of, nonce=nonce)  # a dry run first: sends nothing
    call_or_refuse("post report", post_report, dep, keys, sender, index=entry.address,
                   version=v, balances=balances, as_of=as_of, nonce=nonce)
    return ReportResult(index=entry.symbol, version=v, nonce=nonce, as_of=as_of, balances=bal, required=required,
                        supply=supply / 10**18, coverage_pct={k: coverage(bal[k], required[k]) for k in bal},
                        signers=[str(x.address) for x in signers], decimals=dict(view.decimals))
