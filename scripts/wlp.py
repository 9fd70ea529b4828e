"""`ape run wlp mint|redeem|settle|cancel|status`: a whitelisted LP's requests."""

from __future__ import annotations

import click
from ape.cli import ConnectedProviderCommand

from ssi.ops import trading
from ssi.ops.chainview import all_requests, request_row
from ssi.ops.cli import account_option, emit, json_option, refusals, session
from ssi.ops.render import render_requests

quote_option = click.option("--quote", "quote_file", required=True, type=click.Path(),
                            help="signed quote JSON from `ape run pmm quote`")
approve_option = click.option("--approve", is_flag=True, help="approve the issuer for exactly what the request escrows")
max_fee_option = click.option("--max-fee", default=None, type=int, help="highest fee accepted, cash base units")


@click.group()
def cli() -> None:
    """Mint and redeem index shares through PMM quotes."""


def _done(r, what: str, as_json: bool, s) -> None:
    row = request_row(r, "open", s.book.symbol_at(r.index), int(s.book.cash_token["decimals"]))
    emit(row, as_json, lambda: f"{what} request {r.id}: {row['shares']:,.6f} shares for {row['cash']:,.6f} "
                               f"{s.book.cash_token['symbol']} (fee {row['fee']:,.6f}); cancellable after {r.cancel_after}")


@cli.command(cls=ConnectedProviderCommand)
@quote_option
@approve_option
@max_fee_option
@account_option("wlp")
@json_option
@refusals
def mint(provider, quote_file, approve, max_fee, account, as_json) -> None:
    """Request a mint at a PMM quote: escrows the cash and the creation fee."""
    s = session(provider)
    wlp = s.account(account, "wlp")
    r = trading.request_mint(s, wlp, trading.read_quote(quote_file), approve=approve, max_fee=max_fee)
    _done(r, "mint", as_json, s)


@cli.command(cls=ConnectedProviderCommand)
@quote_option
@approve_option
@max_fee_option
@account_option("wlp")
@json_option
@refusals
def redeem(provider, quote_file, approve, max_fee, account, as_json) -> None:
    """Request a redemption at a PMM quote: escrows the shares."""
    s = session(provider)
    wlp = s.account(account, "wlp")
    r = trading.request_redeem(s, wlp, trading.read_quote(quote_file), approve=approve, max_fee=max_fee)
    _done(r, "redeem", as_json, s)


@cli.command(cls=ConnectedProviderCommand)
@click.option("--request", "request_id", required=True, type=int)
@account_option("wlp")
@refusals
def settle(provider, request_id, account) -> None:
    """Settle a delivered mint once a reserve report covers it (anyone may)."""
    s = session(provider)
    r = trading.settle(s, s.account(account, "wlp"), request_id)
    click.echo(f"settled mint request {r.id}: {r.shares / 1e18:,.6f} shares to {r.wlp}")


@cli.command(cls=ConnectedProviderCommand)
@click.option("--request", "request_id", required=True, type=int)
@account_option("wlp")
@refusals
def cancel(provider, request_id, account) -> None:
    """Cancel an unsettled request after its timeout and take the escrow back."""
    s = session(provider)
    r = trading.cancel(s, s.account(account, "wlp"), request_id)
    click.echo(f"cancelled request {r.id}: escrow refunded to {r.wlp}")


@cli.command(cls=ConnectedProviderCommand)
@click.option("--index", "index", default=None, help="only this index")
@click.option("--all", "show_all", is_flag=True, help="settled, cancelled and rejected requests too")
@json_option
@refusals
def status(provider, index, show_all, as_json) -> None:
    """List open requests (mints awaiting delivery or settlement, redemptions awaiting a fill)."""
    s = session(provider)
    address = s.book.index(index).address if index else None
    dec = int(s.book.cash_token["decimals"])
    rows = [request_row(r, st, s.book.symbol_at(r.index), dec) for r, st in all_requests(s, address)
            if show_all or st in ("open", "delivered")]
    emit(rows, as_json, lambda: render_requests(rows) if rows else "no open requests")
