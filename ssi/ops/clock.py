"""Moving a local chain's clock: what a desk rehearsing a month on anvil needs between two commands.

Only the local chain's time can be moved (``evm_setNextBlockTimestamp`` and one mined block, so
that the latest block, which every command reads as "now", carries the new time). On any other
network the command refuses before it asks the node for anything.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

from ssi.ops.errors import OpsError
from ssi.ops.session import Session, iso


@dataclass(frozen=True)
class Advance:
    """The chain's clock before and after one move."""

    before: int
    after: int
    block: int

    def to_json(self) -> dict[str, Any]:
        return {"before": self.before, "before_utc": iso(self.before), "after": self.after,
                "after_utc": iso(self.after), "moved_s": self.after - self.before, "block": self.block}


def target_time(now: int, *, days: float | None, hours: float | None, seconds: int | None, to: int | None) -> int:
    """The time to move to: ``now`` plus the given duration, or ``to``; exactly one of them."""
    given = [name for name, v in (("--days", days), ("--hours", hours), ("--seconds", seconds), ("--to", to))
             if v is not None]
    if len(given) != 1:
        raise OpsError("give exactly one of --days, --hours, --seconds or --to" if not given
                       else f"give only one of {', '.join(given)}")
    if to is not None:
        if to <= now:
            raise OpsError(f"--to {iso(to)} is not after the chain's time ({iso(now)}): time only moves forward")
        return to
    option, value, scale = next((o, v, k) for o, v, k in (("--days", days, 86_400), ("--hours", hours, 3_600),
                                                         ("--seconds", seconds, 1)) if v is not None)
    if not (math.isfinite(value) and value > 0):
        raise OpsError(f"{option} {value:g}: must be a positive finite number")
    step = int(round(value * scale))
    if step < 1:
        raise OpsError(f"{option} {value:g}: less than one second")
    return now + step


def advance(s: Session, **when: Any) -> Advance:
    """Mine one block at the target time on the local chain."""
    if not s.is_local:
        raise OpsError(f"chain advance moves time only on the local chain, not on {s.network_choice}")
    now = s.now()
    target = target_time(now, **when)
    s.chain.mine(timestamp=target)
    return Advance(now, s.now(), int(s.chain.blocks.height))
