"""Inclusion and consistency proofs (RFC 9162) over the stored leaf hashes, for privacy officers and witnesses."""

from sqlalchemy.ext.asyncio import AsyncConnection

from gateway.core.crypto import b64url

from .chain import consistency_proof, inclusion_proof
from .errors import ProofOutOfRange
from .repository import head_size, leaf_hashes
from .schemas import ConsistencyProof, InclusionProof


async def inclusion(conn: AsyncConnection, *, seq: int, tree_size: int) -> InclusionProof:
    if not 1 <= seq <= tree_size <= await head_size(conn):
        raise ProofOutOfRange("Need 1 ≤ seq ≤ tree_size ≤ the log's size.")
    leaves = await leaf_hashes(conn, tree_size)
    return InclusionProof(seq=seq, tree_size=tree_size, leaf_hash=b64url(leaves[seq - 1]),
                          proof=[b64url(h) for h in inclusion_proof(leaves, seq - 1)])


async def consistency(conn: AsyncConnection, *, first: int, second: int) -> ConsistencyProof:
    if not 1 <= first <= second <= await head_size(conn):
        raise ProofOutOfRange("Need 1 ≤ first ≤ second ≤ the log's size.")
    leaves = await leaf_hashes(conn, second)
    return ConsistencyProof(first=first, second=second,
                            proof=[b64url(h) for h in consistency_proof(leaves, first)])
