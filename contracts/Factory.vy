# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Index factory
@notice Creates a new index in one transaction: deploys its IndexToken as an
        EIP-1167 clone of the token implementation (initialised with the
        Issuer as only minter) and registers it with
        the BasketRegistry (first basket, compiler, management fee), the
        ReserveOracle (custodian signers, threshold) and the Issuer (cash
        token, fees, limits, first WLPs and PMMs). A new index has no
        holders yet, so its first parties need no timelock; every later
        addition goes through the Timelock.
@dev The registry, oracle and issuer are shared by every index and the token
     is a 45-byte clone, so creating an index writes little more than its
     settings. Clones are not upgradeable: they always delegate to the one
     implementation fixed here.
@custom:kill The owner can stop index creation by pointing the other
             contracts' `factory` elsewhere; existing indices are unaffected.
"""

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from .interfaces import IBasketRegistry
from .interfaces import IReserveOracle
from .interfaces import IIssuer

initializes: ownable
initializes: ownable_2step[ownable := ownable]

exports: (
    ownable_2step.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
)


interface IIndexToken:
    def initialize(name_: String[25], symbol_: String[16], issuer_: address): nonpayable


# @dev Largest basket and signer set (as in the registry and oracle).
MAX_ASSETS: constant(uint256) = 16
MAX_SIGNERS: constant(uint256) = 16
# @dev Largest first WLP or PMM list (as in the issuer).
MAX_PARTIES: constant(uint256) = 8


# @dev Everything a new index needs.
struct IndexParams:
    name: String[25]
    symbol: String[16]
    asset_ids: DynArray[bytes32, MAX_ASSETS]
    units: DynArray[uint256, MAX_ASSETS]
    compiler: address
    management_fee_rate: uint256
    signers: DynArray[address, MAX_SIGNERS]
    threshold: uint256
    cash_token: address
    treasury: address
    creation_fee_bps: uint256
    redemption_fee_bps: uint256
    request_timeout: uint256
    min_shares: uint256
    max_shares: uint256
    wlps: DynArray[address, MAX_PARTIES]
    pmms: DynArray[address, MAX_PARTIES]


# @dev The IndexToken implementation every index token is a clone of.
token_implementation: public(immutable(address))
# @dev The shared protocol contracts.
registry: public(immutable(address))
oracle: public(immutable(address))
issuer: public(immutable(address))

# @dev Number of indices created (the `IndexCreated` events list them).
index_count: public(uint256)


# @dev Emitted when an index is created.
event IndexCreated:
    index: indexed(address)
    symbol: String[16]
    name: String[25]


@deploy
def __init__(token_implementation_: address, registry_: address, oracle_: address, issuer_: address):
    """
    @dev The deployer becomes the owner.
    @param token_implementation_ The deployed IndexToken implementation.
    @param registry_ The BasketRegistry.
    @param oracle_ The ReserveOracle.
    @param issuer_ The Issuer.
    """
    ownable.__init__()
    ownable_2step.__init__()
    token_implementation = token_implementation_
    registry = registry_
    oracle = oracle_
    issuer = issuer_


@external
def create_index(params: IndexParams) -> address:
    """
    @notice Deploys and registers a new index. Owner only.
    @param params Name, ticker, first basket, roles, fees and first WLPs/PMMs (see IndexParams).
    @return The new index token.
    """
    ownable._check_owner()
    token: address = create_minimal_proxy_to(token_implementation)
    extcall IIndexToken(token).initialize(params.name, params.symbol, issuer)
    self.index_count += 1
    log IndexCreated(index=token, symbol=params.symbol, name=params.name)
    extcall IBasketRegistry(registry).register_index(
        token, params.asset_ids, params.units, params.compiler, params.management_fee_rate
    )
    extcall IReserveOracle(oracle).register_index(token, params.signers, params.threshold)
    extcall IIssuer(issuer).register_index(
        token,
        params.cash_token,
        params.treasury,
        params.creation_fee_bps,
        params.redemption_fee_bps,
        params.request_timeout,
        params.min_shares,
        params.max_shares,
        params.wlps,
        params.pmms,
    )
    return token

