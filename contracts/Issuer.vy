# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Issuer: WLP mint and redeem requests settled by PMMs
@notice Whitelisted liquidity providers (WLPs) create and redeem index shares
        at prices quoted by allow-listed market makers (PMMs).

        Mint: the WLP submits a PMM-signed quote; cash plus the creation fee
        is escrowed here. The PMM buys the basket, delivers it to the
        custodian and records the delivery. Once a custodian reserve report
        covers the supply after the mint, anyone settles: shares to the WLP,
        cash to the PMM, fee to the treasury.

        Redeem: the WLP submits a PMM-signed quote; its shares are escrowed
        here. The PMM fills: it pays the cash (less the redemption fee) to
        the WLP and the fee to the treasury, the shares are burned, and the
        event tells the custodian which basket units to release to the PMM.

        Nothing gets stuck: a PMM may reject an open request, and the WLP may
        cancel it once `cancel_after` has passed, even while paused; both
        refund the escrow in full.
@dev Requests are stored as a hash of the `Request` struct plus a status, two
     storage slots per request; every later call passes the struct (emitted
     in full by `MintRequested`/`RedeemRequested`) and it is checked against
     the hash. Escrow totals are kept per token so that the escrow invariant
     (balance held == sum of open escrows) can be read on-chain.
@custom:kill The guardian pauses new requests, deliveries and mint
             settlement. Cancel, reject and redemption fills stay open.
"""

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.utils import ecdsa
from snekmate.utils import eip712_domain_separator
from snekmate.utils import math
from .modules import guard
from .interfaces import IBasketRegistry
from .interfaces import IReserveOracle
from .interfaces import IIssuer
from ethereum.ercs import IERC20

implements: IIssuer

initializes: ownable
initializes: ownable_2step[ownable := ownable]
initializes: guard[ownable := ownable]
initializes: eip712_domain_separator

exports: (
    ownable_2step.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
    guard.guardian,
    guard.paused,
    guard.set_guardian,
    guard.pause,
    guard.unpause,
    eip712_domain_separator.eip712Domain,
)


interface IIndexToken:
    def mint(owner: address, amount: uint256): nonpayable
    def burn(amount: uint256): nonpayable


# @dev Largest basket (as in the registry).
MAX_ASSETS: constant(uint256) = 16
# @dev Fee denominator: basis points.
BPS: constant(uint256) = 10_000
# @dev Units are per 1e18 share-wei and scaled by 1e18.
UNIT_DENOMINATOR: constant(uint256) = 10**36
# @dev Request sides.
MINT: constant(uint8) = 0
REDEEM: constant(uint8) = 1
# @dev Request statuses.
OPEN: constant(uint8) = 1
DELIVERED: constant(uint8) = 2
SETTLED: constant(uint8) = 3
CANCELLED: constant(uint8) = 4
REJECTED: constant(uint8) = 5
# @dev Bounds of the cancellation timeout.
MIN_TIMEOUT: constant(uint256) = 3600
MAX_TIMEOUT: constant(uint256) = 30 * 86400
# @dev EIP-712 type hash of a PMM quote.
QUOTE_TYPEHASH: constant(bytes32) = keccak256(
    "Quote(address index,uint8 side,uint256 shares,uint256 cash,address cashToken,address wlp,uint256 deadline,uint256 nonce)"
)


# @dev A PMM quote, as signed: `shares` of `index` for `cash` of `cashToken`.
struct Quote:
    index: address
    side: uint8
    shares: uint256
    cash: uint256
    cashToken: address
    wlp: address
    deadline: uint256
    nonce: uint256


# @dev A request, as hashed into storage and emitted in full.
struct Request:
    id: uint256
    index: address
    side: uint8
    wlp: address
    pmm: address
    shares: uint256
    cash: uint256
    fee: uint256
    cancel_after: uint256


# @dev Per-index settings.
struct IndexConfig:
    cash_token: address
    treasury: address
    creation_fee_bps: uint256
    redemption_fee_bps: uint256
    request_timeout: uint256
    min_shares: uint256
    max_shares: uint256


# @dev Highest creation or redemption fee, in bps, fixed at deploy.
max_fee_bps: public(immutable(uint256))
# @dev The basket registry.
registry: public(immutable(address))
# @dev The reserve oracle.
oracle: public(immutable(address))

# @dev The Factory allowed to register indices.
factory: public(address)
# @dev Per index: settings (empty cash token = unknown index).
configs: public(HashMap[address, IndexConfig])
# @dev Per index and account: whitelisted LP.
is_wlp: public(HashMap[address, HashMap[address, bool]])
# @dev Per index and account: allow-listed market maker.
is_pmm: public(HashMap[address, HashMap[address, bool]])
# @dev Per PMM and nonce: quote already used.
nonce_used: public(HashMap[address, HashMap[uint256, bool]])
# @dev Number of requests so far; ids start at 1.
request_count: public(uint256)
# @dev Per request id: keccak256 of the ABI-encoded `Request`.
request_hash: public(HashMap[uint256, bytes32])
# @dev Per request id: status (1 open, 2 delivered, 3 settled, 4 cancelled, 5 rejected).
request_status: public(HashMap[uint256, uint8])
# @dev Per token: amount held in escrow for open requests.
escrowed: public(HashMap[address, uint256])


# @dev Emitted when the factory changes.
event FactorySet:
    factory: indexed(address)


# @dev Emitted when an index is registered or its settings change.
event IndexConfigured:
    index: indexed(address)
    cash_token: address
    treasury: address
    creation_fee_bps: uint256
    redemption_fee_bps: uint256
    request_timeout: uint256
    min_shares: uint256
    max_shares: uint256


# @dev Emitted when a WLP is added or removed.
event WlpSet:
    index: indexed(address)
    account: indexed(address)
    allowed: bool


# @dev Emitted when a PMM is added or removed.
event PmmSet:
    index: indexed(address)
    account: indexed(address)
    allowed: bool


# @dev Emitted when a mint request is opened (all `Request` fields).
event MintRequested:
    id: indexed(uint256)
    index: indexed(address)
    wlp: indexed(address)
    pmm: address
    shares: uint256
    cash: uint256
    fee: uint256
    cancel_after: uint256
    quote_nonce: uint256


# @dev Emitted when a redeem request is opened (all `Request` fields).
event RedeemRequested:
    id: indexed(uint256)
    index: indexed(address)
    wlp: indexed(address)
    pmm: address
    shares: uint256
    cash: uint256
    fee: uint256
    cancel_after: uint256
    quote_nonce: uint256


# @dev Emitted when the PMM records delivery of the basket to the custodian.
event MintDelivered:
    id: indexed(uint256)
    reference: bytes32


# @dev Emitted when a mint settles.
event MintSettled:
    id: indexed(uint256)
    index: indexed(address)
    wlp: indexed(address)
    shares: uint256
    cash: uint256
    fee: uint256


# @dev Emitted when a redemption is filled; `units` tells the custodian what
# to release to the PMM (rounded down), in basket order of `basket_version`.
event RedeemFilled:
    id: indexed(uint256)
    index: indexed(address)
    wlp: indexed(address)
    pmm: address
    shares: uint256
    cash: uint256
    fee: uint256
    basket_version: uint256
    units: DynArray[uint256, MAX_ASSETS]


# @dev Emitted when a PMM rejects a request (escrow refunded).
event RequestRejected:
    id: indexed(uint256)
    reason: bytes32


# @dev Emitted when a WLP cancels a request after its timeout (escrow refunded).
event RequestCancelled:
    id: indexed(uint256)


@deploy
def __init__(registry_: address, oracle_: address, guardian_: address, max_fee_bps_: uint256):
    """
    @dev The deployer becomes the owner.
    @param registry_ The BasketRegistry.
    @param oracle_ The ReserveOracle.
    @param guardian_ Address allowed to pause.
    @param max_fee_bps_ Cap on creation and redemption fees, at most 500 (5%).
    """
    assert registry_ != empty(address) and oracle_ != empty(address), "issuer: zero address"
    assert max_fee_bps_ <= 500, "issuer: fee cap too high"
    ownable.__init__()
    ownable_2step.__init__()
    guard.__init__(guardian_)
    eip712_domain_separator.__init__("SSI Issuer", "1")
    registry = registry_
    oracle = oracle_
    max_fee_bps = max_fee_bps_


# ---------------------------------------------------------------- admin ----


@external
def set_factory(factory_: address):
    """
    @notice Sets the Factory allowed to register indices. Owner only.
    @param factory_ The factory address (empty to disable).
    """
    ownable._check_owner()
    self.factory = factory_
    log FactorySet(factory=factory_)


@external
def register_index(
    index: address,
    cash_token: address,
    treasury: address,
    creation_fee_bps: uint256,
    redemption_fee_bps: uint256,
    request_timeout: uint256,
    min_shares: uint256,
    max_shares: uint256,
):
    """
    @notice Registers an index and its settings. Factory only.
    @dev The cash token of an index never changes, so open escrows always
         refund in the token they were paid in.
    @param index The index token.
    @param cash_token Token quotes are paid in (e.g. USDC).
    @param treasury Receiver of creation and redemption fees.
    @param creation_fee_bps Creation fee in bps of the cash amount.
    @param redemption_fee_bps Redemption fee in bps of the cash amount.
    @param request_timeout Seconds after which a WLP may cancel.
    @param min_shares Smallest request, in share-wei.
    @param max_shares Largest request, in share-wei.
    """
    assert msg.sender == self.factory, "issuer: not factory"
    assert self.configs[index].cash_token == empty(address), "issuer: index exists"
    assert cash_token != empty(address), "issuer: zero address"
    self._configure(index, cash_token, treasury, creation_fee_bps, redemption_fee_bps, request_timeout, min_shares, max_shares)


@external
def set_index_config(
    index: address,
    treasury: address,
    creation_fee_bps: uint256,
    redemption_fee_bps: uint256,
    request_timeout: uint256,
    min_shares: uint256,
    max_shares: uint256,
):
    """
    @notice Changes an index's settings (not its cash token). Owner only.
    @dev Open requests keep the fee and `cancel_after` they were opened with.
    @param index The index token.
    @param treasury Receiver of fees.
    @param creation_fee_bps Creation fee in bps.
    @param redemption_fee_bps Redemption fee in bps.
    @param request_timeout Seconds after which a WLP may cancel.
    @param min_shares Smallest request, in share-wei.
    @param max_shares Largest request, in share-wei.
    """
    ownable._check_owner()
    cash_token: address = self.configs[index].cash_token
    assert cash_token != empty(address), "issuer: unknown index"
    self._configure(index, cash_token, treasury, creation_fee_bps, redemption_fee_bps, request_timeout, min_shares, max_shares)


@external
def set_wlp(index: address, account: address, allowed: bool):
    """
    @notice Adds or removes a whitelisted LP of an index. Owner only.
    @param index The index token.
    @param account The WLP.
    @param allowed True to add, False to remove.
    """
    ownable._check_owner()
    self.is_wlp[index][account] = allowed
    log WlpSet(index=index, account=account, allowed=allowed)


@external
def set_pmm(index: address, account: address, allowed: bool):
    """
    @notice Adds or removes an allow-listed market maker of an index. Owner only.
    @param index The index token.
    @param account The PMM (its quote-signing address).
    @param allowed True to add, False to remove.
    """
    ownable._check_owner()
    self.is_pmm[index][account] = allowed
    log PmmSet(index=index, account=account, allowed=allowed)


# ----------------------------------------------------------------- mint ----


@external
def request_mint(quote: Quote, signature: Bytes[65], max_fee: uint256) -> uint256:
    """
    @notice Opens a mint request at a PMM-signed quote and escrows
            `quote.cash` + fee of the cash token from the caller (approve first).
    @dev Fee = ceil(cash * creation_fee_bps / 10000): rounded up, the protocol's favour.
    @param quote The quote (side 0), signed by an allow-listed PMM of the index.
    @param signature The PMM's 65-byte EIP-712 signature of the quote.
    @param max_fee Highest creation fee the WLP accepts, in cash base units.
    @return The request id.
    """
    guard._check_not_paused()
    assert quote.side == MINT, "issuer: wrong side"
    pmm: address = self._accept_quote(quote, signature)
    fee: uint256 = math._mul_div(quote.cash, self.configs[quote.index].creation_fee_bps, BPS, True)
    assert fee <= max_fee, "issuer: fee above max"
    request: Request = self._open(quote, pmm, fee)
    cash_token: address = quote.cashToken
    self.escrowed[cash_token] += quote.cash + fee
    log MintRequested(
        id=request.id,
        index=quote.index,
        wlp=quote.wlp,
        pmm=pmm,
        shares=quote.shares,
        cash=quote.cash,
        fee=fee,
        cancel_after=request.cancel_after,
        quote_nonce=quote.nonce,
    )
    self._pull(cash_token, msg.sender, quote.cash + fee)
    return request.id


@external
def deliver_mint(request: Request, reference: bytes32):
    """
    @notice Records that the PMM delivered the basket to the custodian. Request's PMM only.
    @param request The mint request.
    @param reference Off-chain reference of the delivery (e.g. a hash of the transfer ids).
    """
    guard._check_not_paused()
    assert self._status(request) == OPEN, "issuer: not open"
    assert request.side == MINT, "issuer: not a mint"
    assert msg.sender == request.pmm, "issuer: not request pmm"
    self.request_status[request.id] = DELIVERED
    log MintDelivered(id=request.id, reference=reference)


@external
def settle_mint(request: Request):
    """
    @notice Settles a delivered mint: shares to the WLP, cash to the PMM, fee
            to the treasury. Anyone, once a fresh reserve report covers the
            supply after the mint for every asset of the current basket.
    @dev Backing: balance >= ceil((supply + shares) * units / 1e36) with units
         rounded up; both roundings are the protocol's favour.
    @param request The mint request.
    """
    guard._check_not_paused()
    status: uint8 = self._status(request)
    assert request.side == MINT, "issuer: not a mint"
    assert status == DELIVERED, "issuer: not delivered"
    index: address = request.index
    version: uint256 = staticcall IBasketRegistry(registry).version(index)
    supply: uint256 = staticcall IERC20(index).totalSupply()
    # Reverts with the oracle's reason (no report, stale, reserves short); True otherwise.
    assert staticcall IReserveOracle(oracle).check_backing(index, version, supply + request.shares)
    self.request_status[request.id] = SETTLED
    cash_token: address = self.configs[index].cash_token
    self.escrowed[cash_token] -= request.cash + request.fee
    log MintSettled(
        id=request.id, index=index, wlp=request.wlp, shares=request.shares, cash=request.cash, fee=request.fee
    )
    extcall IIndexToken(index).mint(request.wlp, request.shares)
    self._push(cash_token, request.pmm, request.cash)
    if request.fee != 0:
        self._push(cash_token, self.configs[index].treasury, request.fee)


# --------------------------------------------------------------- redeem ----


@external
def request_redeem(quote: Quote, signature: Bytes[65], max_fee: uint256) -> uint256:
    """
    @notice Opens a redeem request at a PMM-signed quote and escrows
            `quote.shares` from the caller (approve first).
    @dev Fee = ceil(cash * redemption_fee_bps / 10000), deducted from the
         cash paid to the WLP: rounded up, the protocol's favour.
    @param quote The quote (side 1), signed by an allow-listed PMM of the index.
    @param signature The PMM's 65-byte EIP-712 signature of the quote.
    @param max_fee Highest redemption fee the WLP accepts, in cash base units.
    @return The request id.
    """
    guard._check_not_paused()
    assert quote.side == REDEEM, "issuer: wrong side"
    pmm: address = self._accept_quote(quote, signature)
    fee: uint256 = math._mul_div(quote.cash, self.configs[quote.index].redemption_fee_bps, BPS, True)
    assert fee <= max_fee, "issuer: fee above max"
    request: Request = self._open(quote, pmm, fee)
    self.escrowed[quote.index] += quote.shares
    log RedeemRequested(
        id=request.id,
        index=quote.index,
        wlp=quote.wlp,
        pmm=pmm,
        shares=quote.shares,
        cash=quote.cash,
        fee=fee,
        cancel_after=request.cancel_after,
        quote_nonce=quote.nonce,
    )
    self._pull(quote.index, msg.sender, quote.shares)
    return request.id


@external
def fill_redeem(request: Request):
    """
    @notice Fills a redemption: the PMM pays cash less fee to the WLP and the
            fee to the treasury (approve first), the escrowed shares are
            burned, and `RedeemFilled` lists the basket units the custodian
            releases to the PMM. Request's PMM only; works while paused
            (it completes an exit).
    @dev Units released = floor(shares * units / 1e36), units rounded down:
         the protocol's favour.
    @param request The redeem request.
    """
    assert self._status(request) == OPEN, "issuer: not open"
    assert request.side == REDEEM, "issuer: not a redeem"
    assert msg.sender == request.pmm, "issuer: not request pmm"
    index: address = request.index
    version: uint256 = staticcall IBasketRegistry(registry).version(index)
    units: DynArray[uint256, MAX_ASSETS] = staticcall IBasketRegistry(registry).effective_units(index, version, False)
    released: DynArray[uint256, MAX_ASSETS] = []
    for u: uint256 in units:
        released.append(math._mul_div(request.shares, u, UNIT_DENOMINATOR, False))
    self.request_status[request.id] = SETTLED
    self.escrowed[index] -= request.shares
    log RedeemFilled(
        id=request.id,
        index=index,
        wlp=request.wlp,
        pmm=request.pmm,
        shares=request.shares,
        cash=request.cash,
        fee=request.fee,
        basket_version=version,
        units=released,
    )
    cash_token: address = self.configs[index].cash_token
    self._pull_to(cash_token, msg.sender, request.wlp, request.cash - request.fee)
    if request.fee != 0:
        self._pull_to(cash_token, msg.sender, self.configs[index].treasury, request.fee)
    extcall IIndexToken(index).burn(request.shares)


# -------------------------------------------------------------- refunds ----


@external
def reject(request: Request, reason: bytes32):
    """
    @notice Rejects an open (or delivered, not settled) request and refunds
            the WLP in full. Request's PMM only; works while paused.
    @param request The request.
    @param reason Short machine-readable reason.
    """
    status: uint8 = self._status(request)
    assert status == OPEN or status == DELIVERED, "issuer: not open"
    assert msg.sender == request.pmm, "issuer: not request pmm"
    self.request_status[request.id] = REJECTED
    log RequestRejected(id=request.id, reason=reason)
    self._refund(request)


@external
def cancel(request: Request):
    """
    @notice Cancels an unsettled request once `cancel_after` has passed and
            refunds the WLP in full. Request's WLP only; works while paused.
    @param request The request.
    """
    status: uint8 = self._status(request)
    assert status == OPEN or status == DELIVERED, "issuer: not open"
    assert msg.sender == request.wlp, "issuer: not request wlp"
    assert block.timestamp >= request.cancel_after, "issuer: too early to cancel"
    self.request_status[request.id] = CANCELLED
    log RequestCancelled(id=request.id)
    self._refund(request)


# ---------------------------------------------------------------- views ----


@external
@view
def quote_digest(quote: Quote) -> bytes32:
    """
    @notice The EIP-712 digest a PMM signs for `quote`.
    @param quote The quote.
    @return The digest.
    """
    return self._quote_digest(quote)


@external
@view
def status_of(request: Request) -> uint8:
    """
    @notice Status of a request, after checking it against its stored hash.
    @param request The request.
    @return 1 open, 2 delivered, 3 settled, 4 cancelled, 5 rejected.
    """
    return self._status(request)


@external
@view
def creation_fee(index: address, cash: uint256) -> uint256:
    """
    @notice Creation fee for a mint of `cash`, rounded up.
    @param index The index token.
    @param cash Cash amount of the quote.
    @return Fee in cash base units.
    """
    return math._mul_div(cash, self.configs[index].creation_fee_bps, BPS, True)


@external
@view
def redemption_fee(index: address, cash: uint256) -> uint256:
    """
    @notice Redemption fee for a redemption of `cash`, rounded up.
    @param index The index token.
    @param cash Cash amount of the quote.
    @return Fee in cash base units.
    """
    return math._mul_div(cash, self.configs[index].redemption_fee_bps, BPS, True)


# ------------------------------------------------------------ internals ----


@internal
@view
def _quote_digest(quote: Quote) -> bytes32:
    """
    @dev EIP-712 digest of a quote under this contract's domain.
    """
    return eip712_domain_separator._hash_typed_data_v4(
        keccak256(
            abi_encode(
                QUOTE_TYPEHASH,
                quote.index,
                quote.side,
                quote.shares,
                quote.cash,
                quote.cashToken,
                quote.wlp,
                quote.deadline,
                quote.nonce,
            )
        )
    )


@internal
def _accept_quote(quote: Quote, signature: Bytes[65]) -> address:
    """
    @dev Every check a quote must pass; marks its nonce used. Returns the PMM.
    """
    cfg_cash: address = self.configs[quote.index].cash_token
    assert cfg_cash != empty(address), "issuer: unknown index"
    assert msg.sender == quote.wlp, "issuer: not quote wlp"
    assert self.is_wlp[quote.index][msg.sender], "issuer: not wlp"
    assert quote.cashToken == cfg_cash, "issuer: wrong cash token"
    assert block.timestamp <= quote.deadline, "issuer: quote expired"
    assert quote.shares >= self.configs[quote.index].min_shares and quote.shares <= self.configs[quote.index].max_shares, "issuer: amount out of range"
    assert quote.cash != 0, "issuer: zero cash"
    pmm: address = ecdsa._recover_sig(self._quote_digest(quote), signature)
    assert self.is_pmm[quote.index][pmm], "issuer: signer not pmm"
    assert not self.nonce_used[pmm][quote.nonce], "issuer: nonce used"
    self.nonce_used[pmm][quote.nonce] = True
    return pmm


@internal
def _open(quote: Quote, pmm: address, fee: uint256) -> Request:
    """
    @dev Stores a new request's hash and status.
    """
    request_id: uint256 = self.request_count + 1
    self.request_count = request_id
    request: Request = Request(
        id=request_id,
        index=quote.index,
        side=quote.side,
        wlp=quote.wlp,
        pmm=pmm,
        shares=quote.shares,
        cash=quote.cash,
        fee=fee,
        cancel_after=block.timestamp + self.configs[quote.index].request_timeout,
    )
    self.request_hash[request_id] = keccak256(abi_encode(request))
    self.request_status[request_id] = OPEN
    return request


@internal
@view
def _status(request: Request) -> uint8:
    """
    @dev Checks the struct against its stored hash and returns the status.
    """
    assert self.request_hash[request.id] == keccak256(abi_encode(request)), "issuer: unknown request"
    return self.request_status[request.id]


@internal
def _refund(request: Request):
    """
    @dev Returns the whole escrow of a request to its WLP.
    """
    if request.side == MINT:
        cash_token: address = self.configs[request.index].cash_token
        self.escrowed[cash_token] -= request.cash + request.fee
        self._push(cash_token, request.wlp, request.cash + request.fee)
    else:
        self.escrowed[request.index] -= request.shares
        self._push(request.index, request.wlp, request.shares)


@internal
def _configure(
    index: address,
    cash_token: address,
    treasury: address,
    creation_fee_bps: uint256,
    redemption_fee_bps: uint256,
    request_timeout: uint256,
    min_shares: uint256,
    max_shares: uint256,
):
    """
    @dev Validates and stores an index's settings.
    """
    assert treasury != empty(address), "issuer: zero address"
    assert creation_fee_bps <= max_fee_bps and redemption_fee_bps <= max_fee_bps, "issuer: fee above cap"
    assert request_timeout >= MIN_TIMEOUT and request_timeout <= MAX_TIMEOUT, "issuer: bad timeout"
    assert min_shares != 0 and min_shares <= max_shares, "issuer: bad limits"
    self.configs[index] = IndexConfig(
        cash_token=cash_token,
        treasury=treasury,
        creation_fee_bps=creation_fee_bps,
        redemption_fee_bps=redemption_fee_bps,
        request_timeout=request_timeout,
        min_shares=min_shares,
        max_shares=max_shares,
    )
    log IndexConfigured(
        index=index,
        cash_token=cash_token,
        treasury=treasury,
        creation_fee_bps=creation_fee_bps,
        redemption_fee_bps=redemption_fee_bps,
        request_timeout=request_timeout,
        min_shares=min_shares,
        max_shares=max_shares,
    )


@internal
def _pull(token: address, owner: address, amount: uint256):
    """
    @dev transferFrom owner to this contract; tolerates tokens that return nothing.
    """
    assert extcall IERC20(token).transferFrom(owner, self, amount, default_return_value=True), "issuer: transfer failed"


@internal
def _pull_to(token: address, owner: address, to: address, amount: uint256):
    """
    @dev transferFrom owner to `to`; tolerates tokens that return nothing.
    """
    assert extcall IERC20(token).transferFrom(owner, to, amount, default_return_value=True), "issuer: transfer failed"


@internal
def _push(token: address, to: address, amount: uint256):
    """
    @dev transfer from this contract; tolerates tokens that return nothing.
    """
    assert extcall IERC20(token).transfer(to, amount, default_return_value=True), "issuer: transfer failed"
