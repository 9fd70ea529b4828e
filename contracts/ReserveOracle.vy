# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Reserve oracle (proof of reserves)
@notice Custodian signers attest, as EIP-712 typed data, what they hold for an
        index: `ReserveReport(index, basketVersion, basketHash, balances, asOf,
        nonce)`. A report is accepted once M of the index's N custodian signers
        have signed it, it carries the next nonce, is newer than the last
        accepted report, is not from the future, is younger than
        `max_report_age`, and names a basket that exists now: the current or
        the pending version (never 0) with its exact hash (asset ids and units
        as announced), so a report can never vouch for another basket that
        later reuses a number.

        What a report proves. `balances[i]` is what the custodian holds at
        `asOf` for the index in asset i, in base units, NET of every outflow
        the chain recorded at or before `asOf` that it has not paid yet
        (redemption releases to PMMs, baskets owed back to PMMs of refunded
        deliveries). The custodian attests this; the chain cannot see it.

        What the gate compares (`check_backing`): for every asset,
            balances[i] >= ceil(claims * units[i] / 1e36)
        where `claims` is supply + fee shares not yet minted + shares of every
        delivered, unsettled mint (their baskets are owed back if refunded),
        and the report is fresh and dated at or after `not_before`: the
        caller's latest recorded flow (the mint's delivery, the last outflow).
        An outflow recorded after a report's `asOf` therefore makes it unusable
        for a supply increase until a newer report arrives.
@dev Reports are kept per basket version, so a report for a pending basket
     does not stop minting against the current one. Signature checking lives in
     the shared `attestation` module (sorted, distinct, M of N).
@custom:kill The guardian pauses new reports; `check_backing` then keeps using
             the last accepted ones until they go stale. Signer sets and the
             maximum age change only through the Timelock.
"""

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.utils import eip712_domain_separator
from snekmate.utils import math
from .modules import guard
from .modules import attestation
from .interfaces import IBasketRegistry
from .interfaces import IReserveOracle
from .interfaces import ITimelock

implements: IReserveOracle

initializes: ownable
initializes: ownable_2step[ownable := ownable]
initializes: guard[ownable := ownable]
initializes: eip712_domain_separator
initializes: attestation

exports: (
    ownable_2step.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
    # `renounce_ownership` is not exported: the oracle must always have an owner.
    guard.guardian,
    guard.paused,
    guard.set_guardian,
    guard.pause,
    guard.unpause,
    eip712_domain_separator.eip712Domain,
)


# @dev Largest basket (as in the registry).
MAX_ASSETS: constant(uint256) = 16
# @dev Largest custodian signer set.
MAX_SIGNERS: constant(uint256) = 16
# @dev Mask of the low 128 bits of a packed slot.
LOW_128: constant(uint256) = 2**128 - 1
# @dev Units are per 1e18 share-wei and scaled by 1e18.
UNIT_DENOMINATOR: constant(uint256) = 10**36
# @dev EIP-712 type hash of a reserve report.
REPORT_TYPEHASH: constant(bytes32) = keccak256(
    "ReserveReport(address index,uint256 basketVersion,bytes32 basketHash,uint256[] balances,uint256 asOf,uint256 nonce)"
)


# @dev A reserve report, as signed.
struct ReserveReport:
    index: address
    basketVersion: uint256
    basketHash: bytes32
    balances: DynArray[uint256, MAX_ASSETS]
    asOf: uint256
    nonce: uint256


# @dev The basket registry (versions, hashes and units).
registry: public(immutable(address))
# @dev The Timelock: the only caller of the setters that could weaken the gate.
timelock: public(immutable(address))

# @dev The Factory allowed to register indices.
factory: public(address)
# @dev How long an accepted report stays usable, in seconds.
max_report_age: public(uint256)

# @dev Per index: nonce the next report must carry.
next_nonce: public(HashMap[address, uint256])
# @dev Per index: as-of time of the last accepted report (any version).
last_as_of: public(HashMap[address, uint256])
# @dev Per index and basket version: balances of the last accepted report.
_balances: HashMap[address, HashMap[uint256, DynArray[uint256, MAX_ASSETS]]]
# @dev Per index and basket version: (as-of << 128) | nonce of the last accepted report.
_report_meta: HashMap[address, HashMap[uint256, uint256]]


# @dev Emitted when the factory changes.
event FactorySet:
    factory: indexed(address)


# @dev Emitted when the maximum report age changes.
event MaxReportAgeSet:
    max_report_age: uint256


# @dev Emitted when a report is accepted.
event ReserveReported:
    index: indexed(address)
    basket_version: indexed(uint256)
    nonce: uint256
    as_of: uint256
    basket_hash: bytes32
    balances: DynArray[uint256, MAX_ASSETS]
    digest: bytes32


@deploy
def __init__(registry_: address, timelock_: address, guardian_: address, max_report_age_: uint256):
    """
    @dev The deployer becomes the owner.
    @param registry_ The BasketRegistry.
    @param timelock_ The Timelock that alone changes signers and the maximum age.
    @param guardian_ Address allowed to pause.
    @param max_report_age_ Seconds a report stays usable (1 minute to 7 days).
    """
    assert registry_ != empty(address) and timelock_ != empty(address), "oracle: zero address"
    ownable.__init__()
    ownable_2step.__init__()
    guard.__init__(guardian_)
    eip712_domain_separator.__init__("SSI Reserve Oracle", "1")
    registry = registry_
    timelock = timelock_
    self._set_max_age(max_report_age_)


# ---------------------------------------------------------------- admin ----


@external
def set_factory(factory_: address):
    """
    @notice Sets the Factory allowed to register indices: the owner once while
            none is set (deployment wiring), the Timelock afterwards.
    @param factory_ The factory address (empty to disable).
    """
    self._check_wiring(self.factory == empty(address))
    self.factory = factory_
    log FactorySet(factory=factory_)


@external
def set_max_report_age(max_report_age_: uint256):
    """
    @notice Sets how long a report stays usable. Timelock only: a longer age
            could bring a stale report back to life.
    @param max_report_age_ Seconds, from 60 to 7 days.
    """
    assert msg.sender == timelock, "oracle: not timelock"
    self._set_max_age(max_report_age_)


@external
def register_index(index: address, signers: DynArray[address, MAX_SIGNERS], threshold: uint256):
    """
    @notice Sets the first custodian signer set of a new index. Factory only.
    @param index The index token.
    @param signers Custodian signer addresses (distinct, non-zero).
    @param threshold Signatures required (1 to len(signers)).
    """
    assert msg.sender == self.factory, "oracle: not factory"
    assert attestation.threshold[index] == 0, "oracle: index exists"
    attestation._set_signers(index, signers, threshold)


@external
def set_signers(index: address, signers: DynArray[address, MAX_SIGNERS], threshold: uint256):
    """
    @notice Replaces the custodian signer set of an index. Timelock only.
    @param index The index token.
    @param signers Custodian signer addresses (distinct, non-zero).
    @param threshold Signatures required (1 to len(signers)).
    """
    assert msg.sender == timelock, "oracle: not timelock"
    assert attestation.threshold[index] != 0, "oracle: unknown index"
    attestation._set_signers(index, signers, threshold)


# -------------------------------------------------------------- reports ----


@external
def post_report(report: ReserveReport, signatures: DynArray[Bytes[65], MAX_SIGNERS]):
    """
    @notice Accepts a reserve report signed by at least `threshold` custodian
            signers of the index. Anyone may submit it.
    @param report The signed report: `basketVersion` is the current or the
           pending version (never 0), `basketHash` that version's hash in the
           registry, one balance per basket asset.
    @param signatures 65-byte signatures, sorted by signer address (ascending).
    """
    guard._check_not_paused()
    index: address = report.index
    assert attestation.threshold[index] != 0, "oracle: unknown index"
    version: uint256 = report.basketVersion
    assert version != 0, "oracle: wrong basket version"
    assert version == staticcall IBasketRegistry(registry).version(index) or version == staticcall IBasketRegistry(registry).pending_version(index), "oracle: wrong basket version"
    assert report.basketHash == staticcall IBasketRegistry(registry).basket_hash(index, version), "oracle: wrong basket"
    assert len(report.balances) == staticcall IBasketRegistry(registry).asset_count(index, version), "oracle: wrong asset count"
    assert report.nonce == self.next_nonce[index], "oracle: bad nonce"
    assert report.asOf > self.last_as_of[index], "oracle: report not newer"
    assert report.asOf <= block.timestamp, "oracle: report from the future"
    assert block.timestamp - report.asOf <= self.max_report_age, "oracle: report stale"

    digest: bytes32 = self._digest(report)
    attestation._verify(index, digest, signatures)

    self.next_nonce[index] = report.nonce + 1
    self.last_as_of[index] = report.asOf
    self._balances[index][version] = report.balances
    # as-of and nonce are both far below 2**128.
    self._report_meta[index][version] = (report.asOf << 128) | report.nonce
    log ReserveReported(
        index=index,
        basket_version=version,
        nonce=report.nonce,
        as_of=report.asOf,
        basket_hash=report.basketHash,
        balances=report.balances,
        digest=digest,
    )


# ---------------------------------------------------------------- views ----


@external
@view
def report_digest(report: ReserveReport) -> bytes32:
    """
    @notice The EIP-712 digest custodian signers sign for `report`.
    @param report The report.
    @return The digest.
    """
    return self._digest(report)


@external
@view
def signers(index: address) -> DynArray[address, MAX_SIGNERS]:
    """
    @notice The custodian signers of an index.
    @param index The index token.
    @return Signer addresses.
    """
    return attestation._signers_of(index)


@external
@view
def is_signer(index: address, account: address) -> bool:
    """
    @notice Whether `account` is a custodian signer of `index`.
    @param index The index token.
    @param account The address.
    @return True for a signer.
    """
    return attestation.is_signer[index][account]


@external
@view
def threshold(index: address) -> uint256:
    """
    @notice Signatures a report of `index` needs (0 = unknown index).
    @param index The index token.
    @return The threshold.
    """
    return attestation.threshold[index]


@external
@view
def reserves(index: address, version: uint256) -> (DynArray[uint256, MAX_ASSETS], uint256):
    """
    @notice Balances and as-of time of the last accepted report for a basket version.
    @param index The index token.
    @param version The basket version.
    @return Balances in basket order, and the as-of time (0 if none).
    """
    return self._balances[index][version], self._report_meta[index][version] >> 128


@external
@view
def report_as_of(index: address, version: uint256) -> uint256:
    """
    @notice As-of time of the last accepted report for a basket version (0 if none).
    @param index The index token.
    @param version The basket version.
    @return Unix time.
    """
    return self._report_meta[index][version] >> 128


@external
@view
def report_nonce(index: address, version: uint256) -> uint256:
    """
    @notice Nonce of the last accepted report for a basket version (meaningful
            only when `report_as_of` is not 0).
    @param index The index token.
    @param version The basket version.
    @return The report nonce.
    """
    return self._report_meta[index][version] & LOW_128


@external
@view
@reentrant
def check_backing(index: address, version: uint256, claims: uint256, not_before: uint256) -> uint256:
    """
    @notice Reverts unless the last report for `version` is fresh, dated at or
            after `not_before`, and covers `claims` share-wei for every asset:
            balance >= ceil(claims * units / 1e36), units rounded up (both
            roundings are the protocol's favour).
    @dev Marked reentrant: the registry reaches it from `activate`; it only reads.
    @param index The index token.
    @param version The basket version.
    @param claims Share-wei the reserves must cover (see the contract notes).
    @param not_before Earliest as-of time the report may have.
    @return The nonce of the report used.
    """
    reason: String[32] = self._shortfall(index, version, claims, not_before)
    assert len(reason) == 0, reason
    return self._report_meta[index][version] & LOW_128


@external
@view
@reentrant
def is_backed(index: address, version: uint256, claims: uint256, not_before: uint256) -> bool:
    """
    @notice `check_backing` as a boolean: True when it would pass.
    @param index The index token.
    @param version The basket version.
    @param claims Share-wei the reserves must cover.
    @param not_before Earliest as-of time the report may have.
    @return Whether the report covers the claims.
    """
    return len(self._shortfall(index, version, claims, not_before)) == 0


# ------------------------------------------------------------ internals ----


@internal
@view
def _shortfall(index: address, version: uint256, claims: uint256, not_before: uint256) -> String[32]:
    """
    @dev The reason the last report for `version` does not cover `claims`, or "".
    """
    as_of: uint256 = self._report_meta[index][version] >> 128
    if as_of == 0:
        return "oracle: no report"
    if block.timestamp - as_of > self.max_report_age:
        return "oracle: report stale"
    if as_of < not_before:
        return "oracle: report predates flows"
    units: DynArray[uint256, MAX_ASSETS] = staticcall IBasketRegistry(registry).effective_units(index, version, True)
    balances: DynArray[uint256, MAX_ASSETS] = self._balances[index][version]
    for i: uint256 in range(len(units), bound=MAX_ASSETS):
        if balances[i] < math._mul_div(claims, units[i], UNIT_DENOMINATOR, True):
            return "oracle: reserves short"
    return ""


@internal
@view
def _digest(report: ReserveReport) -> bytes32:
    """
    @dev EIP-712 hash: the array member is hashed as the keccak of its
         32-byte elements concatenated (the ABI encoding without its
         offset and length words).
    """
    encoded: Bytes[576] = abi_encode(report.balances)
    balances_hash: bytes32 = keccak256(slice(encoded, 64, 32 * len(report.balances)))
    struct_hash: bytes32 = keccak256(
        abi_encode(
            REPORT_TYPEHASH, report.index, report.basketVersion, report.basketHash, balances_hash, report.asOf, report.nonce
        )
    )
    return eip712_domain_separator._hash_typed_data_v4(struct_hash)


@internal
@view
def _check_wiring(unset: bool):
    """
    @dev Wiring is the owner's while unset (deployment), the Timelock's after.
    """
    if unset:
        assert msg.sender == ownable.owner or msg.sender == timelock, "oracle: not owner"
    else:
        assert msg.sender == timelock, "oracle: not timelock"


@internal
def _set_max_age(max_age: uint256):
    """
    @dev Bounds keep a report useful and never long-lived.
    """
    assert max_age >= 60 and max_age <= 7 * 86400, "oracle: bad max age"
    self.max_report_age = max_age
    log MaxReportAgeSet(max_report_age=max_age)
