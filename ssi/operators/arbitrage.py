"""The arbitrage operator: the WLP's half of the loop that holds the index token at its NAV.

It watches the index's pool (every ``Swap``, every block) and, when the pool's price leaves the
band in which a round would lose money, runs one round as the WLP, leaving every other party's
step to its own operator:

``mint_and_sell`` (pool above NAV)
    ask the PMM for a mint quote → ``trading.request_mint`` → (the PMM delivers, the custodian
    reports, the keeper settles) → sell the minted shares in the pool, never for less cash than
    they cost (request cash and creation fee); below that it holds them and tries again on the
    next swap or block.
``buy_and_redeem`` (pool below NAV)
    buy shares in the pool → ask for a redemption quote → ``trading.request_redeem`` → (the PMM
    fills, the custodian releases) → done when the cash has arrived.

The plan is :func:`ssi.arb.model.decide` (exact integer sizes, fees and gas) at the price the
PMM's quote will carry: NAV plus its spread for a mint, minus for a redemption. Requests go
through the same ``ssi.ops.trading`` operations as ``ape run wlp mint|redeem``.

A round is journaled before each step that sends anything, so a restart resumes it and never
repeats a step: a request is found again by its quote's nonce (which the issuer marks used), a
swap by the WLP's nonce (``Operator.once``: a swap journaled at nonce ``n`` went out once the
WLP's count is past ``n``). One round runs at a time.

Prices: the PMM's quote and the NAV come from the same :class:`PriceFeed`: a JSON file of USD
prices by symbol, re-read when it changes (a desk's price process writes it), or the bundled
closes of one day. On the local chain the PMM's quoting service is the PMM's key signing here.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from ssi.arb.bot import DEFAULT_GAS_ESTIMATE
from ssi.arb.model import BPS, Costs, Plan, PoolState, decide, gas_cost_cash, premium
from ssi.chain.eip712 import MINT
from ssi.chain.protocol import STATUS
from ssi.ops import trading
from ssi.ops.chainview import basket
from ssi.ops.errors import OpsError
from ssi.ops.market import load_prices, prices_at, value_per_share
from ssi.ops.preflight import Step, send
from ssi.ops.session import Session
from ssi.ops.tables import tokens
from ssi.operators.base import Operator, Retry
from ssi.operators.journal import Journal

ROUNDS_KEPT = 50  # finished rounds kept in the journal (the log has them all)


# -- prices -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PriceFeed:
    """USD prices by symbol: a JSON file ``{"BTC": 97000.0, ...}`` read afresh each time (a desk's
    price process rewrites it), or one day's bundled closes."""

    path: Path | None = None
    day: dt.date | None = None
    max_age: float | None = 300.0  # seconds: an older prices file is refused (its writer has stopped)

    def __post_init__(self) -> None:
        if (self.path is None) == (self.day is None):
            raise OpsError("a price feed is a prices file or a day of bundled closes, not both or neither")

    @property
    def source(self) -> str:
        return str(self.path) if self.path is not None else f"bundled closes of {self.day}"

    def prices(self, symbols: list[str]) -> dict[str, float]:
        """Prices of ``symbols``; refuses (``OpsError``) a missing, non-positive or non-finite one."""
        if self.day is not None:
            return prices_at(self.day, symbols)
        assert self.path is not None
        if self.max_age is not None:
            try:
                age = time.time() - self.path.stat().st_mtime
            except OSError:
                age = None  # load_prices says the file is missing
            if age is not None and age > self.max_age:
                raise OpsError(f"prices file {self.path} was last written {age:,.0f} s ago, more than "
                               f"{self.max_age:g} s: not trading on stale prices")
        return load_prices(str(self.path), symbols, f"prices file {self.path}")


# -- the plan -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class ArbSettings:
    """What the arbitrage desk allows itself."""

    spread_bps: float = 20.0  # the PMM's quote spread around NAV (``make_quote``'s default)
    max_shares: int | None = None  # share-wei per round; None: the issuer's own maximum
    gas_price_wei: int = 10**9  # the gas price a round's profit is planned with
    native_price: float | None = None  # USD per native token; None: the price feed's ETH
    ttl: int = 600  # seconds a quote it asks for stays valid
    retry_blocks: int = 10  # after a round that did not complete (refused, expired, rejected): blocks to wait


def plan_round(pool: PoolState, nav: float, costs: Costs, spread_bps: float) -> Plan:
    """The round a quote at NAV ± spread allows: a mint priced at NAV × (1 + spread), a
    redemption at NAV × (1 − spread); ``none`` when neither makes money after every cost."""
    up = decide(pool, nav * (1 + spread_bps / BPS), costs)
    if up.action == "mint_and_sell":
        return up
    down = decide(pool, nav * (1 - spread_bps / BPS), costs)
    if down.action == "buy_and_redeem":
        return down
    price = pool.price()
    return Plan("none", 0, 0, 0, 0, nav, price, price, premium(price, nav), premium(price, nav),
                (down.band[0], up.band[1]))


# -- the operator -------------------------------------------------------------------------------


class ArbitrageOperator(Operator):
    role = "arbitrage"

    def __init__(self, s: Session, wlp: Any, quoter: Any, symbol: str, pool: Any, feed: PriceFeed,
                 settings: ArbSettings | None = None, *, locate: Callable[[], Any] | None = None,
                 journal: Journal | None = None, logger: Any = None) -> None:
        """``pool`` None: not opened yet; ``locate()`` is then asked for it on every block until it is."""
        super().__init__(s, journal, logger)
        self.wlp = wlp
        self.quoter = quoter  # the PMM account whose quoting service signs (local chain: its key)
        self.symbol = s.book.index(symbol).symbol
        self.feed = feed
        self.settings = settings or ArbSettings()
        self.locate = locate
        self.pool = self._checked(pool) if pool is not None else None

    def _checked(self, pool: Any) -> Any:
        if str(pool.index_token()).lower() != str(self.s.token(self.symbol).address).lower():
            raise OpsError(f"pool {pool.address} does not trade {self.symbol}")
        if str(pool.cash_token()).lower() != str(self.s.cash().address).lower():
            raise OpsError(f"pool {pool.address} does not trade against {self.symbol}'s cash token")
        return pool

    def _found(self) -> bool:
        """The pool is known (or has just been found: ``locate()`` no longer refuses)."""
        if self.pool is None and self.locate is not None:
            try:
                self.pool = self._checked(self.locate())
            except OpsError as exc:
                self._refused("waiting for a pool", str(exc), int(self.s.chain.blocks.height),
                              logging.INFO, "pool")
                return False
            self.log.info(f"arbitrage: trading {self.symbol} in the pool at {self.pool.address}")
        return self.pool is not None

    # -- events -------------------------------------------------------------------------------

    def watched(self) -> list[Any]:
        issuer = self.s.deployment.issuer
        swaps = [self.pool.Swap] if self.pool is not None else []  # else: found later, followed block by block
        return swaps + [issuer.MintSettled, issuer.RedeemFilled, issuer.RequestRejected, issuer.RequestCancelled]

    def on_event(self, log: Any) -> None:
        """Any of them may move a round on (its request settled or filled) or open one (a swap moved the pool)."""
        if log.event_name != "Swap" and str(log.wlp).lower() != str(self.wlp.address).lower():
            return
        self.tick()

    @property
    def round(self) -> dict[str, Any] | None:
        return self.journal.notes.get("round")

    def tick(self) -> None:
        with self.lock:
            if not self._found():
                return
            for _ in range(8):  # a round can pass several steps in one go (settled → sold)
                before = json.dumps(self.round, sort_keys=True, default=str)
                if self.round is None:
                    self._open()
                else:
                    self._advance(self.round)
                if json.dumps(self.round, sort_keys=True, default=str) == before:
                    return

    # -- opening a round ----------------------------------------------------------------------

    def _basket_prices(self, *, native: bool) -> tuple[Any, dict[str, float]]:
        """The current basket and the feed's prices of its assets (and of the native token, which
        prices the gas, when ``native`` and no fixed price is set)."""
        token = self.s.token(self.symbol)
        view = basket(self.s, token, int(self.s.deployment.registry.version(token)))
        wanted = list(view.symbols)
        if native and self.settings.native_price is None and "ETH" not in wanted:
            wanted.append("ETH")
        return view, self.feed.prices(wanted)

    def assess(self) -> tuple[Plan, float, dict[str, float]]:
        """The plan at the feed's prices now, the NAV in cash per share, and the prices."""
        view, prices = self._basket_prices(native=True)
        nav = value_per_share(view.units, prices, view.decimals)
        pool = PoolState.from_contract(self.pool)
        native = self.settings.native_price if self.settings.native_price is not None else prices["ETH"]
        direction = decide(pool, nav, Costs()).action
        units = DEFAULT_GAS_ESTIMATE.get(direction, max(DEFAULT_GAS_ESTIMATE.values()))
        gas = gas_cost_cash(units, self.settings.gas_price_wei, native, pool.cash_decimals) \
            if self.settings.gas_price_wei else 0
        fees = self.s.deployment.issuer.configs(self.s.token(self.symbol))
        costs = Costs(int(fees.creation_fee_bps), int(fees.redemption_fee_bps), gas)
        return plan_round(pool, nav, costs, self.settings.spread_bps), nav, prices

    def _open(self) -> None:
        head = int(self.s.chain.blocks.height)
        if head < int(self.journal.notes.get("quiet_until", -1)):
            return  # the last round did not complete: not again at once
        if bool(self.s.deployment.issuer.paused()):
            self._refused("open a round", "the issuer is paused by the guardian", head, logging.INFO, "paused")
            return
        self._last_refusal.pop("paused", None)
        reserve_index, reserve_cash = (int(x) for x in self.pool.reserves())
        if not reserve_index or not reserve_cash:
            self._refused("open a round", "the pool has no liquidity yet", head, logging.INFO, "liquidity")
            return
        try:
            plan, nav, _ = self.assess()
        except OpsError as exc:
            self._refused("read the prices", str(exc), int(self.s.chain.blocks.height), logging.WARNING, "prices")
            return
        if plan.action == "none":
            return
        shares = plan.amount_in if plan.action == "mint_and_sell" else plan.amount_out
        limits = self.s.deployment.issuer.configs(self.s.token(self.symbol))
        cap = min(self.settings.max_shares or int(limits.max_shares), int(limits.max_shares))
        if min(shares, cap) < int(limits.min_shares):
            return  # a round this small is under the issuer's minimum request
        seq = int(self.journal.notes.get("round_seq", 0)) + 1  # names the round's steps in the nonce journal
        self.journal.notes["round_seq"] = seq
        r: dict[str, Any] = {"id": seq, "action": plan.action, "block": head, "nav": nav,
                             "premium": plan.premium_before, "cash_before": self._cash(),
                             "expected_profit": plan.expected_profit}
        self.log.info(f"arbitrage: pool {plan.price_before:,.6f} against NAV {nav:,.6f} ({plan.premium_before:+.3%}, "
                      f"band {plan.band[0]:+.3%} to {plan.band[1]:+.3%}) -> {plan.action}, expected profit "
                      f"{self._cash_text(plan.expected_profit)}")
        if plan.action == "mint_and_sell":
            r.update(phase="quote", side="mint", shares=min(shares, cap))
        else:
            amount_in = plan.amount_in
            if shares > cap:  # buy fewer shares: scale the cash in until they fit
                while amount_in and self._pool_out(amount_in, True) > cap:
                    amount_in = amount_in * cap // max(self._pool_out(amount_in, True), 1) - 1
            r.update(phase="buy", amount_in=amount_in, min_out=self._pool_out(amount_in, True))
        self.journal.notes["round"] = r
        self.journal.save()

    # -- a round's steps ----------------------------------------------------------------------

    def _advance(self, r: dict[str, Any]) -> None:
        phase = r["phase"]
        if phase == "buy":
            self._swap(r, cash_in=True)
        elif phase == "quote":
            self._quote(r)
        elif phase == "request":
            self._request(r)
        elif phase == "wait":
            self._wait(r)
        elif phase == "sell":
            self._swap(r, cash_in=False)

    def _quote(self, r: dict[str, Any]) -> None:
        try:
            _, prices = self._basket_prices(native=False)
        except OpsError as exc:
            self._refused(f"{r['side']} quote", str(exc), int(self.s.chain.blocks.height), logging.WARNING, "prices")
            return
        qf = self.act(f"ask the PMM for a {r['side']} quote of {tokens(r['shares'], 18)} shares", trading.make_quote,
                      self.s, self.quoter, self.symbol, r["side"], int(r["shares"]), str(self.wlp.address), prices,
                      self.feed.source, spread_bps=self.settings.spread_bps, ttl=self.settings.ttl, once="quote")
        if qf is None:
            if r["side"] == "mint":
                self._close(r, "no quote")
            return  # a redemption keeps its shares and asks again on the next block
        r.update(phase="request", quote=qf.to_json())
        self.journal.save()

    def _request(self, r: dict[str, Any]) -> None:
        qf = trading.QuoteFile.from_json(r["quote"])
        q = qf.quote
        issuer = self.s.deployment.issuer
        if bool(issuer.nonce_used(self.quoter.address, q.nonce)):
            found = self._request_of(r, q.nonce)
            if found is None:
                return  # the quote's request is not mined yet
            r.update(phase="wait", request=found, deadline=q.deadline)  # (cancel_after: from its event)
            self.journal.save()
            self.log.info(f"arbitrage: request {found} of this round found on chain (sent before a restart)")
            return
        if q.deadline < self.s.next_timestamp():
            if r["side"] == "mint":
                self._close(r, "the quote expired before its request went out")
            else:
                r.update(phase="quote")
                self.journal.save()
            return
        send_request = trading.request_mint if q.side == MINT else trading.request_redeem
        req = self.act(f"request {r['side']} of {tokens(q.shares, 18)} shares for {self._cash_text(q.cash)}",
                       send_request, self.s, self.wlp, qf, approve=True, once="request")
        if req is None:
            if r["side"] == "mint":
                self._close(r, "request refused")
            return
        r.update(phase="wait", request=req.id, cost=q.cash + req.fee, deadline=q.deadline,
                 cancel_after=req.cancel_after)
        self.journal.save()

    def _request_of(self, r: dict[str, Any], nonce: int) -> int | None:
        issuer = self.s.deployment.issuer
        event = issuer.MintRequested if r["side"] == "mint" else issuer.RedeemRequested
        for log in event.range(int(r["block"]), int(self.s.chain.blocks.height) + 1,
                               search_topics={"wlp": str(self.wlp.address)}):
            if int(log.quote_nonce) == nonce:
                r.update(cost=int(log.cash) + int(log.fee), cancel_after=int(log.cancel_after))
                return int(log.id)
        return None

    def _wait(self, r: dict[str, Any]) -> None:
        rid = int(r["request"])
        status = STATUS[int(self.s.deployment.issuer.request_status(rid))]
        if status == "settled":
            if r["side"] == "mint":
                r.update(phase="sell")
                self.journal.save()
            else:
                self._close(r, f"request {rid} filled")
        elif status in ("cancelled", "rejected"):
            self._close(r, f"request {rid} {status}: escrow refunded")
        else:
            now = self.s.next_timestamp()
            if status == "open" and now > int(r["deadline"]):
                why = "the PMM let its quote expire"
            elif status == "delivered" and now >= int(r["cancel_after"]):
                why = "delivered and never settled"  # no report backs it; a backed one is refused: settle it
            else:
                return
            if self.act(f"cancel request {rid}: {why}", trading.cancel, self.s, self.wlp, rid,
                        once=f"cancel {rid}") is not None:
                r["cancelled_at"] = int(self.s.chain.blocks.height)  # (a change: the tick looks again, now)
                self.journal.save()

    def _swap(self, r: dict[str, Any], *, cash_in: bool) -> None:
        """Buy (cash in) or sell (shares in) once: ``Operator.once`` journals it at the WLP's nonce
        before it is sent, so a restart finds it by that nonce and never swaps twice."""
        what = "buy shares in the pool" if cash_in else "sell the minted shares in the pool"
        key = f"round {r['id']} {'buy' if cash_in else 'sell'}"
        try:
            nonce = self.sent_before(key, what, self.wlp)
        except Retry:
            return  # sent before a restart, not mined yet
        receipts: list[Any] = []
        if nonce is None:
            amount = int(r["amount_in"]) if cash_in else int(r["shares"])
            min_out = int(r["min_out"]) if cash_in else int(r["cost"])
            out = self._pool_out(amount, cash_in)
            if out < min_out:
                if cash_in:
                    self._close(r, "the pool moved before the buy: nothing to do")
                else:
                    self._refused(what, f"holding {tokens(amount, 18)} shares: the pool pays {self._cash_text(out)}, "
                                  f"under the {self._cash_text(min_out)} they cost", int(self.s.chain.blocks.height),
                                  logging.INFO, "sell")
                return
            paying = self.s.cash() if cash_in else self.s.token(self.symbol)
            try:
                approve = trading.funding(what, paying, self.wlp, str(self.pool.address), amount, True,
                                          int(paying.decimals()), str(paying.symbol()), "the pool")
            except OpsError as exc:
                self._refused(what, str(exc), int(self.s.chain.blocks.height), logging.WARNING, "swap")
                return
            if approve and self.act(f"approve the pool ({what})", send, approve, self.s.chain.provider) is None:
                return

            def swap() -> bool:
                sent = self.act(what, send, [Step("swap", self.pool.swap, (amount, cash_in, min_out, self.wlp.address),
                                                  self.wlp)], self.s.chain.provider)
                receipts.extend(sent or [])
                return sent is not None

            if not self.once(key, what, self.wlp, swap):
                return
            nonce = int(self.journal.notes["sent"][key]["nonce"])
        log = receipts[-1].decode_logs(self.pool.Swap)[0] if receipts else self._swap_log(r, nonce)
        if log is None:
            self.log.warning(f"arbitrage: the WLP's transaction at nonce {nonce} was not this round's swap: trying again")
            self.forget(key)
            return
        self._swapped(r, log, cash_in)

    def _swap_log(self, r: dict[str, Any], nonce: int) -> Any:
        """The pool's ``Swap`` of the WLP's transaction at ``nonce`` since the round opened, if any."""
        for log in self.pool.Swap.range(int(r["block"]), int(self.s.chain.blocks.height) + 1,
                                        search_topics={"sender": str(self.wlp.address)}):
            tx = self.s.chain.provider.web3.eth.get_transaction(log.transaction_hash)
            if int(tx["nonce"]) == nonce:
                return log
        return None

    def _swapped(self, r: dict[str, Any], log: Any, cash_in: bool) -> None:
        if cash_in:
            r.update(phase="quote", side="redeem", shares=int(log.amount_out), paid=int(log.amount_in))
            self.journal.save()
        else:
            self._close(r, f"sold {tokens(int(log.amount_in), 18)} shares for {self._cash_text(int(log.amount_out))}")

    def _close(self, r: dict[str, Any], outcome: str) -> None:
        profit = self._cash() - int(r["cash_before"])
        held = r.get("shares", 0) if r["action"] == "buy_and_redeem" and "request" not in r else 0
        done = {**{k: v for k, v in r.items() if k not in ("quote",)}, "outcome": outcome, "profit": profit,
                "closed_block": int(self.s.chain.blocks.height)}
        rounds = self.journal.notes.setdefault("rounds", [])
        rounds.append(done)
        del rounds[:-ROUNDS_KEPT]
        self.journal.notes["round"] = None
        if not (outcome.startswith("sold") or "filled" in outcome):
            self.journal.notes["quiet_until"] = done["closed_block"] + self.settings.retry_blocks
        self.journal.save()
        extra = f"; holding {tokens(held, 18)} shares" if held and "filled" not in outcome else ""
        self.log.info(f"arbitrage: round {r['action']} closed: {outcome}; cash {profit:+,} base units "
                      f"({self._cash_text(profit)}){extra}")

    # -- small reads ----------------------------------------------------------------------------

    def _cash(self) -> int:
        return int(self.s.cash().balanceOf(self.wlp.address))

    def _cash_text(self, amount: int) -> str:
        return f"{tokens(amount, int(self.s.book.cash_token['decimals']))} {self.s.book.cash_token['symbol']}"

    def _pool_out(self, amount: int, cash_in: bool) -> int:
        return int(self.pool.get_amount_out(amount, cash_in)) if amount > 0 else 0

    def premium(self) -> float:
        """The pool's premium over NAV at the feed's prices now."""
        _, nav, _ = self.assess()
        return premium(PoolState.from_contract(self.pool).price(), nav)
