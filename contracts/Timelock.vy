# pragma version ~=0.4.3
# pragma nonreentrancy on
"""
@title Timelock for every change that could let supply exceed real holdings
@notice The protocol contracts accept their risky setters (custodian signers
        and threshold, maximum report age, WLP and PMM additions, fee rates and
        index settings, factory re-wiring, USSI signers, NAV bound and
        operators) only from this contract. The owner (a Safe multisig in
        production) queues a call; after `delay` anyone may execute it, within
        `GRACE_PERIOD`; until then the owner or the guardian may cancel it.
        `delay` is at least the longest request timeout the protocol allows
        (the Issuer and USSI refuse a timeout above it), so holders see every
        change coming and can exit before it takes effect.
@dev A change is identified by keccak256(target, data, salt); the salt lets
     the owner queue the same call twice. Execution uses `raw_call` and
     bubbles the target's revert reason up.
@custom:kill The guardian cancels queued changes; nothing here can pause or
             move funds of the protocol.
"""

from snekmate.auth import ownable
from snekmate.auth import ownable_2step

initializes: ownable
initializes: ownable_2step[ownable := ownable]

exports: (
    ownable_2step.owner,
    ownable_2step.pending_owner,
    ownable_2step.transfer_ownership,
    ownable_2step.accept_ownership,
    # `renounce_ownership` is not exported: the timelock must always have an owner.
)


# @dev Largest calldata of a queued call (a 16-signer set is about 620 bytes).
MAX_DATA: constant(uint256) = 2048
# @dev Shortest and longest delay accepted at deploy.
MIN_DELAY: constant(uint256) = 3600
MAX_DELAY: constant(uint256) = 60 * 86400
# @dev How long a due change stays executable.
GRACE_PERIOD: constant(uint256) = 14 * 86400


# @dev Seconds between queueing and the earliest execution.
delay: public(immutable(uint256))

# @dev Address that may cancel queued changes (besides the owner).
guardian: public(address)
# @dev Per change id: earliest execution time (0 = not queued).
eta: public(HashMap[bytes32, uint256])


# @dev Emitted when a change is queued.
event ChangeQueued:
    id: indexed(bytes32)
    target: indexed(address)
    data: Bytes[MAX_DATA]
    salt: bytes32
    eta: uint256


# @dev Emitted when a queued change is executed.
event ChangeExecuted:
    id: indexed(bytes32)
    target: indexed(address)
    data: Bytes[MAX_DATA]
    executor: address


# @dev Emitted when a queued change is cancelled.
event ChangeCancelled:
    id: indexed(bytes32)
    by: indexed(address)


# @dev Emitted when the guardian changes.
event GuardianChanged:
    previous_guardian: indexed(address)
    new_guardian: indexed(address)


@deploy
def __init__(delay_: uint256, guardian_: address):
    """
    @dev The deployer becomes the owner (hand it to a Safe with `transfer_ownership`).
    @param delay_ Seconds between queueing and execution (1 hour to 60 days).
    @param guardian_ Address that may cancel queued changes.
    """
    assert delay_ >= MIN_DELAY and delay_ <= MAX_DELAY, "timelock: bad delay"
    ownable.__init__()
    ownable_2step.__init__()
    delay = delay_
    self.guardian = guardian_
    log GuardianChanged(previous_guardian=empty(address), new_guardian=guardian_)


@external
def queue(target: address, data: Bytes[MAX_DATA], salt: bytes32) -> bytes32:
    """
    @notice Queues a call to `target` for execution after `delay`. Owner only.
    @param target The protocol contract to call.
    @param data ABI-encoded calldata (selector and arguments).
    @param salt Any value that makes the id unique.
    @return The change id.
    """
    ownable._check_owner()
    assert target != empty(address), "timelock: zero target"
    change_id: bytes32 = self._id(target, data, salt)
    assert self.eta[change_id] == 0, "timelock: already queued"
    eta_: uint256 = block.timestamp + delay
    self.eta[change_id] = eta_
    log ChangeQueued(id=change_id, target=target, data=data, salt=salt, eta=eta_)
    return change_id


@external
def execute(target: address, data: Bytes[MAX_DATA], salt: bytes32):
    """
    @notice Executes a due change. Anyone, from `eta` to `eta + GRACE_PERIOD`.
    @dev The record is cleared before the call (checks-effects-interactions);
         a reverting target reverts the whole execution with its reason.
    @param target The contract the change calls.
    @param data The queued calldata.
    @param salt The queued salt.
    """
    change_id: bytes32 = self._id(target, data, salt)
    due: uint256 = self.eta[change_id]
    assert due != 0, "timelock: not queued"
    assert block.timestamp >= due, "timelock: not yet due"
    assert block.timestamp <= due + GRACE_PERIOD, "timelock: expired"
    self.eta[change_id] = 0
    log ChangeExecuted(id=change_id, target=target, data=data, executor=msg.sender)
    raw_call(target, data)


@external
def cancel(change_id: bytes32):
    """
    @notice Cancels a queued change. Owner or guardian.
    @param change_id The id `queue` returned.
    """
    assert msg.sender == self.guardian or msg.sender == ownable.owner, "timelock: not guardian"
    assert self.eta[change_id] != 0, "timelock: not queued"
    self.eta[change_id] = 0
    log ChangeCancelled(id=change_id, by=msg.sender)


@external
def set_guardian(new_guardian: address):
    """
    @notice Replaces the guardian. Owner only (the guardian only cancels, so
            this needs no delay).
    @param new_guardian The new guardian.
    """
    ownable._check_owner()
    log GuardianChanged(previous_guardian=self.guardian, new_guardian=new_guardian)
    self.guardian = new_guardian


@external
@view
def change_id(target: address, data: Bytes[MAX_DATA], salt: bytes32) -> bytes32:
    """
    @notice The id of a change.
    @param target The contract the change calls.
    @param data The calldata.
    @param salt The salt.
    @return keccak256(abi_encode(target, data, salt)).
    """
    return self._id(target, data, salt)


@internal
@pure
def _id(target: address, data: Bytes[MAX_DATA], salt: bytes32) -> bytes32:
    """
    @dev The change id.
    """
    return keccak256(abi_encode(target, data, salt))
