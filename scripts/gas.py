"""`ape run gas`: gas per operation for a 7-asset basket, as one JSON object on stdout."""

from __future__ import annotations

import json
import sys

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from ssi.chain.gasreport import TARGETS, cycles, measure


@click.command(cls=ConnectedProviderCommand)
@click.option("--check", is_flag=True, help="Exit non-zero if a cycle misses its target.")
def cli(check: bool) -> None:
    """Measure every operation (steady state, whole-transaction gas) and print JSON."""
    gas = measure(project, chain, accounts.test_accounts)
    click.echo(json.dumps(gas))
    summary = cycles(gas)
    for name, used in summary.items():
        status = "ok" if used <= TARGETS[name] else "OVER"
        click.echo(f"{name:>22}: {used:>10,}  target <= {TARGETS[name]:>10,}  {status}", err=True)
    if check and any(summary[k] > TARGETS[k] for k in TARGETS):
        sys.exit(1)
