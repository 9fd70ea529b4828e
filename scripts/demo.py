"""`ape run demo` (`make demo`): the whole MAG7.ssi story on a fresh local chain, step by step."""

from __future__ import annotations

import click
from ape import accounts, chain, project

from ssi.ops.cli import OpsCommand, emit, json_option, refusals
from ssi.ops.errors import OpsError


@click.command(cls=OpsCommand)
@json_option
@refusals
def cli(provider, as_json) -> None:
    """Deploy, mint, rebalance, accrue the fee, redeem; then print a summary table (--json: the story on
    stderr, the summary as JSON on stdout)."""
    from ssi.ops.demo import run

    if not provider.network.name == "local":
        raise OpsError("the demo runs on the local chain only (--network ethereum:local)")
    summary = run(project, chain, accounts, provider, echo=lambda line: click.echo(line, err=as_json))
    if as_json:
        emit(summary, True, lambda: "")
