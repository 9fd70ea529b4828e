"""`ape run serve`: the public proof-of-reserves page of the network Ape is connected to.

    ape run serve [--network ecosystem:network:provider] [--host 127.0.0.1] [--port 8000]
                  [--db sqlite:///ssi-web.db] [--prices bundled|live] [--prices-date YYYY-MM-DD]
                  [--backtests DIR] [--confirmations 0] [--from-block N]

Reads the deployments file of the network (see `ape run deploy`), indexes the protocol's events
into the database (SQLite by default, any SQLAlchemy URL), and serves the pages and their JSON API
with uvicorn until interrupted. A restart catches up from the last indexed block.
"""

from __future__ import annotations

from pathlib import Path

import click

from ssi.ops.cli import OpsCommand, refusals, session
from ssi.ops.market import parse_date
from ssi.web.server import DEFAULT_DB, ServeOptions, build_site, serve


@click.command(cls=OpsCommand)
@click.option("--host", default="127.0.0.1", show_default=True, help="address to listen on")
@click.option("--port", default=8000, show_default=True, type=int, help="port to listen on")
@click.option("--db", "db_url", default=DEFAULT_DB, show_default=True, help="SQLAlchemy database URL")
@click.option("--prices", type=click.Choice(["bundled", "live"]), default="bundled", show_default=True,
              help="bundled closes, or CoinGecko's current prices (network)")
@click.option("--prices-date", default=None, help="bundled closes of this day (default: the chain's date)")
@click.option("--backtests", type=click.Path(file_okay=False, exists=True), default=None,
              help="folder of `ssi backtest` outputs, one sub-folder per methodology (MAG7/, ...)")
@click.option("--confirmations", default=0, show_default=True, type=int, help="stay this many blocks behind the head")
@click.option("--from-block", default=None, type=int, help="index from this block (default: the deployment's)")
@refusals
def cli(provider, host, port, db_url, prices, prices_date, backtests, confirmations, from_block) -> None:
    """Serve the proof-of-reserves page: indices, reserves, baskets, fees and requests."""
    s = session(provider)
    opts = ServeOptions(db_url=db_url, prices=prices,
                        prices_date=parse_date(prices_date, "--prices-date") if prices_date else None,
                        backtests=Path(backtests) if backtests else None, confirmations=confirmations,
                        from_block=from_block)
    site = build_site(s, opts)
    click.echo(f"indexing {s.network_choice} into {db_url} ...", err=True)
    site.refresh()
    click.echo(f"serving http://{host}:{port}/ ({site.store.count(site.scope)} events indexed)", err=True)
    serve(site, host, port)
