# pragma version ~=0.4.3
"""
@title Fee-on-transfer ERC-20 for tests
@notice A minimal ERC-20 that burns `fee_bps` of every transfer: the
        receiver gets `amount - fee`, the sender pays `amount`. `mint` and
        `set_fee_bps` are open to anyone (the fee starts at `fee_bps_` and
        can be switched on later, as some real tokens allow). It exists to
        show that the protocol refuses tokens that deliver less than asked.
        Never deploy it to a real network.
@custom:kill Not a protocol contract: nothing to stop.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

implements: IERC20
implements: IERC20Detailed


# @dev Basis points in one.
BPS: constant(uint256) = 10_000

# @dev Token name.
name: public(String[25])
# @dev Token symbol.
symbol: public(String[5])
# @dev Decimals reported by `decimals()`.
decimals: public(uint8)
# @dev Sum of all balances.
totalSupply: public(uint256)
# @dev Per holder: balance.
balanceOf: public(HashMap[address, uint256])
# @dev Per holder and spender: allowance.
allowance: public(HashMap[address, HashMap[address, uint256]])
# @dev Share of every transfer burned, in basis points.
fee_bps: public(uint256)


@deploy
def __init__(name_: String[25], symbol_: String[5], decimals_: uint8, fee_bps_: uint256):
    """
    @dev Deploys the token.
    @param name_ Token name.
    @param symbol_ Token symbol.
    @param decimals_ Decimals.
    @param fee_bps_ Fee burned on every transfer, in basis points (at most 10,000).
    """
    assert fee_bps_ <= BPS, "fot: bad fee"
    self.name = name_
    self.symbol = symbol_
    self.decimals = decimals_
    self.fee_bps = fee_bps_


@external
def transfer(to: address, amount: uint256) -> bool:
    """
    @notice Sends `amount` from the caller; `to` receives it less the fee.
    @param to Receiver.
    @param amount Amount debited from the caller.
    @return True.
    """
    self._transfer(msg.sender, to, amount)
    return True


@external
def transferFrom(owner: address, to: address, amount: uint256) -> bool:
    """
    @notice Sends `amount` from `owner` (allowance spent in full); `to` receives it less the fee.
    @param owner Payer.
    @param to Receiver.
    @param amount Amount debited from `owner`.
    @return True.
    """
    self.allowance[owner][msg.sender] -= amount
    self._transfer(owner, to, amount)
    return True


@external
def approve(spender: address, amount: uint256) -> bool:
    """
    @notice Sets the caller's allowance for `spender`.
    @param spender Spender.
    @param amount Allowance.
    @return True.
    """
    self.allowance[msg.sender][spender] = amount
    log IERC20.Approval(owner=msg.sender, spender=spender, value=amount)
    return True


@external
def mint(owner: address, amount: uint256):
    """
    @notice Mints `amount` to `owner`. Open to anyone: test token only.
    @param owner Receiver.
    @param amount Amount.
    """
    self.balanceOf[owner] += amount
    self.totalSupply += amount
    log IERC20.Transfer(sender=empty(address), receiver=owner, value=amount)


@external
def set_fee_bps(fee_bps_: uint256):
    """
    @notice Changes the fee. Open to anyone: test token only.
    @param fee_bps_ Fee in basis points (at most 10,000).
    """
    assert fee_bps_ <= BPS, "fot: bad fee"
    self.fee_bps = fee_bps_


@internal
def _transfer(owner: address, to: address, amount: uint256):
    """
    @dev Debits `amount`, credits `amount - fee`, burns the fee (rounded down).
    """
    fee: uint256 = amount * self.fee_bps // BPS
    self.balanceOf[owner] -= amount
    self.balanceOf[to] += amount - fee
    self.totalSupply -= fee
    log IERC20.Transfer(sender=owner, receiver=to, value=amount - fee)
