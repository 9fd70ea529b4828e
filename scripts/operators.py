"""`ape run operators demo|bench`: the PMM, custodian, keeper (and, in the demo, arbitrage) operators at work on a local chain."""

from __future__ import annotations

import json

import click
from ssi.ops.cli import OpsCommand, quiet_ape_log


@click.group()
def cli() -> None:
    """The desk's operators, in this process (the Silverback bots are `silverback run pmm|custodian|keeper|arbitrage`)."""


@cli.command(cls=OpsCommand)
def demo(provider) -> None:  # noqa: ANN001
    """A mint and a redemption after only the WLP's request; two arbitrage rounds; a rebalance after only the compiler's announce."""
    from ape import accounts, chain, project

    from ssi.operators.showcase import demo as run
    from ssi.operators.wiring import setup_logging

    quiet_ape_log()
    setup_logging()
    run(project, chain, accounts, click.echo)


@cli.command(cls=OpsCommand)
@click.option("--requests", "n", type=click.IntRange(min=1), default=20, show_default=True,
              help="mint requests, one after the other")
@click.option("--block-time", type=click.IntRange(min=0, max=60), default=0, show_default=True,
              help="seconds between blocks (anvil interval mining; Base: 2); 0: a block per transaction")
@click.option("--json", "as_json", is_flag=True)
def bench(provider, n: int, block_time: int, as_json: bool) -> None:  # noqa: ANN001
    """Request to settlement with the operators running: median and maximum, in blocks and seconds."""
    from ape import accounts, chain, project

    from ssi.operators.showcase import bench as run

    quiet_ape_log()
    result = run(project, chain, accounts, n, (lambda _: None) if as_json else click.echo, block_time)
    if as_json:
        click.echo(json.dumps(result, indent=2))
        return
    b, c = result["blocks_request_to_settle"], result["blocks_counted"]
    w, m, sec = result["blocks_custodian_wait"], result["blocks_pmm_local_transfers"], result["seconds_request_to_settle"]
    mining = f"a block every {block_time} s" if block_time else "automine"
    click.echo(f"\n{result['requests']} mint requests, request to settlement with the operators running (anvil, {mining}):")
    click.echo(f"  seconds                         median {sec['median']:.2f}  max {sec['max']:.2f}")
    click.echo(f"  blocks, all                     median {b['median']:.0f}  max {b['max']:.0f}")
    click.echo(f"    of which PMM's local asset transfers  median {m['median']:.0f}  max {m['max']:.0f}")
    click.echo(f"    of which custodian (delivery to report) median {w['median']:.0f}  max {w['max']:.0f}")
    click.echo(f"  blocks counted (PMM reacts + keeper reacts) median {c['median']:.0f}  max {c['max']:.0f}  (target < 3)")
    if result["errors"]:
        click.echo(f"errors in the operators: {result['errors']}")
