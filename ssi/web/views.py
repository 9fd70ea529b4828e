"""What each page shows, as plain data: the JSON API returns it as is and the templates render it.

Figures that the chain holds (supply, basket, reserves, claims, request states) are read from the
chain at request time; what only events record (report history, supply over time, fee shares
minted, a request's lifecycle with its transactions) comes from the event store the indexer fills.
Amounts are given twice: as numbers for people and charts, and exactly (base units as strings)
where the chain's integers matter.
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ssi.chain.protocol import STATUS, WAD, asset_id, required_reserve, symbol_of
from ssi.ops.chainview import BasketView, basket
from ssi.ops.errors import OpsError
from ssi.ops.market import value_per_share, weights_of
from ssi.ops.session import Session, iso
from ssi.web.backtests import load_backtest
from ssi.web.db import EventRow, Store
from ssi.web.indexer import Indexer
from ssi.web.prices import PriceSource

SHARE = 10**18
REQUEST_EVENTS = ("MintRequested", "RedeemRequested")
LIFECYCLE_EVENTS = ("MintRequested", "RedeemRequested", "MintDelivered", "MintSettled", "RedeemFilled",
                    "RequestRejected", "RequestCancelled", "BasketOwed")
WAITS_FOR = {
    ("mint", "open"): "the PMM's delivery of the basket to the custodian",
    ("mint", "delivered"): "a reserve report that covers it, then settlement (anyone)",
    ("redeem", "open"): "the PMM's fill",
}


class NotFound(LookupError):
    """An index or request the page does not know."""


@dataclass
class Site:
    """Everything the pages read: the connected session, the event store and the price source."""

    session: Session
    store: Store
    indexer: Indexer
    prices: PriceSource
    backtests: Path | None = None  # folder of `ssi backtest` outputs, one sub-folder per methodology
    lock: threading.RLock = field(default_factory=threading.RLock)

    @property
    def scope(self) -> str:
        return self.indexer.scope

    def refresh(self) -> None:
        """Catch the event store up with the chain."""
        self.indexer.sync()


# -- helpers ----------------------------------------------------------------------------------------


def duration(seconds: int | None) -> str | None:
    """``1 d 2 h 3 min`` (seconds under a minute), for ages and notice left."""
    if seconds is None:
        return None
    sign, s = ("-" if seconds < 0 else ""), abs(int(seconds))
    days, rest = divmod(s, 86_400)
    hours, rest = divmod(rest, 3_600)
    minutes, secs = divmod(rest, 60)
    parts = [f"{days} d"] if days else []
    if hours:
        parts.append(f"{hours} h")
    if minutes and not days:
        parts.append(f"{minutes} min")
    if not parts:
        parts.append(f"{secs} s")
    return sign + " ".join(parts)


def report_state(as_of: int, now: int, max_age: int, last_outflow: int) -> tuple[str, str | None]:
    """Whether a report still proves the reserves, by the oracle's own rules: ``current``, ``stale``
    or ``none``. Stale once older than the oracle's maximum age, or when it predates the index's last
    outflow (a redemption release or a basket owed back): the custodian has paid out since, so its
    figures overstate the reserves and the contracts accept it for no new share."""
    if not as_of:
        return "none", "no reserve report for this basket"
    if now - as_of > max_age:
        return "stale", f"older than the oracle's maximum age ({duration(max_age)})"
    if as_of < last_outflow:
        return "stale", f"predates the index's last outflow at {iso(last_outflow)}"
    return "current", None


def _index_entries(site: Site) -> list[Any]:
    return sorted(site.session.book.indices.values(), key=lambda e: e.symbol)


def _entry(site: Site, symbol: str) -> Any:
    try:
        return site.session.book.index(symbol)
    except OpsError as exc:
        raise NotFound(str(exc)) from None


def _cash_decimals(site: Site) -> int:
    return int(site.session.book.cash_token.get("decimals", 6))


def _fmt_units(value: int, decimals: int) -> float:
    return value / 10**decimals


# -- indices -----------------------------------------------------------------------------------------


def _nav_figures(site: Site, token: Any, view: BasketView, now: int) -> dict[str, Any]:
    quote = site.prices.quote(view.symbols, now)
    nav = value_per_share(view.units, quote.prices, view.decimals)
    before = site.prices.quote_days_before(view.symbols, now, 30)
    nav_before = value_per_share(view.units, before.prices, view.decimals) if before else None
    supply = int(token.totalSupply())
    return {
        "prices": quote,
        "nav_per_share": nav,
        "supply": supply / SHARE,
        "supply_exact": str(supply),
        "market_value": nav * supply / SHARE,
        "change_30d_pct": (nav / nav_before - 1) * 100 if nav_before else None,
        "change_30d_from": before.source if before else None,
    }


def indices_view(site: Site) -> dict[str, Any]:
    s = site.session
    dep = s.deployment
    now = s.now()
    rows = []
    source = None
    for entry in _index_entries(site):
        token = s.token(entry.symbol)
        version = int(dep.registry.version(token))
        view = basket(s, token, version)
        figures = _nav_figures(site, token, view, now)
        source = figures["prices"].source
        reserves = _reserves(site, token, version, now)
        rows.append({
            "symbol": entry.symbol,
            "address": entry.address,
            "methodology": entry.methodology,
            "basket_version": version,
            "nav_per_share": figures["nav_per_share"],
            "supply": figures["supply"],
            "supply_exact": figures["supply_exact"],
            "market_value": figures["market_value"],
            "change_30d_pct": figures["change_30d_pct"],
            "report_state": reserves["state"],
            "min_coverage_pct": reserves["min_coverage_pct"],
        })
    return {"network": s.network_choice, "chain_id": s.chain_id, "chain_time": iso(now), "block": int(s.chain.blocks.height),
            "prices_source": source, "change_30d_note": "30-day change of the current basket's value "
            "(units held fixed) between the price dates", "indices": rows}


# -- one index ---------------------------------------------------------------------------------------


def _reserves(site: Site, token: Any, version: int, now: int) -> dict[str, Any]:
    """The latest reserve report of the current basket against every claim on it."""
    dep = site.session.deployment
    up = basket(site.session, token, version, round_up=True)
    balances, as_of = dep.oracle.reserves(token, version)
    balances, as_of = [int(b) for b in balances], int(as_of)
    max_age = int(dep.oracle.max_report_age())
    _, last_outflow = (int(x) for x in dep.issuer.flows(token))
    claims = int(dep.issuer.claims(token))
    state, reason = report_state(as_of, now, max_age, last_outflow)
    assets = []
    for i, sym in enumerate(up.symbols):
        need = required_reserve(claims, up.units[sym])
        held = balances[i] if i < len(balances) and as_of else 0
        dec = up.decimals[sym]
        assets.append({
            "symbol": sym, "decimals": dec,
            "reported": _fmt_units(held, dec) if as_of else None, "reported_exact": str(held) if as_of else None,
            "required": _fmt_units(need, dec), "required_exact": str(need),
            "coverage_pct": (held / need * 100 if need else None) if as_of else None,
        })
    covered = [a["coverage_pct"] for a in assets if a["coverage_pct"] is not None]
    return {
        "version": version,
        "state": state,  # current, stale or none
        "stale": state == "stale",
        "stale_reason": reason,
        "as_of": iso(as_of) if as_of else None,
        "as_of_unix": as_of or None,
        "age_s": now - as_of if as_of else None,
        "age": duration(now - as_of) if as_of else None,
        "max_report_age_s": max_age,
        "max_report_age": duration(max_age),
        "last_outflow": iso(last_outflow) if last_outflow else None,
        "claims": claims / SHARE,
        "claims_exact": str(claims),
        "min_coverage_pct": min(covered) if covered else None,
        "assets": assets,
    }


def _basket_table(view: BasketView, prices: dict[str, float]) -> list[dict[str, Any]]:
    weights = weights_of(view.units, prices, view.decimals)
    return [{
        "symbol": sym,
        "decimals": view.decimals[sym],
        "units_per_share": view.units[sym] / 10 ** view.decimals[sym] / 1e18,
        "units_exact": str(view.units[sym]),
        "price": prices[sym],
        "value_per_share": value_per_share({sym: view.units[sym]}, prices, view.decimals),
        "weight_pct": weights[sym] * 100,
    } for sym in view.symbols]


def _basket_symbols(site: Site, token: Any, version: int, cache: dict[int, list[str]]) -> list[str]:
    if version not in cache:
        ids, _ = site.session.deployment.registry.basket(token, version)
        cache[version] = [symbol_of(bytes(i)) for i in ids]
    return cache[version]


def _decimals(site: Site, symbols: list[str], cache: dict[str, int]) -> dict[str, int]:
    for sym in symbols:
        if sym not in cache:
            cache[sym] = int(site.session.deployment.registry.assets(asset_id(sym)).decimals)
    return {sym: cache[sym] for sym in symbols}


def supply_history(events: list[EventRow]) -> list[dict[str, Any]]:
    """Supply after every event that changed it: settled mints and fee shares add, fills burn."""
    supply = 0
    points = []
    for e in events:
        if e.event in ("MintSettled", "FeeSharesMinted"):
            supply += int(e.args["shares"])
        elif e.event == "RedeemFilled":
            supply -= int(e.args["shares"])
        else:
            continue
        points.append({"time": e.block_time, "time_utc": iso(e.block_time), "block": e.block_number,
                       "event": e.event, "supply": supply / SHARE, "supply_exact": str(supply), "tx": e.tx_hash})
    return points


def _requests(site: Site, index: str | None = None, only_open: bool = False) -> list[dict[str, Any]]:
    s = site.session
    now = s.now()
    issuer = s.deployment.issuer
    cash_dec = _cash_decimals(site)
    rows = []
    for e in site.store.query(site.scope, names=REQUEST_EVENTS, index=index):
        rid = int(e.args["id"])
        side = "mint" if e.event == "MintRequested" else "redeem"
        state = STATUS.get(int(issuer.request_status(rid)), "unknown")
        if only_open and state not in ("open", "delivered"):
            continue
        rows.append({
            "id": rid, "index": s.book.symbol_at(e.args["index"]), "side": side, "state": state,
            "shares": int(e.args["shares"]) / SHARE, "cash": int(e.args["cash"]) / 10**cash_dec,
            "fee": int(e.args["fee"]) / 10**cash_dec, "wlp": e.args["wlp"], "pmm": e.args["pmm"],
            "opened": iso(e.block_time), "age_s": now - e.block_time, "age": duration(now - e.block_time),
            "waits_for": WAITS_FOR.get((side, state)),
            "cancel_after": iso(int(e.args["cancel_after"])), "deadline": iso(int(e.args["deadline"])),
        })
    return rows


def index_view(site: Site, symbol: str) -> dict[str, Any]:
    s = site.session
    dep = s.deployment
    entry = _entry(site, symbol)
    token = s.token(entry.symbol)
    now = s.now()
    version = int(dep.registry.version(token))
    view = basket(s, token, version)
    figures = _nav_figures(site, token, view, now)
    prices = figures["prices"]
    reserves = _reserves(site, token, version, now)
    symbols_cache: dict[int, list[str]] = {}
    dec_cache: dict[str, int] = {}

    pending_version = int(dep.registry.pending_version(token))
    pending = None
    if pending_version:
        pview = basket(s, token, pending_version)
        effective_at = int(dep.registry.effective_at(token))
        try:
            pprices = site.prices.quote(pview.symbols, now).prices
            ptable = _basket_table(pview, pprices)
            pvalue = value_per_share(pview.units, pprices, pview.decimals)
        except (OpsError, LookupError):
            ptable = [{"symbol": sym, "decimals": pview.decimals[sym], "units_exact": str(pview.units[sym]),
                       "units_per_share": pview.units[sym] / 10 ** pview.decimals[sym] / 1e18, "price": None,
                       "value_per_share": None, "weight_pct": None} for sym in pview.symbols]
            pvalue = None
        pending = {"version": pending_version, "effective_at": iso(effective_at), "effective_at_unix": effective_at,
                   "notice_left_s": max(0, effective_at - now),
                   "notice_left": duration(effective_at - now) if effective_at > now else "none: due now",
                   "assets": ptable, "value_per_share": pvalue,
                   "reserves": _reserves(site, token, pending_version, now)}

    events = site.store.query(site.scope, index=entry.address)
    history = []
    for e in reversed([e for e in events if e.event == "ReserveReported"]):
        v = int(e.args["basket_version"])
        syms = _basket_symbols(site, token, v, symbols_cache)
        decs = _decimals(site, syms, dec_cache)
        balances = [int(b) for b in e.args["balances"]]
        history.append({
            "nonce": int(e.args["nonce"]), "basket_version": v, "as_of": iso(int(e.args["as_of"])),
            "posted": iso(e.block_time), "block": e.block_number, "tx": e.tx_hash,
            "balances": [{"symbol": sym, "amount": _fmt_units(b, decs[sym]), "exact": str(b)}
                         for sym, b in zip(syms, balances)],
        })

    fee_minted = sum(int(e.args["shares"]) for e in events if e.event == "FeeSharesMinted")
    fee_owed = int(dep.registry.pending_fee_shares(token))
    factor = int(dep.registry.current_fee_factor(token))
    rate = int(dep.registry.fee_rate(token))
    fee = {
        "rate_per_year_pct": -math.expm1(-rate / WAD) * 100,  # the continuous rate as a yearly take
        "taken_since_launch_pct": (1 - factor / WAD) * 100,
        "shares_minted": fee_minted / SHARE,
        "shares_minted_exact": str(fee_minted),
        "shares_owed": fee_owed / SHARE,
        "shares_owed_exact": str(fee_owed),
        "minted_usd": fee_minted / SHARE * figures["nav_per_share"],
        "owed_usd": fee_owed / SHARE * figures["nav_per_share"],
        "mints": [{"time": iso(e.block_time), "shares": int(e.args["shares"]) / SHARE, "tx": e.tx_hash}
                  for e in events if e.event == "FeeSharesMinted"],
    }
    baskets = [{"event": e.event, "version": int(e.args.get("version", 1)), "time": iso(e.block_time),
                "effective_at": iso(int(e.args["effective_at"])) if "effective_at" in e.args else None,
                "tx": e.tx_hash}
               for e in events if e.event in ("IndexRegistered", "BasketAnnounced", "BasketActivated", "BasketCancelled")]
    return {
        "symbol": entry.symbol,
        "address": entry.address,
        "methodology": entry.methodology,
        "network": s.network_choice,
        "chain_time": iso(now),
        "block": int(s.chain.blocks.height),
        "prices_source": prices.source,
        "prices_kind": prices.kind,
        "basket_version": version,
        "nav_per_share": figures["nav_per_share"],
        "supply": figures["supply"],
        "supply_exact": figures["supply_exact"],
        "market_value": figures["market_value"],
        "change_30d_pct": figures["change_30d_pct"],
        "change_30d_from": figures["change_30d_from"],
        "basket": _basket_table(view, prices.prices),
        "pending": pending,
        "reserves": reserves,
        "report_history": history,
        "supply_history": supply_history(events),
        "fee": fee,
        "basket_events": baskets,
        "open_requests": _requests(site, entry.address, only_open=True),
        "backtest": load_backtest(site.backtests, entry.methodology),
    }


# -- one request -------------------------------------------------------------------------------------

STEP_TEXT = {
    "MintRequested": "mint requested: cash and fee escrowed",
    "RedeemRequested": "redemption requested: shares escrowed",
    "MintDelivered": "PMM recorded delivery of the basket to the custodian",
    "MintSettled": "settled: shares minted to the WLP, cash to the PMM",
    "RedeemFilled": "filled: cash to the WLP, shares burned, basket released to the PMM",
    "RequestRejected": "rejected by the PMM: escrow refunded",
    "RequestCancelled": "cancelled by the WLP: escrow refunded",
    "BasketOwed": "delivered basket owed back to the PMM (an outflow)",
}


def request_view(site: Site, request_id: int) -> dict[str, Any]:
    s = site.session
    events = [e for e in site.store.query(site.scope, request_id=request_id) if e.event in LIFECYCLE_EVENTS]
    opened = [e for e in events if e.event in REQUEST_EVENTS]
    if not opened:
        raise NotFound(f"unknown request {request_id}")
    first = opened[0]
    side = "mint" if first.event == "MintRequested" else "redeem"
    state = STATUS.get(int(s.deployment.issuer.request_status(request_id)), "unknown")
    cash_dec = _cash_decimals(site)
    now = s.now()
    steps = []
    for e in events:
        detail: dict[str, Any] = {}
        if e.event == "MintSettled":
            detail = {"basket_version": int(e.args["basket_version"]), "report_nonce": int(e.args["report_nonce"])}
        elif e.event == "RedeemFilled":
            detail = {"basket_version": int(e.args["basket_version"]), "units_released": e.args["units"]}
        elif e.event == "RequestRejected":
            raw = bytes.fromhex(str(e.args["reason"])[2:]).rstrip(b"\0")
            detail = {"reason": raw.decode(errors="replace")}
        elif e.event == "MintDelivered":
            detail = {"reference": e.args["reference"]}
        elif e.event == "BasketOwed":
            detail = {"units": e.args["units"]}
        steps.append({"event": e.event, "what": STEP_TEXT[e.event], "time": iso(e.block_time), "block": e.block_number,
                      "tx": e.tx_hash, "log_index": e.log_index, "detail": detail})
    return {
        "id": request_id,
        "index": s.book.symbol_at(first.args["index"]),
        "side": side,
        "state": state,
        "waits_for": WAITS_FOR.get((side, state)),
        "wlp": first.args["wlp"],
        "pmm": first.args["pmm"],
        "shares": int(first.args["shares"]) / SHARE,
        "shares_exact": first.args["shares"],
        "cash": int(first.args["cash"]) / 10**cash_dec,
        "fee": int(first.args["fee"]) / 10**cash_dec,
        "cash_token": s.book.cash_token.get("symbol", "cash"),
        "opened": iso(first.block_time),
        "age": duration(now - first.block_time),
        "deadline": iso(int(first.args["deadline"])),
        "cancel_after": iso(int(first.args["cancel_after"])),
        "steps": steps,
    }
