"""`ape run custodian report`: read the holdings, sign the reserve report with M of N signers, post it."""

from __future__ import annotations

import click

from ssi.ops.cli import OpsCommand, account_option, emit_sent, index_option, json_option, refusals, session
from ssi.ops.custodian import report as post
from ssi.ops.inputs import parse_time
from ssi.ops.render import render_report


@click.group()
def cli() -> None:
    """Proof of reserves."""


@cli.command(cls=OpsCommand)
@index_option
@click.option("--version", "version", default="current", show_default=True, help="basket version: current, pending or a number")
@click.option("--signer", "signers", multiple=True, help="custodian signer alias (repeat); default on the local chain: two test signers")
@click.option("--holdings", "holdings_file", default=None,
              help="JSON {symbol: base units} of what the custodian holds; default on the local chain: the custodian wallet's balances")
@click.option("--as-of", "as_of", default=None,
              help="time of the holdings, ISO-8601 (UTC) or Unix; default: the latest block")
@click.option("--force", is_flag=True, help="post a report that covers less than 100% of an asset (refused without)")
@account_option("custodian (sender)")
@json_option
@refusals
def report(provider, index, version, signers, holdings_file, as_of, force, account, as_json) -> None:
    """Build, sign and post the reserve report of an index's basket version (refused below 100% unless --force)."""
    s = session(provider)
    signer_accounts = s.signers(signers)
    sender = s.account(account, "custodian") if account else signer_accounts[0]
    when = parse_time(as_of, "--as-of") if as_of is not None else None
    result = post(s, sender, signer_accounts, index, version=version, holdings_file=holdings_file, as_of=when,
                  force=force)
    emit_sent(s, result.to_json(), as_json, lambda: render_report(result))
