"""The one error type the role operations raise: a single line for a person."""

from __future__ import annotations

import re
from typing import Any


class OpsError(Exception):
    """A refusal: bad input, wrong role, wrong network, or a check that failed before sending."""


_REVERT = re.compile(r"^(?:execution reverted: )?(.*)$")


def revert_reason(exc: BaseException) -> str:
    """The revert message of a failed call or transaction, on one line."""
    message = getattr(exc, "revert_message", None) or getattr(exc, "message", None) or str(exc)
    first = str(message).strip().splitlines()[0] if str(message).strip() else type(exc).__name__
    match = _REVERT.match(first)
    return match.group(1) if match else first


def call_or_refuse(what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
    """Call a view (or send a transaction) and turn a revert into an :class:`OpsError`.

    A transaction (``sender=`` given, ``fn`` a contract method) is first run as a call from
    the same sender, so that a revert refuses before anything is sent."""
    from ape.exceptions import ContractLogicError

    try:
        if "sender" in kwargs and hasattr(fn, "call") and hasattr(fn, "contract"):
            fn.call(*args, sender=kwargs["sender"])
        return fn(*args, **kwargs)
    except ContractLogicError as exc:
        raise OpsError(f"{what}: {revert_reason(exc)}") from None
