"""Shared pieces of the Ape scripts: errors as one line, common options, output."""

from __future__ import annotations

import contextlib
import functools
import json
import math
import os
import warnings
from typing import Any, Callable, Iterator

import click
from ape.cli import ConnectedProviderCommand

from ssi.ops.errors import OpsError, revert_reason

# pydantic-settings warns about a field of a plugin's config model on every run; it is not ours
# to fix and says nothing to a desk.
warnings.filterwarnings("ignore", message=r"Field 'import_remapping' has an incomplete definition")


def quiet_ape_log() -> None:
    """Ape's INFO lines (starting a node, every transaction) are not the desk's output: warnings only.

    SSI_VERBOSE=1 keeps them."""
    if not os.environ.get("SSI_VERBOSE"):
        from ape.logging import logger

        logger.set_level("WARNING")


quiet_ape_log()  # before the command connects: the scripts import this module when Ape loads them


@contextlib.contextmanager
def quiet_traces() -> Iterator[None]:
    """Ape prints a call trace on stdout for every revert, calls included; a refusal says it in one line.

    SSI_VERBOSE=1 keeps the traces."""
    if os.environ.get("SSI_VERBOSE"):
        yield
        return
    from ape_ethereum.trace import Trace

    show = Trace.show
    Trace.show = lambda self, *args, **kwargs: None  # type: ignore[method-assign]
    try:
        yield
    finally:
        Trace.show = show  # type: ignore[method-assign]


class OpsFailure(click.ClickException):
    """One clear line on stderr, exit code 1, no traceback."""

    def show(self, file: Any = None) -> None:  # noqa: D102
        click.echo(f"error: {self.message}", err=True)


class OpsCommand(ConnectedProviderCommand):
    """Ape's connected command, with a bad option said in one line too (not click's usage block)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        try:
            return super().parse_args(ctx, args)
        except click.UsageError as exc:
            raise OpsFailure(exc.format_message()) from None


def refusals(fn: Callable[..., Any]) -> Callable[..., Any]:
    """Turn refusals, reverts and Ape errors raised by a command into one line and exit 1."""

    @functools.wraps(fn)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from ape.exceptions import ApeException, ContractLogicError

        try:
            with quiet_traces():
                return fn(*args, **kwargs)
        except OpsError as exc:
            raise OpsFailure(str(exc)) from None
        except ContractLogicError as exc:
            raise OpsFailure(f"transaction reverted: {revert_reason(exc)}") from None
        except ApeException as exc:
            raise OpsFailure(str(exc).strip().splitlines()[0]) from None

    return wrapper


def session(provider: Any) -> Any:
    from ape import accounts, chain, project

    quiet_ape_log()
    from ssi.ops.session import Session

    return Session.connect(project, chain, accounts, provider)


index_option = click.option("--index", "index", required=True, help="index symbol (MAG7.ssi) or methodology name (MAG7)")
json_option = click.option("--json", "as_json", is_flag=True, help="machine-readable output")


def account_option(role: str) -> Callable[..., Any]:
    return click.option("--account", "account", default=None,
                        help=f"Ape account alias of the {role} (TEST::n for a test account); "
                             f"default on the local chain: the {role}'s test account")


def prices_options(f: Callable[..., Any]) -> Callable[..., Any]:
    f = click.option("--prices", "prices_file", default=None, help="JSON file of USD prices by symbol (instead of --date)")(f)
    f = click.option("--date", "date", default=None,
                     help="prices: bundled close of this day (YYYY-MM-DD); default: the index's reference date")(f)
    return f


def _clean(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {k: _clean(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [_clean(v) for v in obj]
    return obj


def emit(data: Any, as_json: bool, text: Callable[[], str]) -> None:
    click.echo(json.dumps(_clean(data), indent=2) if as_json else text())


def emit_sent(s: Any, data: dict[str, Any], as_json: bool, text: Callable[[], str]) -> None:
    """Output of a write command: its result, then every transaction it sent (hash, block, gas)."""
    from ssi.ops.txlog import render_sent, sent

    txs = sent(s)
    emit({**data, "transactions": [t.to_json() for t in txs]}, as_json, lambda: text() + "\n\n" + render_sent(txs))
