"""`ape run index status`: basket, supply, NAV at given prices, reserve coverage, accrued fee, open requests."""

from __future__ import annotations

import datetime as dt

import click

from ssi.ops.cli import OpsCommand, emit, index_option, json_option, prices_options, refusals, session
from ssi.ops.market import resolve_prices
from ssi.ops.status import index_status
from ssi.ops.render import render_status


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
