"""`ape run compiler preview|announce|activate`: the month's rebalance from the methodology."""

from __future__ import annotations

import click

from ssi.ops.assets import register as do_register
from ssi.ops.cli import OpsCommand, account_option, emit, emit_sent, index_option, json_option, refusals, session
from ssi.ops.compiler import DEFAULT_TOLERANCE_BPS, activate as do_activate, announce as do_announce, plan_rebalance
from ssi.ops.market import parse_date
from ssi.ops.render import render_plan


@click.group()
def cli() -> None:
    """Rebalance an index to its methodology."""


def plan_options(f):
    f = click.option("--units", "units_file", default=None,
                     help="announce these units per share instead (JSON {symbol: units}, or `ssi weights --json` output)")(f)
    f = click.option("--prices", "prices_file", default=None, help="JSON file of USD prices by symbol")(f)
    f = click.option("--tolerance-bps", default=DEFAULT_TOLERANCE_BPS, show_default=True,
                     help="largest NAV change allowed between the old and new basket at the same prices")(f)
    f = click.option("--date", "reference", required=True, help="reference date YYYY-MM-DD")(f)
    return index_option(f)


def _plan(s, index, reference, tolerance_bps, prices_file, units_file):
    return plan_rebalance(s, index, parse_date(reference, "reference date"), tolerance_bps=tolerance_bps,
                          prices_file=prices_file, units_file=units_file)


@cli.command(cls=OpsCommand)
@plan_options
@json_option
@refusals
def preview(provider, index, reference, tolerance_bps, prices_file, units_file, as_json) -> None:
    """Old vs new weights and units, trades for the whole supply, turnover, NAV before and after."""
    plan = _plan(session(provider), index, reference, tolerance_bps, prices_file, units_file)
    emit(plan.to_json(), as_json, lambda: render_plan(plan))


@cli.command(cls=OpsCommand)
@plan_options
@account_option("compiler")
@json_option
@refusals
def announce(provider, index, reference, tolerance_bps, prices_file, units_file, account, as_json) -> None:
    """Announce the new basket on chain (refused if its NAV differs from the current one beyond tolerance)."""
    s = session(provider)
    compiler = s.account(account, "compiler")
    plan = _plan(s, index, reference, tolerance_bps, prices_file, units_file)
    version = do_announce(s, compiler, plan)
    emit_sent(s, {**plan.to_json(), "announced_version": version}, as_json,
         lambda: render_plan(plan) + f"\n\nannounced basket v{version} of {plan.index}, effective from "
                                     f"{plan.to_json()['effective_at_utc']}")


@cli.command(cls=OpsCommand)
@index_option
@account_option("compiler")
@json_option
@refusals
def activate(provider, index, account, as_json) -> None:
    """Make the pending basket current (anyone may, once it is due and a reserve report backs it)."""
    s = session(provider)
    version = do_activate(s, s.account(account, "compiler"), index)
    symbol = s.book.index(index).symbol
    emit_sent(s, {"index": symbol, "activated_version": version}, as_json,
              lambda: f"activated basket v{version} of {symbol}")


@cli.command("register-asset", cls=OpsCommand)
@click.option("--symbol", required=True, help="asset symbol as the methodology names it (e.g. SUI)")
@click.option("--decimals", default=None, type=int,
              help="decimals of the asset's units; default: ssi/data/assets.yaml (18 when unknown)")
@account_option("protocol owner (admin)")
@json_option
@refusals
def register_asset(provider, symbol, decimals, account, as_json) -> None:
    """Register an asset so a rebalance can bring it into a basket (the protocol owner)."""
    s = session(provider)
    reg = do_register(s, s.account(account, "admin"), symbol, decimals)
    emit_sent(s, reg.to_json(), as_json,
              lambda: f"registered asset {reg.symbol} (number {reg.number}, {reg.decimals} decimals)"
                      + (f"; local mock token at {reg.mock_token}" if reg.mock_token else ""))
