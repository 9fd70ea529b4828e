"""The compiler's rebalance: preview from the methodology, announce on chain, activate when due."""

from __future__ import annotations

import calendar
import datetime as dt
import json
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from ssi.ops.chainview import basket
from ssi.ops.errors import OpsError, call_or_refuse
from ssi.ops.market import bundled_market, load_prices, prices_at, value_per_share, weights_of
from ssi.ops.session import Session, iso
from ssi.chain.protocol import activate_gate, asset_id

DEFAULT_TOLERANCE_BPS = 1.0
# Extra seconds on top of the notice period, so the announcement is not too short when mined.
NOTICE_MARGIN = 60


@dataclass
class RebalancePlan:
    """One month's rebalance of an index, before it is announced."""

    index: str
    reference: str
    effective: str
    effective_at: int
    prices_source: str
    current_version: int
    supply: float
    prices: dict[str, float]
    decimals: dict[str, int]
    old_units: dict[str, int]
    new_units: dict[str, int]
    old_weights: dict[str, float]
    new_weights: dict[str, float]
    trades: list[dict[str, Any]]
    turnover: float
    nav_before: float
    nav_after: float
    nav_diff_bps: float
    tolerance_bps: float
    unregistered: list[str] = field(default_factory=list)
    decisions: list[dict[str, Any]] = field(default_factory=list)

    @property
    def within_tolerance(self) -> bool:
        return abs(self.nav_diff_bps) <= self.tolerance_bps

    def to_json(self) -> dict[str, Any]:
        data = asdict(self)
        data["old_units"] = {k: str(v) for k, v in self.old_units.items()}
        data["new_units"] = {k: str(v) for k, v in self.new_units.items()}
        data["within_tolerance"] = self.within_tolerance
        data["effective_at_utc"] = iso(self.effective_at)
        return data


def _epoch(day: dt.date) -> int:
    return calendar.timegm(day.timetuple())


def _read_units(path: str) -> dict[str, int]:
    try:
        raw = json.loads(Path(path).read_text())
        raw = raw.get("units_per_share", raw)  # also takes `ssi weights --json` output
        return {str(k): int(v) for k, v in raw.items()}
    except (OSError, ValueError, TypeError, AttributeError) as exc:
        raise OpsError(f"--units {path}: {exc}") from None


def plan_rebalance(
    s: Session,
    symbol: str,
    reference: dt.date,
    *,
    tolerance_bps: float = DEFAULT_TOLERANCE_BPS,
    prices_file: str | None = None,
    units_file: str | None = None,
) -> RebalancePlan:
    """The methodology's basket for ``reference`` at NAV-preserving units (or ``--units``), against the current one."""
    from ssi.methodology.calendar import next_effective_after
    from ssi.methodology.definition import load_definition
    from ssi.methodology.rebalance import compute_rebalance
    from ssi.methodology.units import decimals_of, trades, units_per_share

    entry = s.book.index(symbol)
    token = s.token(entry.symbol)
    registry = s.deployment.registry
    version = int(registry.version(token))
    current = basket(s, token, version)
    definition = load_definition(entry.methodology)
    effective = next_effective_after(reference, definition.calendar)
    prices_at(reference, [])  # range check of the date
    try:
        reb = compute_rebalance(definition, bundled_market(), reference, effective, current.symbols)
    except ValueError as exc:
        raise OpsError(str(exc)) from None
    symbols = list(dict.fromkeys(current.symbols + list(reb.weights.index)))
    if prices_file is not None:
        prices, source = load_prices(prices_file, symbols), prices_file
    else:
        prices, source = prices_at(reference, symbols), f"bundled close {reference}"
    decimals = dict(current.decimals)
    unregistered = []
    for sym in symbols:
        if sym not in decimals:
            info = registry.assets(asset_id(sym))
            if int(info.number) == 0:
                unregistered.append(sym)
                decimals[sym] = decimals_of(sym)
            else:
                decimals[sym] = int(info.decimals)
    nav_before = value_per_share(current.units, prices, decimals)
    if units_file is not None:
        new_units = _read_units(units_file)
        unknown = [x for x in new_units if x not in prices]
        if unknown:
            raise OpsError(f"--units: no price for {', '.join(unknown)}")
    else:
        new_units = units_per_share(reb.weights.to_dict(), prices, nav_before, decimals).units
    nav_after = value_per_share(new_units, prices, {k: decimals[k] for k in new_units})
    supply = int(token.totalSupply())
    tl = trades(current.units, new_units, prices, supply, nav_before, decimals)
    notice = int(registry.notice_period())
    effective_at = max(_epoch(effective), s.next_timestamp() + notice + NOTICE_MARGIN)
    return RebalancePlan(
        index=entry.symbol,
        reference=str(reference),
        effective=str(effective),
        effective_at=effective_at,
        prices_source=source,
        current_version=version,
        supply=supply / 10**18,
        prices=prices,
        decimals=decimals,
        old_units=current.units,
        new_units=new_units,
        old_weights=weights_of(current.units, prices, decimals),
        new_weights=weights_of(new_units, prices, decimals),
        trades=[{"symbol": t.symbol, "side": "buy" if t.amount > 0 else "sell" if t.amount < 0 else "hold",
                 "amount": t.amount / 10 ** decimals[t.symbol], "amount_base_units": str(t.amount),
                 "value_usd": t.value_usd} for t in tl.trades],
        turnover=tl.turnover,
        nav_before=nav_before,
        nav_after=nav_after,
        nav_diff_bps=(nav_after - nav_before) / nav_before * 10_000 if nav_before else 0.0,
        tolerance_bps=tolerance_bps,
        unregistered=unregistered,
        decisions=[{"symbol": d.symbol, "rank": d.rank, "action": d.action} for d in reb.decisions],
    )


def announce(s: Session, account: Any, plan: RebalancePlan) -> int:
    """Announce the planned basket; refuses before sending when anything is off. Returns its version."""
    token = s.token(plan.index)
    registry = s.deployment.registry
    if str(registry.compiler(token)) != str(account.address):
        raise OpsError(f"account {account.address} is not the compiler of {plan.index}")
    if bool(registry.paused()):
        raise OpsError("the registry is paused by the guardian")
    pending = int(registry.pending_version(token))
    if pending:
        raise OpsError(f"basket version {pending} of {plan.index} is already pending "
                       f"(effective {iso(int(registry.effective_at(token)))})")
    if int(registry.version(token)) != plan.current_version:
        raise OpsError(f"the basket of {plan.index} changed since the preview: preview again")
    if not plan.within_tolerance:
        raise OpsError(f"refusing to announce: NAV per share at the same prices moves from {plan.nav_before:,.6f} "
                       f"to {plan.nav_after:,.6f} ({plan.nav_diff_bps:+.4f} bps, tolerance {plan.tolerance_bps} bps)")
    if plan.unregistered:
        raise OpsError(f"asset(s) {', '.join(plan.unregistered)} not registered: the protocol owner registers them first")
    ids = [asset_id(x) for x in plan.new_units]
    receipt = call_or_refuse("announce", registry.announce, token, ids, list(plan.new_units.values()),
                             plan.effective_at, sender=account)
    return int(receipt.decode_logs(registry.BasketAnnounced)[0].version)


def activate(s: Session, account: Any, symbol: str) -> int:
    """Make the pending basket current, once due and backed by a reserve report for it."""
    entry = s.book.index(symbol)
    token = s.token(entry.symbol)
    dep = s.deployment
    pending = int(dep.registry.pending_version(token))
    if not pending:
        raise OpsError(f"no basket pending for {entry.symbol}")
    due = int(dep.registry.effective_at(token))
    now = s.next_timestamp()
    if now < due:
        raise OpsError(f"basket version {pending} of {entry.symbol} is not due until {iso(due)} (in {due - now} s)")
    if bool(dep.registry.paused()):
        raise OpsError("the registry is paused by the guardian")
    gate = activate_gate(dep, token)
    call_or_refuse(f"basket version {pending} not backed", dep.oracle.check_backing, *gate.args())
    call_or_refuse("activate", dep.registry.activate, token, sender=account)
    return pending
