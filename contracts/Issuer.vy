# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Issuer: WLP mint and redeem requests settled by PMMs
@notice Whitelisted liquidity providers (WLPs) create and redeem index shares
        at prices quoted by allow-listed market makers (PMMs).

        Mint: the WLP submits a PMM-signed quote; cash plus the creation fee
        is escrowed here. Before the quote's deadline the PMM buys the basket,
        delivers it to the custodian and records the delivery (a claim, not
        evidence). Once a custodian reserve report dated at or after that
        delivery (and after the index's last outflow) covers every claim on
        the reserves, anyone settles, paused or not: shares to the WLP, cash
        to the PMM, fee to the treasury.

        Redeem: the WLP submits a PMM-signed quote; its shares are escrowed
        here. Before the quote's deadline the PMM fills: it pays the cash
        (less the redemption fee) to the WLP and the fee to the treasury, the
        shares are burned, and `RedeemFilled` tells the custodian which units
        to release to the PMM. The release is an outflow: no supply increase
        is checked against a report dated before it.

        Claims on the reserves of an index, per asset, in share-wei:
        supply + fee shares owed to the treasury and not yet minted + shares
        of delivered, unsettled mints (their baskets are owed back to the PMM
        if the mint is refunded). The management fee is paid in new shares to
        the treasury whenever supply changes (and by anyone, `accrue_fee`), so
        the fee is always a claim and never a surplus that backs new shares.

        Nothing gets stuck: a PMM may reject an open or delivered request; the
        WLP may cancel once `cancel_after` has passed (or, for an undelivered
        request, once the quote's deadline has passed), even while paused. A
        delivered mint that a fresh report already backs cannot be cancelled
        (anyone settles it instead); a refunded delivered mint records its
        basket as owed back to the PMM (`BasketOwed`), which is an outflow.
@dev Requests are stored as a hash of the `Request` struct plus one packed
     state slot (status | delivered-at << 8); every later call passes the
     struct (emitted in full by `MintRequested`/`RedeemRequested`) and it is
     checked against the hash. Per index one packed slot holds the shares of
     delivered unsettled mints and the time of the last outflow. Escrow totals
     are kept per token so that the escrow invariant (balance held == sum of
     open escrows) can be read on-chain; tokens that arrive short (a fee on
     transfer) are refused, and `sweep` returns only what exceeds escrow.
@custom:kill The guardian pauses new requests. Delivery, settlement of a
             backed mint, fills, rejections and cancellations stay open: each
             either returns funds or completes a trade that adds no risk.
             WLP and PMM additions, index settings, fee rates and factory
             re-wiring change only through the Timelock.
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
from .interfaces import ITimelock
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
    # `renounce_ownership` is not exported: the issuer must always have an owner.
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
    def totalSupply() -> uint256: view


# @dev Largest basket (as in the registry).
MAX_ASSETS: constant(uint256) = 16
# @dev Largest WLP or PMM list given at index creation.
MAX_PARTIES: constant(uint256) = 8
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
# @dev Bounds of the cancellation timeout (the upper one is also capped by the timelock delay).
MIN_TIMEOUT: constant(uint256) = 3600
MAX_TIMEOUT: constant(uint256) = 30 * 86400
# @dev Packed per-index flows: pending delivered shares below bit 192, last outflow above.
LOW_192: constant(uint256) = 2**192 - 1
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


# @dev A request, as hashed into storage and emitted in full. `deadline` is
# the quote's: the PMM must deliver or fill by then.
struct Request:
    id: uint256
    index: address
    side: uint8
    wlp: address
    pmm: address
    shares: uint256
    cash: uint256
    fee: uint256
    deadline: uint256
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
# @dev The Timelock: the only caller of the setters that could let supply exceed holdings.
timelock: public(immutable(address))

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
# @dev Per request id: status | (delivery time << 8).
_state: HashMap[uint256, uint256]
# @dev Per index: pending delivered shares | (last outflow time << 192).
_flows: HashMap[address, uint256]
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
    deadline: uint256
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
    deadline: uint256
    cancel_after: uint256
    quote_nonce: uint256


# @dev Emitted when the PMM records delivery of the basket to the custodian.
event MintDelivered:
    id: indexed(uint256)
    index: indexed(address)
    pmm: indexed(address)
    reference: bytes32
    delivered_at: uint256


# @dev Emitted when a mint settles, with the basket version and the reserve
# report (its nonce) that backed it.
event MintSettled:
    id: indexed(uint256)
    index: indexed(address)
    wlp: indexed(address)
    pmm: address
    shares: uint256
    cash: uint256
    fee: uint256
    basket_version: uint256
    report_nonce: uint256


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
    index: indexed(address)
    wlp: indexed(address)
    pmm: address
    reason: bytes32


# @dev Emitted when a WLP cancels a request (escrow refunded).
event RequestCancelled:
    id: indexed(uint256)
    index: indexed(address)
    wlp: indexed(address)
    pmm: address


# @dev Emitted when a refunded delivered mint leaves its basket owed back to
# the PMM: the custodian returns `units` (rounded down) of `basket_version`.
event BasketOwed:
    id: indexed(uint256)
    index: indexed(address)
    pmm: indexed(address)
    basket_version: uint256
    units: DynArray[uint256, MAX_ASSETS]


# @dev Emitted when management fee shares are minted to the treasury.
event FeeSharesMinted:
    index: indexed(address)
    treasury: indexed(address)
    shares: uint256
    fee_factor: uint256


# @dev Emitted when the owner returns tokens sent here by mistake.
event Swept:
    token: indexed(address)
    to: indexed(address)
    amount: uint256


@deploy
def __init__(registry_: address, oracle_: address, timelock_: address, guardian_: address, max_fee_bps_: uint256):
    """
    @dev The deployer becomes the owner.
    @param registry_ The BasketRegistry.
    @param oracle_ The ReserveOracle.
    @param timelock_ The Timelock (risky settings).
    @param guardian_ Address allowed to pause.
    @param max_fee_bps_ Cap on creation and redemption fees, at most 500 (5%).
    """
    assert registry_ != empty(address) and oracle_ != empty(address) and timelock_ != empty(address), "issuer: zero address"
    assert max_fee_bps_ <= 500, "issuer: fee cap too high"
    ownable.__init__()
    ownable_2step.__init__()
    guard.__init__(guardian_)
    eip712_domain_separator.__init__("SSI Issuer", "1")
    registry = registry_
    oracle = oracle_
    timelock = timelock_
    max_fee_bps = max_fee_bps_


# ---------------------------------------------------------------- admin ----


@external
def set_factory(factory_: address):
    """
    @notice Sets the Factory allowed to register indices: the owner once while
            none is set (deployment wiring), the Timelock afterwards.
    @param factory_ The factory address (empty to disable).
    """
    if self.factory == empty(address):
        assert msg.sender == ownable.owner or msg.sender == timelock, "issuer: not owner"
    else:
        assert msg.sender == timelock, "issuer: not timelock"
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
    wlps: DynArray[address, MAX_PARTIES],
    pmms: DynArray[address, MAX_PARTIES],
):
    """
    @notice Registers an index, its settings and its first WLPs and PMMs. Factory only.
    @dev The cash token of an index never changes, so open escrows always
         refund in the token they were paid in.
    @param index The index token.
    @param cash_token Token quotes are paid in (e.g. USDC).
    @param treasury Receiver of creation and redemption fees and of fee shares.
    @param creation_fee_bps Creation fee in bps of the cash amount.
    @param redemption_fee_bps Redemption fee in bps of the cash amount.
    @param request_timeout Seconds after which a WLP may cancel (at most the timelock delay).
    @param min_shares Smallest request, in share-wei.
    @param max_shares Largest request, in share-wei.
    @param wlps First whitelisted LPs.
    @param pmms First allow-listed PMMs.
    """
    assert msg.sender == self.factory, "issuer: not factory"
    assert self.configs[index].cash_token == empty(address), "issuer: index exists"
    assert cash_token != empty(address), "issuer: zero address"
    self._configure(index, cash_token, treasury, creation_fee_bps, redemption_fee_bps, request_timeout, min_shares, max_shares)
    # The index's last outflow starts at its creation: no report from before it counts.
    # (It also keeps the slot non-zero, so the first delivery does not pay for a new slot.)
    self._flows[index] = block.timestamp << 192
    for account: address in wlps:
        self._set_wlp(index, account, True)
    for account: address in pmms:
        self._set_pmm(index, account, True)


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
    @notice Changes an index's settings (not its cash token). Timelock only.
    @dev Open requests keep the fee and `cancel_after` they were opened with.
    @param index The index token.
    @param treasury Receiver of fees.
    @param creation_fee_bps Creation fee in bps.
    @param redemption_fee_bps Redemption fee in bps.
    @param request_timeout Seconds after which a WLP may cancel.
    @param min_shares Smallest request, in share-wei.
    @param max_shares Largest request, in share-wei.
    """
    assert msg.sender == timelock, "issuer: not timelock"
    cash_token: address = self.configs[index].cash_token
    assert cash_token != empty(address), "issuer: unknown index"
    self._configure(index, cash_token, treasury, creation_fee_bps, redemption_fee_bps, request_timeout, min_shares, max_shares)


@external
def set_wlp(index: address, account: address, allowed: bool):
    """
    @notice Adds (Timelock only) or removes (owner or Timelock, at once) a
            whitelisted LP of an index.
    @param index The index token.
    @param account The WLP.
    @param allowed True to add, False to remove.
    """
    self._check_list_change(allowed)
    self._set_wlp(index, account, allowed)


@external
def set_pmm(index: address, account: address, allowed: bool):
    """
    @notice Adds (Timelock only) or removes (owner or Timelock, at once) an
            allow-listed market maker of an index.
    @param index The index token.
    @param account The PMM (its quote-signing address).
    @param allowed True to add, False to remove.
    """
    self._check_list_change(allowed)
    self._set_pmm(index, account, allowed)


@external
def set_fee_rate(index: address, fee_rate: uint256):
    """
    @notice Changes an index's management fee rate, after minting the fee
            accrued at the old rate. Timelock only.
    @param index The index token.
    @param fee_rate New rate (continuous, per year, WAD), at most the registry's cap.
    """
    assert msg.sender == timelock, "issuer: not timelock"
    assert self.configs[index].cash_token != empty(address), "issuer: unknown index"
    self._accrue_fee(index)
    extcall IBasketRegistry(registry).set_fee_rate(index, fee_rate)


@external
def sweep(token: address, to: address):
    """
    @notice Sends `to` the tokens this contract holds above what it escrows
            (tokens sent here by mistake). Owner only; escrow is never touched.
    @param token The token.
    @param to The receiver.
    """
    ownable._check_owner()
    assert to != empty(address), "issuer: zero address"
    held: uint256 = staticcall IERC20(token).balanceOf(self)
    owed: uint256 = self.escrowed[token]
    assert held > owed, "issuer: nothing to sweep"
    log Swept(token=token, to=to, amount=held - owed)
    self._push(token, to, held - owed)


# ------------------------------------------------------------------ fee ----


@external
def accrue_fee(index: address) -> uint256:
    """
    @notice Mints the management fee accrued since the last accrual to the
            treasury, as index shares. Anyone; works while paused.
    @dev Shares = floor(supply * (old - new) / new) for the fee factors:
         rounded down, holders' favour, so that (supply + fee shares) * new
         units never exceeds supply * old units.
    @param index The index token.
    @return The fee shares minted.
    """
    assert self.configs[index].cash_token != empty(address), "issuer: unknown index"
    return self._accrue_fee(index)


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
        deadline=quote.deadline,
        cancel_after=request.cancel_after,
        quote_nonce=quote.nonce,
    )
    self._pull(cash_token, msg.sender, quote.cash + fee)
    return request.id


@external
def deliver_mint(request: Request, reference: bytes32):
    """
    @notice Records that the PMM delivered the basket to the custodian, by the
            quote's deadline. Request's PMM only; works while paused (it is a
            record of a transfer already made, and adds no claim on supply).
    @dev The request's shares count as a claim on the reserves from now on
         (its basket is owed back if the mint is refunded).
    @param request The mint request.
    @param reference Off-chain reference of the delivery (e.g. a hash of the transfer ids).
    """
    assert self._status(request) == OPEN, "issuer: not open"
    assert request.side == MINT, "issuer: not a mint"
    assert msg.sender == request.pmm, "issuer: not request pmm"
    assert block.timestamp <= request.deadline, "issuer: quote expired"
    self._state[request.id] = convert(DELIVERED, uint256) | (block.timestamp << 8)
    # Shares are at most max_shares (far below 2**192): no carry into the time bits.
    self._flows[request.index] += request.shares
    log MintDelivered(
        id=request.id, index=request.index, pmm=request.pmm, reference=reference, delivered_at=block.timestamp
    )


@external
def settle_mint(request: Request):
    """
    @notice Settles a delivered mint: shares to the WLP, cash to the PMM, fee
            to the treasury. Anyone, paused or not, once the current basket's
            last reserve report is fresh, dated at or after both this
            delivery and the index's last outflow, and covers every claim.
    @dev Claims = supply + fee shares owed to the treasury (carried, not
         minted, across this mint) + shares of all delivered unsettled
         mints, this one included. Backing: balance >=
         ceil(claims * units / 1e36) with units rounded up; both roundings
         are the protocol's favour.
    @param request The mint request.
    """
    state: uint256 = self._state_of(request)
    assert request.side == MINT, "issuer: not a mint"
    assert state & 255 == convert(DELIVERED, uint256), "issuer: not delivered"
    index: address = request.index
    supply: uint256 = staticcall IIndexToken(index).totalSupply()
    # The fee shares owed stay owed (not minted here) for the larger supply.
    fee_owed: uint256 = extcall IBasketRegistry(registry).carry_fee(index, supply, supply + request.shares)
    flows: uint256 = self._flows[index]
    not_before: uint256 = max(state >> 8, flows >> 192)
    version: uint256 = staticcall IBasketRegistry(registry).version(index)
    claims: uint256 = supply + fee_owed + (flows & LOW_192)
    # Reverts with the oracle's reason (no report, stale, predates flows, reserves short).
    report_nonce: uint256 = staticcall IReserveOracle(oracle).check_backing(index, version, claims, not_before)
    self._state[request.id] = convert(SETTLED, uint256) | (state >> 8 << 8)
    self._flows[index] = flows - request.shares
    cash_token: address = self.configs[index].cash_token
    self.escrowed[cash_token] -= request.cash + request.fee
    log MintSettled(
        id=request.id,
        index=index,
        wlp=request.wlp,
        pmm=request.pmm,
        shares=request.shares,
        cash=request.cash,
        fee=request.fee,
        basket_version=version,
        report_nonce=report_nonce,
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
        deadline=quote.deadline,
        cancel_after=request.cancel_after,
        quote_nonce=quote.nonce,
    )
    self._pull(quote.index, msg.sender, quote.shares)
    return request.id


@external
def fill_redeem(request: Request):
    """
    @notice Fills a redemption by the quote's deadline: the PMM pays cash
            less fee to the WLP and the fee to the treasury (approve first),
            the escrowed shares are burned, and `RedeemFilled` lists the
            basket units the custodian releases to the PMM. Request's PMM
            only; works while paused (it completes an exit).
    @dev Units released = floor(shares * units / 1e36), units rounded down:
         the protocol's favour. The release is recorded as the index's last
         outflow, so no supply increase uses a report dated before it.
    @param request The redeem request.
    """
    assert self._status(request) == OPEN, "issuer: not open"
    assert request.side == REDEEM, "issuer: not a redeem"
    assert msg.sender == request.pmm, "issuer: not request pmm"
    assert block.timestamp <= request.deadline, "issuer: quote expired"
    index: address = request.index
    self._accrue_fee(index)
    version: uint256 = staticcall IBasketRegistry(registry).version(index)
    released: DynArray[uint256, MAX_ASSETS] = self._basket_for(index, version, request.shares)
    self._state[request.id] = convert(SETTLED, uint256)
    self.escrowed[index] -= request.shares
    self._record_outflow(index, 0)
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
    @notice Rejects an open or delivered (unsettled) request and refunds the
            WLP in full. Request's PMM only; works while paused. A delivered
            mint's basket is recorded as owed back to the PMM.
    @param request The request.
    @param reason Short machine-readable reason.
    """
    status: uint8 = convert(self._state_of(request) & 255, uint8)
    assert status == OPEN or status == DELIVERED, "issuer: not open"
    assert msg.sender == request.pmm, "issuer: not request pmm"
    self._state[request.id] = convert(REJECTED, uint256)
    log RequestRejected(id=request.id, index=request.index, wlp=request.wlp, pmm=request.pmm, reason=reason)
    if status == DELIVERED:
        self._owe_back(request)
    self._refund(request)


@external
def cancel(request: Request):
    """
    @notice Cancels an unsettled request and refunds the WLP in full.
            Request's WLP only; works while paused. Allowed once
            `cancel_after` has passed, or once the quote's deadline has
            passed for a request the PMM never delivered or filled. A
            delivered mint that the last report already backs cannot be
            cancelled (anyone may settle it); otherwise its basket is
            recorded as owed back to the PMM.
    @param request The request.
    """
    state: uint256 = self._state_of(request)
    status: uint8 = convert(state & 255, uint8)
    assert status == OPEN or status == DELIVERED, "issuer: not open"
    assert msg.sender == request.wlp, "issuer: not request wlp"
    assert block.timestamp >= request.cancel_after or (status == OPEN and block.timestamp > request.deadline), "issuer: too early to cancel"
    if status == DELIVERED:
        assert not self._backed(request.index, state >> 8), "issuer: backed, settle it"
    self._state[request.id] = convert(CANCELLED, uint256)
    log RequestCancelled(id=request.id, index=request.index, wlp=request.wlp, pmm=request.pmm)
    if status == DELIVERED:
        self._owe_back(request)
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
    return convert(self._state_of(request) & 255, uint8)


@external
@view
def request_status(request_id: uint256) -> uint8:
    """
    @notice Status of a request by id (0 = no such request).
    @param request_id The request id.
    @return 1 open, 2 delivered, 3 settled, 4 cancelled, 5 rejected.
    """
    return convert(self._state[request_id] & 255, uint8)


@external
@view
def delivered_at(request_id: uint256) -> uint256:
    """
    @notice When the PMM recorded delivery of a mint (0 if never).
    @param request_id The request id.
    @return Unix time.
    """
    return self._state[request_id] >> 8


@external
@view
@reentrant
def flows(index: address) -> (uint256, uint256):
    """
    @notice Shares of delivered unsettled mints, and the time of the last
            recorded outflow (redemption release or basket owed back).
    @dev Marked reentrant: the registry reads it from `activate`; it only reads.
    @param index The index token.
    @return Pending delivered share-wei, and the last outflow's Unix time (0 if none).
    """
    packed: uint256 = self._flows[index]
    return packed & LOW_192, packed >> 192


@external
@view
def claims(index: address) -> uint256:
    """
    @notice Share-wei the reserves of an index must cover now: supply + fee
            shares not yet minted + shares of delivered unsettled mints.
    @param index The index token.
    @return Share-wei.
    """
    return self._claims(index)


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
        deadline=quote.deadline,
        cancel_after=block.timestamp + self.configs[quote.index].request_timeout,
    )
    self.request_hash[request_id] = keccak256(abi_encode(request))
    self._state[request_id] = convert(OPEN, uint256)
    return request


@internal
@view
def _state_of(request: Request) -> uint256:
    """
    @dev Checks the struct against its stored hash and returns the packed state.
    """
    assert self.request_hash[request.id] == keccak256(abi_encode(request)), "issuer: unknown request"
    return self._state[request.id]


@internal
@view
def _status(request: Request) -> uint8:
    """
    @dev Checks the struct against its stored hash and returns the status.
    """
    return convert(self._state_of(request) & 255, uint8)


@internal
@view
def _claims(index: address) -> uint256:
    """
    @dev Supply + fee shares owed and not minted + pending delivered shares.
    """
    return (
        staticcall IIndexToken(index).totalSupply()
        + staticcall IBasketRegistry(registry).pending_fee_shares(index)
        + (self._flows[index] & LOW_192)
    )


@internal
@view
def _backed(index: address, delivered_at: uint256) -> bool:
    """
    @dev Whether settling a mint delivered at `delivered_at` would pass the gate now.
    """
    version: uint256 = staticcall IBasketRegistry(registry).version(index)
    not_before: uint256 = max(delivered_at, self._flows[index] >> 192)
    return staticcall IReserveOracle(oracle).is_backed(index, version, self._claims(index), not_before)


@internal
@view
def _basket_for(index: address, version: uint256, shares: uint256) -> DynArray[uint256, MAX_ASSETS]:
    """
    @dev floor(shares * units / 1e36) per asset, units rounded down: what the
         custodian releases or returns (the protocol's favour).
    """
    units: DynArray[uint256, MAX_ASSETS] = staticcall IBasketRegistry(registry).effective_units(index, version, False)
    basket: DynArray[uint256, MAX_ASSETS] = []
    for u: uint256 in units:
        basket.append(math._mul_div(shares, u, UNIT_DENOMINATOR, False))
    return basket


@internal
def _record_outflow(index: address, settled_shares: uint256):
    """
    @dev Stamps the index's last outflow with now and removes `settled_shares`
         from its pending delivered shares.
    """
    pending: uint256 = (self._flows[index] & LOW_192) - settled_shares
    self._flows[index] = (block.timestamp << 192) | pending


@internal
def _owe_back(request: Request):
    """
    @dev A refunded delivered mint: its shares stop counting as a claim and
         its basket (current units, rounded down) is owed back to the PMM,
         an outflow the next report must come after.
    """
    version: uint256 = staticcall IBasketRegistry(registry).version(request.index)
    owed: DynArray[uint256, MAX_ASSETS] = self._basket_for(request.index, version, request.shares)
    self._record_outflow(request.index, request.shares)
    log BasketOwed(id=request.id, index=request.index, pmm=request.pmm, basket_version=version, units=owed)


@internal
def _accrue_fee(index: address) -> uint256:
    """
    @dev Persists the fee factor and mints the fee shares it implies to the
         treasury: floor(supply * (old - new) / new), rounded down.
    """
    old: uint256 = 0
    new: uint256 = 0
    old, new = extcall IBasketRegistry(registry).accrue(index)
    if new >= old:
        return 0
    shares: uint256 = math._mul_div(staticcall IIndexToken(index).totalSupply(), old - new, new, False)
    if shares == 0:
        return 0
    treasury: address = self.configs[index].treasury
    log FeeSharesMinted(index=index, treasury=treasury, shares=shares, fee_factor=new)
    extcall IIndexToken(index).mint(treasury, shares)
    return shares


@internal
@view
def _check_list_change(allowed: bool):
    """
    @dev Additions wait for the Timelock; removals only reduce who may act, so
         the owner makes them at once.
    """
    if allowed:
        assert msg.sender == timelock, "issuer: not timelock"
    else:
        assert msg.sender == timelock or msg.sender == ownable.owner, "issuer: not owner"


@internal
def _set_wlp(index: address, account: address, allowed: bool):
    """
    @dev Writes a WLP flag.
    """
    assert account != empty(address), "issuer: zero address"
    self.is_wlp[index][account] = allowed
    log WlpSet(index=index, account=account, allowed=allowed)


@internal
def _set_pmm(index: address, account: address, allowed: bool):
    """
    @dev Writes a PMM flag.
    """
    assert account != empty(address), "issuer: zero address"
    self.is_pmm[index][account] = allowed
    log PmmSet(index=index, account=account, allowed=allowed)


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
    # Holders must be able to exit before any timelocked change takes effect.
    assert request_timeout <= staticcall ITimelock(timelock).delay(), "issuer: timeout above delay"
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
    @dev transferFrom owner to this contract; tolerates tokens that return
         nothing, refuses tokens that deliver less than asked (fee on transfer).
    """
    before: uint256 = staticcall IERC20(token).balanceOf(self)
    assert extcall IERC20(token).transferFrom(owner, self, amount, default_return_value=True), "issuer: transfer failed"
    assert staticcall IERC20(token).balanceOf(self) - before == amount, "issuer: transfer short"


@internal
def _pull_to(token: address, owner: address, to: address, amount: uint256):
    """
    @dev transferFrom owner to `to`; refuses a transfer that credits `to`
         with less than `amount`.
    """
    before: uint256 = staticcall IERC20(token).balanceOf(to)
    assert extcall IERC20(token).transferFrom(owner, to, amount, default_return_value=True), "issuer: transfer failed"
    assert staticcall IERC20(token).balanceOf(to) - before >= amount, "issuer: transfer short"


@internal
def _push(token: address, to: address, amount: uint256):
    """
    @dev transfer from this contract; tolerates tokens that return nothing.
    """
    assert extcall IERC20(token).transfer(to, amount, default_return_value=True), "issuer: transfer failed"
