# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Constant-product pool (test venue)
@notice An x * y = k pool of an index token against a cash token, used as
        the secondary market in arbitrage tests and demos. It is NOT a
        protocol contract: no audit, no oracle, no governance, and it
        assumes plain ERC-20 tokens (no fee-on-transfer, no rebasing).
        Never deploy it to a real network.
@dev The fee is taken on the input amount and stays in the pool:
         amount_out = reserve_out * a * (10_000 - fee_bps)
                      / (reserve_in * 10_000 + a * (10_000 - fee_bps))
     rounded down, so every rounding favours the pool. `ssi.arbitrage`
     mirrors this formula exactly in `get_amount_out`.
     Reserves are tracked in storage, not read from balances, so tokens sent
     to the pool without a call to `add_liquidity` are simply lost to it.
@custom:kill Not a protocol contract: nothing to stop.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed


BPS: constant(uint256) = 10_000
WAD: constant(uint256) = 10**18


event LiquidityAdded:
    sender: indexed(address)
    amount_index: uint256
    amount_cash: uint256
    shares: uint256
    reserve_index: uint256
    reserve_cash: uint256


event LiquidityRemoved:
    sender: indexed(address)
    receiver: indexed(address)
    amount_index: uint256
    amount_cash: uint256
    shares: uint256
    reserve_index: uint256
    reserve_cash: uint256


event Swap:
    sender: indexed(address)
    receiver: indexed(address)
    cash_in: bool
    amount_in: uint256
    amount_out: uint256
    reserve_index: uint256
    reserve_cash: uint256


# @notice The index token (the x side of the pool).
index_token: public(immutable(address))
# @notice The cash token (the y side of the pool), e.g. USDC.
cash_token: public(immutable(address))
# @notice Swap fee in basis points, taken on the input amount.
fee_bps: public(immutable(uint256))
# @notice Decimals of the index token, read once at deployment.
index_decimals: public(immutable(uint8))
# @notice Decimals of the cash token, read once at deployment.
cash_decimals: public(immutable(uint8))

# @notice Index token held by the pool, in base units.
reserve_index: public(uint256)
# @notice Cash token held by the pool, in base units.
reserve_cash: public(uint256)
# @notice Liquidity shares per provider (a record; not a token).
liquidity_of: public(HashMap[address, uint256])
# @notice Sum of all liquidity shares.
total_liquidity: public(uint256)


@deploy
def __init__(index_token_: address, cash_token_: address, fee_bps_: uint256):
    """
    @notice Creates an empty pool.
    @param index_token_ The index token (x side).
    @param cash_token_ The cash token (y side).
    @param fee_bps_ Swap fee in basis points on the input (30 = 0.3 %).
    """
    assert index_token_ != empty(address), "pool: zero address"
    assert cash_token_ != empty(address), "pool: zero address"
    assert index_token_ != cash_token_, "pool: same token"
    assert fee_bps_ < BPS, "pool: fee too high"
    index_token = index_token_
    cash_token = cash_token_
    fee_bps = fee_bps_
    index_decimals = staticcall IERC20Detailed(index_token_).decimals()
    cash_decimals = staticcall IERC20Detailed(cash_token_).decimals()


@internal
@view
def _amount_out(amount_in: uint256, reserve_in: uint256, reserve_out: uint256) -> uint256:
    """
    @dev Constant-product output with the fee on the input, rounded down.
    """
    in_with_fee: uint256 = amount_in * (BPS - fee_bps)
    return (in_with_fee * reserve_out) // (reserve_in * BPS + in_with_fee)


@internal
def _pull(token: address, amount: uint256):
    """
    @dev Takes `amount` of `token` from the caller (needs an allowance).
    """
    ok: bool = extcall IERC20(token).transferFrom(
        msg.sender, self, amount, default_return_value=True
    )
    assert ok, "pool: transfer failed"


@internal
def _push(token: address, receiver: address, amount: uint256):
    """
    @dev Sends `amount` of `token` to `receiver`.
    """
    ok: bool = extcall IERC20(token).transfer(receiver, amount, default_return_value=True)
    assert ok, "pool: transfer failed"


@external
def add_liquidity(amount_index: uint256, amount_cash: uint256) -> uint256:
    """
    @notice Deposits both tokens and records liquidity shares for the caller.
    @dev Both amounts are taken in full. The first deposit sets the price and
         receives isqrt(amount_index * amount_cash) shares; later deposits
         receive the smaller of the two pro-rata share counts (rounded down),
         so any amount beyond the current ratio is donated to the pool.
         The caller must have approved both amounts.
    @param amount_index Index token in base units.
    @param amount_cash Cash token in base units.
    @return Liquidity shares recorded for the caller.
    """
    assert amount_index != 0 and amount_cash != 0, "pool: zero amount"
    supply: uint256 = self.total_liquidity
    shares: uint256 = 0
    if supply == 0:
        shares = isqrt(amount_index * amount_cash)
    else:
        shares = min(
            amount_index * supply // self.reserve_index,
            amount_cash * supply // self.reserve_cash,
        )
    assert shares != 0, "pool: zero shares"

    new_index: uint256 = self.reserve_index + amount_index
    new_cash: uint256 = self.reserve_cash + amount_cash
    self.reserve_index = new_index
    self.reserve_cash = new_cash
    self.liquidity_of[msg.sender] += shares
    self.total_liquidity = supply + shares

    self._pull(index_token, amount_index)
    self._pull(cash_token, amount_cash)
    log LiquidityAdded(
        sender=msg.sender,
        amount_index=amount_index,
        amount_cash=amount_cash,
        shares=shares,
        reserve_index=new_index,
        reserve_cash=new_cash,
    )
    return shares


@external
def remove_liquidity(shares: uint256, receiver: address) -> (uint256, uint256):
    """
    @notice Burns the caller's liquidity shares for a pro-rata part of both
            reserves (rounded down).
    @param shares Liquidity shares to burn.
    @param receiver Address that receives both tokens.
    @return The index and cash amounts paid out, in base units.
    """
    assert shares != 0, "pool: zero amount"
    assert receiver != empty(address), "pool: zero address"
    assert self.liquidity_of[msg.sender] >= shares, "pool: insufficient shares"
    supply: uint256 = self.total_liquidity
    out_index: uint256 = self.reserve_index * shares // supply
    out_cash: uint256 = self.reserve_cash * shares // supply

    new_index: uint256 = self.reserve_index - out_index
    new_cash: uint256 = self.reserve_cash - out_cash
    self.reserve_index = new_index
    self.reserve_cash = new_cash
    self.liquidity_of[msg.sender] -= shares
    self.total_liquidity = supply - shares

    self._push(index_token, receiver, out_index)
    self._push(cash_token, receiver, out_cash)
    log LiquidityRemoved(
        sender=msg.sender,
        receiver=receiver,
        amount_index=out_index,
        amount_cash=out_cash,
        shares=shares,
        reserve_index=new_index,
        reserve_cash=new_cash,
    )
    return out_index, out_cash


@external
@view
def get_amount_out(amount_in: uint256, cash_in: bool) -> uint256:
    """
    @notice Quotes a swap without executing it.
    @param amount_in Input amount in base units of the input token.
    @param cash_in True to pay cash for index shares, false to sell index
           shares for cash.
    @return Output amount in base units, rounded down (pool's favour).
    """
    assert amount_in != 0, "pool: zero amount"
    reserve_index: uint256 = self.reserve_index
    reserve_cash: uint256 = self.reserve_cash
    assert reserve_index != 0 and reserve_cash != 0, "pool: no liquidity"
    if cash_in:
        return self._amount_out(amount_in, reserve_cash, reserve_index)
    return self._amount_out(amount_in, reserve_index, reserve_cash)


@external
def swap(amount_in: uint256, cash_in: bool, min_out: uint256, receiver: address) -> uint256:
    """
    @notice Swaps an exact input for as much output as the curve gives.
    @dev The whole input, fee included, is added to the input reserve.
         The caller must have approved `amount_in` of the input token.
    @param amount_in Input amount in base units of the input token.
    @param cash_in True to pay cash for index shares, false to sell index
           shares for cash.
    @param min_out Smallest acceptable output; below it the call reverts
           with "pool: slippage".
    @param receiver Address that receives the output.
    @return Output amount in base units.
    """
    assert amount_in != 0, "pool: zero amount"
    assert receiver != empty(address), "pool: zero address"
    reserve_index: uint256 = self.reserve_index
    reserve_cash: uint256 = self.reserve_cash
    assert reserve_index != 0 and reserve_cash != 0, "pool: no liquidity"

    token_in: address = index_token
    token_out: address = cash_token
    amount_out: uint256 = 0
    if cash_in:
        token_in = cash_token
        token_out = index_token
        amount_out = self._amount_out(amount_in, reserve_cash, reserve_index)
        reserve_cash += amount_in
        reserve_index -= amount_out
    else:
        amount_out = self._amount_out(amount_in, reserve_index, reserve_cash)
        reserve_index += amount_in
        reserve_cash -= amount_out
    assert amount_out != 0, "pool: zero output"
    assert amount_out >= min_out, "pool: slippage"

    self.reserve_index = reserve_index
    self.reserve_cash = reserve_cash

    self._pull(token_in, amount_in)
    self._push(token_out, receiver, amount_out)
    log Swap(
        sender=msg.sender,
        receiver=receiver,
        cash_in=cash_in,
        amount_in=amount_in,
        amount_out=amount_out,
        reserve_index=reserve_index,
        reserve_cash=reserve_cash,
    )
    return amount_out


@external
@view
def reserves() -> (uint256, uint256):
    """
    @notice Both reserves in base units.
    @return The index reserve and the cash reserve.
    """
    return self.reserve_index, self.reserve_cash


@external
@view
def price() -> uint256:
    """
    @notice Spot price: whole cash units per whole index share, as a 1e18
            fixed-point number (rounded down). For USDC against an 18-decimal
            index token, 100 USDC per share reads 100 * 10**18.
    @dev reserve_cash * 10**(18 + index_decimals)
         // (reserve_index * 10**cash_decimals). Fee-free marginal price.
    @return The price, scaled by 1e18.
    """
    reserve_index: uint256 = self.reserve_index
    assert reserve_index != 0 and self.reserve_cash != 0, "pool: no liquidity"
    return (self.reserve_cash * WAD * 10 ** convert(index_decimals, uint256)) // (
        reserve_index * 10 ** convert(cash_decimals, uint256)
    )
