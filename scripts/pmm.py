"""`ape run pmm quote|deliver|fill|reject|trade`: a market maker's side of mints, redemptions and rebalances."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from ssi.ops import trading
from ssi.ops.chainview import basket
from ssi.ops.cli import account_option, emit, index_option, json_option, prices_options, refusals, session
from ssi.ops.market import resolve_prices, to_base
from ssi.ops.tables import amount, table

request_option = click.option("--request", "request_id", required=True, type=int)


@click.group()
def cli() -> None:
    """Quote, deliver, fill and reject as a PMM."""


@cli.command(cls=ConnectedProviderCommand)
@index_option
@click.option("--side", type=click.Choice(["mint", "redeem"]), required=True)
@click.option("--shares", required=True, type=float, help="index shares (e.g. 10.5)")
@click.option("--wlp", "wlp", default=None, help="WLP address or alias; default on the local chain: its test WLP")
@prices_options
@click.option("--spread-bps", default=20.0, show_default=True, help="above NAV for mints, below for redemptions")
@click.option("--ttl", default=600, show_default=True, help="seconds the quote stays valid")
@click.option("--nonce", default=None, type=int, help="quote nonce; default: random")
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help="write the quote here (default: stdout)")
@account_option("pmm")
@refusals
def quote(provider, index, side, shares, wlp, date, prices_file, spread_bps, ttl, nonce, out, account) -> None:
    """Sign a quote at NAV (current basket at the given prices) plus or minus a spread."""
    s = session(provider)
    pmm = s.account(account, "pmm")
    entry = s.book.index(index)
    token = s.token(entry.symbol)
    symbols = basket(s, token, int(s.deployment.registry.version(token))).symbols
    prices, source = resolve_prices(date, prices_file, symbols, dt.date.fromisoformat(entry.reference))
    qf = trading.make_quote(s, pmm, entry.symbol, side, to_base(shares, 18), s.address_of(wlp, "wlp"), prices, source,
                            spread_bps=spread_bps, ttl=ttl, nonce=nonce)
    text = json.dumps(qf.to_json(), indent=2)
    if out:
        Path(out).write_text(text + "\n")
        click.echo(f"{side} quote: {shares:,} {entry.symbol} for {qf.quote.cash / 10 ** s.book.cash_token['decimals']:,.6f} "
                   f"{s.book.cash_token['symbol']} (NAV {qf.nav_per_share:,.6f}), valid {ttl} s; wrote {out}", err=True)
    else:
        click.echo(text)


@cli.command(cls=ConnectedProviderCommand)
@request_option
@click.option("--reference", default="", help="off-chain reference of the delivery (hashed on chain)")
@click.option("--no-transfer", is_flag=True, help="only record the delivery (assets moved off-chain)")
@account_option("pmm")
@json_option
@refusals
def deliver(provider, request_id, reference, no_transfer, account, as_json) -> None:
    """Deliver a mint's basket to the custodian (local chain: mock tokens) and record it on chain."""
    s = session(provider)
    amounts = trading.deliver(s, s.account(account, "pmm"), request_id, reference,
                              move_assets=False if no_transfer else None)
    emit({"request": request_id, "delivered": {k: str(v) for k, v in amounts.items()}}, as_json,
         lambda: f"recorded delivery for request {request_id}\n" + table(["asset", "base units"], list(amounts.items())))


@cli.command(cls=ConnectedProviderCommand)
@request_option
@click.option("--approve", is_flag=True, help="approve the issuer for the cash paid")
@click.option("--no-release", is_flag=True, help="local chain: leave the basket with the custodian")
@account_option("pmm")
@json_option
@refusals
def fill(provider, request_id, approve, no_release, account, as_json) -> None:
    """Fill a redemption: pay the WLP; the custodian releases the basket to the PMM (local chain)."""
    s = session(provider)
    released = trading.fill(s, s.account(account, "pmm"), request_id, approve=approve,
                            release=False if no_release else None)
    emit({"request": request_id, "released": {k: str(v) for k, v in released.items()}}, as_json,
         lambda: f"filled redemption {request_id}; custodian releases\n" + table(["asset", "base units"], list(released.items())))


@cli.command(cls=ConnectedProviderCommand)
@request_option
@click.option("--reason", default="", help="short reason (hashed on chain)")
@account_option("pmm")
@refusals
def reject(provider, request_id, reason, account) -> None:
    """Reject an open request: the WLP gets its escrow back."""
    s = session(provider)
    r = trading.reject(s, s.account(account, "pmm"), request_id, reason)
    click.echo(f"rejected request {r.id}: escrow refunded to {r.wlp}")


@cli.command(cls=ConnectedProviderCommand)
@index_option
@account_option("pmm")
@json_option
@refusals
def trade(provider, index, account, as_json) -> None:
    """Local chain: trade the custodian's holdings to the pending basket for the whole supply."""
    s = session(provider)
    delta = trading.trade_to_pending(s, s.account(account, "pmm"), index)
    emit({k: str(v) for k, v in delta.items()}, as_json,
         lambda: table(["asset", "side", "base units"],
                       [(k, "buy" if v > 0 else "sell" if v < 0 else "hold", amount(abs(v))) for k, v in delta.items()]))
