"""The audit log's Merkle tree against RFC 9162's definition, written out naively here."""

import hashlib

import pytest
import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from gateway.audit.chain import (
    CONTENT,
    canonical,
    consistency_proof,
    frontier_append,
    frontier_root,
    inclusion_proof,
    leaf_hash,
    tree_root,
    verify_consistency,
    verify_inclusion,
)
from gateway.core.vocabulary import Purpose


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


_VALUES = st.one_of(st.none(), st.text(), st.sampled_from(list(Purpose)),
                    st.integers(min_value=-(2**53 - 1), max_value=2**53 - 1))


@settings(max_examples=400, deadline=None)
@given(st.dictionaries(st.sampled_from(CONTENT), _VALUES))
def test_canonical_content_is_rfc8785(content: dict[str, object]) -> None:
    """The fast writer of a record's canonical JSON gives RFC 8785's bytes, control characters, quotes,
    non-ASCII and the largest exact integers included."""
    assert canonical(content) == rfc8785.dumps(content)


@pytest.mark.parametrize("value", [2**53, -(2**53), 1.5, True, ["a"], {"b": 1}])
def test_values_outside_the_fast_path_go_to_the_reference(value: object) -> None:
    content = {"seq": 1, "reasons": value}
    try:
        expected = rfc8785.dumps(content)
    except rfc8785.CanonicalizationError:
        with pytest.raises(rfc8785.CanonicalizationError):
            canonical(content)
    else:
        assert canonical(content) == expected
