# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Index token (e.g. MAG7.ssi)
@notice ERC-20 with 18 decimals and EIP-2612 permit. Each share is a claim on
        the basket of its index (see BasketRegistry). Only the Issuer mints
        (when a mint request settles against a reserve report) and burns (the
        shares a redemption escrowed with it).
@dev Built on snekmate's `erc20` module. The Factory creates every index token
     as an EIP-1167 minimal proxy (a clone, not upgradeable) of one deployed
     implementation and calls `initialize` in the same transaction: creating
     an index then costs about 100k gas for the token instead of about 1M for
     a full copy of its code. Consequences, all deliberate:
     - `name` and `symbol` live in storage (`initialize`), so snekmate's
       immutable name/symbol are not exported. This also lifts the module's
       5-character symbol limit ("MAG7.ssi").
     - The permit domain is snekmate's: name "SSI Index Token", version "1",
       the chain id and `verifyingContract` = this token (the clone), so a
       permit signed for one index is invalid for any other.
     - There is no owner: the implementation renounces it in its constructor
       and clones never had one, so no one can add a minter.
@custom:kill The token has no pause of its own; the Issuer's pause stops all
             minting and redemption requests. Transfers are never stopped.
"""

from ethereum.ercs import IERC20

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
    # Not exported on purpose: the module's immutable `name`/`symbol` (replaced
    # below), `burn_from`, `set_minter`, `transfer_ownership`,
    # `renounce_ownership` (there is no owner).
)


# @dev Full name, e.g. "SoSoValue MAG7 Index".
name: public(String[25])

# @dev The ticker, e.g. "MAG7.ssi".
symbol: public(String[16])

# @dev The Issuer, the only address that may mint.
issuer: public(address)

# @dev Set once; the implementation sets it in its constructor so that it can
# never be initialised as a token itself.
_initialized: bool


# @dev Emitted once, when a clone becomes an index token.
event Initialized:
    name: String[25]
    symbol: String[16]
    issuer: indexed(address)


@deploy
def __init__():
    """
    @dev Deploys the implementation that clones delegate to. It is locked.
    """
    ownable.__init__()
    erc20.__init__("SSI Index Token", "SSI", 18, "SSI Index Token", "1")
    erc20.is_minter[msg.sender] = False
    log erc20.RoleMinterChanged(minter=msg.sender, status=False)
    ownable._transfer_ownership(empty(address))
    self._initialized = True


@external
def initialize(name_: String[25], symbol_: String[16], issuer_: address):
    """
    @notice Makes a fresh clone an index token. Once; the Factory calls it in
            the transaction that creates the clone.
    @param name_ Full name.
    @param symbol_ Ticker such as "MAG7.ssi".
    @param issuer_ The Issuer contract: the only minter.
    """
    assert not self._initialized, "token: initialized"
    assert issuer_ != empty(address), "token: zero issuer"
    self._initialized = True
    self.name = name_
    self.symbol = symbol_
    self.issuer = issuer_
    erc20.is_minter[issuer_] = True
    log erc20.RoleMinterChanged(minter=issuer_, status=True)
    log Initialized(name=name_, symbol=symbol_, issuer=issuer_)
