"""``ssi`` command line: ``ssi weights`` (one rebalance), ``ssi backtest`` and ``ssi data check``."""

from __future__ import annotations

import datetime as dt
import json
import sys
from pathlib import Path

import click

from ssi.methodology.definition import available_indices


class UserError(click.ClickException):
    """One clear line to stderr, exit code 1, no traceback."""

    def show(self, file=None) -> None:  # noqa: D102
        click.echo(f"error: {self.message}", err=True)


def _date(value: str, what: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except (TypeError, ValueError):
        raise UserError(f"bad {what} {value!r}: expected YYYY-MM-DD") from None


def _load(index: str, data: str | None, sectors: str | None, source: str = "bundled",
          symbols: str | None = None, days: int = 365):
    from ssi.data.market import load_market
    from ssi.methodology.definition import load_definition

    try:
        definition = load_definition(index)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    for p, opt in ((data, "--data"), (sectors, "--sectors")):
        if p is not None and not Path(p).is_file():
            raise UserError(f"{opt}: file not found: {p}")
    if source == "coingecko":
        return definition, _load_coingecko(data, sectors, symbols, days)
    if symbols is not None:
        raise UserError("--symbols applies to --source coingecko only")
    try:
        market = load_market(data, sectors)
    except (OSError, ValueError) as exc:
        raise UserError(str(exc).splitlines()[0]) from None
    return definition, market


def _load_coingecko(data: str | None, sectors: str | None, symbols: str | None, days: int):
    from ssi.data import coingecko
    from ssi.data.labels import read_labels
    from ssi.data.market import BUNDLED_LABELS

    if data is not None:
        raise UserError("--data and --source coingecko exclude each other")
    if days < 31:
        raise UserError(f"--days {days}: the eligibility window needs at least 31 days of history")
    syms = None
    if symbols is not None:
        syms = [s.strip().upper() for s in symbols.split(",") if s.strip()]
        if not syms:
            raise UserError("--symbols: empty list")
        if "BTC" not in syms:
            syms.append("BTC")  # the default benchmark (the index never needs it)
    try:
        labels = read_labels(sectors or BUNDLED_LABELS)
        return coingecko.load_coingecko(syms, days, labels=labels, client=coingecko.default_client())
    except (OSError, ValueError, coingecko.CoinGeckoError) as exc:
        raise UserError(str(exc).splitlines()[0]) from None


def _in_range(d: dt.date, market, what: str) -> None:
    lo, hi = market.first_date.date(), market.last_date.date()
    if not lo <= d <= hi:
        raise UserError(f"{what} {d} outside the data ({lo} → {hi})")


@click.group()
def main() -> None:
    """SSI index tools: index methodology, rebalances and backtests."""


index_option = click.option("--index", "index", required=True, help=f"index name ({', '.join(available_indices())}) or a YAML file")
data_option = click.option("--data", "data", default=None, help="market panel (csv/csv.gz, columns of the shared panel); default: bundled")
sectors_option = click.option("--sectors", "sectors", default=None, help="sector labels (columns of sector_labels.csv); default: bundled")


def source_options(f):
    """--source bundled|coingecko, and what the live source needs."""
    f = click.option("--days", default=365, show_default=True, type=int,
                     help="coingecko: days of history (public API: at most 365)")(f)
    f = click.option("--symbols", default=None,
                     help="coingecko: comma-separated symbols to fetch (BTC is always added: the benchmark); default: CoinGecko's current top 40")(f)
    f = click.option("--source", type=click.Choice(["bundled", "coingecko"]), default="bundled", show_default=True,
                     help="market data: the bundled dataset (or --data), or CoinGecko's public API (network)")(f)
    return f


@main.command()
@index_option
@click.option("--date", "date_", required=True, help="reference date YYYY-MM-DD")
@click.option("--supply", default=1000.0, show_default=True, help="index shares outstanding, for the trades")
@data_option
@sectors_option
@source_options
@click.option("--json", "as_json", is_flag=True, help="machine-readable output")
def weights(index: str, date_: str, supply: float, data: str | None, sectors: str | None, source: str,
            symbols: str | None, days: int, as_json: bool) -> None:
    """The rebalance for a reference date: universe, candidates, buffer, weights, units, trades."""
    from ssi.methodology.weights_report import build_weights_report, render_text

    reference = _date(date_, "date")
    definition, market = _load(index, data, sectors, source, symbols, days)
    _in_range(reference, market, "date")
    try:
        report = build_weights_report(definition, market, reference, supply)
    except ValueError as exc:
        raise UserError(str(exc)) from None
    if as_json:
        click.echo(json.dumps(report, indent=2))
    else:
        click.echo(render_text(report))


@main.command()
@index_option
@click.option("--start", default=None, help="first day (YYYY-MM-DD); default: the index base date")
@click.option("--end", default=None, help="last day (YYYY-MM-DD); default: end of the data")
@click.option("--out", "out", required=True, type=click.Path(file_okay=False), help="output folder")
@data_option
@sectors_option
@source_options
@click.option("--funding", default=None, help="USSI: funding-rate file (columns of funding_rates_daily_btc_eth.csv); default: USSI.yaml")
@click.option("--funding-proxy", type=click.Choice(["btc", "mean"]), default=None, help="USSI: rate for constituents without actual funding")
@click.option("--band", type=float, default=None, help="USSI: rebalancing band on short notional / NAV (e.g. 0.05)")
@click.option("--spot-cost-bps", type=float, default=None, help="USSI: cost on traded spot notional, bps")
@click.option("--perp-cost-bps", type=float, default=None, help="USSI: cost on traded perpetual notional, bps")
@click.option("--benchmark", default=None,
              help="asset to compare with (id or ticker); default: BTC when the data has it, else none")
@click.option("--no-chart", is_flag=True, help="skip chart.png")
@click.option("--quiet", is_flag=True, help="no progress bar")
def backtest(index: str, start: str | None, end: str | None, out: str, data: str | None,
             sectors: str | None, source: str, symbols: str | None, days: int, funding: str | None,
             funding_proxy: str | None, band: float | None, spot_cost_bps: float | None, perp_cost_bps: float | None,
             benchmark: str | None, no_chart: bool, quiet: bool) -> None:
    """Backtest an index; write levels.csv, rebalances.csv, summary.json and chart.png
    (USSI: also funding.csv, and the hedged NAV against MAG7 and cash)."""
    from tqdm import tqdm

    from ssi.methodology.backtest import run_backtest
    from ssi.methodology.report import write_outputs

    start_d = _date(start, "start date") if start else None
    end_d = _date(end, "end date") if end else None
    definition, market = _load(index, data, sectors, source, symbols, days)
    start_d = start_d or definition.base.date
    _in_range(start_d, market, "start date")
    if benchmark is not None:
        try:
            found = market.find(benchmark)
        except ValueError as exc:
            raise UserError(f"--benchmark: {exc}") from None
        if found is None:
            raise UserError(f"--benchmark {benchmark}: not in the data")
    if end_d is not None:
        _in_range(end_d, market, "end date")
        if end_d <= start_d:
            raise UserError(f"end {end_d} is not after start {start_d}")
    overrides = {"rebalance_band": band, "spot_cost_bps": spot_cost_bps, "perp_cost_bps": perp_cost_bps,
                 "funding_proxy": funding_proxy}
    is_ussi = "hedge_ratio" in definition.strategy
    if not is_ussi and (funding is not None or any(v is not None for v in overrides.values())):
        raise UserError(f"--funding, --funding-proxy, --band and the cost options apply to USSI only, not {definition.name}")
    if funding is not None and not Path(funding).is_file():
        raise UserError(f"--funding: file not found: {funding}")
    bar = tqdm(total=0, unit="rebalance", desc=definition.name, disable=quiet, file=sys.stderr)

    def progress(done: int, total: int) -> None:
        bar.total = total
        bar.update(done - bar.n)

    if is_ussi:
        try:
            _backtest_ussi(definition, market, start_d, end_d, Path(out), funding, overrides, not no_chart, progress)
        finally:
            bar.close()
        return
    try:
        result = run_backtest(definition, market, start_d, end_d, progress=progress)
    except ValueError as exc:
        bar.close()
        raise UserError(str(exc)) from None
    bar.close()
    summary = write_outputs(result, market, Path(out), chart=not no_chart, benchmark=benchmark)
    i, b = summary["index"], summary.get("benchmark_buy_and_hold")
    vs = f" ({summary['benchmark']['symbol']} {b['cumulative_return']:+.1%})" if b else " (no benchmark)"
    click.echo(f"{definition.title} {i['start']} → {i['end']}: cumulative {i['cumulative_return']:+.1%}"
               f"{vs}, vol {i['annualised_volatility']:.1%}, max drawdown {i['max_drawdown']:.1%}; "
               f"{summary['filled_price_days']} filled constituent-days; wrote {out}")


def _backtest_ussi(definition, market, start_d, end_d, out: Path, funding_file: str | None, overrides: dict,
                   chart: bool, progress) -> None:
    from ssi.methodology.backtest import run_backtest
    from ssi.methodology.definition import load_definition
    from ssi.ussi.strategy import StrategyParams, load_strategy_funding, run_ussi
    from ssi.ussi.report import write_ussi_outputs

    try:
        params = StrategyParams.from_definition(definition, **overrides)
        funding_path = Path(funding_file) if funding_file else params.funding_path()
        funding = load_strategy_funding(params, funding_path)
        result, spot = run_ussi(definition, market, start_d, end_d, funding, params, progress=progress)
        mag7 = run_backtest(load_definition("MAG7"), market, start_d, spot.levels.index[-1].date()).levels
    except (OSError, KeyError, ValueError) as exc:
        raise UserError(str(exc).splitlines()[0]) from None
    summary = write_ussi_outputs(result, mag7, market, funding, out, definition.title, chart, str(funding_path))
    u, m, c = summary["ussi"], summary["mag7"], summary["cash"]
    click.echo(f"{definition.title} {u['start']} → {u['end']}: APR {u['apr']:+.2%} (MAG7 {m['apr']:+.1%}, cash {c['apr']:+.1%}), "
               f"vol {u['annualised_volatility']:.2%}, max drawdown {u['max_drawdown']:.2%}, "
               f"worst month {u['worst_month']['month']} {u['worst_month']['return']:+.2%}, "
               f"negative funding on {u['negative_funding_day_share']:.1%} of days, "
               f"proxy rates {u['proxy_share']:.0%} of constituent-days; wrote {out}")


@main.group()
def data() -> None:
    """Market data tools."""


@data.command("check")
@data_option
@sectors_option
@click.option("--index", "indices", multiple=True, help="index whose universe and holdings to check (repeatable); default: MAG7, MEME, DEFI")
@click.option("--start", default="2021-01-01", show_default=True, help="first day of the holdings checked")
@click.option("--limit", default=40, show_default=True, help="rows shown per section")
def data_check(data: str | None, sectors: str | None, indices: tuple[str, ...], start: str, limit: int) -> None:
    """Data-quality report: ticker collisions, filled price gaps in holdings, supply and price
    discontinuities, volume sources per index universe, label conflicts. Exit 1 on a ticker
    collision no id resolves (two ids on one ticker on the same day)."""
    from ssi.data.quality import build_report, render
    from ssi.methodology.definition import load_definition

    names = indices or ("MAG7", "MEME", "DEFI")
    definition, market = _load(names[0], data, sectors)
    try:
        defs = [definition] + [load_definition(n) for n in names[1:]]
        start_d = max(_date(start, "start date"), (market.first_date + dt.timedelta(days=40)).date())
        report = build_report(market, defs, start_d)
    except ValueError as exc:
        raise UserError(str(exc).splitlines()[0]) from None
    click.echo(render(report, limit))
    bad = report.unresolved
    if len(bad):
        raise UserError(f"unresolved ticker collision: {', '.join(sorted(set(bad['symbol'])))} "
                        "(two ids on one ticker on the same day; give the panel an id column)")


if __name__ == "__main__":
    main()
