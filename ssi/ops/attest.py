"""Reserve reports signed by separate parties: one signature per file, M files posted together.

The custodian's signers are different organisations on different machines. Each runs
``custodian sign``, which reads the holdings, builds the report (index, basket version and hash,
balances, as-of time, nonce) and writes that signer's EIP-712 signature of it to a file. Whoever
posts (any account) runs ``custodian post`` with M of those files: every file must sign the same
report, every signature must recover to its file's signer, every signer must be a distinct member
of the index's signer set, and there must be at least the threshold of them. Nothing is sent
until all of that holds and the report would pass the oracle (a call first).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from eth_account import Account

from ssi.chain.eip712 import ApeSigner, sign, signable
from ssi.ops.custodian import (ReportResult, Snapshot, check_coverage, check_signers, check_timing, result_of,
                               snapshot)
from ssi.ops.errors import OpsError, call_or_refuse
from ssi.ops.session import Session
from ssi.ops.tables import tokens

KIND = "ssi-reserve-report-signature"


@dataclass(frozen=True)
class SignatureFile:
    """One signer's signature of a reserve report, as one signer hands it to whoever posts."""

    chain_id: int
    oracle: str
    snap: Snapshot
    signer: str
    signature: bytes

    def to_json(self) -> dict[str, Any]:
        r = self.snap
        return {"kind": KIND, "chain_id": self.chain_id, "oracle": self.oracle, "index": r.index,
                "report": {"index": r.address, "basket_version": r.version, "basket_hash": "0x" + r.basket_hash.hex(),
                           "balances": [str(b) for b in r.balances], "as_of": r.as_of, "nonce": r.nonce},
                "assets": r.symbols, "decimals": r.decimals,
                "signer": self.signer, "signature": "0x" + self.signature.hex()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SignatureFile:
        if data.get("kind") != KIND:
            raise ValueError(f"kind is {data.get('kind')!r}, not {KIND!r}")
        rep = data["report"]
        snap = Snapshot(str(data["index"]), str(rep["index"]), int(rep["basket_version"]),
                        bytes.fromhex(str(rep["basket_hash"]).removeprefix("0x")), [str(a) for a in data["assets"]],
                        [int(b) for b in rep["balances"]], {str(k): int(v) for k, v in data["decimals"].items()},
                        int(rep["as_of"]), int(rep["nonce"]))
        if len(snap.symbols) != len(snap.balances):
            raise ValueError(f"{len(snap.balances)} balances for {len(snap.symbols)} assets")
        return cls(int(data["chain_id"]), str(data["oracle"]), snap, str(data["signer"]),
                   bytes.fromhex(str(data["signature"]).removeprefix("0x")))


def read_signature(path: str) -> SignatureFile:
    try:
        return SignatureFile.from_json(json.loads(Path(path).read_text()))
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise OpsError(f"{path}: not a signature file ({exc})") from None


def sign_report(s: Session, signer: Any, symbol: str, *, version: str = "current", holdings_file: str | None = None,
                as_of: int | None = None, force: bool = False) -> tuple[SignatureFile, ReportResult]:
    """One signer's signature of the report of the holdings now (refused when short, unless ``force``)."""
    snap = snapshot(s, symbol, version=version, holdings_file=holdings_file, as_of=as_of)
    token = s.token(snap.index)
    if not bool(s.deployment.oracle.is_signer(token, signer.address)):
        raise OpsError(f"account {signer.address} is not a custodian signer of {snap.index}")
    claims, required = check_coverage(s, snap, force, "signed")
    dep = s.deployment
    sig = sign(ApeSigner(signer), dep.oracle_domain, snap.report())
    out = SignatureFile(s.chain_id, str(dep.oracle.address), snap, str(signer.address), sig)
    return out, result_of(s, snap, claims, required, [str(signer.address)])


def check_file(s: Session, symbol: str, path: str, f: SignatureFile) -> None:
    """A signature file of this deployment's oracle and index, whose signature is its signer's."""
    dep = s.deployment
    entry = s.book.index(symbol)
    if f.chain_id != s.chain_id or f.oracle.lower() != str(dep.oracle.address).lower():
        raise OpsError(f"wrong network: {path} signs for oracle {f.oracle} on chain {f.chain_id}, this "
                       f"deployment's oracle is {dep.oracle.address} on chain {s.chain_id}")
    if f.snap.address.lower() != entry.address.lower():
        raise OpsError(f"{path} signs a report of {f.snap.index} ({f.snap.address}), not of {entry.symbol}")
    recovered = Account.recover_message(signable(dep.oracle_domain, f.snap.report()), signature=f.signature)
    if recovered.lower() != f.signer.lower():
        raise OpsError(f"{path}: the signature is not {f.signer}'s (it recovers to {recovered})")


def sign_like(s: Session, signer: Any, symbol: str, path: str, *, holdings_file: str | None = None,
              force: bool = False) -> tuple[SignatureFile, ReportResult]:
    """Sign the report another signer signed in ``path``, once the holdings read here agree with it."""
    theirs = read_signature(path)
    check_file(s, symbol, path, theirs)
    ours = snapshot(s, symbol, version=str(theirs.snap.version), holdings_file=holdings_file,
                    as_of=theirs.snap.as_of)
    differ = [(sym, a, b) for sym, a, b in zip(ours.symbols, theirs.snap.balances, ours.balances) if a != b]
    if differ:
        sym, a, b = differ[0]
        dec = ours.decimals[sym]
        raise OpsError(f"{path} reports {tokens(a, dec)} {sym}, the holdings read here are {tokens(b, dec)} "
                       f"({len(differ)} asset(s) differ): not signed")
    if ours.report() != theirs.snap.report():
        what = next(n for n in ("basket_version", "basket_hash", "nonce")
                    if getattr(ours.report(), n) != getattr(theirs.snap.report(), n))
        raise OpsError(f"{path} signs another report than the chain now calls for (its {what} differs): not signed")
    return sign_report(s, signer, symbol, version=str(ours.version), holdings_file=holdings_file,
                       as_of=ours.as_of, force=force)


def post_signed(s: Session, sender: Any, symbol: str, paths: list[str], *, force: bool = False) -> ReportResult:
    """Check M signature files against each other, the signer set and the chain, then post the report."""
    if not paths:
        raise OpsError("no signature files given")
    files = [(p, read_signature(p)) for p in paths]
    entry = s.book.index(symbol)
    dep = s.deployment
    first_path, first = files[0]
    for path, f in files:
        check_file(s, entry.symbol, path, f)
        if f.snap.report() != first.snap.report():
            what = next(n for n in ("basket_version", "basket_hash", "balances", "as_of", "nonce")
                        if getattr(f.snap.report(), n) != getattr(first.snap.report(), n))
            raise OpsError(f"{path} signs another report than {first_path} (its {what} differs): every signer "
                           "must sign the same report")
    seen: dict[str, str] = {}
    for path, f in files:
        key = f.signer.lower()
        if key in seen:
            raise OpsError(f"{seen[key]} and {path} are both signed by {f.signer}: each signer counts once")
        seen[key] = path
    snap = first.snap
    token = s.token(entry.symbol)
    check_signers(s, snap, [f.signer for _, f in files])
    reg, oracle = dep.registry, dep.oracle
    if snap.version not in (int(reg.version(token)), int(reg.pending_version(token))):
        raise OpsError(f"the signed report is for basket version {snap.version}, which is neither current nor pending "
                       f"of {entry.symbol}: sign again")
    if bytes(reg.basket_hash(token, snap.version)) != snap.basket_hash:
        raise OpsError(f"the signed report names another basket than version {snap.version} of {entry.symbol}")
    next_nonce = int(oracle.next_nonce(token))
    if snap.nonce != next_nonce:
        raise OpsError(f"the signed report's nonce {snap.nonce} is not the oracle's next ({next_nonce}): a report "
                       "was posted since it was signed; sign again")
    check_timing(s, token, snap.as_of)
    claims, required = check_coverage(s, snap, force)
    ordered = sorted((f for _, f in files), key=lambda f: int(f.signer, 16))
    signatures = [f.signature for f in ordered]
    report = snap.report().as_tuple()
    call_or_refuse("post report", oracle.post_report, report, signatures, sender=sender)
    return result_of(s, snap, claims, required, [f.signer for f in ordered])

