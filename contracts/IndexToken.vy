# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Index token (e.g. MAG7.ssi)
@notice ERC-20 with 18 decimals and EIP-2612 permit. Each share is a claim on
        the basket of its index (see BasketRegistry). Only the Issuer mints
        (when a mint request settles against a reserve report) and burns (the
        shares a redemption escrowed with it).
@dev Built on snekmate's `erc20` module. The module keeps its own symbol as
     `String[5]`, too short for names like "MAG7.ssi", so its `symbol` is not
     exported and this contract defines `symbol()` itself. There is no owner:
     the constructor makes the Issuer the only minter and renounces ownership,
     so no one can add a minter later.
@custom:kill The token has no pause of its own; the Issuer's pause stops all
             minting and redemption requests. Transfers are never stopped.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

implements: IERC20

from snekmate.auth import ownable
from snekmate.tokens import erc20

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
    erc20.decimals,
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
    erc20.is_minter,
    # `mint` checks `is_minter`, which only the Issuer holds.
    erc20.mint,
    # `burn` burns the caller's own balance: the Issuer burns escrowed shares.
    erc20.burn,
    # Not exported on purpose: `symbol` (too short, replaced below), `burn_from`,
    # `set_minter`, `transfer_ownership`, `renounce_ownership` (there is no owner).
)


# @dev The ticker, e.g. "MAG7.ssi".
symbol: public(immutable(String[16]))

# @dev The Issuer, the only address that may mint.
issuer: public(immutable(address))


@deploy
def __init__(name_: String[25], symbol_: String[16], issuer_: address):
    """
    @dev Deployed by the Factory from a blueprint.
    @param name_ Full name, also the EIP-712 domain name of `permit`.
    @param symbol_ Ticker such as "MAG7.ssi".
    @param issuer_ The Issuer contract: the only minter.
    """
    assert issuer_ != empty(address), "token: zero issuer"
    ownable.__init__()
    erc20.__init__(name_, "SSI", 18, name_, "1")
    symbol = symbol_
    issuer = issuer_
    # The deployer got the minter role from the module: move it to the Issuer.
    erc20.is_minter[msg.sender] = False
    log erc20.RoleMinterChanged(minter=msg.sender, status=False)
    erc20.is_minter[issuer_] = True
    log erc20.RoleMinterChanged(minter=issuer_, status=True)
    ownable._transfer_ownership(empty(address))
