"""`ape run arb once|watch|bench`: the arbitrage bot on a local venue; `ape run arb pool`: a pool for the desk.

Each command deploys a venue on the connected local chain (the protocol, an index of
``--assets`` at 100 USD per share priced from the bundled data on ``--date``, mock assets
and cash, and a pool of ``--pool-shares`` shares seeded ``--premium`` away from NAV), then:

- ``once``: one round (``--dry-run`` plans against the venue as it would be built, on paper:
  it deploys nothing and sends nothing);
- ``watch``: a round every ``--interval`` seconds, ``--rounds`` times, each after a seeded
  NAV shock of ``--sigma``;
- ``bench``: the 50-shock run: mean and max |premium| before and after the rounds, total
  profit, gas per round (a JSON object on stdout, a table on stderr).

``pool`` is different: it works on the deployment of `ape run deploy` (not a venue of its own),
opening the pool of an index that the arbitrage operator (`silverback run arbitrage`) trades, seeded
from the WLP's shares at ``--premium`` from NAV (or at ``--price``), and records it in the
deployments file.
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import click
import numpy as np
from ape import accounts, chain, project
from ape.exceptions import ApeException
from ape.logging import logger

from ssi.arb.bot import ArbError, GasModel, Roles, Venue, build_local_venue, run_round, run_shocks
from ssi.arb.paper import paper_venue
from ssi.arb.prices import BundledPrices, ScaledPrices, random_shock
from ssi.ops.cli import OpsCommand, account_option, emit_sent, index_option, json_option, prices_options, quiet_traces, refusals, session


def _fail(message: str) -> None:
    click.echo(f"error: {message}", err=True)
    sys.exit(1)


def _weights(spec: str) -> dict[str, float]:
    """``BTC:0.5,ETH:0.3,SOL:0.2`` (or ``BTC,ETH`` for equal weights)."""
    weights: dict[str, float] = {}
    for part in (p.strip() for p in spec.split(",") if p.strip()):
        symbol, _, weight = part.partition(":")
        try:
            weights[symbol.strip()] = float(weight) if weight else 1.0
        except ValueError:
            raise ArbError(f"bad weight in --assets: {part!r}") from None
    if not weights:
        raise ArbError("--assets lists no asset")
    return weights


def _venue_options(premium: float) -> Any:
    """The options every command shares; ``premium`` is the default seeding premium."""
    return lambda f: _with_options(f, premium)


def _with_options(f: Any, premium: float) -> Any:
    options = [
        click.option("--date", default="2025-06-02", show_default=True,
                     help="Date of the bundled closes that price the basket."),
        click.option("--assets", default="BTC:0.5,ETH:0.3,SOL:0.2", show_default=True,
                     help="Basket weights, SYMBOL:WEIGHT comma-separated."),
        click.option("--premium", type=float, default=premium, show_default=True,
                     help="Pool price against NAV when the pool is seeded (0.05 = 5% above)."),
        click.option("--pool-shares", type=int, default=10_000, show_default=True,
                     help="Whole index shares in the pool."),
        click.option("--gas-price-gwei", type=float, default=1.0, show_default=True,
                     help="Gas price the profit assumes (anvil charges none)."),
        click.option("--native-price", type=float, default=None,
                     help="USD price of the native token (default: ETH's bundled close)."),
        click.option("--json", "as_json", is_flag=True, help="Print JSON on stdout."),
    ]
    for option in reversed(options):
        f = option(f)
    return f


def _inputs(date: str, assets: str, premium: float, pool_shares: int, gas_price_gwei: float,
            native_price: float | None) -> tuple[dict[str, float], BundledPrices, GasModel]:
    """Checked options: the basket weights, the prices and the gas model (nothing sent)."""
    if chain.provider.network.name != "local":
        raise ArbError("arb deploys its own venue: run it on the local network")
    if not -0.5 < premium < 1.0:
        raise ArbError(f"--premium must be in (-0.5, 1.0), got {premium}")
    if pool_shares <= 0:
        raise ArbError(f"--pool-shares must be positive, got {pool_shares}")
    if gas_price_gwei < 0:
        raise ArbError(f"--gas-price-gwei must be non-negative, got {gas_price_gwei}")
    weights = _weights(assets)
    wanted = list(weights) + ([] if native_price is not None or "ETH" in weights else ["ETH"])
    prices = BundledPrices.at(date, wanted)
    gas = GasModel(gas_price_wei=int(gas_price_gwei * 10**9), native_price=native_price)
    return weights, prices, gas


def _setup(date: str, assets: str, premium: float, pool_shares: int, gas_price_gwei: float,
           native_price: float | None, log: Any) -> tuple[Venue, BundledPrices, GasModel]:
    weights, prices, gas = _inputs(date, assets, premium, pool_shares, gas_price_gwei, native_price)
    test = accounts.test_accounts
    # The same seats as the tests' role fixtures; the LP is a generated account.
    admin, wlp, pmm, treasury, custodian = test[0], test[3], test[4], test[8], test[11]
    signers = [test[5], test[6], test[7]]
    lp = test.generate_test_account()
    admin.transfer(lp, 10**18)
    roles = Roles(admin, wlp, pmm, custodian, signers, treasury, lp)
    log(f"deploying a venue: {', '.join(weights)} on {prices.date.date()}, pool of"
        f" {pool_shares:,} shares at {premium:+.2%} from NAV")
    venue = build_local_venue(project, chain, roles, prices, weights=weights,
                              pool_shares=pool_shares, premium_at_seed=premium)
    return venue, prices, gas


def _run(body: Any) -> None:
    logger.set_level("WARNING")  # one line per step from the bot, not one per transaction
    try:
        with quiet_traces():
            body()
    except (ArbError, ValueError, KeyError) as exc:
        _fail(str(exc).strip("'\""))
    except ApeException as exc:
        _fail(f"transaction failed: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}")


@click.group()
def cli() -> None:
    """Arbitrage that holds the index token at its NAV, on a local venue."""


@cli.command(cls=OpsCommand)
@_venue_options(0.05)
@click.option("--dry-run", is_flag=True,
              help="Plan against the venue as it would be built; deploy nothing, send no transaction.")
def once(date: str, assets: str, premium: float, pool_shares: int, gas_price_gwei: float,
         native_price: float | None, as_json: bool, dry_run: bool) -> None:
    """One round: mint-and-sell, buy-and-redeem or nothing."""
    log = (lambda m: click.echo(m, err=True)) if as_json else click.echo

    def body() -> None:
        if dry_run:
            weights, prices, gas = _inputs(date, assets, premium, pool_shares, gas_price_gwei,
                                           native_price)
            log(f"dry run: planning against the venue as it would be built ({', '.join(weights)} on"
                f" {prices.date.date()}, pool of {pool_shares:,} shares at {premium:+.2%} from NAV);"
                f" nothing deployed, nothing sent")
            venue = paper_venue(prices, weights, pool_shares=pool_shares, premium_at_seed=premium)
        else:
            venue, prices, gas = _setup(date, assets, premium, pool_shares, gas_price_gwei,
                                        native_price, log)
        record = run_round(venue, prices, gas, dry_run=dry_run, log=log)
        if as_json:
            click.echo(json.dumps(record.as_dict()))

    _run(body)


@cli.command(cls=OpsCommand)
@_venue_options(0.05)
@click.option("--rounds", type=click.IntRange(min=1), default=5, show_default=True,
              help="Rounds before stopping.")
@click.option("--interval", type=click.FloatRange(min=0), default=1.0, show_default=True,
              help="Seconds between rounds.")
@click.option("--sigma", type=click.FloatRange(min=0), default=0.02, show_default=True,
              help="Log-normal NAV shock per round and asset (0: prices stay).")
@click.option("--seed", type=int, default=0, show_default=True, help="Seed of the shocks.")
def watch(date: str, assets: str, premium: float, pool_shares: int, gas_price_gwei: float,
          native_price: float | None, as_json: bool, rounds: int, interval: float, sigma: float,
          seed: int) -> None:
    """A round every --interval seconds, --rounds times (the prices move by seeded shocks)."""
    log = (lambda m: click.echo(m, err=True)) if as_json else click.echo

    def body() -> None:
        venue, base, gas = _setup(date, assets, premium, pool_shares, gas_price_gwei,
                                  native_price, log)
        rng = np.random.default_rng(seed)
        factors = {s: 1.0 for s in venue.symbols}
        for i in range(rounds):
            if i:
                time.sleep(interval)
                shock = random_shock(rng, venue.symbols, sigma)
                factors = {s: factors[s] * shock[s] for s in venue.symbols}
            log(f"round {i + 1}/{rounds}")
            record = run_round(venue, ScaledPrices(base, factors), gas, log=log)
            if as_json:
                click.echo(json.dumps(record.as_dict()))

    _run(body)


@cli.command(cls=OpsCommand)
@_venue_options(0.0)
@click.option("--shocks", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--sigma", type=click.FloatRange(min=0), default=0.02, show_default=True,
              help="Log-normal NAV shock per round and asset.")
@click.option("--seed", type=int, default=7, show_default=True, help="Seed of the shocks.")
@click.option("--verbose", is_flag=True, help="Log every step of every round.")
def bench(date: str, assets: str, premium: float, pool_shares: int, gas_price_gwei: float,
          native_price: float | None, as_json: bool, shocks: int, sigma: float, seed: int,
          verbose: bool) -> None:
    """The shock run's figures: |premium| before and after, profit, gas per round."""
    err = lambda m: click.echo(m, err=True)  # noqa: E731

    def body() -> None:
        venue, base, gas = _setup(date, assets, premium, pool_shares,
                                  gas_price_gwei, native_price, err)
        started = time.monotonic()
        run = run_shocks(venue, base, gas, shocks=shocks, seed=seed, sigma=sigma,
                         log=err if verbose else None)
        summary = run.summary(venue.cash_decimals)
        summary.update(date=str(base.date.date()), assets=venue.symbols, pool_shares=pool_shares,
                       gas_price_gwei=gas_price_gwei, seconds=round(time.monotonic() - started, 1))
        click.echo(json.dumps(summary))
        if not as_json:
            for line in _table(summary):
                err(line)

    _run(body)


def _table(s: dict[str, Any]) -> list[str]:
    rows = [
        f"{s['shocks']} shocks (sigma {s['sigma']:.1%}, seed {s['seed']})"
        f" on {', '.join(s['assets'])}, pool {s['pool_shares']:,} shares,"
        f" gas {s['gas_price_gwei']} gwei",
        "rounds: " + ", ".join(f"{k} {v}" for k, v in s["rounds"].items()),
        f"{'':<22}{'before':>10}{'after':>10}",
        f"{'mean |premium|':<22}{s['premium_before_mean_abs']:>10.3%}"
        f"{s['premium_after_mean_abs']:>10.3%}",
        f"{'max |premium|':<22}{s['premium_before_max_abs']:>10.3%}"
        f"{s['premium_after_max_abs']:>10.3%}",
        f"{'max |premium| traded':<22}{'':>10}{s['premium_after_traded_max_abs']:>10.3%}",
        f"band: fees only [{s['fee_band'][0]:+.3%}, {s['fee_band'][1]:+.3%}], with gas (last"
        f" round) [{s['gas_band_last_round'][0]:+.3%}, {s['gas_band_last_round'][1]:+.3%}]",
        f"total profit (cash): {s['total_profit']:,.2f}  (model {s['total_predicted_profit']:,.2f},"
        f" gas cost {s['total_gas_cost']:,.2f})",
    ]
    for action, g in s["gas_per_round"].items():
        rows.append(f"gas per {action} round: WLP {g['wlp_mean']:,},"
                    f" all parties {g['all_parties_mean']:,}")
    return rows


@cli.command(cls=OpsCommand)
@index_option
@click.option("--shares", required=True, help="whole index shares to seed the pool with (the LP's own)")
@click.option("--premium", type=float, default=None,
              help="seed at NAV x (1 + PREMIUM) at the --date/--prices prices, e.g. 0.02 (default 0)")
@click.option("--price", default=None, help="or: seed at this price, cash units per share")
@click.option("--fee-bps", type=int, default=30, show_default=True, help="the pool's swap fee")
@prices_options
@account_option("WLP (the liquidity provider)")
@json_option
@refusals
def pool(provider, index, shares, premium, price, fee_bps, date, prices_file, account, as_json) -> None:
    """Local chain: open the index's pool for the arbitrage operator and record it in the deployments file."""
    import datetime as dt
    from decimal import Decimal, InvalidOperation

    from ssi.ops.chainview import basket
    from ssi.ops.errors import OpsError
    from ssi.ops.inputs import parse_amount
    from ssi.ops.market import resolve_prices, value_per_share
    from ssi.ops.pool import open_pool
    from ssi.ops.tables import tokens

    s = session(provider)
    entry = s.book.index(index)
    amount = parse_amount(shares, "--shares", 18, "a share")
    if price is not None and premium is not None:
        raise OpsError("give --premium or --price, not both")
    if price is not None:
        try:
            at = Decimal(price)
        except InvalidOperation:
            raise OpsError(f"--price {price!r} is not a number") from None
        nav = None
    else:
        premium = 0.0 if premium is None else premium
        if not -0.5 < premium < 1.0:
            raise OpsError(f"--premium {premium:g}: must be between -0.5 and 1.0")
        token = s.token(entry.symbol)
        view = basket(s, token, int(s.deployment.registry.version(token)))
        prices, _ = resolve_prices(date, prices_file, view.symbols, dt.date.fromisoformat(entry.reference))
        nav = value_per_share(view.units, prices, view.decimals)
        at = Decimal(repr(nav)) * (1 + Decimal(repr(premium)))
    opened = open_pool(s, s.account(account, "wlp"), entry.symbol, amount, at, fee_bps)
    unit = s.book.cash_token["symbol"]
    emit_sent(s, {**opened.to_json(), "nav": nav}, as_json,
              lambda: f"pool of {entry.symbol} at {opened.address}: {tokens(opened.shares, 18)} shares and "
                      f"{tokens(opened.cash, int(s.book.cash_token['decimals']))} {unit}, fee {fee_bps} bps"
                      + (f" ({float(at) / nav - 1:+.2%} from NAV {nav:,.4f})" if nav else "")
                      + "; recorded in the deployments file")
