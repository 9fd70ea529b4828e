"""`ape run chain advance`: move the local chain's clock (notice periods, timeouts, stale reports)."""

from __future__ import annotations

import click

from ssi.ops.cli import OpsCommand, emit, json_option, refusals, session
from ssi.ops.clock import advance as do_advance
from ssi.ops.inputs import parse_time
from ssi.ops.session import iso


@click.group()
def cli() -> None:
    """The local chain's clock."""


@cli.command(cls=OpsCommand)
@click.option("--days", type=float, default=None, help="move forward this many days")
@click.option("--hours", type=float, default=None, help="move forward this many hours")
@click.option("--seconds", type=int, default=None, help="move forward this many seconds")
@click.option("--to", "to", default=None, help="move to this time, ISO-8601 (UTC) or Unix")
@json_option
@refusals
def advance(provider, days, hours, seconds, to, as_json) -> None:
    """Local chain only: mine one block at a later time (refused on any other network)."""
    s = session(provider)
    moved = do_advance(s, days=days, hours=hours, seconds=seconds,
                       to=parse_time(to, "--to") if to is not None else None)
    emit(moved.to_json(), as_json,
         lambda: f"chain time {iso(moved.before)} -> {iso(moved.after)} (+{moved.after - moved.before:,} s), "
                 f"block {moved.block}")

