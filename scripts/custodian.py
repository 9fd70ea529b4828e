"""`ape run custodian report|sign|post|release`: proof of reserves and the custodian's outflows.

`report` signs with every signer in one process (the local chain); `sign` and `post` are for
signers on separate machines; `release` lists (and on the local chain sends) what the custodian
owes to PMMs."""

from __future__ import annotations

import json
from pathlib import Path

import click

from ssi.ops.attest import post_signed, sign_like, sign_report
from ssi.ops.cli import (OpsCommand, OpsFailure, account_option, emit, emit_sent, index_option, json_option, refusals,
                         session)
from ssi.ops.release import obligations, send_pending
from ssi.ops.custodian import report as do_report
from ssi.ops.inputs import parse_time
from ssi.ops.render import render_releases, render_report


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
    result = do_report(s, sender, signer_accounts, index, version=version, holdings_file=holdings_file, as_of=when,
                  force=force)
    emit_sent(s, result.to_json(), as_json, lambda: render_report(result))


@cli.command(cls=OpsCommand)
@index_option
@click.option("--version", "version", default="current", show_default=True, help="basket version: current, pending or a number")
@click.option("--holdings", "holdings_file", default=None,
              help="JSON {symbol: base units} of what the custodian holds; default on the local chain: the custodian wallet's balances")
@click.option("--as-of", "as_of", default=None,
              help="time of the holdings, ISO-8601 (UTC) or Unix; default: the latest block (every signer must use the same)")
@click.option("--force", is_flag=True, help="sign a report that covers less than 100% of an asset (refused without)")
@click.option("--like", "like", default=None, type=click.Path(dir_okay=False),
              help="sign the report of this signature file (another signer's), if the holdings read here agree")
@click.option("--out", "out", required=True, type=click.Path(dir_okay=False), help="write the signature file here")
@account_option("custodian signer")
@json_option
@refusals
def sign(provider, index, version, holdings_file, as_of, force, like, out, account, as_json) -> None:
    """One signer's signature of the reserve report, written to a file for `custodian post` (sends nothing)."""
    s = session(provider)
    signer = s.account(account, "custodian")
    if like is not None:
        if as_of is not None or version != "current":
            raise OpsFailure("--like signs the other file's report: its version and as-of time; drop --version and --as-of")
        signed, result = sign_like(s, signer, index, like, holdings_file=holdings_file, force=force)
    else:
        when = parse_time(as_of, "--as-of") if as_of is not None else None
        signed, result = sign_report(s, signer, index, version=version, holdings_file=holdings_file, as_of=when,
                                     force=force)
    Path(out).write_text(json.dumps(signed.to_json(), indent=2) + "\n")
    emit({**result.to_json(), "signature_file": out, "signer": signed.signer}, as_json,
         lambda: f"wrote {out}\n" + render_report(result, f"{signed.signer} signed"))


@cli.command(cls=OpsCommand)
@index_option
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@click.option("--force", is_flag=True, help="post a report that covers less than 100% of an asset (refused without)")
@account_option("custodian (sender; anyone may post)")
@json_option
@refusals
def post(provider, index, files, force, account, as_json) -> None:
    """Post a reserve report from M signature files of `custodian sign`, after checking each against the signer set."""
    s = session(provider)
    sender = s.account(account, "custodian")
    result = post_signed(s, sender, index, list(files), force=force)
    emit_sent(s, result.to_json(), as_json, lambda: render_report(result))


@cli.command(cls=OpsCommand)
@click.option("--index", "index", default=None, help="only this index")
@click.option("--request", "request_id", default=None, type=int, help="only this request")
@click.option("--send", is_flag=True, help="local chain: transfer what is pending from the custodian wallet")
@json_option
@refusals
def release(provider, index, request_id, send, as_json) -> None:
    """What the custodian sends to whom: redemption fills and baskets owed back to PMMs (paid or pending)."""
    s = session(provider)
    if request_id is not None and request_id < 1:
        raise OpsFailure(f"--request {request_id}: request ids start at 1")
    rows = obligations(s, index, request_id)
    if send:
        pending = [o for o in rows if o.status == "pending"]
        if not pending:
            raise OpsFailure("nothing to release: every recorded outflow is paid" if rows
                             else "nothing to release: no redemption fill or basket owed recorded")
        send_pending(s, pending)
        rows = obligations(s, index, request_id)
    data = [o.to_json() for o in rows]
    text = lambda: render_releases(rows) if rows else "no redemption fill or basket owed recorded"  # noqa: E731
    if send:
        emit_sent(s, {"releases": data}, as_json, text)
    else:
        emit(data, as_json, text)
