"""The end-to-end story of ``make demo`` on a fresh local chain, in one process.

MAG7.ssi is deployed with the methodology's basket at a real reference date and prices from
the bundled data; a WLP mints through a PMM quote, the PMM delivers, the custodian reports
and the mint settles; a month later (chain time moved forward) the compiler rebalances to the
next month's real weights, the PMM trades, the custodian reports and the new basket activates;
the management fee accrues; the WLP redeems. Every step goes through the same ``ssi.ops``
functions the role scripts use.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass, field
from typing import Any, Callable

from ssi.ops import compiler, custodian, trading
from ssi.ops.chainview import basket
from ssi.ops.market import prices_at, to_base
from ssi.ops.session import Session, iso
from ssi.ops.setup import DeployParams, deploy
from ssi.ops.status import index_status
from ssi.ops.tables import pct, table, tokens, usd
from ssi.ops.txlog import sent
from ssi.chain.protocol import DAY, asset_id

# The protocol's own contracts: their transactions are the story's record.
PROTOCOL_CONTRACTS = ("Issuer", "BasketRegistry", "ReserveOracle", "Factory")


@dataclass
class Story:
    """The dates and sizes of the demo (real dates of the bundled data)."""

    reference: dt.date = dt.date(2025, 1, 28)  # first basket (effective 2025-02-01)
    mint_prices: dt.date = dt.date(2025, 1, 31)  # close before the first basket takes effect
    rebalance_reference: dt.date = dt.date(2025, 2, 25)  # next month's basket (effective 2025-03-01)
    redeem_prices: dt.date = dt.date(2025, 2, 28)
    nav_per_share: float = 100.0
    management_fee: float = 0.005
    mint_shares: float = 1_000.0
    redeem_shares: float = 400.0
    spread_bps: float = 20.0


@dataclass
class Log:
    echo: Callable[[str], None]
    started: float = field(default_factory=time.monotonic)
    step: int = 0

    def __call__(self, title: str) -> None:
        self.step += 1
        self.echo(f"\n[{self.step:>2}] {title}  (t+{time.monotonic() - self.started:.1f}s)")

    def info(self, text: str) -> None:
        for line in text.splitlines():
            self.echo(f"     {line}")


def _amounts(s: Session, amounts: dict[str, int], signed: bool = False) -> str:
    """``BTC 0.114579, ETH 17.56…`` in each asset's own decimals (as registered)."""
    registry = s.deployment.registry
    parts = []
    for sym, v in amounts.items():
        text = tokens(abs(v), int(registry.assets(asset_id(sym)).decimals))
        parts.append(f"{sym} {('+' if v >= 0 else '-') if signed else ''}{text}")
    return ", ".join(parts)


def run(project: Any, chain: Any, accounts: Any, provider: Any, echo: Callable[[str], None] = print,
        story: Story | None = None) -> dict[str, Any]:
    """Play the story; returns the final summary (also printed as a table)."""
    st = story or Story()
    s = Session.connect(project, chain, accounts, provider, in_memory=True)
    log = Log(echo)
    admin, wlp, pmm, comp = (s.account(None, r) for r in ("admin", "wlp", "pmm", "compiler"))
    signers = s.signers(())
    cash_dec = 6

    log(f"deploy the protocol and MAG7.ssi: basket of reference {st.reference}, NAV ${st.nav_per_share:.0f}/share")
    _, entry, first = deploy(s, admin, DeployParams(reference=st.reference, nav_per_share=st.nav_per_share,
                                                     management_fee=st.management_fee))
    sym = entry.symbol
    token = s.token(sym)
    deployed_at = int(chain.blocks.height)
    log.info(f"{sym} at {entry.address}; effective {first.effective}; management fee {st.management_fee:.2%}/year")
    log.info(", ".join(f"{a} {w:.2%}" for a, w in first.weights.items()))
    treasury = s.address_of(None, "treasury")
    cash = s.cash()

    def quote(side: str, shares: float, day: dt.date) -> trading.QuoteFile:
        symbols = basket(s, token, int(s.deployment.registry.version(token))).symbols
        qf = trading.make_quote(s, pmm, sym, side, to_base(shares, 18), str(wlp.address), prices_at(day, symbols),
                                str(day), spread_bps=st.spread_bps)
        log.info(f"PMM quote: {side} {shares:,.0f} shares for {qf.quote.cash / 10**cash_dec:,.2f} USDC "
                 f"(NAV {usd(qf.nav_per_share, 4)} at {day} closes, spread {st.spread_bps:.0f} bps)")
        return qf

    log(f"WLP mints {st.mint_shares:,.0f} shares through a PMM quote")
    req = trading.request_mint(s, wlp, quote("mint", st.mint_shares, st.mint_prices), approve=True)
    log.info(f"request {req.id} open: {req.cash / 10**cash_dec:,.2f} USDC + fee {req.fee / 10**cash_dec:,.2f} escrowed")
    delivered = trading.deliver(s, pmm, req.id, "demo delivery 1")
    log.info("PMM delivered to the custodian: " + _amounts(s, delivered))
    rep = custodian.report(s, signers[0], signers, sym)
    log.info(f"custodian report #{rep.nonce} (2 of 3 signers): lowest coverage {pct(min(rep.coverage_pct.values()))}")
    trading.settle(s, wlp, req.id)
    log.info(f"settled: WLP holds {int(token.balanceOf(wlp.address)) / 1e18:,.2f} {sym}")

    log(f"a month later: compiler rebalances to the {st.rebalance_reference} weights")
    chain.mine(timestamp=s.now() + 27 * DAY)
    plan = compiler.plan_rebalance(s, sym, st.rebalance_reference)
    log.info(f"NAV per share at {st.rebalance_reference} closes: before {usd(plan.nav_before, 6)}, after "
             f"{usd(plan.nav_after, 6)} ({plan.nav_diff_bps:+.6f} bps); one-way turnover {pct(plan.turnover * 100)}")
    log.info(table(["asset", "old weight", "new weight", "trade"],
                   [(t["symbol"], pct(plan.old_weights.get(t["symbol"], 0) * 100),
                     pct(plan.new_weights.get(t["symbol"], 0) * 100), f"{t['side']} {usd(abs(t['value_usd']))}")
                    for t in plan.trades]))
    version = compiler.announce(s, comp, plan)
    log.info(f"announced basket v{version}, effective from {iso(plan.effective_at)} (notice period 1 day)")

    log("notice period over: PMM trades, custodian reports the new holdings, the basket activates")
    chain.mine(timestamp=plan.effective_at)
    moved = trading.trade_to_pending(s, pmm, sym)
    log.info("PMM trades: " + _amounts(s, moved, signed=True))
    rep = custodian.report(s, signers[0], signers, sym, version="pending")
    log.info(f"custodian report #{rep.nonce} for v{rep.version}: lowest coverage {pct(min(rep.coverage_pct.values()))}")
    compiler.activate(s, comp, sym)
    log.info(f"basket v{int(s.deployment.registry.version(token))} is current")

    log("management fee accrues: anyone mints it to the treasury as index shares")
    fee_receipt = s.deployment.issuer.accrue_fee(token, sender=admin)
    fee_events = fee_receipt.decode_logs(s.deployment.issuer.FeeSharesMinted)
    fee_shares = int(fee_events[0].shares) if fee_events else 0
    factor = int(s.deployment.registry.current_fee_factor(token)) / 1e18
    log.info(f"fee factor {factor:.8f}: units per share shrank by {(1 - factor) * 100:.4f}% since launch; "
             f"{fee_shares / 1e18:,.6f} fee shares minted to the treasury")

    log(f"WLP redeems {st.redeem_shares:,.0f} shares")
    qf = quote("redeem", st.redeem_shares, st.redeem_prices)
    req2 = trading.request_redeem(s, wlp, qf, approve=True)
    released = trading.fill(s, pmm, req2.id, approve=True)
    log.info(f"request {req2.id} filled: WLP paid {(req2.cash - req2.fee) / 10**cash_dec:,.2f} USDC "
             f"(fee {req2.fee / 10**cash_dec:,.2f}); custodian released " + _amounts(s, released))
    rep = custodian.report(s, signers[0], signers, sym)
    log.info(f"custodian report #{rep.nonce}: lowest coverage {pct(min(rep.coverage_pct.values()))}")

    symbols = basket(s, token, int(s.deployment.registry.version(token))).symbols
    status = index_status(s, sym, prices_at(st.redeem_prices, symbols), str(st.redeem_prices))
    fees_cash = int(cash.balanceOf(treasury)) / 10**cash_dec
    summary = {
        "index": sym,
        "basket_version": status["basket_version"],
        "supply": status["supply"],
        "nav_per_share": status["nav_per_share"],
        "nav_total": status["nav_total"],
        "prices": str(st.redeem_prices),
        "min_coverage_pct": status["min_coverage_pct"],
        "coverage_pct": {a["symbol"]: a["coverage_pct"] for a in status["assets"]},
        "creation_redemption_fees_usdc": fees_cash,
        "management_fee_shares": fee_shares / 1e18,
        "management_fee_owed_shares": status["fee_shares_owed"],
        "fee_taken_pct": status["fee_taken_since_launch_pct"],
        "open_requests": len(status["open_requests"]),
        "seconds": time.monotonic() - log.started,
    }
    protocol = [t for t in sent(s, since=deployed_at) if t.call.split(".")[0] in PROTOCOL_CONTRACTS]
    summary["transactions"] = [t.to_json() for t in protocol]
    echo("\n" + table(["", "value"], [
        ("index", f"{sym} (basket v{summary['basket_version']})"),
        ("supply", f"{summary['supply']:,.2f} shares"),
        ("NAV per share", f"{usd(summary['nav_per_share'], 4)} at {summary['prices']} closes"),
        ("NAV total", usd(summary["nav_total"])),
        ("reserve coverage", "lowest " + pct(summary["min_coverage_pct"]) + " (" + ", ".join(
            f"{k} {pct(v)}" for k, v in summary["coverage_pct"].items()) + ")"),
        ("creation + redemption fees", f"{summary['creation_redemption_fees_usdc']:,.2f} USDC to the treasury"),
        ("management fee", f"{summary['management_fee_shares']:,.6f} shares minted to the treasury "
                           f"({summary['fee_taken_pct']:.4f}% of a share's basket since launch)"),
        ("open requests", str(summary["open_requests"])),
        ("run time", f"{summary['seconds']:.1f} s"),
    ], title="Summary"))
    echo("\n" + table(["transaction", "hash", "block", "gas used"],
                       [(t.call, t.hash, t.block, f"{t.gas_used:,}") for t in protocol],
                       title="protocol transactions after the deployment (mock-asset transfers left out):"))
    return summary
