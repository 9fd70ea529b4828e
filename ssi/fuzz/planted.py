"""Planted bugs: deliberate mistakes applied to a COPY of the contracts, and the fuzzer run
against each copy to show it catches them within a step budget.

``python -m ssi.fuzz.planted [--steps 10000] [--only NAME]`` prints a table: bug, caught, steps to
catch. The original ``contracts/`` directory is never written: each bug is a text substitution
into a fresh temporary copy (checked to match exactly once, so a refactor of the contracts makes
the script fail loudly instead of planting nothing).
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from ssi.chain.boa import CONTRACTS


@dataclass(frozen=True)
class Bug:
    """Replace ``old`` by ``new`` in ``file`` (relative to contracts/)."""

    name: str
    file: str
    old: str
    new: str
    what: str


BUGS: tuple[Bug, ...] = (
    Bug(
        "report-before-delivery",
        "ReserveOracle.vy",
        '    if as_of < not_before:\n        return "oracle: report predates flows"\n',
        "",
        "the gate accepts a report dated before the delivery or the last outflow",
    ),
    Bug(
        "fee-backs-supply",
        "Issuer.vy",
        "    claims: uint256 = supply + fee_owed + (flows & LOW_192)\n",
        "    claims: uint256 = supply + (flows & LOW_192)\n",
        "settle_mint leaves the fee owed out of the claims, so the treasury's fee backs new shares",
    ),
    Bug(
        "version-reused",
        "BasketRegistry.vy",
        "next_version: uint256 = self.last_version[index] + 1",
        "next_version: uint256 = self.version[index] + 1",
        "announce numbers a basket version+1, reusing the number of a cancelled announcement",
    ),
    Bug(
        "refund-keeps-escrow",
        "Issuer.vy",
        "        self.escrowed[cash_token] -= request.cash + request.fee\n        self._push(cash_token, request.wlp",
        "        self._push(cash_token, request.wlp",
        "a refunded mint's cash leaves the Issuer but stays in its escrow record",
    ),
    Bug(
        "pause-blocks-cancel",
        "Issuer.vy",
        '    assert msg.sender == request.wlp, "issuer: not request wlp"\n',
        '    guard._check_not_paused()\n    assert msg.sender == request.wlp, "issuer: not request wlp"\n',
        "cancel is refused while the Issuer is paused",
    ),
    Bug(
        "late-delivery",
        "Issuer.vy",
        '    assert block.timestamp <= request.deadline, "issuer: quote expired"\n    self._state[request.id] = convert(DELIVERED',
        "    self._state[request.id] = convert(DELIVERED",
        "the PMM may mark a delivery after the quote's deadline",
    ),
    Bug(
        "sweep-takes-escrow",
        "USSI.vy",
        "    owed: uint256 = self.escrowed[token]\n",
        "    owed: uint256 = 0\n",
        "USSI's sweep sends escrowed tokens to the owner",
    ),
    Bug(
        "report-nonce-reusable",
        "ReserveOracle.vy",
        "    self.next_nonce[index] = report.nonce + 1\n",
        "",
        "an accepted reserve report does not use up its nonce, so it can be replayed",
    ),
)


def plant(bug: Bug, into: Path) -> Path:
    """A copy of contracts/ under ``into`` with ``bug`` applied; returns the copy's directory."""
    target = into / "contracts"
    shutil.copytree(CONTRACTS, target)
    path = target / bug.file
    source = path.read_text()
    if source.count(bug.old) != 1:
        raise ValueError(f"{bug.name}: the text to replace occurs {source.count(bug.old)} times in {bug.file}")
    path.write_text(source.replace(bug.old, bug.new))
    return target


@dataclass
class Outcome:
    bug: Bug
    caught: bool
    steps: int
    reason: str


def hunt(bug: Bug, budget: int) -> Outcome:
    """Run the fuzzer on a planted copy until it fails or ``budget`` steps have run."""
    from ssi.fuzz import run as fuzz

    with tempfile.TemporaryDirectory(prefix=f"planted-{bug.name}-") as tmp:
        result = fuzz.run(budget, contracts_dir=plant(bug, Path(tmp)), shrink=False, raise_failure=False)
    reason = ""
    if result.failure is not None:
        reason = str(result.failure).strip().splitlines()[0][:90] if str(result.failure).strip() else type(result.failure).__name__
    return Outcome(bug, result.failure is not None, result.steps, reason)


def table(outcomes: list[Outcome]) -> str:
    rows = ["| bug | caught | steps to catch | first failing check |", "|---|---|---|---|"]
    for o in outcomes:
        rows.append(f"| {o.bug.name} | {'yes' if o.caught else 'no'} | {o.steps if o.caught else '-'} | {o.reason.replace('|', '/')} |")
    return "\n".join(rows)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000, help="step budget per bug")
    parser.add_argument("--only", action="append", help="bug name (repeatable)")
    args = parser.parse_args(argv)
    bugs = [b for b in BUGS if not args.only or b.name in args.only]
    outcomes = []
    for bug in bugs:
        outcome = hunt(bug, args.steps)
        print(f"{bug.name}: {'caught' if outcome.caught else 'MISSED'} after {outcome.steps} steps  {outcome.reason}", flush=True)
        outcomes.append(outcome)
    print()
    print(table(outcomes))
    return 0 if all(o.caught for o in outcomes) else 1


if __name__ == "__main__":
    sys.exit(main())
