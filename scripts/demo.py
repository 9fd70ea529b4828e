"""`ape run demo` (make demo): the protocol's story on a fresh local chain, step by step."""

from __future__ import annotations

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from ssi.ops_demo import run_demo


@click.command(cls=ConnectedProviderCommand)
def cli() -> None:
    """Deploy → mint → reserve report → settle → redeem, on the local chain."""
    run_demo(project, chain, accounts.test_accounts, echo=click.echo)
