"""`ape run deploy`: deploy the protocol (once per network) and an index from its methodology."""

from __future__ import annotations

import click

from ssi.ops.cli import OpsCommand, account_option, emit_sent, json_option, refusals, session
from ssi.ops.market import parse_date
from ssi.ops.setup import DeployParams, deploy
from ssi.ops.tables import amount, pct, table, usd


@click.command(cls=OpsCommand)
@click.option("--methodology", default="MAG7", show_default=True, help="index definition (MAG7, MEME, DEFI) or YAML file")
@click.option("--reference", default="2025-01-28", show_default=True, help="reference date of the first basket")
@click.option("--nav", "nav", default=100.0, show_default=True, help="NAV per share of the first basket, USD")
@click.option("--symbol", default=None, help="token symbol; default: the methodology's title (MAG7.ssi)")
@click.option("--name", default=None, help="token name; default: '<title> Index'")
@click.option("--management-fee", default=0.005, show_default=True, help="management fee per year (0.005 = 0.5%)")
@click.option("--creation-fee-bps", default=10, show_default=True)
@click.option("--redemption-fee-bps", default=10, show_default=True)
@click.option("--timeout", "request_timeout", default=86_400, show_default=True, help="seconds before a WLP may cancel")
@click.option("--notice", "notice_period", default=86_400, show_default=True, help="basket notice period, seconds (new protocol only)")
@click.option("--threshold", default=2, show_default=True, help="custodian signatures per report")
@click.option("--guardian", default=None, help="address or alias (new protocol only)")
@click.option("--compiler", default=None, help="address or alias")
@click.option("--wlp", "wlps", multiple=True, help="WLP address or alias (repeat)")
@click.option("--pmm", "pmms", multiple=True, help="PMM address or alias (repeat)")
@click.option("--signer", "signers", multiple=True, help="custodian signer address or alias (repeat)")
@click.option("--treasury", default=None, help="fee receiver address or alias")
@click.option("--cash-token", default=None, help="cash token address (required outside the local chain)")
@click.option("--fund", default=10_000_000.0, show_default=True, help="local chain: mock USDC minted to each WLP and PMM")
@click.option("--ephemeral", is_flag=True,
              help="deploy even when Ape started a throw-away node for this command (it stops when the command ends)")
@click.option("--force", is_flag=True, help="replace a deployments file written on another chain")
@account_option("admin")
@json_option
@refusals
def cli(provider, methodology, reference, nav, symbol, name, management_fee, creation_fee_bps, redemption_fee_bps,
        request_timeout, notice_period, threshold, guardian, compiler, wlps, pmms, signers, treasury, cash_token,
        fund, ephemeral, force, account, as_json) -> None:
    """Deploy the protocol if this network has none, then create the index; records deployments/<network>.json."""
    s = session(provider)
    admin = s.account(account, "admin")
    params = DeployParams(
        methodology=methodology, reference=parse_date(reference, "reference date"), nav_per_share=nav,
        symbol=symbol, name=name, management_fee=management_fee, creation_fee_bps=creation_fee_bps,
        redemption_fee_bps=redemption_fee_bps, request_timeout=request_timeout, notice_period=notice_period,
        threshold=threshold, guardian=guardian, compiler=compiler, wlps=list(wlps), pmms=list(pmms),
        signers=list(signers), treasury=treasury, cash_token=cash_token, fund=fund, ephemeral=ephemeral, force=force,
    )
    book, entry, basket = deploy(s, admin, params)

    def text() -> str:
        rows = [(sym, pct(basket.weights[sym] * 100), usd(basket.prices[sym], 4), basket.decimals[sym],
                 amount(u / 10 ** basket.decimals[sym] / 1e18)) for sym, u in basket.units.items()]
        head = (f"deployed {entry.symbol} at {entry.address} on {s.network_choice} (chain {s.chain_id})\n"
                f"first basket: {entry.methodology} reference {basket.reference}, effective {basket.effective}, "
                f"NAV {usd(basket.nav_per_share)} per share (basket value {usd(basket.basket_value, 6)})\n")
        tail = f"\nrecorded in {s.book_file}" if s.book_file else ""
        return head + table(["asset", "weight", "price", "decimals", "per share"], rows) + tail

    emit_sent(s, {"index": entry.symbol, "address": entry.address, "network": s.network_choice, "chain_id": s.chain_id,
          "protocol": book.protocol, "cash_token": book.cash_token, "reference": basket.reference,
          "effective": basket.effective, "weights": basket.weights, "prices": basket.prices,
          "units": {k: str(v) for k, v in basket.units.items()}, "nav_per_share": basket.nav_per_share,
          "deployments_file": str(s.book_file) if s.book_file else None}, as_json, text)
