"""The audit log's cryptography, as pure functions: a hash per record, a hash chain, and a Merkle tree over the
records as RFC 9162 (Certificate Transparency 2.0) defines it, with inclusion and consistency proofs.

- leaf hash: ``SHA-256(0x00 || JCS(record content))`` (RFC 8785 canonical JSON of the fields in `CONTENT`);
- chain: ``c_n = SHA-256(c_{n-1} || leaf_n)``, ``c_0`` = 32 zero bytes;
- tree: RFC 9162 §2.1.1 (``SHA-256(0x01 || left || right)`` for interior nodes); the append path keeps only the
  *frontier* (the roots of the complete subtrees, largest first), so the root at any size costs O(log n).
"""

import hashlib
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
import rfc8785

EMPTY_CHAIN = bytes(32)

# The fields a record's hash covers, in one place: verification recomputes the hash from exactly these.
CONTENT = ("seq", "occurred_at", "request_id", "trace_id", "span_id", "processing_activity", "organisation_id",
           "role", "professional", "action", "child_id", "purpose", "basis", "outcome", "reasons", "fields",
           "policy_revision", "decision_input", "client")


def _sha256(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def content_of(record: Any) -> dict[str, Any]:
    """The hashed content of a record (a row or a mapping), with the time as UTC microseconds."""
    get = record.get if isinstance(record, dict) else lambda name: getattr(record, name)
    content = {name: get(name) for name in CONTENT}
    moment = content["occurred_at"]
    if isinstance(moment, datetime):
        content["occurred_at"] = moment.astimezone(UTC).isoformat(timespec="microseconds")
    return content


_SAFE_INTEGER = 2**53 - 1


def canonical(content: dict[str, Any]) -> bytes:
    """RFC 8785 (JCS) of a record's content. For what a record holds (ASCII names; strings, integers within
    ±(2^53 - 1), null) orjson with sorted keys writes the same bytes (tests/audit/test_chain.py compares them)
    some fifty times faster; anything else goes to the reference implementation."""
    if all(v is None or isinstance(v, str) or (type(v) is int and -_SAFE_INTEGER <= v <= _SAFE_INTEGER)
           for v in content.values()):
        return orjson.dumps(content, option=orjson.OPT_SORT_KEYS)
    return rfc8785.dumps(content)


def leaf_hash(content: dict[str, Any]) -> bytes:
    return _sha256(b"\x00" + canonical(content))


def node_hash(left: bytes, right: bytes) -> bytes:
    return _sha256(b"\x01" + left + right)


def chain_next(previous: bytes, leaf: bytes) -> bytes:
    return _sha256(previous + leaf)


# --- the frontier (compact range over [0, size)) ----------------------------------------------

def frontier_append(frontier: Sequence[bytes], size: int, leaf: bytes) -> list[bytes]:
    """The frontier after appending `leaf` to a tree of `size` leaves."""
    stack, node = list(frontier), leaf
    while size & 1:
        node = node_hash(stack.pop(), node)
        size >>= 1
    stack.append(node)
    return stack


def frontier_root(frontier: Sequence[bytes]) -> bytes:
    """RFC 9162 MTH of the tree the frontier describes (the empty tree: SHA-256 of nothing)."""
    if not frontier:
        return _sha256(b"")
    root = frontier[-1]
    for left in reversed(frontier[:-1]):
        root = node_hash(left, root)
    return root


def pack(frontier: Sequence[bytes]) -> bytes:
    return b"".join(frontier)


def unpack(data: bytes) -> list[bytes]:
    return [data[i:i + 32] for i in range(0, len(data), 32)]


# --- RFC 9162 §2.1: tree hash and proofs over a list of leaf hashes ---------------------------

def _split(n: int) -> int:
    """The largest power of two smaller than n (n > 1)."""
    k = 1
    while k << 1 < n:
        k <<= 1
    return k


def tree_root(leaves: Sequence[bytes]) -> bytes:
    frontier: list[bytes] = []
    for size, leaf in enumerate(leaves):
        frontier = frontier_append(frontier, size, leaf)
    return frontier_root(frontier)


def inclusion_proof(leaves: Sequence[bytes], index: int) -> list[bytes]:
    """PATH(m, D[n]) of RFC 9162 §2.1.3.1 for leaf `index` in the tree of all `leaves`."""
    n = len(leaves)
    if n <= 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(leaves[:k], index), tree_root(leaves[k:])]
    return [*inclusion_proof(leaves[k:], index - k), tree_root(leaves[:k])]


def consistency_proof(leaves: Sequence[bytes], old_size: int) -> list[bytes]:
    """PROOF(m, D[n]) of RFC 9162 §2.1.4.1: the tree of `old_size` leaves is a prefix of the tree of `leaves`."""

    def subproof(m: int, data: Sequence[bytes], complete: bool) -> list[bytes]:
        n = len(data)
        if m == n:
            return [] if complete else [tree_root(data)]
        k = _split(n)
        if m <= k:
            return [*subproof(m, data[:k], complete), tree_root(data[k:])]
        return [*subproof(m - k, data[k:], False), tree_root(data[:k])]

    if not 0 < old_size <= len(leaves):
        raise ValueError("old size out of range")
    return subproof(old_size, leaves, True)


def verify_inclusion(leaf: bytes, index: int, size: int, proof: Sequence[bytes], root: bytes) -> bool:
    """RFC 9162 §2.1.3.2."""
    if index >= size:
        return False
    fn, sn, result = index, size - 1, leaf
    for node in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            result = node_hash(node, result)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            result = node_hash(result, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and result == root


def verify_consistency(old_size: int, new_size: int, proof: Sequence[bytes], old_root: bytes,
                       new_root: bytes) -> bool:
    """RFC 9162 §2.1.4.2."""
    if old_size == new_size:
        return not proof and old_root == new_root
    if not 0 < old_size < new_size or not proof:
        return False
    path = list(proof)
    if old_size & (old_size - 1) == 0:  # a power of two: the old root is the first node
        path.insert(0, old_root)
    fn, sn = old_size - 1, new_size - 1
    while fn & 1:
        fn, sn = fn >> 1, sn >> 1
    fr = sr = path[0]
    for node in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr, sr = node_hash(node, fr), node_hash(node, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn, sn = fn >> 1, sn >> 1
        else:
            sr = node_hash(sr, node)
        fn, sn = fn >> 1, sn >> 1
    return sn == 0 and fr == old_root and sr == new_root
