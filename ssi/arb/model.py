"""NAV, premium and the arbitrage decision against a constant-product pool.

An index share trades on a secondary venue (here an ``x * y = k`` pool of
index shares against cash) while authorised participants can create shares
at NAV plus a creation fee and redeem them at NAV minus a redemption fee.
When the pool price strays far enough from NAV, one of two loops pays:

``mint_and_sell``
    Pool price above NAV: create ``a`` shares with the protocol, sell them
    into the pool for cash.
``buy_and_redeem``
    Pool price below NAV: pay ``b`` cash into the pool for shares, redeem
    them with the protocol for cash.

Notation (whole units, floats) used throughout
------------------------------------------------
``x``   index reserve of the pool (shares), ``y`` cash reserve (cash units).
``P``   spot pool price ``y / x`` (cash per share), ``N`` the NAV per share.
``f``   pool fee, ``g = 1 - f``; the pool takes it on the input, so selling
        ``a`` into reserve ``x`` returns ``y * a * g / (x + a * g)``.
``f_c`` creation fee, ``f_r`` redemption fee (both on the cash amount).
``C = N * (1 + f_c)``  cash cost of minting one share.
``R = N * (1 - f_r)``  cash received for redeeming one share.

Derivation of the optimal sizes
-------------------------------
*Mint and sell.* Profit ``pi(a) = y*a*g / (x + a*g) - C*a - gas``.
``pi'(a) = x*y*g / (x + a*g)**2 - C`` is decreasing in ``a`` (``pi`` is
concave), so the optimum solves ``pi'(a) = 0``: the marginal revenue of the
last share sold equals the cost of minting it. With ``S = x + a*g``::

    S**2 = x*y*g / C      =>   a* = (sqrt(x*y*g / C) - x) / g

``a* > 0`` iff ``P > C / g``. Substituting back (``x*y/S = C*S/g``)::

    pi(a*) = (sqrt(y) - sqrt(x*C/g))**2 - gas

*Buy and redeem.* Profit ``pi(b) = R*x*b*g / (y + b*g) - b - gas``;
``pi'(b) = R*x*y*g / (y + b*g)**2 - 1``, concave again. With ``T = y + b*g``::

    T**2 = R*x*y*g        =>   b* = (sqrt(R*x*y*g) - y) / g

``b* > 0`` iff ``P < R * g``, and ``pi(b*) = (sqrt(R*x) - sqrt(y/g))**2 - gas``.

No-arbitrage band
-----------------
Without gas, no trade of any size pays while ``R*g <= P <= C/g``; as a
premium ``p = P/N - 1`` that is::

    (1 - f_r)(1 - f) - 1  <=  p  <=  (1 + f_c) / (1 - f) - 1

A fixed gas cost widens the band and makes it depend on the pool depth
``D = sqrt(x*y)`` (whole units). Moving along a curve of constant ``D`` (so
``x = D/u``, ``y = D*u`` with ``u = sqrt(P)``) the best profits are
``D*(u - c)**2 / u`` with ``c = sqrt(C/g)`` and ``D*(r - u)**2 / (g*u)`` with
``r = sqrt(R*g)``. Setting each equal to ``gas`` gives quadratics in ``u``;
with ``G = gas / D``::

    u_hi = c + G/2 + sqrt(c*G + G**2/4)
    u_lo = r + h - sqrt(2*r*h + h**2),   h = G*g/2

and the band is ``[u_lo**2 / N - 1, u_hi**2 / N - 1]``.

After the optimal trade the pool sits inside the band: the fee stays in the
pool, so the post-trade marginal price is on the no-trade side of the edge.

Integers
--------
The chain counts base units. :func:`get_amount_out` reproduces the pool
contract's output bit for bit, :func:`mint_cost` and :func:`redeem_proceeds`
round the protocol leg in the protocol's favour, and :func:`decide` sizes the
trade with an exact integer square root and scores it with those integer
functions. Floats appear only for reporting (prices, premiums, band).

Units convention for baskets: ``units[symbol]`` is the number of base units
of the asset behind ONE whole index share, multiplied by
``UNIT_SCALE = 10**18`` (the on-chain basket format).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from fractions import Fraction
from typing import Literal, Protocol, runtime_checkable

__all__ = [
    "BPS",
    "UNIT_SCALE",
    "WAD",
    "Action",
    "Costs",
    "DictPriceSource",
    "Plan",
    "PoolState",
    "PriceSource",
    "buy_and_redeem_profit",
    "buy_and_redeem_profit_units",
    "ceil_div",
    "decide",
    "gas_cost_cash",
    "get_amount_out",
    "max_buy_and_redeem_profit",
    "max_mint_and_sell_profit",
    "mint_and_sell_profit",
    "mint_and_sell_profit_units",
    "mint_cost",
    "nav_per_share",
    "no_arbitrage_band",
    "optimal_buy_and_redeem",
    "optimal_buy_and_redeem_units",
    "optimal_mint_and_sell",
    "optimal_mint_and_sell_units",
    "pool_price_wad",
    "premium",
    "redeem_proceeds",
]

#: Basis points in one.
BPS = 10_000
#: Fixed-point scale of on-chain basket units (units per share * 1e18).
UNIT_SCALE = 10**18
#: Fixed-point scale of the pool's ``price()``.
WAD = 10**18

Action = Literal["mint_and_sell", "buy_and_redeem", "none"]


# --------------------------------------------------------------------------
# Prices and NAV
# --------------------------------------------------------------------------


@runtime_checkable
class PriceSource(Protocol):
    """Anything that prices an asset symbol in USD."""

    def price(self, symbol: str) -> float:
        """USD price of one whole unit of ``symbol``."""
        ...


@dataclass(frozen=True)
class DictPriceSource:
    """A :class:`PriceSource` backed by a mapping ``symbol -> USD price``."""

    prices: Mapping[str, float]

    def price(self, symbol: str) -> float:
        try:
            value = float(self.prices[symbol])
        except KeyError:
            raise KeyError(f"no price for {symbol!r}") from None
        if not math.isfinite(value) or value <= 0:
            raise ValueError(f"price for {symbol!r} must be positive and finite, got {value}")
        return value


def nav_per_share(
    units: Mapping[str, int], decimals: Mapping[str, int], prices: PriceSource
) -> float:
    """USD value of one whole index share.

    ``sum(units[s] / UNIT_SCALE / 10**decimals[s] * prices.price(s))``, with
    ``units`` in the on-chain convention (base units per share, times 1e18).
    """
    total = 0.0
    for symbol, amount in units.items():
        if amount < 0:
            raise ValueError(f"negative units for {symbol!r}")
        if symbol not in decimals:
            raise KeyError(f"no decimals for {symbol!r}")
        whole = Fraction(amount, UNIT_SCALE * 10 ** decimals[symbol])
        total += float(whole) * prices.price(symbol)
    return total


def premium(pool_price: float, nav: float) -> float:
    """Relative premium of the pool price over NAV: ``(pool - nav) / nav``."""
    if not nav > 0:
        raise ValueError(f"nav must be positive, got {nav}")
    return (pool_price - nav) / nav


# --------------------------------------------------------------------------
# Closed forms (whole units, floats)
# --------------------------------------------------------------------------


def _g(fee_bps: int) -> float:
    if not 0 <= fee_bps < BPS:
        raise ValueError(f"fee must be in [0, {BPS}) bps, got {fee_bps}")
    return (BPS - fee_bps) / BPS


def _check_pool(x: float, y: float, nav: float) -> None:
    if not (x > 0 and y > 0):
        raise ValueError("pool reserves must be positive")
    if not nav > 0:
        raise ValueError(f"nav must be positive, got {nav}")


def mint_and_sell_profit(
    a: float, x: float, y: float, nav: float, fee_bps: int, creation_fee_bps: int,
    gas_cost: float = 0.0,
) -> float:
    """Cash profit of minting ``a`` shares at NAV + fee and selling them into the pool."""
    g = _g(fee_bps)
    cost = nav * (1 + creation_fee_bps / BPS)
    return y * a * g / (x + a * g) - cost * a - gas_cost


def buy_and_redeem_profit(
    b: float, x: float, y: float, nav: float, fee_bps: int, redemption_fee_bps: int,
    gas_cost: float = 0.0,
) -> float:
    """Cash profit of paying ``b`` cash into the pool and redeeming the shares."""
    g = _g(fee_bps)
    proceeds = nav * (1 - redemption_fee_bps / BPS)
    return proceeds * x * b * g / (y + b * g) - b - gas_cost


def optimal_mint_and_sell(
    x: float, y: float, nav: float, fee_bps: int, creation_fee_bps: int
) -> float:
    """Shares to mint and sell: ``a* = (sqrt(x*y*g/C) - x) / g``, or 0 if not positive.

    At ``a*`` the marginal revenue of the last share, ``x*y*g / (x + a*g)**2``,
    equals its minting cost ``C = nav * (1 + f_c)``. See the module docstring.
    """
    _check_pool(x, y, nav)
    g = _g(fee_bps)
    cost = nav * (1 + creation_fee_bps / BPS)
    # x * (sqrt(P*g/C) - 1) / g, written to avoid overflowing x*y.
    return max(0.0, x * (math.sqrt((y / x) * g / cost) - 1.0) / g)


def optimal_buy_and_redeem(
    x: float, y: float, nav: float, fee_bps: int, redemption_fee_bps: int
) -> float:
    """Cash to pay into the pool: ``b* = (sqrt(R*x*y*g) - y) / g``, or 0 if not positive.

    At ``b*`` the marginal cost of the last share bought, ``(y + b*g)**2 / (x*y*g)``,
    equals what redeeming it returns, ``R = nav * (1 - f_r)``.
    """
    _check_pool(x, y, nav)
    g = _g(fee_bps)
    proceeds = nav * (1 - redemption_fee_bps / BPS)
    return max(0.0, y * (math.sqrt(proceeds * g / (y / x)) - 1.0) / g)


def max_mint_and_sell_profit(
    x: float, y: float, nav: float, fee_bps: int, creation_fee_bps: int,
    gas_cost: float = 0.0,
) -> float:
    """Best mint-and-sell profit: ``(sqrt(y) - sqrt(x*C/g))**2 - gas`` (no trade: ``-gas``)."""
    _check_pool(x, y, nav)
    g = _g(fee_bps)
    cost = nav * (1 + creation_fee_bps / BPS)
    gap = math.sqrt(y) - math.sqrt(x * cost / g)
    return (gap * gap if gap > 0 else 0.0) - gas_cost


def max_buy_and_redeem_profit(
    x: float, y: float, nav: float, fee_bps: int, redemption_fee_bps: int,
    gas_cost: float = 0.0,
) -> float:
    """Best buy-and-redeem profit: ``(sqrt(R*x) - sqrt(y/g))**2 - gas`` (no trade: ``-gas``)."""
    _check_pool(x, y, nav)
    g = _g(fee_bps)
    proceeds = nav * (1 - redemption_fee_bps / BPS)
    gap = math.sqrt(proceeds * x) - math.sqrt(y / g)
    return (gap * gap if gap > 0 else 0.0) - gas_cost


def no_arbitrage_band(
    fee_bps: int,
    creation_fee_bps: int,
    redemption_fee_bps: int,
    *,
    gas_cost: float = 0.0,
    nav: float | None = None,
    depth: float | None = None,
) -> tuple[float, float]:
    """Premium range ``(low, high)`` inside which no arbitrage trade is profitable.

    Without gas the band depends on the fees only:
    ``((1 - f_r)(1 - f) - 1, (1 + f_c)/(1 - f) - 1)``. With a gas cost (cash
    units) it also needs ``nav`` and the pool ``depth = sqrt(x*y)`` in whole
    units; see the module docstring for the quadratic it solves.
    """
    g = _g(fee_bps)
    if not 0 <= creation_fee_bps < BPS or not 0 <= redemption_fee_bps < BPS:
        raise ValueError("protocol fees must be in [0, 10000) bps")
    fc = creation_fee_bps / BPS
    fr = redemption_fee_bps / BPS
    if gas_cost <= 0:
        return (1 - fr) * g - 1, (1 + fc) / g - 1
    if nav is None or depth is None or not (nav > 0 and depth > 0):
        raise ValueError("a gas cost needs a positive nav and depth")
    big_g = gas_cost / depth
    c = math.sqrt(nav * (1 + fc) / g)
    u_hi = c + big_g / 2 + math.sqrt(c * big_g + big_g * big_g / 4)
    r = math.sqrt(nav * (1 - fr) * g)
    h = big_g * g / 2
    u_lo = r + h - math.sqrt(2 * r * h + h * h)
    return u_lo * u_lo / nav - 1, u_hi * u_hi / nav - 1


# --------------------------------------------------------------------------
# Integer model (base units, exactly as on chain)
# --------------------------------------------------------------------------


def ceil_div(a: int, b: int) -> int:
    """``ceil(a / b)`` for non-negative ``a`` and positive ``b``, in integers."""
    return -(-a // b)


def get_amount_out(amount_in: int, reserve_in: int, reserve_out: int, fee_bps: int) -> int:
    """The pool contract's output, bit for bit (fee on the input, rounded down)."""
    if amount_in <= 0:
        raise ValueError("pool: zero amount")
    if reserve_in <= 0 or reserve_out <= 0:
        raise ValueError("pool: no liquidity")
    in_with_fee = amount_in * (BPS - fee_bps)
    return in_with_fee * reserve_out // (reserve_in * BPS + in_with_fee)


def pool_price_wad(
    reserve_index: int, reserve_cash: int, index_decimals: int = 18, cash_decimals: int = 6
) -> int:
    """The pool contract's ``price()``: whole cash per whole share, scaled 1e18, rounded down."""
    if reserve_index <= 0 or reserve_cash <= 0:
        raise ValueError("pool: no liquidity")
    return reserve_cash * WAD * 10**index_decimals // (reserve_index * 10**cash_decimals)


@dataclass(frozen=True)
class PoolState:
    """Reserves and parameters of a constant-product pool, in base units."""

    reserve_index: int
    reserve_cash: int
    fee_bps: int = 30
    index_decimals: int = 18
    cash_decimals: int = 6

    @classmethod
    def from_contract(cls, pool: object) -> PoolState:
        """Reads a deployed ``ConstantProductPool`` (any object exposing its views)."""
        reserve_index, reserve_cash = pool.reserves()  # type: ignore[attr-defined]
        return cls(
            reserve_index=int(reserve_index),
            reserve_cash=int(reserve_cash),
            fee_bps=int(pool.fee_bps()),  # type: ignore[attr-defined]
            index_decimals=int(pool.index_decimals()),  # type: ignore[attr-defined]
            cash_decimals=int(pool.cash_decimals()),  # type: ignore[attr-defined]
        )

    @property
    def x(self) -> float:
        """Index reserve in whole shares."""
        return self.reserve_index / 10**self.index_decimals

    @property
    def y(self) -> float:
        """Cash reserve in whole cash units."""
        return self.reserve_cash / 10**self.cash_decimals

    @property
    def depth(self) -> float:
        """``sqrt(x * y)`` in whole units."""
        return math.sqrt(self.x) * math.sqrt(self.y)

    def price(self) -> float:
        """Spot price in whole cash per whole share."""
        return float(
            Fraction(self.reserve_cash * 10**self.index_decimals,
                     self.reserve_index * 10**self.cash_decimals)
        )

    def price_wad(self) -> int:
        """Equals the contract's ``price()``."""
        return pool_price_wad(
            self.reserve_index, self.reserve_cash, self.index_decimals, self.cash_decimals
        )

    def amount_out(self, amount_in: int, cash_in: bool) -> int:
        """Equals the contract's ``get_amount_out(amount_in, cash_in)``."""
        if cash_in:
            return get_amount_out(amount_in, self.reserve_cash, self.reserve_index, self.fee_bps)
        return get_amount_out(amount_in, self.reserve_index, self.reserve_cash, self.fee_bps)

    def swap(self, amount_in: int, cash_in: bool) -> tuple[int, PoolState]:
        """Output and the state after the contract's ``swap`` (the whole input joins the pool)."""
        out = self.amount_out(amount_in, cash_in)
        if out == 0:
            raise ValueError("pool: zero output")
        if cash_in:
            new = (self.reserve_index - out, self.reserve_cash + amount_in)
        else:
            new = (self.reserve_index + amount_in, self.reserve_cash - out)
        return out, PoolState(new[0], new[1], self.fee_bps, self.index_decimals,
                              self.cash_decimals)


def _cash_per_base_unit(nav: float | Fraction, pool: PoolState) -> Fraction:
    """NAV as cash base units per index base unit, exactly."""
    return Fraction(nav) * 10**pool.cash_decimals / 10**pool.index_decimals


def mint_cost(
    shares: int, nav: float | Fraction, creation_fee_bps: int,
    index_decimals: int = 18, cash_decimals: int = 6,
) -> int:
    """Cash base units paid to create ``shares`` index base units.

    ``value = ceil(shares * nav)`` in cash base units, ``fee = ceil(value * f_c)``:
    both rounded up, in the protocol's favour.
    """
    if shares < 0:
        raise ValueError("negative shares")
    exact = Fraction(shares) * Fraction(nav) * 10**cash_decimals / 10**index_decimals
    value = math.ceil(exact)
    return value + ceil_div(value * creation_fee_bps, BPS)


def redeem_proceeds(
    shares: int, nav: float | Fraction, redemption_fee_bps: int,
    index_decimals: int = 18, cash_decimals: int = 6,
) -> int:
    """Cash base units received for redeeming ``shares`` index base units.

    ``value = floor(shares * nav)``, ``fee = ceil(value * f_r)``: both in the
    protocol's favour.
    """
    if shares < 0:
        raise ValueError("negative shares")
    exact = Fraction(shares) * Fraction(nav) * 10**cash_decimals / 10**index_decimals
    value = math.floor(exact)
    return value - ceil_div(value * redemption_fee_bps, BPS)


def gas_cost_cash(
    gas_units: int, gas_price_wei: int, native_price: float, cash_decimals: int = 6,
    cash_price: float = 1.0,
) -> int:
    """Gas cost in cash base units, rounded up: ``gas * price / 1e18 * native / cash``."""
    if gas_units < 0 or gas_price_wei < 0 or native_price < 0 or not cash_price > 0:
        raise ValueError("gas inputs must be non-negative (cash price positive)")
    native = Fraction(gas_units * gas_price_wei, 10**18)
    return math.ceil(native * Fraction(native_price) / Fraction(cash_price) * 10**cash_decimals)


@dataclass(frozen=True)
class Costs:
    """What an arbitrage loop pays besides the pool fee."""

    #: Creation fee, bps of the cash value minted.
    creation_fee_bps: int = 0
    #: Redemption fee, bps of the cash value redeemed.
    redemption_fee_bps: int = 0
    #: Gas for the whole loop, in cash base units (see :func:`gas_cost_cash`).
    gas_cost: int = 0

    def __post_init__(self) -> None:
        if not 0 <= self.creation_fee_bps < BPS or not 0 <= self.redemption_fee_bps < BPS:
            raise ValueError("protocol fees must be in [0, 10000) bps")
        if self.gas_cost < 0:
            raise ValueError("gas cost must be non-negative")


def mint_and_sell_profit_units(
    pool: PoolState, shares: int, nav: float | Fraction, costs: Costs
) -> int:
    """Exact cash profit (base units) of minting and selling ``shares`` base units."""
    if shares <= 0:
        return -costs.gas_cost
    revenue = pool.amount_out(shares, cash_in=False)
    cost = mint_cost(shares, nav, costs.creation_fee_bps, pool.index_decimals,
                     pool.cash_decimals)
    return revenue - cost - costs.gas_cost


def buy_and_redeem_profit_units(
    pool: PoolState, cash: int, nav: float | Fraction, costs: Costs
) -> int:
    """Exact cash profit (base units) of paying ``cash`` into the pool and redeeming."""
    if cash <= 0:
        return -costs.gas_cost
    shares = pool.amount_out(cash, cash_in=True)
    proceeds = redeem_proceeds(shares, nav, costs.redemption_fee_bps, pool.index_decimals,
                               pool.cash_decimals)
    return proceeds - cash - costs.gas_cost


def optimal_mint_and_sell_units(
    pool: PoolState, nav: float | Fraction, creation_fee_bps: int
) -> int:
    """``a*`` in index base units, from an exact integer square root (0 if none pays).

    Same formula as :func:`optimal_mint_and_sell` with ``C`` in cash base units
    per index base unit: ``a* = floor((isqrt(x*y*g/C) - x) / g)``.
    """
    x, y = pool.reserve_index, pool.reserve_cash
    g = Fraction(BPS - pool.fee_bps, BPS)
    cost = _cash_per_base_unit(nav, pool) * Fraction(BPS + creation_fee_bps, BPS)
    if cost <= 0:
        raise ValueError("nav must be positive")
    s = math.isqrt(math.floor(Fraction(x * y) * g / cost))
    return max(0, math.floor((s - x) / g))


def optimal_buy_and_redeem_units(
    pool: PoolState, nav: float | Fraction, redemption_fee_bps: int
) -> int:
    """``b*`` in cash base units: ``floor((isqrt(R*x*y*g) - y) / g)`` (0 if none pays)."""
    x, y = pool.reserve_index, pool.reserve_cash
    g = Fraction(BPS - pool.fee_bps, BPS)
    proceeds = _cash_per_base_unit(nav, pool) * Fraction(BPS - redemption_fee_bps, BPS)
    if proceeds <= 0:
        raise ValueError("nav must be positive")
    t = math.isqrt(math.floor(proceeds * x * y * g))
    return max(0, math.floor((t - y) / g))


@dataclass(frozen=True)
class Plan:
    """What to do now, sized in base units, with the expected result."""

    action: Action
    #: Pool input in base units: index shares minted and sold (``mint_and_sell``)
    #: or cash paid in (``buy_and_redeem``); 0 for ``none``.
    amount_in: int
    #: Pool output in base units: cash received or index shares received (to redeem).
    amount_out: int
    #: Cash paid to mint (fee included) or received from redeeming (fee deducted).
    protocol_cash: int
    #: Cash base units left after the pool fee, the protocol fee and gas.
    expected_profit: int
    nav: float
    price_before: float
    price_after: float
    premium_before: float
    premium_after: float
    #: The no-arbitrage premium band for this pool, fees and gas.
    band: tuple[float, float]

    @property
    def size(self) -> int:
        """Alias of :attr:`amount_in`."""
        return self.amount_in


def _best(candidates: set[int], score: Callable[[int], int]) -> tuple[int, int]:
    """The candidate size with the highest exact profit (sizes without output skipped)."""
    best_size, best_profit = 0, None
    for size in sorted(c for c in candidates if c > 0):
        try:
            profit = score(size)
        except ValueError:  # zero output or empty pool: not a trade
            continue
        if best_profit is None or profit > best_profit:
            best_size, best_profit = size, profit
    return best_size, (best_profit if best_profit is not None else 0)


def decide(pool: PoolState, nav: float, costs: Costs = Costs()) -> Plan:
    """Chooses ``mint_and_sell``, ``buy_and_redeem`` or ``none``.

    ``nav`` is in whole cash units per whole share (divide a USD NAV by the
    cash token's USD price first). The size is the exact-integer closed form
    (and its neighbours), scored with the integer model; a trade is proposed
    only if its exact profit after every fee and gas is positive.
    """
    if not nav > 0:
        raise ValueError(f"nav must be positive, got {nav}")
    price_before = pool.price()
    premium_before = premium(price_before, nav)
    gas_whole = costs.gas_cost / 10**pool.cash_decimals
    band = no_arbitrage_band(
        pool.fee_bps, costs.creation_fee_bps, costs.redemption_fee_bps,
        gas_cost=gas_whole, nav=nav, depth=pool.depth,
    )
    nothing = Plan("none", 0, 0, 0, 0, nav, price_before, price_before,
                   premium_before, premium_before, band)

    a = optimal_mint_and_sell_units(pool, nav, costs.creation_fee_bps)
    if a > 0:
        size, profit = _best({a - 1, a, a + 1},
                             lambda s: mint_and_sell_profit_units(pool, s, nav, costs))
        if size > 0 and profit > 0:
            out, after = pool.swap(size, cash_in=False)
            paid = mint_cost(size, nav, costs.creation_fee_bps, pool.index_decimals,
                             pool.cash_decimals)
            return Plan("mint_and_sell", size, out, paid, profit, nav, price_before,
                        after.price(), premium_before, premium(after.price(), nav), band)
        return nothing

    b = optimal_buy_and_redeem_units(pool, nav, costs.redemption_fee_bps)
    if b > 0:
        size, profit = _best({b - 1, b, b + 1},
                             lambda s: buy_and_redeem_profit_units(pool, s, nav, costs))
        if size > 0 and profit > 0:
            out, after = pool.swap(size, cash_in=True)
            got = redeem_proceeds(out, nav, costs.redemption_fee_bps, pool.index_decimals,
                                  pool.cash_decimals)
            return Plan("buy_and_redeem", size, out, got, profit, nav, price_before,
                        after.price(), premium_before, premium(after.price(), nav), band)
    return nothing
