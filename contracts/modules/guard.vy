# pragma version ~=0.4.3
"""
@title Guardian pause
@custom:contract-name guard
@notice One pause switch per protocol contract. The guardian (or the owner)
        pauses; only the owner unpauses. A paused contract refuses every path
        that adds risk (new requests, deliveries, settlement, reports, basket
        changes) and never a path that returns funds (cancel, reject, fill of
        a redemption).
@dev The owner comes from snekmate's `ownable` module, which the deployable
     contract initialises (with `ownable_2step` for two-step transfers).
"""

from snekmate.auth import ownable

uses: ownable


# @dev Address allowed to pause (besides the owner).
guardian: public(address)

# @dev True while risk-adding paths are refused.
paused: public(bool)


# @dev Emitted when the guardian changes.
event GuardianChanged:
    previous_guardian: indexed(address)
    new_guardian: indexed(address)


# @dev Emitted when the contract is paused.
event Paused:
    account: indexed(address)


# @dev Emitted when the contract is unpaused.
event Unpaused:
    account: indexed(address)


@deploy
def __init__(guardian_: address):
    """
    @dev Sets the first guardian.
    @param guardian_ The guardian address (may be empty: then only the owner pauses).
    """
    self.guardian = guardian_
    log GuardianChanged(previous_guardian=empty(address), new_guardian=guardian_)


@external
def set_guardian(new_guardian: address):
    """
    @notice Replaces the guardian. Owner only.
    @param new_guardian The new guardian address.
    """
    ownable._check_owner()
    log GuardianChanged(previous_guardian=self.guardian, new_guardian=new_guardian)
    self.guardian = new_guardian


@external
def pause():
    """
    @notice Pauses every risk-adding path. Guardian or owner.
    """
    assert msg.sender == self.guardian or msg.sender == ownable.owner, "guard: not guardian"
    assert not self.paused, "guard: paused"
    self.paused = True
    log Paused(account=msg.sender)


@external
def unpause():
    """
    @notice Lifts the pause. Owner only.
    """
    ownable._check_owner()
    assert self.paused, "guard: not paused"
    self.paused = False
    log Unpaused(account=msg.sender)


@internal
@view
def _check_not_paused():
    """
    @dev Reverts with "guard: paused" while paused.
    """
    assert not self.paused, "guard: paused"
