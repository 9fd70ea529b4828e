"""`ape run index status|collect-fee`: an index's state; the management fee paid to the treasury."""

from __future__ import annotations

import datetime as dt

import click

from ssi.ops.cli import (OpsCommand, account_option, emit, emit_sent, index_option, json_option, prices_options,
                         refusals, session)
from ssi.ops.fees import collect_fee as do_collect_fee
from ssi.ops.market import resolve_prices
from ssi.ops.status import index_status
from ssi.ops.render import render_status
from ssi.ops.tables import tokens


@click.group()
def cli() -> None:
    """Read an index's state."""


@cli.command(cls=OpsCommand)
@index_option
@prices_options
@json_option
@refusals
def status(provider, index, date, prices_file, as_json) -> None:
    """Basket, supply, NAV at the given prices, reserve coverage per asset, accrued fee, open requests."""
    s = session(provider)
    entry = s.book.index(index)
    from ssi.ops.chainview import basket

    token = s.token(entry.symbol)
    symbols = basket(s, token, int(s.deployment.registry.version(token))).symbols
    prices, source = resolve_prices(date, prices_file, symbols, dt.date.fromisoformat(entry.reference))
    st = index_status(s, entry.symbol, prices, source)
    emit(st, as_json, lambda: render_status(st))


@cli.command("collect-fee", cls=OpsCommand)
@index_option
@account_option("treasury (anyone may send it)")
@json_option
@refusals
def collect_fee(provider, index, account, as_json) -> None:
    """Mint the management fee owed since the last collection to the treasury, as index shares."""
    s = session(provider)
    fee = do_collect_fee(s, s.account(account, "treasury"), index)
    emit_sent(s, fee.to_json(), as_json,
              lambda: f"collected the management fee of {fee.index}: {tokens(fee.shares, 18)} shares minted to the "
                      f"treasury {fee.treasury} (now holds {tokens(fee.treasury_balance, 18)}; supply "
                      f"{tokens(fee.supply, 18)})")
