# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Basket registry
@notice For every index token: the current basket (asset ids and units per
        share), its version, at most one pending basket announced by the
        index compiler at least a notice period ahead, and the management fee.
        Activation of a pending basket is permissionless once it is due and a
        fresh reserve report for the new version, dated after the last
        recorded outflow, covers every claim (supply, fee shares not yet
        minted, shares of delivered unsettled mints).

        Versions are never reused: every announcement takes the next number,
        even after a cancelled one, and each version has a hash of its asset
        ids and units as announced, which reserve reports sign.
@dev Units convention: `units` of an asset = its base units (10**decimals per
     whole token) per ONE whole index share (1e18 share-wei), multiplied by
     UNIT_SCALE (1e18). The amount of an asset that backs `supply` share-wei is
     therefore supply * units / 1e36.

     Management fee: one fee factor per index, a WAD that starts at 1e18 and
     decays continuously, factor(t) = factor(t0) * exp(-rate * (t - t0) / year).
     Baskets are stored in *normalised* units (units / factor at announcement);
     the units holders own at any time are normalised units * factor(now).
     What the factor takes from holders is paid to the treasury in new index
     shares. A reference factor records how far the fee has been paid: fee
     shares owed = supply * (reference - factor) / factor. `accrue` (through
     the Issuer's `accrue_fee`) mints them and sets reference = factor, so
     that (supply + fee shares) * units(now) never exceeds supply *
     units(reference). A mint settlement `carry_fee`s instead: it keeps the
     shares owed unchanged for the larger supply without minting (cheaper,
     and exact). The fee is therefore a claim, never a surplus that could
     back new shares; fee shares owed are counted in every backing check.

     Storage: one slot per basket asset, packed as
     (asset number << 240) | normalised units, where the asset number is the
     1-based position of the asset in `asset_ids`.
@custom:kill The guardian pauses announcements and activations; fee accrual
             and every view keep working. The fee rate changes only through
             the Issuer's timelocked setter; factory re-wiring only through
             the Timelock.
"""

from snekmate.auth import ownable
from snekmate.auth import ownable_2step
from snekmate.utils import math
from .modules import guard
from .interfaces import IReserveOracle
from .interfaces import IIssuer
from ethereum.ercs import IERC20

initializes: ownable
initializes: ownable_2step[ownable := ownable]
initializes: guard[ownable := ownable]

exports: (
    ownable_2step.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
    # `renounce_ownership` is not exported: the registry must always have an owner.
    guard.guardian,
    guard.paused,
    guard.set_guardian,
    guard.pause,
    guard.unpause,
)


# @dev Largest basket.
MAX_ASSETS: constant(uint256) = 16
# @dev Largest number of registered assets.
MAX_REGISTERED: constant(uint256) = 4096
# @dev 1.0 in 18-decimal fixed point.
WAD: constant(uint256) = 10**18
# @dev Scale of stored units (see the contract notes).
UNIT_SCALE: constant(uint256) = 10**18
# @dev Seconds in a year of 365.25 days, for the fee rate.
YEAR: constant(uint256) = 31_557_600
# @dev Units must fit below the asset number in a packed slot.
UNITS_LIMIT: constant(uint256) = 2**240
# @dev Mask of the low 96 bits of a packed slot.
LOW_96: constant(uint256) = 2**96 - 1
# @dev Longest allowed notice period, so that an owner cannot freeze rebalances.
MAX_NOTICE: constant(uint256) = 90 * 86400


# @dev Metadata of a registered asset.
struct Asset:
    symbol: String[16]
    decimals: uint8
    number: uint256


# @dev Highest management fee rate (continuous, per year, WAD), fixed at deploy.
max_fee_rate: public(immutable(uint256))

# @dev Registered assets by id.
assets: public(HashMap[bytes32, Asset])
# @dev Asset ids in registration order (asset number n is asset_ids[n - 1]).
asset_ids: public(DynArray[bytes32, MAX_REGISTERED])

# @dev The Timelock: the only caller of factory re-wiring.
timelock: public(immutable(address))

# @dev The ReserveOracle that proves baskets are backed (set once).
oracle: public(address)
# @dev The Issuer: mints fee shares and records flows (set once).
issuer: public(address)
# @dev The Factory allowed to register indices.
factory: public(address)
# @dev Minimum delay between an announcement and its effective time.
notice_period: public(uint256)

# @dev Per index: the compiler allowed to announce baskets.
compiler: public(HashMap[address, address])
# @dev Per index: current basket version (0 = unknown index).
version: public(HashMap[address, uint256])
# @dev Per index: the pending basket's version (0 = none pending).
pending_version: public(HashMap[address, uint256])
# @dev Per index: highest version number ever announced (never reused).
last_version: public(HashMap[address, uint256])
# @dev Per index: effective time of the pending basket (0 = none pending).
effective_at: public(HashMap[address, uint256])
# @dev Per index and version: keccak256(abi_encode(index, version, asset_ids, units as announced)).
basket_hash: public(HashMap[address, HashMap[uint256, bytes32]])
# @dev Per index and version: packed basket entries (normalised units).
_baskets: HashMap[address, HashMap[uint256, DynArray[uint256, MAX_ASSETS]]]
# @dev Per index, one slot: (time persisted << 192) | (fee factor << 96) | minted-through
# reference factor. Both factors are WADs at most 1e18 < 2**96.
_fee: HashMap[address, uint256]
# @dev Per index: management fee rate (continuous, per year, WAD).
fee_rate: public(HashMap[address, uint256])


# @dev Emitted when an asset is registered.
event AssetRegistered:
    asset_id: indexed(bytes32)
    symbol: String[16]
    decimals: uint8
    number: uint256


# @dev Emitted when the oracle is set.
event OracleSet:
    oracle: indexed(address)


# @dev Emitted when the issuer is set.
event IssuerSet:
    issuer: indexed(address)


# @dev Emitted when the factory changes.
event FactorySet:
    factory: indexed(address)


# @dev Emitted when the notice period changes.
event NoticePeriodSet:
    notice_period: uint256


# @dev Emitted when an index is registered with its first basket (version 1).
event IndexRegistered:
    index: indexed(address)
    compiler: indexed(address)
    asset_ids: DynArray[bytes32, MAX_ASSETS]
    units: DynArray[uint256, MAX_ASSETS]
    fee_rate: uint256
    basket_hash: bytes32


# @dev Emitted when the compiler of an index changes.
event CompilerSet:
    index: indexed(address)
    compiler: indexed(address)


# @dev Emitted when a new basket is announced.
# `units` are as announced; they are stored divided by `fee_factor`.
event BasketAnnounced:
    index: indexed(address)
    version: indexed(uint256)
    effective_at: uint256
    asset_ids: DynArray[bytes32, MAX_ASSETS]
    units: DynArray[uint256, MAX_ASSETS]
    fee_factor: uint256
    basket_hash: bytes32


# @dev Emitted when a pending basket is withdrawn.
event BasketCancelled:
    index: indexed(address)
    version: indexed(uint256)


# @dev Emitted when a pending basket becomes current; `report_nonce` is the
# reserve report that backed it.
event BasketActivated:
    index: indexed(address)
    version: indexed(uint256)
    previous_version: uint256
    report_nonce: uint256


# @dev Emitted when the fee factor is persisted; `reference_factor` is the
# factor through which fee shares are minted or carried.
event FeeAccrued:
    index: indexed(address)
    fee_factor: uint256
    reference_factor: uint256


# @dev Emitted when the management fee rate changes.
event FeeRateSet:
    index: indexed(address)
    fee_rate: uint256


@deploy
def __init__(timelock_: address, guardian_: address, notice_period_: uint256, max_fee_rate_: uint256):
    """
    @dev The deployer becomes the owner.
    @param timelock_ The Timelock (factory re-wiring).
    @param guardian_ Address allowed to pause.
    @param notice_period_ Minimum seconds between announcement and effect.
    @param max_fee_rate_ Highest management fee rate (continuous, per year, WAD).
    """
    assert timelock_ != empty(address), "registry: zero address"
    assert notice_period_ <= MAX_NOTICE, "registry: notice too long"
    assert max_fee_rate_ <= WAD // 10, "registry: fee cap too high"
    ownable.__init__()
    ownable_2step.__init__()
    guard.__init__(guardian_)
    max_fee_rate = max_fee_rate_
    timelock = timelock_
    self.notice_period = notice_period_
    log NoticePeriodSet(notice_period=notice_period_)


# ---------------------------------------------------------------- admin ----


@external
def set_oracle(oracle_: address):
    """
    @notice Sets the ReserveOracle once. Owner only.
    @param oracle_ The oracle address.
    """
    ownable._check_owner()
    assert self.oracle == empty(address), "registry: oracle set"
    assert oracle_ != empty(address), "registry: zero address"
    self.oracle = oracle_
    log OracleSet(oracle=oracle_)


@external
def set_issuer(issuer_: address):
    """
    @notice Sets the Issuer once. Owner only.
    @param issuer_ The issuer address.
    """
    ownable._check_owner()
    assert self.issuer == empty(address), "registry: issuer set"
    assert issuer_ != empty(address), "registry: zero address"
    self.issuer = issuer_
    log IssuerSet(issuer=issuer_)


@external
def set_factory(factory_: address):
    """
    @notice Sets the Factory allowed to register indices: the owner once while
            none is set (deployment wiring), the Timelock afterwards.
    @param factory_ The factory address (empty to disable).
    """
    if self.factory == empty(address):
        assert msg.sender == ownable.owner or msg.sender == timelock, "registry: not owner"
    else:
        assert msg.sender == timelock, "registry: not timelock"
    self.factory = factory_
    log FactorySet(factory=factory_)


@external
def set_notice_period(notice_period_: uint256):
    """
    @notice Sets the minimum notice for basket changes. Owner only.
    @dev Applies to announcements made after the change.
    @param notice_period_ Seconds, at most 90 days.
    """
    ownable._check_owner()
    assert notice_period_ <= MAX_NOTICE, "registry: notice too long"
    self.notice_period = notice_period_
    log NoticePeriodSet(notice_period=notice_period_)


@external
def register_asset(asset_id: bytes32, symbol: String[16], decimals: uint8):
    """
    @notice Registers an asset once; its decimals never change. Owner only.
    @param asset_id Identifier, e.g. the symbol right-padded to 32 bytes.
    @param symbol Human-readable symbol.
    @param decimals Decimals of the asset's base unit (at most 36).
    """
    ownable._check_owner()
    assert asset_id != empty(bytes32), "registry: zero asset id"
    assert self.assets[asset_id].number == 0, "registry: asset exists"
    assert decimals <= 36, "registry: bad decimals"
    self.asset_ids.append(asset_id)
    number: uint256 = len(self.asset_ids)
    self.assets[asset_id] = Asset(symbol=symbol, decimals=decimals, number=number)
    log AssetRegistered(asset_id=asset_id, symbol=symbol, decimals=decimals, number=number)


@external
def register_index(
    index: address,
    asset_ids: DynArray[bytes32, MAX_ASSETS],
    units: DynArray[uint256, MAX_ASSETS],
    compiler: address,
    fee_rate: uint256,
):
    """
    @notice Registers a new index with its first basket (version 1). Factory only.
    @param index The index token.
    @param asset_ids Basket asset ids (registered, distinct).
    @param units Units per share (see the contract notes), one per asset.
    @param compiler Address allowed to announce baskets.
    @param fee_rate Management fee rate (continuous, per year, WAD).
    """
    assert msg.sender == self.factory, "registry: not factory"
    assert self.version[index] == 0, "registry: index exists"
    assert fee_rate <= max_fee_rate, "registry: fee rate above cap"
    basket_hash_: bytes32 = self._store_basket(index, 1, asset_ids, units, WAD)
    self.version[index] = 1
    self.last_version[index] = 1
    self.compiler[index] = compiler
    self._fee[index] = self._pack_fee(WAD, WAD)
    self.fee_rate[index] = fee_rate
    log IndexRegistered(
        index=index, compiler=compiler, asset_ids=asset_ids, units=units, fee_rate=fee_rate, basket_hash=basket_hash_
    )


@external
def set_compiler(index: address, compiler: address):
    """
    @notice Replaces the compiler of an index. Owner only.
    @param index The index token.
    @param compiler The new compiler.
    """
    ownable._check_owner()
    self._check_index(index)
    self.compiler[index] = compiler
    log CompilerSet(index=index, compiler=compiler)


@external
def set_fee_rate(index: address, fee_rate: uint256):
    """
    @notice Changes the management fee rate. Issuer only: the Issuer's
            timelocked `set_fee_rate` accrues (and mints the fee) at the old
            rate first.
    @param index The index token.
    @param fee_rate New rate (continuous, per year, WAD), at most `max_fee_rate`.
    """
    assert msg.sender == self.issuer, "registry: not issuer"
    self._check_index(index)
    assert fee_rate <= max_fee_rate, "registry: fee rate above cap"
    assert self._fee[index] >> 192 == block.timestamp, "registry: accrue first"
    self.fee_rate[index] = fee_rate
    log FeeRateSet(index=index, fee_rate=fee_rate)


# ------------------------------------------------------------ rebalance ----


@external
def announce(
    index: address,
    asset_ids: DynArray[bytes32, MAX_ASSETS],
    units: DynArray[uint256, MAX_ASSETS],
    effective_at: uint256,
) -> uint256:
    """
    @notice Announces the next basket of an index. Compiler of the index only.
    @dev `units` are what one share holds at announcement time; they are stored
         normalised by the current fee factor (rounded down: a share never
         claims more than announced), so the fee keeps accruing on them.
    @param index The index token.
    @param asset_ids Basket asset ids (registered, distinct, 1 to 16).
    @param units Units per share at announcement, one per asset.
    @param effective_at Earliest activation time (now + notice period at least).
    @return The pending version number.
    """
    guard._check_not_paused()
    self._check_index(index)
    assert msg.sender == self.compiler[index], "registry: not compiler"
    assert self.effective_at[index] == 0, "registry: basket pending"
    assert effective_at >= block.timestamp + self.notice_period, "registry: notice too short"
    next_version: uint256 = self.last_version[index] + 1
    factor: uint256 = self._fee_factor(index)
    basket_hash_: bytes32 = self._store_basket(index, next_version, asset_ids, units, factor)
    self.last_version[index] = next_version
    self.pending_version[index] = next_version
    self.effective_at[index] = effective_at
    log BasketAnnounced(
        index=index,
        version=next_version,
        effective_at=effective_at,
        asset_ids=asset_ids,
        units=units,
        fee_factor=factor,
        basket_hash=basket_hash_,
    )
    return next_version


@external
def cancel_announcement(index: address):
    """
    @notice Withdraws the pending basket. Compiler of the index or owner.
            Its version number is never used again.
    @param index The index token.
    """
    assert msg.sender == self.compiler[index] or msg.sender == ownable.owner, "registry: not compiler"
    pending: uint256 = self.pending_version[index]
    assert pending != 0, "registry: no pending basket"
    self.pending_version[index] = 0
    self.effective_at[index] = 0
    log BasketCancelled(index=index, version=pending)


@external
def activate(index: address):
    """
    @notice Makes the pending basket current. Anyone, once it is due and a
            fresh reserve report for the new version, dated at or after the
            index's last recorded outflow, covers every claim: supply, fee
            shares not yet minted, and shares of delivered unsettled mints.
    @dev Backing is checked by the oracle with units rounded up and the
         required amounts rounded up (the protocol's favour).
    @param index The index token.
    """
    guard._check_not_paused()
    due: uint256 = self.effective_at[index]
    next_version: uint256 = self.pending_version[index]
    assert next_version != 0, "registry: no pending basket"
    assert block.timestamp >= due, "registry: not yet effective"
    pending_shares: uint256 = 0
    last_outflow: uint256 = 0
    pending_shares, last_outflow = staticcall IIssuer(self.issuer).flows(index)
    claims: uint256 = staticcall IERC20(index).totalSupply()
    claims += self._pending_fee_shares(index, claims) + pending_shares
    # Reverts with the oracle's reason (no report, stale, predates flows, reserves short).
    report_nonce: uint256 = staticcall IReserveOracle(self.oracle).check_backing(index, next_version, claims, last_outflow)
    previous: uint256 = self.version[index]
    self.version[index] = next_version
    self.pending_version[index] = 0
    self.effective_at[index] = 0
    log BasketActivated(index=index, version=next_version, previous_version=previous, report_nonce=report_nonce)


@external
def accrue(index: address) -> (uint256, uint256):
    """
    @notice Persists the management fee factor and returns it before and
            after. Issuer only: the Issuer mints the fee shares in the same
            call (`Issuer.accrue_fee`, open to anyone).
    @dev O(1): one storage write, whatever the basket size or elapsed time.
    @param index The index token.
    @return The factor persisted before, and the factor now (WAD).
    """
    assert msg.sender == self.issuer, "registry: not issuer"
    self._check_index(index)
    reference: uint256 = self._fee[index] & LOW_96
    factor: uint256 = self._fee_factor(index)
    if factor != reference or self._fee[index] >> 192 != block.timestamp:
        self._fee[index] = self._pack_fee(factor, factor)
        log FeeAccrued(index=index, fee_factor=factor, reference_factor=factor)
    return reference, factor


@external
def carry_fee(index: address, supply: uint256, new_supply: uint256) -> uint256:
    """
    @notice Keeps the fee shares owed to the treasury unchanged across a supply
            change, without minting them. Issuer only (mint settlement).
    @dev Owed = supply * (reference - factor) / factor. With the factor
         persisted now, the new reference is factor + floor(supply *
         (reference - factor) / new_supply): rounded down, so the shares owed
         never grow (holders' favour). A supply increase can only lower the
         reference, which therefore stays below 2**96.
    @param index The index token.
    @param supply Supply before the change.
    @param new_supply Supply after the change (at least `supply`).
    @return The fee shares owed before (and after) the change.
    """
    assert msg.sender == self.issuer, "registry: not issuer"
    assert new_supply >= supply and new_supply != 0, "registry: bad supply"
    reference: uint256 = self._fee[index] & LOW_96
    factor: uint256 = self._fee_factor(index)
    owed: uint256 = 0
    if reference > factor:
        owed = math._mul_div(supply, reference - factor, factor, False)
        reference = factor + math._mul_div(supply, reference - factor, new_supply, False)
    else:
        reference = factor
    self._fee[index] = self._pack_fee(factor, reference)
    log FeeAccrued(index=index, fee_factor=factor, reference_factor=reference)
    return owed


# ---------------------------------------------------------------- views ----


@external
@view
def fee_factor(index: address) -> uint256:
    """
    @notice The fee factor (WAD) as last persisted.
    @param index The index token.
    @return The factor.
    """
    return (self._fee[index] >> 96) & LOW_96


@external
@view
def fee_reference(index: address) -> uint256:
    """
    @notice The factor through which fee shares have been minted or carried
            (WAD): fee shares owed = supply * (reference - factor now) / factor now.
    @param index The index token.
    @return The reference factor.
    """
    return self._fee[index] & LOW_96


@external
@view
def fee_updated_at(index: address) -> uint256:
    """
    @notice When the fee factor was last persisted.
    @param index The index token.
    @return Unix time.
    """
    return self._fee[index] >> 192


@external
@view
@reentrant
def pending_fee_shares(index: address) -> uint256:
    """
    @notice Fee shares the treasury is owed and that are not minted yet:
            floor(supply * (reference - now) / now) for the factors.
    @dev Rounded down, as the Issuer mints them (holders keep the remainder).
    @param index The index token.
    @return Share-wei.
    """
    return self._pending_fee_shares(index, staticcall IERC20(index).totalSupply())


@external
@view
def asset_count(index: address, version: uint256) -> uint256:
    """
    @notice Number of assets in a basket version.
    @param index The index token.
    @param version The basket version.
    @return The count (0 for an unknown version).
    """
    return len(self._baskets[index][version])


@external
@view
@reentrant
def current_fee_factor(index: address) -> uint256:
    """
    @notice The fee factor now (WAD), including the fee not yet persisted.
    @param index The index token.
    @return The factor.
    """
    return self._fee_factor(index)


@external
@view
@reentrant
def effective_units(index: address, version: uint256, round_up: bool) -> DynArray[uint256, MAX_ASSETS]:
    """
    @notice Units per share a holder owns now, for every asset of a basket version.
    @dev Rounded up when checking backing, down when paying out. Marked
         reentrant because `activate` reaches it back through the oracle's
         `check_backing`; it only reads.
    @param index The index token.
    @param version The basket version.
    @param round_up Rounding direction.
    @return Units per share (see the contract notes), in basket order.
    """
    return self._effective_units(index, version, round_up)


@external
@view
def basket(index: address, version: uint256) -> (DynArray[bytes32, MAX_ASSETS], DynArray[uint256, MAX_ASSETS]):
    """
    @notice Asset ids and units per share owned now (rounded down) of a basket version.
    @param index The index token.
    @param version The basket version (use `version(index)` for the current one).
    @return Asset ids and units, in basket order.
    """
    ids: DynArray[bytes32, MAX_ASSETS] = []
    for entry: uint256 in self._baskets[index][version]:
        ids.append(self.asset_ids[(entry >> 240) - 1])
    return ids, self._effective_units(index, version, False)


# ------------------------------------------------------------ internals ----


@internal
@view
def _check_index(index: address):
    """
    @dev Reverts for an unregistered index.
    """
    assert self.version[index] != 0, "registry: unknown index"


@internal
def _store_basket(
    index: address,
    version: uint256,
    asset_ids: DynArray[bytes32, MAX_ASSETS],
    units: DynArray[uint256, MAX_ASSETS],
    factor: uint256,
) -> bytes32:
    """
    @dev Validates and writes a basket in packed, normalised form, and its
         hash. Distinctness is checked pairwise: at most 16 * 15 / 2 comparisons.
    """
    n: uint256 = len(asset_ids)
    assert n != 0 and n == len(units), "registry: bad basket size"
    packed: DynArray[uint256, MAX_ASSETS] = []
    for i: uint256 in range(n, bound=MAX_ASSETS):
        number: uint256 = self.assets[asset_ids[i]].number
        assert number != 0, "registry: unknown asset"
        for j: uint256 in range(i, bound=MAX_ASSETS):
            assert asset_ids[j] != asset_ids[i], "registry: duplicate asset"
        assert units[i] != 0, "registry: zero units"
        normalised: uint256 = math._mul_div(units[i], WAD, factor, False)
        assert normalised != 0 and normalised < UNITS_LIMIT, "registry: units out of range"
        packed.append((number << 240) | normalised)
    self._baskets[index][version] = packed
    basket_hash_: bytes32 = keccak256(abi_encode(index, version, asset_ids, units))
    self.basket_hash[index][version] = basket_hash_
    return basket_hash_


@internal
@view
def _fee_factor(index: address) -> uint256:
    """
    @dev factor * exp(-rate * elapsed / year), rounded up (the fee taken is
         never more than the rate says: holders keep at least their share).
    """
    fee: uint256 = self._fee[index]
    factor: uint256 = (fee >> 96) & LOW_96
    elapsed: uint256 = block.timestamp - (fee >> 192)
    rate: uint256 = self.fee_rate[index]
    if elapsed == 0 or rate == 0:
        return factor
    # rate <= WAD / 10 and elapsed is a timestamp difference: the product fits easily.
    exponent: int256 = -convert(rate * elapsed // YEAR, int256)
    decay: uint256 = convert(math._wad_exp(exponent), uint256)
    return math._mul_div(factor, decay, WAD, True)


@internal
@view
def _pack_fee(factor: uint256, reference: uint256) -> uint256:
    """
    @dev One slot: time << 192 | factor << 96 | reference.
    """
    return (block.timestamp << 192) | (factor << 96) | reference


@internal
@view
def _pending_fee_shares(index: address, supply: uint256) -> uint256:
    """
    @dev floor(supply * (persisted - now) / now): fee shares owed, not minted.
    """
    reference: uint256 = self._fee[index] & LOW_96
    factor: uint256 = self._fee_factor(index)
    if factor >= reference:
        return 0
    return math._mul_div(supply, reference - factor, factor, False)


@internal
@view
def _effective_units(index: address, version: uint256, round_up: bool) -> DynArray[uint256, MAX_ASSETS]:
    """
    @dev Normalised units times the current fee factor.
    """
    factor: uint256 = self._fee_factor(index)
    result: DynArray[uint256, MAX_ASSETS] = []
    for entry: uint256 in self._baskets[index][version]:
        result.append(math._mul_div(entry & (UNITS_LIMIT - 1), factor, WAD, round_up))
    return result
