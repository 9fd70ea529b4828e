"""Run the protocol state machine for a number of steps and report what it did.

``python -m ssi.fuzz`` (``make fuzz``) runs ``SSI_FUZZ_STEPS`` steps (default 10,000) and prints,
as its last line, ``N steps, X steps/s, K invariants``. On a failure Hypothesis prints the
falsifying sequence as Python calls on ``ProtocolMachine`` (replayable as a regression test, see
``tests/fuzz/``) and a ``@reproduce_failure`` blob, and the exit status is 1.
"""

from __future__ import annotations

import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from ssi.fuzz import machine
from ssi.fuzz.machine import COUNTERS, ProtocolMachine

STEPS_PER_EXAMPLE = 100


@dataclass
class FuzzResult:
    steps: int
    seconds: float
    checks: int
    failure: BaseException | None = None

    @property
    def rate(self) -> float:
        return self.steps / self.seconds if self.seconds else 0.0

    def summary(self) -> str:
        return f"{self.steps} steps, {self.rate:.1f} steps/s, {self.checks} invariants"


def fuzz_settings(examples: int, *, shrink: bool, derandomize: bool = False) -> settings:
    phases = [Phase.generate, Phase.shrink] if shrink else [Phase.generate]
    return settings(
        max_examples=examples,
        stateful_step_count=STEPS_PER_EXAMPLE,
        deadline=None,
        database=None,
        derandomize=derandomize,
        phases=phases,
        print_blob=True,
        report_multiple_bugs=False,
        suppress_health_check=list(HealthCheck),
    )


def run(
    steps: int,
    *,
    contracts_dir: Path | None = None,
    shrink: bool = True,
    derandomize: bool = False,
    raise_failure: bool = True,
) -> FuzzResult:
    """Run at least ``steps`` rule steps (in examples of up to 100 steps each)."""
    machine.CONTRACTS_DIR[0] = contracts_dir or machine.harness.CONTRACTS
    machine.world()  # compile and deploy before the clock starts
    start_steps, start_checks = COUNTERS.steps, COUNTERS.checks
    started = time.perf_counter()
    failure: BaseException | None = None
    rounds = 0
    while COUNTERS.steps - start_steps < steps:
        left = steps - (COUNTERS.steps - start_steps)
        # A derandomized run is one fixed batch (a second batch would repeat it): one spare example
        # covers runs that Hypothesis ends a few steps short.
        examples = max(1, math.ceil(left / STEPS_PER_EXAMPLE)) + (1 if derandomize else 0)
        try:
            run_state_machine_as_test(
                ProtocolMachine, settings=fuzz_settings(examples, shrink=shrink, derandomize=derandomize and rounds == 0)
            )
        except BaseException as err:  # noqa: BLE001 - reported to the caller
            failure = err
            break
        rounds += 1
        if derandomize:
            break
    result = FuzzResult(COUNTERS.steps - start_steps, time.perf_counter() - started, COUNTERS.checks - start_checks, failure)
    if failure is not None and raise_failure:
        raise failure
    return result


def main() -> int:
    steps = int(os.environ.get("SSI_FUZZ_STEPS", "10000"))
    started, first = time.perf_counter(), COUNTERS.steps

    def progress(done: int) -> None:
        ran = done - first
        print(f"  {ran:,} of {steps:,} steps, {ran / (time.perf_counter() - started):.1f} steps/s", file=sys.stderr, flush=True)

    COUNTERS.on_thousand = progress
    result = run(steps, raise_failure=False)
    if result.failure is not None:
        print(f"FAILED after {result.steps} steps: {result.failure!r}", file=sys.stderr)
    print(result.summary())
    return 1 if result.failure is not None else 0
