"""`ape run pmm quote|deliver|fill|reject|trade`: a market maker's side of mints, redemptions and rebalances."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import click

from ssi.ops import trading
from ssi.ops.chainview import basket
from ssi.ops.cli import OpsCommand, account_option, emit_sent, index_option, json_option, prices_options, refusals, session
from ssi.ops.inputs import DEFAULT_MAX_PRICE_DEVIATION_PCT, check_near_reference, parse_amount
from ssi.ops.market import parse_date, reference_prices, resolve_prices
from ssi.ops.session import iso
from ssi.ops.tables import table, tokens

request_option = click.option("--request", "request_id", required=True, type=int)


@click.group()
def cli() -> None:
    """Quote, deliver, fill and reject as a PMM."""


@cli.command(cls=OpsCommand)
@index_option
@click.option("--side", type=click.Choice(["mint", "redeem"]), required=True)
@click.option("--shares", required=True, help="index shares (e.g. 10.5), within the index's smallest and largest request")
@click.option("--wlp", "wlp", default=None, help="WLP address or alias; default on the local chain: its test WLP")
@prices_options
@click.option("--max-price-deviation-pct", "max_dev", default=DEFAULT_MAX_PRICE_DEVIATION_PCT, show_default=True,
              type=float, help="--prices FILE: refuse a price further than this from its bundled reference close")
@click.option("--spread-bps", default=20.0, show_default=True, help="above NAV for mints, below for redemptions")
@click.option("--ttl", default=600, show_default=True, help="seconds the quote stays valid")
@click.option("--nonce", default=None, type=int, help="quote nonce; default: random")
@click.option("--out", "out", default=None, type=click.Path(dir_okay=False), help="write the quote here (default: stdout)")
@account_option("pmm")
@json_option
@refusals
def quote(provider, index, side, shares, wlp, date, prices_file, max_dev, spread_bps, ttl, nonce, out, account,
          as_json) -> None:
    """Sign a quote at NAV (current basket at the given prices) plus or minus a spread.

    The signed quote is JSON on stdout, or in --out FILE (then a summary line on stderr, or JSON with --json)."""
    s = session(provider)
    pmm = s.account(account, "pmm")
    entry = s.book.index(index)
    amount_in = parse_amount(shares, "--shares", 18, "a share")
    token = s.token(entry.symbol)
    symbols = basket(s, token, int(s.deployment.registry.version(token))).symbols
    prices, source = resolve_prices(date, prices_file, symbols, dt.date.fromisoformat(entry.reference))
    if prices_file is not None:
        day = parse_date(date) if date is not None else dt.datetime.fromtimestamp(s.now(), dt.timezone.utc).date()
        reference, label = reference_prices(day, symbols)
        check_near_reference(prices, reference, f"--prices {prices_file}", label, max_dev)
    qf = trading.make_quote(s, pmm, entry.symbol, side, amount_in, s.address_of(wlp, "wlp"), prices, source,
                            spread_bps=spread_bps, ttl=ttl, nonce=nonce)
    text = json.dumps(qf.to_json(), indent=2)
    cash = s.book.cash_token
    if out and as_json:
        Path(out).write_text(text + "\n")
        click.echo(json.dumps({"quote_file": out, "index": entry.symbol, "side": side, "shares": tokens(amount_in, 18),
                               "cash": tokens(qf.quote.cash, int(cash["decimals"])), "cash_token": cash["symbol"],
                               "nav_per_share": qf.nav_per_share, "prices_source": source,
                               "valid_until": iso(qf.quote.deadline)}, indent=2))
    elif out:
        Path(out).write_text(text + "\n")
        click.echo(f"{side} quote: {tokens(amount_in, 18)} {entry.symbol} for {tokens(qf.quote.cash, int(cash['decimals']))} "
                   f"{cash['symbol']} (NAV {qf.nav_per_share:,.6f}), valid until {iso(qf.quote.deadline)}; wrote {out}",
                   err=True)
    else:
        click.echo(text)


@cli.command(cls=OpsCommand)
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
    decimals = _decimals(s, amounts)
    emit_sent(s, {"request": request_id, "delivered": {k: str(v) for k, v in amounts.items()},
                  "delivered_amounts": {k: tokens(v, decimals[k]) for k, v in amounts.items()}}, as_json,
              lambda: f"recorded delivery for request {request_id}\n"
                      + table(["asset", "amount"], [(k, tokens(v, decimals[k])) for k, v in amounts.items()]))


@cli.command(cls=OpsCommand)
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
    decimals = _decimals(s, released)
    emit_sent(s, {"request": request_id, "released": {k: str(v) for k, v in released.items()},
                  "released_amounts": {k: tokens(v, decimals[k]) for k, v in released.items()}}, as_json,
              lambda: f"filled redemption {request_id}; custodian releases\n"
                      + table(["asset", "amount"], [(k, tokens(v, decimals[k])) for k, v in released.items()]))


@cli.command(cls=OpsCommand)
@request_option
@click.option("--reason", default="", help="short reason (hashed on chain)")
@account_option("pmm")
@json_option
@refusals
def reject(provider, request_id, reason, account, as_json) -> None:
    """Reject an open request: the WLP gets its escrow back."""
    s = session(provider)
    r = trading.reject(s, s.account(account, "pmm"), request_id, reason)
    emit_sent(s, {"request": r.id, "status": "rejected", "refunded_to": r.wlp}, as_json,
              lambda: f"rejected request {r.id}: escrow refunded to {r.wlp}")


@cli.command(cls=OpsCommand)
@index_option
@account_option("pmm")
@json_option
@refusals
def trade(provider, index, account, as_json) -> None:
    """Local chain: trade the custodian's holdings to the pending basket for the whole supply."""
    s = session(provider)
    delta = trading.trade_to_pending(s, s.account(account, "pmm"), index)
    decimals = _decimals(s, delta)
    emit_sent(s, {"trades": {k: str(v) for k, v in delta.items()},
                  "trade_amounts": {k: tokens(v, decimals[k]) for k, v in delta.items()}}, as_json,
              lambda: table(["asset", "side", "amount"],
                            [(k, "buy" if v > 0 else "sell" if v < 0 else "hold", tokens(abs(v), decimals[k]))
                             for k, v in delta.items()]))


def _decimals(s, amounts) -> dict[str, int]:
    """Each asset's decimals, as registered."""
    from ssi.chain.protocol import asset_id

    registry = s.deployment.registry
    return {k: int(registry.assets(asset_id(k)).decimals) for k in amounts}
