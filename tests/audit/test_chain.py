"""The audit log's Merkle tree against RFC 9162's definition, written out naively here."""

import hashlib

import pytest

from gateway.audit.chain import (
    consistency_proof,
    frontier_append,
    frontier_root,
    inclusion_proof,
    leaf_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)


def _mth(leaves: list[bytes]) -> bytes:
    """RFC 9162 §2.1.1, literally."""
    if not leaves:
        return hashlib.sha256(b"").digest()
    if len(leaves) == 1:
        return leaves[0]
    k = 1
    while k * 2 < len(leaves):
        k *= 2
    return hashlib.sha256(b"\x01" + _mth(leaves[:k]) + _mth(leaves[k:])).digest()


LEAVES = [leaf_hash({"seq": i, "action": "child.read"}) for i in range(1, 71)]  # one spare for the wrong leaf


def test_the_frontier_gives_the_rfc_root_at_every_size() -> None:
    frontier: list[bytes] = []
    assert frontier_root(frontier) == _mth([])
    for size, leaf in enumerate(LEAVES):
        frontier = frontier_append(frontier, size, leaf)
        assert frontier_root(frontier) == _mth(LEAVES[:size + 1]) == tree_root(LEAVES[:size + 1])
        assert len(frontier) == bin(size + 1).count("1")


@pytest.mark.parametrize("size", [1, 2, 3, 7, 8, 9, 31, 64, 69])
def test_every_inclusion_proof_verifies_and_a_wrong_one_does_not(size: int) -> None:
    root = _mth(LEAVES[:size])
    for index in range(size):
        proof = inclusion_proof(LEAVES[:size], index)
        assert verify_inclusion(LEAVES[index], index, size, proof, root)
        assert not verify_inclusion(LEAVES[index + 1], index, size, proof, root)
        assert not verify_inclusion(LEAVES[index], index, size, proof, hashlib.sha256(b"other").digest())
    assert not verify_inclusion(LEAVES[0], size, size, [], root)


def test_every_consistency_proof_verifies_and_a_rewritten_history_does_not() -> None:
    for new in range(1, 40):
        for old in range(1, new + 1):
            proof = consistency_proof(LEAVES[:new], old)
            assert verify_consistency(old, new, proof, _mth(LEAVES[:old]), _mth(LEAVES[:new])), (old, new)
            if old < new:
                forged = [*LEAVES[:old - 1], leaf_hash({"seq": "forged"})]  # the old tree, one record changed
                assert not verify_consistency(old, new, proof, _mth(forged), _mth(LEAVES[:new]))
