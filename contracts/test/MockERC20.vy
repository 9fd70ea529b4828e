# pragma version ~=0.4.3
"""
@title Mock ERC-20 for local chains and tests
@notice A plain ERC-20 whose `mint` is open to anyone. It stands in for the
        underlying assets (BTC, ETH, ...) and the cash token (USDC) on a local
        chain. Never deploy it to a real network.
@custom:kill Not a protocol contract: nothing to stop.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

implements: IERC20
implements: IERC20Detailed

from snekmate.tokens import erc20
from snekmate.auth import ownable

initializes: ownable
initializes: erc20[ownable := ownable]

exports: (
    erc20.transfer,
    erc20.transferFrom,
    erc20.approve,
    erc20.balanceOf,
    erc20.allowance,
    erc20.totalSupply,
    erc20.name,
    erc20.symbol,
    erc20.decimals,
)


@deploy
def __init__(name_: String[25], symbol_: String[5], decimals_: uint8):
    """
    @dev Deploys a mock token.
    @param name_ Token name.
    @param symbol_ Token symbol (at most five characters).
    @param decimals_ Decimals reported by `decimals()`.
    """
    ownable.__init__()
    erc20.__init__(name_, symbol_, decimals_, name_, "1")


@external
def mint(owner: address, amount: uint256):
    """
    @notice Mints `amount` to `owner`. Open to anyone: test token only.
    @param owner Receiver of the new tokens.
    @param amount Amount in base units.
    """
    erc20._mint(owner, amount)
