"""`ape run wlp mint|redeem|settle|cancel|status`: a whitelisted LP's requests."""

from __future__ import annotations

import click

from ssi.ops import trading
from ssi.ops.chainview import all_requests, request_row
from ssi.ops.cli import OpsCommand, account_option, emit, emit_sent, json_option, refusals, session
from ssi.ops.render import render_requests, render_waiting
from ssi.ops.session import iso
from ssi.ops.tables import tokens
from ssi.ops.waiting import my_requests

quote_option = click.option("--quote", "quote_file", required=True, type=click.Path(),
                            help="signed quote JSON from `ape run pmm quote`")
approve_option = click.option("--approve", is_flag=True, help="approve the issuer for exactly what the request escrows")
max_fee_option = click.option("--max-fee", default=None, type=int, help="highest fee accepted, cash base units")


@click.group()
def cli() -> None:
    """Mint and redeem index shares through PMM quotes."""


def _done(r, what: str, as_json: bool, s) -> None:
    row = request_row(r, "open", s.book.symbol_at(r.index), int(s.book.cash_token["decimals"]))
    dec, unit = int(s.book.cash_token["decimals"]), s.book.cash_token["symbol"]
    emit_sent(s, row, as_json, lambda: f"{what} request {r.id}: {tokens(r.shares, 18)} {row['index']} for "
                                       f"{tokens(r.cash, dec)} {unit} (fee {tokens(r.fee, dec)} {unit}); "
                                       f"cancellable from {iso(r.cancel_after)}")


@cli.command(cls=OpsCommand)
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


@cli.command(cls=OpsCommand)
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


@cli.command(cls=OpsCommand)
@click.option("--request", "request_id", required=True, type=int)
@account_option("wlp")
@json_option
@refusals
def settle(provider, request_id, account, as_json) -> None:
    """Settle a delivered mint once a reserve report covers it (anyone may)."""
    s = session(provider)
    r = trading.settle(s, s.account(account, "wlp"), request_id)
    symbol = s.book.symbol_at(r.index)
    emit_sent(s, {"request": r.id, "status": "settled", "index": symbol, "shares": tokens(r.shares, 18), "wlp": r.wlp},
              as_json, lambda: f"settled mint request {r.id}: {tokens(r.shares, 18)} {symbol} to {r.wlp}")


@cli.command(cls=OpsCommand)
@click.option("--request", "request_id", required=True, type=int)
@account_option("wlp")
@json_option
@refusals
def cancel(provider, request_id, account, as_json) -> None:
    """Cancel an unsettled request after its timeout and take the escrow back."""
    s = session(provider)
    r = trading.cancel(s, s.account(account, "wlp"), request_id)
    emit_sent(s, {"request": r.id, "status": "cancelled", "refunded_to": r.wlp}, as_json,
              lambda: f"cancelled request {r.id}: escrow refunded to {r.wlp}")


@cli.command(cls=OpsCommand)
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


@cli.command(cls=OpsCommand)
@click.option("--index", "index", default=None, help="only this index")
@account_option("wlp")
@json_option
@refusals
def requests(provider, index, account, as_json) -> None:
    """My open requests: their age and the next action each waits for."""
    s = session(provider)
    wlp = s.account(account, "wlp")
    rows = my_requests(s, str(wlp.address), index)
    emit(rows, as_json, lambda: render_waiting(rows) if rows else f"no open requests of {wlp.address}")
