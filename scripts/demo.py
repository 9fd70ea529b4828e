"""`ape run demo` (`make demo`): the whole MAG7.ssi story on a fresh local chain, step by step."""

from __future__ import annotations

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from ssi.ops.cli import refusals


@click.command(cls=ConnectedProviderCommand)
@refusals
def cli(provider) -> None:
    """Deploy, mint, rebalance, accrue the fee, redeem; then print a summary table."""
    import os

    from ape.logging import logger

    from ssi.ops.demo import run

    if not provider.network.name == "local":
        raise click.ClickException("the demo runs on the local chain only (--network ethereum:local)")
    if not os.environ.get("SSI_VERBOSE"):
        logger.set_level("WARNING")
    run(project, chain, accounts, provider, echo=click.echo)
