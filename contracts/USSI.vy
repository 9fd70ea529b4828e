# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title USSI: a hedged index fund share (ERC-20, 18 decimals)
@notice Participants deposit the cash token (e.g. USDC) or shares of the
        index token (e.g. MAG7.ssi) and receive USSI at the net asset value
        (NAV) per share attested by the strategy's signers; they redeem USSI
        for cash at NAV. The delta hedge (short perpetuals against the spot
        basket) runs off-chain, in the strategy's custody wallet.

        Prices come in an EIP-712 `NavReport(navPerShare, indexPrice, asOf,
        nonce)` signed by at least `threshold` of the strategy signers, with
        signatures sorted by signer address (checked by the shared
        `attestation` module, as reserve reports are). Both
        prices are the cash value of ONE whole share (1e18 share-wei) in
        WHOLE cash tokens, scaled by 1e18: a NAV of 1,000 USDC per USSI is
        `1000 * 10**18`, whatever the cash token's decimals. A report must
        carry the next nonce, be newer than the last one, be younger than
        `max_nav_age` both when posted and when used, and (from the second
        report on) move `navPerShare` by at most `max_nav_move_bps` from the
        last accepted report.

        Every deposit goes through a request (forward pricing):
        - mint: the deposit is escrowed here; the operator settles it at a
          NAV report whose as-of time is AFTER the request, so no one can
          buy at a price that is already known. USSI is minted to the
          participant and the deposit moves to the custody wallet.
        - redeem: the USSI is escrowed here; the operator fills it at a NAV
          as of after the request, paying the cash from its own balance;
          the escrowed USSI is burned.
        Every request names a minimum output (USSI or cash) below which it
        cannot settle. The operator may reject an open request, and its
        owner may cancel it once `cancel_after` has passed, even while
        paused; both refund the escrow in full.

        Administration: every setter that changes who is trusted or how
        prices are accepted (strategy signers and threshold, `max_nav_age`,
        the NAV move bound, the custody wallet, the request timeout, adding
        an operator) is accepted only from `timelock`. `request_timeout` is
        never above the timelock's delay, so a request open when a change is
        queued can be cancelled before the change takes effect. Removing an
        operator, pausing and sweeping stray tokens need no delay.
@dev Requests are stored as the keccak256 of their ABI-encoded `Request`
     plus a status (two slots); every later call passes the struct back
     (emitted in full by `MintRequested`/`RedeemRequested`). `escrowed(token)`
     is the sum of open escrows of `token` (cash, index, or this token), so
     that the escrow invariant (balance held == sum of open escrows) can be
     read on-chain. The EIP-712 domain is shared with EIP-2612 permits:
     name "SSI USSI", version "1"; the type hashes differ. Every pull of a
     token checks the balance change, so a token that delivers less than
     asked (fee on transfer) is refused.
@custom:kill The guardian (or the owner) pauses new requests and mint
             settlement. NAV reports, redemption fills, rejections and
             cancellations stay open: nothing that returns funds is ever
             blocked, and a fill never waits for the unpause. Transfers of
             USSI are never stopped.
"""

from ethereum.ercs import IERC20
from ethereum.ercs import IERC20Detailed

implements: IERC20
implements: IERC20Detailed

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.tokens import erc20
from snekmate.utils import eip712_domain_separator
from snekmate.utils import math
from .modules import attestation
from .modules import guard

initializes: ownable
initializes: ownable_2step[ownable := ownable]
initializes: erc20[ownable := ownable]
initializes: guard[ownable := ownable]
# One signer set, keyed by this contract's own address.
initializes: attestation
# `erc20` initialises the EIP-712 domain (name "SSI USSI", version "1");
# NAV reports are hashed under the same domain.
uses: eip712_domain_separator

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
    erc20.permit,
    erc20.nonces,
    erc20.DOMAIN_SEPARATOR,
    erc20.eip712Domain,
    ownable_2step.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
    guard.guardian,
    guard.paused,
    guard.set_guardian,
    guard.pause,
    guard.unpause,
    # Not exported on purpose: erc20 `mint`, `burn`, `burn_from`,
    # `set_minter`, `is_minter` (only settlement mints, only fills burn, both
    # through the internal functions), and the one-step ownership functions.
    # The attestation module's storage is read through `is_signer`,
    # `threshold` and `signers` below (its maps are keyed by contract).
)


# @dev The one function USSI reads from its timelock.
interface ITimelock:
    def delay() -> uint256: view


# @dev Largest strategy signer set (the attestation module's bound).
MAX_SIGNERS: constant(uint256) = attestation.MAX_SIGNERS
# @dev Fixed-point scale of prices and of share amounts.
WAD: constant(uint256) = 10**18
# @dev Request kinds.
MINT_WITH_CASH: constant(uint8) = 0
MINT_WITH_INDEX: constant(uint8) = 1
REDEEM: constant(uint8) = 2
# @dev Request statuses.
OPEN: constant(uint8) = 1
SETTLED: constant(uint8) = 2
CANCELLED: constant(uint8) = 3
REJECTED: constant(uint8) = 4
# @dev Bounds of the cancellation timeout.
MIN_TIMEOUT: constant(uint256) = 3600
MAX_TIMEOUT: constant(uint256) = 30 * 86400
# @dev Bounds of the NAV report age.
MIN_NAV_AGE: constant(uint256) = 60
MAX_NAV_AGE: constant(uint256) = 7 * 86400
# @dev Basis points in one.
BPS: constant(uint256) = 10_000
# @dev Bounds of the NAV move between two reports, in basis points.
MIN_NAV_MOVE_BPS: constant(uint256) = 1
MAX_NAV_MOVE_BPS: constant(uint256) = 5_000
# @dev EIP-712 type hash of a NAV report.
NAV_TYPEHASH: constant(bytes32) = keccak256(
    "NavReport(uint256 navPerShare,uint256 indexPrice,uint256 asOf,uint256 nonce)"
)


# @dev A NAV report, as signed. `navPerShare` and `indexPrice` are the value
# of one whole USSI and one whole index share, in whole cash tokens, * 1e18.
struct NavReport:
    navPerShare: uint256
    indexPrice: uint256
    asOf: uint256
    nonce: uint256


# @dev A request, as hashed into storage and emitted in full. `amount` is the
# deposit (cash base units or index share-wei) or the USSI to redeem;
# `min_out` the least USSI (mint) or cash base units (redeem) it accepts.
struct Request:
    id: uint256
    kind: uint8
    owner: address
    amount: uint256
    min_out: uint256
    requested_at: uint256
    cancel_after: uint256


# @dev The cash token deposits and redemptions are paid in.
cash_token: public(immutable(address))
# @dev The index token accepted as a deposit (e.g. MAG7.ssi, 18 decimals).
index_token: public(immutable(address))
# @dev The only caller of the timelocked setters (contracts/Timelock.vy).
timelock: public(immutable(address))
# @dev The timelock's delay, read once at deploy (it is immutable there).
timelock_delay: public(immutable(uint256))
# @dev 10**(18 - cash decimals): cash base units to 18-decimal amounts.
_CASH_SCALE: immutable(uint256)

# @dev Accounts allowed to settle, fill and reject requests.
is_operator: public(HashMap[address, bool])
# @dev Wallet that receives settled deposits and runs the hedge.
custody: public(address)
# @dev Seconds after which a request's owner may cancel it.
request_timeout: public(uint256)
# @dev How long a NAV report stays usable, in seconds.
max_nav_age: public(uint256)
# @dev Largest move of `navPerShare` from one accepted report to the next, in bps.
max_nav_move_bps: public(uint256)
# @dev Nonce the next NAV report must carry.
next_nonce: public(uint256)
# @dev The last accepted NAV report (as-of 0 = none yet).
_nav: NavReport
# @dev Number of requests so far; ids start at 1.
request_count: public(uint256)
# @dev Per request id: keccak256 of the ABI-encoded `Request`.
request_hash: public(HashMap[uint256, bytes32])
# @dev Per request id: status (1 open, 2 settled, 3 cancelled, 4 rejected).
request_status: public(HashMap[uint256, uint8])
# @dev Per token: amount held in escrow for open requests.
escrowed: public(HashMap[address, uint256])


# @dev Emitted when an operator is added (by the timelock) or removed.
event OperatorSet:
    account: indexed(address)
    allowed: bool
    by: indexed(address)


# @dev Emitted when the custody wallet changes.
event CustodySet:
    custody: indexed(address)


# @dev Emitted when the cancellation timeout changes.
event RequestTimeoutSet:
    request_timeout: uint256


# @dev Emitted when the maximum NAV report age changes.
event MaxNavAgeSet:
    max_nav_age: uint256


# @dev Emitted when the NAV move bound changes.
event MaxNavMoveSet:
    max_nav_move_bps: uint256


# @dev Emitted when tokens sent here by mistake are returned (never escrow).
event Swept:
    token: indexed(address)
    to: indexed(address)
    amount: uint256


# @dev Emitted when a NAV report is accepted.
event NavReported:
    nonce: indexed(uint256)
    nav_per_share: uint256
    index_price: uint256
    as_of: uint256
    digest: bytes32


# @dev Emitted when a mint request is opened (all `Request` fields).
event MintRequested:
    id: indexed(uint256)
    owner: indexed(address)
    kind: uint8
    amount: uint256
    min_out: uint256
    requested_at: uint256
    cancel_after: uint256


# @dev Emitted when a redeem request is opened (all `Request` fields).
event RedeemRequested:
    id: indexed(uint256)
    owner: indexed(address)
    kind: uint8
    amount: uint256
    min_out: uint256
    requested_at: uint256
    cancel_after: uint256


# @dev Emitted when a mint settles: `shares` USSI minted for `amount` of the
# deposit at the NAV report `nav_nonce`.
event MintSettled:
    id: indexed(uint256)
    owner: indexed(address)
    kind: uint8
    amount: uint256
    shares: uint256
    nav_per_share: uint256
    index_price: uint256
    nav_nonce: uint256


# @dev Emitted when a redemption is filled: `shares` burned, `cash` paid.
event RedeemFilled:
    id: indexed(uint256)
    owner: indexed(address)
    operator: indexed(address)
    shares: uint256
    cash: uint256
    nav_per_share: uint256
    nav_nonce: uint256


# @dev Emitted when an operator rejects a request: `amount` of the request's
# deposit (kind 0 cash, 1 index) or USSI (kind 2) refunded to `owner`.
event RequestRejected:
    id: indexed(uint256)
    owner: indexed(address)
    operator: indexed(address)
    kind: uint8
    amount: uint256
    reason: bytes32


# @dev Emitted when a request's owner cancels it after its timeout: `amount`
# refunded to `owner`, as for a rejection.
event RequestCancelled:
    id: indexed(uint256)
    owner: indexed(address)
    kind: uint8
    amount: uint256


@deploy
def __init__(
    cash_token_: address,
    index_token_: address,
    timelock_: address,
    guardian_: address,
    custody_: address,
    signers_: DynArray[address, MAX_SIGNERS],
    threshold_: uint256,
    max_nav_age_: uint256,
    request_timeout_: uint256,
    max_nav_move_bps_: uint256,
):
    """
    @dev The deployer becomes the owner. The index token must have 18
         decimals, the cash token at most 18. `request_timeout_` must not
         exceed the timelock's delay.
    @param cash_token_ The cash token (e.g. USDC).
    @param index_token_ The index token accepted as a deposit (e.g. MAG7.ssi).
    @param timelock_ The Timelock that alone may call the timelocked setters.
    @param guardian_ Address allowed to pause.
    @param custody_ Wallet that receives settled deposits.
    @param signers_ Strategy signer addresses (distinct, non-zero).
    @param threshold_ Signatures a NAV report needs (1 to len(signers_)).
    @param max_nav_age_ Seconds a NAV report stays usable (60 s to 7 days).
    @param request_timeout_ Seconds before a request may be cancelled (1 hour
           to 30 days, and at most the timelock's delay).
    @param max_nav_move_bps_ Largest NAV move between two reports, in basis
           points (1 to 5,000).
    """
    assert cash_token_ != empty(address) and index_token_ != empty(address), "ussi: zero address"
    assert timelock_ != empty(address), "ussi: zero address"
    assert cash_token_ != index_token_, "ussi: same token"
    cash_decimals: uint8 = staticcall IERC20Detailed(cash_token_).decimals()
    assert cash_decimals <= 18, "ussi: cash decimals above 18"
    assert staticcall IERC20Detailed(index_token_).decimals() == 18, "ussi: index decimals not 18"
    ownable.__init__()
    ownable_2step.__init__()
    erc20.__init__("SoSoValue USSI", "USSI", 18, "SSI USSI", "1")
    guard.__init__(guardian_)
    cash_token = cash_token_
    index_token = index_token_
    timelock = timelock_
    timelock_delay = staticcall ITimelock(timelock_).delay()
    _CASH_SCALE = 10 ** convert(18 - cash_decimals, uint256)
    self._set_custody(custody_)
    attestation._set_signers(self, signers_, threshold_)
    self._set_max_nav_age(max_nav_age_)
    self._set_request_timeout(request_timeout_)
    self._set_max_nav_move(max_nav_move_bps_)


# ---------------------------------------------------------------- admin ----


@external
def set_operator(account: address, allowed: bool):
    """
    @notice Adds or removes an operator (the strategy's settlement account).
            Adding goes through the timelock; removing (which only narrows
            who can act) is immediate for the owner or the timelock.
    @param account The operator.
    @param allowed True to add (timelock only), False to remove (owner or timelock).
    """
    if allowed:
        self._check_timelock()
    else:
        assert msg.sender == ownable.owner or msg.sender == timelock, "ussi: not owner or timelock"
    assert account != empty(address), "ussi: zero address"
    self.is_operator[account] = allowed
    log OperatorSet(account=account, allowed=allowed, by=msg.sender)


@external
def set_custody(custody_: address):
    """
    @notice Sets the wallet that receives settled deposits. Timelock only.
    @param custody_ The custody wallet.
    """
    self._check_timelock()
    self._set_custody(custody_)


@external
def set_signers(signers_: DynArray[address, MAX_SIGNERS], threshold_: uint256):
    """
    @notice Replaces the strategy signer set and threshold. Timelock only.
    @dev Emits the attestation module's `SignersSet(key=self, ...)`.
    @param signers_ Signer addresses (distinct, non-zero).
    @param threshold_ Signatures a NAV report needs (1 to len(signers_)).
    """
    self._check_timelock()
    attestation._set_signers(self, signers_, threshold_)


@external
def set_max_nav_age(max_nav_age_: uint256):
    """
    @notice Sets how long a NAV report stays usable. Timelock only.
    @param max_nav_age_ Seconds, from 60 to 7 days.
    """
    self._check_timelock()
    self._set_max_nav_age(max_nav_age_)


@external
def set_request_timeout(request_timeout_: uint256):
    """
    @notice Sets the cancellation timeout of new requests. Timelock only.
    @dev Open requests keep the `cancel_after` they were opened with.
    @param request_timeout_ Seconds, from 1 hour to 30 days, and at most
           the timelock's delay.
    """
    self._check_timelock()
    self._set_request_timeout(request_timeout_)


@external
def set_max_nav_move_bps(max_nav_move_bps_: uint256):
    """
    @notice Sets the largest move of `navPerShare` between two accepted
            reports. Timelock only.
    @param max_nav_move_bps_ Basis points, from 1 to 5,000.
    """
    self._check_timelock()
    self._set_max_nav_move(max_nav_move_bps_)


@external
def sweep(token: address, to: address) -> uint256:
    """
    @notice Sends `to` what this contract holds of `token` beyond the open
            escrows (tokens sent here by mistake). Owner only; never touches
            escrow, works while paused.
    @dev Sweeps `balanceOf(this) - escrowed[token]`; for USSI itself the
         escrowed USSI of open redemptions stays.
    @param token The token (any ERC-20, the cash or index token, or USSI).
    @param to The receiver.
    @return The amount swept.
    """
    ownable._check_owner()
    assert to != empty(address), "ussi: zero address"
    held: uint256 = 0
    if token == self:
        held = erc20.balanceOf[self]
    else:
        held = staticcall IERC20(token).balanceOf(self)
    owed: uint256 = self.escrowed[token]
    assert held > owed, "ussi: nothing to sweep"
    # Cannot underflow: held > owed.
    amount: uint256 = unsafe_sub(held, owed)
    log Swept(token=token, to=to, amount=amount)
    if token == self:
        erc20._transfer(self, to, amount)
    else:
        self._push(token, to, amount)
    return amount


# ------------------------------------------------------------------ NAV ----


@external
def post_nav(report: NavReport, signatures: DynArray[Bytes[65], MAX_SIGNERS]):
    """
    @notice Accepts a NAV report signed by at least `threshold` strategy
            signers. Anyone may submit it; works while paused, so that
            redemptions can be filled during a pause (a report alone mints
            nothing, and mint settlement stays paused).
    @dev The move bound: allowed = floor(last navPerShare * max_nav_move_bps
         / 10,000), and |navPerShare - last navPerShare| <= allowed. Rounded
         down, so the bound is never wider than stated. The first report
         has no previous one and is exempt.
    @param report The signed report: both prices non-zero, the next nonce,
           newer than the last report, not in the future, younger than
           `max_nav_age`, within the NAV move bound of the last report.
    @param signatures 65-byte signatures, sorted by signer address (ascending).
    """
    assert report.navPerShare != 0 and report.indexPrice != 0, "ussi: zero price"
    assert report.nonce == self.next_nonce, "ussi: bad nonce"
    last: NavReport = self._nav
    assert report.asOf > last.asOf, "ussi: report not newer"
    assert report.asOf <= block.timestamp, "ussi: report from the future"
    assert block.timestamp - report.asOf <= self.max_nav_age, "ussi: report stale"
    if last.navPerShare != 0:
        allowed: uint256 = math._mul_div(last.navPerShare, self.max_nav_move_bps, BPS, False)
        move: uint256 = 0
        if report.navPerShare > last.navPerShare:
            # Cannot underflow: checked just above.
            move = unsafe_sub(report.navPerShare, last.navPerShare)
        else:
            # Cannot underflow: navPerShare <= last.navPerShare.
            move = unsafe_sub(last.navPerShare, report.navPerShare)
        assert move <= allowed, "ussi: nav move too large"

    digest: bytes32 = self._digest(report)
    attestation._verify(self, digest, signatures)

    self.next_nonce = report.nonce + 1
    self._nav = report
    log NavReported(
        nonce=report.nonce,
        nav_per_share=report.navPerShare,
        index_price=report.indexPrice,
        as_of=report.asOf,
        digest=digest,
    )


# ----------------------------------------------------------------- mint ----


@external
def request_mint(kind: uint8, amount: uint256, min_out: uint256) -> uint256:
    """
    @notice Opens a mint request and escrows `amount` of the deposit token
            from the caller (approve first): the cash token (kind 0) or the
            index token (kind 1). Reverts `ussi: transfer short` if this
            contract receives less than `amount` (fee-on-transfer token).
    @param kind 0 to deposit cash, 1 to deposit index shares.
    @param amount Deposit in base units (cash) or share-wei (index).
    @param min_out Least USSI (share-wei) the caller accepts at settlement.
    @return The request id.
    """
    guard._check_not_paused()
    assert kind == MINT_WITH_CASH or kind == MINT_WITH_INDEX, "ussi: bad kind"
    assert amount != 0, "ussi: zero amount"
    token: address = cash_token
    if kind == MINT_WITH_INDEX:
        token = index_token
    request: Request = self._open(kind, amount, min_out)
    self.escrowed[token] += amount
    log MintRequested(
        id=request.id,
        owner=msg.sender,
        kind=kind,
        amount=amount,
        min_out=min_out,
        requested_at=request.requested_at,
        cancel_after=request.cancel_after,
    )
    self._pull(token, msg.sender, amount)
    return request.id


@external
def settle_mint(request: Request) -> uint256:
    """
    @notice Settles an open mint request at the last NAV report, which must
            be fresh and as of after the request: USSI to the request's
            owner, the deposit to the custody wallet. Operator only.
    @dev Cash: shares = floor(amount * 10**(18 - d) * 1e18 / navPerShare).
         Index: shares = floor(amount * indexPrice / navPerShare).
         Rounded down: the fund's (existing holders') favour.
    @param request The mint request.
    @return USSI minted, in share-wei.
    """
    guard._check_not_paused()
    assert self.is_operator[msg.sender], "ussi: not operator"
    assert self._status(request) == OPEN, "ussi: not open"
    assert request.kind != REDEEM, "ussi: not a mint"
    nav: NavReport = self._fresh_nav(request)
    token: address = cash_token
    shares: uint256 = 0
    if request.kind == MINT_WITH_CASH:
        shares = math._mul_div(request.amount, WAD * _CASH_SCALE, nav.navPerShare, False)
    else:
        token = index_token
        shares = math._mul_div(request.amount, nav.indexPrice, nav.navPerShare, False)
    assert shares != 0 and shares >= request.min_out, "ussi: below min out"
    self.request_status[request.id] = SETTLED
    self.escrowed[token] -= request.amount
    log MintSettled(
        id=request.id,
        owner=request.owner,
        kind=request.kind,
        amount=request.amount,
        shares=shares,
        nav_per_share=nav.navPerShare,
        index_price=nav.indexPrice,
        nav_nonce=nav.nonce,
    )
    erc20._mint(request.owner, shares)
    self._push(token, self.custody, request.amount)
    return shares


# --------------------------------------------------------------- redeem ----


@external
def request_redeem(shares: uint256, min_out: uint256) -> uint256:
    """
    @notice Opens a redeem request and escrows `shares` USSI of the caller
            (no approval needed: the caller moves its own balance).
    @param shares USSI to redeem, in share-wei.
    @param min_out Least cash (base units) the caller accepts at the fill.
    @return The request id.
    """
    guard._check_not_paused()
    assert shares != 0, "ussi: zero amount"
    request: Request = self._open(REDEEM, shares, min_out)
    self.escrowed[self] += shares
    log RedeemRequested(
        id=request.id,
        owner=msg.sender,
        kind=REDEEM,
        amount=shares,
        min_out=min_out,
        requested_at=request.requested_at,
        cancel_after=request.cancel_after,
    )
    erc20._transfer(msg.sender, self, shares)
    return request.id


@external
def fill_redeem(request: Request) -> uint256:
    """
    @notice Fills an open redemption at the last NAV report, which must be
            fresh and as of after the request: the operator pays the cash
            to the request's owner (approve first) and the escrowed USSI is
            burned. Operator only; works while paused (it completes an exit).
            Reverts `ussi: transfer short` if the owner receives less than
            the cash due.
    @dev cash = floor(shares * navPerShare / (1e18 * 10**(18 - d))): rounded
         down, the fund's favour.
    @param request The redeem request.
    @return Cash paid, in base units.
    """
    assert self.is_operator[msg.sender], "ussi: not operator"
    assert self._status(request) == OPEN, "ussi: not open"
    assert request.kind == REDEEM, "ussi: not a redeem"
    nav: NavReport = self._fresh_nav(request)
    cash: uint256 = math._mul_div(request.amount, nav.navPerShare, WAD * _CASH_SCALE, False)
    assert cash != 0 and cash >= request.min_out, "ussi: below min out"
    self.request_status[request.id] = SETTLED
    self.escrowed[self] -= request.amount
    log RedeemFilled(
        id=request.id,
        owner=request.owner,
        operator=msg.sender,
        shares=request.amount,
        cash=cash,
        nav_per_share=nav.navPerShare,
        nav_nonce=nav.nonce,
    )
    erc20._burn(self, request.amount)
    self._pull_to(cash_token, msg.sender, request.owner, cash)
    return cash


# -------------------------------------------------------------- refunds ----


@external
def reject(request: Request, reason: bytes32):
    """
    @notice Rejects an open request and refunds its owner in full.
            Operator only; works while paused.
    @param request The request.
    @param reason Short machine-readable reason.
    """
    assert self.is_operator[msg.sender], "ussi: not operator"
    assert self._status(request) == OPEN, "ussi: not open"
    self.request_status[request.id] = REJECTED
    log RequestRejected(
        id=request.id,
        owner=request.owner,
        operator=msg.sender,
        kind=request.kind,
        amount=request.amount,
        reason=reason,
    )
    self._refund(request)


@external
def cancel(request: Request):
    """
    @notice Cancels an open request once `cancel_after` has passed and
            refunds its owner in full. Request's owner only; works while paused.
    @param request The request.
    """
    assert self._status(request) == OPEN, "ussi: not open"
    assert msg.sender == request.owner, "ussi: not request owner"
    assert block.timestamp >= request.cancel_after, "ussi: too early to cancel"
    self.request_status[request.id] = CANCELLED
    log RequestCancelled(id=request.id, owner=request.owner, kind=request.kind, amount=request.amount)
    self._refund(request)


# ---------------------------------------------------------------- views ----


@external
@view
def nav_digest(report: NavReport) -> bytes32:
    """
    @notice The EIP-712 digest strategy signers sign for `report`.
    @param report The report.
    @return The digest.
    """
    return self._digest(report)


@external
@view
def nav() -> NavReport:
    """
    @notice The last accepted NAV report (all zero before the first).
    @return The report.
    """
    return self._nav


@external
@view
def signers() -> DynArray[address, MAX_SIGNERS]:
    """
    @notice The strategy signers, in the order they were set.
    @return Signer addresses.
    """
    return attestation._signers_of(self)


@external
@view
def is_signer(account: address) -> bool:
    """
    @notice Whether `account` is a strategy signer.
    @param account The address.
    @return True if it may sign NAV reports.
    """
    return attestation.is_signer[self][account]


@external
@view
def threshold() -> uint256:
    """
    @notice Signatures a NAV report needs.
    @return The threshold.
    """
    return attestation.threshold[self]


@external
@view
def status_of(request: Request) -> uint8:
    """
    @notice Status of a request, after checking it against its stored hash.
    @param request The request.
    @return 1 open, 2 settled, 3 cancelled, 4 rejected.
    """
    return self._status(request)


@external
@view
def preview_mint(kind: uint8, amount: uint256) -> uint256:
    """
    @notice USSI a deposit would mint at the last NAV report (fresh or not).
    @param kind 0 cash, 1 index shares.
    @param amount Deposit in base units or share-wei.
    @return Share-wei, rounded down (0 before the first report).
    """
    nav: NavReport = self._nav
    if nav.navPerShare == 0:
        return 0
    if kind == MINT_WITH_CASH:
        return math._mul_div(amount, WAD * _CASH_SCALE, nav.navPerShare, False)
    return math._mul_div(amount, nav.indexPrice, nav.navPerShare, False)


@external
@view
def preview_redeem(shares: uint256) -> uint256:
    """
    @notice Cash a redemption of `shares` would pay at the last NAV report.
    @param shares USSI in share-wei.
    @return Cash base units, rounded down.
    """
    return math._mul_div(shares, self._nav.navPerShare, WAD * _CASH_SCALE, False)


# ------------------------------------------------------------ internals ----


@internal
@view
def _digest(report: NavReport) -> bytes32:
    """
    @dev EIP-712 digest of a NAV report under this contract's domain.
    """
    return eip712_domain_separator._hash_typed_data_v4(
        keccak256(abi_encode(NAV_TYPEHASH, report.navPerShare, report.indexPrice, report.asOf, report.nonce))
    )


@internal
@view
def _fresh_nav(request: Request) -> NavReport:
    """
    @dev The last NAV report, if it is fresh and as of strictly after the
         request (forward pricing: the price was unknown when the request
         was made).
    """
    nav: NavReport = self._nav
    assert nav.asOf != 0, "ussi: no nav"
    assert block.timestamp - nav.asOf <= self.max_nav_age, "ussi: nav stale"
    assert nav.asOf > request.requested_at, "ussi: nav before request"
    return nav


@internal
def _open(kind: uint8, amount: uint256, min_out: uint256) -> Request:
    """
    @dev Stores a new request's hash and status; the caller is its owner.
    """
    request_id: uint256 = self.request_count + 1
    self.request_count = request_id
    request: Request = Request(
        id=request_id,
        kind=kind,
        owner=msg.sender,
        amount=amount,
        min_out=min_out,
        requested_at=block.timestamp,
        cancel_after=block.timestamp + self.request_timeout,
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
    assert self.request_hash[request.id] == keccak256(abi_encode(request)), "ussi: unknown request"
    return self.request_status[request.id]


@internal
def _refund(request: Request):
    """
    @dev Returns the whole escrow of a request to its owner.
    """
    if request.kind == REDEEM:
        self.escrowed[self] -= request.amount
        erc20._transfer(self, request.owner, request.amount)
        return
    token: address = cash_token
    if request.kind == MINT_WITH_INDEX:
        token = index_token
    self.escrowed[token] -= request.amount
    self._push(token, request.owner, request.amount)


@internal
def _set_custody(custody_: address):
    """
    @dev Stores the custody wallet.
    """
    assert custody_ != empty(address), "ussi: zero address"
    self.custody = custody_
    log CustodySet(custody=custody_)


@internal
def _set_max_nav_age(max_age: uint256):
    """
    @dev Bounds keep a report useful and never permanent.
    """
    assert max_age >= MIN_NAV_AGE and max_age <= MAX_NAV_AGE, "ussi: bad max age"
    self.max_nav_age = max_age
    log MaxNavAgeSet(max_nav_age=max_age)


@internal
def _set_request_timeout(timeout: uint256):
    """
    @dev Bounds: long enough to settle, short enough that escrow comes back,
         and never above the timelock's delay, so that a request open when
         a change is queued can be cancelled before it takes effect.
    """
    assert timeout >= MIN_TIMEOUT and timeout <= MAX_TIMEOUT, "ussi: bad timeout"
    assert timeout <= timelock_delay, "ussi: timeout above delay"
    self.request_timeout = timeout
    log RequestTimeoutSet(request_timeout=timeout)


@internal
def _set_max_nav_move(bps: uint256):
    """
    @dev Bounds: a zero bound would freeze the NAV; above 50% it bounds nothing useful.
    """
    assert bps >= MIN_NAV_MOVE_BPS and bps <= MAX_NAV_MOVE_BPS, "ussi: bad nav move"
    self.max_nav_move_bps = bps
    log MaxNavMoveSet(max_nav_move_bps=bps)


@internal
@view
def _check_timelock():
    """
    @dev Reverts unless the caller is the timelock.
    """
    assert msg.sender == timelock, "ussi: not timelock"


@internal
def _pull(token: address, owner: address, amount: uint256):
    """
    @dev transferFrom owner to this contract; tolerates tokens that return
         nothing, refuses tokens that deliver less than `amount`.
    """
    self._pull_to(token, owner, self, amount)


@internal
def _pull_to(token: address, owner: address, to: address, amount: uint256):
    """
    @dev transferFrom owner to `to`; tolerates tokens that return nothing.
         `to` must gain at least `amount` (a fee-on-transfer token fails).
    """
    before: uint256 = staticcall IERC20(token).balanceOf(to)
    assert extcall IERC20(token).transferFrom(owner, to, amount, default_return_value=True), "ussi: transfer failed"
    assert staticcall IERC20(token).balanceOf(to) >= before + amount, "ussi: transfer short"


@internal
def _push(token: address, to: address, amount: uint256):
    """
    @dev transfer from this contract; tolerates tokens that return nothing.
         Not checked for a short delivery: a push is a refund or a payout
         that must never be blocked; pulls already refuse short tokens.
    """
    assert extcall IERC20(token).transfer(to, amount, default_return_value=True), "ussi: transfer failed"
