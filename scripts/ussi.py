"""`ape run ussi deploy|nav|mint|redeem|settle|fill|status`: the USSI token at the desk.

A USSI request is priced forward: request, then a NAV report dated after it (`ussi nav`), then the
operator settles the mint or fills the redemption."""

from __future__ import annotations


import click

from ssi.ops import ussi as desk
from ssi.ops.errors import OpsError
from ssi.ops.cli import OpsCommand, account_option, emit, emit_sent, json_option, refusals, session
from ssi.ops.inputs import parse_amount, parse_time
from ssi.ops.market import parse_date
from ssi.ops.session import iso
from ssi.ops.tables import table, tokens
from ssi.ussi.token import KINDS, MINT_WITH_CASH, MINT_WITH_INDEX, REDEEM

request_option = click.option("--request", "request_id", required=True, type=int)
min_out_option = click.option("--min-out", "min_out", default="0", show_default=True,
                              help="least the request must pay out (USSI shares for a mint, cash for a redemption)")


@click.group()
def cli() -> None:
    """USSI: deploy, NAV reports, mint and redeem requests, operator settlement."""


def _row(s, r, status: str) -> dict:
    dec = 18 if r.kind != MINT_WITH_CASH else int(s.book.cash_token["decimals"])
    unit = "USSI" if r.kind == REDEEM else (s.book.ussi["index"] if r.kind == MINT_WITH_INDEX else s.book.cash_token["symbol"])
    return {"id": r.id, "kind": KINDS[r.kind], "status": status, "owner": r.owner, "amount": tokens(r.amount, dec),
            "unit": unit, "requested_at_utc": iso(r.requested_at), "cancel_after_utc": iso(r.cancel_after)}


@cli.command(cls=OpsCommand)
@click.option("--index", "index", default="MAG7", show_default=True, help="the index USSI holds")
@click.option("--signer", "signers", multiple=True, help="strategy signer address or alias (repeat); local: test accounts 10, 11")
@click.option("--threshold", default=2, show_default=True, help="signatures per NAV report")
@click.option("--operator", "operators", multiple=True, help="operator address or alias (repeat); local: the PMM")
@click.option("--custody", default=None, help="where settled deposits go; local: the custodian wallet")
@click.option("--max-nav-age", default=86_400, show_default=True, help="seconds a NAV report prices requests")
@click.option("--timeout", "request_timeout", default=86_400, show_default=True, help="seconds before a holder may cancel")
@click.option("--max-nav-move-bps", default=1_000, show_default=True, help="largest NAV move between two reports")
@account_option("admin")
@json_option
@refusals
def deploy(provider, index, signers, threshold, operators, custody, max_nav_age, request_timeout, max_nav_move_bps,
           account, as_json) -> None:
    """Deploy USSI over an index; its operators are added through the protocol's timelock."""
    s = session(provider)
    owner = s.account(account, "admin")
    signer_addrs = [s.address_of(x, "ussi_signer") for x in signers] or \
        [str(a.address) for a in desk.ussi_signers(s, [])]
    op_addrs = [s.address_of(x, "ussi_operator") for x in operators] or [s.address_of(None, "ussi_operator")]
    d = desk.deploy(s, owner, index, signers=signer_addrs, threshold=threshold, operators=op_addrs,
                    custody=s.address_of(custody, "custodian_wallet"), max_nav_age=max_nav_age,
                    request_timeout=request_timeout, max_nav_move_bps=max_nav_move_bps)
    emit_sent(s, d.to_json(), as_json,
              lambda: f"deployed USSI at {d.address} over {d.index}; {d.threshold} of {len(d.signers)} strategy "
                      f"signers; operators {', '.join(d.operators)} (effective {d.to_json()['operators_effective']})")


@cli.command(cls=OpsCommand)
@click.option("--date", "date", default=None, help="NAV: the strategy's NAV at this day's close (YYYY-MM-DD)")
@click.option("--nav", "nav", default=None, type=float, help="NAV per USSI share in cash tokens, instead of --date")
@click.option("--index-price", "index_price", default=None, type=float,
              help="index price per share; default: its basket at the closes of --date")
@click.option("--as-of", "as_of", default=None, help="time of the report, ISO-8601 (UTC) or Unix; default: the latest block")
@click.option("--signer", "signers", multiple=True, help="strategy signer alias (repeat); local: test accounts 10, 11")
@account_option("ussi operator (sender; anyone may post)")
@json_option
@refusals
def nav(provider, date, nav, index_price, as_of, signers, account, as_json) -> None:
    """Sign and post a NAV report (NAV per share and the index's price), checked against the move bound."""
    s = session(provider)
    report = desk.post_nav(s, s.account(account, "ussi_operator"), desk.ussi_signers(s, signers),
                           date=parse_date(date) if date else None, nav=nav, index_price=index_price,
                           as_of=parse_time(as_of, "--as-of") if as_of else None)
    data = {"nav_per_share": report.nav_per_share / 1e18, "index_price": report.index_price / 1e18,
            "as_of": report.as_of, "as_of_utc": iso(report.as_of), "nonce": report.nonce}
    emit_sent(s, data, as_json, lambda: f"posted USSI NAV report #{report.nonce}: {data['nav_per_share']:,.6f} per "
                                        f"share, index {data['index_price']:,.6f}, as of {iso(report.as_of)}")


def _opened(s, r, as_json: bool) -> None:
    row = _row(s, r, "open")
    emit_sent(s, row, as_json, lambda: f"USSI request {r.id}: {row['kind']} of {row['amount']} {row['unit']}; "
                                       "settled at the next NAV report; cancellable from " + row["cancel_after_utc"])


@cli.command(cls=OpsCommand)
@click.option("--cash", "cash", default=None, help="deposit this much of the cash token (e.g. 1000)")
@click.option("--index-shares", "index_shares", default=None, help="deposit this many index shares instead")
@min_out_option
@click.option("--approve", is_flag=True, help="approve USSI for exactly the deposit")
@account_option("participant (wlp)")
@json_option
@refusals
def mint(provider, cash, index_shares, min_out, approve, account, as_json) -> None:
    """Request USSI shares for a cash or index deposit (escrowed until the operator settles)."""
    s = session(provider)
    if (cash is None) == (index_shares is None):
        raise OpsError("give one of --cash or --index-shares")
    if cash is not None:
        kind, amount = MINT_WITH_CASH, parse_amount(cash, "--cash", int(s.book.cash_token["decimals"]),
                                                     s.book.cash_token["symbol"])
    else:
        kind, amount = MINT_WITH_INDEX, parse_amount(index_shares, "--index-shares", 18, "a share")
    least = parse_amount(min_out, "--min-out", 18, "a share") if min_out not in ("0", "") else 0
    r = desk.request(s, s.account(account, "wlp"), kind, amount, min_out=least, approve=approve)
    _opened(s, r, as_json)


@cli.command(cls=OpsCommand)
@click.option("--shares", required=True, help="USSI shares to redeem for cash")
@min_out_option
@account_option("participant (wlp)")
@json_option
@refusals
def redeem(provider, shares, min_out, account, as_json) -> None:
    """Request cash for USSI shares (escrowed until the operator fills)."""
    s = session(provider)
    amount = parse_amount(shares, "--shares", 18, "a share")
    dec = int(s.book.cash_token["decimals"])
    least = parse_amount(min_out, "--min-out", dec, s.book.cash_token["symbol"]) if min_out not in ("0", "") else 0
    r = desk.request(s, s.account(account, "wlp"), REDEEM, amount, min_out=least)
    _opened(s, r, as_json)


@cli.command(cls=OpsCommand)
@request_option
@account_option("ussi operator")
@json_option
@refusals
def settle(provider, request_id, account, as_json) -> None:
    """Settle a USSI mint at the first NAV report after it (operator): shares out, deposit to custody."""
    s = session(provider)
    r, _ = desk.find(s, request_id)
    if r.kind == REDEEM:
        raise OpsError(f"USSI request {r.id} is a redemption: `ussi fill`")
    r, receipt = desk.complete(s, s.account(account, "ussi_operator"), request_id)
    minted = receipt.decode_logs(desk.contract(s).MintSettled)[0]
    emit_sent(s, {"request": r.id, "status": "settled", "shares": tokens(int(minted.shares), 18), "owner": r.owner},
              as_json, lambda: f"settled USSI request {r.id}: {tokens(int(minted.shares), 18)} USSI to {r.owner}")


@cli.command(cls=OpsCommand)
@request_option
@click.option("--approve", is_flag=True, help="approve USSI for exactly the cash paid")
@account_option("ussi operator")
@json_option
@refusals
def fill(provider, request_id, approve, account, as_json) -> None:
    """Fill a USSI redemption at the first NAV report after it (operator): pays the holder in cash."""
    s = session(provider)
    r, _ = desk.find(s, request_id)
    if r.kind != REDEEM:
        raise OpsError(f"USSI request {r.id} is a mint: `ussi settle`")
    r, receipt = desk.complete(s, s.account(account, "ussi_operator"), request_id, approve=approve)
    filled = receipt.decode_logs(desk.contract(s).RedeemFilled)[0]
    dec, unit = int(s.book.cash_token["decimals"]), s.book.cash_token["symbol"]
    emit_sent(s, {"request": r.id, "status": "filled", "cash": tokens(int(filled.cash), dec), "owner": r.owner},
              as_json, lambda: f"filled USSI request {r.id}: {tokens(int(filled.cash), dec)} {unit} to {r.owner}")


@cli.command(cls=OpsCommand)
@json_option
@refusals
def status(provider, as_json) -> None:
    """USSI's last NAV report (and its age), supply and requests."""
    s = session(provider)
    ussi = desk.contract(s)
    last = ussi.nav()
    age = s.now() - int(last.asOf) if int(last.asOf) else None
    rows = [_row(s, r, st) for r, st in desk.all_requests(s)]
    data = {"address": str(ussi.address), "index": s.book.ussi["index"], "supply": tokens(int(ussi.totalSupply()), 18),
            "nav_per_share": int(last.navPerShare) / 1e18 if age is not None else None,
            "index_price": int(last.indexPrice) / 1e18 if age is not None else None,
            "nav_as_of_utc": iso(int(last.asOf)) if age is not None else None, "nav_age_s": age,
            "nav_fresh": age is not None and age <= int(ussi.max_nav_age()), "requests": rows}

    def text() -> str:
        head = f"USSI at {data['address']} over {data['index']}; supply {data['supply']}\n"
        head += ("NAV: no report yet" if age is None else
                 f"NAV {data['nav_per_share']:,.6f} per share as of {data['nav_as_of_utc']} ({age:,} s old, "
                 f"{'fresh' if data['nav_fresh'] else 'STALE'})")
        body = table(["id", "kind", "status", "amount", "unit", "requested", "cancellable from"],
                     [(r["id"], r["kind"], r["status"], r["amount"], r["unit"], r["requested_at_utc"],
                       r["cancel_after_utc"]) for r in rows]) if rows else "no requests"
        return head + "\n\n" + body

    emit(data, as_json, text)



