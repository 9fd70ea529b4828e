"""Dry runs before sending: a refusal from the chain must cost nothing and send nothing.

Every transaction a role command sends is first run as a call from the same sender
(``eth_call``); when a command needs two transactions where the second depends on the first
(an ``approve`` and then the request that spends it), both are simulated together in one
block with ``eth_simulateV1``, so that a request the issuer would refuse never leaves an
approval behind. A node without ``eth_simulateV1`` falls back to the checks the operations
make themselves, then the plain call of the second transaction after the first is mined.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from eth_abi import decode as abi_decode

from ssi.ops.errors import OpsError, revert_reason

_ERROR_STRING = bytes.fromhex("08c379a0")  # Error(string)


@dataclass(frozen=True)
class Step:
    """One transaction to dry-run: ``method`` of a contract with ``args``, sent by ``sender``."""

    what: str  # the label of a refusal: "request mint: <reason>"
    method: Any  # an Ape contract method handler (``issuer.request_mint``)
    args: tuple[Any, ...]
    sender: Any


def call_first(what: str, method: Any, *args: Any, sender: Any) -> None:
    """Run a transaction as a call from ``sender``; a revert becomes an :class:`OpsError`."""
    from ape.exceptions import ContractLogicError

    try:
        method.call(*args, sender=sender)
    except ContractLogicError as exc:
        raise OpsError(f"{what}: {revert_reason(exc)}") from None


def _reason(data: str | bytes | None) -> str:
    raw = bytes.fromhex(data[2:]) if isinstance(data, str) else bytes(data or b"")
    if raw[:4] == _ERROR_STRING:
        try:
            return str(abi_decode(["string"], raw[4:])[0])
        except Exception:  # noqa: BLE001 - a malformed reason is still a revert
            pass
    return "reverted without a reason"


def simulate(provider: Any, steps: list[Step]) -> bool:
    """Simulate ``steps`` in order in one block; refuse at the first that reverts.

    Returns False (and checks nothing) when the node does not offer ``eth_simulateV1``."""
    calls = [{"from": str(st.sender.address), "to": str(st.method.contract.address),
              "data": "0x" + bytes(st.method.encode_input(*st.args)).hex()} for st in steps]
    try:
        result = provider.make_request("eth_simulateV1", [{"blockStateCalls": [{"calls": calls}]}, "latest"])
    except Exception:  # noqa: BLE001 - method not found, or the provider refuses the shape: no simulation
        return False
    outcomes = result[0]["calls"] if result else []
    for st, out in zip(steps, outcomes):
        if int(out.get("status", "0x1"), 16) == 0:
            data = out.get("returnData") or (out.get("error") or {}).get("data")
            raise OpsError(f"{st.what}: {_reason(data)}")
    return True


def preflight(provider: Any, steps: list[Step]) -> None:
    """Dry-run ``steps``: one call for a single step, a simulation for a sequence."""
    if len(steps) == 1:
        st = steps[0]
        call_first(st.what, st.method, *st.args, sender=st.sender)
    elif steps and not simulate(provider, steps):
        st = steps[0]
        call_first(st.what, st.method, *st.args, sender=st.sender)


def send(steps: list[Step], provider: Any) -> list[Any]:
    """Dry-run every step, then send them in order; returns the receipts."""
    preflight(provider, steps)
    receipts = []
    for i, st in enumerate(steps):
        if i:  # the state the earlier steps made is on chain now: the call sees it
            call_first(st.what, st.method, *st.args, sender=st.sender)
        receipts.append(st.method(*st.args, sender=st.sender))
    return receipts


class CallsOnly:
    """A contract whose methods are calls: hands a write path to code that would send.

    ``replace(deployment, oracle=CallsOnly(deployment.oracle))`` lets ``post_report`` run
    its exact transaction as a call first."""

    def __init__(self, contract: Any) -> None:
        self._contract = contract

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._contract, name)
        return getattr(attr, "call", attr)


def with_calls_only(deployment: Any, **names: bool) -> Any:
    """A copy of ``deployment`` whose named contracts (``oracle=True``) only call."""
    return replace(deployment, **{k: CallsOnly(getattr(deployment, k)) for k, on in names.items() if on})
