# pragma version ~=0.4.3
"""
@title M-of-N attestation signatures
@custom:contract-name attestation
@notice One signer set and threshold per key (the ReserveOracle keys by index
        token, USSI by its own address), and the check that an EIP-712 digest
        carries at least `threshold` valid signatures of distinct signers of
        that set. Both contracts that verify attestations use this module;
        neither keeps a copy of the logic.
@dev Signatures must be sorted by signer address, strictly ascending: one
     pass then proves the signers distinct without storage or a second loop.
     Every loop is bounded by MAX_SIGNERS.
"""

from snekmate.utils import ecdsa


# @dev Largest signer set.
MAX_SIGNERS: constant(uint256) = 16


# @dev Per key: the signers, in the order they were set.
_signers: HashMap[address, DynArray[address, MAX_SIGNERS]]
# @dev Per key and address: whether it is a signer.
is_signer: HashMap[address, HashMap[address, bool]]
# @dev Per key: signatures required (0 = no set).
threshold: HashMap[address, uint256]


# @dev Emitted when a key's signer set or threshold changes.
event SignersSet:
    key: indexed(address)
    signers: DynArray[address, MAX_SIGNERS]
    threshold: uint256


@internal
def _set_signers(key: address, signers: DynArray[address, MAX_SIGNERS], threshold: uint256):
    """
    @dev Replaces the signer set of `key`; both loops are bounded by MAX_SIGNERS.
    @param key The set's key.
    @param signers Signer addresses (distinct, non-zero).
    @param threshold Signatures required, 1 to len(signers).
    """
    assert threshold != 0 and threshold <= len(signers), "attest: bad threshold"
    for old: address in self._signers[key]:
        self.is_signer[key][old] = False
    for signer: address in signers:
        assert signer != empty(address), "attest: zero signer"
        assert not self.is_signer[key][signer], "attest: duplicate signer"
        self.is_signer[key][signer] = True
    self._signers[key] = signers
    self.threshold[key] = threshold
    log SignersSet(key=key, signers=signers, threshold=threshold)


@internal
@view
def _verify(key: address, digest: bytes32, signatures: DynArray[Bytes[65], MAX_SIGNERS]):
    """
    @dev Reverts unless `signatures` hold at least `threshold[key]` valid
         signatures of `digest` by signers of `key`, sorted by signer address.
    @param key The set's key.
    @param digest The EIP-712 digest that was signed.
    @param signatures 65-byte signatures, sorted by recovered signer (ascending).
    """
    required: uint256 = self.threshold[key]
    assert required != 0, "attest: no signer set"
    previous: address = empty(address)
    for signature: Bytes[65] in signatures:
        signer: address = ecdsa._recover_sig(digest, signature)
        assert signer != previous, "attest: duplicate signer"
        assert convert(signer, uint160) > convert(previous, uint160), "attest: signers not sorted"
        assert self.is_signer[key][signer], "attest: unknown signer"
        previous = signer
    assert len(signatures) >= required, "attest: too few signers"


@internal
@view
def _signers_of(key: address) -> DynArray[address, MAX_SIGNERS]:
    """
    @dev The signer set of `key`.
    @param key The set's key.
    @return Signer addresses.
    """
    return self._signers[key]
