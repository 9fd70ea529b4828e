# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Reserve oracle (proof of reserves)
@notice Custodian signers attest, as EIP-712 typed data, what they hold for
        an index: `ReserveReport(index, basketVersion, balances, asOf, nonce)`.
        A report is accepted once M of the index's N custodian signers have
        signed it, it is newer than the last accepted report, its nonce is the
        next one, and it is younger than `max_report_age`. Minting and basket
        activation call `check_backing`, which reverts unless the latest report
        for the basket version covers supply * units for every asset.
@dev Signatures must be sorted by signer address, strictly ascending, which
     proves the signers distinct in one pass. Reports are kept per basket
     version, so a report for a pending basket does not stop minting against
     the current one.
@custom:kill The guardian pauses new reports; `check_backing` then keeps
             using the last accepted ones until they go stale.
"""

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.utils import ecdsa
from snekmate.utils import eip712_domain_separator
from snekmate.utils import math
from .modules import guard
from .interfaces import IBasketRegistry
from .interfaces import IReserveOracle
from ethereum.ercs import IERC20

implements: IReserveOracle

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


# @dev Largest basket (as in the registry).
MAX_ASSETS: constant(uint256) = 16
# @dev Largest custodian signer set.
MAX_SIGNERS: constant(uint256) = 16
# @dev Units are per 1e18 share-wei and scaled by 1e18.
UNIT_DENOMINATOR: constant(uint256) = 10**36
# @dev EIP-712 type hash of a reserve report.
REPORT_TYPEHASH: constant(bytes32) = keccak256(
    "ReserveReport(address index,uint256 basketVersion,uint256[] balances,uint256 asOf,uint256 nonce)"
)


# @dev A reserve report, as signed.
struct ReserveReport:
    index: address
    basketVersion: uint256
    balances: DynArray[uint256, MAX_ASSETS]
    asOf: uint256
    nonce: uint256


# @dev The basket registry (versions and units).
registry: public(immutable(address))

# @dev The Factory allowed to register indices.
factory: public(address)
# @dev How long an accepted report stays usable, in seconds.
max_report_age: public(uint256)

# @dev Per index: the custodian signers.
_signers: HashMap[address, DynArray[address, MAX_SIGNERS]]
# @dev Per index and address: whether it is a custodian signer.
is_signer: public(HashMap[address, HashMap[address, bool]])
# @dev Per index: signatures required (0 = unknown index).
threshold: public(HashMap[address, uint256])
# @dev Per index: nonce the next report must carry.
next_nonce: public(HashMap[address, uint256])
# @dev Per index: as-of time of the last accepted report.
last_as_of: public(HashMap[address, uint256])
# @dev Per index and basket version: balances of the last accepted report.
_balances: HashMap[address, HashMap[uint256, DynArray[uint256, MAX_ASSETS]]]
# @dev Per index and basket version: as-of time of the last accepted report.
report_as_of: public(HashMap[address, HashMap[uint256, uint256]])


# @dev Emitted when the factory changes.
event FactorySet:
    factory: indexed(address)


# @dev Emitted when the maximum report age changes.
event MaxReportAgeSet:
    max_report_age: uint256


# @dev Emitted when an index's signer set or threshold changes.
event SignersSet:
    index: indexed(address)
    signers: DynArray[address, MAX_SIGNERS]
    threshold: uint256


# @dev Emitted when a report is accepted.
event ReserveReported:
    index: indexed(address)
    basket_version: indexed(uint256)
    nonce: uint256
    as_of: uint256
    balances: DynArray[uint256, MAX_ASSETS]
    digest: bytes32


@deploy
def __init__(registry_: address, guardian_: address, max_report_age_: uint256):
    """
    @dev The deployer becomes the owner.
    @param registry_ The BasketRegistry.
    @param guardian_ Address allowed to pause.
    @param max_report_age_ Seconds a report stays usable (1 to 30 days).
    """
    assert registry_ != empty(address), "oracle: zero address"
    ownable.__init__()
    ownable_2step.__init__()
    guard.__init__(guardian_)
    eip712_domain_separator.__init__("SSI Reserve Oracle", "1")
    registry = registry_
    self._set_max_age(max_report_age_)


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
def set_max_report_age(max_report_age_: uint256):
    """
    @notice Sets how long a report stays usable. Owner only.
    @param max_report_age_ Seconds, from 60 to 30 days.
    """
    ownable._check_owner()
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
    assert self.threshold[index] == 0, "oracle: index exists"
    self._set_signers(index, signers, threshold)


@external
def set_signers(index: address, signers: DynArray[address, MAX_SIGNERS], threshold: uint256):
    """
    @notice Replaces the custodian signer set of an index. Owner only.
    @param index The index token.
    @param signers Custodian signer addresses (distinct, non-zero).
    @param threshold Signatures required (1 to len(signers)).
    """
    ownable._check_owner()
    assert self.threshold[index] != 0, "oracle: unknown index"
    self._set_signers(index, signers, threshold)


# -------------------------------------------------------------- reports ----


@external
def post_report(report: ReserveReport, signatures: DynArray[Bytes[65], MAX_SIGNERS]):
    """
    @notice Accepts a reserve report signed by at least `threshold` custodian
            signers of the index. Anyone may submit it.
    @param report The signed report; `basketVersion` is the current or the
           pending basket version, with one balance per basket asset.
    @param signatures 65-byte signatures, sorted by signer address (ascending).
    """
    guard._check_not_paused()
    index: address = report.index
    required: uint256 = self.threshold[index]
    assert required != 0, "oracle: unknown index"
    current: uint256 = staticcall IBasketRegistry(registry).version(index)
    version: uint256 = report.basketVersion
    assert version == current or version == staticcall IBasketRegistry(registry).pending_version(index), "oracle: wrong basket version"
    assert len(report.balances) == staticcall IBasketRegistry(registry).asset_count(index, version), "oracle: wrong asset count"
    assert report.nonce == self.next_nonce[index], "oracle: bad nonce"
    assert report.asOf > self.last_as_of[index], "oracle: report not newer"
    assert report.asOf <= block.timestamp, "oracle: report from the future"
    assert block.timestamp - report.asOf <= self.max_report_age, "oracle: report stale"

    digest: bytes32 = self._digest(report)
    previous: address = empty(address)
    for signature: Bytes[65] in signatures:
        signer: address = ecdsa._recover_sig(digest, signature)
        assert signer != previous, "oracle: duplicate signer"
        assert convert(signer, uint160) > convert(previous, uint160), "oracle: signers not sorted"
        assert self.is_signer[index][signer], "oracle: unknown signer"
        previous = signer
    assert len(signatures) >= required, "oracle: too few signers"

    self.next_nonce[index] = report.nonce + 1
    self.last_as_of[index] = report.asOf
    self._balances[index][version] = report.balances
    self.report_as_of[index][version] = report.asOf
    log ReserveReported(
        index=index,
        basket_version=version,
        nonce=report.nonce,
        as_of=report.asOf,
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
    return self._signers[index]


@external
@view
def reserves(index: address, version: uint256) -> (DynArray[uint256, MAX_ASSETS], uint256):
    """
    @notice Balances and as-of time of the last accepted report for a basket version.
    @param index The index token.
    @param version The basket version.
    @return Balances in basket order, and the as-of time (0 if none).
    """
    return self._balances[index][version], self.report_as_of[index][version]


@external
@view
def check_backing(index: address, version: uint256, supply: uint256) -> bool:
    """
    @notice Reverts unless the last report for `version` is fresh and covers
            `supply` shares: balance >= ceil(supply * units / 1e36) for every
            asset, with units rounded up (the protocol's favour).
    @param index The index token.
    @param version The basket version.
    @param supply Share supply to back, in share-wei.
    @return True.
    """
    as_of: uint256 = self.report_as_of[index][version]
    assert as_of != 0, "oracle: no report"
    assert block.timestamp - as_of <= self.max_report_age, "oracle: report stale"
    units: DynArray[uint256, MAX_ASSETS] = staticcall IBasketRegistry(registry).effective_units(index, version, True)
    balances: DynArray[uint256, MAX_ASSETS] = self._balances[index][version]
    for i: uint256 in range(len(units), bound=MAX_ASSETS):
        assert balances[i] >= math._mul_div(supply, units[i], UNIT_DENOMINATOR, True), "oracle: reserves short"
    return True


@external
@view
def fee_reserves(index: address) -> DynArray[uint256, MAX_ASSETS]:
    """
    @notice Reserves above what holders own, per asset of the current basket:
            the accrued management fee (and any other surplus) per the last
            report. Zero where a report is short or missing.
    @param index The index token.
    @return Surplus in base units, in basket order.
    """
    version: uint256 = staticcall IBasketRegistry(registry).version(index)
    supply: uint256 = staticcall IERC20(index).totalSupply()
    units: DynArray[uint256, MAX_ASSETS] = staticcall IBasketRegistry(registry).effective_units(index, version, True)
    balances: DynArray[uint256, MAX_ASSETS] = self._balances[index][version]
    surplus: DynArray[uint256, MAX_ASSETS] = []
    for i: uint256 in range(len(units), bound=MAX_ASSETS):
        owed: uint256 = math._mul_div(supply, units[i], UNIT_DENOMINATOR, True)
        if i < len(balances) and balances[i] > owed:
            surplus.append(balances[i] - owed)
        else:
            surplus.append(0)
    return surplus


# ------------------------------------------------------------ internals ----


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
        abi_encode(REPORT_TYPEHASH, report.index, report.basketVersion, balances_hash, report.asOf, report.nonce)
    )
    return eip712_domain_separator._hash_typed_data_v4(struct_hash)


@internal
def _set_max_age(max_age: uint256):
    """
    @dev Bounds keep a report useful and never permanent.
    """
    assert max_age >= 60 and max_age <= 30 * 86400, "oracle: bad max age"
    self.max_report_age = max_age
    log MaxReportAgeSet(max_report_age=max_age)


@internal
def _set_signers(index: address, signers: DynArray[address, MAX_SIGNERS], threshold: uint256):
    """
    @dev Replaces the signer set; both loops are bounded by MAX_SIGNERS.
    """
    assert threshold != 0 and threshold <= len(signers), "oracle: bad threshold"
    for old: address in self._signers[index]:
        self.is_signer[index][old] = False
    for signer: address in signers:
        assert signer != empty(address), "oracle: zero signer"
        assert not self.is_signer[index][signer], "oracle: duplicate signer"
        self.is_signer[index][signer] = True
    self._signers[index] = signers
    self.threshold[index] = threshold
    log SignersSet(index=index, signers=signers, threshold=threshold)
