"""The operators in one process on the local chain: the demo and the latency benchmark.

:class:`Driver` does what Silverback's block subscription does for the bots: on every new block
it sweeps each operator (handled events once, then the chain-state checks), in a background
thread, while the caller plays the WLP and the compiler. Only their requests are sent by hand.
"""

from __future__ import annotations

import statistics
import threading
import time
from dataclasses import dataclass
from typing import Any, Callable

from ssi.chain.protocol import STATUS
from ssi.operators.base import Operator


class Driver(threading.Thread):
    """Sweep every operator on each new block until stopped."""

    def __init__(self, operators: list[Operator], poll: float = 0.05) -> None:
        super().__init__(daemon=True, name="operators")
        self.operators = operators
        self.poll = poll
        self.lock = threading.RLock()  # shared with the caller: one sender at a time in this process
        for op in operators:
            op.lock = self.lock
        self._halt = threading.Event()
        self.errors: list[BaseException] = []

    def run(self) -> None:
        seen = -1
        chain = self.operators[0].s.chain
        while not self._halt.is_set():
            try:
                head = int(chain.blocks.height)
                if head != seen:
                    seen = head
                    for op in self.operators:
                        op.sweep(head)
            except Exception as exc:  # noqa: BLE001 - keep the desk alive, report at the end
                self.errors.append(exc)
            self._halt.wait(self.poll)

    def stop(self) -> None:
        self._halt.set()
        self.join(timeout=30)


def wait_for(check: Callable[[], bool], lock: Any, timeout: float = 60.0, what: str = "the operators") -> float:
    """Poll ``check`` (under ``lock``: Ape's caches are not for two threads at once) until true;
    returns the seconds waited."""
    start = time.monotonic()

    def done() -> bool:
        with lock:
            return check()

    while not done():
        if time.monotonic() - start > timeout:
            raise TimeoutError(f"{what} did not finish within {timeout:.0f} s")
        time.sleep(0.02)
    return time.monotonic() - start


def status(s: Any, rid: int) -> str:
    return STATUS[int(s.deployment.issuer.request_status(rid))]


@dataclass(frozen=True)
class Timing:
    """One mint, request to settlement: the blocks of each step (automine: one transaction per block)."""

    requested: int  # block of the WLP's request
    pmm_first: int  # first block with a transaction of the PMM after it
    delivered: int  # block of deliver_mint
    reported: int  # block of the report that backed the settlement
    settled: int
    seconds: float  # wall time from the request's receipt to the settlement seen

    @property
    def blocks(self) -> int:
        return self.settled - self.requested

    @property
    def counted(self) -> int:
        """Blocks the WLP waits on the operators reacting: the PMM's first reaction and the keeper's,
        leaving out the custodian's wait (delivery to report) and the PMM's local asset transfers
        (on automine each of its mock purchases and transfers is a block of its own)."""
        return (self.pmm_first - self.requested) + (self.settled - self.reported)


def timing_of(s: Any, rid: int, pmm: str, seconds: float) -> Timing:
    issuer, oracle = s.deployment.issuer, s.deployment.oracle
    start, stop = s.book.deploy_block, int(s.chain.blocks.height) + 1

    def block_of(event: Any, **topics: Any) -> Any:
        return list(event.range(start, stop, search_topics=topics))[-1]

    requested = int(block_of(issuer.MintRequested, id=rid).block_number)
    delivered = int(block_of(issuer.MintDelivered, id=rid).block_number)
    settled_log = block_of(issuer.MintSettled, id=rid)
    reports = [x for x in oracle.ReserveReported.range(start, stop, search_topics={"index": settled_log.index})
               if int(x.nonce) == int(settled_log.report_nonce)]
    web3 = s.chain.provider.web3
    pmm_first = next(n for n in range(requested + 1, delivered + 1)
                     if any(str(tx["from"]).lower() == pmm.lower()
                            for tx in web3.eth.get_block(n, full_transactions=True)["transactions"]))
    return Timing(requested, pmm_first, delivered, int(reports[-1].block_number), int(settled_log.block_number),
                  seconds)


def summary(timings: list[Timing]) -> dict[str, Any]:
    def stats(xs: list[float]) -> dict[str, float]:
        return {"median": float(statistics.median(xs)), "max": float(max(xs))}

    return {
        "requests": len(timings),
        "blocks_request_to_settle": stats([t.blocks for t in timings]),
        "blocks_counted": stats([t.counted for t in timings]),
        "blocks_custodian_wait": stats([t.reported - t.delivered for t in timings]),
        "blocks_pmm_local_transfers": stats([t.delivered - t.pmm_first for t in timings]),
        "seconds_request_to_settle": stats([t.seconds for t in timings]),
    }
